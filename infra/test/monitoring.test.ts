/**
 * Alarms, the notification topic, the dashboard and saved queries (`dashboards/`).
 * Each test reads the synthesized CloudFormation, not the CDK objects: that template is what reaches AWS.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DENY_REASONS } from '../../service/src/domain/token-rules.js';
import { type Synth, synthStack } from './helpers.js';

let defaults: Synth;

beforeAll(() => {
  defaults = synthStack();
});

describe('operations', () => {
  it('notifies through a KMS-encrypted, TLS-only SNS topic, with an e-mail subscription when alarmEmail is set', () => {
    defaults.template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OperationsKey'), 'Arn'] },
    });
    defaults.template.resourceCountIs('AWS::SNS::Subscription', 0);
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
        'OktaPhoneMfa-api-5xx',
        'OktaPhoneMfa-authorizer-denials-spike',
        'OktaPhoneMfa-delivery-failure-rate',
        'OktaPhoneMfa-dlq-not-empty',
        'OktaPhoneMfa-hook-errors',
        'OktaPhoneMfa-hook-latency-p99',
        'OktaPhoneMfa-lambda-throttles',
        'OktaPhoneMfa-waf-blocked-spike',
      ].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm.AlarmDescription).toMatch(
        /^Users: .+\nFirst check: .+\nRunbook: dashboards\/RUNBOOK\.md#[a-z0-9-]+ /,
      );
    }
  });

  it('alarms on one visible DLQ message and on p99 hook duration above 2,000 ms', () => {
    defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'OktaPhoneMfa-dlq-not-empty',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'OktaPhoneMfa-hook-latency-p99',
      MetricName: 'Duration',
      Namespace: 'AWS/Lambda',
      ExtendedStatistic: 'p99',
      Threshold: 2000,
    });
  });

  it('computes the delivery failure rate with metric math over failed and delivered totals', () => {
    // Prepare
    const alarm = Object.values(defaults.template.findResources('AWS::CloudWatch::Alarm')).find(
      (a) => a.Properties.AlarmName === 'OktaPhoneMfa-delivery-failure-rate',
    )!.Properties;
    const expression = alarm.Metrics.find((m: { Expression?: string }) => m.Expression);
    const metricNames = alarm.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat).map(
      (m: { MetricStat: { Metric: { MetricName: string } } }) => m.MetricStat.Metric.MetricName,
    );

    // Assess
    expect(expression.Expression).toContain('100 * FILL(failed, 0) / (FILL(delivered, 0) + FILL(failed, 0))');
    expect(metricNames.sort()).toEqual(['OtpDeliveredTotal', 'OtpDeliveryFailedTotal']);
    expect(alarm.Threshold).toBe(5);
    defaults.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.OtpDeliveryFailed >= 1 }',
      MetricTransformations: [
        Match.objectLike({ MetricName: 'OtpDeliveryFailedTotal', MetricValue: '$.OtpDeliveryFailed' }),
      ],
    });
  });

  it('rolls the user-facing alarms up into the composite "OTP delivery degraded", which pages', () => {
    // Prepare
    const composite = Object.values(defaults.template.findResources('AWS::CloudWatch::CompositeAlarm'))[0]!
      .Properties;
    const rule = JSON.stringify(composite.AlarmRule);

    // Assess
    expect(composite.AlarmName).toBe('OktaPhoneMfa-otp-delivery-degraded');
    expect(composite.AlarmActions).toHaveLength(1);
    for (const child of [
      'DeliveryFailureRate',
      'HookLatencyP99',
      'HookErrors',
      'LambdaThrottles',
      'Api5xx',
    ]) {
      expect(rule).toContain(`Operations${child}`);
    }
    expect(rule).not.toContain('WafBlockedSpike');
  });

  it('draws one dashboard with every row and the 3 s and deadline annotations', () => {
    // Prepare
    defaults.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(
      Object.values(defaults.template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties
        .DashboardBody,
    );

    // Assess
    for (const row of [
      'Traffic and outcomes by channel',
      'Latency',
      'Failures by reason, channel and country',
      'Authorizer denials by reason',
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

  it('explains every reason the authorizer denies with in the denials row', () => {
    // Prepare
    const body = JSON.stringify(
      Object.values(defaults.template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties
        .DashboardBody,
    );
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
      'okta-phone-mfa/cold-starts',
      'okta-phone-mfa/errors-by-reason',
      'okta-phone-mfa/one-request-by-event-id',
      'okta-phone-mfa/slowest-requests',
    ]);
  });
});
