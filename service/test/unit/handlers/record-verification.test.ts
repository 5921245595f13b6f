// The verification handler against dynalite, with End User Messaging's PutMessageFeedback mocked: Okta's MFA success
// for SMS or voice marks the user's latest message RECEIVED once (however often the event comes), feeds the prefix's
// counter, and ignores other factors, outcomes and unknown users; Okta's hook failures are counted once per event;
// the Okta event hook route verifies itself and refuses a wrong secret without logging it.
import { randomUUID } from 'node:crypto';
import {
  PinpointSMSVoiceV2Client,
  PutMessageFeedbackCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { APIGatewayProxyEvent, EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localDynamoClient, type RunningDynalite, startDynalite } from '../../../local/dynalite.js';
import { EndUserMessagingFeedback } from '../../../src/adapters/message-feedback.js';
import { DynamoMessageStore, rememberingSender } from '../../../src/adapters/message-store.js';
import type { DeliveryRequest } from '../../../src/domain/hook-request.js';
import { OKTA_EVENT_TYPES } from '../../../src/domain/okta-log-event.js';
import {
  handleOktaEvent,
  handleVerification,
  sameSecret,
  type VerificationDeps,
} from '../../../src/handlers/record-verification.js';
import { OutputCapture } from '../../helpers/output-capture.js';
import { allItems, createMessagesTable } from '../adapters/messages-table-setup.js';

const TABLE = 'messages-verification';
const SECRET = 'Basic c2VjcmV0LWV2ZW50LWhvb2s=';
const output = new OutputCapture();
const smsVoice = mockClient(PinpointSMSVoiceV2Client);
let db: RunningDynalite;

beforeAll(async () => {
  db = await startDynalite();
  await createMessagesTable(localDynamoClient(db.endpoint), TABLE);
  output.start();
});
afterAll(async () => {
  output.stop();
  smsVoice.restore();
  await db?.close();
});
beforeEach(() => {
  output.clear();
  smsVoice.reset();
  smsVoice.on(PutMessageFeedbackCommand).resolves({});
});

function deps(): VerificationDeps & { client: ReturnType<typeof localDynamoClient> } {
  const client = localDynamoClient(db.endpoint);
  return {
    client,
    store: new DynamoMessageStore(client, TABLE),
    feedback: new EndUserMessagingFeedback(new PinpointSMSVoiceV2Client({ region: 'us-east-1' })),
    secret: { get: async () => SECRET },
    header: 'authorization',
  };
}

/** Sends one message through the hook's remembering sender, as the hook does after End User Messaging accepts it. */
async function sent(d: VerificationDeps, userId: string, channel: 'sms' | 'voice' = 'sms') {
  const messageId = randomUUID();
  const request = {
    idempotencyKey: `evt-${messageId}`,
    requestId: 'req-1',
    requestType: 'com.okta.user.telephony.mfa-verification',
    channel,
    phone: '+14155550123',
    country: 'US',
    rawPhone: '+14155550123',
    userId,
    otpCode: '864209',
    ttlSeconds: 300,
  } as DeliveryRequest;
  const memory = rememberingSender({ send: async () => ({ messageId, attempts: 1 }) }, request, d.store);
  await memory.sender.send(
    {
      channel,
      destination: '+14155550123',
      originationIdentity: '+12065550152',
      body: 'x',
      ttlSeconds: 300,
      eventId: 'e',
    },
    undefined as never,
  );
  expect(await memory.settled(5_000)).toBe('written');
  return messageId;
}

/** Okta's System Log `user.authentication.auth_via_mfa` event, the fields the handler reads and some it does not. */
function authViaMfa(userId: string, edit: { factor?: string; result?: string; uuid?: string } = {}) {
  return {
    uuid: edit.uuid ?? randomUUID(),
    published: '2026-12-01T10:00:05.000Z',
    eventType: 'user.authentication.auth_via_mfa',
    version: '0',
    severity: 'INFO',
    displayMessage: 'Authentication of user via MFA',
    actor: { id: userId, type: 'User', alternateId: 'jane@example.com', displayName: 'Jane Doe' },
    outcome: { result: edit.result ?? 'SUCCESS', reason: null },
    debugContext: { debugData: { factor: edit.factor ?? 'SMS_FACTOR', factorIntent: 'AUTHENTICATION' } },
  };
}

const viaEventBridge = (detail: unknown) =>
  ({
    version: '0',
    id: randomUUID(),
    'detail-type': 'SystemLog',
    source: 'aws.partner/okta.com/example/okta-phone-mfa',
    account: '111122223333',
    time: '2026-12-01T10:00:05Z',
    region: 'us-east-1',
    resources: [],
    detail,
  }) as EventBridgeEvent<string, unknown>;

const viaEventHook = (method: 'GET' | 'POST', headers: Record<string, string>, body?: unknown) =>
  ({
    httpMethod: method,
    path: '/okta-events',
    resource: '/okta-events',
    headers,
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEvent;

const metric = (name: string) => output.metrics().filter((m) => m.name === name);

async function item(d: ReturnType<typeof deps>, pk: string) {
  return (await allItems(d.client, TABLE)).find((i) => i.pk === pk);
}

describe('Log Streaming (EventBridge)', () => {
  it("marks the user's latest SMS RECEIVED once, tells End User Messaging, counts the conversion and the prefix", async () => {
    // Prepare
    const d = deps();
    const userId = `00u${randomUUID().slice(0, 8)}`;
    const messageId = await sent(d, userId);
    const event = authViaMfa(userId);

    // Act
    await handleVerification(viaEventBridge(event), d);
    await handleVerification(viaEventBridge(event), d); // EventBridge delivers at least once

    // Assess
    const message = await item(d, `message#${messageId}`);
    expect(message?.feedback).toBe('RECEIVED');
    expect(message?.sweepBucket).toBeUndefined();
    expect(smsVoice.commandCalls(PutMessageFeedbackCommand).map((c) => c.args[0].input)).toEqual([
      { MessageId: messageId, MessageFeedbackStatus: 'RECEIVED' },
    ]);
    expect(metric('OtpConverted')).toEqual([
      { name: 'OtpConverted', value: 1, dimensions: { channel: 'sms' } },
    ]);
    const counter = (await allItems(d.client, TABLE)).find(
      (i) => i.pk === '+14155550' || i.pk === 'prefix#+14155550',
    );
    expect(counter).toMatchObject({ settled: 1, converted: 1 });
    expect(JSON.stringify(await allItems(d.client, TABLE))).not.toContain('864209');
  });

  it('maps CALL_FACTOR to the voice message and leaves the SMS one alone', async () => {
    // Prepare
    const d = deps();
    const userId = `00u${randomUUID().slice(0, 8)}`;
    const smsId = await sent(d, userId, 'sms');
    const voiceId = await sent(d, userId, 'voice');

    // Act
    await handleVerification(viaEventBridge(authViaMfa(userId, { factor: 'CALL_FACTOR' })), d);

    // Assess
    expect((await item(d, `message#${voiceId}`))?.feedback).toBe('RECEIVED');
    expect((await item(d, `message#${smsId}`))?.feedback).toBeUndefined();
    expect(metric('OtpConverted').map((m) => m.dimensions)).toEqual([{ channel: 'voice' }]);
  });

  it.each([
    ['another factor', { factor: 'OKTA_VERIFY_PUSH' }],
    ['a failed attempt', { result: 'FAILURE' }],
  ])('ignores %s without an error or a feedback', async (_name, edit) => {
    // Prepare
    const d = deps();
    const userId = `00u${randomUUID().slice(0, 8)}`;
    const messageId = await sent(d, userId);

    // Act
    const result = await handleVerification(viaEventBridge(authViaMfa(userId, edit)), d);

    // Assess
    expect(result).toBeUndefined();
    expect((await item(d, `message#${messageId}`))?.feedback).toBeUndefined();
    expect(smsVoice.commandCalls(PutMessageFeedbackCommand)).toHaveLength(0);
    expect(metric('OtpConverted')).toHaveLength(0);
  });

  it('ignores a success for a user it sent nothing to, with an INFO line', async () => {
    // Act
    await handleVerification(viaEventBridge(authViaMfa('00uNobody')), deps());

    // Assess
    expect(smsVoice.commandCalls(PutMessageFeedbackCommand)).toHaveLength(0);
    expect(output.logs().find((l) => l.message.includes('no remembered message'))?.level).toBe('INFO');
  });

  it('counts the conversion even when PutMessageFeedback fails, with MessageFeedbackFailed', async () => {
    // Prepare
    const d = deps();
    const userId = `00u${randomUUID().slice(0, 8)}`;
    const messageId = await sent(d, userId);
    smsVoice.on(PutMessageFeedbackCommand).rejects(
      new ResourceNotFoundException({
        message: 'not found',
        $metadata: {},
        ResourceType: 'message',
        ResourceId: messageId,
      }),
    );

    // Act
    await handleVerification(viaEventBridge(authViaMfa(userId)), d);

    // Assess
    expect((await item(d, `message#${messageId}`))?.feedback).toBe('RECEIVED');
    expect(metric('MessageFeedbackFailed')).toEqual([
      { name: 'MessageFeedbackFailed', value: 1, dimensions: { feedback: 'RECEIVED' } },
    ]);
    expect(metric('OtpConverted')).toHaveLength(1);
  });

  it("counts only the telephony hook's failures when its Okta id is set", async () => {
    // Prepare
    const d = { ...deps(), telephonyHookId: 'cal3ughy17pylLxQB357' };
    const failureOf = (id: string) => ({
      uuid: randomUUID(),
      eventType: 'inline_hook.executed',
      outcome: { result: 'FAILURE', reason: 'Inline hook call timed out' },
      target: [{ id, type: 'InlineHook' }],
    });

    // Act
    const outcomes = [];
    for (const event of [failureOf('calRegistration0000001'), failureOf('cal3ughy17pylLxQB357')]) {
      outcomes.push(await handleOktaEvent(event, d));
    }

    // Assess
    expect(outcomes).toEqual(['ignored', 'hook-failure']);
    expect(metric('OktaHookFailure').map((m) => m.dimensions)).toEqual([{ kind: 'timeout' }]);
  });

  it('counts what Okta logs about the hook failing, once per event, by kind', async () => {
    // Prepare
    const d = deps();
    const timeout = {
      uuid: randomUUID(),
      eventType: 'inline_hook.executed',
      outcome: { result: 'FAILURE', reason: 'Inline hook call timed out' },
    };
    const error = {
      uuid: randomUUID(),
      eventType: 'inline_hook.response.processed',
      outcome: { result: 'FAILURE', reason: 'Error object in the response' },
    };
    const fine = { uuid: randomUUID(), eventType: 'inline_hook.executed', outcome: { result: 'SUCCESS' } };

    // Act
    for (const event of [timeout, timeout, error, fine]) await handleVerification(viaEventBridge(event), d);

    // Assess
    expect(metric('OktaHookFailure').map((m) => m.dimensions)).toEqual([
      { kind: 'timeout' },
      { kind: 'error' },
    ]);
    expect(OKTA_EVENT_TYPES).toEqual(
      expect.arrayContaining([
        'user.authentication.auth_via_mfa',
        'inline_hook.executed',
        'inline_hook.response.processed',
      ]),
    );
  });
});

describe('Okta event hook (API Gateway)', () => {
  it("answers Okta's one-time verification with the challenge", async () => {
    // Act
    const result = await handleVerification(
      viaEventHook('GET', { Authorization: SECRET, 'X-Okta-Verification-Challenge': 'c2hhbGxlbmdl' }),
      deps(),
    );

    // Assess
    expect(result?.statusCode).toBe(200);
    expect(JSON.parse(result?.body ?? '')).toEqual({ verification: 'c2hhbGxlbmdl' });
  });

  it('refuses a wrong or missing secret with 401, never logging the header value', async () => {
    // Act
    const wrong = await handleVerification(
      viaEventHook('POST', { authorization: 'Basic d3Jvbmctc2VjcmV0' }, { data: { events: [] } }),
      deps(),
    );
    const missing = await handleVerification(
      viaEventHook('GET', { 'x-okta-verification-challenge': 'abc' }),
      deps(),
    );
    const unconfigured = await handleVerification(viaEventHook('GET', { authorization: SECRET }), {
      ...deps(),
      secret: undefined,
    });

    // Assess
    expect([wrong?.statusCode, missing?.statusCode, unconfigured?.statusCode]).toEqual([401, 401, 401]);
    expect(output.lines.join('\n')).not.toContain('d3Jvbmctc2VjcmV0');
    expect(output.lines.join('\n')).not.toContain('c2VjcmV0LWV2ZW50LWhvb2s');
  });

  it('handles the events of a POST: marks the message RECEIVED and answers 200', async () => {
    // Prepare
    const d = deps();
    const userId = `00u${randomUUID().slice(0, 8)}`;
    const messageId = await sent(d, userId);

    // Act
    const result = await handleVerification(
      viaEventHook(
        'POST',
        { authorization: SECRET },
        {
          eventType: 'com.okta.event_hook',
          data: { events: [authViaMfa(userId), { eventType: 'user.session.start' }] },
        },
      ),
      d,
    );

    // Assess
    expect(result?.statusCode).toBe(200);
    expect((await item(d, `message#${messageId}`))?.feedback).toBe('RECEIVED');
  });

  it("handles a POST's events a few at a time, so a batch of 24 fits in Okta's 3 s, and marks every one", async () => {
    // Prepare: each feedback call takes 50 ms; one after another, 24 would take 1.2 s of feedback alone
    const d = deps();
    const users = Array.from({ length: 24 }, () => `00u${randomUUID().slice(0, 8)}`);
    const messageIds = [];
    for (const userId of users) messageIds.push(await sent(d, userId));
    let inFlight = 0;
    let most = 0;
    const feedback = {
      put: async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 50));
        inFlight -= 1;
        return { ok: true as const };
      },
    } as unknown as VerificationDeps['feedback'];

    // Act
    const result = await handleVerification(
      viaEventHook('POST', { authorization: SECRET }, { data: { events: users.map((u) => authViaMfa(u)) } }),
      { ...d, feedback },
    );

    // Assess
    expect(result?.statusCode).toBe(200);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(8);
    for (const messageId of messageIds) {
      expect((await item(d, `message#${messageId}`))?.feedback).toBe('RECEIVED');
    }
  });

  it('answers 500 when the table fails, so Okta delivers again', async () => {
    // Prepare
    const broken = {
      ...deps(),
      store: new DynamoMessageStore(localDynamoClient('http://127.0.0.1:9'), TABLE),
    };

    // Act
    const result = await handleVerification(
      viaEventHook('POST', { authorization: SECRET }, { data: { events: [authViaMfa('00uX')] } }),
      broken,
    );

    // Assess
    expect(result?.statusCode).toBe(500);
  });

  it('compares secrets in constant time and exactly', () => {
    expect(sameSecret(SECRET, SECRET)).toBe(true);
    expect(sameSecret(`${SECRET} `, SECRET)).toBe(false);
    expect(sameSecret('', SECRET)).toBe(false);
  });
});
