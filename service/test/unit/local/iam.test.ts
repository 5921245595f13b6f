// The local IAM with no stand-in: a role's statements allow or deny a request as IAM does (actions, resources,
// wildcards, explicit denies, the condition keys the stack uses), a DynamoDB call names the table or index and its
// partition key values, a call is checked under the role its credentials name, and the `iam` fault takes one action
// away.
import { describe, expect, it } from 'vitest';
import { dynamoRequests } from '../../../local/iam/dynamodb-requests.js';
import { accessKeyOf, authorizeCall, functionAccessKey } from '../../../local/iam/local-iam.js';
import { accessDeniedMessage, evaluate, type PolicyStatement } from '../../../local/iam/policy.js';
import { smsVoiceRequests, sqsRequests } from '../../../local/iam/service-requests.js';
import { type LocalRole, localArn } from '../../../local/iam/stack-policies.js';

const TABLE = localArn.table('okta-phone-mfa-abuse');

const guard: PolicyStatement[] = [
  { Effect: 'Allow', Action: 'dynamodb:Query', Resource: TABLE },
  {
    Effect: 'Allow',
    Action: ['dynamodb:UpdateItem'],
    Resource: TABLE,
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['count#*'] } },
  },
  { Effect: 'Allow', Action: 'sms-voice:Send*', Resource: localArn.smsVoice('phone-number/*') },
];

describe('evaluate', () => {
  it('allows what a statement allows, and nothing else', () => {
    expect(evaluate(guard, { action: 'dynamodb:Query', resource: TABLE })).toEqual({ allowed: true });
    expect(evaluate(guard, { action: 'dynamodb:GetItem', resource: TABLE })).toEqual({
      allowed: false,
      because: 'no-allow',
    });
  });

  it('refuses an allowed action on another resource', () => {
    expect(evaluate(guard, { action: 'dynamodb:Query', resource: localArn.table('other') }).allowed).toBe(
      false,
    );
    expect(evaluate(guard, { action: 'dynamodb:Query', resource: `${TABLE}/index/byEvent` }).allowed).toBe(
      false,
    );
  });

  it('matches actions with wildcards, whatever their case, and resources with wildcards, case and all', () => {
    const send = {
      action: 'SMS-VOICE:SendTextMessage',
      resource: localArn.smsVoice('phone-number/+12065550100'),
    };
    expect(evaluate(guard, send).allowed).toBe(true);
    expect(evaluate(guard, { ...send, resource: localArn.smsVoice('Phone-Number/+1') }).allowed).toBe(false);
  });

  it('holds a condition key: every leading key must match, and a request without the key passes ForAllValues', () => {
    const update = (keys?: string[]) =>
      evaluate(guard, {
        action: 'dynamodb:UpdateItem',
        resource: TABLE,
        ...(keys ? { context: { 'dynamodb:LeadingKeys': keys } } : {}),
      }).allowed;
    expect(update(['count#number#+14155550123'])).toBe(true);
    expect(update(['list'])).toBe(false);
    expect(update(['count#ip#1', 'list'])).toBe(false);
    // IAM's rule for ForAllValues over an absent key (true): the reason AWS advises pairing it with a Null check.
    expect(update()).toBe(true);
  });

  it('lets an explicit deny win, and fails closed on a condition operator it does not know', () => {
    const deny: PolicyStatement = { Effect: 'Deny', Action: 'dynamodb:*', Resource: '*' };
    expect(evaluate([...guard, deny], { action: 'dynamodb:Query', resource: TABLE })).toEqual({
      allowed: false,
      because: 'explicit-deny',
    });
    const odd: PolicyStatement = {
      Effect: 'Allow',
      Action: 'dynamodb:GetItem',
      Resource: TABLE,
      Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } },
    };
    expect(evaluate([odd], { action: 'dynamodb:GetItem', resource: TABLE }).allowed).toBe(false);
    // …and the same operator on a Deny denies.
    const oddDeny: PolicyStatement = { ...odd, Effect: 'Deny' };
    expect(evaluate([...guard, oddDeny], { action: 'dynamodb:Query', resource: TABLE }).allowed).toBe(true);
    expect(
      evaluate([{ ...guard[0]!, Action: 'dynamodb:GetItem' }, oddDeny], {
        action: 'dynamodb:GetItem',
        resource: TABLE,
      }),
    ).toEqual({
      allowed: false,
      because: 'explicit-deny',
    });
  });

  it("words a refusal as AWS's AccessDeniedException does", () => {
    const request = { action: 'dynamodb:GetItem', resource: TABLE };
    expect(
      accessDeniedMessage('arn:aws:sts::000000000000:assumed-role/R/f', request, {
        allowed: false,
        because: 'no-allow',
      }),
    ).toBe(
      `User: arn:aws:sts::000000000000:assumed-role/R/f is not authorized to perform: dynamodb:GetItem on resource: ${TABLE} because no identity-based policy allows the dynamodb:GetItem action`,
    );
  });
});

describe('what a call asks for', () => {
  const schemas = { 'okta-phone-mfa-messages': { partitionKey: 'pk', indexes: { pending: 'sweepBucket' } } };

  it("names a DynamoDB call's table or index and the partition keys it touches", () => {
    expect(
      dynamoRequests(
        'DynamoDB_20120810.UpdateItem',
        { TableName: 'okta-phone-mfa-messages', Key: { pk: { S: 'message#m-1' }, sk: { S: 'message' } } },
        schemas,
      ),
    ).toEqual([
      {
        action: 'dynamodb:UpdateItem',
        resource: localArn.table('okta-phone-mfa-messages'),
        context: { 'dynamodb:LeadingKeys': ['message#m-1'] },
      },
    ]);
    expect(
      dynamoRequests(
        'DynamoDB_20120810.Query',
        {
          TableName: 'okta-phone-mfa-messages',
          IndexName: 'pending',
          KeyConditionExpression: '#b = :bucket AND codeExpiresAt < :before',
          ExpressionAttributeNames: { '#b': 'sweepBucket' },
          ExpressionAttributeValues: { ':bucket': { S: 'pending#2026-12-01T10' }, ':before': { N: '1' } },
        },
        schemas,
      ),
    ).toEqual([
      {
        action: 'dynamodb:Query',
        resource: `${localArn.table('okta-phone-mfa-messages')}/index/pending`,
        context: { 'dynamodb:LeadingKeys': ['pending#2026-12-01T10'] },
      },
    ]);
    expect(
      dynamoRequests(
        'DynamoDB_20120810.BatchWriteItem',
        {
          RequestItems: {
            'okta-phone-mfa-messages': [
              { PutRequest: { Item: { pk: { S: 'a' } } } },
              { DeleteRequest: { Key: { pk: { S: 'b' } } } },
            ],
          },
        },
        schemas,
      )[0]?.context,
    ).toEqual({ 'dynamodb:LeadingKeys': ['a', 'b'] });
  });

  it("names a send's identity and opt-out list, a feedback's message, an SQS call's queue", () => {
    expect(
      smsVoiceRequests('PinpointSMSVoiceV2.SendTextMessage', {
        OriginationIdentity: 'pool-0123456789abcdef0123456789abcdef',
      }).map((r) => r.resource),
    ).toEqual([
      localArn.smsVoice('pool/pool-0123456789abcdef0123456789abcdef'),
      localArn.smsVoice('opt-out-list/Default'),
    ]);
    expect(smsVoiceRequests('PinpointSMSVoiceV2.PutMessageFeedback', { MessageId: 'm-1' })).toEqual([
      { action: 'sms-voice:PutMessageFeedback', resource: localArn.smsVoice('message/m-1') },
    ]);
    expect(
      sqsRequests('AmazonSQS.SendMessage', { QueueUrl: 'http://127.0.0.1:3000/000000000000/q' }),
    ).toEqual([{ action: 'sqs:SendMessage', resource: localArn.queue('q') }]);
  });
});

describe('authorizeCall', () => {
  const roles = {
    'deliver-otp': { roleName: 'DeliverOtpRole', statements: guard },
  } as unknown as Record<'deliver-otp', LocalRole> as never;
  const signed = (key: string) =>
    `AWS4-HMAC-SHA256 Credential=${key}/20261208/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x`;

  it('checks a call under the role its credentials name, and leaves any other credentials alone', () => {
    const query = [{ action: 'dynamodb:Query', resource: TABLE }];
    const getItem = [{ action: 'dynamodb:GetItem', resource: TABLE }];
    expect(accessKeyOf(signed('local-deliver-otp'))).toBe('local-deliver-otp');
    expect(functionAccessKey('deliver-otp')).toBe('local-deliver-otp');
    expect(authorizeCall(roles, [], signed('local-deliver-otp'), query)).toEqual({
      allowed: true,
      function: 'deliver-otp',
    });
    expect(authorizeCall(roles, [], signed('local-deliver-otp'), getItem)).toMatchObject({
      allowed: false,
      function: 'deliver-otp',
      message: expect.stringContaining(
        'assumed-role/DeliverOtpRole/deliver-otp is not authorized to perform: dynamodb:GetItem',
      ),
    });
    // The operator tools and the harness sign as `local`: not a function, not checked.
    expect(authorizeCall(roles, [], signed('local'), getItem)).toEqual({ allowed: true });
    expect(authorizeCall(roles, [], undefined, getItem)).toEqual({ allowed: true });
  });

  it('takes one action away from one function with the iam fault', () => {
    const query = [{ action: 'dynamodb:Query', resource: TABLE }];
    const fault = [{ function: 'deliver-otp' as const, deny: 'dynamodb:Query' }];
    expect(authorizeCall(roles, fault, signed('local-deliver-otp'), query)).toMatchObject({
      allowed: false,
      message: expect.stringContaining('because no identity-based policy allows the dynamodb:Query action'),
    });
  });
});
