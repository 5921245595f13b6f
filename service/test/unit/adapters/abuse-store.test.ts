// The abuse guard's table against real DynamoDB (dynalite): one UpdateItem per key with every window of that key,
// counts that include the request, a TTL that outlives the longest window, window roll-over on an injected clock,
// the allow and deny lists read once per cache period, and an unreachable table reported as such.
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createTables,
  localDynamoClient,
  type RunningDynalite,
  startDynalite,
} from '../../../local/dynalite.js';
import {
  DynamoAbuseStore,
  MAX_STALE_BUCKETS,
  putLowConversionDeny,
} from '../../../src/adapters/abuse-store.js';
import { AbuseStoreUnavailableError, type CounterKey } from '../../../src/domain/abuse-guard.js';

let db: RunningDynalite;
let tableCounter = 0;

beforeAll(async () => {
  db = await startDynalite();
});
afterAll(async () => {
  await db?.close();
});

/** A fresh abuse table, so tests never share counters. */
async function freshTable(): Promise<string> {
  tableCounter += 1;
  const abuseTable = `abuse-${tableCounter}`;
  await createTables(localDynamoClient(db.endpoint), {
    templatesTable: `templates-${tableCounter}`,
    idempotencyTable: `idempotency-${tableCounter}`,
    abuseTable,
  });
  return abuseTable;
}

/** A clock the test moves: epoch milliseconds, starting at midnight UTC (where every window begins). */
function clock(start = Date.UTC(2026, 11, 1)) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const numberKey: CounterKey = { kind: 'number', value: '+14155550123', windowsSeconds: [600, 86_400] };
const userKey: CounterKey = { kind: 'user', value: '00uyxxSknGtK8022w0g3', windowsSeconds: [3_600] };

async function item(table: string, pk: string, sk = 'counters') {
  const { Item } = await localDynamoClient(db.endpoint).send(
    new GetItemCommand({ TableName: table, Key: marshall({ pk, sk }) }),
  );
  return Item ? unmarshall(Item) : undefined;
}

describe('counters', () => {
  it('counts every window of every key, this request included, in one UpdateItem per key', async () => {
    // Prepare
    const table = await freshTable();
    const client = localDynamoClient(db.endpoint);
    const send = vi.spyOn(client, 'send');
    const store = new DynamoAbuseStore(client, table, { now: clock().now });

    // Act
    const first = await store.increment([numberKey, userKey]);
    const second = await store.increment([numberKey, userKey]);

    // Assess
    expect(first.counts.map((counts) => Object.fromEntries(counts))).toEqual([
      { 600: 1, 86400: 1 },
      { 3600: 1 },
    ]);
    expect(second.counts.map((counts) => Object.fromEntries(counts))).toEqual([
      { 600: 2, 86400: 2 },
      { 3600: 2 },
    ]);
    expect(send.mock.calls.map(([command]) => command.constructor.name)).toEqual(
      Array(4).fill('UpdateItemCommand'),
    );
  });

  it('writes the documented item: count#<kind>#<value>, one w<window>_<slot> attribute per window (24 h by the hour)', async () => {
    // Prepare
    const table = await freshTable();
    const time = clock(Date.UTC(2026, 11, 1, 12, 34, 56));
    const store = new DynamoAbuseStore(localDynamoClient(db.endpoint), table, { now: time.now });
    const nowSeconds = time.now() / 1000;

    // Act
    await store.increment([numberKey]);

    // Assess
    expect(await item(table, 'count#number#+14155550123')).toEqual({
      pk: 'count#number#+14155550123',
      sk: 'counters',
      [`w600_${Math.floor(nowSeconds / 600)}`]: 1,
      [`w86400_${Math.floor(nowSeconds / 3_600)}`]: 1,
      expiresAt: nowSeconds + 86_400,
    });
  });

  it('sets the TTL to the longest window of the key from the latest request', async () => {
    // Prepare
    const table = await freshTable();
    const time = clock();
    const store = new DynamoAbuseStore(localDynamoClient(db.endpoint), table, { now: time.now });
    await store.increment([userKey]);

    // Act
    time.advance(1_800_000);
    await store.increment([userKey]);

    // Assess
    expect((await item(table, 'count#user#00uyxxSknGtK8022w0g3'))?.expiresAt).toBe(time.now() / 1000 + 3_600);
  });

  it('starts each window again from 1 when the clock crosses into its next bucket, and the others keep counting', async () => {
    // Prepare
    const table = await freshTable();
    const time = clock();
    const store = new DynamoAbuseStore(localDynamoClient(db.endpoint), table, { now: time.now });
    for (let i = 0; i < 5; i += 1) await store.increment([numberKey]);

    // Act: 9 min 59 s later, still the first 10-minute bucket; then 1 s later, the next one.
    time.advance(599_000);
    const sameWindow = await store.increment([numberKey]);
    time.advance(1_000);
    const nextWindow = await store.increment([numberKey]);

    // Assess
    expect(Object.fromEntries(sameWindow.counts[0]!)).toEqual({ 600: 6, 86400: 6 });
    expect(Object.fromEntries(nextWindow.counts[0]!)).toEqual({ 600: 1, 86400: 7 });
  });

  it('keeps a number used twice a day for a year to a handful of attributes, and its counts right', async () => {
    // Prepare
    const table = await freshTable();
    const time = clock();
    const store = new DynamoAbuseStore(localDynamoClient(db.endpoint), table, { now: time.now });

    // Act: two sign-ins a day, 9 hours apart, for 365 days (the item never goes 24 h without a write).
    let last: ReadonlyArray<ReadonlyMap<number, number>> = [];
    for (let day = 0; day < 365; day += 1) {
      last = (await store.increment([numberKey])).counts;
      time.advance(9 * 3600_000);
      last = (await store.increment([numberKey])).counts;
      time.advance(15 * 3600_000);
    }
    await store.settled();

    // Assess: at most MAX_STALE_BUCKETS past slots besides the live ones (the current 10 minutes, two hours of the
    // last 24), and the latest counts are the last 24 hours'.
    const stored = await item(table, 'count#number#+14155550123');
    const slots = Object.keys(stored ?? {}).filter((name) => /^w\d+_\d+$/.test(name));
    expect(slots.length).toBeLessThanOrEqual(MAX_STALE_BUCKETS + 3);
    expect(Object.fromEntries(last[0]!)).toEqual({ 600: 1, 86400: 2 });
  });

  it('counts concurrent requests exactly, as atomic counters do', async () => {
    // Prepare
    const table = await freshTable();
    const store = new DynamoAbuseStore(localDynamoClient(db.endpoint), table, { now: clock().now });

    // Act
    const results = await Promise.all(Array.from({ length: 20 }, () => store.increment([userKey])));

    // Assess
    const counts = results.map((r) => r.counts[0]!.get(3_600)).sort((a, b) => a! - b!);
    expect(counts).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("gives a refused request's increments back, in the very slots it added to, also when the clock moved on", async () => {
    // Prepare
    const table = await freshTable();
    const time = clock(Date.UTC(2026, 11, 1, 12, 9, 59));
    const store = new DynamoAbuseStore(localDynamoClient(db.endpoint), table, { now: time.now });
    await store.increment([numberKey]);
    const refused = await store.increment([numberKey]);

    // Act: the give-back runs a second later, in the next 10-minute window
    time.advance(1_000);
    await refused.release();
    const next = await store.increment([numberKey]);

    // Assess
    expect(Object.fromEntries(refused.counts[0]!)).toEqual({ 600: 2, 86400: 2 });
    expect(Object.fromEntries(next.counts[0]!)).toEqual({ 600: 1, 86400: 2 });
  });

  it('reports an unreachable table as AbuseStoreUnavailableError with the cause', async () => {
    // Prepare: a table that does not exist.
    const store = new DynamoAbuseStore(localDynamoClient(db.endpoint), 'no-such-abuse-table');

    // Act
    const error = await store.increment([numberKey]).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AbuseStoreUnavailableError);
    expect((error as AbuseStoreUnavailableError).causeName).toBe('ResourceNotFoundException');
  });
});

describe('lists', () => {
  async function put(table: string, sk: string, extra: Record<string, unknown> = {}, pk = 'list') {
    await localDynamoClient(db.endpoint).send(
      new PutItemCommand({
        TableName: table,
        Item: marshall({ pk, sk, createdAt: '2026-12-01T00:00:00.000Z', ...extra }),
      }),
    );
  }

  it("reads the sweep's low-conversion denies beside the operators' lists, and never an allow entry from there", async () => {
    // Prepare
    const table = await freshTable();
    await putLowConversionDeny(localDynamoClient(db.endpoint), table, '+4479001', {
      expiresAt: 1_900_000_000,
      createdAt: new Date(Date.UTC(2026, 11, 1)),
    });
    await put(table, 'allow#+4479001123', {}, 'list#low-conversion');
    await put(table, 'deny#+1900');

    // Act
    const lists = await new DynamoAbuseStore(localDynamoClient(db.endpoint), table).current();

    // Assess
    expect(lists.deny).toEqual([{ value: '+1900' }, { value: '+4479001', expiresAt: 1_900_000_000 }]);
    expect([...lists.allow]).toEqual([]);
  });

  it('reads allow and deny entries with their expiry, and skips anything else in the partition', async () => {
    // Prepare
    const table = await freshTable();
    await put(table, 'allow#+14155550100', { note: 'on-call phone' });
    await put(table, 'allow#+14155550101', { expiresAt: 1_900_000_000 });
    await put(table, 'deny#+1900');
    await put(table, 'deny#+447700900123', { expiresAt: 1_900_000_000 });
    await put(table, 'other#thing');
    const store = new DynamoAbuseStore(localDynamoClient(db.endpoint), table);

    // Act
    const lists = await store.current();

    // Assess
    expect([...lists.allow]).toEqual([
      ['+14155550100', undefined],
      ['+14155550101', 1_900_000_000],
    ]);
    expect(lists.deny).toEqual([{ value: '+1900' }, { value: '+447700900123', expiresAt: 1_900_000_000 }]);
  });

  it('reads the lists once per cache period (a Query of each list partition): a warm request reads none', async () => {
    // Prepare
    const table = await freshTable();
    await put(table, 'deny#+1900');
    const client = localDynamoClient(db.endpoint);
    const send = vi.spyOn(client, 'send');
    const time = clock();
    const store = new DynamoAbuseStore(client, table, { now: time.now, listMaxAgeSeconds: 60 });

    // Act
    await Promise.all(Array.from({ length: 10 }, () => store.current()));
    for (let i = 0; i < 50; i += 1) await store.current();
    const warmCalls = send.mock.calls.length;
    await put(table, 'deny#+1976');
    time.advance(61_000);
    const refreshed = await store.current();

    // Assess
    // The operators' lists and the sweep's low-conversion denies, one Query each.
    expect(warmCalls).toBe(2);
    expect(send.mock.calls.length).toBe(4);
    expect(refreshed.deny.map((entry) => entry.value)).toEqual(['+1900', '+1976']);
  });

  it('keeps serving the last lists read when the table becomes unreachable', async () => {
    // Prepare
    const table = await freshTable();
    await put(table, 'deny#+1900');
    const client = localDynamoClient(db.endpoint);
    const time = clock();
    const store = new DynamoAbuseStore(client, table, { now: time.now, listMaxAgeSeconds: 60 });
    await store.current();
    vi.spyOn(client, 'send').mockRejectedValue(
      Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }),
    );

    // Act
    time.advance(61_000);
    const stale = await store.current();

    // Assess
    expect(stale.deny).toEqual([{ value: '+1900' }]);
  });

  it('reports unreachable lists with nothing cached as AbuseStoreUnavailableError', async () => {
    const store = new DynamoAbuseStore(localDynamoClient(db.endpoint), 'no-such-abuse-table');
    await expect(store.current()).rejects.toBeInstanceOf(AbuseStoreUnavailableError);
  });
});
