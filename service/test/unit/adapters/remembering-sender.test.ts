// The hook's write of what it sent, against dynalite: two conditional UpdateItems (never a whole-item Put), so a write
// that lands late, after receipts and a settlement, undoes neither, and a user's pointer only ever moves forward.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClient, type RunningDynalite, startDynalite } from '../../../local/dynalite.js';
import { DynamoSettlementStore } from '../../../src/adapters/message-settlement.js';
import { DynamoMessageMemory, rememberingSender } from '../../../src/adapters/remembering-sender.js';
import type { DeliveryRequest } from '../../../src/domain/hook-request.js';
import { type MessageItem, messageKey } from '../../../src/domain/message-table.js';
import { allItems, createMessagesTable, sentMessage } from './messages-table-setup.js';

const TABLE = 'messages-remember';
const NOW = Date.UTC(2026, 11, 1, 10, 30);
let db: RunningDynalite;

beforeAll(async () => {
  db = await startDynalite();
  await createMessagesTable(localDynamoClient(db.endpoint), TABLE);
});
afterAll(async () => {
  await db?.close();
});

const item = (edit: Partial<MessageItem> = {}) =>
  sentMessage({ sentAt: NOW, userId: '00uRemember1', ...edit });

function recordingClient() {
  const client = localDynamoClient(db.endpoint);
  const calls: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      calls.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCalls' },
  );
  return { client, calls };
}

const stored = async (pk: string) =>
  (await allItems(localDynamoClient(db.endpoint), TABLE)).find((i) => i.pk === pk);

describe('DynamoMessageMemory', () => {
  it('writes the message and the user pointer with two UpdateItems side by side, no BatchWriteItem', async () => {
    // Prepare
    const { client, calls } = recordingClient();
    const message = item({ userId: `00u${randomUUID().slice(0, 8)}` });

    // Act
    await new DynamoMessageMemory(client, TABLE).remember(message, true);

    // Assess
    expect(calls).toEqual(['UpdateItemCommand', 'UpdateItemCommand']);
    expect(await stored(message.pk)).toEqual(message);
    expect(await stored(`user#${message.userId}#sms`)).toMatchObject({
      messageId: message.messageId,
      sentAt: message.sentAt,
      codeExpiresAt: message.codeExpiresAt,
    });
  });

  it('does not undo a settlement, receipts or DLQ marks when its write lands late, minutes after them', async () => {
    // Prepare: the message was written, got receipts and a DLQ mark, and was settled; a queued retry then lands
    const client = localDynamoClient(db.endpoint);
    const memory = new DynamoMessageMemory(client, TABLE);
    const message = item();
    await memory.remember(message, false);
    const settlement = new DynamoSettlementStore(client, TABLE, { now: () => NOW });
    await settlement.settle(message.messageId, 'RECEIVED', 't');
    await settlement.finish(message.messageId, {
      feedback: 'RECEIVED',
      countedAs: 'RECEIVED',
      feedbackPut: 'RECEIVED',
      final: true,
    });

    // Act
    await memory.remember(message, false);

    // Assess
    const after = await stored(message.pk);
    expect(after).toMatchObject({ feedback: 'RECEIVED', countedAs: 'RECEIVED' });
    expect(after?.prefix).toBeUndefined();
    expect(after?.sweepBucket).toBeUndefined();
  });

  it("never moves a user's pointer back to an older message", async () => {
    // Prepare
    const memory = new DynamoMessageMemory(localDynamoClient(db.endpoint), TABLE);
    const userId = `00u${randomUUID().slice(0, 8)}`;
    const older = item({ userId, sentAt: NOW });
    const newer = item({ userId, sentAt: NOW + 60_000 });

    // Act: the newer write lands first, the older one late
    await memory.remember(newer, true);
    await memory.remember(older, true);

    // Assess
    expect((await stored(`user#${userId}#sms`))?.messageId).toBe(newer.messageId);
  });

  it('asks for message feedback, a prefix and a pointer only for request types whose use Okta reports', async () => {
    // Prepare
    const sends: Array<Record<string, unknown>> = [];
    const memory = new DynamoMessageMemory(localDynamoClient(db.endpoint), TABLE);
    const send = async (requestType: string) => {
      const messageId = randomUUID();
      const request = {
        idempotencyKey: `evt-${messageId}`,
        requestType,
        channel: 'sms',
        phone: '+14155550123',
        country: 'US',
        userId: `00u${messageId.slice(0, 8)}`,
        ttlSeconds: 300,
      } as DeliveryRequest;
      const remembering = rememberingSender(
        {
          send: async (message) => {
            sends.push(message as unknown as Record<string, unknown>);
            return { messageId, attempts: 1 };
          },
        },
        request,
        memory,
      );
      await remembering.sender.send(
        {
          channel: 'sms',
          destination: '+14155550123',
          originationIdentity: '+12065550152',
          body: 'x',
          ttlSeconds: 300,
          eventId: request.idempotencyKey,
        },
        undefined as never,
      );
      await remembering.settled(5_000);
      return { messageId, userId: request.userId as string };
    };

    // Act
    const verification = await send('com.okta.user.telephony.mfa-verification');
    const reset = await send('com.okta.user.telephony.password-reset');

    // Assess
    expect(sends.map((s) => s.messageFeedback)).toEqual([true, undefined]);
    expect(await stored(messageKey(verification.messageId).pk)).toMatchObject({ prefix: '+14155550' });
    const resetItem = await stored(messageKey(reset.messageId).pk);
    expect(resetItem?.prefix).toBeUndefined();
    expect(resetItem?.sweepBucket).toBeUndefined();
    expect(await stored(`user#${verification.userId}#sms`)).toBeDefined();
    expect(await stored(`user#${reset.userId}#sms`)).toBeUndefined();
  });
});
