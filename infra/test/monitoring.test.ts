/**
 * Alarms, the notification topic, the dashboard and saved queries (`dashboards/`).
 * Each test reads the synthesized CloudFormation, not the CDK objects: that template is what reaches AWS.
 */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ABUSE_REASONS } from '../../service/src/domain/abuse-guard.js';
import { HOOK_FAILURE_REASONS, REQUEST_FAULT_REASONS } from '../../service/src/domain/failure-class.js';
import { DENY_REASONS } from '../../service/src/domain/token-rules.js';
import { readSettings, SettingsError } from '../lib/settings.js';
import { type Synth, synthStack } from './helpers.js';

type AlarmProps = Record<string, any>;

/** The properties of the metric alarm with this name (without the stack prefix). */
function alarm(synth: Synth, name: string): AlarmProps {
  const found = Object.values(synth.template.findResources('AWS::CloudWatch::Alarm')).find(
    (a) => a.Properties.AlarmName === `OktaPhoneMfa-${name}`,
  );
  if (!found) throw new Error(`No alarm OktaPhoneMfa-${name}`);
  return found.Properties;
}

/** The composite's rule, as text. */
function compositeRule(synth: Synth): string {
  return JSON.stringify(
    Object.values(synth.template.findResources('AWS::CloudWatch::CompositeAlarm'))[0]!.Properties.AlarmRule,
  );
}

/** The metric stats of a metric-math alarm, by id. */
function stats(props: AlarmProps): Record<string, AlarmProps> {
  return Object.fromEntries(
    (props.Metrics as AlarmProps[]).filter((m) => m.MetricStat).map((m) => [m.Id, m.MetricStat]),
  );
}

/** Dimensions as a name → value map. */
function dimensions(list: Array<{ Name: string; Value: unknown }>): Record<string, unknown> {
  return Object.fromEntries(list.map((d) => [d.Name, d.Value]));
}

/** The dashboard body as the JSON text CloudFormation receives. */
function dashboardBody(synth: Synth): string {
  return JSON.stringify(
    Object.values(synth.template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody,
  );
}

let defaults: Synth;

beforeAll(() => {
  defaults = synthStack();
});

describe('operations', () => {
  it('notifies through a KMS-encrypted, TLS-only SNS topic, with an e-mail subscription when alarmEmail is set', () => {
    defaults.template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OperationsKey'), 'Arn'] },
    });
    // The only subscription is the receipt handler's, on the receipts topic (receipts.test.ts): none on alarms.
    const subscriptions = Object.values(defaults.template.findResources('AWS::SNS::Subscription'));
    expect(subscriptions.map((s) => s.Properties.Protocol)).toEqual(['lambda']);
    expect(JSON.stringify(subscriptions[0]!.Properties.TopicArn)).not.toContain('AlarmTopic');
    defaults.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny' })]) },
    });

    const { template } = synthStack({ alarmEmail: 'oncall@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('lets CloudWatch alarms and Logs use the operations key', () => {
    defaults.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'logs.eu-west-1.amazonaws.com' } }),
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('has the alarms the runbook covers, each saying what users see, what to check and where the runbook is', () => {
    // Prepare
    const alarms = Object.values(defaults.template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties,
    );
    const names = alarms.map((a) => a.AlarmName);

    // Assess
    expect(names.sort()).toEqual(
      [
        'OktaPhoneMfa-abuse-guard-unavailable',
        'OktaPhoneMfa-api-5xx',
        'OktaPhoneMfa-authorizer-denials-spike',
        'OktaPhoneMfa-delivery-failure-rate',
        'OktaPhoneMfa-delivery-rate-dropped',
        'OktaPhoneMfa-dlq-new-records',
        'OktaPhoneMfa-dlq-write-failed',
        'OktaPhoneMfa-events-not-processed',
        'OktaPhoneMfa-hook-errors',
        'OktaPhoneMfa-hook-latency-p99',
        'OktaPhoneMfa-hook-traffic-stopped',
        'OktaPhoneMfa-idempotency-store-unavailable',
        'OktaPhoneMfa-lambda-throttles',
        'OktaPhoneMfa-sms-pumping-suspected',
        'OktaPhoneMfa-waf-blocked-spike',
        'OktaPhoneMfa-record-delivery-event-errors',
        // Per allowed country (cdk.json: 12), and in total: sends above the learnt band, codes not delivered.
        ...['total', 'br', 'ca', 'cn', 'de', 'es', 'fr', 'gb', 'it', 'jp', 'mx', 'pt', 'us'].flatMap((c) => [
          `OktaPhoneMfa-sends-above-band-${c}`,
          `OktaPhoneMfa-codes-not-delivered-${c}`,
        ]),
      ].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm.AlarmDescription).toMatch(
        /^Users: .+\nFirst check: .+\nRunbook: dashboards\/RUNBOOK\.md#[a-z0-9-]+ /,
      );
    }
  });

  it('alarms on new DLQ records, not on the visible count that stays red for the 14-day retention', () => {
    // Prepare
    const dlq = alarm(defaults, 'dlq-new-records');
    const onVisible = Object.values(defaults.template.findResources('AWS::CloudWatch::Alarm')).filter(
      (a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );

    // Assess
    // The hook's records only: the receipt handler's go to the same queue for codes Okta got SUCCESSFUL for.
    expect(dlq).toMatchObject({
      Namespace: 'OktaPhoneMfa',
      MetricName: 'DeliveryDeadLettered',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(dimensions(dlq.Dimensions)).toEqual({ service: 'okta-phone-mfa' });
    expect(onVisible).toHaveLength(0);
  });

  it("alarms on p99 of API Gateway's Latency for POST /hook: what Okta waits for, authorizer and cold starts included", () => {
    // Prepare
    const latency = alarm(defaults, 'hook-latency-p99');
    const api = Object.values(defaults.template.findResources('AWS::ApiGateway::RestApi'))[0]!.Properties;
    const hookResource = Object.entries(defaults.template.findResources('AWS::ApiGateway::Resource')).find(
      ([, r]) => r.Properties.PathPart === 'hook',
    )!;

    // Assess
    expect(latency).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Period: 300,
      Threshold: 2000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(dimensions(latency.Dimensions)).toEqual({
      ApiName: api.Name,
      Stage: expect.anything(),
      Resource: '/hook',
      Method: 'POST',
    });
    // Per-method metrics exist only for a POST method on /hook, and only with detailed metrics on.
    defaults.template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      ResourceId: { Ref: hookResource[0] },
    });
    defaults.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', MetricsEnabled: true }),
      ]),
    });
  });

  it("computes the failure rate over failures that are ours or the provider's, never the request's", () => {
    // Prepare
    const rate = alarm(defaults, 'delivery-failure-rate');
    const expression = (rate.Metrics as AlarmProps[]).find((m) => m.Expression)!;
    const inputs = stats(rate);
    const filters = Object.values(defaults.template.findResources('AWS::Logs::MetricFilter')).map(
      (f) => f.Properties,
    );
    const ours = filters.find((f) => f.MetricTransformations[0].MetricName === 'OtpDeliveryFailedOursTotal')!;

    // Assess
    expect(expression.Expression).toContain('100 * FILL(ours, 0) / (FILL(delivered, 0) + FILL(ours, 0))');
    expect(Object.keys(inputs).sort()).toEqual(['delivered', 'ours']);
    expect(inputs.delivered!.Metric.MetricName).toBe('OtpDeliveredTotal');
    expect(inputs.ours!.Metric.MetricName).toBe('OtpDeliveryFailedOursTotal');
    expect(rate).toMatchObject({ Threshold: 5, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    expect(ours.MetricTransformations[0].MetricValue).toBe('$.OtpDeliveryFailed');
    expect(ours.FilterPattern).toContain('$.OtpDeliveryFailed >= 1');
    for (const reason of HOOK_FAILURE_REASONS) {
      const excluded = ours.FilterPattern.includes(`$.reason != "${reason}"`);
      expect(excluded, reason).toBe(REQUEST_FAULT_REASONS.includes(reason));
    }
    // CloudWatch Logs refuses a filter pattern over 1,024 characters.
    expect(ours.FilterPattern.length).toBeLessThanOrEqual(1024);
    // The total of every failure stays, for the dashboard's split.
    defaults.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.OtpDeliveryFailed >= 1 }',
      MetricTransformations: [
        Match.objectLike({ MetricName: 'OtpDeliveryFailedTotal', MetricValue: '$.OtpDeliveryFailed' }),
      ],
    });
  });

  it('alarms on the first DLQ write that failed (the record exists only in the logs)', () => {
    expect(alarm(defaults, 'dlq-write-failed')).toMatchObject({
      Namespace: 'OktaPhoneMfa',
      MetricName: 'DlqWriteFailed',
      Dimensions: [{ Name: 'service', Value: 'okta-phone-mfa' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms when deliveries go without the duplicate guard in 2 of 3 periods, not on one blip', () => {
    expect(alarm(defaults, 'idempotency-store-unavailable')).toMatchObject({
      Namespace: 'OktaPhoneMfa',
      MetricName: 'IdempotencyStoreUnavailable',
      Dimensions: [{ Name: 'service', Value: 'okta-phone-mfa' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
  });

  it("alarms when the hook's answered traffic falls below its anomaly band: Okta failing over to its own providers", () => {
    // Prepare
    const traffic = alarm(defaults, 'hook-traffic-stopped');
    const metrics = traffic.Metrics as AlarmProps[];
    const band = metrics.find((m) => m.Id === traffic.ThresholdMetricId)!;
    const watched = metrics.find((m) => m.Expression && m.Id !== traffic.ThresholdMetricId)!;
    const inputs = Object.values(stats(traffic));

    // Assess
    expect(traffic).toMatchObject({
      ComparisonOperator: 'LessThanLowerThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(band.Expression).toBe(`ANOMALY_DETECTION_BAND(${watched.Id}, 3)`);
    // No request at all is no datapoint at all: filled with 0, the model learns quiet nights and a stop reads 0.
    expect(watched.Expression).toMatch(/^FILL\(\w+, 0\) - FILL\(\w+, 0\)$/);
    expect(inputs.map((s) => [s.Metric.MetricName, s.Stat, s.Period]).sort()).toEqual([
      ['4XXError', 'Sum', 900],
      ['Count', 'Sum', 900],
    ]);
    for (const input of inputs) {
      expect(dimensions(input.Metric.Dimensions)).toMatchObject({ Resource: '/hook', Method: 'POST' });
    }
  });

  it('pages on traffic stopping by default, only notifies with trafficAlarm "notify", and has no alarm with "off"', () => {
    // Prepare
    const notify = synthStack({ trafficAlarm: 'notify' });
    const off = synthStack({ trafficAlarm: 'off' });

    // Assess
    expect(compositeRule(defaults)).toContain('OperationsHookTrafficStopped');
    expect(alarm(defaults, 'hook-traffic-stopped').AlarmActions).toBeUndefined();
    expect(compositeRule(notify)).not.toContain('HookTrafficStopped');
    expect(alarm(notify, 'hook-traffic-stopped').AlarmActions).toHaveLength(1);
    expect(() => alarm(off, 'hook-traffic-stopped')).toThrow();
    expect(compositeRule(off)).not.toContain('HookTrafficStopped');
    expect(dashboardBody(off)).not.toContain('ANOMALY_DETECTION_BAND');
  });

  it('refuses a trafficAlarm other than page, notify or off, naming the setting', () => {
    // The context synthStack builds the app with, with trafficAlarm replaced.
    const read = (value: unknown) => () =>
      readSettings((key) => (key === 'trafficAlarm' ? value : defaults.app.node.tryGetContext(key)));
    expect(read('anomaly')).toThrow(SettingsError);
    expect(read('anomaly')).toThrow(/trafficAlarm: must be one of page, notify, off/);
    expect(read(3)).toThrow(/trafficAlarm/);
    expect(defaults.settings.trafficAlarm).toBe('page');
    expect(read(' Notify ')().trafficAlarm).toBe('notify');
  });

  it('rolls the user-facing alarms up into the composite "OTP delivery degraded", which pages', () => {
    // Prepare
    const composite = Object.values(defaults.template.findResources('AWS::CloudWatch::CompositeAlarm'))[0]!
      .Properties;
    const rule = compositeRule(defaults);

    // Assess
    expect(composite.AlarmName).toBe('OktaPhoneMfa-otp-delivery-degraded');
    expect(composite.AlarmActions).toHaveLength(1);
    for (const child of [
      'DeliveryFailureRate',
      'HookLatencyP99',
      'HookErrors',
      'LambdaThrottles',
      'Api5xx',
      'HookTrafficStopped',
    ]) {
      expect(rule).toContain(`Operations${child}`);
    }
    for (const notifyOnly of [
      'WafBlockedSpike',
      'DlqNewRecords',
      'DlqWriteFailed',
      'IdempotencyStoreUnavailable',
      'AuthorizerDenialsSpike',
      'SmsPumpingSuspected',
      'AbuseGuardUnavailable',
    ]) {
      expect(rule).not.toContain(notifyOnly);
    }
  });

  it('notifies once per incident: the composite and the notify-only alarms, never a child of the composite', () => {
    // Prepare
    const rule = compositeRule(defaults);
    const alarms = Object.entries(defaults.template.findResources('AWS::CloudWatch::Alarm'));

    // Assess
    for (const [id, resource] of alarms) {
      const actions = resource.Properties.AlarmActions;
      if (rule.includes(id)) expect(actions, id).toBeUndefined();
      else expect(actions, id).toHaveLength(1);
    }
  });

  it('draws one dashboard with every row and the 3 s and deadline annotations', () => {
    // Prepare
    defaults.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = dashboardBody(defaults);

    // Assess
    for (const row of [
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
    ]) {
      expect(body).toContain(`## ${row}`);
    }
    expect(body).toMatch(/\\"value\\":3000,\\"label\\":\\"Okta's 3 s timeout/);
    expect(body).toMatch(/\\"value\\":2500,\\"label\\":\\"deadline 2500 ms/);
  });

  it('shows every alarm in the status strip at the top', () => {
    // Prepare
    const body = dashboardBody(defaults);
    const ids = [
      ...Object.keys(defaults.template.findResources('AWS::CloudWatch::Alarm')),
      ...Object.keys(defaults.template.findResources('AWS::CloudWatch::CompositeAlarm')),
    ];

    // Assess
    expect(ids.length).toBeGreaterThan(16);
    for (const id of ids) expect(body, id).toContain(`"${id}"`);
  });

  it('graphs what the new alarms watch: the traffic band, POST /hook latency, our failure rate, DLQ records', () => {
    // Prepare
    const body = dashboardBody(defaults);

    // Assess
    expect(body).toContain('ANOMALY_DETECTION_BAND');
    expect(body).toMatch(/\\"Method\\",\\"POST\\",\\"Resource\\",\\"\/hook\\"/);
    expect(body).toContain('FILL(ours, 0)');
    expect(body).toContain('NumberOfMessagesSent');
    expect(body).toContain('DlqWriteFailed');
    expect(body).toContain('IdempotencyStoreUnavailable');
    // The alarms' thresholds, drawn where on-call compares them.
    expect(body).toMatch(/\\"value\\":2000,\\"label\\":\\"alarm: p99 over 2000 ms/);
    expect(body).toMatch(/\\"value\\":5,\\"label\\":\\"alarm: over 5%/);
  });

  it('explains every reason the authorizer denies with in the denials row', () => {
    // Prepare
    const body = dashboardBody(defaults);
    const row = body.slice(body.indexOf('## Authorizer denials by reason'));
    // The row's markdown ends at its closing quote; its escaped line break would glue to the first word.
    const text = row.slice(0, row.indexOf('\\"')).replace(/\\+n/g, ' ');

    // Assess
    for (const reason of DENY_REASONS) expect(text).toMatch(new RegExp(`\\b${reason}\\b`));
  });

  it('saves the on-call Logs Insights queries', () => {
    const names = Object.values(defaults.template.findResources('AWS::Logs::QueryDefinition')).map(
      (q) => q.Properties.Name,
    );
    expect(names.sort()).toEqual([
      'okta-phone-mfa/abuse-refusals',
      'okta-phone-mfa/cold-starts',
      'okta-phone-mfa/errors-by-reason',
      'okta-phone-mfa/one-code-story',
      'okta-phone-mfa/one-request-by-event-id',
      'okta-phone-mfa/sends-by-country',
      'okta-phone-mfa/slowest-requests',
    ]);
  });
});

describe('operations: the abuse guard', () => {
  it('alarms on SMS pumping when the guard refuses 25 or more requests in 5 minutes, whatever the reason', () => {
    // Prepare
    const pumping = alarm(defaults, 'sms-pumping-suspected');
    const filter = Object.values(defaults.template.findResources('AWS::Logs::MetricFilter')).find(
      (f) => f.Properties.MetricTransformations[0].MetricName === 'OtpBlockedTotal',
    )!.Properties;

    // Assess
    expect(pumping).toMatchObject({
      Namespace: 'OktaPhoneMfa',
      MetricName: 'OtpBlockedTotal',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 25,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    // Every refusal line of the hook, any reason or channel, summed without dimensions.
    expect(filter.FilterPattern).toBe('{ $.OtpBlocked >= 1 }');
    expect(filter.MetricTransformations[0].MetricValue).toBe('$.OtpBlocked');
    expect(filter.MetricTransformations[0].Dimensions).toBeUndefined();
    expect(JSON.stringify(filter.LogGroupName)).toContain('DeliverOtpLogGroup');
    // Notifies on its own: refusals are an attack stopped, not users failing.
    expect(pumping.AlarmActions).toHaveLength(1);
    expect(pumping.OKActions).toHaveLength(1);
  });

  it('alarms when deliveries go without the abuse guard in 2 of 3 periods, and notifies', () => {
    // Prepare
    const unavailable = alarm(defaults, 'abuse-guard-unavailable');

    // Assess
    expect(unavailable).toMatchObject({
      Namespace: 'OktaPhoneMfa',
      MetricName: 'AbuseGuardUnavailable',
      Dimensions: [{ Name: 'service', Value: 'okta-phone-mfa' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(unavailable.AlarmActions).toHaveLength(1);
  });

  it('draws the abuse guard row: refusals by reason against the alarm, fail-open count, sends and refusals by country', () => {
    // Prepare
    const body = dashboardBody(defaults);
    const row = body.slice(body.indexOf('## Abuse guard'), body.indexOf('## DLQ depth and age'));
    const text = row.slice(0, row.indexOf('\\"')).replace(/\\+n/g, ' ');

    // Assess
    expect(row).toContain('SELECT SUM(OtpBlocked) FROM SCHEMA(OktaPhoneMfa, channel, reason, service)');
    expect(row).toContain('GROUP BY reason');
    expect(row).toMatch(/\\"value\\":25,\\"label\\":\\"alarm: 25 refusals in 5 minutes/);
    expect(row).toContain('AbuseGuardUnavailable');
    expect(row).toContain('filter message = \\\\\\"OTP delivered\\\\\\"');
    expect(row).toContain('filter message = \\\\\\"OTP refused by the abuse guard\\\\\\"');
    expect(row).toContain('stats count(*) as delivered by country');
    for (const reason of ABUSE_REASONS) expect(text).toMatch(new RegExp(`\\b${reason}\\b`));
    // The DynamoDB row watches the guard's table too.
    expect(body.slice(body.indexOf('## DynamoDB'))).toContain('abuse guard ReadThrottleEvents');
  });

  it('saves the abuse queries over the hook log, by country and reason, reading no number or prefix', () => {
    // Prepare
    const queries = Object.values(defaults.template.findResources('AWS::Logs::QueryDefinition'))
      .map((q) => q.Properties)
      .filter((q) => /abuse-refusals|sends-by-country/.test(q.Name));

    // Assess
    expect(queries).toHaveLength(2);
    for (const query of queries) {
      expect(query.QueryString).toContain('OTP refused by the abuse guard');
      expect(query.QueryString).toMatch(/by (reason, )?country/);
      expect(query.QueryString).not.toMatch(/prefix|phone|number/i);
      expect(JSON.stringify(query.LogGroupNames)).toContain('DeliverOtpLogGroup');
    }
  });
});

describe('alarms for what stays under every limit, and for the event functions', () => {
  const alarmNames = (synth: Synth) =>
    Object.values(synth.template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties.AlarmName as string,
    );

  it('alarms on sends above the band each country learnt, for the allowed countries, or the routing\'s with "*"', () => {
    // Prepare
    const listed = synthStack({ allowedCountries: ['US', 'mx'] });
    const all = synthStack({
      allowedCountries: ['*'],
      originationIdentities: { GB: 'ACME', FR: '+33755550100' },
    });
    const band = (synth: Synth) =>
      alarmNames(synth)
        .filter((n) => n.includes('sends-above-band'))
        .sort();

    // Assess
    expect(band(listed)).toEqual([
      'OktaPhoneMfa-sends-above-band-mx',
      'OktaPhoneMfa-sends-above-band-total',
      'OktaPhoneMfa-sends-above-band-us',
    ]);
    expect(band(all)).toEqual([
      'OktaPhoneMfa-sends-above-band-fr',
      'OktaPhoneMfa-sends-above-band-gb',
      'OktaPhoneMfa-sends-above-band-total',
    ]);
    const mx = Object.values(listed.template.findResources('AWS::CloudWatch::Alarm')).find(
      (a) => a.Properties.AlarmName === 'OktaPhoneMfa-sends-above-band-mx',
    )!.Properties;
    expect(mx).toMatchObject({ ComparisonOperator: 'GreaterThanUpperThreshold', EvaluationPeriods: 2 });
    const metrics = mx.Metrics as Array<Record<string, any>>;
    expect(metrics.find((m) => m.Expression?.startsWith('ANOMALY_DETECTION_BAND'))).toBeDefined();
    expect(metrics.find((m) => m.MetricStat)?.MetricStat.Metric).toMatchObject({
      MetricName: 'OtpDelivered',
      Dimensions: expect.arrayContaining([{ Name: 'country', Value: 'MX' }]),
    });
  });

  it('keeps per-country alarms to the countries named when more than 20 are allowed, and warns when none are', () => {
    // Prepare: 21 allowed countries
    const many = [
      'US',
      'CA',
      'GB',
      'MX',
      'ES',
      'FR',
      'DE',
      'IT',
      'PT',
      'BR',
      'JP',
      'CN',
      'IN',
      'AU',
      'NZ',
      'IE',
      'NL',
    ];
    const allowedCountries = [...many, 'BE', 'AT', 'CH', 'SE'];
    const unnamed = synthStack({ allowedCountries });
    const named = synthStack({ allowedCountries, alarmCountries: ['us', 'GB'] });
    const perCountry = (synth: Synth) =>
      alarmNames(synth)
        .filter((n) => /-(sends-above-band|codes-not-delivered)/.test(n) && !/total/.test(n))
        .sort();

    // Assess: with none named, only the totals, and the synth says so
    expect(perCountry(unnamed)).toEqual([]);
    expect(alarmNames(unnamed)).toContain('OktaPhoneMfa-sends-above-band-total');
    Annotations.fromStack(unnamed.stack).hasWarning('*', Match.stringLikeRegexp('alarmCountries'));
    expect(perCountry(named).filter((n) => n.includes('sends-above-band'))).toEqual([
      'OktaPhoneMfa-sends-above-band-gb',
      'OktaPhoneMfa-sends-above-band-us',
    ]);
    Annotations.fromStack(named.stack).hasNoWarning('*', Match.stringLikeRegexp('alarmCountries'));
  });

  it("alarms on each event function's errors, and on a missing conversion signal where conversion is measured", () => {
    // Prepare
    const measured = alarmNames(synthStack({ oktaEventHook: true }));

    // Assess
    expect(measured).toEqual(
      expect.arrayContaining([
        'OktaPhoneMfa-record-delivery-event-errors',
        'OktaPhoneMfa-record-verification-errors',
        'OktaPhoneMfa-sweep-messages-errors',
        'OktaPhoneMfa-conversion-signal-missing',
      ]),
    );
    expect(alarmNames(defaults)).not.toContain('OktaPhoneMfa-conversion-signal-missing');
    expect(alarm(defaults, 'record-delivery-event-errors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
  });
});
