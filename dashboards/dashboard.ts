/**
 * The one CloudWatch dashboard, row by row in the order on-call reads it: is it working, is it fast, why does it
 * fail, who is refused (by the authorizer, by the abuse guard), what is waiting in the DLQ, how Lambda, WAF and
 * DynamoDB are doing.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { VELOCITY_REASONS } from '../service/src/domain/abuse-guard.js';
import { MetricName } from '../service/src/powertools/constants.js';
import { type ServiceAlarms, THRESHOLDS } from './alarms.js';
import {
  answeredHookRequests,
  CHANNELS,
  hookRouteMetric,
  insightsSum,
  lambdaMetric,
  OKTA_TIMEOUT_MS,
  type ServiceSignals,
  serviceMetric,
  type TotalMetrics,
  wafMetric,
} from './metrics.js';
import { FUNNEL_BY_COUNTRY_QUERY, LOG_MESSAGES } from './queries/index.js';

/** Row titles (RUNBOOK.md refers to them by these names). */
export const DASHBOARD_ROWS = [
  'Traffic and outcomes by channel',
  'Funnel',
  'Latency',
  'Failures by reason, channel and country',
  'Authorizer denials by reason',
  'Abuse guard',
  'DLQ depth and age',
  'Lambda',
  'WAF',
  'DynamoDB',
] as const;

type Row = (typeof DASHBOARD_ROWS)[number];

const WIDTH = 24;

function header(row: Row, hint: string): cloudwatch.TextWidget {
  return new cloudwatch.TextWidget({ markdown: `## ${row}\n${hint}`, width: WIDTH, height: 2 });
}

function graph(
  title: string,
  left: cloudwatch.IMetric[],
  options: Partial<cloudwatch.GraphWidgetProps> = {},
): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...options });
}

/**
 * Creates the dashboard.
 *
 * @param scope - construct scope
 * @param signals - the stack's parts
 * @param totals - metric-filter totals
 * @param alarms - the alarms (shown in a status strip at the top)
 */
export function createDashboard(
  scope: Construct,
  signals: ServiceSignals,
  totals: TotalMetrics,
  alarms: ServiceAlarms,
): cloudwatch.Dashboard {
  const stack = Stack.of(scope);
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    dashboardName: `${stack.stackName}-okta-phone-mfa`,
    defaultInterval: Duration.hours(3),
  });
  const perChannel = (name: (typeof MetricName)[keyof typeof MetricName], statistic?: string) =>
    CHANNELS.map((channel) =>
      serviceMetric(name, { channel }, { label: channel, ...(statistic ? { statistic } : {}) }),
    );
  const budget: cloudwatch.HorizontalAnnotation[] = [
    { value: OKTA_TIMEOUT_MS, label: "Okta's 3 s timeout", color: cloudwatch.Color.RED },
    { value: signals.deadlineMs, label: `deadline ${signals.deadlineMs} ms`, color: cloudwatch.Color.ORANGE },
  ];

  const alarmLine = (value: number, label: string): cloudwatch.HorizontalAnnotation => ({
    value,
    label,
    color: cloudwatch.Color.PURPLE,
  });

  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({
      title: 'Alarms (each description names its RUNBOOK.md section)',
      alarms: [
        alarms.deliveryDegraded,
        alarms.deliveryFailureRate,
        alarms.hookLatencyP99,
        ...(alarms.hookTrafficStopped ? [alarms.hookTrafficStopped] : []),
        alarms.hookErrors,
        alarms.lambdaThrottles,
        alarms.api5xx,
        alarms.dlqNewRecords,
        alarms.dlqWriteFailed,
        alarms.idempotencyStoreUnavailable,
        alarms.smsPumpingSuspected,
        alarms.abuseGuardUnavailable,
        alarms.authorizerDenialsSpike,
        alarms.wafBlockedSpike,
        ...(alarms.deliveryRateDropped ? [alarms.deliveryRateDropped] : []),
        ...(alarms.eventsNotProcessed ? [alarms.eventsNotProcessed] : []),
        ...(alarms.conversionRateDropped ? [alarms.conversionRateDropped] : []),
        ...(alarms.oktaFailingOver ? [alarms.oktaFailingOver] : []),
        ...(alarms.lowConversionPrefixDenied ? [alarms.lowConversionPrefixDenied] : []),
        ...(alarms.conversionSignalMissing ? [alarms.conversionSignalMissing] : []),
        ...Object.values(alarms.eventFunctionErrors),
        ...Object.values(alarms.sendsAboveBand),
        ...Object.values(alarms.receiptsUndelivered),
      ],
      width: WIDTH,
      height: 6,
    }),
  );

  // The traffic alarm's own view: what it watches and the band it compares with, over a week so the daily shape
  // (and whether the model has learnt it) shows.
  const trafficPeriod = Duration.minutes(THRESHOLDS.trafficPeriodMinutes);
  const answered = answeredHookRequests(signals, trafficPeriod);
  const traffic = alarms.hookTrafficStopped
    ? [
        graph(
          "Okta's calls answered by the hook, and the expected band",
          [
            answered,
            new cloudwatch.MathExpression({
              label: 'expected (the alarm fires below the band)',
              expression: `ANOMALY_DETECTION_BAND(answered, ${THRESHOLDS.trafficBandStdDevs})`,
              usingMetrics: { answered },
              period: trafficPeriod,
            }),
          ],
          { width: 6, start: '-P7D' },
        ),
      ]
    : [];
  const trafficWidth = traffic.length > 0 ? 6 : 8;
  dashboard.addWidgets(
    header(
      'Traffic and outcomes by channel',
      traffic.length > 0
        ? "Delivered and failed OTPs per channel; duplicates answered without a send; what API Gateway saw; Okta's calls against the band the traffic alarm learnt (a drop to 0 in busy hours: Okta stopped calling)."
        : 'Delivered and failed OTPs per channel; duplicates answered without a send; what API Gateway saw.',
    ),
    graph('Delivered by channel', perChannel(MetricName.OtpDelivered), {
      stacked: true,
      width: trafficWidth,
    }),
    graph(
      'Failed by channel',
      [insightsSum(MetricName.OtpDeliveryFailed, ['channel', 'reason'], 'channel')],
      {
        stacked: true,
        width: trafficWidth,
      },
    ),
    graph(
      'Requests, replays, 4xx',
      [
        signals.stage.metricCount({ label: 'API requests', statistic: cloudwatch.Stats.SUM }),
        ...perChannel(MetricName.IdempotentReplay).map((m) => m.with({ label: `replays ${m.label}` })),
        signals.stage.metricClientError({ label: 'API 4xx', statistic: cloudwatch.Stats.SUM }),
      ],
      { width: trafficWidth },
    ),
    ...traffic,
  );

  addFunnelRow(dashboard, signals, alarms);

  dashboard.addWidgets(
    header('Latency', `Red line: Okta gives up at ${OKTA_TIMEOUT_MS} ms. Orange: our deadline.`),
    graph(
      'Delivery latency (handler start → answer)',
      ['p50', 'p90', 'p99'].flatMap((p) =>
        CHANNELS.map((channel) =>
          serviceMetric(MetricName.DeliveryLatency, { channel }, { statistic: p, label: `${channel} ${p}` }),
        ),
      ),
      { leftAnnotations: budget },
    ),
    graph(
      'Hook Lambda duration',
      ['p50', 'p90', 'p99'].map((p) => lambdaMetric(signals.hookFunction, 'Duration', p, p)),
      { leftAnnotations: budget },
    ),
    graph(
      'API latency, POST /hook: what Okta waits for (the alarm)',
      [
        ...['p50', 'p90', 'p99'].map((p) => hookRouteMetric(signals, 'Latency', { statistic: p, label: p })),
        // Latency minus this is the authorizer and the gateway itself.
        hookRouteMetric(signals, 'IntegrationLatency', { statistic: 'p99', label: 'integration p99' }),
      ],
      {
        leftAnnotations: [
          ...budget,
          alarmLine(THRESHOLDS.hookP99Ms, `alarm: p99 over ${THRESHOLDS.hookP99Ms} ms`),
        ],
      },
    ),
  );

  // One object, labelled, wherever the failure-rate graph uses it: the graph draws it once, on the right axis.
  const failedOurs = totals.failedOurs.with({ label: "failed: ours or the provider's" });
  dashboard.addWidgets(
    header(
      'Failures by reason, channel and country',
      "Reasons are the DLQ record's `error.reason`. Countries come from the logs.",
    ),
    graph(
      'Failures by reason',
      [insightsSum(MetricName.OtpDeliveryFailed, ['channel', 'reason'], 'reason')],
      {
        stacked: true,
      },
    ),
    graph(
      "Failure rate: ours or the provider's (the alarm), and the request's",
      [
        new cloudwatch.MathExpression({
          label: "failed %, ours or the provider's",
          expression: '100 * FILL(ours, 0) / (FILL(delivered, 0) + FILL(ours, 0))',
          usingMetrics: { delivered: totals.delivered, ours: failedOurs },
          period: Duration.minutes(5),
        }),
      ],
      {
        leftAnnotations: [
          alarmLine(THRESHOLDS.failureRatePercent, `alarm: over ${THRESHOLDS.failureRatePercent}%`),
        ],
        right: [
          failedOurs,
          new cloudwatch.MathExpression({
            label: "refused: the request's (bad number, blocked country…)",
            expression: 'FILL(all, 0) - FILL(ours, 0)',
            usingMetrics: { all: totals.failed, ours: failedOurs },
            period: Duration.minutes(5),
          }),
        ],
      },
    ),
    new cloudwatch.LogQueryWidget({
      title: 'Failures by country and reason',
      logGroupNames: [signals.hookLogGroup.logGroupName],
      queryLines: [
        'filter outcome in ["failed", "rejected", "error"]',
        'stats count(*) as failures by country, reason, channel',
        'sort failures desc',
        'limit 20',
      ],
      view: cloudwatch.LogQueryVisualizationType.TABLE,
      width: 8,
      height: 6,
    }),
  );

  dashboard.addWidgets(
    header(
      'Authorizer denials by reason',
      "scope/audience/client/issuer: our config or Okta's; signature/malformed/missing/missing_kid/expired/not_yet_valid: callers that are not Okta; client_shape/audience_shape/scope_shape/issued_in_future/lifetime: signed tokens Okta never issues (token inline hook, leaked key, clock); unknown_key/jwks_unavailable: Okta's keys; internal: a bug (ERROR lines).",
    ),
    graph('Denials by reason', [insightsSum(MetricName.AuthorizerDenied, ['reason'], 'reason')], {
      stacked: true,
      width: 12,
    }),
    graph(
      'Authorizer invocations and duration',
      [lambdaMetric(signals.authorizerFunction, 'Invocations', cloudwatch.Stats.SUM, 'invocations')],
      {
        right: [lambdaMetric(signals.authorizerFunction, 'Duration', 'p99', 'p99 ms')],
        width: 12,
      },
    ),
  );

  // Counts by country come from the logs: the metrics carry reason and channel only (a country dimension would
  // multiply the custom metrics by every country an attacker tries).
  const countryTable = (title: string, queryLines: string[]) =>
    new cloudwatch.LogQueryWidget({
      title,
      logGroupNames: [signals.hookLogGroup.logGroupName],
      queryLines,
      view: cloudwatch.LogQueryVisualizationType.TABLE,
      width: 6,
      height: 6,
    });
  dashboard.addWidgets(
    header(
      'Abuse guard',
      `Refused before any send. Velocity: ${VELOCITY_REASONS.join(', ')}; lists: denied_number, denied_prefix; number_type: premium-rate or shared-cost; line_type: a carrier's line type refusedLineTypes refuses at enrolment. Prefix counts are in the guard's table only (\`npm run abuse -- status +2547…\`): no log line carries a prefix. Runbook: "SMS pumping suspected".`,
    ),
    graph(
      `Refusals by reason (the alarm: ${THRESHOLDS.abuseRefusals} or more in 5 minutes)`,
      [insightsSum(MetricName.OtpBlocked, ['channel', 'reason'], 'reason')],
      {
        stacked: true,
        leftAnnotations: [
          alarmLine(THRESHOLDS.abuseRefusals, `alarm: ${THRESHOLDS.abuseRefusals} refusals in 5 minutes`),
        ],
      },
    ),
    graph(
      'Guard unavailable: delivered without it (fail open)',
      [serviceMetric(MetricName.AbuseGuardUnavailable, {}, { label: 'abuse guard unavailable' })],
      { width: 4 },
    ),
    countryTable('Sends by country (delivered)', [
      `filter message = "${LOG_MESSAGES.delivered}"`,
      'stats count(*) as delivered by country',
      'sort delivered desc',
      'limit 20',
    ]),
    countryTable('Refusals by country and reason', [
      `filter message = "${LOG_MESSAGES.refused}"`,
      'stats count(*) as refusals by country, reason',
      'sort refusals desc',
      'limit 20',
    ]),
  );

  dashboard.addWidgets(
    header(
      'DLQ depth and age',
      'Each message is one user who got no code from us. The alarm counts new records; the depth stays up until someone reads and deletes them (`npm run dlq -- stats`), or for 14 days.',
    ),
    graph(
      'New DLQ records (the alarm) and depth',
      [
        signals.deadLetterQueue.metricNumberOfMessagesSent({
          statistic: cloudwatch.Stats.SUM,
          label: 'new records',
        }),
        signals.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          statistic: cloudwatch.Stats.MAXIMUM,
          label: 'waiting (visible)',
        }),
      ],
      { width: 8 },
    ),
    graph(
      'Oldest DLQ message (s)',
      [signals.deadLetterQueue.metricApproximateAgeOfOldestMessage({ statistic: cloudwatch.Stats.MAXIMUM })],
      { width: 8 },
    ),
    graph(
      'DLQ writes that failed (the alarm: record only in logs)',
      [serviceMetric(MetricName.DlqWriteFailed)],
      { width: 8 },
    ),
  );

  dashboard.addWidgets(
    header('Lambda', "Cold starts spend Okta's budget; throttles send users to Okta's fallback."),
    graph('Cold starts (hook)', [
      new cloudwatch.MathExpression({
        label: 'cold starts',
        expression: `SELECT SUM(ColdStart) FROM SCHEMA(${serviceMetric(MetricName.OtpDelivered).namespace}, function_name, service)`,
        period: Duration.minutes(5),
      }),
    ]),
    graph(
      'Duration p99 and concurrency',
      [
        lambdaMetric(
          signals.hookFunction,
          'ConcurrentExecutions',
          cloudwatch.Stats.MAXIMUM,
          'hook concurrency',
        ),
        lambdaMetric(
          signals.authorizerFunction,
          'ConcurrentExecutions',
          cloudwatch.Stats.MAXIMUM,
          'authorizer concurrency',
        ),
      ],
      {
        right: [
          lambdaMetric(signals.hookFunction, 'Duration', 'p99', 'hook p99 ms'),
          lambdaMetric(signals.authorizerFunction, 'Duration', 'p99', 'authorizer p99 ms'),
        ],
      },
    ),
    graph('Errors and throttles', [
      lambdaMetric(signals.hookFunction, 'Errors', cloudwatch.Stats.SUM, 'hook errors'),
      lambdaMetric(signals.hookFunction, 'Throttles', cloudwatch.Stats.SUM, 'hook throttles'),
      lambdaMetric(signals.authorizerFunction, 'Throttles', cloudwatch.Stats.SUM, 'authorizer throttles'),
    ]),
  );

  dashboard.addWidgets(
    header('WAF', 'Blocked by rule: WAF console → sampled requests, or the aws-waf-logs-* log group.'),
    graph(
      'WAF allowed and blocked',
      [wafMetric(signals, 'AllowedRequests'), wafMetric(signals, 'BlockedRequests')],
      {
        width: 24,
      },
    ),
  );

  const throttles = (table: typeof signals.templatesTable, label: string) =>
    ['ReadThrottleEvents', 'WriteThrottleEvents'].map((name) =>
      table.metric(name, { statistic: cloudwatch.Stats.SUM, label: `${label} ${name}` }),
    );
  dashboard.addWidgets(
    header(
      'DynamoDB',
      'Throttled reads fall back to cached templates; an unavailable idempotency store or abuse guard table is bypassed (their alarms: 2 of 3 periods).',
    ),
    graph(
      'Table throttles',
      [
        ...throttles(signals.templatesTable, 'templates'),
        ...throttles(signals.idempotencyTable, 'idempotency'),
        ...throttles(signals.abuseTable, 'abuse guard'),
        ...(signals.messagesTable ? throttles(signals.messagesTable, 'messages') : []),
      ],
      {
        width: 12,
      },
    ),
    graph(
      'Store fallbacks',
      [
        serviceMetric(MetricName.IdempotencyStoreUnavailable, {}, { label: 'idempotency store unavailable' }),
        serviceMetric(MetricName.AbuseGuardUnavailable, {}, { label: 'abuse guard unavailable' }),
        ...['language', 'default', 'okta', 'builtin'].map((level) =>
          serviceMetric(MetricName.TemplateFallback, { level }, { label: `template fallback: ${level}` }),
        ),
        // A stored template without {{otp}} is skipped at every send until someone fixes it.
        ...['sms', 'voice'].map((channel) =>
          serviceMetric(
            MetricName.TemplateMissingCode,
            { channel },
            { label: `template without the code skipped: ${channel}` },
          ),
        ),
      ],
      { width: 12 },
    ),
  );

  return dashboard;
}

/** The receipt statuses that mean "on the handset", per channel (SMS: some countries send SUCCESSFUL instead). */
export const HANDSET_STATUSES = { sms: ['delivered', 'successful'], voice: ['completed'] } as const;

/**
 * The "Funnel" row: requested → accepted → delivered → used, by channel (metrics) and by country (the logs), with
 * receipts by status, time to handset and what Okta itself logged about the hook.
 */
function addFunnelRow(dashboard: cloudwatch.Dashboard, signals: ServiceSignals, alarms: ServiceAlarms): void {
  const conversion = signals.conversion !== undefined;
  const perChannel = CHANNELS.map((channel) => {
    const statuses = HANDSET_STATUSES[channel];
    const receipts = Object.fromEntries(
      statuses.map((status) => [status, serviceMetric(MetricName.OtpReceipt, { channel, status })]),
    );
    return graph(
      `${channel}: accepted → delivered → used`,
      [
        serviceMetric(MetricName.OtpDelivered, { channel }, { label: 'accepted by End User Messaging' }),
        new cloudwatch.MathExpression({
          label: `delivered to the handset (${statuses.join(' + ')})`,
          expression: statuses.map((status) => `FILL(${status}, 0)`).join(' + '),
          usingMetrics: receipts,
          period: Duration.minutes(5),
        }),
        ...(conversion
          ? [
              serviceMetric(
                MetricName.OtpConvertible,
                { channel },
                { label: 'sign-in and enrolment codes accepted' },
              ),
              serviceMetric(MetricName.OtpConverted, { channel }, { label: 'used (typed into Okta)' }),
              serviceMetric(MetricName.OtpExpiredUnused, { channel }, { label: 'expired unused' }),
            ]
          : []),
      ],
      { width: 8 },
    );
  });
  dashboard.addWidgets(
    header(
      'Funnel',
      `What became of each code after End User Messaging took it. Delivered: the handset's receipt; used: Okta's MFA success for that user and factor${conversion ? '' : ' (not measured here: set oktaEventSourceName or oktaEventHook)'}. Alarms: "Delivery rate dropped" under ${THRESHOLDS.deliveryRatePercent}% of SMS${conversion ? `, "Conversion rate dropped" under ${THRESHOLDS.conversionRatePercent}% of sign-in and enrolment codes used (password reset and unlock codes are never reported used)` : ''}, over ${THRESHOLDS.funnelPeriodMinutes} minutes once ${THRESHOLDS.funnelMinAccepted} codes were accepted.`,
    ),
    graph('Requested → accepted, all channels', [
      hookRouteMetric(signals, 'Count', { label: 'requested (POST /hook)' }),
      insightsSum(MetricName.OtpDelivered, ['channel'], undefined, 'accepted'),
      insightsSum(MetricName.OtpReceipt, ['channel', 'status'], 'status'),
    ]),
    ...perChannel,
  );
  dashboard.addWidgets(
    graph(
      'Time to handset (send → delivery receipt)',
      ['p50', 'p90'].flatMap((p) =>
        CHANNELS.map((channel) =>
          serviceMetric(MetricName.TimeToHandset, { channel }, { statistic: p, label: `${channel} ${p}` }),
        ),
      ),
      { width: 6, leftYAxis: { label: 'ms', showUnits: false } },
    ),
    graph(
      conversion
        ? "Okta's view: hook failures it logged, and low-conversion denials"
        : 'Feedback and message state failures',
      [
        ...(conversion
          ? [
              serviceMetric(
                MetricName.OktaHookFailure,
                { kind: 'timeout' },
                { label: 'Okta: hook timed out' },
              ),
              serviceMetric(MetricName.OktaHookFailure, { kind: 'error' }, { label: 'Okta: hook failed' }),
              serviceMetric(
                MetricName.LowConversionPrefixDenied,
                {},
                { label: 'low-conversion prefixes denied' },
              ),
            ]
          : []),
        insightsSum(MetricName.MessageFeedbackFailed, ['feedback'], 'feedback'),
        serviceMetric(MetricName.MessageStateWriteFailed, {}, { label: 'message state not written (hook)' }),
      ],
      { width: 6 },
    ),
    ...(alarms.deliveryRateDropped
      ? [
          new cloudwatch.AlarmWidget({
            title: 'Delivery rate (the alarm)',
            alarm: alarms.deliveryRateDropped,
            width: 6,
            height: 6,
          }),
        ]
      : []),
    new cloudwatch.LogQueryWidget({
      title: 'Funnel by country: accepted, receipts by status, used',
      logGroupNames: [
        signals.hookLogGroup.logGroupName,
        ...(signals.receiptsLogGroup ? [signals.receiptsLogGroup.logGroupName] : []),
        ...(signals.conversion ? [signals.conversion.verificationLogGroup.logGroupName] : []),
      ],
      queryLines: FUNNEL_BY_COUNTRY_QUERY,
      view: cloudwatch.LogQueryVisualizationType.TABLE,
      width: 6,
      height: 6,
    }),
    graph(
      'Origination failover: identities passed over, by reason (the code went out from the next)',
      [insightsSum(MetricName.OriginationFailover, ['reason'], 'reason')],
      { stacked: true, width: 6 },
    ),
    graph(
      "Resends escalated: a resend sent from the route's next identity, by reason (the first code had no success receipt)",
      [insightsSum(MetricName.ResendEscalated, ['reason'], 'reason')],
      { stacked: true, width: 6 },
    ),
  );
}
