// The settlement adapter against dynalite: a message settled once (and this call's own landed write recognised by its
// token), a late RECEIVED over a FAILED, each message counted once per outcome in its prefix's hour, a deny marked
// once, the sweep's Query of the sparse pending index, Okta event ids, and the user's latest-message pointer.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClient, type RunningDynalite, startDynalite } from '../../../local/dynalite.js';
import { DynamoSettlementStore } from '../../../src/adapters/message-settlement.js';
import { DynamoMessageMemory } from '../../../src/adapters/remembering-sender.js';
import { messageToken } from '../../../src/domain/conversion.js';
import { type MessageItem, messageKey, sweepBucketOf } from '../../../src/domain/message-table.js';
import { allItems, createMessagesTable, sentMessage } from './messages-table-setup.js';

const TABLE = 'messages-settlement';
const NOW = Date.UTC(2026, 11, 1, 10, 30);
let db: RunningDynalite;

beforeAll(async () => {
  db = await startDynalite();
  await createMessagesTable(localDynamoClient(db.endpoint), TABLE);
});
afterAll(async () => {
  await db?.close();
});

const item = (edit: Partial<MessageItem> = {}) => sentMessage({ sentAt: NOW, ...edit });

const client = () => localDynamoClient(db.endpoint);
const store = (now = NOW) => new DynamoSettlementStore(client(), TABLE, { now: () => now });
const remember = (message: MessageItem) => new DynamoMessageMemory(client(), TABLE).remember(message, true);

describe('DynamoSettlementStore', () => {
  it('settles a message once, recognises its own token on a retry, and never settles one the hook did not write', async () => {
    // Prepare
    const s = store();
    const message = item();
    await remember(message);

    // Act
    const first = await s.settle(message.messageId, 'FAILED', 'token-1');
    const retried = await s.settle(message.messageId, 'FAILED', 'token-1');
    const other = await s.settle(message.messageId, 'FAILED', 'token-2');
    const unknown = await s.settle(randomUUID(), 'FAILED', 'token-3');

    // Assess
    expect(first).toMatchObject({ kind: 'settled', message: { feedback: 'FAILED', prefix: '+14155550' } });
    expect(retried.kind).toBe('settled');
    expect(other).toMatchObject({ kind: 'found', message: { feedback: 'FAILED' } });
    expect(unknown).toEqual({ kind: 'unknown' });
  });

  it('lets a RECEIVED replace a FAILED (the re-credit), and nothing replace a RECEIVED', async () => {
    // Prepare
    const s = store();
    const message = item();
    await remember(message);
    await s.settle(message.messageId, 'FAILED', 'sweep');

    // Act
    const recredit = await s.settle(message.messageId, 'RECEIVED', 'verification');
    const failedAgain = await s.settle(message.messageId, 'FAILED', 'sweep-2');

    // Assess
    expect(recredit).toMatchObject({ kind: 'settled', message: { feedback: 'RECEIVED' } });
    expect(failedAgain).toMatchObject({ kind: 'found', message: { feedback: 'RECEIVED' } });
  });

  it("counts each message once per outcome in the prefix's counter of the hour of the send, re-crediting a FAILED once", async () => {
    // Prepare
    const s = store();
    const prefix = `+1${Math.floor(Math.random() * 1e7)}`;
    const [a, b] = [messageToken('a'), messageToken('b')];

    // Act
    await s.count(prefix, NOW, a, 'FAILED');
    await s.count(prefix, NOW, a, 'FAILED'); // a retry
    await s.count(prefix, NOW, b, 'RECEIVED');
    const recredit = await s.count(prefix, NOW, a, 'RECEIVED');
    const again = await s.count(prefix, NOW, a, 'RECEIVED');
    const otherHour = await s.count(prefix, NOW + 3_600_000, a, 'FAILED');

    // Assess
    expect(recredit).toEqual({ settled: 2, converted: 2 });
    expect(again).toEqual({ settled: 2, converted: 2 });
    expect(otherHour).toEqual({ settled: 1, converted: 0 });
  });

  it("marks a prefix's hour denied once, and recognises its own token", async () => {
    // Prepare
    const s = store();
    const prefix = `+1${Math.floor(Math.random() * 1e7)}`;
    await s.count(prefix, NOW, messageToken('x'), 'FAILED');

    // Act
    const marks = [
      await s.markPrefixDenied(prefix, NOW, 'sweep-1'),
      await s.markPrefixDenied(prefix, NOW, 'sweep-1'),
      await s.markPrefixDenied(prefix, NOW, 'sweep-2'),
    ];

    // Assess
    expect(marks).toEqual([true, true, false]);
    expect((await s.count(prefix, NOW, messageToken('x'), 'FAILED')).deniedAt).toBe(NOW);
  });

  it('finds the expired messages of a bucket with work left: unsettled, unfinished, or a FAILED due to become final', async () => {
    // Prepare: now is an hour and a half after the send
    const sentAt = Date.UTC(2026, 11, 2, 7, 10);
    const s = store(sentAt + 90 * 60_000);
    const expired = item({ sentAt, codeExpiresAt: Math.floor(sentAt / 1000) + 60 });
    const fresh = item({ sentAt, codeExpiresAt: Math.floor(sentAt / 1000) + 3600 });
    const used = item({ sentAt, codeExpiresAt: Math.floor(sentAt / 1000) + 60 });
    const failed = item({ sentAt, codeExpiresAt: Math.floor(sentAt / 1000) + 60 });
    const waiting = item({ sentAt, codeExpiresAt: Math.floor(sentAt / 1000) + 60 });
    const unfinished = item({ sentAt, codeExpiresAt: Math.floor(sentAt / 1000) + 60 });
    for (const m of [expired, fresh, used, failed, waiting, unfinished]) await remember(m);
    await s.settle(unfinished.messageId, 'FAILED', 't');
    await s.settle(waiting.messageId, 'FAILED', 't');
    await s.finish(waiting.messageId, {
      feedback: 'FAILED',
      countedAs: 'FAILED',
      feedbackPut: 'FAILED',
      final: false,
      // Its re-credit window is still open: nothing for the sweep to do.
      finalAtSeconds: Math.floor(sentAt / 1000) + 3 * 3600,
    });
    await s.settle(used.messageId, 'RECEIVED', 't');
    await s.finish(used.messageId, {
      feedback: 'RECEIVED',
      countedAs: 'RECEIVED',
      feedbackPut: 'RECEIVED',
      final: true,
    });
    await s.settle(failed.messageId, 'FAILED', 't');
    await s.finish(failed.messageId, {
      feedback: 'FAILED',
      countedAs: 'FAILED',
      feedbackPut: 'FAILED',
      final: false,
      finalAtSeconds: Math.floor(sentAt / 1000) + 3600,
    });

    // Act
    const found = await s.expiredPending(sweepBucketOf(sentAt), Math.floor(sentAt / 1000) + 120);

    // Assess
    expect(found.map((m) => m.messageId).sort()).toEqual(
      [expired.messageId, failed.messageId, unfinished.messageId].sort(),
    );
    const stored = (await allItems(client(), TABLE)).find((i) => i.pk === messageKey(used.messageId).pk);
    // Final: out of the sweep's index, and no prefix left beside the masked number (together they spell it).
    expect(stored?.sweepBucket).toBeUndefined();
    expect(stored?.prefix).toBeUndefined();
  });

  it('tells a handled Okta event, and claims a hook failure once (its own retry included)', async () => {
    // Prepare
    const s = store();
    const [handled, failure] = [randomUUID(), randomUUID()];

    // Act
    const before = await s.eventHandled(handled);
    await s.markEventHandled(handled);
    const after = await s.eventHandled(handled);
    const claims = [
      await s.claimOktaEvent(failure, 'mine'),
      await s.claimOktaEvent(failure, 'mine'),
      await s.claimOktaEvent(failure, 'theirs'),
    ];

    // Assess
    expect([before, after]).toEqual([false, true]);
    expect(claims).toEqual([true, true, false]);
  });

  it('reads the latest pointer with its code’s send and expiry, living past the code for a late event', async () => {
    // Prepare
    const s = store();
    const message = item();

    // Act
    await remember(message);
    const pointer = await s.latest(message.userId as string, 'sms');
    const none = await s.latest(message.userId as string, 'voice');

    // Assess
    expect(pointer).toEqual({
      messageId: message.messageId,
      sentAt: message.sentAt,
      codeExpiresAt: message.codeExpiresAt,
    });
    expect(none).toBeUndefined();
    const stored = (await allItems(client(), TABLE)).find((i) => i.pk === `user#${message.userId}#sms`);
    expect(stored?.expiresAt).toBeGreaterThan(message.codeExpiresAt + 3600);
  });
});
