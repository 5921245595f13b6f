import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { numberPrefix } from '../domain/abuse-guard.js';
import type { MessageSender, OutboundMessage } from '../domain/deliver.js';
import {
  currentReceipt,
  type DeliveryReceipt,
  type StoredReceipt,
  storedReceipt,
} from '../domain/delivery-receipt.js';
import type { DeliveryRequest } from '../domain/hook-request.js';
import {
  latestKey,
  MESSAGE_RETENTION_SECONDS,
  MESSAGES_TABLE,
  type MessageFeedback,
  type MessageItem,
  messageKey,
  OKTA_EVENT_RETENTION_SECONDS,
  oktaEventKey,
  PREFIX_COUNTER_RETENTION_SECONDS,
  prefixHourKey,
  sweepBucketOf,
  VERIFICATION_GRACE_SECONDS,
} from '../domain/message-table.js';
import { maskPhone } from '../domain/redact.js';
import { EVENT_FUNCTION_TIMEOUT_SECONDS } from '../function-timeouts.js';
import { emitMetric, logger, MetricName } from '../powertools/index.js';

/** A message item as read back: what the hook wrote, what the receipts and the feedback added. */
export type StoredMessage = Partial<MessageItem> & {
  messageId: string;
  receipts?: StoredReceipt[];
  receiptIds?: Set<string>;
  dlqReceiptIds?: Set<string>;
  deliveryStatus?: string;
  /** Whether `deliveryStatus` is the message's final one. */
  deliveryFinal?: boolean;
  feedback?: MessageFeedback;
};

/** What recording one receipt did. */
export type ReceiptRecording = {
  /** The receipt was already recorded (SNS redelivered it): nothing counted again. */
  duplicate: boolean;
  /** The message item after the receipt. */
  message: StoredMessage;
};

/** A prefix's settlement counter for one hour. */
export type PrefixHour = { settled: number; converted: number; deniedAt?: number };

/** Options of {@link DynamoMessageStore}. */
export type MessageStoreOptions = {
  /** Clock, ms since epoch. @default Date.now */
  now?: () => number;
  /**
   * How long after the send the hook's write of the message item may still land (it replaces the item whole, being a
   * BatchWriteItem Put). A receipt that finds no hook-written item younger than this waits for the window to pass and
   * records itself again if the Put erased it. The hook answers Okta within 3 s of the send, its write with it. @default 5000
   */
  hookWriteWindowMs?: number;
  /** @default setTimeout-based */
  sleep?: (ms: number) => Promise<void>;
};

/**
 * How long a claim on a DLQ record holds: twice the receipt function's timeout, so a claim this old belongs to an
 * invocation that is over (Lambda retries an asynchronous invocation a minute or more after it failed).
 */
export const DLQ_CLAIM_LEASE_MS = 2 * EVENT_FUNCTION_TIMEOUT_SECONDS['record-delivery-event'] * 1000;

/** The attribute holding a claim on one receipt's DLQ record. */
const dlqClaimAttribute = (receiptId: string) => `dlqClaim#${receiptId}`;

/** A claim: its time (epoch ms, zero-padded, so that claims compare as strings in time order) and its token. */
const claimValue = (atMs: number, token: string) => `${String(Math.max(0, atMs)).padStart(15, '0')}#${token}`;

/**
 * Another invocation holds a fresh claim on a receipt's DLQ record: this invocation fails, to be retried after the
 * claim is done or stale.
 */
export class DeadLetterClaimedError extends Error {
  constructor(messageId: string) {
    super(`The DLQ record of a receipt of message ${messageId} is being written by another invocation`);
    this.name = 'DeadLetterClaimedError';
  }
}

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error instanceof Error && error.name === 'ConditionalCheckFailedException');

/** The sets DynamoDB hands back through the document client; empty when absent. */
const setOf = (value: unknown): Set<string> =>
  value instanceof Set ? (value as Set<string>) : new Set(Array.isArray(value) ? (value as string[]) : []);

function asMessage(attributes: Record<string, unknown> | undefined, messageId: string): StoredMessage {
  const item = { ...(attributes ?? {}) } as Record<string, unknown>;
  return {
    ...(item as Partial<MessageItem>),
    messageId,
    receipts: Array.isArray(item.receipts) ? (item.receipts as StoredReceipt[]) : [],
    receiptIds: setOf(item.receiptIds),
    dlqReceiptIds: setOf(item.dlqReceiptIds),
  } as StoredMessage;
}

/**
 * The messages table (`message-table.ts`): what became of each code after End User Messaging took it. One adapter for
 * the hook (remember a sent message), the receipt handler (receipts, idempotent per receipt), the verification
 * handler and the sweep (feedback, settlement counters). Only the calls the stack grants each function are used:
 * BatchWriteItem (hook), UpdateItem (all; also as a read that returns the item, for the receipt handler, which has
 * no GetItem), GetItem (verification, sweep) and Query on the `pending` index (sweep).
 */
export class DynamoMessageStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #now: () => number;
  readonly #windowMs: number;
  readonly #sleep: (ms: number) => Promise<void>;

  /**
   * @param client - DynamoDB client (the hook's is deadline-bound)
   * @param tableName - the messages table
   * @param options - clock, hook write window
   */
  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    options: MessageStoreOptions = {},
  ) {
    this.#doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.#now = options.now ?? Date.now;
    this.#windowMs = options.hookWriteWindowMs ?? 5_000;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * The hook's one write after a send: the message item and, with a user id, the user's latest-message pointer of
   * that channel (living as long as the code), in one BatchWriteItem.
   *
   * @param message - the item; never the code, the number masked
   * @throws when DynamoDB fails or leaves an item unprocessed
   */
  public async remember(message: MessageItem): Promise<void> {
    const puts: Array<{ PutRequest: { Item: Record<string, unknown> } }> = [
      { PutRequest: { Item: message } },
    ];
    if (message.userId) {
      puts.push({
        PutRequest: {
          Item: {
            ...latestKey(message.userId, message.requestedChannel ?? message.channel),
            messageId: message.messageId,
            eventId: message.eventId,
            sentAt: message.sentAt,
            expiresAt: message.codeExpiresAt,
          },
        },
      });
    }
    const { UnprocessedItems } = await this.#doc.send(
      new BatchWriteCommand({ RequestItems: { [this.tableName]: puts } }),
    );
    const left = UnprocessedItems?.[this.tableName]?.length ?? 0;
    if (left > 0) throw new Error(`BatchWriteItem left ${left} item(s) unprocessed`);
  }

  /**
   * Records one receipt on its message, once: the receipt id joins the item's `receiptIds` set under a condition that
   * it is not there yet, so an SNS redelivery changes nothing. Tolerates a receipt before the hook's write (the item is
   * created with what the receipt knows) and out-of-order receipts (`deliveryStatus` is worked out from all receipts:
   * a final one is never replaced by a later non-final one).
   *
   * @param receipt - the parsed receipt
   */
  public async recordReceipt(receipt: DeliveryReceipt): Promise<ReceiptRecording> {
    let recording = await this.#appendReceipt(receipt);
    if (!recording.duplicate && recording.message.sentAt === undefined) {
      // No hook-written item yet. The hook's Put may still land and replace the item: wait for its window, then look
      // again, and record the receipt again if it was erased.
      const sentAt = receipt.messageRequestTimestamp ?? receipt.eventTimestamp;
      const waitMs = sentAt + this.#windowMs - this.#now();
      if (waitMs > 0) {
        await this.#sleep(Math.min(waitMs, this.#windowMs));
        const after = await this.touch(receipt.messageId);
        if (!after.receiptIds?.has(receipt.receiptId)) recording = await this.#appendReceipt(receipt);
      }
    }
    const message = recording.duplicate ? await this.touch(receipt.messageId) : recording.message;
    return { duplicate: recording.duplicate, message: await this.#refreshStatus(message) };
  }

  async #appendReceipt(receipt: DeliveryReceipt): Promise<ReceiptRecording> {
    const retentionEnd = Math.floor(this.#now() / 1000) + MESSAGE_RETENTION_SECONDS;
    try {
      const { Attributes } = await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: messageKey(receipt.messageId),
          UpdateExpression:
            'ADD receiptIds :ids SET receipts = list_append(if_not_exists(receipts, :none), :receipt), ' +
            'messageId = :messageId, channel = if_not_exists(channel, :channel), ' +
            'expiresAt = if_not_exists(expiresAt, :expiresAt)' +
            (receipt.country ? ', country = if_not_exists(country, :country)' : '') +
            (receipt.eventId ? ', eventId = if_not_exists(eventId, :eventId)' : '') +
            // A final receipt is the message's status in the same write (the usual single receipt: one call); an
            // earlier-stamped final arriving late is put right by #refreshStatus, which reads all receipts.
            (receipt.isFinal
              ? ', deliveryStatus = :status, deliveryStatusAt = :at, deliveryFinal = :final'
              : ''),
          ConditionExpression: 'attribute_not_exists(receiptIds) OR NOT contains(receiptIds, :id)',
          ExpressionAttributeValues: {
            ':ids': new Set([receipt.receiptId]),
            ':id': receipt.receiptId,
            ':none': [],
            ':receipt': [storedReceipt(receipt)],
            ':messageId': receipt.messageId,
            ':channel': receipt.channel,
            ':expiresAt': retentionEnd,
            ...(receipt.country ? { ':country': receipt.country } : {}),
            ...(receipt.eventId ? { ':eventId': receipt.eventId } : {}),
            ...(receipt.isFinal
              ? { ':status': receipt.status, ':at': receipt.eventTimestamp, ':final': true }
              : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { duplicate: false, message: asMessage(Attributes, receipt.messageId) };
    } catch (error) {
      if (isConditionFailure(error)) return { duplicate: true, message: { messageId: receipt.messageId } };
      throw error;
    }
  }

  /** Sets `deliveryStatus` from all receipts, unless a receipt came in meanwhile (whose handler sets it then). */
  async #refreshStatus(message: StoredMessage): Promise<StoredMessage> {
    const receipts = message.receipts ?? [];
    const current = currentReceipt(receipts);
    if (!current || message.deliveryStatus === current.status) return message;
    try {
      const { Attributes } = await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: messageKey(message.messageId),
          UpdateExpression: 'SET deliveryStatus = :status, deliveryStatusAt = :at, deliveryFinal = :final',
          ConditionExpression: 'size(receipts) = :count',
          ExpressionAttributeValues: {
            ':status': current.status,
            ':at': current.eventTimestamp,
            ':final': current.isFinal,
            ':count': receipts.length,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return asMessage(Attributes, message.messageId);
    } catch (error) {
      if (isConditionFailure(error)) return message;
      throw error;
    }
  }

  /**
   * The message item as it is now, through an UpdateItem that changes nothing but `messageId` (the receipt handler
   * has UpdateItem, not GetItem).
   */
  public async touch(messageId: string): Promise<StoredMessage> {
    const { Attributes } = await this.#doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: messageKey(messageId),
        UpdateExpression: 'SET messageId = :messageId',
        ExpressionAttributeValues: { ':messageId': messageId },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return asMessage(Attributes, messageId);
  }

  /** Notes that the DLQ record of a final failure receipt was written, so a redelivery writes none. */
  /**
   * Claims the writing of a final failure receipt's DLQ record, so that two invocations of the same receipt side by
   * side (SNS delivers at least once) write one record, not two. A claim is its time and a token of its own; one
   * older than {@link DLQ_CLAIM_LEASE_MS} belongs to an invocation that stopped before writing (its function timed
   * out) and is taken over, so a crash never loses the record.
   *
   * When the conditional write fails, the item is read to tell why: the record is written (nothing to do), the claim
   * is this call's own (the SDK retried a write that had landed), or another invocation holds a fresh claim: then
   * this throws, so that this receipt's invocation fails and is retried, and the retry finds the record written or
   * the claim stale. Only what is proven done is skipped.
   *
   * @param messageId - the message
   * @param receiptId - the receipt whose record it is
   * @param nowMs - the claim's time (tests); the store's clock by default
   * @returns the claim, to release it with, or nothing when the record is already written
   */
  public async claimDeadLetter(
    messageId: string,
    receiptId: string,
    nowMs = this.#now(),
  ): Promise<string | undefined> {
    const claim = claimValue(nowMs, randomUUID());
    const claimAttribute = dlqClaimAttribute(receiptId);
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: messageKey(messageId),
          UpdateExpression: 'SET #claim = :claim',
          ConditionExpression:
            '(attribute_not_exists(#claim) OR #claim < :stale) AND ' +
            '(attribute_not_exists(dlqReceiptIds) OR NOT contains(dlqReceiptIds, :id))',
          ExpressionAttributeNames: { '#claim': claimAttribute },
          ExpressionAttributeValues: {
            ':claim': claim,
            ':stale': claimValue(nowMs - DLQ_CLAIM_LEASE_MS, ''),
            ':id': receiptId,
          },
        }),
      );
      return claim;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await this.#doc.send(
      new GetCommand({ TableName: this.tableName, Key: messageKey(messageId), ConsistentRead: true }),
    );
    if (setOf(Item?.dlqReceiptIds).has(receiptId)) return undefined;
    if (Item?.[claimAttribute] === claim) return claim;
    throw new DeadLetterClaimedError(messageId);
  }

  /**
   * Gives up a claim after the DLQ write failed, so that SNS's retry of this receipt can write the record at once.
   *
   * @param claim - what {@link claimDeadLetter} returned: only that claim is released
   */
  public async releaseDeadLetter(messageId: string, receiptId: string, claim: string): Promise<void> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: messageKey(messageId),
          UpdateExpression: 'REMOVE #claim',
          ConditionExpression: '#claim = :mine',
          ExpressionAttributeNames: { '#claim': dlqClaimAttribute(receiptId) },
          ExpressionAttributeValues: { ':mine': claim },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Records that the receipt's DLQ record is written, and drops the claim on it. */
  public async markDeadLettered(messageId: string, receiptId: string): Promise<void> {
    await this.#doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: messageKey(messageId),
        UpdateExpression: 'ADD dlqReceiptIds :ids REMOVE #claim',
        ExpressionAttributeNames: { '#claim': dlqClaimAttribute(receiptId) },
        ExpressionAttributeValues: { ':ids': new Set([receiptId]) },
      }),
    );
  }

  /** The id of the user's latest message of a channel, while its code lives. */
  public async latestMessageId(userId: string, channel: 'sms' | 'voice'): Promise<string | undefined> {
    const { Item } = await this.#doc.send(
      new GetCommand({ TableName: this.tableName, Key: latestKey(userId, channel), ConsistentRead: true }),
    );
    const nowSeconds = Math.floor(this.#now() / 1000);
    // DynamoDB's TTL deletes late: a pointer past its code's expiry (and the grace for a late event) is a code that
    // can no longer be used.
    if (!Item || typeof Item.messageId !== 'string') return undefined;
    if (typeof Item.expiresAt === 'number' && Item.expiresAt + VERIFICATION_GRACE_SECONDS < nowSeconds) {
      return undefined;
    }
    return Item.messageId;
  }

  /**
   * Settles a message once: RECEIVED (the user typed the code) or FAILED (the code expired unused). Conditional on
   * the hook having written the item and no feedback yet; removes `sweepBucket`, so the message leaves the sweep's
   * index, and `prefix`: next to the masked number (its last three digits) the prefix spells the whole number, so it
   * is kept only while the code can be used, as long as the guard's own counters keep a number.
   *
   * @returns the item as settled, or undefined when it is unknown or already settled
   */
  public async settle(messageId: string, feedback: MessageFeedback): Promise<StoredMessage | undefined> {
    const at = this.#now();
    try {
      const { Attributes } = await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: messageKey(messageId),
          UpdateExpression: 'SET feedback = :feedback, feedbackAt = :at REMOVE sweepBucket, prefix',
          ConditionExpression: 'attribute_exists(sentAt) AND attribute_not_exists(feedback)',
          ExpressionAttributeValues: { ':feedback': feedback, ':at': at },
          // The item before the update: the prefix is gone from the stored one, and the caller counts by it.
          ReturnValues: 'ALL_OLD',
        }),
      );
      return asMessage(Attributes && { ...Attributes, feedback, feedbackAt: at }, messageId);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * Counts one settled message (and, when used, one conversion) in its prefix's counter of the hour it was sent in.
   *
   * @returns the counter after the addition
   */
  public async countSettlement(prefix: string, sentAtMs: number, converted: boolean): Promise<PrefixHour> {
    const { Attributes } = await this.#doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: prefixHourKey(prefix, sentAtMs),
        UpdateExpression:
          'ADD settled :one, converted :converted SET expiresAt = if_not_exists(expiresAt, :exp)',
        ExpressionAttributeValues: {
          ':one': 1,
          ':converted': converted ? 1 : 0,
          ':exp': Math.floor(sentAtMs / 1000) + PREFIX_COUNTER_RETENTION_SECONDS,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return {
      settled: Number(Attributes?.settled ?? 0),
      converted: Number(Attributes?.converted ?? 0),
      ...(typeof Attributes?.deniedAt === 'number' ? { deniedAt: Attributes.deniedAt } : {}),
    };
  }

  /**
   * Marks a prefix's hour as having led to a deny, once: false when it already had. An operator's `abuse -- reset`
   * then sticks for that hour instead of being undone by the next sweep.
   */
  public async markPrefixDenied(prefix: string, sentAtMs: number): Promise<boolean> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: prefixHourKey(prefix, sentAtMs),
          UpdateExpression: 'SET deniedAt = :now',
          ConditionExpression: 'attribute_exists(settled) AND attribute_not_exists(deniedAt)',
          ExpressionAttributeValues: { ':now': this.#now() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * The messages of one sweep bucket whose code expired before `beforeSeconds`, unsettled (the `pending` index is
   * sparse: a settled message has no `sweepBucket`).
   */
  public async expiredPending(bucket: string, beforeSeconds: number, limit = 1000): Promise<StoredMessage[]> {
    const found: StoredMessage[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: MESSAGES_TABLE.indexes.pending.name,
          KeyConditionExpression: 'sweepBucket = :bucket AND codeExpiresAt < :before',
          ExpressionAttributeValues: { ':bucket': bucket, ':before': beforeSeconds },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        if (typeof item.messageId === 'string') found.push(asMessage(item, item.messageId));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && found.length < limit);
    return found;
  }

  /** Records an Okta System Log event id; false when it was already recorded (a redelivery). */
  public async firstSightOfOktaEvent(uuid: string): Promise<boolean> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: oktaEventKey(uuid),
          UpdateExpression: 'SET expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(pk)',
          ExpressionAttributeValues: {
            ':exp': Math.floor(this.#now() / 1000) + OKTA_EVENT_RETENTION_SECONDS,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
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
 * it: the BatchWriteItem starts when `send` resolves and runs beside the idempotency update that follows, so the
 * delivery gains no sequential round trip; the handler awaits it (bounded) after the delivery. A failed write is
 * counted (`MessageStateWriteFailed`) and logged at WARN; the delivery and Okta's answer stand.
 *
 * @param sender - the real sender
 * @param request - the request (never stored: only its event id, type, user id, country, masked number, TTL)
 * @param store - the messages table
 * @param now - clock, ms
 * @param conversion - whether codes can be marked used here: without it, no prefix and nothing for the sweep
 */
export function rememberingSender(
  sender: MessageSender,
  request: DeliveryRequest,
  store: DynamoMessageStore,
  now: () => number = Date.now,
  conversion = true,
): RememberingSender {
  let write: Promise<'written' | 'failed'> | undefined;
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
      ...(conversion
        ? { prefix: numberPrefix(message.destination), sweepBucket: sweepBucketOf(sentAt) }
        : {}),
      ...(request.userId ? { userId: request.userId } : {}),
      originationIdentity: result.originationIdentity ?? message.originationIdentity,
      sentAt,
      codeExpiresAt: sentSeconds + request.ttlSeconds,
      expiresAt: sentSeconds + MESSAGE_RETENTION_SECONDS,
    };
    return store.remember(item).then(
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
        const result = await sender.send(message, deadline);
        write = remember(message, result as { messageId: string; originationIdentity?: string });
        return result;
      },
    },
    settled: async (waitMs) => {
      if (!write) return 'none';
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<'pending'>((resolve) => {
        timer = setTimeout(() => resolve('pending'), Math.max(0, waitMs));
      });
      try {
        return await Promise.race([write, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
