// The messages table adapter against dynalite: the hook's one BatchWriteItem, the latest pointer's life, settling a
// message once, the per-prefix hourly counter, the sweep's Query of the sparse pending index, and Okta event ids seen
// once.
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClient, type RunningDynalite, startDynalite } from '../../../local/dynalite.js';
import { DynamoMessageStore } from '../../../src/adapters/message-store.js';
import { type MessageItem, messageKey, sweepBucketOf } from '../../../src/domain/message-table.js';
import { allItems, createMessagesTable } from './messages-table-setup.js';

const TABLE = 'messages-store';
const NOW = Date.UTC(2026, 11, 1, 10, 30);
let db: RunningDynalite;

beforeAll(async () => {
  db = await startDynalite();
  await createMessagesTable(localDynamoClient(db.endpoint), TABLE);
});
afterAll(async () => {
  await db?.close();
});

function item(edit: Partial<MessageItem> = {}): MessageItem {
  const messageId = edit.messageId ?? randomUUID();
  const sentAt = edit.sentAt ?? NOW;
  return {
    ...messageKey(messageId),
    messageId,
    eventId: `evt-${messageId}`,
    requestType: 'com.okta.user.telephony.mfa-verification',
    channel: 'sms',
    country: 'US',
    phone: '+1 *******123',
    prefix: '+14155550',
    userId: `00u${messageId.slice(0, 6)}`,
    originationIdentity: '+12065550152',
    sentAt,
    codeExpiresAt: Math.floor(sentAt / 1000) + 300,
    sweepBucket: sweepBucketOf(sentAt),
    expiresAt: Math.floor(sentAt / 1000) + 7 * 86_400,
    ...edit,
  };
}

describe('DynamoMessageStore', () => {
  it('writes the message and the user pointer in one BatchWriteItem, the pointer living as long as the code', async () => {
    // Prepare
    const client = localDynamoClient(db.endpoint);
    const calls: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        calls.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'recordCalls' },
    );
    const store = new DynamoMessageStore(client, TABLE, { now: () => NOW });
    const message = item();

    // Act
    await store.remember(message);

    // Assess
    expect(calls).toEqual(['BatchWriteItemCommand']);
    const items = await allItems(client, TABLE);
    expect(items.find((i) => i.pk === message.pk)).toEqual(message);
    expect(items.find((i) => i.pk === `user#${message.userId}#sms`)).toEqual({
      pk: `user#${message.userId}#sms`,
      sk: 'latest',
      messageId: message.messageId,
      eventId: message.eventId,
      sentAt: message.sentAt,
      expiresAt: message.codeExpiresAt,
    });
    expect(await store.latestMessageId(message.userId!, 'sms')).toBe(message.messageId);
    expect(await store.latestMessageId(message.userId!, 'voice')).toBeUndefined();
  });

  it("reads the pointer for a late event within 3 minutes of the code's expiry, and none after, before the TTL deletes it", async () => {
    // Prepare: the code lives 300 s
    const client = localDynamoClient(db.endpoint);
    const message = item();
    await new DynamoMessageStore(client, TABLE).remember(message);
    const at = (ms: number) => new DynamoMessageStore(client, TABLE, { now: () => NOW + ms });

    // Act
    const inGrace = await at(300_000 + 170_000).latestMessageId(message.userId!, 'sms');
    const after = await at(300_000 + 181_000).latestMessageId(message.userId!, 'sms');

    // Assess
    expect(inGrace).toBe(message.messageId);
    expect(after).toBeUndefined();
  });

  it('settles a message once, and never one the hook did not write', async () => {
    // Prepare
    const store = new DynamoMessageStore(localDynamoClient(db.endpoint), TABLE, { now: () => NOW });
    const message = item();
    await store.remember(message);

    // Act
    const first = await store.settle(message.messageId, 'RECEIVED');
    const second = await store.settle(message.messageId, 'FAILED');
    const unknown = await store.settle(randomUUID(), 'FAILED');

    // Assess
    expect(first).toMatchObject({ feedback: 'RECEIVED', feedbackAt: NOW, prefix: message.prefix });
    const stored = (await allItems(localDynamoClient(db.endpoint), TABLE)).find(
      (i) => i.pk === messageKey(message.messageId).pk,
    );
    expect(stored).toMatchObject({ feedback: 'RECEIVED' });
    // Settled: out of the sweep's index, and no prefix left beside the masked number (together they spell it).
    expect(stored?.sweepBucket).toBeUndefined();
    expect(stored?.prefix).toBeUndefined();
    expect(second).toBeUndefined();
    expect(unknown).toBeUndefined();
  });

  it("counts settlements in the prefix's counter of the hour of the send, and marks a deny once", async () => {
    // Prepare
    const store = new DynamoMessageStore(localDynamoClient(db.endpoint), TABLE, { now: () => NOW });
    const prefix = `+1${Math.floor(Math.random() * 1e7)}`;

    // Act
    await store.countSettlement(prefix, NOW, false);
    const counter = await store.countSettlement(prefix, NOW, true);
    const other = await store.countSettlement(prefix, NOW + 3_600_000, false);
    const marks = [await store.markPrefixDenied(prefix, NOW), await store.markPrefixDenied(prefix, NOW)];

    // Assess
    expect(counter).toEqual({ settled: 2, converted: 1 });
    expect(other).toEqual({ settled: 1, converted: 0 });
    expect(marks).toEqual([true, false]);
  });

  it('finds the expired, unsettled messages of a bucket, and not the others', async () => {
    // Prepare
    const store = new DynamoMessageStore(localDynamoClient(db.endpoint), TABLE, { now: () => NOW });
    const sentAt = Date.UTC(2026, 11, 2, 7, 10);
    const expired = item({ sentAt, codeExpiresAt: Math.floor(sentAt / 1000) + 60 });
    const fresh = item({ sentAt, codeExpiresAt: Math.floor(sentAt / 1000) + 3600 });
    const used = item({ sentAt, codeExpiresAt: Math.floor(sentAt / 1000) + 60 });
    for (const m of [expired, fresh, used]) await store.remember(m);
    await store.settle(used.messageId, 'RECEIVED');

    // Act
    const found = await store.expiredPending(sweepBucketOf(sentAt), Math.floor(sentAt / 1000) + 120);

    // Assess
    expect(found.map((m) => m.messageId)).toEqual([expired.messageId]);
  });

  it('sees an Okta event id once', async () => {
    // Prepare
    const store = new DynamoMessageStore(localDynamoClient(db.endpoint), TABLE, { now: () => NOW });
    const uuid = randomUUID();

    // Act
    const sights = [await store.firstSightOfOktaEvent(uuid), await store.firstSightOfOktaEvent(uuid)];

    // Assess
    expect(sights).toEqual([true, false]);
  });

  it('fails the hook write when DynamoDB leaves an item unprocessed', async () => {
    // Prepare
    const documents = mockClient(DynamoDBDocumentClient);
    documents
      .on(BatchWriteCommand)
      .resolves({ UnprocessedItems: { [TABLE]: [{ PutRequest: { Item: {} } }] } });
    const store = new DynamoMessageStore(localDynamoClient(db.endpoint), TABLE);

    // Act
    const write = store.remember(item());

    // Assess
    try {
      await expect(write).rejects.toThrow('left 1 item(s) unprocessed');
    } finally {
      documents.restore();
    }
  });
});
