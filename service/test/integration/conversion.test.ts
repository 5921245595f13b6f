/**
 * Conversion over HTTP through the local stack: Okta's System Log `user.authentication.auth_via_mfa` SUCCESS,
 * delivered by `POST /_local/okta-events` as Okta Log Streaming's EventBridge event to the real
 * `record-verification` handler, marks the user's latest message of that factor's channel RECEIVED (PutMessageFeedback
 * on the messaging stand-in, the outbox's `feedback`); events for other factors, failures or other users change
 * nothing; `POST /_local/sweep` after a code's expiry sets FAILED; `npm run okta -- verify` plays the user; `npm run
 * trace` tells the whole story; the outbox page shows receipts and use.
 */
import { existsSync } from 'node:fs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/common.js';
import { traceCli } from '../../cli/trace.js';
import { localDynamoClient } from '../../local/dynalite.js';
import { buildMfaVerifiedEvent, main as oktaCli } from '../../local/okta-cli.js';
import type { LocalStack } from '../../local/stack.js';
import { lowConversionDenyKey } from '../../src/domain/abuse-table.js';
import { captureIo } from '../helpers/cli-io.js';
import {
  eventually,
  hookRequest,
  messageItem,
  mint,
  outboxMessage,
  postHook,
  postLocal,
  postOktaEvents,
  resetStack,
  startStack,
  transactionIdOf,
  updateMessageItem,
} from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let stack: LocalStack;
let token: string;
let users = 0;

beforeAll(async () => {
  // No sweep on a timer: only `POST /_local/sweep` settles expired codes here.
  stack = await startStack({ sweepIntervalMs: 0 });
  token = await mint(stack);
});
afterAll(() => stack?.close());
beforeEach(() => resetStack(stack));

/** Sends a code to a user of its own (the latest-message pointer is per user and channel) and waits for its receipts. */
async function sendCode(fixture = 'request-sms-mfa-verification') {
  users += 1;
  const userId = `00uConv${Date.now().toString(36)}${users}`;
  const payload = hookRequest(fixture, (p) => {
    p.data.userProfile = { ...p.data.userProfile, userId };
  });
  const messageId = transactionIdOf(await postHook(stack, payload, { token }));
  await eventually(
    async () => (await messageItem(stack, messageId))?.deliveryFinal === true,
    'the final receipt',
  );
  return { payload, userId, messageId };
}

const capture = captureIo;

describe('a played verification', () => {
  it("sets the outbox feedback RECEIVED and the message's feedback in the table, by the time the route answers", async () => {
    // Prepare
    const { userId, messageId } = await sendCode();

    // Act
    const answer = await postOktaEvents(stack, buildMfaVerifiedEvent({ userId, factor: 'SMS_FACTOR' }));

    // Assess: no waiting, the route answers after the handler ran
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ delivered: 1, failed: 0 });
    expect((await outboxMessage(stack, messageId))?.feedback).toBe('RECEIVED');
    const item = await messageItem(stack, messageId);
    expect(item).toMatchObject({ feedback: 'RECEIVED' });
    expect(item?.sweepBucket).toBeUndefined();
  });

  it('is played by npm run okta -- verify --event-id for a call, with CALL_FACTOR and the user from the table', async () => {
    // Prepare
    const { payload, messageId } = await sendCode('request-call-mfa-verification-en');
    const printed: string[] = [];

    // Act
    const code = await oktaCli(['verify', '--event-id', payload.eventId!, '--url', stack.baseUrl], (text) =>
      printed.push(text),
    );

    // Assess
    expect(code).toBe(0);
    const output = printed.join('');
    expect(output).toContain('user.authentication.auth_via_mfa SUCCESS CALL_FACTOR');
    expect(output).toContain(`message ${messageId} feedback RECEIVED`);
    expect(output).not.toContain(payload.data.messageProfile.phoneNumber);
    expect((await outboxMessage(stack, messageId))?.feedback).toBe('RECEIVED');
  });

  it("marks an SMS enrolment's code RECEIVED on Okta's user.mfa.factor.activate for the enrolled user", async () => {
    // Prepare: an enrolment code; Okta logs the activation (by an admin here), not auth_via_mfa
    const { userId, messageId } = await sendCode('request-sms-pre-enrollment-no-plus');
    const activation = {
      uuid: `activate-${messageId}`,
      published: new Date().toISOString(),
      eventType: 'user.mfa.factor.activate',
      actor: { id: '00uAdminActor', type: 'User' },
      outcome: { result: 'SUCCESS' },
      target: [
        { id: userId, type: 'User' },
        { type: 'Factor', displayName: 'SMS Authentication' },
      ],
    };

    // Act
    const answer = await postOktaEvents(stack, activation);

    // Assess
    expect(answer.status).toBe(200);
    expect((await outboxMessage(stack, messageId))?.feedback).toBe('RECEIVED');
  });

  it('does nothing for events of other factors, failed verifications, or another user', async () => {
    // Prepare
    const { userId, messageId } = await sendCode();
    const events = [
      buildMfaVerifiedEvent({ userId, factor: 'OKTA_VERIFY_PUSH' }),
      buildMfaVerifiedEvent({ userId, factor: 'EMAIL_FACTOR' }),
      buildMfaVerifiedEvent({ userId, factor: 'CALL_FACTOR' }),
      buildMfaVerifiedEvent({ userId, factor: 'SMS_FACTOR', outcome: 'FAILURE' }),
      buildMfaVerifiedEvent({ userId: '00uSomeoneElse', factor: 'SMS_FACTOR' }),
    ];

    // Act
    const answer = await postOktaEvents(stack, events);

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ delivered: 5, failed: 0 });
    expect((await outboxMessage(stack, messageId))?.feedback).toBeNull();
    expect((await messageItem(stack, messageId))?.feedback).toBeUndefined();
  });

  it('refuses a body that is not an event or a non-empty array of events with a 400', async () => {
    for (const body of ['[]', '"x"', '[1]', 'not json']) {
      const answer = await postLocal(stack, '/_local/okta-events', body);
      expect(answer.status, body).toBe(400);
    }
  });
});

/** An Okta event no code is about (a push sign-in): it proves Okta's events reach the stack. */
const oktaIsHeard = (on = stack) =>
  postOktaEvents(on, buildMfaVerifiedEvent({ userId: '00uAnyone', factor: 'OKTA_VERIFY_PUSH' }));

/** Sends a code to a number of a prefix, for a user of its own, and moves its expiry 4 minutes into the past. */
async function expiredCode(phone: string, on = stack, bearer = token) {
  users += 1;
  const payload = hookRequest('request-sms-mfa-verification', (p) => {
    p.data.userProfile = { ...p.data.userProfile, userId: `00uPump${Date.now().toString(36)}${users}` };
    p.data.messageProfile.phoneNumber = phone;
  });
  const messageId = transactionIdOf(await postHook(on, payload, { token: bearer }));
  await updateMessageItem(on, messageId, { codeExpiresAt: Math.floor(Date.now() / 1000) - 240 });
  return messageId;
}

/** The sweep's deny entry of a prefix in the abuse guard's table, if any. */
async function denyEntryOf(prefix: string, on = stack) {
  const client = localDynamoClient(on.dynamoEndpoint);
  try {
    const { Item } = await DynamoDBDocumentClient.from(client).send(
      new GetCommand({ TableName: on.tables.abuse, Key: lowConversionDenyKey(prefix) }),
    );
    return Item;
  } finally {
    client.destroy();
  }
}

describe('POST /_local/sweep', () => {
  it('sets FAILED on a message whose code expired unused, and leaves one whose code still lives', async () => {
    // Prepare
    const expired = await sendCode();
    const living = await sendCode();
    // Expired 4 minutes ago: past the 3-minute grace for a late "verified" event
    await updateMessageItem(stack, expired.messageId, { codeExpiresAt: Math.floor(Date.now() / 1000) - 240 });
    await oktaIsHeard();

    // Act
    const answer = await postLocal(stack, '/_local/sweep');

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: true, result: { swept: 1 } });
    expect((await outboxMessage(stack, expired.messageId))?.feedback).toBe('FAILED');
    expect((await messageItem(stack, expired.messageId))?.feedback).toBe('FAILED');
    expect((await outboxMessage(stack, living.messageId))?.feedback).toBeNull();
    expect((await messageItem(stack, living.messageId))?.feedback).toBeUndefined();
  });
});

describe('no deny without evidence, over HTTP', () => {
  it("denies a prefix of 25 unused codes only once Okta's events arrive, and says the signal is missing before", async () => {
    // Prepare: a stack of its own, whose Okta events have never arrived (a deployment whose event source is not
    // connected yet)
    const fresh = await startStack({ sweepIntervalMs: 0 });
    const freshToken = await mint(fresh);
    try {
      const prefix = '+16465550';
      for (let i = 0; i < 25; i += 1) {
        await expiredCode(`${prefix}${String(100 + i)}`, fresh, freshToken);
      }

      // Act
      const waiting = await postLocal(fresh, '/_local/sweep');
      const deniedBefore = await denyEntryOf(prefix, fresh);
      await oktaIsHeard(fresh);
      const judged = await postLocal(fresh, '/_local/sweep');

      // Assess
      expect(waiting.body).toMatchObject({ ok: true, result: { swept: 0, deferred: 25, denied: 0 } });
      expect(deniedBefore).toBeUndefined();
      expect(judged.body).toMatchObject({ ok: true, result: { swept: 25, denied: 1 } });
      expect(await denyEntryOf(prefix, fresh)).toMatchObject({ reason: 'low-conversion' });
    } finally {
      await fresh.close();
    }
  });

  it('re-credits a code the sweep called unused when Okta reports its use late', async () => {
    // Prepare: the code expired unused as far as the sweep knew, and was set FAILED
    const { userId, messageId } = await sendCode();
    const sentAt = (await messageItem(stack, messageId))?.sentAt as number;
    await updateMessageItem(stack, messageId, { codeExpiresAt: Math.floor(Date.now() / 1000) - 240 });
    await oktaIsHeard();
    await postLocal(stack, '/_local/sweep');
    expect((await messageItem(stack, messageId))?.feedback).toBe('FAILED');

    // Act: the user's use, published seconds after the send, arrives late (the stream lagged)
    await postOktaEvents(
      stack,
      buildMfaVerifiedEvent({ userId, factor: 'SMS_FACTOR', now: new Date(sentAt + 5_000) }),
    );

    // Assess
    expect(await messageItem(stack, messageId)).toMatchObject({
      feedback: 'RECEIVED',
      countedAs: 'RECEIVED',
    });
    expect((await outboxMessage(stack, messageId))?.feedback).toBe('RECEIVED');
  });
});

describe('npm run trace', () => {
  it("tells one code's story from the local stack: request, answer, send, receipts, use; no code, no full number", async () => {
    // Prepare
    const { payload, userId, messageId } = await sendCode();
    await postOktaEvents(stack, buildMfaVerifiedEvent({ userId, factor: 'SMS_FACTOR' }));
    const io = capture();

    // Act
    const code = await traceCli([payload.eventId!, '--endpoint', stack.baseUrl], io, {});

    // Assess
    expect(code).toBe(0);
    const out = io.stdout.join('\n');
    expect(out).toContain(`Message ${messageId}  (Okta eventId ${payload.eventId})`);
    expect(out).toMatch(
      /hook request {3}\S+Z {2}com\.okta\.user\.telephony\.mfa-verification {2}sms {2}US {2}\+1 \*{7}123/,
    );
    expect(out).toContain(`Okta's answer  SUCCESSFUL, transactionId ${messageId} (the message id)`);
    const { OriginationIdentity } = (await outboxMessage(stack, messageId)) ?? {};
    expect(out).toContain(`send           from ${OriginationIdentity}, message id ${messageId}`);
    expect(out).toMatch(/TEXT_DELIVERED \(final\) \(\+\d+ ms\)/);
    expect(out).toMatch(/code used {6}yes: RECEIVED at \S+Z/);
    expect(out).toContain(`filter eventId = "${payload.eventId}"`);
    expect(out).not.toContain(payload.data.messageProfile.otpCode);
    expect(out).not.toContain('4155550123');
  });

  it('finds it by message id too, and says clearly when nothing is there', async () => {
    // Prepare
    const { messageId } = await sendCode();
    const found = capture();
    const missing = capture();

    // Act
    const foundCode = await traceCli([messageId, '--endpoint', stack.baseUrl, '--json'], found, {});
    const missingCode = await traceCli(['evt-never-sent', '--endpoint', stack.baseUrl], missing, {});

    // Assess
    expect(foundCode).toBe(0);
    expect(JSON.parse(found.stdout.join(''))).toMatchObject({
      foundBy: 'messageId',
      messages: [{ messageId }],
    });
    expect(missingCode).toBe(1);
    expect(missing.stderr.join('\n')).toContain('Nothing in okta-phone-mfa-messages for evt-never-sent');
    await expect(
      traceCli(['+14155550123', '--endpoint', stack.baseUrl], capture(), {}),
    ).rejects.toBeInstanceOf(UsageError);
  });
});

describe.skipIf(!existsSync(CHROMIUM))('the outbox page', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(() => browser?.close());

  it("shows each message's identity, receipts and whether its code was used", async () => {
    // Prepare
    const used = await sendCode();
    const unused = await sendCode();
    await postOktaEvents(stack, buildMfaVerifiedEvent({ userId: used.userId, factor: 'SMS_FACTOR' }));
    const page = await browser.newPage();

    // Act
    await page.goto(stack.baseUrl);

    // Assess: newest first
    const messages = page.getByTestId('message');
    await expect.poll(() => messages.count(), { timeout: 5_000 }).toBe(2);
    const { OriginationIdentity } = (await outboxMessage(stack, used.messageId)) ?? {};
    const usedStory = messages.nth(1).getByTestId('story');
    expect(await usedStory.textContent()).toContain(`sent by ${OriginationIdentity}`);
    expect(await usedStory.getByTestId('receipt').count()).toBe(1);
    expect(await usedStory.getByTestId('receipt').nth(0).getAttribute('data-event-type')).toBe(
      'TEXT_DELIVERED',
    );
    expect(await usedStory.getByTestId('used').textContent()).toBe('code used');
    expect(await messages.nth(0).getByTestId('used').textContent()).toBe('not used yet');
    expect(unused.messageId).not.toBe(used.messageId);
  });
});
