/**
 * The hook's side of the messages table: the moment End User Messaging accepts a code, the message is remembered
 * (for receipts, conversion and `npm run trace`), beside the idempotency update, so the delivery gains no sequential
 * round trip.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { numberPrefix } from '../domain/abuse-table.js';
import { isConvertedRequestType, POINTER_RETENTION_AFTER_EXPIRY_SECONDS } from '../domain/conversion.js';
import { within } from '../domain/deadline.js';
import type { MessageSender, OutboundMessage } from '../domain/deliver.js';
import type { DeliveryRequest } from '../domain/hook-request.js';
import {
  LAST_SEND_RETENTION_AFTER_EXPIRY_SECONDS,
  type LastSendItem,
  lastSendKey,
  latestKey,
  MESSAGE_RETENTION_SECONDS,
  type MessageItem,
  messageKey,
  sweepBucketOf,
} from '../domain/message-table.js';
import { maskPhone } from '../domain/redact.js';
import { emitMetric, logger, MetricName } from '../powertools/index.js';
import { isConditionFailure, messagesDocClient } from './message-items.js';

/** `SET a = :a, b = :b` for the attributes of an item, but its key. */
function setAll(item: Record<string, unknown>): {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [name, value] of Object.entries(item)) {
    if (name === 'pk' || name === 'sk' || value === undefined) continue;
    names[`#${name}`] = name;
    values[`:${name}`] = value;
    sets.push(`#${name} = :${name}`);
  }
  return { expression: `SET ${sets.join(', ')}`, names, values };
}

/**
 * Writes what the hook sent. Two conditional UpdateItems side by side, never a whole-item Put: a write that lands late
 * (an SDK retry queued when the function froze, landing minutes later) cannot wipe the receipts, the feedback or the
 * DLQ marks recorded meanwhile, cannot put back a settled message's `prefix` or `sweepBucket`, and cannot move a
 * user's latest-message pointer back to an older message.
 */
export class DynamoMessageMemory {
  readonly #doc: DynamoDBDocumentClient;

  /**
   * @param client - DynamoDB client (the hook's is deadline-bound)
   * @param tableName - the messages table
   */
  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.#doc = messagesDocClient(client);
  }

  /**
   * The message item (only if the hook has not written it yet: receipts may have created it, and add to it) and, for
   * a converted request type with a user id, the user's latest-message pointer of the channel Okta asked for (only if
   * it points at an older message).
   *
   * With `lastSend`, also the user's last send (what a resend compares with), only if it is older.
   *
   * @param message - the item; never the code, the number masked
   * @param pointer - whether to move the user's pointer to it
   * @param lastSend - the user's last-send item, when resends may escalate
   * @throws when DynamoDB fails
   */
  public async remember(message: MessageItem, pointer: boolean, lastSend?: LastSendItem): Promise<void> {
    const writes: Array<Promise<unknown>> = [
      this.#write(messageKey(message.messageId), message, 'attribute_not_exists(#sentAt)'),
    ];
    if (lastSend && message.userId) {
      writes.push(
        this.#write(
          lastSendKey(message.userId),
          lastSend,
          'attribute_not_exists(#sentAt) OR #sentAt < :sentAt',
        ),
      );
    }
    if (pointer && message.userId) {
      writes.push(
        this.#write(
          latestKey(message.userId, message.requestedChannel ?? message.channel),
          {
            messageId: message.messageId,
            eventId: message.eventId,
            sentAt: message.sentAt,
            codeExpiresAt: message.codeExpiresAt,
            expiresAt: message.codeExpiresAt + POINTER_RETENTION_AFTER_EXPIRY_SECONDS,
          },
          'attribute_not_exists(#sentAt) OR #sentAt < :sentAt',
        ),
      );
    }
    await Promise.all(writes);
  }

  /** One conditional UpdateItem; a failed condition is a write already there (ours, retried) or a newer one. */
  async #write(
    key: { pk: string; sk: string },
    item: Record<string, unknown>,
    condition: string,
  ): Promise<void> {
    const { expression, names, values } = setAll(item);
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}

/** A send the hook remembers: started as soon as the send resolves, awaited after the delivery. */
export type RememberingSender = {
  /** The request's sender: the real one, plus the write of what it sent. */
  sender: MessageSender;
  /** Resolves when the write finished (or failed, counted and logged), or after `waitMs`, whichever is first. */
  settled(waitMs: number): Promise<'written' | 'failed' | 'pending' | 'none'>;
};

/**
 * Wraps the hook's sender for one request so that the message is remembered the moment End User Messaging accepts
 * it: the write starts when `send` resolves and runs beside the idempotency update that follows, so the delivery gains
 * no sequential round trip; the handler awaits it (bounded) after the delivery. A failed write is counted
 * (`MessageStateWriteFailed`) and logged at WARN; the delivery and Okta's answer stand.
 *
 * Where conversion is measured and Okta reports the request type's use (`isConvertedRequestType`), the send asks for
 * message feedback, and the item gets the prefix and the sweep's bucket and the user's pointer moves to it.
 *
 * @param sender - the real sender
 * @param request - the request (never stored: only its event id, type, user id, country, masked number, TTL)
 * @param memory - the messages table
 * @param now - clock, ms
 * @param conversion - whether codes can be marked used here: without it, no prefix, nothing for the sweep, no pointer
 * @param lastSend - whether to keep the user's last send for resends (`resendPolicy: escalate`); needs the request's
 *   user id and number digest
 */
export function rememberingSender(
  sender: MessageSender,
  request: DeliveryRequest,
  memory: DynamoMessageMemory,
  now: () => number = Date.now,
  conversion = true,
  lastSend = false,
): RememberingSender {
  let write: Promise<'written' | 'failed'> | undefined;
  const converted = conversion && isConvertedRequestType(request.requestType);
  const remember = (
    message: OutboundMessage,
    result: { messageId: string; originationIdentity?: string },
  ) => {
    const sentAt = now();
    const sentSeconds = Math.floor(sentAt / 1000);
    const item: MessageItem = {
      ...messageKey(result.messageId),
      messageId: result.messageId,
      eventId: message.eventId,
      requestType: request.requestType,
      channel: message.channel,
      ...(request.channel !== message.channel ? { requestedChannel: request.channel } : {}),
      country: request.country ?? 'unknown',
      phone: maskPhone(message.destination),
      // What only conversion reads: the prefix (settlement counters, the low-conversion deny) and the sweep's bucket.
      ...(converted ? { prefix: numberPrefix(message.destination), sweepBucket: sweepBucketOf(sentAt) } : {}),
      ...(request.userId ? { userId: request.userId } : {}),
      ...(request.isResend !== undefined ? { isResend: request.isResend } : {}),
      ...(request.appClientId ? { appClientId: request.appClientId } : {}),
      originationIdentity: result.originationIdentity ?? message.originationIdentity,
      sentAt,
      codeExpiresAt: sentSeconds + request.ttlSeconds,
      expiresAt: sentSeconds + MESSAGE_RETENTION_SECONDS,
    };
    const last: LastSendItem | undefined =
      lastSend && request.userId && request.numberDigest
        ? {
            messageId: item.messageId,
            channel: item.channel,
            originationIdentity: item.originationIdentity,
            numberDigest: request.numberDigest,
            sentAt,
            expiresAt: item.codeExpiresAt + LAST_SEND_RETENTION_AFTER_EXPIRY_SECONDS,
          }
        : undefined;
    return memory.remember(item, converted, last).then(
      () => 'written' as const,
      (error: unknown) => {
        emitMetric(MetricName.MessageStateWriteFailed);
        logger.warn(
          'Sent message not remembered; receipts and conversion will miss it, the delivery stands',
          {
            eventId: message.eventId,
            messageId: result.messageId,
            channel: message.channel,
            country: item.country,
            errorName: error instanceof Error ? error.name : String(error),
          },
        );
        return 'failed' as const;
      },
    );
  };
  return {
    sender: {
      send: async (message, deadline) => {
        const result = await sender.send(
          converted ? { ...message, messageFeedback: true } : message,
          deadline,
        );
        write = remember(message, result as { messageId: string; originationIdentity?: string });
        return result;
      },
    },
    settled: async (waitMs) => {
      if (!write) return 'none';
      return within(write, waitMs, 'pending' as const);
    },
  };
}
