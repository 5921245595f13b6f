/**
 * The alarms. Each description says what users experience, the first thing to check and the RUNBOOK.md section;
 * the five user-facing ones roll up into the composite "OTP delivery degraded", which is what pages.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  lambdaMetric,
  OKTA_TIMEOUT_MS,
  type ServiceSignals,
  type TotalMetrics,
  wafMetric,
} from './metrics.js';

/** Where the runbook lives, as alarm descriptions cite it. */
export const RUNBOOK = 'dashboards/RUNBOOK.md';

/** Thresholds, in one place (RUNBOOK.md quotes them). */
export const THRESHOLDS = {
  /** Percentage of failed deliveries over 5 minutes… */
  failureRatePercent: 5,
  /** …once at least this many requests arrived in those 5 minutes (below it, the DLQ alarm speaks). */
  failureRateMinRequests: 20,
  /** Hook p99 duration, against Okta's 3 s. */
  hookP99Ms: 2000,
  /** Authorizer denials in 5 minutes. */
  authorizerDenials: 10,
  /** WAF blocked requests in 5 minutes. */
  wafBlocked: 100,
} as const;

/** The alarms, by name. */
export type ServiceAlarms = {
  dlqNotEmpty: cloudwatch.Alarm;
  deliveryFailureRate: cloudwatch.Alarm;
  hookLatencyP99: cloudwatch.Alarm;
  authorizerDenialsSpike: cloudwatch.Alarm;
  hookErrors: cloudwatch.Alarm;
  lambdaThrottles: cloudwatch.Alarm;
  api5xx: cloudwatch.Alarm;
  wafBlockedSpike: cloudwatch.Alarm;
  deliveryDegraded: cloudwatch.CompositeAlarm;
};

/** The parts of an alarm description on-call needs at 3 a.m. */
export type AlarmStory = { users: string; firstCheck: string; runbookSection: string };

/**
 * Renders an alarm description: users, first check, runbook section.
 *
 * @param story - what it means
 */
export function describeAlarm(story: AlarmStory): string {
  const anchor = story.runbookSection
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
  return `Users: ${story.users}\nFirst check: ${story.firstCheck}\nRunbook: ${RUNBOOK}#${anchor} ("${story.runbookSection}")`;
}

/**
 * Creates the alarms and the composite, wired to the on-call topic.
 *
 * @param scope - construct scope
 * @param signals - the stack's parts
 * @param totals - dimensionless totals from metric filters
 * @param topic - the on-call SNS topic
 */
export function createAlarms(
  scope: Construct,
  signals: ServiceSignals,
  totals: TotalMetrics,
  topic: sns.ITopic,
): ServiceAlarms {
  const prefix = Stack.of(scope).stackName;
  const period = Duration.minutes(5);
  const base = {
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  };

  const dlqNotEmpty = new cloudwatch.Alarm(scope, 'DlqNotEmpty', {
    ...base,
    alarmName: `${prefix}-dlq-not-empty`,
    alarmDescription: describeAlarm({
      users:
        'at least one user did not get a code from us; Okta sent it through its own rate-limited providers instead.',
      firstCheck: 'npm run dlq -- stats, then peek: the records name the reason, channel and country.',
      runbookSection: 'DLQ not empty',
    }),
    metric: signals.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      statistic: cloudwatch.Stats.MAXIMUM,
      period,
    }),
    threshold: 1,
    evaluationPeriods: 1,
  });

  const delivered = totals.delivered.with({ period });
  const failed = totals.failed.with({ period });
  const deliveryFailureRate = new cloudwatch.Alarm(scope, 'DeliveryFailureRate', {
    ...base,
    alarmName: `${prefix}-delivery-failure-rate`,
    alarmDescription: describeAlarm({
      users: `more than ${THRESHOLDS.failureRatePercent}% of OTP requests fail: those users get no code from us and see Okta's delivery error.`,
      firstCheck:
        'dashboard row "Failures by reason, channel and country": one reason or one country usually dominates.',
      runbookSection: 'Delivery failure rate',
    }),
    metric: new cloudwatch.MathExpression({
      label: 'Failed deliveries (%)',
      // Below the minimum volume one failure would read as a large percentage; the DLQ alarm covers it.
      expression: `IF((FILL(delivered, 0) + FILL(failed, 0)) >= ${THRESHOLDS.failureRateMinRequests}, 100 * FILL(failed, 0) / (FILL(delivered, 0) + FILL(failed, 0)), 0)`,
      usingMetrics: { delivered, failed },
      period,
    }),
    threshold: THRESHOLDS.failureRatePercent,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
  });

  const hookLatencyP99 = new cloudwatch.Alarm(scope, 'HookLatencyP99', {
    ...base,
    alarmName: `${prefix}-hook-latency-p99`,
    alarmDescription: describeAlarm({
      users: `the slowest 1% of requests take over ${THRESHOLDS.hookP99Ms} ms; past ${OKTA_TIMEOUT_MS} ms Okta gives up on us and sends the code through its own rate-limited providers.`,
      firstCheck:
        'dashboard row "Latency" and the "slowest-requests" query: cold starts, DynamoDB or End User Messaging.',
      runbookSection: 'Hook latency p99',
    }),
    metric: lambdaMetric(signals.hookFunction, 'Duration', cloudwatch.Stats.p(99)),
    threshold: THRESHOLDS.hookP99Ms,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
  });

  const authorizerDenialsSpike = new cloudwatch.Alarm(scope, 'AuthorizerDenialsSpike', {
    ...base,
    alarmName: `${prefix}-authorizer-denials-spike`,
    alarmDescription: describeAlarm({
      users:
        "if Okta's own calls are denied (rotated or misconfigured client, wrong scope or audience), every user's code goes through Okta's fallback providers; if it is an attack, users see nothing.",
      firstCheck:
        'dashboard row "Authorizer denials by reason": scope/audience/client = our config; signature/malformed/missing_kid from unknown IPs = noise or attack; *_shape/issued_in_future/lifetime = a signed token Okta never issues (token inline hook, leaked key); internal = a bug, see the ERROR lines.',
      runbookSection: 'Authorizer denials spike',
    }),
    metric: totals.denied.with({ period }),
    threshold: THRESHOLDS.authorizerDenials,
    evaluationPeriods: 1,
  });

  const hookErrors = new cloudwatch.Alarm(scope, 'HookErrors', {
    ...base,
    alarmName: `${prefix}-hook-errors`,
    alarmDescription: describeAlarm({
      users:
        'the delivery function crashed or timed out: Okta gets a 5xx and sends the code through its own providers.',
      firstCheck: 'the hook log group at level ERROR (cold start config errors name the variable).',
      runbookSection: 'Hook errors',
    }),
    metric: lambdaMetric(signals.hookFunction, 'Errors'),
    threshold: 1,
    evaluationPeriods: 1,
  });

  const lambdaThrottles = new cloudwatch.Alarm(scope, 'LambdaThrottles', {
    ...base,
    alarmName: `${prefix}-lambda-throttles`,
    alarmDescription: describeAlarm({
      users:
        'requests were refused for lack of Lambda concurrency: Okta gets 5xx/429 and falls back to its providers.',
      firstCheck:
        'dashboard row "Lambda": concurrency against the account limit; another workload may be using it.',
      runbookSection: 'Lambda throttles',
    }),
    metric: new cloudwatch.MathExpression({
      label: 'Throttles (hook + authorizer)',
      expression: 'FILL(hook, 0) + FILL(authorizer, 0)',
      usingMetrics: {
        hook: lambdaMetric(signals.hookFunction, 'Throttles'),
        authorizer: lambdaMetric(signals.authorizerFunction, 'Throttles'),
      },
      period,
    }),
    threshold: 1,
    evaluationPeriods: 1,
  });

  const api5xx = new cloudwatch.Alarm(scope, 'Api5xx', {
    ...base,
    alarmName: `${prefix}-api-5xx`,
    alarmDescription: describeAlarm({
      users: 'Okta received server errors: it sends those codes through its own rate-limited providers.',
      firstCheck:
        'access logs: errorType and authorizerError (an authorizer crash shows as AUTHORIZER_CONFIGURATION_ERROR).',
      runbookSection: 'API 5xx',
    }),
    metric: signals.stage.metricServerError({ statistic: cloudwatch.Stats.SUM, period }),
    threshold: 1,
    evaluationPeriods: 1,
  });

  const wafBlockedSpike = new cloudwatch.Alarm(scope, 'WafBlockedSpike', {
    ...base,
    alarmName: `${prefix}-waf-blocked-spike`,
    alarmDescription: describeAlarm({
      users:
        'none if the blocked traffic is hostile; if Okta itself is blocked (new Okta IPs, rate limit), codes go through Okta fallback.',
      firstCheck: 'WAF sampled requests or the aws-waf-logs-* group: which rule, which source IPs.',
      runbookSection: 'WAF blocked spike',
    }),
    metric: wafMetric(signals, 'BlockedRequests'),
    threshold: THRESHOLDS.wafBlocked,
    evaluationPeriods: 1,
  });

  const deliveryDegraded = new cloudwatch.CompositeAlarm(scope, 'DeliveryDegraded', {
    compositeAlarmName: `${prefix}-otp-delivery-degraded`,
    alarmDescription: describeAlarm({
      users:
        'OTP delivery degraded: users get codes late, from Okta fallback providers, or not at all. The state reason names the child alarm.',
      firstCheck: "the top of the dashboard (alarm status), then the child alarm's own runbook section.",
      runbookSection: 'OTP delivery degraded',
    }),
    alarmRule: cloudwatch.AlarmRule.anyOf(
      deliveryFailureRate,
      hookLatencyP99,
      hookErrors,
      lambdaThrottles,
      api5xx,
    ),
  });

  // One page per incident: the composite notifies for its children; the other alarms notify on their own.
  const notify = new actions.SnsAction(topic);
  for (const alarm of [deliveryDegraded, dlqNotEmpty, authorizerDenialsSpike, wafBlockedSpike]) {
    alarm.addAlarmAction(notify);
    alarm.addOkAction(notify);
  }

  return {
    dlqNotEmpty,
    deliveryFailureRate,
    hookLatencyP99,
    authorizerDenialsSpike,
    hookErrors,
    lambdaThrottles,
    api5xx,
    wafBlockedSpike,
    deliveryDegraded,
  };
}
