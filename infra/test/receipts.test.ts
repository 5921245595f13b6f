/**
 * Delivery receipts: the messages table, the configuration set's event destination, the encrypted topic End User
 * Messaging publishes to, the receipt handler and what it may do, the "delivery rate dropped" alarm, the funnel on
 * the dashboard and the trace query.
 * Each test reads the synthesized CloudFormation, not the CDK objects: that template is what reaches AWS.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_ID_PLACEHOLDER, SAVED_QUERIES, traceQuery } from '../../dashboards/queries/index.js';
import { MESSAGES_TABLE } from '../../service/src/domain/message-table.js';
import { functionByPath, grantsOf, logicalId, ref, type Synth, synthStack } from './helpers.js';

let defaults: Synth;

beforeAll(() => {
  defaults = synthStack();
});

/** The one resource of `type` under `pathPart`, with its logical id. */
function resource(synth: Synth, type: string, pathPart: string): Record<string, any> & { id: string } {
  const id = logicalId(synth, type, pathPart);
  return { id, ...synth.template.findResources(type)[id]! };
}

/** The metric alarm with this name (without the stack prefix). */
function alarm(synth: Synth, name: string): Record<string, any> {
  const found = Object.values(synth.template.findResources('AWS::CloudWatch::Alarm')).find(
    (a) => a.Properties.AlarmName === `OktaPhoneMfa-${name}`,
  );
  if (!found) throw new Error(`No alarm OktaPhoneMfa-${name}`);
  return found.Properties;
}

describe('messages table', () => {
  it('keeps each message in an on-demand pk/sk table with TTL on expiresAt and the byEvent and pending indexes', () => {
    // Prepare
    const table = resource(defaults, 'AWS::DynamoDB::Table', '/MessagesTable/');

    // Assess
    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: MESSAGES_TABLE.ttlAttribute, Enabled: true },
    });
    expect(table.Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'eventId', AttributeType: 'S' },
        { AttributeName: 'sweepBucket', AttributeType: 'S' },
        { AttributeName: 'codeExpiresAt', AttributeType: 'N' },
      ]),
    );
    expect(table.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'byEvent',
        KeySchema: [{ AttributeName: 'eventId', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'pending',
        KeySchema: [
          { AttributeName: 'sweepBucket', KeyType: 'HASH' },
          { AttributeName: 'codeExpiresAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  it('treats the table as disposable telemetry: no PITR, no deletion protection, deleted with the stack', () => {
    const table = resource(defaults, 'AWS::DynamoDB::Table', '/MessagesTable/');
    expect(table.Properties.PointInTimeRecoverySpecification).toBeUndefined();
    expect(table.Properties.DeletionProtectionEnabled).toBeUndefined();
    expect(table.DeletionPolicy).toBe('Delete');
    defaults.template.hasOutput('MessagesTableName', { Value: { Ref: table.id } });
  });
});

describe('receipts', () => {
  it("publishes every SMS and voice event of the stack's configuration set to the receipts topic", () => {
    // Prepare
    const set = resource(defaults, 'AWS::SMSVOICE::ConfigurationSet', '/ProviderProtection/');
    const topicId = logicalId(defaults, 'AWS::SNS::Topic', '/Receipts/');
    const policyId = logicalId(defaults, 'AWS::SNS::TopicPolicy', '/Receipts/');

    // Assess
    expect(set.Properties.EventDestinations).toEqual([
      {
        EventDestinationName: 'otp-receipts',
        Enabled: true,
        MatchingEventTypes: ['TEXT_ALL', 'VOICE_ALL'],
        SnsDestination: { TopicArn: { Ref: topicId } },
      },
    ]);
    // End User Messaging may check it can publish when the destination is created: the policy comes first.
    expect(set.DependsOn).toContain(policyId);
  });

  it('encrypts the topic with its own rotating key and refuses anything but TLS', () => {
    // Prepare
    const topic = resource(defaults, 'AWS::SNS::Topic', '/Receipts/');
    const keyId = logicalId(defaults, 'AWS::KMS::Key', '/Receipts/Key/');
    const key = defaults.template.findResources('AWS::KMS::Key')[keyId]!;
    const policy = resource(defaults, 'AWS::SNS::TopicPolicy', '/Receipts/');

    // Assess
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(policy.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ]),
    );
  });

  it("lets only End User Messaging of this account publish, from this account's configuration sets, and use the key", () => {
    // Prepare
    const policy = resource(defaults, 'AWS::SNS::TopicPolicy', '/Receipts/');
    const key = resource(defaults, 'AWS::KMS::Key', '/Receipts/Key/');
    const publish = policy.Properties.PolicyDocument.Statement.find(
      (s: { Sid?: string }) => s.Sid === 'EndUserMessagingPublish',
    );
    const useKey = key.Properties.KeyPolicy.Statement.find(
      (s: { Sid?: string }) => s.Sid === 'EndUserMessagingPublishToEncryptedTopic',
    );

    // Assess
    expect(publish).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'sms-voice.amazonaws.com' },
      Action: 'sns:Publish',
      Condition: {
        StringEquals: { 'aws:SourceAccount': '123456789012' },
        ArnLike: {
          'aws:SourceArn': {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':sms-voice:eu-west-1:123456789012:configuration-set/*'],
            ],
          },
        },
      },
    });
    expect(useKey).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'sms-voice.amazonaws.com' },
      Action: expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']),
      Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
    });
  });

  it('subscribes record-delivery-event to the topic, with the messages table and the DLQ, whose records have their own alarm', () => {
    // Prepare
    const receipts = functionByPath(defaults, '/Receipts/RecordDeliveryEvent/');
    const topicId = logicalId(defaults, 'AWS::SNS::Topic', '/Receipts/');
    const dlqAlarm = alarm(defaults, 'dlq-new-records');

    // Assess
    defaults.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: topicId },
      Endpoint: { 'Fn::GetAtt': [receipts.id, 'Arn'] },
    });
    expect(receipts.props).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    expect(receipts.props.Environment.Variables).toMatchObject({
      MESSAGES_TABLE_NAME: ref('MessagesTable'),
      DLQ_URL: ref('DeadLetterQueue'),
    });
    // A final failure receipt's record goes to the same queue, but Okta already got SUCCESSFUL for that code:
    // "New DLQ records" ("Okta sent it through its own providers") counts the hook's records only, and the receipts'
    // have their rate alarm, by channel (and by country).
    expect(dlqAlarm).toMatchObject({ Namespace: 'OktaPhoneMfa', MetricName: 'DeliveryDeadLettered' });
    const undelivered = alarm(defaults, 'codes-not-delivered-total');
    const names = (undelivered.Metrics as Array<Record<string, any>>)
      .filter((m) => m.MetricStat)
      .map((m) => m.MetricStat.Metric.MetricName)
      .sort();
    expect(names).toEqual(['FinalReceipt', 'FinalReceipt', 'ReceiptDeadLettered', 'ReceiptDeadLettered']);
  });

  it('grants the receipt handler exactly UpdateItem and GetItem on the messages table, SendMessage on the DLQ with its key, and its failure destination', () => {
    // Prepare
    const grants = grantsOf(defaults, '/Receipts/RecordDeliveryEvent/');
    const tableId = logicalId(defaults, 'AWS::DynamoDB::Table', '/MessagesTable/');
    const failures = /^\{"Fn::GetAtt":\["EventFailures[0-9A-F]{8}","Arn"\]\}$/;

    // Assess
    expect(Object.keys(grants).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
    expect(grants['dynamodb:UpdateItem']).toEqual([JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] })]);
    // The DLQ claim reads the item after a conflict (its own landed claim, or another's): the local IAM found it missing.
    expect(grants['dynamodb:GetItem']).toEqual([JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] })]);
    expect(grants['sqs:SendMessage']).toHaveLength(2);
    expect(grants['sqs:SendMessage']!.sort()).toEqual([
      expect.stringMatching(/^\{"Fn::GetAtt":\["DeadLetterQueue[0-9A-F]{8}","Arn"\]\}$/),
      expect.stringMatching(failures),
    ]);
    // Lambda's on-failure destination: the events the handler still failed after its two retries
    for (const action of ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl']) {
      expect(grants[action]).toEqual([expect.stringMatching(failures)]);
    }
    const config = Object.values(defaults.template.findResources('AWS::Lambda::EventInvokeConfig'));
    expect(config).toHaveLength(1);
    expect(config[0]!.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: expect.anything() } },
    });
    for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
      expect(grants[action]).toHaveLength(1);
      expect(grants[action]![0]).toMatch(/^\{"Fn::GetAtt":\["DeadLetterKey[0-9A-F]{8}","Arn"\]\}$/);
    }
  });

  it('gives the hook the messages table: UpdateItem (conditional writes, never a Put), GetItem only for resends, not its indexes', () => {
    // Prepare
    const hook = functionByPath(defaults, '/DeliverOtp/');
    const grants = grantsOf(defaults, '/DeliverOtp/');
    const tableId = logicalId(defaults, 'AWS::DynamoDB::Table', '/MessagesTable/');
    const onMessages = (synth: Synth) =>
      Object.entries(grantsOf(synth, '/DeliverOtp/'))
        .filter(([, resources]) => resources.some((r) => r.includes(tableId)))
        .map(([action]) => action)
        .sort();
    const same = synthStack({ resendPolicy: 'same' });

    // Assess
    expect(hook.props.Environment.Variables.MESSAGES_TABLE_NAME).toEqual({ Ref: tableId });
    expect(hook.props.Environment.Variables).not.toHaveProperty('RESEND_POLICY');
    expect(onMessages(defaults)).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(onMessages(same)).toEqual(['dynamodb:UpdateItem']);
    expect(functionByPath(same, '/DeliverOtp/').props.Environment.Variables.RESEND_POLICY).toBe('same');
    expect(grants['dynamodb:UpdateItem']).toContain(JSON.stringify({ 'Fn::GetAtt': [tableId, 'Arn'] }));
    expect(grants['dynamodb:BatchWriteItem']).toBeUndefined();
  });

  it('turns message feedback on for the configuration set only when conversion is measured', () => {
    // Prepare
    const measured = synthStack({ oktaEventHook: true });
    const feedback = (synth: Synth) =>
      resource(synth, 'AWS::SMSVOICE::ConfigurationSet', '/ProviderProtection/').Properties
        .MessageFeedbackEnabled;

    // Assess: without a conversion signal nothing would ever set RECEIVED.
    expect(feedback(defaults)).toBe(false);
    expect(feedback(measured)).toBe(true);
    // The hook likewise: no feedback request, no prefix kept, nothing to sweep, unless something marks codes used.
    const hookEnv = (synth: Synth) => functionByPath(synth, '/DeliverOtp/').props.Environment.Variables;
    expect(hookEnv(defaults).CONVERSION).toBe('false');
    expect(hookEnv(measured).CONVERSION).toBe('true');
  });

  it("leaves the operator's own configuration set alone and outputs the topic to point it at", () => {
    // Act
    const synth = synthStack({ configurationSetName: 'otp-events' });

    // Assess
    synth.template.resourceCountIs('AWS::SMSVOICE::ConfigurationSet', 0);
    synth.template.resourceCountIs('AWS::SNS::Subscription', 1);
    // No receipt may ever arrive until the operator adds the destination: no alarm that would page on 0 %.
    const names = Object.values(synth.template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties.AlarmName,
    );
    expect(names.some((name) => String(name).endsWith('-delivery-rate-dropped'))).toBe(false);
    expect(names.some((name) => String(name).endsWith('-delivery-failure-rate'))).toBe(true);
    synth.template.hasOutput('ReceiptsTopicArn', {
      Value: { Ref: logicalId(synth, 'AWS::SNS::Topic', '/Receipts/') },
      Description: Match.stringLikeRegexp('TEXT_ALL, VOICE_ALL'),
    });
  });
});

describe('delivery rate alarm', () => {
  it('alarms when SMS receipts (delivered or successful) fall under 80% of accepted SMS, only once 20 were accepted', () => {
    // Prepare
    const rate = alarm(defaults, 'delivery-rate-dropped');
    const metrics = rate.Metrics as Array<Record<string, any>>;
    const expression = metrics.find((m) => m.Expression)!;
    const stat = (id: string) => metrics.find((m) => m.Id === id)!.MetricStat;
    const dims = (id: string) =>
      Object.fromEntries(
        stat(id).Metric.Dimensions.map((d: { Name: string; Value: string }) => [d.Name, d.Value]),
      );

    // Assess
    expect(expression.Expression).toBe(
      'IF(FILL(accepted, 0) >= 20, 100 * (FILL(delivered, 0) + FILL(successful, 0)) / FILL(accepted, 0), 100)',
    );
    expect(stat('accepted').Metric.MetricName).toBe('OtpDelivered');
    expect(dims('accepted')).toEqual({ service: 'okta-phone-mfa', channel: 'sms' });
    expect(stat('delivered').Metric.MetricName).toBe('OtpReceipt');
    expect(dims('delivered')).toEqual({ service: 'okta-phone-mfa', channel: 'sms', status: 'delivered' });
    expect(dims('successful')).toEqual({ service: 'okta-phone-mfa', channel: 'sms', status: 'successful' });
    expect(stat('accepted').Period).toBe(1800);
    expect(rate).toMatchObject({
      Threshold: 80,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(rate.AlarmDescription).toMatch(/RUNBOOK\.md#delivery-rate-dropped /);
  });

  it('pages through "OTP delivery degraded": users wait for a code that does not come', () => {
    // Prepare
    const id = Object.entries(defaults.template.findResources('AWS::CloudWatch::Alarm')).find(
      ([, a]) => a.Properties.AlarmName === 'OktaPhoneMfa-delivery-rate-dropped',
    )![0];
    const composite = Object.values(defaults.template.findResources('AWS::CloudWatch::CompositeAlarm'))[0]!;

    // Assess
    expect(JSON.stringify(composite.Properties.AlarmRule)).toContain(id);
    expect(alarm(defaults, 'delivery-rate-dropped').AlarmActions).toBeUndefined();
  });
});

describe('funnel on the dashboard', () => {
  /** The dashboard body as the JSON text CloudFormation receives. */
  const body = (synth: Synth) =>
    JSON.stringify(
      Object.values(synth.template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody,
    );

  it('draws the Funnel row: accepted, delivered and used per channel, time to handset p50/p90, receipts by status', () => {
    // Prepare
    const text = body(synthStack({ oktaEventHook: true }));

    // Assess
    expect(text).toContain('## Funnel');
    expect(text).toContain('sms: accepted → delivered → used');
    expect(text).toContain('voice: accepted → delivered → used');
    expect(text).toContain('FILL(delivered, 0) + FILL(successful, 0)');
    expect(text).toContain('FILL(completed, 0)');
    expect(text).toMatch(/OtpConverted/);
    expect(text).toMatch(/\\"TimeToHandset\\",\\"channel\\",\\"sms\\".+\\"stat\\":\\"p50\\"/);
    expect(text).toMatch(/\\"TimeToHandset\\",\\"channel\\",\\"voice\\".+\\"stat\\":\\"p90\\"/);
    expect(text).toContain('SELECT SUM(OtpReceipt) FROM SCHEMA(OktaPhoneMfa, channel, status, service)');
  });

  it('draws origination failovers by reason', () => {
    const text = body(defaults);
    expect(text).toContain('Origination failover');
    expect(text).toContain(
      "SELECT SUM(OriginationFailover) FROM SCHEMA(OktaPhoneMfa, reason, service) WHERE service = 'okta-phone-mfa' GROUP BY reason",
    );
  });

  it('breaks the funnel down by country from the hook, receipt and verification logs', () => {
    // Prepare
    const synth = synthStack({ oktaEventHook: true });
    const text = body(synth);
    const groups = [
      '/DeliverOtp/LogGroup',
      '/Receipts/RecordDeliveryEvent/LogGroup',
      '/Conversion/RecordVerification/LogGroup',
    ].map((path) => logicalId(synth, 'AWS::Logs::LogGroup', path));

    // Assess
    expect(text).toContain('Funnel by country');
    expect(text).toContain('stats count(*) as messages by country, channel, stage');
    for (const group of groups) expect(text, group).toContain(group);
  });

  it('says on the dashboard that conversion is not measured when neither Okta source is set', () => {
    const text = body(defaults);
    expect(text).toContain('not measured here: set oktaEventSourceName or oktaEventHook');
    expect(text).not.toContain('OtpConverted');
  });
});

describe('trace query', () => {
  it("finds one code's lines by Okta event id, request id or message id, oldest first, with no code field", () => {
    // Act
    const query = traceQuery('  a1b2c3d4-0000-4000-8000-123456789abc ');

    // Assess
    expect(query).toContain(
      '| filter eventId = "a1b2c3d4-0000-4000-8000-123456789abc" or requestId = "a1b2c3d4-0000-4000-8000-123456789abc" or messageId = "a1b2c3d4-0000-4000-8000-123456789abc"',
    );
    expect(query).toMatch(/\| sort @timestamp asc/);
    expect(query).toMatch(/\bstatus\b.*\bfeedback\b/);
    expect(query).not.toMatch(/otp|phoneNumber/i);
  });

  it('refuses an id that could change the query', () => {
    expect(() => traceQuery('x" or 1=1 or eventId="y')).toThrow(/Not an event id/);
    expect(() => traceQuery('')).toThrow(/Not an event id/);
  });

  it('saves the same query as okta-phone-mfa/one-code-story over the log groups the stack has', () => {
    // Prepare
    const saved = SAVED_QUERIES.find((q) => q.id === 'OneCodeStory')!;
    const definitions = (synth: Synth) =>
      Object.values(synth.template.findResources('AWS::Logs::QueryDefinition')).find(
        (q) => q.Properties.Name === 'okta-phone-mfa/one-code-story',
      )!.Properties;
    const measured = synthStack({ oktaEventHook: true });

    // Assess
    expect(saved.query).toBe(traceQuery(EVENT_ID_PLACEHOLDER));
    expect(definitions(defaults).QueryString).toBe(saved.query);
    expect(definitions(defaults).LogGroupNames).toHaveLength(2);
    expect(definitions(measured).LogGroupNames).toHaveLength(4);
  });
});
