/**
 * The abuse guard's table: how its items are keyed. One definition, written by the guard's store (counters, the
 * sweep's low-conversion deny) and read and edited by `npm run abuse`, so that the tool always shows the very items
 * the guard counts in and applies: a key that changed in one place only would show the on-call engineer zeros.
 *
 * Items (`pk`/`sk`, TTL attribute `expiresAt`, epoch seconds):
 * - a key's counters: `pk = count#<kind>#<value>`, `sk = counters`; each window's slot is its own attribute,
 *   `w<windowSeconds>_<floor(now / slotSeconds)>` (see {@link slotSeconds}: the 24-hour window rolls by the hour,
 *   the others are fixed), aligned on the epoch so a slot's end is the same for the guard and the tool; a window's
 *   count is the sum of its live slots;
 * - an operator's allow or deny entry: `pk = list`, `sk = allow#<E.164>` or `deny#<E.164 or prefix>`, optional
 *   `expiresAt`, `createdAt`, `note`, `reason`;
 * - the sweep's low-conversion deny of a prefix: `pk = list#low-conversion`, `sk = deny#<prefix>`, `expiresAt`,
 *   `reason`/`note` `low-conversion`.
 *
 * Pure: no AWS, no libphonenumber.
 */

/** What a counter counts: the destination number, the Okta user, the client IP, the number's prefix. */
export type CounterKind = 'number' | 'user' | 'ip' | 'prefix';

/** One of the two lists. Deny always wins, over allow too (`abuse-guard.ts`). */
export type ListName = 'allow' | 'deny';

/** The partition of the operators' allow and deny lists: one Query reads them all. */
export const LIST_PARTITION = 'list';

/**
 * The partition of the sweep's own deny entries (low conversion): apart from the operators' lists, so that the
 * sweep's role may write only there (IAM's `dynamodb:LeadingKeys`), and the guard reads only deny entries from it.
 */
export const LOW_CONVERSION_PARTITION = 'list#low-conversion';

/** Every partition the guard reads entries from. */
export const LIST_PARTITIONS = [LIST_PARTITION, LOW_CONVERSION_PARTITION] as const;

/** Sort key of a key's counter item: one item per key, all of its windows in it, so one UpdateItem counts them. */
export const COUNTERS_SK = 'counters';

/** What every counter item's partition key starts with (the hook's UpdateItem grant is held to it). */
export const COUNTER_PARTITION_PREFIX = 'count#';

/**
 * Key of a key's counter item (`count#number#+14155550123`). The value is the key's own: a number, a user id, an
 * IP, or a number's prefix as {@link numberPrefix} makes it.
 */
export const counterKey = (kind: CounterKind, value: string) => ({
  pk: `${COUNTER_PARTITION_PREFIX}${kind}#${value}`,
  sk: COUNTERS_SK as typeof COUNTERS_SK,
});

/** Key of an operator's allow or deny entry: the entry's value is in the sort key, so writing it again replaces it. */
export const listEntryKey = (list: ListName, value: string) => ({
  pk: LIST_PARTITION as typeof LIST_PARTITION,
  sk: `${list}#${value}`,
});

/** Key of the sweep's low-conversion deny entry of a prefix. */
export const lowConversionDenyKey = (prefix: string) => ({
  pk: LOW_CONVERSION_PARTITION as typeof LOW_CONVERSION_PARTITION,
  sk: `deny#${prefix}`,
});

/**
 * Reads an entry's sort key back. Anything else is not an entry and is skipped: no other list, no value that is not
 * `+` and digits (an empty `deny#` would otherwise cover every number), and in the sweep's partition nothing but a
 * deny entry (whatever wrote it there, an allow entry never counts).
 *
 * @param sk - the item's sort key
 * @param pk - its partition (@default the operators' lists)
 */
export function listEntryOf(
  sk: string,
  pk: string = LIST_PARTITION,
): { list: ListName; value: string } | undefined {
  const separator = sk.indexOf('#');
  if (separator < 0) return undefined;
  const [list, value] = [sk.slice(0, separator), sk.slice(separator + 1)];
  if (!value.startsWith('+') || (list !== 'allow' && list !== 'deny')) return undefined;
  if (pk === LOW_CONVERSION_PARTITION && list !== 'deny') return undefined;
  if (pk !== LIST_PARTITION && pk !== LOW_CONVERSION_PARTITION) return undefined;
  return { list, value };
}

/**
 * How long one slot of a window is. The 24-hour window rolls, an hour at a time: a count falls as its oldest hour
 * leaves the window, so a number that reached its daily limit at 23:00 is free again by 23:00 the next day, hour by
 * hour, rather than locked until midnight UTC or freed by it. The shorter windows (10 minutes, an hour) are fixed:
 * they lift soon anyway, and one slot keeps their counters to one attribute.
 *
 * @param windowSeconds - the window's length
 */
export const slotSeconds = (windowSeconds: number) => (windowSeconds >= 86_400 ? 3_600 : windowSeconds);

/**
 * The slot of a window that a moment falls in. Slots are aligned on the epoch, so a slot's end is the same for the
 * guard and the tool.
 *
 * @param windowSeconds - the window's length
 * @param nowSeconds - the moment, epoch seconds
 */
export const windowSlot = (windowSeconds: number, nowSeconds: number) =>
  Math.floor(nowSeconds / slotSeconds(windowSeconds));

/** The counter item's attribute of one window's slot (`w600_2945187`, `w86400_490864`). */
export const slotAttribute = (windowSeconds: number, slot: number) => `w${windowSeconds}_${slot}`;

/** What {@link slotAttribute} names: any window's slot, current or past (past ones are removed in bulk). */
export const SLOT_ATTRIBUTE = /^w(\d+)_(\d+)$/;

/** The slots a window's count adds up at a moment: the current one and, for a rolling window, those before it. */
export function liveSlots(windowSeconds: number, nowSeconds: number): number[] {
  const current = windowSlot(windowSeconds, nowSeconds);
  const count = Math.max(1, Math.round(windowSeconds / slotSeconds(windowSeconds)));
  return Array.from({ length: count }, (_, i) => current - i);
}

/**
 * A window's count in a counter item: the sum of its live slots.
 *
 * @param item - the counter item's attributes (numbers)
 * @param windowSeconds - the window
 * @param nowSeconds - the moment, epoch seconds
 */
export function windowCount(
  item: Record<string, unknown> | undefined,
  windowSeconds: number,
  nowSeconds: number,
): number {
  let total = 0;
  for (const slot of liveSlots(windowSeconds, nowSeconds)) {
    const value = Number(item?.[slotAttribute(windowSeconds, slot)] ?? 0);
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

/**
 * When a window's count next falls (epoch seconds): the end of the current slot for a fixed window, the moment its
 * oldest slot holding a count leaves a rolling one.
 */
export function windowFallsAt(
  item: Record<string, unknown> | undefined,
  windowSeconds: number,
  nowSeconds: number,
): number {
  const slot = slotSeconds(windowSeconds);
  const live = liveSlots(windowSeconds, nowSeconds);
  const oldest = [...live].reverse().find((s) => Number(item?.[slotAttribute(windowSeconds, s)] ?? 0) > 0);
  const length = live.length;
  return ((oldest ?? (live[0] as number)) + length) * slot;
}

/** Whether a counter item's attribute is a slot no window counts any more at this moment (removable). */
export function isPastSlot(name: string, nowSeconds: number): boolean {
  const match = SLOT_ATTRIBUTE.exec(name);
  if (!match) return false;
  const windowSeconds = Number(match[1]);
  const slot = Number(match[2]);
  const live = liveSlots(windowSeconds, nowSeconds);
  return slot < (live.at(-1) as number);
}

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

/**
 * The client IP key of the per-IP limit. An IPv4 address is its own key. An IPv6 address is grouped by its /64: one
 * subscriber, one LAN or one cloud host is handed a whole /64 and can walk through its 2^64 addresses, so counting
 * each address alone would never trip. An IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) is the IPv4 address.
 * Anything that is not an IP address is kept as it is (Okta's field, a key of its own).
 *
 * @param ip - `data.context.request.ipAddress`
 */
export function ipKey(ip: string): string {
  const address = ip.trim().toLowerCase();
  if (!address.includes(':')) return address;
  const mapped = /^(?:0{0,4}:){0,5}(?:0{0,4}:)?:?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped) return mapped[1] as string;
  const withoutZone = address.split('%')[0] as string;
  const halves = withoutZone.split('::');
  if (halves.length > 2) return address;
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':'));
  const head = groupsOf(halves[0] as string);
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : [];
  // An embedded IPv4 tail (`64:ff9b::192.0.2.1`) is two groups; it never reaches the first four.
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const missing = 8 - width(head) - width(tail);
  if ((halves.length === 1 && missing !== 0) || missing < 0) return address;
  const groups = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => '0'), ...tail];
  const first = groups.slice(0, 4);
  if (first.length < 4 || !first.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return address;
  return `${first.map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** The `reason` (and `note`) of a deny entry the sweep writes for a prefix whose codes go unused. */
export const LOW_CONVERSION_REASON = 'low-conversion';
