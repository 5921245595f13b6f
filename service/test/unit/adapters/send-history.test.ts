// A user's last send, against dynalite: the hook keeps it beside the message item (only moving forward), and a resend
// reads it back with what the message's receipts say, for the same number only.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClient, type RunningDynalite, startDynalite } from '../../../local/dynalite.js';
import { DynamoReceiptStore } from '../../../src/adapters/message-receipts.js';
import { DynamoMessageMemory } from '../../../src/adapters/remembering-sender.js';
import { DynamoSendHistory } from '../../../src/adapters/send-history.js';
import { parseDeliveryReceipt } from '../../../src/domain/delivery-receipt.js';
import type { LastSendItem } from '../../../src/domain/message-table.js';
import { allItems, createMessagesTable, sentMessage } from './messages-table-setup.js';

const TABLE = 'messages-history';
const NOW = Date.UTC(2026, 11, 1, 10, 30);
let db: RunningDynalite;

beforeAll(async () => {
  db = await startDynalite();
  await createMessagesTable(localDynamoClient(db.endpoint), TABLE);
});
afterAll(async () => {
  await db?.close();
});

/** The hook's write of one send with the user's last send, as the remembering sender makes it. */
async function sent(userId: string, edit: { sentAt?: number; identity?: string; digest?: string } = {}) {
  const message = sentMessage({
    userId,
    sentAt: edit.sentAt ?? NOW,
    originationIdentity: edit.identity ?? '+12065550100',
  });
  const last: LastSendItem = {
    messageId: message.messageId,
    channel: message.channel,
    originationIdentity: message.originationIdentity,
    numberDigest: edit.digest ?? 'digest-1',
    sentAt: message.sentAt,
    expiresAt: message.codeExpiresAt + 3600,
  };
  await new DynamoMessageMemory(localDynamoClient(db.endpoint), TABLE).remember(message, false, last);
  return message;
}

async function receipt(messageId: string, eventType: string, isFinal: boolean) {
  const store = new DynamoReceiptStore(localDynamoClient(db.endpoint), TABLE, { now: () => NOW });
  await store.recordReceipt(
    parseDeliveryReceipt({ eventType, messageId, eventTimestamp: NOW + 1_000, isFinal, context: {} }),
  );
}

const history = (now = NOW + 60_000) =>
  new DynamoSendHistory(localDynamoClient(db.endpoint), TABLE, () => now);

describe('DynamoSendHistory', () => {
  it('finds the previous send to the same number, with no receipt yet', async () => {
    // Prepare
    const user = `00u${randomUUID().slice(0, 8)}`;
    const message = await sent(user);

    // Act
    const found = await history().previous(user, 'digest-1', 1_000);

    // Assess
    expect(found).toEqual({
      messageId: message.messageId,
      channel: 'sms',
      originationIdentity: '+12065550100',
      receipt: 'none',
    });
    // What is kept: the digest of the number, never the number or the code.
    const item = (await allItems(localDynamoClient(db.endpoint), TABLE)).find((i) => i.pk === `user#${user}`);
    expect(Object.keys(item ?? {}).sort()).toEqual(
      [
        'channel',
        'expiresAt',
        'messageId',
        'numberDigest',
        'originationIdentity',
        'pk',
        'sentAt',
        'sk',
      ].sort(),
    );
  });

  it.each([
    ['TEXT_DELIVERED', true, 'success'],
    ['TEXT_SUCCESSFUL', true, 'success'],
    ['TEXT_CARRIER_UNREACHABLE', true, 'failed'],
    ['TEXT_CARRIER_UNREACHABLE', false, 'none'],
    ['TEXT_PENDING', false, 'none'],
  ])('reads a %s receipt (final: %s) as %s', async (eventType, isFinal, expected) => {
    // Prepare
    const user = `00u${randomUUID().slice(0, 8)}`;
    const message = await sent(user);
    await receipt(message.messageId, eventType, isFinal);

    // Act
    const found = await history().previous(user, 'digest-1', 1_000);

    // Assess
    expect(found?.receipt).toBe(expected);
  });

  it('finds nothing for another number, another user, or a last send past its time', async () => {
    // Prepare
    const user = `00u${randomUUID().slice(0, 8)}`;
    const message = await sent(user);

    // Assess
    expect(await history().previous(user, 'digest-of-another-number', 1_000)).toBeUndefined();
    expect(await history().previous(`${user}x`, 'digest-1', 1_000)).toBeUndefined();
    expect(
      await history(message.codeExpiresAt * 1000 + 3_601_000).previous(user, 'digest-1', 1_000),
    ).toBeUndefined();
  });

  it('keeps the newest send when an older write lands late', async () => {
    // Prepare
    const user = `00u${randomUUID().slice(0, 8)}`;
    await sent(user, { sentAt: NOW + 30_000, identity: '+12065550101' });

    // Act: the earlier send's write, retried, lands after the later one
    await sent(user, { sentAt: NOW, identity: '+12065550100' });

    // Assess
    expect((await history().previous(user, 'digest-1', 1_000))?.originationIdentity).toBe('+12065550101');
  });
});
