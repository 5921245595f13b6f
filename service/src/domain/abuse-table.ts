/**
 * The abuse guard's table: how its items are keyed. One definition, written by the guard's store (counters, the
 * sweep's low-conversion deny) and read and edited by `npm run abuse`, so that the tool always shows the very items
 * the guard counts in and applies: a key that changed in one place only would show the on-call engineer zeros.
 *
 * Items (`pk`/`sk`, TTL attribute `expiresAt`, epoch seconds):
 * - a key's counters: `pk = count#<kind>#<value>`, `sk = counters`; each window bucket is its own attribute,
 *   `w<windowSeconds>_<floor(now / windowSeconds)>`: fixed windows aligned on the epoch, so a bucket's end is the
 *   same for the guard and the tool;
 * - an allow or deny entry: `pk = list`, `sk = allow#<E.164>` or `deny#<E.164 or prefix>`, optional `expiresAt`,
 *   `createdAt`, `note`, `reason`.
 *
 * Pure: no AWS, no libphonenumber.
 */

/** What a counter counts: the destination number, the Okta user, the client IP, the number's prefix. */
export type CounterKind = 'number' | 'user' | 'ip' | 'prefix';

/** One of the two lists. Deny always wins, over allow too (`abuse-guard.ts`). */
export type ListName = 'allow' | 'deny';

/** The partition of the allow and deny lists: one Query reads them all. */
export const LIST_PARTITION = 'list';

/** Sort key of a key's counter item: one item per key, all of its windows in it, so one UpdateItem counts them. */
export const COUNTERS_SK = 'counters';

/**
 * Key of a key's counter item (`count#number#+14155550123`). The value is the key's own: a number, a user id, an
 * IP, or a number's prefix as {@link numberPrefix} makes it.
 */
export const counterKey = (kind: CounterKind, value: string) => ({
  pk: `count#${kind}#${value}`,
  sk: COUNTERS_SK as typeof COUNTERS_SK,
});

/** Key of an allow or deny entry: the entry's value is in the sort key, so writing it again replaces it. */
export const listEntryKey = (list: ListName, value: string) => ({
  pk: LIST_PARTITION as typeof LIST_PARTITION,
  sk: `${list}#${value}`,
});

/**
 * Reads a `list` item's sort key back. Anything else is not an entry and is skipped: no other list, and no value that
 * is not `+` and digits (an empty `deny#` would otherwise cover every number).
 */
export function listEntryOf(sk: string): { list: ListName; value: string } | undefined {
  const separator = sk.indexOf('#');
  if (separator < 0) return undefined;
  const [list, value] = [sk.slice(0, separator), sk.slice(separator + 1)];
  if (!value.startsWith('+') || (list !== 'allow' && list !== 'deny')) return undefined;
  return { list, value };
}

/**
 * The bucket of a window that a moment falls in. Windows are fixed, not sliding: a count starts again at each
 * multiple of the window since the epoch, so the bucket's end is when a tripped limit lifts.
 *
 * @param windowSeconds - the window's length
 * @param nowSeconds - the moment, epoch seconds
 */
export const windowBucket = (windowSeconds: number, nowSeconds: number) =>
  Math.floor(nowSeconds / windowSeconds);

/** The counter item's attribute of one window's bucket (`w600_2945187`). */
export const bucketAttribute = (windowSeconds: number, bucket: number) => `w${windowSeconds}_${bucket}`;

/** What {@link bucketAttribute} names: any window's bucket, current or past (past ones are removed in bulk). */
export const BUCKET_ATTRIBUTE = /^w\d+_\d+$/;

/** How many digits the guard drops from a number to get its prefix key: a range of 1,000 numbers. */
export const PREFIX_DROPPED_DIGITS = 3;

/**
 * The number's prefix for the prefix limit: the E.164 number without its last {@link PREFIX_DROPPED_DIGITS} digits
 * (`+14155550123` → `+14155550`), a range of 1,000 numbers, as pumping scripts walk through a range an attacker
 * leases. Also the prefix the messages table counts conversion by, and the sweep denies.
 *
 * @param e164 - the destination, E.164
 */
export function numberPrefix(e164: string): string {
  return e164.slice(0, -PREFIX_DROPPED_DIGITS);
}

/** The `reason` (and `note`) of a deny entry the sweep writes for a prefix whose codes go unused. */
export const LOW_CONVERSION_REASON = 'low-conversion';
