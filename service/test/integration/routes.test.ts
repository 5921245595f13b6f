/**
 * The local stack's public contract (DESIGN.md, "Local stack"): every route, its JSON shape, and the AWS JSON 1.0
 * stand-ins as the real SDK clients see them on the same port.
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { getJson, hookRequest, postHook, resetStack, setFaults, startStack } from './helpers.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startStack({ messagingLatency: { minMs: 0, maxMs: 0 } });
});
afterAll(() => stack?.close());
beforeEach(() => resetStack(stack));

const form = (fields: Record<string, string>) => new URLSearchParams(fields);
const token = (body: URLSearchParams, headers: Record<string, string> = {}) =>
  fetch(stack.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const local = { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, region: 'us-east-1' };

describe('GET /_local/health', () => {
  it('answers 200 with every part ready', async () => {
    const response = await fetch(`${stack.baseUrl}/_local/health`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      parts: {
        dynamodb: 'ok',
        messaging: 'ok',
        sqs: 'ok',
        secretsmanager: 'ok',
        oauth: 'ok',
        'authorize-hook': 'ok',
        'deliver-otp': 'ok',
        'record-delivery-event': 'ok',
        'record-verification': 'ok',
        'sweep-messages': 'ok',
      },
    });
  });
});

describe('the local Okta authorization server', () => {
  it('publishes its metadata with the issuer on the stack port', async () => {
    const metadata = await getJson(stack, '/oauth2/default/.well-known/oauth-authorization-server');

    expect(metadata).toMatchObject({
      issuer: `${stack.baseUrl}/oauth2/default`,
      jwks_uri: `${stack.baseUrl}/oauth2/default/v1/keys`,
      token_endpoint: `${stack.baseUrl}/oauth2/default/v1/token`,
      grant_types_supported: ['client_credentials'],
    });
  });

  it('publishes public RS256 keys only', async () => {
    const { keys } = await getJson(stack, '/oauth2/default/v1/keys');

    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('issues an Okta-shaped access token for client credentials in the form, with the required scope by default', async () => {
    // Act
    const response = await token(
      form({
        grant_type: 'client_credentials',
        client_id: stack.clientId,
        client_secret: stack.clientSecret,
      }),
    );

    // Assess
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'phone-mfa.send' });
    expect(decodeProtectedHeader(body.access_token)).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    expect(decodeJwt(body.access_token)).toMatchObject({
      iss: stack.issuer,
      aud: stack.audience,
      cid: stack.clientId,
      scp: ['phone-mfa.send'],
    });
    expect((await postHook(stack, hookRequest(), { token: body.access_token })).status).toBe(200);
  });

  it('accepts HTTP Basic client authentication', async () => {
    const response = await token(form({ grant_type: 'client_credentials', scope: 'phone-mfa.send' }), {
      authorization: basic(stack.clientId, stack.clientSecret),
    });

    expect(response.status).toBe(200);
  });

  it.each([
    [
      'a wrong secret',
      form({ grant_type: 'client_credentials' }),
      basic('0oaLocalOktaHookClient', 'nope'),
      401,
      'invalid_client',
    ],
    ['no credentials', form({ grant_type: 'client_credentials' }), undefined, 401, 'invalid_client'],
    [
      'another grant type',
      form({ grant_type: 'password' }),
      basic('0oaLocalOktaHookClient', 'local-client-secret'),
      400,
      'unsupported_grant_type',
    ],
    [
      'an unknown scope',
      form({ grant_type: 'client_credentials', scope: 'okta.users.manage' }),
      basic('0oaLocalOktaHookClient', 'local-client-secret'),
      400,
      'invalid_scope',
    ],
  ])('refuses %s as Okta does', async (_name, body, authorization, status, error) => {
    const response = await token(body, authorization ? { authorization } : {});

    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error, error_description: expect.any(String) });
  });

  it('mints test tokens with claim and header overrides and omitted claims', async () => {
    const response = await fetch(`${stack.baseUrl}/_local/mint`, {
      method: 'POST',
      body: JSON.stringify({
        claims: { cid: 'x' },
        header: { typ: 'JWT' },
        expiresInSeconds: 60,
        omitClaims: ['sub'],
      }),
    });

    const { token: minted } = (await response.json()) as { token: string };
    const claims = decodeJwt(minted);
    expect(claims.cid).toBe('x');
    expect(claims).not.toHaveProperty('sub');
    expect(Number(claims.exp) - Number(claims.iat)).toBe(60);
    expect(decodeProtectedHeader(minted).typ).toBe('JWT');
  });
});

describe('outbox, DLQ and faults', () => {
  it('lists accepted messages with the AWS request fields, messageId, channel and receivedAt, and empties on DELETE', async () => {
    await postHook(stack, hookRequest());

    const { messages } = await getJson(stack, '/_local/outbox');
    expect(messages[0]).toMatchObject({
      DestinationPhoneNumber: expect.any(String),
      OriginationIdentity: expect.any(String),
      MessageBody: expect.any(String),
      messageId: expect.any(String),
      channel: 'SMS',
      receivedAt: expect.any(String),
    });
    const cleared = await fetch(`${stack.baseUrl}/_local/outbox`, { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    expect(await getJson(stack, '/_local/outbox')).toEqual({ messages: [] });
  });

  it('lists DLQ messages as {messageId, body, receivedAt} and empties on DELETE', async () => {
    await postHook(
      stack,
      hookRequest(undefined, (p) => (p.data.messageProfile.phoneNumber = '+1555')),
    );

    const { messages } = await getJson(stack, '/_local/dlq');
    expect(messages).toHaveLength(1);
    expect(Object.keys(messages[0]).sort()).toEqual(['body', 'messageId', 'receivedAt']);
    expect(JSON.parse(messages[0].body).version).toBe(1);
    await fetch(`${stack.baseUrl}/_local/dlq`, { method: 'DELETE' });
    expect(await getJson(stack, '/_local/dlq')).toEqual({ messages: [] });
  });

  it('sets faults, merges them, clears one with null, and clears all with DELETE', async () => {
    await setFaults(stack, { messaging: { mode: 'latency', latencyMs: 200 } });
    await setFaults(stack, { jwks: 'unavailable', templates: 'unavailable' });
    expect(await getJson(stack, '/_local/faults')).toEqual({
      messaging: { mode: 'latency', latencyMs: 200 },
      jwks: 'unavailable',
      templates: 'unavailable',
    });

    await setFaults(stack, { jwks: null });
    expect(await getJson(stack, '/_local/faults')).not.toHaveProperty('jwks');

    await fetch(`${stack.baseUrl}/_local/faults`, { method: 'DELETE' });
    expect(await getJson(stack, '/_local/faults')).toEqual({});
  });

  it.each([
    ['an unknown fault', { dns: 'down' }],
    ['an unknown messaging mode', { messaging: { mode: 'explode' } }],
    ['a negative latency', { messaging: { mode: 'latency', latencyMs: -1 } }],
    ['another templates value', { templates: 'slow' }],
    ['not JSON', '{'],
  ])('refuses %s with 400', async (_name, body) => {
    const response = await fetch(`${stack.baseUrl}/_local/faults`, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

    expect(response.status).toBe(400);
    expect(await getJson(stack, '/_local/faults')).toEqual({});
  });
});

describe('pages and unknown routes', () => {
  it('serves the outbox page at GET /', async () => {
    const response = await fetch(`${stack.baseUrl}/`);

    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('local outbox');
  });

  it('answers GET /hook as API Gateway does for a method it lacks', async () => {
    const response = await fetch(stack.hookUrl);

    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
  });
});

describe('the AWS stand-ins on the stack port', () => {
  it('serves SQS to the real SDK client, which checks MD5OfMessageBody', async () => {
    // Prepare
    const sqs = new SQSClient({ ...local, endpoint: stack.baseUrl });

    // Act
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: stack.queueUrl, MessageBody: '{"version":1,"é":"ü"}' }),
    );
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.queueUrl, MaxNumberOfMessages: 10 }),
    );

    // Assess
    expect(sent.MessageId).toEqual(expect.any(String));
    expect(attributes.Attributes?.ApproximateNumberOfMessages).toBe('1');
    expect(received.Messages?.[0]?.Body).toBe('{"version":1,"é":"ü"}');
    sqs.destroy();
  });

  it('answers End User Messaging with AWS-shaped validation errors', async () => {
    const client = new PinpointSMSVoiceV2Client({ ...local, endpoint: stack.baseUrl, maxAttempts: 1 });

    const error = await client
      .send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: '12',
          OriginationIdentity: 'X',
          MessageBody: 'hi',
        }),
      )
      .catch((e: Error & { $metadata?: { httpStatusCode?: number } }) => e);

    expect((error as Error).name).toBe('ValidationException');
    expect((error as any).$metadata.httpStatusCode).toBe(400);
    expect((error as any).$metadata.requestId).toEqual(expect.any(String));
    client.destroy();
  });

  it('proxies DynamoDB to dynalite with both tables created', async () => {
    const db = new DynamoDBClient({ ...local, endpoint: stack.baseUrl });

    const { TableNames } = await db.send(new ListTablesCommand({}));

    expect(TableNames).toEqual(expect.arrayContaining([stack.tables.templates, stack.tables.idempotency]));
    db.destroy();
  });
});

// Last: after a rotation, tokens carry a kid the authorizer fetches the JWKS for (up to 2 s).
describe('key rotation route', () => {
  it('rotates to a new signing key and keeps publishing the previous one', async () => {
    const before = await getJson(stack, '/oauth2/default/v1/keys');

    const rotation = (await (
      await fetch(`${stack.baseUrl}/_local/rotate-keys`, { method: 'POST' })
    ).json()) as any;

    const after = await getJson(stack, '/oauth2/default/v1/keys');
    expect(after.keys.map((k: { kid: string }) => k.kid)).toEqual([rotation.kid, before.keys[0].kid]);
  });
});
