/**
 * What the messages table's adapters share (`message-receipts.ts`, `message-settlement.ts`, `remembering-sender.ts`):
 * the document client, the condition failure test, and the item as read back.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CountedAs } from '../domain/conversion.js';
import type { StoredReceipt } from '../domain/delivery-receipt.js';
import type { MessageFeedback, MessageItem } from '../domain/message-table.js';

/** A message item as read back: what the hook wrote, what the receipts and the settlement added. */
export type StoredMessage = Partial<MessageItem> & {
  messageId: string;
  receipts?: StoredReceipt[];
  receiptIds?: Set<string>;
  dlqReceiptIds?: Set<string>;
  deliveryStatus?: string;
  /** Whether `deliveryStatus` is the message's final one. */
  deliveryFinal?: boolean;
  feedback?: MessageFeedback;
  countedAs?: CountedAs;
  feedbackPut?: MessageFeedback;
};

/** A document client that drops undefined attributes. */
export const messagesDocClient = (client: DynamoDBClient) =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

/** A conditional write's condition did not hold. */
export const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof Error && error.name === 'ConditionalCheckFailedException');

/** The sets DynamoDB hands back through the document client; empty when absent. */
export const setOf = (value: unknown): Set<string> =>
  value instanceof Set ? (value as Set<string>) : new Set(Array.isArray(value) ? (value as string[]) : []);

/** A message item's attributes as a {@link StoredMessage}. */
export function asMessage(attributes: Record<string, unknown> | undefined, messageId: string): StoredMessage {
  const item = { ...(attributes ?? {}) } as Record<string, unknown>;
  return {
    ...(item as Partial<MessageItem>),
    messageId,
    receipts: Array.isArray(item.receipts) ? (item.receipts as StoredReceipt[]) : [],
    receiptIds: setOf(item.receiptIds),
    dlqReceiptIds: setOf(item.dlqReceiptIds),
  } as StoredMessage;
}
