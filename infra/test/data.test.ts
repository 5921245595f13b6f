/**
 * Tables, the template seeder and the dead-letter queue.
 * Each test reads the synthesized CloudFormation, not the CDK objects: that template is what reaches AWS.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { functionByPath, ref, type Synth, synthStack } from './helpers.js';

let defaults: Synth;

beforeAll(() => {
  defaults = synthStack();
});

describe('data: DynamoDB, seed, DLQ', () => {
  it('keeps templates and config in an on-demand pk/sk table with PITR, deletion protection and RETAIN', () => {
    defaults.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      }),
    });
  });

  it('keeps idempotency records in an on-demand table keyed on id with TTL on expiration', () => {
    defaults.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  it('seeds default templates plus the routing from the settings, through the custom resource', () => {
    // Act
    const { template } = synthStack({
      originationIdentities: { MX: '+525555550100' },
      allowedCountries: ['MX'],
    });

    // Assess
    const seed = Object.values(template.findResources('Custom::TemplatesSeed'))[0]!.Properties;
    const items = JSON.parse(seed.ItemsJson) as Array<{ pk: string; sk: string; value: unknown }>;
    expect(seed.TableName).toEqual(ref('TemplatesTable'));
    expect(seed.ServiceToken).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^TemplatesSeedSeederFunction/), 'Arn'],
    });
    expect(items).toContainEqual({
      pk: 'template',
      sk: 'sms#en',
      value: expect.objectContaining({ body: expect.any(String) }),
    });
    expect(items).toContainEqual({
      pk: 'template',
      sk: 'voice#es-mx',
      value: expect.objectContaining({ voiceId: expect.any(String) }),
    });
    expect(items.filter((i) => i.pk === 'config')).toEqual([
      { pk: 'config', sk: 'defaultOriginationIdentity', value: '+12065550100' },
      { pk: 'config', sk: 'originationIdentities', value: { MX: '+525555550100' } },
      { pk: 'config', sk: 'allowedCountries', value: ['MX'] },
    ]);
  });

  it("carries the routing settings in the seed only: the hook's environment has no routing of its own", () => {
    // Prepare: a per-channel default, as the table and `npm run templates` take it.
    const settings = {
      defaultOriginationIdentity: { sms: 'ACMEMFA', voice: '+12065550100' },
      originationIdentities: { GB: { sms: 'ACMEMFA', voice: '+442079460123' }, MX: '+525555550100' },
      allowedCountries: ['GB', 'MX', 'US'],
    };

    // Act
    const synth = synthStack(settings);

    // Assess: the seed writes the settings as table values (objects, not JSON strings)…
    const seed = Object.values(synth.template.findResources('Custom::TemplatesSeed'))[0]!.Properties;
    const routing = (JSON.parse(seed.ItemsJson) as Array<{ pk: string; sk: string; value: unknown }>).filter(
      (item) => item.pk === 'config',
    );
    expect(Object.fromEntries(routing.map((item) => [item.sk, item.value]))).toEqual(settings);
    // …and the hook reads routing from the table alone: no deploy-time copy that a later edit would leave behind.
    const hookEnvironment = functionByPath(synth, '/DeliverOtp/').props.Environment.Variables;
    for (const name of ['DEFAULT_ORIGINATION_IDENTITY', 'ORIGINATION_IDENTITIES', 'ALLOWED_COUNTRIES']) {
      expect(hookEnvironment).not.toHaveProperty(name);
    }
    expect(JSON.stringify(hookEnvironment)).not.toMatch(/ACMEMFA|442079460123|525555550100/);
  });

  it('encrypts the DLQ with a rotating customer-managed key, enforces TLS and keeps messages 14 days', () => {
    defaults.template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetterKey'), 'Arn'] },
      MessageRetentionPeriod: 1_209_600,
    });
    defaults.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      Description: Match.stringLikeRegexp('dead-letter'),
    });
    defaults.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});
