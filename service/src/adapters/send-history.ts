/**
 * The users' previous sends, from the messages table: the user's last-send item (written by the remembering sender
 * beside the message item) and the receipts on that message. Read only for a resend, beside the abuse guard.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { isSuccessReceiptType, type StoredReceipt } from '../domain/delivery-receipt.js';
import { type LastSendItem, lastSendKey, messageKey } from '../domain/message-table.js';
import type { PreviousSend, SendHistory } from '../domain/resend.js';
import { messagesDocClient } from './message-items.js';

/**
 * {@link SendHistory} on the messages table: two GetItems, one after the other (the message id comes from the
 * first), each bounded by what the caller can wait.
 */
export class DynamoSendHistory implements SendHistory {
  readonly #doc: DynamoDBDocumentClient;

  /**
   * @param client - the hook's DynamoDB client
   * @param tableName - the messages table
   * @param now - clock, ms
   */
  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {
    this.#doc = messagesDocClient(client);
  }

  public async previous(
    userId: string,
    numberDigest: string,
    deadlineMs: number,
  ): Promise<PreviousSend | undefined> {
    const abortSignal = AbortSignal.timeout(Math.max(1, Math.floor(deadlineMs)));
    const { Item: last } = await this.#doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: lastSendKey(userId),
        ProjectionExpression: 'messageId, channel, originationIdentity, numberDigest, expiresAt',
      }),
      { abortSignal },
    );
    const item = last as Partial<LastSendItem> | undefined;
    if (!item?.messageId || !item.originationIdentity || item.numberDigest !== numberDigest) return undefined;
    // DynamoDB's TTL deletes late: an item past its time is gone as far as a resend is concerned.
    if (typeof item.expiresAt === 'number' && item.expiresAt * 1000 <= this.now()) return undefined;
    const { Item: message } = await this.#doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: messageKey(item.messageId),
        ProjectionExpression: 'receipts',
      }),
      { abortSignal },
    );
    const receipts = ((message as { receipts?: StoredReceipt[] } | undefined)?.receipts ?? []).filter(
      (receipt) => typeof receipt?.eventType === 'string',
    );
    const receipt = receipts.some((r) => isSuccessReceiptType(r.eventType))
      ? 'success'
      : receipts.some((r) => r.isFinal)
        ? 'failed'
        : 'none';
    return {
      messageId: item.messageId,
      channel: item.channel === 'voice' ? 'voice' : 'sms',
      originationIdentity: item.originationIdentity,
      receipt,
    };
  }
}
