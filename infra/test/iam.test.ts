/**
 * What each role may do: only what its code calls.
 * Each test reads the synthesized CloudFormation, not the CDK objects: that template is what reaches AWS.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { asList, iamStatements, logicalId, type Synth, synthStack } from './helpers.js';

let defaults: Synth;

beforeAll(() => {
  defaults = synthStack();
});

describe('least privilege', () => {
  it('grants no IAM statement a "*" action', () => {
    const actions = iamStatements(defaults.template).flatMap((s) => asList(s.Action as string | string[]));
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) {
      expect(action).not.toBe('*');
      expect(action).not.toMatch(/:\*$/);
    }
  });

  it('attaches no AWS managed policy to any Lambda role', () => {
    for (const [id, role] of Object.entries(defaults.template.findResources('AWS::IAM::Role'))) {
      if (id.startsWith('HookApiCloudWatchRole')) continue;
      expect(role.Properties.ManagedPolicyArns ?? []).toEqual([]);
    }
  });

  it('lets the hook read templates, read and write idempotency records, send to the DLQ with its key, and send SMS/voice', () => {
    // Prepare
    const policyId = logicalId(defaults, 'AWS::IAM::Policy', '/DeliverOtp/Role/');
    const statements = defaults.template.findResources('AWS::IAM::Policy')[policyId]!.Properties
      .PolicyDocument.Statement as Array<{
      Action: string | string[];
      Resource: unknown;
    }>;
    const on = (prefix: string) =>
      statements.filter((s) => JSON.stringify(s.Resource).includes(prefix)).flatMap((s) => asList(s.Action));

    // Assess
    expect(on('TemplatesTable')).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:GetItem']));
    expect(on('TemplatesTable')).not.toEqual(expect.arrayContaining(['dynamodb:PutItem']));
    expect(on('IdempotencyTable')).toEqual(
      expect.arrayContaining([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ]),
    );
    expect(on('DeadLetterQueue')).toContain('sqs:SendMessage');
    expect(on('DeadLetterKey')).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:GenerateDataKey*']));
    const messaging = statements.find((s) => asList(s.Action).includes('sms-voice:SendTextMessage'))!;
    expect(asList(messaging.Action).sort()).toEqual([
      'sms-voice:SendTextMessage',
      'sms-voice:SendVoiceMessage',
    ]);
  });

  it('scopes SMS and voice sending to the configured identities when they are ARNs', () => {
    // Prepare
    const phone =
      'arn:aws:sms-voice:eu-west-1:123456789012:phone-number/phone-0123456789abcdef0123456789abcdef';
    const pool = 'arn:aws:sms-voice:eu-west-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef';

    // Act
    const { template } = synthStack({
      defaultOriginationIdentity: phone,
      originationIdentities: { GB: pool },
      configurationSetName: 'otp-events',
    });

    // Assess
    const messaging = iamStatements(template).find((s) =>
      asList(s.Action as string[]).includes('sms-voice:SendTextMessage'),
    )!;
    const resources = asList(messaging.Resource).map((r) => JSON.stringify(r));
    expect(resources).toContain(JSON.stringify(phone));
    expect(resources).toContain(JSON.stringify(pool));
    expect(resources.join()).toContain('configuration-set/otp-events');
    expect(resources.join()).not.toMatch(/phone-number\/\*|pool\/\*|sender-id\/\*/);
  });

  it('limits account-wide sending to origination identity types when identities are numbers or sender ids', () => {
    const messaging = iamStatements(defaults.template).find((s) =>
      asList(s.Action as string[]).includes('sms-voice:SendTextMessage'),
    )!;
    const resources = asList(messaging.Resource).map((r) => JSON.stringify(r));
    expect(resources).toHaveLength(4);
    for (const type of ['phone-number/*', 'pool/*', 'sender-id/*', 'opt-out-list/*']) {
      expect(resources.some((r) => r.includes(`:sms-voice:eu-west-1:123456789012:${type}`))).toBe(true);
    }
  });

  it('lets the seeder only PutItem on the templates table', () => {
    const policyId = logicalId(defaults, 'AWS::IAM::Policy', '/TemplatesSeed/');
    const statements =
      defaults.template.findResources('AWS::IAM::Policy')[policyId]!.Properties.PolicyDocument.Statement;
    const dynamo = statements.filter((s: { Action: string | string[] }) =>
      asList(s.Action).some((a) => a.startsWith('dynamodb:')),
    );
    expect(dynamo).toHaveLength(1);
    expect(dynamo[0].Action).toBe('dynamodb:PutItem');
    expect(JSON.stringify(dynamo[0].Resource)).toContain('TemplatesTable');
  });
});
