/**
 * The messages table (`message-table.ts`) as the receipt handler writes it: each End User Messaging receipt once on
 * its message, the delivery status they add up to, and the claim that makes a final failure's DLQ record exactly one.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { currentReceipt, type DeliveryReceipt, storedReceipt } from '../domain/delivery-receipt.js';
import { MESSAGE_RETENTION_SECONDS, messageKey } from '../domain/message-table.js';
import { EVENT_FUNCTION_TIMEOUT_SECONDS } from '../function-timeouts.js';
import {
  asMessage,
  isConditionFailure,
  messagesDocClient,
  type StoredMessage,
  setOf,
} from './message-items.js';

/** What recording one receipt did. */
export type ReceiptRecording = {
  /** The receipt was already recorded (SNS redelivered it): nothing counted again. */
  duplicate: boolean;
  /** The message item after the receipt. */
  message: StoredMessage;
};

/**
 * How long a claim on a DLQ record holds: twice the receipt function's timeout, so a claim this old belongs to an
 * invocation that is over (Lambda retries an asynchronous invocation a minute or more after it failed).
 */
export const DLQ_CLAIM_LEASE_MS = 2 * EVENT_FUNCTION_TIMEOUT_SECONDS['record-delivery-event'] * 1000;

/** The attribute holding a claim on one receipt's DLQ record. */
const dlqClaimAttribute = (receiptId: string) => `dlqClaim#${receiptId}`;

/** The attribute holding the token of the write that recorded one receipt. */
const receiptTokenAttribute = (receiptId: string) => `receiptToken#${receiptId}`;

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

/**
 * The receipt handler's side of the messages table (UpdateItem, GetItem). Its writes may be retried by the SDK after they landed: the
 * receipt's append and the DLQ claim carry a token, so a retry that meets its own landed write goes on as the first
 * attempt would have; the status refresh and the DLQ mark are idempotent.
 */
export class DynamoReceiptStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #now: () => number;

  /**
   * @param client - DynamoDB client
   * @param tableName - the messages table
   * @param options - clock
   */
  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    options: { now?: () => number } = {},
  ) {
    this.#doc = messagesDocClient(client);
    this.#now = options.now ?? Date.now;
  }

  /**
   * Records one receipt on its message, once: the receipt id joins the item's `receiptIds` set under a condition that
   * it is not there yet, so an SNS redelivery changes nothing. Tolerates a receipt before the hook's write (the item is
   * created with what the receipt knows; the hook's write never replaces it) and out-of-order receipts
   * (`deliveryStatus` is worked out from all receipts: a final one is never replaced by a later non-final one).
   *
   * @param receipt - the parsed receipt
   */
  public async recordReceipt(receipt: DeliveryReceipt): Promise<ReceiptRecording> {
    const recording = await this.#appendReceipt(receipt);
    return { duplicate: recording.duplicate, message: await this.#refreshStatus(recording.message) };
  }

  async #appendReceipt(receipt: DeliveryReceipt): Promise<ReceiptRecording> {
    const retentionEnd = Math.floor(this.#now() / 1000) + MESSAGE_RETENTION_SECONDS;
    const token = randomUUID();
    try {
      const { Attributes } = await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: messageKey(receipt.messageId),
          UpdateExpression:
            'ADD receiptIds :ids SET receipts = list_append(if_not_exists(receipts, :none), :receipt), ' +
            '#token = :token, messageId = :messageId, channel = if_not_exists(channel, :channel), ' +
            'expiresAt = if_not_exists(expiresAt, :expiresAt)' +
            (receipt.country ? ', country = if_not_exists(country, :country)' : '') +
            (receipt.eventId ? ', eventId = if_not_exists(eventId, :eventId)' : '') +
            // A final receipt is the message's status in the same write (the usual single receipt: one call); an
            // earlier-stamped final arriving late is put right by #refreshStatus, which reads all receipts.
            (receipt.isFinal
              ? ', deliveryStatus = :status, deliveryStatusAt = :at, deliveryFinal = :final'
              : ''),
          ConditionExpression: 'attribute_not_exists(receiptIds) OR NOT contains(receiptIds, :id)',
          ExpressionAttributeNames: { '#token': receiptTokenAttribute(receipt.receiptId) },
          ExpressionAttributeValues: {
            ':ids': new Set([receipt.receiptId]),
            ':id': receipt.receiptId,
            ':none': [],
            ':receipt': [storedReceipt(receipt)],
            ':token': token,
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
      if (!isConditionFailure(error)) throw error;
    }
    // Recorded already: by an earlier delivery of the receipt, or by this very call (the SDK retried a write whose
    // answer was lost). Only the first is a duplicate: the second still counts the receipt.
    const message = await this.read(receipt.messageId);
    const mine = (message as Record<string, unknown>)[receiptTokenAttribute(receipt.receiptId)] === token;
    return { duplicate: !mine, message };
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

  /** The message item as it is now (a consistent read). */
  public async read(messageId: string): Promise<StoredMessage> {
    const { Item } = await this.#doc.send(
      new GetCommand({ TableName: this.tableName, Key: messageKey(messageId), ConsistentRead: true }),
    );
    return asMessage(Item, messageId);
  }

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

  /** Records that the receipt's DLQ record is written, and drops the claim on it (idempotent: a set and a REMOVE). */
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
}
