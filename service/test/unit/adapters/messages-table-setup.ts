/**
 * The messages table for unit tests, created in dynalite from the shared schema (`MESSAGES_TABLE`), plus a reader of
 * every item (to prove what is stored, and what is not).
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { messagesTableDefinition } from '../../../local/dynalite.js';
import { type MessageItem, messageKey, sweepBucketOf } from '../../../src/domain/message-table.js';

/**
 * Creates a messages table from the one definition the local stack uses (`messagesTableDefinition`).
 *
 * @param client - a dynalite client
 * @param name - table name
 */
export async function createMessagesTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(new CreateTableCommand(messagesTableDefinition(name)));
}

/** Every item of a table, unmarshalled. */
export async function allItems(client: DynamoDBClient, name: string): Promise<Array<Record<string, any>>> {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: name }));
  return Items.map((item) => unmarshall(item));
}

/**
 * A message item as the hook writes it after a send (never the code; the number masked), sent at `edit.sentAt`
 * (default: 2026-12-01T10:30Z) with a code living 5 minutes.
 *
 * @param edit - fields to change
 */
export function sentMessage(edit: Partial<MessageItem> = {}): MessageItem {
  const messageId = edit.messageId ?? randomUUID();
  const sentAt = edit.sentAt ?? Date.UTC(2026, 11, 1, 10, 30);
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
