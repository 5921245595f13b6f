/**
 * The messaging stand-in's delivery receipts and PutMessageFeedback, through the real SDK client: each accepted
 * message gets End User Messaging's v2 events in the documented order, final one last, with the send's Context; the
 * `receipts` fault picks the final status and delay; feedback is refused for an id the service never issued and for a
 * message sent without MessageFeedbackEnabled, as AWS refuses it.
 */
import {
  PinpointSMSVoiceV2Client,
  PutMessageFeedbackCommand,
  SendTextMessageCommand,
  SendVoiceMessageCommand,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMessagingEmulator } from '../../../local/emulators/messaging.js';
import { type MessagingEvent, receiptPlan, smsParts } from '../../../local/emulators/receipts.js';

let messaging: Awaited<ReturnType<typeof startMessagingEmulator>>;
let client: PinpointSMSVoiceV2Client;
let received: MessagingEvent[] = [];

const text = (extra: Record<string, unknown> = {}) =>
  new SendTextMessageCommand({
    DestinationPhoneNumber: '+14155550123',
    OriginationIdentity: '+12065550100',
    MessageBody: 'Your code is 123456',
    MessageType: 'TRANSACTIONAL',
    Context: { eventId: 'evt-1' },
    MessageFeedbackEnabled: true,
    ...extra,
  });
const call = () =>
  new SendVoiceMessageCommand({
    DestinationPhoneNumber: '+447700900123',
    OriginationIdentity: '+12065550100',
    MessageBody: '<speak>Your code</speak>',
    MessageBodyTextType: 'SSML',
    Context: { eventId: 'evt-2' },
    MessageFeedbackEnabled: true,
  });

beforeAll(async () => {
  messaging = await startMessagingEmulator();
  client = new PinpointSMSVoiceV2Client({
    endpoint: messaging.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  messaging.emulator.onReceipt((receipt) => {
    received.push(receipt);
  });
});
afterAll(async () => {
  client.destroy();
  messaging.emulator.stop();
  await messaging.close();
});
beforeEach(() => {
  messaging.emulator.clear();
  messaging.emulator.setReceiptFault(undefined);
  received = [];
});

describe('receipts of an accepted SMS', () => {
  it('emits the final TEXT_DELIVERED about 200 ms after the send, as an End User Messaging v2 event', async () => {
    // Act
    const started = Date.now();
    const { MessageId } = await client.send(text());
    await messaging.emulator.settled();

    // Assess
    expect(received.map((r) => [r.eventType, r.isFinal])).toEqual([['TEXT_DELIVERED', true]]);
    const final = received[0]!;
    expect(final).toMatchObject({
      eventVersion: '1.0',
      messageId: MessageId,
      originationPhoneNumber: '+12065550100',
      destinationPhoneNumber: '+14155550123',
      isoCountryCode: 'US',
      messageStatus: 'DELIVERED',
      messageType: 'TRANSACTIONAL',
      messageEncoding: 'GSM',
      context: { eventId: 'evt-1' },
      totalMessageParts: 1,
    });
    expect(final.totalMessagePrice).toBeGreaterThan(0);
    expect(final.messageRequestTimestamp).toBeGreaterThanOrEqual(started);
    expect(final.eventTimestamp - final.messageRequestTimestamp).toBeGreaterThanOrEqual(190);
    expect(final.eventTimestamp - final.messageRequestTimestamp).toBeLessThan(1_000);
  });

  it("records each emitted receipt in the outbox message's events, and feedback null until set", async () => {
    // Act
    await client.send(text());
    await messaging.emulator.settled();

    // Assess
    const [message] = messaging.emulator.outbox();
    expect(message!.events).toEqual(
      received.map((r) => ({ eventType: r.eventType, eventTimestamp: r.eventTimestamp })),
    );
    expect(message!.feedback).toBeNull();
  });

  it("emits only the final TEXT_CARRIER_UNREACHABLE, after the fault's delay, under a receipts fault", async () => {
    // Prepare
    messaging.emulator.setReceiptFault({ status: 'CARRIER_UNREACHABLE', delayMs: 50 });

    // Act
    await client.send(text());
    await messaging.emulator.settled();

    // Assess
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      eventType: 'TEXT_CARRIER_UNREACHABLE',
      isFinal: true,
      messageStatus: 'CARRIER_UNREACHABLE',
    });
    const delay = received[0]!.eventTimestamp - received[0]!.messageRequestTimestamp;
    expect(delay).toBeGreaterThanOrEqual(45);
    expect(delay).toBeLessThan(190);
  });

  it('emits nothing for a message whose outbox was emptied before its receipts were due', async () => {
    // Prepare
    messaging.emulator.setReceiptFault({ status: 'DELIVERED', delayMs: 300 });
    await client.send(text());

    // Act
    messaging.emulator.clear();
    await new Promise((resolve) => setTimeout(resolve, 400));

    // Assess
    expect(received).toEqual([]);
  });
});

describe('receipts of an accepted call', () => {
  it('emits VOICE_INITIATED, VOICE_RINGING, VOICE_ANSWERED and the final VOICE_COMPLETED in order', async () => {
    // Act
    await client.send(call());
    await messaging.emulator.settled();

    // Assess
    expect(received.map((r) => r.eventType)).toEqual([
      'VOICE_INITIATED',
      'VOICE_RINGING',
      'VOICE_ANSWERED',
      'VOICE_COMPLETED',
    ]);
    expect(received.map((r) => r.isFinal)).toEqual([false, false, false, true]);
    expect(received.at(-1)).toMatchObject({ isoCountryCode: 'GB', context: { eventId: 'evt-2' } });
    const times = received.map((r) => r.eventTimestamp);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('keeps calls completing under an SMS-only fault, and ends them busy under a voice one', async () => {
    // Assess
    expect(receiptPlan('VOICE', { status: 'CARRIER_UNREACHABLE' }).at(-1)?.eventType).toBe('VOICE_COMPLETED');
    expect(receiptPlan('VOICE', { status: 'BUSY' }).map((s) => s.eventType)).toEqual([
      'VOICE_INITIATED',
      'VOICE_BUSY',
    ]);
    expect(receiptPlan('SMS', { status: 'BUSY' }).at(-1)?.eventType).toBe('TEXT_DELIVERED');
    expect(receiptPlan('SMS', { status: 'TTL_EXPIRED' }).map((s) => s.eventType)).toEqual([
      'TEXT_TTL_EXPIRED',
    ]);
  });
});

describe('smsParts', () => {
  it('counts GSM texts in 160/153-character parts and others as UCS-2 in 70/67', () => {
    expect(smsParts('a'.repeat(160))).toEqual({ encoding: 'GSM', parts: 1 });
    expect(smsParts('a'.repeat(161))).toEqual({ encoding: 'GSM', parts: 2 });
    expect(smsParts('código 123456 ✓')).toEqual({ encoding: 'UCS2', parts: 1 });
    expect(smsParts('✓'.repeat(71))).toEqual({ encoding: 'UCS2', parts: 2 });
  });
});

describe('PutMessageFeedback', () => {
  it('sets RECEIVED on a message sent with MessageFeedbackEnabled and answers as AWS does', async () => {
    // Prepare
    const { MessageId } = await client.send(text());

    // Act
    const answer = await client.send(
      new PutMessageFeedbackCommand({ MessageId, MessageFeedbackStatus: 'RECEIVED' }),
    );

    // Assess
    expect(answer).toMatchObject({ MessageId, MessageFeedbackStatus: 'RECEIVED' });
    expect(messaging.emulator.outbox()[0]!.feedback).toBe('RECEIVED');
  });

  it('refuses an id it never issued with ResourceNotFoundException', async () => {
    // Act
    const error = await client
      .send(new PutMessageFeedbackCommand({ MessageId: 'no-such-message', MessageFeedbackStatus: 'FAILED' }))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      ResourceType: 'message',
      ResourceId: 'no-such-message',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('refuses a message sent without MessageFeedbackEnabled: it has no feedback record', async () => {
    // Prepare
    const { MessageId } = await client.send(text({ MessageFeedbackEnabled: undefined }));

    // Act
    const error = await client
      .send(new PutMessageFeedbackCommand({ MessageId, MessageFeedbackStatus: 'RECEIVED' }))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(messaging.emulator.outbox()[0]!.feedback).toBeNull();
  });

  it('still knows a message after the outbox was emptied, as AWS does', async () => {
    // Prepare
    const { MessageId } = await client.send(text());
    messaging.emulator.clear();

    // Act
    const answer = await client.send(
      new PutMessageFeedbackCommand({ MessageId, MessageFeedbackStatus: 'FAILED' }),
    );

    // Assess
    expect(answer.MessageFeedbackStatus).toBe('FAILED');
  });

  it('refuses a status other than RECEIVED or FAILED with a ValidationException', async () => {
    // Prepare
    const { MessageId } = await client.send(text());

    // Act
    const error = await client
      .send(
        new PutMessageFeedbackCommand({ MessageId, MessageFeedbackStatus: 'USED' as unknown as 'RECEIVED' }),
      )
      .catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'ValidationException' });
  });
});
