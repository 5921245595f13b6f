/**
 * Conversion: Okta's System Log reaches record-verification through Log Streaming's partner event bus or the optional
 * event hook route; the sweep settles unused codes and denies low-conversion prefixes; each function may make only
 * its own calls; the conversion alarms exist only when conversion is measured.
 * Each test reads the synthesized CloudFormation, not the CDK objects: that template is what reaches AWS.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { OKTA_EVENT_TYPES } from '../../service/src/domain/okta-log-event.js';
import { functionByPath, grantsOf, logicalId, type Synth, synthStack } from './helpers.js';

const SOURCE = 'aws.partner/okta.com/acme/okta-phone-mfa';

let defaults: Synth;
let streaming: Synth;
let eventHook: Synth;

beforeAll(() => {
  defaults = synthStack();
  streaming = synthStack({ oktaEventSourceName: SOURCE });
  eventHook = synthStack({ oktaEventHook: true, oktaTelephonyHookId: 'cal3ughy17pylLxQB357' });
});

/** The names of the stack's metric alarms, without the stack prefix. */
const alarmNames = (synth: Synth) =>
  Object.values(synth.template.findResources('AWS::CloudWatch::Alarm')).map((a) =>
    String(a.Properties.AlarmName).replace(/^OktaPhoneMfa-/, ''),
  );

/** The metric alarm with this name (without the stack prefix), with its logical id. */
function alarm(synth: Synth, name: string): { id: string; props: Record<string, any> } {
  const found = Object.entries(synth.template.findResources('AWS::CloudWatch::Alarm')).find(
    ([, a]) => a.Properties.AlarmName === `OktaPhoneMfa-${name}`,
  );
  if (!found) throw new Error(`No alarm OktaPhoneMfa-${name}`);
  return { id: found[0], props: found[1].Properties };
}

/** `{ 'Fn::GetAtt': [id, 'Arn'] }` of a resource, as JSON. */
const arnOf = (id: string) => JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] });

describe('conversion off', () => {
  it('creates no verification function, sweep, event bus, rule or /okta-events route when neither source is set', () => {
    // Prepare
    const paths = Object.values(defaults.template.findResources('AWS::Lambda::Function')).map((f) =>
      String(f.Metadata?.['aws:cdk:path']),
    );
    const routes = Object.values(defaults.template.findResources('AWS::ApiGateway::Resource')).map(
      (r) => r.Properties.PathPart,
    );

    // Assess
    expect(paths.some((p) => p.includes('/Conversion/'))).toBe(false);
    defaults.template.resourceCountIs('AWS::Events::EventBus', 0);
    defaults.template.resourceCountIs('AWS::Events::Rule', 0);
    expect(routes).toEqual(['hook']);
    expect(defaults.settings.oktaEventHook).toBe(false);
  });

  it('has no conversion alarms without a conversion signal: every code would look unused', () => {
    const names = alarmNames(defaults);
    expect(names).toContain('delivery-rate-dropped');
    for (const name of ['conversion-rate-dropped', 'okta-failing-over', 'low-conversion-prefix-denied']) {
      expect(names).not.toContain(name);
    }
  });
});

describe('Okta Log Streaming', () => {
  it('associates an event bus with the partner event source named in oktaEventSourceName', () => {
    streaming.template.hasResourceProperties('AWS::Events::EventBus', {
      Name: SOURCE,
      EventSourceName: SOURCE,
    });
    streaming.template.hasOutput('OktaEventBusName', {});
  });

  it("sends exactly the service's System Log event types from that source to record-verification", () => {
    // Prepare
    const verification = functionByPath(streaming, '/Conversion/RecordVerification/');
    const busId = logicalId(streaming, 'AWS::Events::EventBus', '/Conversion/OktaEventBus/');
    const rule = Object.values(streaming.template.findResources('AWS::Events::Rule')).find(
      (r) => r.Properties.EventBusName !== undefined,
    )!.Properties;

    // Assess
    expect(OKTA_EVENT_TYPES).toContain('user.authentication.auth_via_mfa');
    expect(rule.EventPattern).toEqual({ source: [SOURCE], detail: { eventType: [...OKTA_EVENT_TYPES] } });
    expect(rule.EventBusName).toEqual({ Ref: busId });
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [verification.id, 'Arn'] },
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 8 },
        // What still fails after the retries is kept, not dropped (alarm events-not-processed)
        DeadLetterConfig: {
          Arn: { 'Fn::GetAtt': [logicalId(streaming, 'AWS::SQS::Queue', '/EventFailures/'), 'Arn'] },
        },
      }),
    ]);
    streaming.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [verification.id, 'Arn'] },
    });
  });

  it('adds no event hook route or secret with Log Streaming alone', () => {
    streaming.template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    const env = functionByPath(streaming, '/Conversion/RecordVerification/').props.Environment.Variables;
    expect(env.EVENT_HOOK_SECRET).toBeUndefined();
    expect(env.OKTA_TELEPHONY_HOOK_ID).toBeUndefined();
    expect(env.MESSAGES_TABLE_NAME).toEqual({
      Ref: logicalId(streaming, 'AWS::DynamoDB::Table', '/MessagesTable/'),
    });
  });
});

describe('Okta event hook route', () => {
  it('adds GET and POST /okta-events without an authorizer, to record-verification', () => {
    // Prepare
    const resourceId = Object.entries(eventHook.template.findResources('AWS::ApiGateway::Resource')).find(
      ([, r]) => r.Properties.PathPart === 'okta-events',
    )![0];
    const methods = Object.values(eventHook.template.findResources('AWS::ApiGateway::Method')).filter(
      (m) => JSON.stringify(m.Properties.ResourceId) === JSON.stringify({ Ref: resourceId }),
    );
    const verification = functionByPath(eventHook, '/Conversion/RecordVerification/');

    // Assess
    expect(methods.map((m) => m.Properties.HttpMethod).sort()).toEqual(['GET', 'POST']);
    for (const method of methods) {
      expect(method.Properties.AuthorizationType).toBe('NONE');
      expect(method.Properties.AuthorizerId).toBeUndefined();
      expect(JSON.stringify(method.Properties.Integration.Uri)).toContain(verification.id);
    }
    eventHook.template.hasOutput('OktaEventHookUrl', {});
  });

  it('keeps the header secret in its own Secrets Manager secret, named to the function with its header', () => {
    // Prepare
    const secretId = logicalId(eventHook, 'AWS::SecretsManager::Secret', '/Conversion/EventHookSecret/');
    const env = functionByPath(eventHook, '/Conversion/RecordVerification/').props.Environment.Variables;
    const secret = eventHook.template.findResources('AWS::SecretsManager::Secret')[secretId]!;

    // Assess
    expect(env.EVENT_HOOK_SECRET).toEqual({ Ref: secretId });
    // WAF's log redacts this header (HookFirewall), so the secret never reaches a log.
    expect(env.EVENT_HOOK_HEADER).toBe('authorization');
    // oktaTelephonyHookId: only the telephony hook's failures page
    expect(env.OKTA_TELEPHONY_HOOK_ID).toBe('cal3ughy17pylLxQB357');
    expect(secret.Properties.GenerateSecretString).toMatchObject({
      PasswordLength: 64,
      ExcludePunctuation: true,
    });
    eventHook.template.hasOutput('OktaEventHookSecretArn', { Value: { Ref: secretId } });
  });

  it("exempts only /okta-events from the hook's 8 KB body limit: Okta batches System Log events", () => {
    // Prepare
    const bodyRule = (synth: Synth) =>
      Object.values(synth.template.findResources('AWS::WAFv2::WebACL'))[0]!.Properties.Rules.find(
        (r: { Name: string }) => r.Name === 'HookBodySize',
      ).Statement;

    // Assess
    expect(bodyRule(defaults).SizeConstraintStatement).toMatchObject({
      Size: 8192,
      ComparisonOperator: 'GT',
    });
    expect(bodyRule(eventHook)).toEqual({
      AndStatement: {
        Statements: [
          { SizeConstraintStatement: bodyRule(defaults).SizeConstraintStatement },
          {
            NotStatement: {
              Statement: {
                ByteMatchStatement: {
                  FieldToMatch: { UriPath: {} },
                  PositionalConstraint: 'ENDS_WITH',
                  SearchString: '/okta-events',
                  TextTransformations: [{ Priority: 0, Type: 'NONE' }],
                },
              },
            },
          },
        ],
      },
    });
  });

  it('keeps the /hook route behind its TOKEN authorizer', () => {
    const hookResource = Object.entries(eventHook.template.findResources('AWS::ApiGateway::Resource')).find(
      ([, r]) => r.Properties.PathPart === 'hook',
    )![0];
    const hookMethod = Object.values(eventHook.template.findResources('AWS::ApiGateway::Method')).find(
      (m) => JSON.stringify(m.Properties.ResourceId) === JSON.stringify({ Ref: hookResource }),
    )!;
    expect(hookMethod.Properties.AuthorizationType).toBe('CUSTOM');
  });
});

describe('sweep', () => {
  it('runs sweep-messages every 5 minutes with the low-conversion thresholds, defaults included', () => {
    // Prepare
    const sweep = functionByPath(eventHook, '/Conversion/SweepMessages/');
    const schedule = Object.values(eventHook.template.findResources('AWS::Events::Rule')).find(
      (r) => r.Properties.ScheduleExpression !== undefined,
    )!.Properties;

    // Assess
    expect(schedule.ScheduleExpression).toBe('rate(5 minutes)');
    expect(schedule.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [sweep.id, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 0 },
      }),
    ]);
    expect(sweep.props.Environment.Variables).toMatchObject({
      MESSAGES_TABLE_NAME: { Ref: logicalId(eventHook, 'AWS::DynamoDB::Table', '/MessagesTable/') },
      ABUSE_TABLE_NAME: { Ref: logicalId(eventHook, 'AWS::DynamoDB::Table', '/AbuseTable/') },
      LOW_CONVERSION_MIN_SENDS: '20',
      LOW_CONVERSION_MAX_RATE: '0.1',
      LOW_CONVERSION_DENY_HOURS: '12',
    });
  });

  it('passes changed thresholds through as set', () => {
    const synth = synthStack({
      oktaEventHook: true,
      lowConversion: { minSends: 50, maxRate: 0.05, denyHours: 24 },
    });
    expect(functionByPath(synth, '/Conversion/SweepMessages/').props.Environment.Variables).toMatchObject({
      LOW_CONVERSION_MIN_SENDS: '50',
      LOW_CONVERSION_MAX_RATE: '0.05',
      LOW_CONVERSION_DENY_HOURS: '24',
    });
  });
});

/** The event-failures queue's ARN, as a grant names it. */
const FAILURES = /^\{"Fn::GetAtt":\["EventFailures[0-9A-F]{8}","Arn"\]\}$/;

describe('least privilege', () => {
  it('lets record-verification GetItem and UpdateItem messages, PutMessageFeedback, and read only its secret', () => {
    // Prepare
    const grants = grantsOf(eventHook, '/Conversion/RecordVerification/');
    const tableId = logicalId(eventHook, 'AWS::DynamoDB::Table', '/MessagesTable/');
    const secretId = logicalId(eventHook, 'AWS::SecretsManager::Secret', '/Conversion/EventHookSecret/');

    // Assess
    expect(grants).toEqual({
      'dynamodb:GetItem': [arnOf(tableId)],
      'dynamodb:UpdateItem': [arnOf(tableId)],
      'sms-voice:PutMessageFeedback': [
        JSON.stringify({
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':sms-voice:eu-west-1:123456789012:message/*'],
          ],
        }),
      ],
      'secretsmanager:GetSecretValue': [JSON.stringify({ Ref: secretId })],
      // Lambda's on-failure destination: an Okta event the function still failed after its two retries
      'sqs:GetQueueAttributes': [expect.stringMatching(FAILURES)],
      'sqs:GetQueueUrl': [expect.stringMatching(FAILURES)],
      'sqs:SendMessage': [expect.stringMatching(FAILURES)],
    });
  });

  it('sends an Okta event the verification function still fails on, and a failed sweep, to the event-failures queue', () => {
    // Prepare
    const configs = Object.values(eventHook.template.findResources('AWS::Lambda::EventInvokeConfig'));
    const functionOf = (config: Record<string, any>) => JSON.stringify(config.Properties.FunctionName);
    const verification = configs.find((c) => functionOf(c).includes('RecordVerification'));
    const sweep = configs.find((c) => functionOf(c).includes('SweepMessages'));

    // Assess
    expect(verification?.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^EventFailures/), 'Arn'] } },
      },
    });
    // The next run picks up what a failed one left: no retry, but the failure is kept and alarmed.
    expect(sweep?.Properties).toMatchObject({
      MaximumRetryAttempts: 0,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^EventFailures/), 'Arn'] } },
      },
    });
  });

  it('gives record-verification no secret permission when there is no event hook', () => {
    expect(Object.keys(grantsOf(streaming, '/Conversion/RecordVerification/')).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'sms-voice:PutMessageFeedback',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
  });

  it('lets the sweep Query only the pending index, GetItem/UpdateItem messages, PutItem deny entries, PutMessageFeedback', () => {
    // Prepare
    const grants = grantsOf(eventHook, '/Conversion/SweepMessages/');
    const tableId = logicalId(eventHook, 'AWS::DynamoDB::Table', '/MessagesTable/');
    const abuseId = logicalId(eventHook, 'AWS::DynamoDB::Table', '/AbuseTable/');

    // Assess
    expect(Object.keys(grants).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'sms-voice:PutMessageFeedback',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
    expect(grants['sqs:SendMessage']).toEqual([expect.stringMatching(FAILURES)]);
    expect(grants['dynamodb:Query']).toEqual([
      JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/pending']] }),
    ]);
    expect(grants['dynamodb:GetItem']).toEqual([arnOf(tableId)]);
    expect(grants['dynamodb:UpdateItem']).toEqual([arnOf(tableId)]);
    expect(grants['dynamodb:PutItem']).toEqual([arnOf(abuseId)]);
  });
});

describe('conversion alarms', () => {
  it('alarms when under 50% of accepted codes were used, over 30 minutes, once 20 were accepted, and notifies', () => {
    // Prepare
    const { props } = alarm(eventHook, 'conversion-rate-dropped');
    const metrics = props.Metrics as Array<Record<string, any>>;
    const names = Object.fromEntries(
      metrics.filter((m) => m.MetricStat).map((m) => [m.Id, m.MetricStat.Metric.MetricName]),
    );

    // Assess
    expect(metrics.find((m) => m.Expression)!.Expression).toBe(
      'IF(FILL(sms, 0) + FILL(voice, 0) >= 20, 100 * (FILL(usedSms, 0) + FILL(usedVoice, 0)) / (FILL(sms, 0) + FILL(voice, 0)), 100)',
    );
    expect(names).toEqual({
      sms: 'OtpConvertible',
      voice: 'OtpConvertible',
      usedSms: 'OtpConverted',
      usedVoice: 'OtpConverted',
    });
    expect(props).toMatchObject({
      Threshold: 50,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 2,
    });
    expect(props.AlarmActions).toHaveLength(1);
  });

  it('pages when Okta logs hook timeouts in 2 of 3 five-minute periods, not the error objects we answer on purpose', () => {
    // Prepare
    const { id, props } = alarm(streaming, 'okta-failing-over');
    const composite = Object.values(streaming.template.findResources('AWS::CloudWatch::CompositeAlarm'))[0]!;

    // Assess
    const metrics = props.Metrics as Array<Record<string, any>>;
    expect(metrics).toHaveLength(1);
    expect(metrics[0]!.MetricStat.Metric).toMatchObject({
      MetricName: 'OktaHookFailure',
      Namespace: 'OktaPhoneMfa',
    });
    expect(metrics[0]!.MetricStat.Metric.Dimensions).toContainEqual({ Name: 'kind', Value: 'timeout' });
    expect(props).toMatchObject({ Threshold: 1, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    expect(JSON.stringify(composite.Properties.AlarmRule)).toContain(id);
    expect(props.AlarmActions).toBeUndefined();
  });

  it('says, fed by the event hook alone, that Okta sends it no inline_hook.response.processed', () => {
    const description = (synth: Synth) =>
      JSON.stringify(alarm(synth, 'okta-failing-over').props.AlarmDescription);
    expect(description(eventHook)).toContain('not inline_hook.response.processed');
    expect(description(streaming)).not.toContain('inline_hook.response.processed');
  });

  it('notifies on the first low-conversion prefix denial', () => {
    const { props } = alarm(eventHook, 'low-conversion-prefix-denied');
    expect(props).toMatchObject({
      MetricName: 'LowConversionPrefixDenied',
      Namespace: 'OktaPhoneMfa',
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(props.AlarmActions).toHaveLength(1);
  });
});
