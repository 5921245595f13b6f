/**
 * Delivery receipts over HTTP through the local stack: the messaging stand-in emits End User Messaging's events
 * ~200 ms after a send, the stack delivers them to the real `record-delivery-event` handler wrapped as SNS would, and
 * the messages table shows each message's receipts. A final failure receipt (the `receipts` fault) leaves exactly one
 * DLQ record for the event, redacted, after Okta was already answered SUCCESSFUL.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import {
  deadLetters,
  eventually,
  getJson,
  hookRequest,
  messageItem,
  mint,
  outboxMessage,
  postHook,
  resetStack,
  setFaults,
  startStack,
  transactionIdOf,
} from './helpers.js';

let stack: LocalStack;
let token: string;

beforeAll(async () => {
  stack = await startStack();
  token = await mint(stack);
});
afterAll(() => stack?.close());
beforeEach(() => resetStack(stack));

/** The outbox message once its final receipt is in. */
const finalReceipt = (messageId: string) =>
  eventually(async () => {
    const message = await outboxMessage(stack, messageId);
    const last = message?.events?.at(-1);
    return last && /_(DELIVERED|COMPLETED|CARRIER_UNREACHABLE|BLOCKED)$/.test(last.eventType)
      ? message
      : undefined;
  }, `the final receipt of ${messageId}`);

/** The table's item once the receipts handler recorded `count` receipts and the final status. */
const itemWithReceipts = (messageId: string, count: number) =>
  eventually(async () => {
    const item = await messageItem(stack, messageId);
    return (item?.receipts?.length ?? 0) >= count && item?.deliveryFinal === true ? item : undefined;
  }, `${count} receipts of ${messageId} and its final status in the messages table`);

describe('a delivered SMS', () => {
  it('gets TEXT_DELIVERED in the outbox, and the messages table shows it and the status', async () => {
    // Prepare
    const payload = hookRequest();

    // Act
    const answer = await postHook(stack, payload, { token });
    const messageId = transactionIdOf(answer);
    const message = await finalReceipt(messageId);
    const item = await itemWithReceipts(messageId, 1);

    // Assess
    expect(message.events.map((e: { eventType: string }) => e.eventType)).toEqual(['TEXT_DELIVERED']);
    expect(message.feedback).toBeNull();
    expect(item).toMatchObject({
      messageId,
      eventId: payload.eventId,
      channel: 'sms',
      country: 'US',
      phone: '+1 *******123',
      deliveryStatus: 'delivered',
      deliveryFinal: true,
    });
    expect(item.receipts.map((r: { eventType: string }) => r.eventType)).toEqual(['TEXT_DELIVERED']);
    const stored = JSON.stringify(item);
    expect(stored).not.toContain(payload.data.messageProfile.otpCode);
    expect(stored).not.toContain('4155550123');
    expect(await deadLetters(stack)).toEqual([]);
  });
});

describe('a completed call', () => {
  it('gets VOICE_INITIATED, VOICE_RINGING, VOICE_ANSWERED and VOICE_COMPLETED, recorded as completed', async () => {
    // Act
    const answer = await postHook(stack, hookRequest('request-call-mfa-verification-en'), { token });
    const messageId = transactionIdOf(answer);
    const message = await finalReceipt(messageId);
    const item = await itemWithReceipts(messageId, 4);

    // Assess
    expect(message.channel).toBe('VOICE');
    expect(message.events.map((e: { eventType: string }) => e.eventType)).toEqual([
      'VOICE_INITIATED',
      'VOICE_RINGING',
      'VOICE_ANSWERED',
      'VOICE_COMPLETED',
    ]);
    expect(item).toMatchObject({ channel: 'voice', deliveryStatus: 'completed', deliveryFinal: true });
  });
});

describe('the receipts fault', () => {
  it('with CARRIER_UNREACHABLE answers Okta SUCCESSFUL, then leaves exactly one redacted DLQ record for the event', async () => {
    // Prepare
    expect((await setFaults(stack, { receipts: { status: 'CARRIER_UNREACHABLE' } })).status).toBe(200);
    const payload = hookRequest();

    // Act
    const answer = await postHook(stack, payload, { token });
    const messageId = transactionIdOf(answer);
    const message = await finalReceipt(messageId);
    const records = await eventually(async () => {
      const found = await deadLetters(stack);
      return found.length > 0 ? found : undefined;
    }, 'the DLQ record of the failure receipt');
    // A moment more: no second record comes.
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Assess
    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect(message.events.map((e: { eventType: string }) => e.eventType)).toEqual([
      'TEXT_CARRIER_UNREACHABLE',
    ]);
    expect(await deadLetters(stack)).toHaveLength(1);
    expect(records[0]).toMatchObject({ eventId: payload.eventId, messageId });
    const text = JSON.stringify(records[0]);
    expect(text).toContain('carrier_unreachable');
    expect(text).not.toContain(payload.data.messageProfile.otpCode);
    expect(text).not.toContain('4155550123');
    expect((await messageItem(stack, messageId))?.deliveryStatus).toBe('carrier_unreachable');
  });

  it('is refused with a clear 400 for an unknown status, a prefixed one, or a bad delay, and shown once set', async () => {
    // Act
    const unknown = await setFaults(stack, { receipts: { status: 'LOST' } });
    const prefixed = await setFaults(stack, { receipts: { status: 'TEXT_BLOCKED' } });
    const badDelay = await setFaults(stack, { receipts: { status: 'BLOCKED', delayMs: -5 } });
    const extra = await setFaults(stack, { receipts: { status: 'BLOCKED', voice: true } });
    const good = await setFaults(stack, { receipts: { status: 'blocked', delayMs: 50 } });

    // Assess
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { message: string }).message).toMatch(
      /^receipts\.status must be DELIVERED, SUCCESSFUL, BLOCKED, .*CARRIER_UNREACHABLE/,
    );
    expect(prefixed.status).toBe(400);
    expect(((await prefixed.json()) as { message: string }).message).toBe(
      'receipts.status is the status without its prefix: "BLOCKED", not "TEXT_BLOCKED"',
    );
    expect(badDelay.status).toBe(400);
    expect(((await badDelay.json()) as { message: string }).message).toMatch(
      /^receipts\.delayMs must be a whole number of milliseconds/,
    );
    expect(extra.status).toBe(400);
    expect(good.status).toBe(200);
    expect(await getJson(stack, '/_local/faults')).toEqual({ receipts: { status: 'BLOCKED', delayMs: 50 } });
  });
});

describe('/_local/health', () => {
  it('lists the receipt, verification and sweep functions as ready', async () => {
    const health = await getJson(stack, '/_local/health');

    expect(health.status).toBe('ok');
    expect(health.parts).toMatchObject({
      'record-delivery-event': 'ok',
      'record-verification': 'ok',
      'sweep-messages': 'ok',
    });
  });
});
