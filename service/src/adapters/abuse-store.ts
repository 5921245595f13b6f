import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type AbuseCounters,
  type AbuseListSnapshot,
  type AbuseLists,
  AbuseStoreUnavailableError,
  type CounterKey,
  type CounterTake,
} from '../domain/abuse-guard.js';
import {
  counterKey,
  isPastSlot,
  LIST_PARTITIONS,
  LOW_CONVERSION_REASON,
  listEntryOf,
  lowConversionDenyKey,
  slotAttribute,
  windowCount,
  windowSlot,
} from '../domain/abuse-table.js';
import { logger } from '../powertools/index.js';

/** How long a list read serves warm requests. */
const DEFAULT_LIST_MAX_AGE_SECONDS = 60;

/** After a failed list read, serve the last good copy for this long before asking DynamoDB again. */
const RETRY_AFTER_FAILURE_MS = 5_000;

/** A list is a handful of entries; a runaway partition stops being read here rather than eating the budget. */
const MAX_LIST_PAGES = 4;

/** Past window slots an item may hold before one UpdateItem removes them. */
export const MAX_STALE_BUCKETS = 4;

/** Options of {@link DynamoAbuseStore}. */
export type AbuseStoreOptions = {
  /** @default 60 */
  listMaxAgeSeconds?: number;
  /** Clock (ms since epoch), for window buckets, TTLs and the list cache. @default Date.now */
  now?: () => number;
};

const errorName = (error: unknown) => (error instanceof Error ? error.name : String(error));

/** A key of `abuse-table.ts` as the low-level client takes it. */
const keyOf = ({ pk, sk }: { pk: string; sk: string }) => ({ pk: { S: pk }, sk: { S: sk } });

/**
 * The abuse guard's table (shared contract, `/tmp/abuse-spec.md`; keys in `abuse-table.ts`): `pk`/`sk`, TTL
 * attribute `expiresAt`.
 *
 * - Counters: one item per key, `pk = count#<kind>#<value>`, `sk = counters`; each window slot its own attribute
 *   (`abuse-table.ts`: the 24-hour window rolls by the hour, the others are fixed). One UpdateItem per key, all keys
 *   in parallel: `ADD` 1 to the current slot of each of the key's windows, `SET expiresAt` to now plus its longest
 *   window, `ReturnValues: ALL_NEW`, and a window's count is the sum of its live slots. A refused request gives its
 *   increments back (`ADD -1` to the very slots it added to). Past slots are never read again; an item that is
 *   written at least once per longest window never expires, so once it holds {@link MAX_STALE_BUCKETS} past slots one
 *   more UpdateItem removes them, off the request's path (a number used twice a day would otherwise gain an attribute
 *   per sign-in, ~15 KB a year). The writes are not idempotent: the client must not retry an ambiguous failure
 *   (`retryAmbiguous: false`): a lost answer then counts a request at most once more, never twice.
 * - Lists: partition `pk = list`, `sk = allow#<E.164>` or `deny#<E.164 or prefix>`, optional `expiresAt`, and the
 *   sweep's partition `list#low-conversion` (deny entries only); read with one Query each, side by side, and cached, so a warm request reads no list. When the table is unreachable the last good copy keeps
 *   serving; with nothing cached the read fails.
 *
 * Every DynamoDB failure becomes {@link AbuseStoreUnavailableError}: the guard then fails open.
 */
export class DynamoAbuseStore implements AbuseCounters, AbuseLists {
  readonly #now: () => number;
  readonly #maxAgeMs: number;
  #lists: { snapshot: AbuseListSnapshot; readAt: number } | undefined;
  #failedAt: number | undefined;
  #reading: Promise<AbuseListSnapshot> | undefined;
  readonly #cleanups = new Set<Promise<void>>();

  /**
   * @param client - DynamoDB client with deadline-bound calls and no ambiguous retries
   * @param tableName - the guard's table
   * @param options - list cache age, clock
   */
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: AbuseStoreOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.#maxAgeMs = (options.listMaxAgeSeconds ?? DEFAULT_LIST_MAX_AGE_SECONDS) * 1000;
  }

  public async increment(keys: readonly CounterKey[]): Promise<CounterTake> {
    const nowSeconds = Math.floor(this.#now() / 1000);
    const taken = keys.map((key) => ({ key, slots: this.#slotsOf(key, nowSeconds) }));
    try {
      const counts = await Promise.all(
        taken.map(({ key, slots }) => this.#incrementOne(key, slots, nowSeconds)),
      );
      return { counts, release: () => this.#release(taken) };
    } catch (error) {
      throw new AbuseStoreUnavailableError(errorName(error), { cause: error });
    }
  }

  /** The attribute of each window's current slot. */
  #slotsOf(key: CounterKey, nowSeconds: number): Map<number, string> {
    return new Map(
      key.windowsSeconds.map((windowSeconds) => [
        windowSeconds,
        slotAttribute(windowSeconds, windowSlot(windowSeconds, nowSeconds)),
      ]),
    );
  }

  async #incrementOne(
    key: CounterKey,
    slots: Map<number, string>,
    nowSeconds: number,
  ): Promise<ReadonlyMap<number, number>> {
    const names = Object.fromEntries([...slots.values()].map((attribute, i) => [`#w${i}`, attribute]));
    const { Attributes } = await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: keyOf(counterKey(key.kind, key.value)),
        UpdateExpression: `ADD ${Object.keys(names)
          .map((name) => `${name} :one`)
          .join(', ')} SET expiresAt = :expiresAt`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':expiresAt': { N: String(nowSeconds + Math.max(...key.windowsSeconds)) },
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const item: Record<string, number> = {};
    for (const [name, value] of Object.entries(Attributes ?? {})) {
      if (value.N !== undefined) item[name] = Number(value.N);
    }
    const counts = new Map<number, number>();
    for (const [windowSeconds, attribute] of slots) {
      // ALL_NEW always holds what ADD wrote; anything else is not a count to compare.
      if (!Number.isFinite(item[attribute])) throw new Error(`UpdateItem returned no ${attribute}`);
      counts.set(windowSeconds, windowCount(item, windowSeconds, nowSeconds));
    }
    const stale = Object.keys(item).filter((name) => isPastSlot(name, nowSeconds));
    if (stale.length >= MAX_STALE_BUCKETS) this.#removeBuckets(key, stale);
    return counts;
  }

  /**
   * Gives a refused request's increments back: `ADD -1` to the slots it added to, one UpdateItem per key, in
   * parallel. Not retried on an ambiguous failure, like the increments; a failure is logged and leaves the count
   * one higher.
   */
  async #release(taken: ReadonlyArray<{ key: CounterKey; slots: Map<number, string> }>): Promise<void> {
    await Promise.all(
      taken.map(async ({ key, slots }) => {
        const names = Object.fromEntries([...slots.values()].map((attribute, i) => [`#w${i}`, attribute]));
        try {
          await this.client.send(
            new UpdateItemCommand({
              TableName: this.tableName,
              Key: keyOf(counterKey(key.kind, key.value)),
              UpdateExpression: `ADD ${Object.keys(names)
                .map((name) => `${name} :minusOne`)
                .join(', ')}`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: { ':minusOne': { N: '-1' } },
            }),
          );
        } catch (error) {
          logger.warn("A refused request's count was not given back; it counts as if it had been sent", {
            kind: key.kind,
            errorName: errorName(error),
          });
        }
      }),
    );
  }

  /** Removes past buckets of one key's item, in the background: a failure only leaves them for the next time. */
  #removeBuckets(key: CounterKey, stale: readonly string[]): void {
    const names = Object.fromEntries(stale.map((name, i) => [`#s${i}`, name]));
    const cleanup = this.client
      .send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(counterKey(key.kind, key.value)),
          UpdateExpression: `REMOVE ${Object.keys(names).join(', ')}`,
          ExpressionAttributeNames: names,
        }),
      )
      .then(
        () => {},
        (error: unknown) => logger.debug('Past counter buckets not removed', { errorName: errorName(error) }),
      )
      .finally(() => this.#cleanups.delete(cleanup));
    this.#cleanups.add(cleanup);
  }

  /** Resolves when the background removals of past buckets started so far have finished (tests, shutdown). */
  public async settled(): Promise<void> {
    await Promise.all([...this.#cleanups]);
  }

  public async current(): Promise<AbuseListSnapshot> {
    const now = this.#now();
    const cached = this.#lists;
    if (cached && now - cached.readAt < this.#maxAgeMs) return cached.snapshot;
    if (cached && this.#failedAt !== undefined && now - this.#failedAt < RETRY_AFTER_FAILURE_MS) {
      return cached.snapshot;
    }
    // Concurrent requests of a cold or expired cache share one Query.
    this.#reading ??= this.#read(now).finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #read(now: number): Promise<AbuseListSnapshot> {
    try {
      const snapshot = await this.#query();
      this.#lists = { snapshot, readAt: now };
      this.#failedAt = undefined;
      return snapshot;
    } catch (error) {
      this.#failedAt = now;
      const last = this.#lists;
      logger.warn("Abuse guard's table unreachable; using the last lists read, if any", {
        cached: last !== undefined,
        errorName: errorName(error),
      });
      if (last) return last.snapshot;
      throw new AbuseStoreUnavailableError(errorName(error), { cause: error });
    }
  }

  async #query(): Promise<AbuseListSnapshot> {
    const allow = new Map<string, number | undefined>();
    const deny: Array<{ value: string; expiresAt?: number }> = [];
    // The operators' lists and the sweep's low-conversion denies, side by side.
    const partitions = await Promise.all(LIST_PARTITIONS.map((partition) => this.#queryPartition(partition)));
    partitions.forEach((items, i) => {
      for (const item of items) {
        const entry = listEntryOf(item.sk?.S ?? '', LIST_PARTITIONS[i]);
        if (!entry) continue;
        const expires = Number(item.expiresAt?.N);
        const expiresAt = Number.isFinite(expires) ? expires : undefined;
        if (entry.list === 'allow') allow.set(entry.value, expiresAt);
        else deny.push({ value: entry.value, ...(expiresAt === undefined ? {} : { expiresAt }) });
      }
    });
    return { allow, deny };
  }

  async #queryPartition(partition: string): Promise<Array<Record<string, AttributeValue>>> {
    const items: Array<Record<string, AttributeValue>> = [];
    let startKey: Record<string, AttributeValue> | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
      const { Items, LastEvaluatedKey } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ProjectionExpression: '#sk, expiresAt',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':pk': { S: partition } },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(Items ?? []));
      startKey = LastEvaluatedKey;
      if (!startKey) break;
    }
    return items;
  }
}

// Imported here, with the additions of issue 15, so the top of the file stays as the counters' owner left it.
import { PutItemCommand } from '@aws-sdk/client-dynamodb';

export { LOW_CONVERSION_REASON } from '../domain/abuse-table.js';

/**
 * Writes the sweep's deny entry for a low-conversion prefix (`pk = list#low-conversion`, `sk = deny#<prefix>`,
 * `expiresAt`, `reason`/`note` `low-conversion`), which the guard reads beside the operators' lists. It never touches
 * an operator's own entry (another partition: the sweep's role may write only its own); an earlier low-conversion
 * entry of the prefix is replaced, its expiry extended.
 *
 * @param client - DynamoDB client
 * @param tableName - the abuse table
 * @param prefix - E.164 prefix (`+` and digits)
 * @param entry - when it expires (epoch seconds) and when it was made
 */
export async function putLowConversionDeny(
  client: DynamoDBClient,
  tableName: string,
  prefix: string,
  entry: { expiresAt: number; createdAt: Date },
): Promise<void> {
  await client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: {
        ...keyOf(lowConversionDenyKey(prefix)),
        expiresAt: { N: String(entry.expiresAt) },
        createdAt: { S: entry.createdAt.toISOString() },
        reason: { S: LOW_CONVERSION_REASON },
        note: { S: LOW_CONVERSION_REASON },
      },
    }),
  );
}
