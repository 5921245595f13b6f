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
import { eventDbClient } from '../../../src/adapters/aws-clients.js';
import { EndUserMessagingFeedback } from '../../../src/adapters/message-feedback.js';
import { DynamoSettlementStore } from '../../../src/adapters/message-settlement.js';
import { DynamoMessageMemory, rememberingSender } from '../../../src/adapters/remembering-sender.js';
import { effectiveSignal } from '../../../src/domain/conversion.js';
import type { DeliveryRequest } from '../../../src/domain/hook-request.js';
import { OKTA_EVENT_TYPES } from '../../../src/domain/okta-log-event.js';
import {
  handleOktaEvent,
  handleVerification,
  sameSecret,
  type VerificationDeps,
} from '../../../src/handlers/record-verification.js';
import {
  type CallMatcher,
  failBeforeSend,
  loseAnswerAfterLanding,
  updateOf,
} from '../../helpers/dynamo-faults.js';
import { OutputCapture } from '../../helpers/output-capture.js';
import { allItems, createMessagesTable, sentMessage } from '../adapters/messages-table-setup.js';

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

function deps(
  client = localDynamoClient(db.endpoint),
): VerificationDeps & { client: ReturnType<typeof localDynamoClient> } {
  return {
    client,
    store: new DynamoSettlementStore(client, TABLE),
    feedback: new EndUserMessagingFeedback(new PinpointSMSVoiceV2Client({ region: 'us-east-1' })),
    secret: { get: async () => SECRET },
    header: 'authorization',
  };
}

/** Sends one message through the hook's remembering sender, as the hook does after End User Messaging accepts it. */
async function sent(
  d: VerificationDeps & { client: ReturnType<typeof localDynamoClient> },
  userId: string,
  channel: 'sms' | 'voice' = 'sms',
  sentAt = Date.now() - 60_000,
  phone = '+14155550123',
) {
  const messageId = randomUUID();
  const request = {
    idempotencyKey: `evt-${messageId}`,
    requestId: 'req-1',
    requestType: 'com.okta.user.telephony.mfa-verification',
    channel,
    phone,
    country: 'US',
    rawPhone: phone,
    userId,
    otpCode: '864209',
    ttlSeconds: 300,
  } as DeliveryRequest;
  const memory = rememberingSender(
    { send: async () => ({ messageId, attempts: 1 }) },
    request,
    new DynamoMessageMemory(d.client, TABLE),
    () => sentAt,
  );
  await memory.sender.send(
    {
      channel,
      destination: phone,
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
function authViaMfa(
  userId: string,
  edit: { factor?: string; result?: string; uuid?: string; published?: string } = {},
) {
  return {
    uuid: edit.uuid ?? randomUUID(),
    // The user typed the code half a minute after it was sent (see `sent`).
    published: edit.published ?? new Date(Date.now() - 30_000).toISOString(),
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

/** The event functions' own DynamoDB client (retries ambiguous failures), on dynalite. */
const eventClient = () => eventDbClient({ region: 'us-east-1', endpoints: { dynamodb: db.endpoint } });

/** The message's finishing write (step 3): it alone sets `countedAs`. */
const finishWrite: CallMatcher = (name, input) =>
  updateOf('message#')(name, input) && String(input.UpdateExpression).includes('countedAs');

/** A number of its own (and so a prefix counter of its own) for one test. */
const ownNumber = () => `+1646${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

async function prefixCounter(d: ReturnType<typeof deps>, phone: string) {
  return (await allItems(d.client, TABLE)).filter((i) => i.pk === `prefix#${phone.slice(0, -3)}`);
}

describe('a settlement that stops between its steps', () => {
  it.each([
    ['the counter write fails (a DynamoDB error)', updateOf('prefix#')],
    ['the function stops before its finishing write', finishWrite],
  ])("is finished by EventBridge's retry of the event when %s, and counted once", async (_name, match) => {
    // Prepare
    const client = eventClient();
    const d = deps(client);
    const userId = `00u${randomUUID().slice(0, 8)}`;
    const phone = ownNumber();
    const messageId = await sent(d, userId, 'sms', undefined, phone);
    const event = authViaMfa(userId);
    const fault = failBeforeSend(client, match);

    // Act: the first invocation fails after the settle landed; Lambda retries it
    await expect(handleVerification(viaEventBridge(event), d)).rejects.toThrow('injected');
    fault.remove();
    await handleVerification(viaEventBridge(event), d);

    // Assess
    expect(fault.fired).toBe(1);
    // The conversion is counted once, by the invocation that counted it (the retry, when the first stopped before).
    expect(metric('OtpConverted')).toHaveLength(1);
    const message = await item(d, `message#${messageId}`);
    expect(message).toMatchObject({ feedback: 'RECEIVED', countedAs: 'RECEIVED', feedbackPut: 'RECEIVED' });
    expect(message?.prefix).toBeUndefined();
    expect(message?.sweepBucket).toBeUndefined();
    const counters = await prefixCounter(d, phone);
    expect(counters).toHaveLength(1);
    expect(counters[0]).toMatchObject({ settled: 1, converted: 1 });
  });

  it.each([
    [
      'the settle',
      (name: string, input: Record<string, any>) =>
        updateOf('message#')(name, input) && String(input.UpdateExpression).includes('settledBy'),
    ],
    ['the count', updateOf('prefix#')],
    ['the finishing write', finishWrite],
  ])(
    "recognises its own landed write when %s's answer is lost and the SDK retries it",
    async (_name, match) => {
      // Prepare
      const client = eventClient();
      const d = deps(client);
      const userId = `00u${randomUUID().slice(0, 8)}`;
      const phone = ownNumber();
      const messageId = await sent(d, userId, 'sms', undefined, phone);
      const fault = loseAnswerAfterLanding(client, match as CallMatcher);

      // Act
      const outcome = await handleOktaEvent(authViaMfa(userId), d);
      fault.remove();

      // Assess: retried (the call went again), and counted as the first attempt alone would have: once
      expect(fault.fired).toBe(1);
      expect(fault.calls).toBeGreaterThanOrEqual(2);
      expect(outcome).toBe('converted');
      expect(metric('OtpConverted')).toHaveLength(1);
      expect(await item(d, `message#${messageId}`)).toMatchObject({
        feedback: 'RECEIVED',
        countedAs: 'RECEIVED',
      });
      expect((await prefixCounter(d, phone))[0]).toMatchObject({ settled: 1, converted: 1 });
    },
  );

  it("counts Okta's hook failure when the SDK retries a first-sight claim that had landed", async () => {
    // Prepare
    const client = eventClient();
    const d = deps(client);
    const fault = loseAnswerAfterLanding(client, updateOf('okta-event#'));
    const failure = {
      uuid: randomUUID(),
      published: new Date().toISOString(),
      eventType: 'inline_hook.executed',
      outcome: { result: 'FAILURE', reason: 'Inline hook call timed out' },
    };

    // Act
    const first = await handleOktaEvent(failure, d);
    fault.remove();
    const again = await handleOktaEvent(failure, d);

    // Assess
    expect(fault.fired).toBe(1);
    expect([first, again]).toEqual(['hook-failure', 'ignored']);
    expect(metric('OktaHookFailure')).toHaveLength(1);
  });
});

describe('a verification that fails', () => {
  it('holds the conversion signal below it, however many other Okta events arrive after', async () => {
    // Prepare: the messages table refuses the settle write (a throttle, a broken deploy)
    const client = eventClient();
    const table = `messages-hold-${randomUUID().slice(0, 8)}`;
    await createMessagesTable(client, table);
    const store = new DynamoSettlementStore(client, table, { signalWriteEveryMs: 0 });
    const d = { ...deps(client), store };
    const userId = `00u${randomUUID().slice(0, 8)}`;
    await new DynamoMessageMemory(client, table).remember(
      sentMessage({
        userId,
        sentAt: Date.now() - 60_000,
        codeExpiresAt: Math.floor(Date.now() / 1000) + 240,
      }),
      true,
    );
    const used = authViaMfa(userId);
    const fault = failBeforeSend(client, (name, input) => updateOf('message#')(name, input), 10);

    // Act: the verification fails; Okta's other events keep coming
    await expect(handleOktaEvent(used, d)).rejects.toThrow('injected');
    fault.remove();
    await handleOktaEvent(
      {
        eventType: 'inline_hook.executed',
        outcome: { result: 'SUCCESS' },
        published: new Date().toISOString(),
      },
      d,
    );
    const signal = await store.signal();

    // Assess: Okta was heard from after the failure, but the sweep judges by the signal held below it
    expect(signal?.publishedMs).toBeGreaterThan(Date.parse(used.published));
    expect(signal?.failedPublishedMs).toBe(Date.parse(used.published));
    expect(effectiveSignal(signal, Date.now())).toBe(Date.parse(used.published) - 1);
  });
});

describe('an Okta event marks only a code it can be about', () => {
  it("does not mark a user's newer code with a repeated or late event published before it was sent", async () => {
    // Prepare: the first code is used and credited; then a second code is sent
    const d = deps();
    const userId = `00u${randomUUID().slice(0, 8)}`;
    const first = await sent(d, userId, 'sms', Date.now() - 120_000);
    const event = authViaMfa(userId, { published: new Date(Date.now() - 100_000).toISOString() });
    await handleVerification(viaEventBridge(event), d);
    const second = await sent(d, userId, 'sms', Date.now() - 60_000);
    const late = authViaMfa(userId, { published: new Date(Date.now() - 90_000).toISOString() });

    // Act: EventBridge delivers the first event again, and another event published before the second send arrives late
    const outcomes = [await handleOktaEvent(event, d), await handleOktaEvent(late, d)];

    // Assess
    expect(outcomes).toEqual(['ignored', 'ignored']);
    expect((await item(d, `message#${first}`))?.feedback).toBe('RECEIVED');
    expect((await item(d, `message#${second}`))?.feedback).toBeUndefined();
    expect(metric('OtpConverted')).toHaveLength(1);
  });

  it('credits an event once per uuid, even when the message it credited is gone from the pointer', async () => {
    // Prepare
    const d = deps();
    const userId = `00u${randomUUID().slice(0, 8)}`;
    await sent(d, userId);
    const event = authViaMfa(userId);
    await handleOktaEvent(event, d);

    // Act
    const again = await handleOktaEvent(event, d);

    // Assess
    expect(again).toBe('ignored');
    expect(await item(d, `okta-event#${event.uuid}`)).toBeDefined();
    expect(output.logs().some((l) => l.message.startsWith('Okta event already handled'))).toBe(true);
  });

  it.each(['EMAIL_FACTOR', 'OKTA_VERIFY_PUSH', 'GOOGLE_OTP'])(
    'does not take a %s activation for a phone code, whatever its target is called',
    async (factor) => {
      // Prepare
      const d = deps();
      const userId = `00u${randomUUID().slice(0, 8)}`;
      const messageId = await sent(d, userId);
      const activation = {
        uuid: randomUUID(),
        published: new Date().toISOString(),
        eventType: 'user.mfa.factor.activate',
        outcome: { result: 'SUCCESS' },
        debugContext: { debugData: { factor } },
        target: [
          { id: userId, type: 'User' },
          { type: 'Factor', displayName: 'SMS Authentication' },
        ],
      };

      // Act
      const outcome = await handleOktaEvent(activation, d);

      // Assess
      expect(outcome).toBe('ignored');
      expect((await item(d, `message#${messageId}`))?.feedback).toBeUndefined();
    },
  );

  it('ignores an event whose ids or date are oversized or malformed, with a debug line and no throw', async () => {
    // Prepare
    const d = deps();
    const huge = 'x'.repeat(3000);
    const events = [
      authViaMfa(huge),
      { ...authViaMfa('00uSomebody1'), uuid: huge },
      { ...authViaMfa('00uSomebody1'), published: 'yesterday' },
      { ...authViaMfa('00uSomebody1'), published: { at: 'now' } },
      {
        uuid: randomUUID(),
        published: new Date().toISOString(),
        eventType: 'user.mfa.factor.activate',
        outcome: { result: 'SUCCESS' },
        target: [
          { id: huge, type: 'User' },
          { type: 'Factor', displayName: 'SMS Authentication' },
        ],
      },
    ];

    // Act
    const outcomes = [];
    for (const event of events) outcomes.push(await handleOktaEvent(event, d));

    // Assess
    expect(outcomes).toEqual(['ignored', 'ignored', 'ignored', 'ignored', 'ignored']);
    expect(output.lines.join('\n')).not.toContain(huge);
  });
});

describe('the conversion signal', () => {
  it('is recorded from any Okta event, read or not, never past now, and never moves back', async () => {
    // Prepare
    const d = deps();
    const table = `messages-signal-${randomUUID().slice(0, 8)}`;
    await createMessagesTable(d.client, table);
    const store = new DynamoSettlementStore(d.client, table, { signalWriteEveryMs: 0 });
    const at = (ms: number) => new Date(ms).toISOString();
    const nowMs = Date.now();

    // Act
    await handleOktaEvent(
      { eventType: 'user.session.start', published: at(nowMs - 60_000) },
      { ...d, store },
    );
    await handleOktaEvent(
      { eventType: 'inline_hook.executed', outcome: { result: 'SUCCESS' }, published: at(nowMs - 120_000) },
      { ...d, store },
    );
    const signal = await store.signal();
    await handleOktaEvent(
      { eventType: 'user.session.start', published: at(nowMs + 3_600_000) },
      { ...d, store },
    );
    const later = await store.signal();

    // Assess
    expect(signal?.publishedMs).toBe(nowMs - 60_000);
    expect(later?.publishedMs).toBeGreaterThanOrEqual(nowMs);
    expect(later?.publishedMs).toBeLessThanOrEqual(Date.now());
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
      store: new DynamoSettlementStore(localDynamoClient('http://127.0.0.1:9'), TABLE),
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
