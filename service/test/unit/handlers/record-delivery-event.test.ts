// The receipt handler against dynalite: each End User Messaging event is recorded once on its message (SNS
// redelivers), counted by status, channel and country, timed to the handset, kept in order whatever order it came in,
// and a final failure leaves exactly one DLQ record, even when the first DLQ write failed and SNS retried.
import { randomUUID } from 'node:crypto';
import type { SNSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localDynamoClient, type RunningDynalite, startDynalite } from '../../../local/dynalite.js';
import { eventDbClient } from '../../../src/adapters/aws-clients.js';
import { DeadLetterClaimedError, DynamoReceiptStore } from '../../../src/adapters/message-receipts.js';
import { DynamoMessageMemory } from '../../../src/adapters/remembering-sender.js';
import type { ReceiptDlqRecord } from '../../../src/domain/dlq-record.js';
import type { MessageItem } from '../../../src/domain/message-table.js';
import { handleReceipts, type ReceiptDeadLetters } from '../../../src/handlers/record-delivery-event.js';
import { loseAnswerAfterLanding, updateOf } from '../../helpers/dynamo-faults.js';
import { OutputCapture } from '../../helpers/output-capture.js';
import { allItems, createMessagesTable, sentMessage } from '../adapters/messages-table-setup.js';

const TABLE = 'messages-receipts';
const output = new OutputCapture();
let db: RunningDynalite;

beforeAll(async () => {
  db = await startDynalite();
  await createMessagesTable(localDynamoClient(db.endpoint), TABLE);
  output.start();
});
afterAll(async () => {
  output.stop();
  await db?.close();
});
beforeEach(() => output.clear());

/** A DLQ that records, and can be told to fail its next writes. */
class FakeDeadLetters implements ReceiptDeadLetters {
  records: ReceiptDlqRecord[] = [];
  failNext = 0;
  /** How long a write takes (SQS answers in milliseconds, not at once). */
  delayMs = 0;
  async write(record: ReceiptDlqRecord): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw Object.assign(new Error('SQS down'), { name: 'InternalError' });
    }
    this.records.push(record);
  }
}

function deps(client = localDynamoClient(db.endpoint)) {
  const deadLetters = new FakeDeadLetters();
  const store = new DynamoReceiptStore(client, TABLE);
  return { store, deadLetters, client };
}

/** The documented SMS event shape (user guide, "Example event data"), for one message. */
function smsEvent(messageId: string, edit: Record<string, unknown> = {}) {
  return {
    eventType: 'TEXT_DELIVERED',
    eventVersion: '1.0',
    eventTimestamp: 1_764_590_401_500,
    isFinal: true,
    originationPhoneNumber: '+12065550152',
    destinationPhoneNumber: '+14155550123',
    isoCountryCode: 'US',
    mcc: '310',
    mnc: '800',
    messageId,
    messageRequestTimestamp: 1_764_590_400_000,
    messageEncoding: 'GSM',
    messageType: 'TRANSACTIONAL',
    messageStatus: 'DELIVERED',
    messageStatusDescription: 'Message has been accepted by phone',
    context: { eventId: 'evt-receipts-1' },
    totalMessageParts: 1,
    totalMessagePrice: 0.00581,
    totalCarrierFee: 0.003,
    ...edit,
  };
}

const sns = (...events: unknown[]): SNSEvent =>
  ({
    Records: events.map((event, i) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:receipts:sub',
      Sns: { MessageId: `sns-${i}-${randomUUID()}`, Message: JSON.stringify(event), Type: 'Notification' },
    })),
  }) as unknown as SNSEvent;

/** What the hook writes after a send (the code is never part of it). */
async function hookWrote(messageId: string, edit: Partial<MessageItem> = {}) {
  const sentAt = 1_764_590_400_000;
  await new DynamoMessageMemory(localDynamoClient(db.endpoint), TABLE).remember(
    sentMessage({ messageId, sentAt, eventId: 'evt-receipts-1', userId: '00uReceipts1', ...edit }),
    true,
  );
}

async function message(client: ReturnType<typeof localDynamoClient>, messageId: string) {
  return (await allItems(client, TABLE)).find((item) => item.pk === `message#${messageId}`);
}

const metric = (name: string) => output.metrics().filter((m) => m.name === name);

describe('record-delivery-event', () => {
  it('counts OtpReceipt once per message, for its final receipt, not for the carrier acceptance before it', async () => {
    // Prepare
    const { store, deadLetters } = deps();
    const messageId = randomUUID();
    await hookWrote(messageId);
    output.clear();
    const accepted = smsEvent(messageId, {
      eventType: 'TEXT_SUCCESSFUL',
      isFinal: false,
      messageStatus: 'SUCCESSFUL',
      eventTimestamp: 1_764_590_400_900,
    });

    // Act
    await handleReceipts(sns(accepted, smsEvent(messageId)), { store, deadLetters });

    // Assess: one count in each dimension set, by the final status
    const counted = metric('OtpReceipt');
    expect(counted).toHaveLength(2);
    expect(counted.every((m) => m.dimensions.status === 'delivered')).toBe(true);
  });

  it("costs one UpdateItem for a message's final receipt: the status is set in the same write", async () => {
    // Prepare
    const { store, deadLetters, client } = deps();
    const messageId = randomUUID();
    await hookWrote(messageId);
    const calls: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        calls.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'countCalls' },
    );

    // Act
    await handleReceipts(sns(smsEvent(messageId)), { store, deadLetters });

    // Assess
    expect(calls).toEqual(['UpdateItemCommand']);
    expect((await message(client, messageId))?.deliveryStatus).toBe('delivered');
  });

  it('records a delivered receipt once on the message: metrics by status, channel and country, time to handset', async () => {
    // Prepare
    const { store, deadLetters, client } = deps();
    const messageId = randomUUID();
    await hookWrote(messageId);

    // Act
    const outcomes = await handleReceipts(sns(smsEvent(messageId)), { store, deadLetters });

    // Assess
    expect(outcomes).toEqual(['recorded']);
    const item = await message(client, messageId);
    expect(item?.deliveryStatus).toBe('delivered');
    expect(item?.receipts).toEqual([
      expect.objectContaining({ eventType: 'TEXT_DELIVERED', status: 'delivered', isFinal: true }),
    ]);
    expect(item?.sentAt).toBe(1_764_590_400_000);
    expect(metric('OtpReceipt').map((m) => m.dimensions)).toEqual([
      { channel: 'sms', status: 'delivered' },
      { channel: 'sms', status: 'delivered', country: 'US' },
    ]);
    expect(metric('TimeToHandset')).toEqual([
      { name: 'TimeToHandset', value: 1500, dimensions: { channel: 'sms' } },
    ]);
    expect(deadLetters.records).toEqual([]);
    const line = output.logs().find((entry) => entry.message === 'Delivery receipt recorded');
    expect(line).toMatchObject({
      messageId,
      eventId: 'evt-receipts-1',
      channel: 'sms',
      country: 'US',
      status: 'delivered',
    });
  });

  it('counts a receipt SNS delivers twice only once', async () => {
    // Prepare
    const { store, deadLetters, client } = deps();
    const messageId = randomUUID();
    await hookWrote(messageId);
    const event = smsEvent(messageId);

    // Act
    const first = await handleReceipts(sns(event), { store, deadLetters });
    const again = await handleReceipts(sns(event, event), { store, deadLetters });

    // Assess
    expect(first).toEqual(['recorded']);
    expect(again).toEqual(['duplicate', 'duplicate']);
    expect((await message(client, messageId))?.receipts).toHaveLength(1);
    expect(metric('OtpReceipt')).toHaveLength(2); // one receipt, two dimension sets
    expect(metric('TimeToHandset')).toHaveLength(1);
  });

  it('never lets a later non-final receipt replace a final status, whatever order they arrive in', async () => {
    // Prepare
    const { store, deadLetters, client } = deps();
    const messageId = randomUUID();
    await hookWrote(messageId);
    const delivered = smsEvent(messageId, { eventTimestamp: 1_764_590_402_000 });
    const pending = smsEvent(messageId, {
      eventType: 'TEXT_PENDING',
      isFinal: false,
      messageStatus: 'PENDING',
      eventTimestamp: 1_764_590_401_000,
    });
    const lateQueued = smsEvent(messageId, {
      eventType: 'TEXT_QUEUED',
      isFinal: false,
      messageStatus: 'QUEUED',
      eventTimestamp: 1_764_590_409_000,
    });

    // Act
    await handleReceipts(sns(delivered), { store, deadLetters });
    await handleReceipts(sns(pending), { store, deadLetters });
    await handleReceipts(sns(lateQueued), { store, deadLetters });

    // Assess
    const item = await message(client, messageId);
    expect(item?.receipts.map((r: { status: string }) => r.status)).toEqual([
      'delivered',
      'pending',
      'queued',
    ]);
    expect(item?.deliveryStatus).toBe('delivered');
    expect(item?.deliveryFinal).toBe(true);
  });

  it('takes the latest non-final receipt as the status until a final one comes', async () => {
    // Prepare
    const { store, deadLetters, client } = deps();
    const messageId = randomUUID();
    await hookWrote(messageId);
    const later = smsEvent(messageId, { eventType: 'TEXT_PENDING', isFinal: false, eventTimestamp: 20 });
    const earlier = smsEvent(messageId, { eventType: 'TEXT_QUEUED', isFinal: false, eventTimestamp: 10 });

    // Act
    await handleReceipts(sns(later), { store, deadLetters });
    await handleReceipts(sns(earlier), { store, deadLetters });

    // Assess
    expect((await message(client, messageId))?.deliveryStatus).toBe('pending');
  });

  it('leaves exactly one DLQ record for a final failure receipt, redelivered or not, never the number or a code', async () => {
    // Prepare
    const { store, deadLetters, client } = deps();
    const messageId = randomUUID();
    await hookWrote(messageId);
    const failed = smsEvent(messageId, {
      eventType: 'TEXT_CARRIER_UNREACHABLE',
      messageStatus: 'CARRIER_UNREACHABLE',
      messageStatusDescription: 'Carrier unreachable for +14155550123',
    });

    // Act
    await handleReceipts(sns(failed), { store, deadLetters });
    await handleReceipts(sns(failed), { store, deadLetters });

    // Assess
    expect(deadLetters.records).toHaveLength(1);
    const [record] = deadLetters.records;
    expect(record).toMatchObject({
      version: 1,
      kind: 'receipt',
      eventId: 'evt-receipts-1',
      messageId,
      channel: 'sms',
      country: 'US',
      phone: '+1 *******123',
      status: 'carrier_unreachable',
      error: { name: 'DeliveryReceiptFailure', reason: 'carrier_unreachable' },
    });
    expect(JSON.stringify(record)).not.toContain('4155550123');
    expect(JSON.stringify(await message(client, messageId))).not.toContain('4155550123');
    expect(metric('OtpReceipt').map((m) => m.dimensions.status)).toEqual([
      'carrier_unreachable',
      'carrier_unreachable',
    ]);
  });

  it('writes the DLQ record on the retry when the first write failed, and only once after that', async () => {
    // Prepare
    const { store, deadLetters } = deps();
    const messageId = randomUUID();
    await hookWrote(messageId);
    const failed = smsEvent(messageId, { eventType: 'TEXT_BLOCKED', messageStatus: 'BLOCKED' });
    deadLetters.failNext = 1;

    // Act
    const first = handleReceipts(sns(failed), { store, deadLetters });
    await expect(first).rejects.toThrow('1 of 1 delivery receipts not recorded');
    await handleReceipts(sns(failed), { store, deadLetters });
    await handleReceipts(sns(failed), { store, deadLetters });

    // Assess
    expect(deadLetters.records.map((r) => r.status)).toEqual(['blocked']);
    expect(metric('OtpReceipt')).toHaveLength(2); // counted when first recorded, not again on the retries
  });

  it('leaves one DLQ record when SNS delivers a final failure twice at once', async () => {
    // Prepare
    const { store, deadLetters } = deps();
    const messageId = randomUUID();
    await hookWrote(messageId);
    const failed = smsEvent(messageId, { eventType: 'TEXT_BLOCKED', messageStatus: 'BLOCKED' });
    deadLetters.delayMs = 30;

    // Act: two invocations of the same receipt, side by side (SNS delivers at least once); one that found the
    // other's claim fails and SNS retries it
    const outcomes = await Promise.allSettled([
      handleReceipts(sns(failed), { store, deadLetters }),
      handleReceipts(sns(failed), { store, deadLetters }),
    ]);
    const retried = outcomes.filter((outcome) => outcome.status === 'rejected').length;
    for (let i = 0; i < retried; i += 1) await handleReceipts(sns(failed), { store, deadLetters });

    // Assess
    expect(deadLetters.records.map((r) => r.status)).toEqual(['blocked']);
  });

  it("writes the DLQ record when the claim's write landed but its answer was lost and the SDK retried it", async () => {
    // Prepare: the first claim write reaches the table, then its connection resets; the SDK's retry then meets the
    // claim that first write left
    const { client, deadLetters } = deps();
    let reset = false;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const output = await next(args);
        const input = (args as { input?: { UpdateExpression?: string } }).input;
        if (
          !reset &&
          context.commandName === 'UpdateItemCommand' &&
          input?.UpdateExpression === 'SET #claim = :claim'
        ) {
          reset = true;
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} });
        }
        return output;
      },
      { step: 'deserialize', name: 'loseTheClaimAnswer' },
    );
    const store = new DynamoReceiptStore(client, TABLE);
    const messageId = randomUUID();
    await hookWrote(messageId);
    const failed = smsEvent(messageId, { eventType: 'TEXT_BLOCKED', messageStatus: 'BLOCKED' });

    // Act
    await handleReceipts(sns(failed), { store, deadLetters });

    // Assess
    expect(reset).toBe(true);
    expect(deadLetters.records.map((r) => r.status)).toEqual(['blocked']);
  });

  it('writes the DLQ record when an invocation claimed it and stopped before writing, once its claim is stale', async () => {
    // Prepare: an invocation claimed the record and crashed (its claim stays, no record was written)
    const { store, deadLetters } = deps();
    const messageId = randomUUID();
    await hookWrote(messageId);
    const failed = smsEvent(messageId, { eventType: 'TEXT_BLOCKED', messageStatus: 'BLOCKED' });
    const receiptId = `${messageId}#TEXT_BLOCKED#${new Date(failed.eventTimestamp).toISOString()}`;
    const crashedAt = Date.now() - 10 * 60_000;
    expect(await store.claimDeadLetter(messageId, receiptId, crashedAt)).toBeTypeOf('string');
    // A claim still fresh belongs to an invocation at work: it is not taken from it, and the caller is told to retry
    const other = `${receiptId}-other`;
    expect(await store.claimDeadLetter(messageId, other)).toBeTypeOf('string');
    await expect(store.claimDeadLetter(messageId, other)).rejects.toThrow(DeadLetterClaimedError);

    // Act: SNS's retry
    await handleReceipts(sns(failed), { store, deadLetters });
    await handleReceipts(sns(failed), { store, deadLetters });

    // Assess
    expect(deadLetters.records.map((r) => r.status)).toEqual(['blocked']);
  });

  it('sends no DLQ record for a non-final failure-looking receipt', async () => {
    // Prepare
    const { store, deadLetters } = deps();
    const messageId = randomUUID();
    await hookWrote(messageId);

    // Act
    await handleReceipts(
      sns(smsEvent(messageId, { eventType: 'TEXT_CARRIER_UNREACHABLE', isFinal: false })),
      { store, deadLetters },
    );

    // Assess
    expect(deadLetters.records).toEqual([]);
  });

  it('records a receipt for a message id the hook never wrote, with what the receipt knows', async () => {
    // Prepare
    const { store, deadLetters, client } = deps();
    const messageId = randomUUID();

    // Act
    const outcomes = await handleReceipts(
      sns(
        smsEvent(messageId, {
          eventType: 'VOICE_NO_ANSWER',
          messageStatus: 'NO_ANSWER',
          isoCountryCode: 'MX',
        }),
      ),
      { store, deadLetters },
    );

    // Assess
    expect(outcomes).toEqual(['recorded']);
    const item = await message(client, messageId);
    expect(item).toMatchObject({ messageId, channel: 'voice', country: 'MX', eventId: 'evt-receipts-1' });
    expect(item?.sentAt).toBeUndefined();
    expect(item?.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect(deadLetters.records).toEqual([
      expect.objectContaining({ channel: 'voice', status: 'no_answer', phone: '-' }),
    ]);
    expect(output.logs().some((l) => l.message.includes('did not remember'))).toBe(true);
  });

  it("keeps the receipt when the hook's write lands after it: the hook adds to the item, never replaces it", async () => {
    // Prepare: the receipt comes first (the hook's write was slow, or an SDK retry of it landed late)
    const { store, deadLetters, client } = deps();
    const messageId = randomUUID();
    const sentAt = Date.now();
    await handleReceipts(
      sns(smsEvent(messageId, { messageRequestTimestamp: sentAt, eventTimestamp: sentAt + 800 })),
      { store, deadLetters },
    );

    // Act
    await hookWrote(messageId, { sentAt });

    // Assess
    const item = await message(client, messageId);
    expect(item?.sentAt).toBe(sentAt);
    expect(item?.userId).toBe('00uReceipts1');
    expect(item?.receipts).toHaveLength(1);
    expect(item?.deliveryStatus).toBe('delivered');
  });

  it("counts a final failure as ReceiptDeadLettered and every final receipt as FinalReceipt, by channel and country, never as the hook's DLQ records", async () => {
    // Prepare
    const { store, deadLetters } = deps();
    const [lost, arrived] = [randomUUID(), randomUUID()];
    await hookWrote(lost);
    await hookWrote(arrived);
    output.clear();

    // Act
    await handleReceipts(
      sns(
        smsEvent(lost, { eventType: 'TEXT_CARRIER_UNREACHABLE', messageStatus: 'CARRIER_UNREACHABLE' }),
        smsEvent(arrived),
      ),
      { store, deadLetters },
    );

    // Assess
    expect(metric('ReceiptDeadLettered').map((m) => m.dimensions)).toEqual([
      { channel: 'sms' },
      { channel: 'sms', country: 'US' },
    ]);
    expect(metric('FinalReceipt')).toHaveLength(4);
    expect(metric('DeliveryDeadLettered')).toEqual([]);
  });

  it('counts OtpReceipt once when the SDK retries a receipt whose write landed but whose answer was lost', async () => {
    // Prepare
    const client = eventDbClient({ region: 'us-east-1', endpoints: { dynamodb: db.endpoint } });
    const { store, deadLetters } = deps(client);
    const messageId = randomUUID();
    await hookWrote(messageId);
    output.clear();
    const fault = loseAnswerAfterLanding(
      client,
      (name, input) =>
        updateOf('message#')(name, input) && String(input.UpdateExpression).startsWith('ADD receiptIds'),
    );
    const failed = smsEvent(messageId, { eventType: 'TEXT_BLOCKED', messageStatus: 'BLOCKED' });

    // Act
    const outcomes = await handleReceipts(sns(failed), { store, deadLetters });
    fault.remove();
    const redelivered = await handleReceipts(sns(failed), { store, deadLetters });

    // Assess: the first is recorded (not a "duplicate" of its own write), the SNS redelivery is the duplicate
    expect(fault.fired).toBe(1);
    expect(outcomes).toEqual(['recorded']);
    expect(redelivered).toEqual(['duplicate']);
    expect(metric('OtpReceipt').filter((m) => m.dimensions.country === undefined)).toHaveLength(1);
    expect(deadLetters.records.map((r) => r.status)).toEqual(['blocked']);
  });

  it('drops an event that is not an SMS or voice receipt with a warning, and fails the batch for a store fault', async () => {
    // Prepare
    const { deadLetters } = deps();
    const broken = new DynamoReceiptStore(localDynamoClient('http://127.0.0.1:9'), TABLE);

    // Act
    const unreadable = await handleReceipts(sns({ eventType: 'REGISTRATION_STATUS_CHANGED' }), {
      store: broken,
      deadLetters,
    });
    const fault = handleReceipts(sns(smsEvent(randomUUID())), { store: broken, deadLetters });

    // Assess
    expect(unreadable).toEqual(['unreadable']);
    await expect(fault).rejects.toBeInstanceOf(AggregateError);
    expect(output.logs().some((l) => l.level === 'WARN' && l.message === 'Delivery event not read')).toBe(
      true,
    );
  });
});
