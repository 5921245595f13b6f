/**
 * The messages table (`message-table.ts`) as the verification handler and the sweep write it: the settlement of each
 * message (the steps of `domain/conversion.ts`), the prefixes' hourly counters, Okta's event ids, and the conversion
 * signal (the latest Okta event heard from).
 *
 * Every write here is safe when the SDK retries it after it landed: conditional writes carry a token that tells this
 * call's own landed write from another's, counters count by a token of the message, the rest set fixed values.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type ConversionSignal,
  FAILED_VERIFICATION_HOLD_MS,
  type LatestPointer,
  type PrefixHour,
  type SettlementFinish,
  type SettleWrite,
  type SettlingMessage,
  type VerificationStore,
} from '../domain/conversion.js';
import {
  CONVERSION_SIGNAL_KEY,
  latestKey,
  MESSAGES_TABLE,
  type MessageFeedback,
  messageKey,
  OKTA_EVENT_RETENTION_SECONDS,
  oktaEventKey,
  PREFIX_COUNTER_RETENTION_SECONDS,
  prefixHourKey,
} from '../domain/message-table.js';
import { asMessage, isConditionFailure, messagesDocClient, type StoredMessage } from './message-items.js';

/** Options of {@link DynamoSettlementStore}. */
export type SettlementStoreOptions = {
  /** Clock, ms since epoch. @default Date.now */
  now?: () => number;
  /**
   * The conversion signal is written at most this often per container (every Okta event would otherwise be a
   * write): the sweep compares it with codes' expiries, minutes apart. @default 10000
   */
  signalWriteEveryMs?: number;
};

const numberOr = (value: unknown) => (typeof value === 'number' ? value : undefined);

const asCounter = (attributes: Record<string, unknown> | undefined): PrefixHour => ({
  settled: Number(attributes?.settled ?? 0),
  converted: Number(attributes?.converted ?? 0),
  ...(typeof attributes?.deniedAt === 'number' ? { deniedAt: attributes.deniedAt } : {}),
});

/**
 * Settlement, counters, Okta event ids and the signal, on the messages table. Calls: GetItem, UpdateItem and (the
 * sweep) Query on the `pending` index.
 */
export class DynamoSettlementStore implements VerificationStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #now: () => number;
  readonly #signalEveryMs: number;
  #signalWritten: { publishedMs: number; atMs: number } | undefined;

  /**
   * @param client - DynamoDB client
   * @param tableName - the messages table
   * @param options - clock, signal write interval
   */
  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    options: SettlementStoreOptions = {},
  ) {
    this.#doc = messagesDocClient(client);
    this.#now = options.now ?? Date.now;
    this.#signalEveryMs = options.signalWriteEveryMs ?? 10_000;
  }

  async #get(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.#doc.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    return Item;
  }

  /** The message item, if any. */
  public async message(messageId: string): Promise<StoredMessage | undefined> {
    const item = await this.#get(messageKey(messageId));
    return item ? asMessage(item, messageId) : undefined;
  }

  public async latest(userId: string, channel: 'sms' | 'voice'): Promise<LatestPointer | undefined> {
    const item = await this.#get(latestKey(userId, channel));
    const sentAt = numberOr(item?.sentAt);
    // `codeExpiresAt` since the pointer outlives its code; older pointers held the expiry in `expiresAt`.
    const codeExpiresAt = numberOr(item?.codeExpiresAt) ?? numberOr(item?.expiresAt);
    if (typeof item?.messageId !== 'string' || sentAt === undefined || codeExpiresAt === undefined) {
      return undefined;
    }
    return { messageId: item.messageId, sentAt, codeExpiresAt };
  }

  public async settle(messageId: string, feedback: MessageFeedback, token: string): Promise<SettleWrite> {
    // The first settlement, this call's own (an SDK retry of a write that landed), or RECEIVED over FAILED.
    const condition =
      'attribute_exists(sentAt) AND (attribute_not_exists(feedback) OR settledBy = :token' +
      (feedback === 'RECEIVED' ? ' OR feedback = :failed)' : ')');
    try {
      const { Attributes } = await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: messageKey(messageId),
          UpdateExpression: 'SET feedback = :feedback, feedbackAt = :at, settledBy = :token',
          ConditionExpression: condition,
          ExpressionAttributeValues: {
            ':feedback': feedback,
            ':at': this.#now(),
            ':token': token,
            ...(feedback === 'RECEIVED' ? { ':failed': 'FAILED' } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { kind: 'settled', message: asMessage(Attributes, messageId) as SettlingMessage };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const found = await this.message(messageId);
    if (!found || found.sentAt === undefined || !found.feedback) return { kind: 'unknown' };
    return { kind: 'found', message: found as SettlingMessage };
  }

  public async count(
    prefix: string,
    sentAtMs: number,
    messageToken: string,
    outcome: MessageFeedback,
  ): Promise<PrefixHour> {
    const key = prefixHourKey(prefix, sentAtMs);
    const expires = Math.floor(sentAtMs / 1000) + PREFIX_COUNTER_RETENTION_SECONDS;
    const tokens = new Set([messageToken]);
    const values: Record<string, unknown> = {
      ':one': 1,
      ':zero': 0,
      ':tokens': tokens,
      ':token': messageToken,
      ':exp': expires,
    };
    const attempt = async (update: string, condition: string) => {
      const expression = `${update} SET expiresAt = if_not_exists(expiresAt, :exp)`;
      try {
        const { Attributes } = await this.#doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: expression,
            ConditionExpression: condition,
            // Only the values the expressions name: DynamoDB refuses unused ones.
            ExpressionAttributeValues: Object.fromEntries(
              Object.entries(values).filter(([name]) =>
                new RegExp(`${name}\\b`).test(`${expression} ${condition}`),
              ),
            ),
            ReturnValues: 'ALL_NEW',
          }),
        );
        return asCounter(Attributes);
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    };
    const unseen = '(attribute_not_exists(seen) OR NOT contains(seen, :token))';
    const first =
      outcome === 'RECEIVED'
        ? await attempt('ADD settled :one, converted :one, seen :tokens, used :tokens', unseen)
        : await attempt('ADD settled :one, converted :zero, seen :tokens', unseen);
    if (first) return first;
    if (outcome === 'RECEIVED') {
      // Counted before as FAILED: the late RECEIVED re-credits it (once: `used` holds its token after).
      const recredit = await attempt(
        'ADD converted :one, settled :zero, used :tokens',
        'contains(seen, :token) AND (attribute_not_exists(used) OR NOT contains(used, :token))',
      );
      if (recredit) return recredit;
    }
    // Counted already: this call's own landed write (an SDK retry), or an earlier invocation's.
    return asCounter(await this.#get(key));
  }

  public async finish(messageId: string, step: SettlementFinish): Promise<void> {
    const finalAt = !step.final && step.finalAtSeconds !== undefined;
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: messageKey(messageId),
          // Final: out of the sweep's index, and no prefix beside the masked number (together they spell it). Not yet:
          // when it will be (the sweep's Query passes it over until then).
          UpdateExpression: `SET countedAs = :counted, feedbackPut = :put${finalAt ? ', finalAt = :finalAt' : ''}${step.final ? ' REMOVE sweepBucket, prefix' : ''}`,
          ConditionExpression: 'feedback = :feedback',
          ExpressionAttributeValues: {
            ':counted': step.countedAs,
            ':put': step.feedbackPut,
            ':feedback': step.feedback,
            ...(finalAt ? { ':finalAt': step.finalAtSeconds } : {}),
          },
        }),
      );
    } catch (error) {
      // The feedback changed meanwhile (a re-credit): that settlement finishes the message.
      if (!isConditionFailure(error)) throw error;
    }
  }

  public async markPrefixDenied(prefix: string, sentAtMs: number, token: string): Promise<boolean> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: prefixHourKey(prefix, sentAtMs),
          UpdateExpression: 'SET deniedAt = :now, deniedBy = :token',
          ConditionExpression:
            'attribute_exists(settled) AND (attribute_not_exists(deniedAt) OR deniedBy = :token)',
          ExpressionAttributeValues: { ':now': this.#now(), ':token': token },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * The messages of one sweep bucket whose code expired before `beforeSeconds` and that are still in the sparse
   * `pending` index: unsettled, or settled with work left (an unfinished settlement, a FAILED in its re-credit window).
   */
  public async expiredPending(bucket: string, beforeSeconds: number, limit = 1000): Promise<StoredMessage[]> {
    const found: StoredMessage[] = [];
    let startKey: Record<string, unknown> | undefined;
    // A FAILED waiting out its re-credit window has nothing to do until `finalAt`: filtered out, so that it never
    // takes the place of a code the sweep must settle (a pumping burst's thousands in one hour).
    const nowSeconds = Math.floor(this.#now() / 1000);
    do {
      const page = await this.#doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: MESSAGES_TABLE.indexes.pending.name,
          KeyConditionExpression: 'sweepBucket = :bucket AND codeExpiresAt < :before',
          FilterExpression:
            'attribute_not_exists(feedback) OR attribute_not_exists(countedAs) OR feedbackPut <> feedback OR finalAt <= :now',
          ExpressionAttributeValues: { ':bucket': bucket, ':before': beforeSeconds, ':now': nowSeconds },
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

  public async eventHandled(uuid: string): Promise<boolean> {
    return (await this.#get(oktaEventKey(uuid))) !== undefined;
  }

  public async markEventHandled(uuid: string): Promise<void> {
    await this.#doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: oktaEventKey(uuid),
        UpdateExpression: 'SET expiresAt = :exp',
        ExpressionAttributeValues: { ':exp': Math.floor(this.#now() / 1000) + OKTA_EVENT_RETENTION_SECONDS },
      }),
    );
  }

  /**
   * Claims an Okta event (a hook failure) for counting: true the first time, and for this call's own landed write
   * when the SDK retries it; false when another delivery of the event claimed it.
   *
   * @param uuid - the event's uuid
   * @param token - this call's own
   */
  public async claimOktaEvent(uuid: string, token: string): Promise<boolean> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: oktaEventKey(uuid),
          UpdateExpression: 'SET expiresAt = :exp, claimedBy = :token',
          ConditionExpression: 'attribute_not_exists(pk) OR claimedBy = :token',
          ExpressionAttributeValues: {
            ':exp': Math.floor(this.#now() / 1000) + OKTA_EVENT_RETENTION_SECONDS,
            ':token': token,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Records that Okta was heard from: the latest `published` of any System Log event received (never later than now),
   * at most once per `signalWriteEveryMs` per container, and never moving back.
   *
   * @param publishedMs - the event's `published`, epoch ms
   */
  public async recordSignal(publishedMs: number): Promise<void> {
    const nowMs = this.#now();
    const published = Math.min(publishedMs, nowMs);
    const last = this.#signalWritten;
    if (last && (published <= last.publishedMs || nowMs - last.atMs < this.#signalEveryMs)) return;
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: CONVERSION_SIGNAL_KEY,
          UpdateExpression: 'SET publishedAt = :published, arrivedAt = :now',
          ConditionExpression: 'attribute_not_exists(publishedAt) OR publishedAt < :published',
          ExpressionAttributeValues: { ':published': published, ':now': nowMs },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    this.#signalWritten = { publishedMs: published, atMs: nowMs };
  }

  /**
   * Records that a verification event failed to be handled (its retries may still succeed): when, and the earliest
   * `published` of the failures of the current window, so that the sweep holds the signal below it
   * (`effectiveSignal`). Two fixed-value writes, on the failure path only.
   *
   * @param publishedMs - the failing event's `published`, epoch ms
   */
  public async recordVerificationFailure(publishedMs: number): Promise<void> {
    const nowMs = this.#now();
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: CONVERSION_SIGNAL_KEY,
          UpdateExpression: 'SET failedAt = :now, failedPublishedAt = :published',
          // A new window, or an earlier failing event than the window's first.
          ConditionExpression:
            'attribute_not_exists(failedAt) OR failedAt < :windowStart OR failedPublishedAt > :published',
          ExpressionAttributeValues: {
            ':now': nowMs,
            ':published': publishedMs,
            ':windowStart': nowMs - FAILED_VERIFICATION_HOLD_MS,
          },
        }),
      );
      return;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    await this.#doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: CONVERSION_SIGNAL_KEY,
        UpdateExpression: 'SET failedAt = :now',
        ExpressionAttributeValues: { ':now': nowMs },
      }),
    );
  }

  /** The conversion signal as stored; undefined when Okta was never heard from. */
  public async signal(): Promise<ConversionSignal | undefined> {
    const item = await this.#get(CONVERSION_SIGNAL_KEY);
    const publishedMs = numberOr(item?.publishedAt);
    if (publishedMs === undefined) return undefined;
    const failedAtMs = numberOr(item?.failedAt);
    const failedPublishedMs = numberOr(item?.failedPublishedAt);
    return {
      publishedMs,
      ...(failedAtMs === undefined ? {} : { failedAtMs }),
      ...(failedPublishedMs === undefined ? {} : { failedPublishedMs }),
    };
  }
}
