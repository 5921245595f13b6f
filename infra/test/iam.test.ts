/**
 * What each role may do: only what its code calls.
 * Each test reads the synthesized CloudFormation, not the CDK objects: that template is what reaches AWS.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServiceFunction } from '../lib/constructs/service-function.js';
import {
  asList,
  iamStatements,
  logicalId,
  roleStatements,
  type Statement,
  type Synth,
  synthStack,
} from './helpers.js';

/** Table (by logical id prefix) → the DynamoDB actions a role's statements allow on it, sorted. */
function dynamoActions(statements: Statement[]): Record<string, string[]> {
  const byTable: Record<string, Set<string>> = {};
  for (const statement of statements) {
    const actions = asList(statement.Action).filter((a) => a.startsWith('dynamodb:'));
    if (actions.length === 0) continue;
    for (const resource of asList(statement.Resource)) {
      const table = /"(\w+Table)[0-9A-F]{8}"/.exec(JSON.stringify(resource))?.[1] ?? JSON.stringify(resource);
      byTable[table] ??= new Set();
      for (const action of actions) byTable[table].add(action);
    }
  }
  return Object.fromEntries(Object.entries(byTable).map(([table, actions]) => [table, [...actions].sort()]));
}

const XRAY_ACTIONS = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

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

  it('grants each function exactly the DynamoDB actions its code calls, on exactly its tables', () => {
    // The hook: Powertools Parameters' getMultiple Queries one partition of the templates table (adapters/
    // templates.ts); Powertools idempotency GetItems, conditionally PutItems, UpdateItems and DeleteItems one record
    // (adapters/idempotency.ts); the abuse guard UpdateItems its counters and Queries its lists (adapters/
    // abuse-store.ts). The seeder PutItems where absent (handlers/seed-templates.ts). The authorizer reads no table.
    expect(dynamoActions(roleStatements(defaults, '/DeliverOtp/'))).toEqual({
      TemplatesTable: ['dynamodb:Query'],
      AbuseTable: ['dynamodb:Query', 'dynamodb:UpdateItem'],
      IdempotencyTable: [
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ],
      // The message item, the user's latest pointer and last send: conditional UpdateItems beside the idempotency
      // update; a resend GetItems the last send and its message (resendPolicy escalate, the default).
      MessagesTable: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    });
    // The receipt handler: one UpdateItem per receipt, GetItem for the item after a duplicate and for a DLQ claim's
    // conflict (adapters/message-receipts.ts).
    expect(dynamoActions(roleStatements(defaults, '/Receipts/RecordDeliveryEvent/'))).toEqual({
      MessagesTable: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    });
    expect(dynamoActions(roleStatements(defaults, '/TemplatesSeed/Seeder/'))).toEqual({
      TemplatesTable: ['dynamodb:PutItem'],
    });
    expect(dynamoActions(roleStatements(defaults, '/Authorizer/'))).toEqual({});
  });

  it('grants no function a Scan, stream, transaction, batch or table-level DynamoDB action', () => {
    // Prepare: every optional part deployed.
    const { template } = synthStack({
      oktaEventHook: true,
      oktaEventSourceName: 'aws.partner/okta.com/acme/otp',
    });
    const statements = iamStatements(template);
    const actions = statements.flatMap((s) => asList(s.Action as string | string[]));
    const batch = statements.filter((s) =>
      asList(s.Action as string | string[]).includes('dynamodb:BatchWriteItem'),
    );

    // Assess
    for (const action of actions.filter((a) => a.startsWith('dynamodb:'))) {
      expect([
        'dynamodb:Query',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ]).toContain(action);
    }
    // The hook's message write was a BatchWriteItem Put, which a late retry could land over a settlement.
    expect(batch).toEqual([]);
  });

  it('lets the hook send to the DLQ with its key, read its fingerprint secret and send SMS/voice', () => {
    // Prepare
    const statements = roleStatements(defaults, '/DeliverOtp/');
    const on = (prefix: string) =>
      statements.filter((s) => JSON.stringify(s.Resource).includes(prefix)).flatMap((s) => asList(s.Action));

    // Assess
    // What a producer needs of an encrypted queue, and nothing more (no GetQueueAttributes, Encrypt, ReEncrypt*).
    expect(on('DeadLetterQueue')).toEqual(['sqs:SendMessage']);
    expect(on('DeadLetterKey').sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(on('FingerprintKeySecret')).toContain('secretsmanager:GetSecretValue');
    const messaging = statements.find((s) => asList(s.Action).includes('sms-voice:SendTextMessage'))!;
    expect(asList(messaging.Action).sort()).toEqual([
      'sms-voice:SendTextMessage',
      'sms-voice:SendVoiceMessage',
    ]);
  });

  it('allows Resource "*" only for the X-Ray actions, which have no resource-level permissions', () => {
    // Prepare
    const wildcard = iamStatements(defaults.template).filter((s) => asList(s.Resource).includes('*'));

    // Assess: one per function role (hook, authorizer, seeder, receipts), each X-Ray alone.
    expect(wildcard).toHaveLength(4);
    for (const statement of wildcard) {
      expect(asList(statement.Action as string | string[]).sort()).toEqual(XRAY_ACTIONS);
      expect(asList(statement.Resource)).toEqual(['*']);
    }
  });

  it("keeps X-Ray in its own inline policy of each function's role, apart from every other grant", () => {
    for (const path of ['/DeliverOtp/', '/Authorizer/', '/TemplatesSeed/Seeder/']) {
      // Prepare
      const roleId = logicalId(defaults, 'AWS::IAM::Role', `${path}Role/`);
      const role = defaults.template.findResources('AWS::IAM::Role')[roleId]!;
      const xray = roleStatements(defaults, path).filter((s) =>
        asList(s.Action).some((a) => a.startsWith('xray:')),
      );

      // Assess
      expect(role.Properties.Policies).toEqual([
        {
          PolicyName: 'XRayTracing',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Sid: 'XRayTracing', Effect: 'Allow', Action: XRAY_ACTIONS, Resource: '*' }],
          },
        },
      ]);
      expect(xray).toHaveLength(1);
    }
  });

  it('fails cdk-nag on any other Resource "*" grant: the X-Ray acknowledgement does not cover it', () => {
    // Prepare
    const synth = synthStack({}, { nag: true });
    const hook = synth.stack.node.findChild('DeliverOtp') as ServiceFunction;

    // Act
    hook.role.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['*'] }));

    // Assess
    expect(() => synth.app.synth({ force: true })).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
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
    // The four identity types, and exactly what every send names: the stack's configuration set and protect
    // configuration (provider-protection.test.ts).
    expect(resources).toHaveLength(6);
    for (const type of ['phone-number/*', 'pool/*', 'sender-id/*', 'opt-out-list/*']) {
      expect(resources.some((r) => r.includes(`:sms-voice:eu-west-1:123456789012:${type}`))).toBe(true);
    }
    expect(resources.filter((r) => r.includes('"Fn::GetAtt"') && r.includes('"Arn"'))).toHaveLength(2);
  });

  it('lets the seeder only PutItem on the templates table', () => {
    const dynamo = roleStatements(defaults, '/TemplatesSeed/Seeder/').filter((s) =>
      asList(s.Action).some((a) => a.startsWith('dynamodb:')),
    );
    expect(dynamo).toHaveLength(1);
    expect(dynamo[0]?.Action).toBe('dynamodb:PutItem');
    expect(JSON.stringify(dynamo[0]?.Resource)).toContain('TemplatesTable');
  });
});

describe('grants held to the items they are for (dynamodb:LeadingKeys)', () => {
  it("lets the hook update only the guard's counter items and query only the list partitions; the sweep put only its own denies", () => {
    // Prepare
    const { template } = synthStack({ oktaEventHook: true });
    const onAbuse = (path: string) =>
      roleStatements({ template } as never, path)
        .filter((s) => JSON.stringify(s.Resource).includes('AbuseTable'))
        .map((s) => ({
          actions: asList(s.Action as string | string[]),
          condition: (s as { Condition?: unknown }).Condition,
        }));

    // Assess
    expect(onAbuse('/DeliverOtp/')).toEqual([
      {
        actions: ['dynamodb:UpdateItem'],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['count#*'] } },
      },
      {
        actions: ['dynamodb:Query'],
        condition: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['list', 'list#low-conversion'] },
        },
      },
    ]);
    expect(onAbuse('/Conversion/SweepMessages/')).toEqual([
      {
        actions: ['dynamodb:PutItem'],
        condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['list#low-conversion'] } },
      },
    ]);
  });
});
