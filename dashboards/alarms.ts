/**
 * The alarms. Each description says what users experience, the first thing to check and the RUNBOOK.md section.
 * The ones that mean many users are getting codes late or from Okta's fallback roll up into the composite "OTP
 * delivery degraded", which is what pages; the others notify on their own (one user, or no user yet).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { MetricName } from '../service/src/powertools/constants.js';
import {
  answeredHookRequests,
  hookRouteMetric,
  lambdaMetric,
  OKTA_TIMEOUT_MS,
  type ServiceSignals,
  serviceMetric,
  type TotalMetrics,
  wafMetric,
} from './metrics.js';

/** Where the runbook lives, as alarm descriptions cite it. */
export const RUNBOOK = 'dashboards/RUNBOOK.md';

/** Thresholds, in one place (RUNBOOK.md quotes them). */
export const THRESHOLDS = {
  /** Percentage of deliveries that failed for reasons that are ours or the provider's, over 5 minutes… */
  failureRatePercent: 5,
  /** …once at least this many such requests arrived in those 5 minutes (below it, the DLQ alarm speaks). */
  failureRateMinRequests: 20,
  /** p99 of API Gateway's Latency on POST /hook (authorizer, cold starts, the hook), against Okta's 3 s. */
  hookP99Ms: 2000,
  /** Authorizer denials in 5 minutes. */
  authorizerDenials: 10,
  /** WAF blocked requests in 5 minutes. */
  wafBlocked: 100,
  /** Width of the traffic alarm's anomaly band, in standard deviations: wide, because it is for a stop, not a dip. */
  trafficBandStdDevs: 3,
  /** Period of the traffic alarm, in minutes: long enough that a normal quarter-hour is never empty by chance. */
  trafficPeriodMinutes: 15,
  /**
   * Abuse guard refusals in 5 minutes. A real user who retries trips a limit a few times at most; a pumping script
   * that reaches a limit is refused on every further request, hundreds in 5 minutes at one request a second.
   */
  abuseRefusals: 25,
  /**
   * SMS delivered to the handset (receipts DELIVERED or SUCCESSFUL, which some countries send instead) as a share of
   * SMS End User Messaging accepted, over {@link THRESHOLDS.funnelPeriodMinutes}: below this the alarm fires. OTP
   * traffic to registered senders delivers well above 90%; 80 leaves room for a country's normal losses.
   */
  deliveryRatePercent: 80,
  /**
   * Codes used (Okta's MFA success) as a share of codes accepted, over the same period. Real users type most codes
   * they ask for; half is far below that, and far above what pumping or a carrier that drops codes looks like.
   */
  conversionRatePercent: 50,
  /** Accepted codes per period below which neither rate is judged (one lost code would read as a large drop). */
  funnelMinAccepted: 20,
  /**
   * Period of the delivery and conversion rates, in minutes: receipts arrive seconds after the send and a code is
   * used within its lifetime (minutes), so a long period keeps that lag a small part of it.
   */
  funnelPeriodMinutes: 30,
  /** What Okta logged about our hook failing or timing out, per 5 minutes, in 2 of 3 periods. */
  oktaHookFailures: 1,
  /**
   * Final receipts that say a code never reached the handset, as a share of a country's final receipts over
   * {@link THRESHOLDS.funnelPeriodMinutes}: SMS (carrier unreachable, blocked, TTL expired) above this…
   */
  undeliveredSmsPercent: 20,
  /** …or calls (no answer, busy, failed) above this: people let calls ring out far more often than SMS fail. */
  undeliveredVoicePercent: 50,
  /** Final receipts of a channel per period below which its undelivered share is not judged. */
  undeliveredMinReceipts: 20,
  /**
   * Width of the per-country sends band, in standard deviations: sends far above what the country usually gets in
   * the hour of the week (pumping that stays under every velocity limit, spread over many numbers).
   */
  sendsBandStdDevs: 4,
  /** Sends per period below which a country's (or the total's) band is not judged: a handful is never an attack. */
  sendsMinPerPeriod: 30,
  /** How long the conversion signal may be missing while codes wait for it before the alarm notifies (periods of 5 min). */
  signalMissingPeriods: 3,
} as const;

/**
 * What the traffic alarm does (setting `trafficAlarm`): `page` (in the composite), `notify` (on its own, for orgs
 * whose traffic is too irregular to page on), `off` (no alarm, no band on the dashboard).
 */
export const TRAFFIC_ALARM_MODES = ['page', 'notify', 'off'] as const;

/** One of {@link TRAFFIC_ALARM_MODES}. */
export type TrafficAlarmMode = (typeof TRAFFIC_ALARM_MODES)[number];

/** How the alarms are built, from the deploy settings. */
export type AlarmOptions = {
  /**
   * What the traffic-stopped alarm does.
   * @default 'page'
   */
  trafficAlarm?: TrafficAlarmMode;
  /**
   * ISO countries with alarms of their own (sends above their band, undelivered receipts): the allowed countries, or
   * with `["*"]` those the routing names. The totals are alarmed whatever this holds.
   * @default []
   */
  alarmCountries?: readonly string[];
};

/** The alarms, by name. */
export type ServiceAlarms = {
  dlqNewRecords: cloudwatch.Alarm;
  /** A receipt or an Okta event its function could not process after the retries. */
  eventsNotProcessed?: cloudwatch.Alarm;
  dlqWriteFailed: cloudwatch.Alarm;
  idempotencyStoreUnavailable: cloudwatch.Alarm;
  smsPumpingSuspected: cloudwatch.Alarm;
  abuseGuardUnavailable: cloudwatch.Alarm;
  deliveryFailureRate: cloudwatch.Alarm;
  hookLatencyP99: cloudwatch.Alarm;
  /** Absent with `trafficAlarm: "off"`. */
  hookTrafficStopped?: cloudwatch.Alarm;
  authorizerDenialsSpike: cloudwatch.Alarm;
  hookErrors: cloudwatch.Alarm;
  lambdaThrottles: cloudwatch.Alarm;
  api5xx: cloudwatch.Alarm;
  wafBlockedSpike: cloudwatch.Alarm;
  /** SMS delivery receipts against accepted SMS; only where the stack wires the receipts (`receiptsWired`). */
  deliveryRateDropped?: cloudwatch.Alarm;
  /** Codes used against codes accepted; only when conversion is measured. */
  conversionRateDropped?: cloudwatch.Alarm;
  /** Okta's System Log says our hook failed or timed out; only when conversion is measured (same stream). */
  oktaFailingOver?: cloudwatch.Alarm;
  /** The sweep denied a low-conversion prefix; only when conversion is measured. */
  lowConversionPrefixDenied?: cloudwatch.Alarm;
  /** Codes wait for Okta's events that do not come: the low-conversion deny is paused; only when conversion is measured. */
  conversionSignalMissing?: cloudwatch.Alarm;
  /** Errors of the event functions (receipts, verification, sweep), one alarm each, by function. */
  eventFunctionErrors: Record<string, cloudwatch.Alarm>;
  /** Sends above the learnt band: in total, and per country of {@link AlarmOptions.alarmCountries}. */
  sendsAboveBand: Record<string, cloudwatch.AnomalyDetectionAlarm>;
  /** Undelivered final receipts above their share: in total, and per country; only where receipts are wired. */
  receiptsUndelivered: Record<string, cloudwatch.Alarm>;
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
 * @param options - what the settings decide
 */
export function createAlarms(
  scope: Construct,
  signals: ServiceSignals,
  totals: TotalMetrics,
  topic: sns.ITopic,
  options: AlarmOptions = {},
): ServiceAlarms {
  const trafficAlarm = options.trafficAlarm ?? 'page';
  const prefix = Stack.of(scope).stackName;
  const period = Duration.minutes(5);
  const base = {
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  };

  // New records of failed deliveries, not the visible count: one opted-out user would keep that red for the queue's
  // 14-day retention, hiding every later failure. Not the queue's NumberOfMessagesSent either: the receipt handler
  // writes records there too, for codes Okta already got SUCCESSFUL for (a call not answered, a carrier that lost an
  // SMS), of which this alarm's text would be false; those have their own rate alarm ("Codes not delivered").
  const dlqNewRecords = new cloudwatch.Alarm(scope, 'DlqNewRecords', {
    ...base,
    alarmName: `${prefix}-dlq-new-records`,
    alarmDescription: describeAlarm({
      users:
        'at least one user did not get a code from us in the last 5 minutes; Okta sent it through its own rate-limited providers instead.',
      firstCheck:
        'npm run dlq -- stats, then peek: the records name the reason, channel and country. OK again after 5 minutes without a new record.',
      runbookSection: 'New DLQ records',
    }),
    metric: serviceMetric(MetricName.DeliveryDeadLettered, {}, { period }),
    threshold: 1,
    evaluationPeriods: 1,
  });

  const eventsNotProcessed = signals.eventFailures
    ? new cloudwatch.Alarm(scope, 'EventsNotProcessed', {
        ...base,
        alarmName: `${prefix}-events-not-processed`,
        alarmDescription: describeAlarm({
          users:
            "none at once: a delivery receipt or an Okta MFA event could not be recorded after the retries, so the funnel, a code's story and, for a failed receipt, its DLQ record miss it.",
          firstCheck:
            "the receipt, verification and sweep functions' ERROR lines; the queue EventFailuresQueueUrl holds the events (they name destination numbers: read, then purge).",
          runbookSection: 'Events not processed',
        }),
        metric: signals.eventFailures.metricNumberOfMessagesSent({
          statistic: cloudwatch.Stats.SUM,
          period,
        }),
        threshold: 1,
        evaluationPeriods: 1,
      })
    : undefined;

  const dlqWriteFailed = new cloudwatch.Alarm(scope, 'DlqWriteFailed', {
    ...base,
    alarmName: `${prefix}-dlq-write-failed`,
    alarmDescription: describeAlarm({
      users:
        "a failed delivery could not be dead-lettered: its record exists only in the hook log, and the DLQ alarm did not see it. The user already got Okta's fallback.",
      firstCheck:
        'the hook log group at level ERROR, "DLQ write failed; the record follows": dlqError names the SQS or KMS error.',
      runbookSection: 'DLQ write failed',
    }),
    metric: serviceMetric(MetricName.DlqWriteFailed, {}, { period }),
    threshold: 1,
    evaluationPeriods: 1,
  });

  const idempotencyStoreUnavailable = new cloudwatch.Alarm(scope, 'IdempotencyStoreUnavailable', {
    ...base,
    alarmName: `${prefix}-idempotency-store-unavailable`,
    alarmDescription: describeAlarm({
      users:
        'none yet: codes are delivered, but without the duplicate guard, so a duplicate from Okta reaching another function instance could send a second code.',
      firstCheck:
        'the hook WARN lines "Idempotency store unavailable" (errorName) and dashboard row "DynamoDB"; AWS Health for DynamoDB.',
      runbookSection: 'Idempotency store unavailable',
    }),
    metric: serviceMetric(MetricName.IdempotencyStoreUnavailable, {}, { period }),
    threshold: 1,
    // Sustained, not one slow call cut off at 400 ms.
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
  });

  // The guard's refusals, whatever the reason: every pumping pattern the guard knows ends in refusals. Pumping that
  // stays under every limit is what "Sends above the usual band" (below) is for.
  const smsPumpingSuspected = new cloudwatch.Alarm(scope, 'SmsPumpingSuspected', {
    ...base,
    alarmName: `${prefix}-sms-pumping-suspected`,
    alarmDescription: describeAlarm({
      users: `usually none: the abuse guard refused ${THRESHOLDS.abuseRefusals} or more codes in 5 minutes to numbers, prefixes, users or client IPs over their limits, which is an attack being stopped. If it is a real surge (an office enrolling behind one IP, a limit set too low), those users get Okta's fallback (blockedAnswer "error") or no code ("pretend-sent").`,
      firstCheck:
        'dashboard row "Abuse guard" (refusals by reason, sends and refusals by country), the okta-phone-mfa/abuse-refusals query, then npm run abuse -- status <number or prefix>.',
      runbookSection: 'SMS pumping suspected',
    }),
    metric: totals.blocked.with({ period }),
    threshold: THRESHOLDS.abuseRefusals,
    evaluationPeriods: 1,
  });

  const abuseGuardUnavailable = new cloudwatch.Alarm(scope, 'AbuseGuardUnavailable', {
    ...base,
    alarmName: `${prefix}-abuse-guard-unavailable`,
    alarmDescription: describeAlarm({
      users:
        "none yet: codes are delivered without the abuse guard's table (fail open), so no velocity limit and no allow or deny list holds while it lasts; premium-rate and shared-cost numbers are still refused.",
      firstCheck:
        'the hook WARN lines "Abuse guard\'s table unavailable; delivering without the guard" (errorName) and dashboard row "DynamoDB" (abuse guard throttles); AWS Health for DynamoDB.',
      runbookSection: 'Abuse guard unavailable',
    }),
    metric: serviceMetric(MetricName.AbuseGuardUnavailable, {}, { period }),
    threshold: 1,
    // Sustained, as for the idempotency store: not one slow call cut off by the request's budget.
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
  });

  const delivered = totals.delivered.with({ period });
  const ours = totals.failedOurs.with({ period });
  const deliveryFailureRate = new cloudwatch.Alarm(scope, 'DeliveryFailureRate', {
    ...base,
    alarmName: `${prefix}-delivery-failure-rate`,
    alarmDescription: describeAlarm({
      users: `more than ${THRESHOLDS.failureRatePercent}% of OTP requests fail for reasons that are ours or the provider's (not bad numbers or blocked countries): those users get their code late from Okta's fallback, or not at all.`,
      firstCheck:
        'dashboard row "Failures by reason, channel and country": one reason or one country usually dominates.',
      runbookSection: 'Delivery failure rate',
    }),
    metric: new cloudwatch.MathExpression({
      label: "Failed deliveries, ours or the provider's (%)",
      // Below the minimum volume one failure would read as a large percentage; the DLQ alarm covers it. The
      // request-fault reasons are in neither term: a flood of junk numbers neither pages nor dilutes the rate.
      expression: `IF((FILL(delivered, 0) + FILL(ours, 0)) >= ${THRESHOLDS.failureRateMinRequests}, 100 * FILL(ours, 0) / (FILL(delivered, 0) + FILL(ours, 0)), 0)`,
      usingMetrics: { delivered, ours },
      period,
    }),
    threshold: THRESHOLDS.failureRatePercent,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
  });

  // API Gateway's Latency is what Okta waits for: the authorizer (and its JWKS fetch), both cold starts and the
  // integration. The hook's own Duration misses the first two.
  const hookLatencyP99 = new cloudwatch.Alarm(scope, 'HookLatencyP99', {
    ...base,
    alarmName: `${prefix}-hook-latency-p99`,
    alarmDescription: describeAlarm({
      users: `the slowest 1% of Okta's calls to POST /hook take over ${THRESHOLDS.hookP99Ms} ms at API Gateway (authorizer, cold starts and the hook); past ${OKTA_TIMEOUT_MS} ms Okta gives up on us and sends the code through its own rate-limited providers.`,
      firstCheck:
        'dashboard row "Latency": API latency against the hook\'s own; then the "slowest-requests" and "cold-starts" queries.',
      runbookSection: 'Hook latency p99',
    }),
    metric: hookRouteMetric(signals, 'Latency', { statistic: cloudwatch.Stats.p(99), period }),
    threshold: THRESHOLDS.hookP99Ms,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
  });

  // The one alarm that sees Okta failing over to its own providers: when Okta considers the hook broken, or its
  // configuration changed, it simply stops calling, and nothing else here moves. The anomaly model learns the org's
  // daily and weekly shape (quiet nights included, thanks to FILL); a stop in busy hours falls below its band.
  const hookTrafficStopped =
    trafficAlarm === 'off'
      ? undefined
      : new cloudwatch.AnomalyDetectionAlarm(scope, 'HookTrafficStopped', {
          alarmName: `${prefix}-hook-traffic-stopped`,
          alarmDescription: describeAlarm({
            users:
              "Okta has (nearly) stopped calling the hook while the org normally sends codes: every SMS and voice code now goes through Okta's own rate-limited providers, or users see no code at all.",
            firstCheck:
              'Okta System Log for the inline hook (deactivated, failing, or its OAuth client changed), then dashboard rows "Authorizer denials by reason" and "WAF".',
            runbookSection: 'Hook traffic stopped',
          }),
          metric: answeredHookRequests(signals, Duration.minutes(THRESHOLDS.trafficPeriodMinutes)),
          stdDevs: THRESHOLDS.trafficBandStdDevs,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_LOWER_THRESHOLD,
          // Two of three quarter-hours: the newest period is often still filling in when it is evaluated.
          evaluationPeriods: 3,
          datapointsToAlarm: 2,
          // The band is missing while the model trains; that is no reason to page.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
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

  // --- Receipts and conversion ------------------------------------------------------------------------------
  const funnelPeriod = Duration.minutes(THRESHOLDS.funnelPeriodMinutes);
  const min = THRESHOLDS.funnelMinAccepted;
  // Receipts land after the send, so a rate can pass 100% for a moment; below the minimum volume it reads 100.
  const deliveryRateDropped = signals.receiptsWired
    ? new cloudwatch.Alarm(scope, 'DeliveryRateDropped', {
        ...base,
        alarmName: `${prefix}-delivery-rate-dropped`,
        alarmDescription: describeAlarm({
          users: `fewer than ${THRESHOLDS.deliveryRatePercent}% of the SMS codes End User Messaging accepted reached a handset in ${THRESHOLDS.funnelPeriodMinutes} minutes: those users wait for a code that does not come, while our own metrics say delivered.`,
          firstCheck:
            'dashboard row "Funnel" (receipts by status, by country): one country or one status (blocked, carrier_unreachable, spam) usually dominates. With your own configuration set, check it has the receipts event destination.',
          runbookSection: 'Delivery rate dropped',
        }),
        metric: new cloudwatch.MathExpression({
          label: 'SMS delivered to the handset / SMS accepted (%)',
          expression: `IF(FILL(accepted, 0) >= ${min}, 100 * (FILL(delivered, 0) + FILL(successful, 0)) / FILL(accepted, 0), 100)`,
          usingMetrics: {
            accepted: serviceMetric(MetricName.OtpDelivered, { channel: 'sms' }, { period: funnelPeriod }),
            delivered: serviceMetric(
              MetricName.OtpReceipt,
              { channel: 'sms', status: 'delivered' },
              { period: funnelPeriod },
            ),
            successful: serviceMetric(
              MetricName.OtpReceipt,
              { channel: 'sms', status: 'successful' },
              { period: funnelPeriod },
            ),
          },
          period: funnelPeriod,
        }),
        threshold: THRESHOLDS.deliveryRatePercent,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
      })
    : undefined;

  const conversion = signals.conversion !== undefined;
  const conversionRateDropped = conversion
    ? new cloudwatch.Alarm(scope, 'ConversionRateDropped', {
        ...base,
        alarmName: `${prefix}-conversion-rate-dropped`,
        alarmDescription: describeAlarm({
          users: `fewer than ${THRESHOLDS.conversionRatePercent}% of the sign-in and enrolment codes we sent in ${THRESHOLDS.funnelPeriodMinutes} minutes were typed into Okta: users are not getting them, get them too late, or the traffic is not real users (pumping).`,
          firstCheck:
            'dashboard row "Funnel": delivered but not used points at the message or at pumping (one country, one prefix); not delivered, at the carriers ("Delivery rate dropped").',
          runbookSection: 'Conversion rate dropped',
        }),
        metric: new cloudwatch.MathExpression({
          // Codes whose use Okta reports only (sign-in and enrolment): a password reset's code never converts.
          label: 'codes used / sign-in and enrolment codes accepted (%)',
          expression: `IF(FILL(sms, 0) + FILL(voice, 0) >= ${min}, 100 * (FILL(usedSms, 0) + FILL(usedVoice, 0)) / (FILL(sms, 0) + FILL(voice, 0)), 100)`,
          usingMetrics: {
            sms: serviceMetric(MetricName.OtpConvertible, { channel: 'sms' }, { period: funnelPeriod }),
            voice: serviceMetric(MetricName.OtpConvertible, { channel: 'voice' }, { period: funnelPeriod }),
            usedSms: serviceMetric(MetricName.OtpConverted, { channel: 'sms' }, { period: funnelPeriod }),
            usedVoice: serviceMetric(MetricName.OtpConverted, { channel: 'voice' }, { period: funnelPeriod }),
          },
          period: funnelPeriod,
        }),
        threshold: THRESHOLDS.conversionRatePercent,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
      })
    : undefined;

  // Okta's own account of the hook, from the same System Log stream: it sees a timeout even when our functions
  // recorded a success (an answer that left too late, a gateway in front of us failing). Timeouts only: Okta also logs
  // a FAILURE for every error object we answer on purpose (guard refusals, undeliverable numbers), which our own
  // metrics and alarms already count; those stay on the dashboard, not in a page.
  const oktaFailingOver = conversion
    ? new cloudwatch.Alarm(scope, 'OktaFailingOver', {
        ...base,
        alarmName: `${prefix}-okta-failing-over`,
        alarmDescription: describeAlarm({
          users:
            "Okta logged that our telephony hook timed out: it sent those users' codes through its own rate-limited providers (late, or two codes if ours also arrived).",
          firstCheck: `dashboard row "Funnel" (Okta hook failures by kind), then the hook latency and errors; Okta System Log for inline_hook.executed with outcome FAILURE.${
            signals.conversion?.logStreaming === false
              ? ' Fed by the Okta event hook only: Okta sends event hooks inline_hook.executed (timeouts) but not inline_hook.response.processed, so the errors Okta processed are not counted here.'
              : ''
          }`,
          runbookSection: 'Okta is failing over to its own providers',
        }),
        metric: serviceMetric(
          MetricName.OktaHookFailure,
          { kind: 'timeout' },
          { period, label: 'Okta: hook timed out' },
        ),
        threshold: THRESHOLDS.oktaHookFailures,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
      })
    : undefined;

  const lowConversionPrefixDenied = conversion
    ? new cloudwatch.Alarm(scope, 'LowConversionPrefixDenied', {
        ...base,
        alarmName: `${prefix}-low-conversion-prefix-denied`,
        alarmDescription: describeAlarm({
          users:
            'usually none: a number prefix got many codes in an hour and almost none were used, so the sweep put it on the deny list (pumping). If real users live behind it (a carrier outage there), they get no code from us until it expires or is reset.',
          firstCheck:
            'the sweep\'s log group (the denied prefix, its sends and uses), then npm run abuse -- status <prefix> (reason low-conversion, expiry); dashboard row "Funnel" by country.',
          runbookSection: 'Low-conversion prefix denied',
        }),
        metric: serviceMetric(MetricName.LowConversionPrefixDenied, {}, { period }),
        threshold: 1,
        evaluationPeriods: 1,
      })
    : undefined;

  const conversionSignalMissing = conversion
    ? new cloudwatch.Alarm(scope, 'ConversionSignalMissing', {
        ...base,
        alarmName: `${prefix}-conversion-signal-missing`,
        alarmDescription: describeAlarm({
          users:
            "none at once: codes sent over 15 minutes ago wait for Okta's System Log events that have not arrived (or failed to be recorded), so nothing can tell a used code from an unused one. The low-conversion deny is paused (no prefix is denied without evidence); the velocity limits still hold.",
          firstCheck:
            "Okta Admin → Reports → Log Streaming (active? the partner event source associated?) or the event hook (active, verified?); then the verification function's log group for events at all.",
          runbookSection: 'Conversion signal missing',
        }),
        metric: serviceMetric(MetricName.ConversionSignalMissing, {}, { period }),
        threshold: 1,
        evaluationPeriods: THRESHOLDS.signalMissingPeriods,
        datapointsToAlarm: THRESHOLDS.signalMissingPeriods,
      })
    : undefined;

  // Each event function's own errors: a receipt, an Okta event or a sweep that failed and is being retried (or was
  // given up on: "Events not processed"). Sustained, not one timeout that the retry put right.
  const eventFunctions: Array<[string, lambda.IFunction | undefined, string]> = [
    [
      'record-delivery-event',
      signals.receiptsFunction,
      'receipts are not recorded: the funnel and final-failure DLQ records lag',
    ],
    [
      'record-verification',
      signals.conversion?.verificationFunction,
      "Okta's MFA events are not recorded: used codes may later read as unused",
    ],
    [
      'sweep-messages',
      signals.conversion?.sweepFunction,
      'expired codes are not settled: the low-conversion deny lags',
    ],
  ];
  const eventFunctionErrors: Record<string, cloudwatch.Alarm> = {};
  for (const [name, fn, effect] of eventFunctions) {
    if (!fn) continue;
    const id = name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
    eventFunctionErrors[name] = new cloudwatch.Alarm(scope, `${id}Errors`, {
      ...base,
      alarmName: `${prefix}-${name}-errors`,
      alarmDescription: describeAlarm({
        users: `none at once: ${name} failed in 2 of the last 3 five-minute periods; ${effect}. Lambda retries each event, then keeps it in the event-failures queue.`,
        firstCheck: `the ${name} log group at level ERROR (errorName: a DynamoDB or IAM error, a timeout).`,
        runbookSection: 'Event function errors',
      }),
      metric: lambdaMetric(fn, 'Errors'),
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
  }

  // Sends against the band each series learnt, like the traffic alarm but upwards: pumping that keeps under every
  // velocity limit (password resets to many numbers, 15 a day each) shows as a country sending far more than it does
  // at that hour of the week. An anomaly band watches one series: one alarm for the total, one per named country.
  const sendsPeriod = Duration.minutes(THRESHOLDS.trafficPeriodMinutes);
  const sendsAboveBand: Record<string, cloudwatch.AnomalyDetectionAlarm> = {};
  for (const country of ['total', ...(options.alarmCountries ?? [])]) {
    const sends =
      country === 'total'
        ? new cloudwatch.MathExpression({
            expression: 'FILL(sms, 0) + FILL(voice, 0)',
            usingMetrics: {
              sms: serviceMetric(MetricName.OtpDelivered, { channel: 'sms' }, { period: sendsPeriod }),
              voice: serviceMetric(MetricName.OtpDelivered, { channel: 'voice' }, { period: sendsPeriod }),
            },
            period: sendsPeriod,
          })
        : serviceMetric(MetricName.OtpDelivered, { country }, { period: sendsPeriod });
    const id = country === 'total' ? 'SendsAboveBand' : `SendsAboveBand${country}`;
    sendsAboveBand[country] = new cloudwatch.AnomalyDetectionAlarm(scope, id, {
      alarmName: `${prefix}-sends-above-band-${country.toLowerCase()}`,
      alarmDescription: describeAlarm({
        users: `usually none: ${country === 'total' ? 'the hook' : `${country}`} sent far more codes in ${THRESHOLDS.trafficPeriodMinutes} minutes than it usually does at this hour of the week, while every velocity limit held. Pumping spread over many numbers looks like this; so does a real surge (an enrolment drive, an outage of another factor).`,
        firstCheck:
          'dashboard row "Abuse guard" (sends by country, refusals), the okta-phone-mfa/sends-by-prefix query (prefixes and request types of the last hour), then npm run abuse -- status <prefix>.',
        runbookSection: 'Sends above the usual band',
      }),
      // Below the floor a count is 0 to the band: a country sending a handful never alarms.
      metric: new cloudwatch.MathExpression({
        label: `Codes sent (${country})`,
        expression: `IF(FILL(sends, 0) >= ${THRESHOLDS.sendsMinPerPeriod}, sends, 0)`,
        usingMetrics: { sends },
        period: sendsPeriod,
      }),
      stdDevs: THRESHOLDS.sendsBandStdDevs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  // Final receipts that say the code never arrived (the receipt handler's DLQ records), as a share of final receipts,
  // by channel: Okta already got SUCCESSFUL for these, so they are not "New DLQ records".
  const receiptsUndelivered: Record<string, cloudwatch.Alarm> = {};
  if (signals.receiptsWired) {
    for (const country of ['total', ...(options.alarmCountries ?? [])]) {
      const dims = (channel: string): Record<string, string> =>
        country === 'total' ? { channel } : { channel, country };
      const share = (channel: 'sms' | 'voice', limit: number) =>
        `IF(FILL(${channel}Final, 0) >= ${THRESHOLDS.undeliveredMinReceipts}, 100 * FILL(${channel}Lost, 0) / ${channel}Final - ${limit}, -100)`;
      const id = country === 'total' ? 'ReceiptsUndelivered' : `ReceiptsUndelivered${country}`;
      receiptsUndelivered[country] = new cloudwatch.Alarm(scope, id, {
        ...base,
        alarmName: `${prefix}-codes-not-delivered-${country.toLowerCase()}`,
        alarmDescription: describeAlarm({
          users: `users${country === 'total' ? '' : ` in ${country}`} were answered SUCCESSFUL, but over ${THRESHOLDS.undeliveredSmsPercent}% of SMS (or ${THRESHOLDS.undeliveredVoicePercent}% of calls) in ${THRESHOLDS.funnelPeriodMinutes} minutes never reached them (carrier unreachable, blocked, no answer): they wait for a code that does not come, and retry.`,
          firstCheck:
            'npm run dlq -- peek --kind receipt (status, channel, country), then dashboard row "Funnel" by country: one carrier status usually dominates.',
          runbookSection: 'Codes not delivered',
        }),
        metric: new cloudwatch.MathExpression({
          label: 'Undelivered share above its limit (percentage points; > 0 alarms)',
          expression: `MAX([${share('sms', THRESHOLDS.undeliveredSmsPercent)}, ${share('voice', THRESHOLDS.undeliveredVoicePercent)}])`,
          usingMetrics: {
            smsFinal: serviceMetric(MetricName.FinalReceipt, dims('sms'), { period: funnelPeriod }),
            smsLost: serviceMetric(MetricName.ReceiptDeadLettered, dims('sms'), { period: funnelPeriod }),
            voiceFinal: serviceMetric(MetricName.FinalReceipt, dims('voice'), { period: funnelPeriod }),
            voiceLost: serviceMetric(MetricName.ReceiptDeadLettered, dims('voice'), { period: funnelPeriod }),
          },
          period: funnelPeriod,
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
      });
    }
  }

  const paging: cloudwatch.IAlarm[] = [
    deliveryFailureRate,
    ...(deliveryRateDropped ? [deliveryRateDropped] : []),
    ...(oktaFailingOver ? [oktaFailingOver] : []),
    hookLatencyP99,
    hookErrors,
    lambdaThrottles,
    api5xx,
  ];
  if (hookTrafficStopped && trafficAlarm === 'page') paging.push(hookTrafficStopped);
  const deliveryDegraded = new cloudwatch.CompositeAlarm(scope, 'DeliveryDegraded', {
    compositeAlarmName: `${prefix}-otp-delivery-degraded`,
    alarmDescription: describeAlarm({
      users:
        'OTP delivery degraded: users get codes late, from Okta fallback providers, or not at all. The state reason names the child alarm.',
      firstCheck: "the top of the dashboard (alarm status), then the child alarm's own runbook section.",
      runbookSection: 'OTP delivery degraded',
    }),
    alarmRule: cloudwatch.AlarmRule.anyOf(...paging),
  });

  // One page per incident: the composite notifies for its children; the other alarms notify on their own.
  const notify = new actions.SnsAction(topic);
  const notifying: cloudwatch.AlarmBase[] = [
    deliveryDegraded,
    dlqNewRecords,
    ...(eventsNotProcessed ? [eventsNotProcessed] : []),
    dlqWriteFailed,
    idempotencyStoreUnavailable,
    smsPumpingSuspected,
    abuseGuardUnavailable,
    authorizerDenialsSpike,
    wafBlockedSpike,
    ...(conversionRateDropped ? [conversionRateDropped] : []),
    ...(lowConversionPrefixDenied ? [lowConversionPrefixDenied] : []),
    ...(conversionSignalMissing ? [conversionSignalMissing] : []),
    ...Object.values(eventFunctionErrors),
    ...Object.values(sendsAboveBand),
    ...Object.values(receiptsUndelivered),
  ];
  if (hookTrafficStopped && trafficAlarm === 'notify') notifying.push(hookTrafficStopped);
  for (const alarm of notifying) {
    alarm.addAlarmAction(notify);
    alarm.addOkAction(notify);
  }

  return {
    dlqNewRecords,
    ...(eventsNotProcessed ? { eventsNotProcessed } : {}),
    dlqWriteFailed,
    idempotencyStoreUnavailable,
    smsPumpingSuspected,
    abuseGuardUnavailable,
    deliveryFailureRate,
    hookLatencyP99,
    ...(hookTrafficStopped ? { hookTrafficStopped } : {}),
    authorizerDenialsSpike,
    hookErrors,
    lambdaThrottles,
    api5xx,
    wafBlockedSpike,
    ...(deliveryRateDropped ? { deliveryRateDropped } : {}),
    ...(conversionRateDropped ? { conversionRateDropped } : {}),
    ...(oktaFailingOver ? { oktaFailingOver } : {}),
    ...(lowConversionPrefixDenied ? { lowConversionPrefixDenied } : {}),
    ...(conversionSignalMissing ? { conversionSignalMissing } : {}),
    eventFunctionErrors,
    sendsAboveBand,
    receiptsUndelivered,
    deliveryDegraded,
  };
}
