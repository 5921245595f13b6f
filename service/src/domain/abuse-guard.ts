/**
 * The abuse guard (SMS pumping, toll fraud): which counters a request moves, which limits, lists and number types
 * refuse it, and which reason wins. No AWS here: counters and lists come through the {@link AbuseCounters} and
 * {@link AbuseLists} ports (the guard's own DynamoDB table in AWS, dynalite locally, fakes in unit tests).
 *
 * The rules, in the order they are applied:
 * 1. A request without a valid number is not guarded: validation refuses it first, and nothing is counted.
 * 2. A number whose type is refused (premium-rate, shared-cost by default) is refused as `number_type`, before any
 *    table is read: no list and no outage changes that.
 * 3. A denied number (`denied_number`), or a number under a denied prefix (`denied_prefix`), is refused. Deny
 *    always wins, over allow too.
 * 4. An allow-listed number (testers, on-call phones) skips the velocity limits.
 * 5. Otherwise the velocity limits: every counter of the request is incremented first (the count includes this
 *    request), then compared; when several trip, the first of {@link VELOCITY_RULES} is the reason and all are
 *    listed. A refused request gives back what it took (its increments are undone), so refusals never use up a
 *    window's budget: a user who keeps retrying past the 10-minute limit does not walk into the 24-hour one, and
 *    nobody can lock a victim's number out with requests the guard refuses anyway. The 24-hour window rolls by the
 *    hour (`abuse-table.ts`); the client IP counts by IPv6 /64 ({@link ipKey}).
 * When the table cannot be read or written (and no copy of the lists is cached), the verdict is `unavailable`:
 * the caller delivers (fail open) and counts it.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import {
  type AbuseLimits,
  type AbuseReason,
  type NumberType,
  VELOCITY_REASONS,
  type VelocityReason,
} from './abuse-settings.js';
import { type CounterKind, ipKey, numberPrefix } from './abuse-table.js';
import type { DeliveryRequest } from './hook-request.js';

export {
  type AbuseLimits,
  DEFAULT_ABUSE_LIMITS,
  DEFAULT_REFUSED_NUMBER_TYPES,
  NUMBER_TYPES,
  type NumberType,
} from './abuse-settings.js';

/** Okta's request type for a new enrolment: the flow pumping scripts use, so it also carries IP and prefix limits. */
export const PRE_ENROLLMENT_REQUEST_TYPE = 'com.okta.user.telephony.pre-enrollment';

export {
  ABUSE_REASONS,
  type AbuseReason,
  VELOCITY_REASONS,
  type VelocityReason,
} from './abuse-settings.js';
export { type CounterKind, numberPrefix } from './abuse-table.js';

/** One velocity limit: what it counts, over which window, which setting holds it, which requests it applies to. */
export type VelocityRule = {
  reason: VelocityReason;
  kind: CounterKind;
  windowSeconds: number;
  setting: keyof AbuseLimits;
  preEnrollmentOnly: boolean;
};

/** Every velocity limit, in precedence order (the order of {@link VELOCITY_REASONS}). */
export const VELOCITY_RULES: readonly VelocityRule[] = [
  {
    reason: 'number_10m',
    kind: 'number',
    windowSeconds: 600,
    setting: 'numberPer10Minutes',
    preEnrollmentOnly: false,
  },
  {
    reason: 'number_24h',
    kind: 'number',
    windowSeconds: 86_400,
    setting: 'numberPer24Hours',
    preEnrollmentOnly: false,
  },
  { reason: 'user_1h', kind: 'user', windowSeconds: 3_600, setting: 'userPerHour', preEnrollmentOnly: false },
  { reason: 'ip_1h', kind: 'ip', windowSeconds: 3_600, setting: 'ipPerHour', preEnrollmentOnly: true },
  {
    reason: 'prefix_1h',
    kind: 'prefix',
    windowSeconds: 3_600,
    setting: 'prefixPerHour',
    preEnrollmentOnly: true,
  },
];

/** How the guard judges (`blockedAnswer`, how Okta is answered, is the delivery's business). */
export type AbuseSettings = {
  limits: AbuseLimits;
  refusedNumberTypes: readonly NumberType[];
};

/** A counter item to increment: one per key, all of its windows in one write. */
export type CounterKey = { kind: CounterKind; value: string; windowsSeconds: readonly number[] };

/** What one request took from its counters. */
export type CounterTake = {
  /** Each key's counts by window (seconds), this request included, in the order of the keys. */
  counts: ReadonlyArray<ReadonlyMap<number, number>>;
  /**
   * Gives back what the request took (a refused request): undoes its increments, in the very slots it added to.
   * Never throws: a give-back that fails leaves the count one higher, as if the request had counted.
   */
  release(): Promise<void>;
};

/** Port: the counters. Thrown {@link AbuseStoreUnavailableError} means the table could not be reached. */
export interface AbuseCounters {
  /** Increments every window of every key at once and resolves the new counts, and how to give them back. */
  increment(keys: readonly CounterKey[]): Promise<CounterTake>;
}

/** The allow and deny lists as read; `expiresAt` (epoch seconds) is checked here too, as TTL deletion is late. */
export type AbuseListSnapshot = {
  /** Allow-listed E.164 numbers, each with its expiry, if any. */
  allow: ReadonlyMap<string, number | undefined>;
  /** Denied E.164 numbers and prefixes (`+` and digits): a destination that starts with one is denied. */
  deny: ReadonlyArray<{ value: string; expiresAt?: number }>;
};

/** Port: the lists, cached by the adapter. Thrown {@link AbuseStoreUnavailableError}: unreachable, nothing cached. */
export interface AbuseLists {
  current(): Promise<AbuseListSnapshot>;
}

/** The guard's table could not be read or written inside the budget; `causeName` says why (`TimeoutError`…). */
export class AbuseStoreUnavailableError extends Error {
  public override readonly name = 'AbuseStoreUnavailableError';
  constructor(
    public readonly causeName: string,
    options?: { cause?: unknown },
  ) {
    super(`The abuse guard's table is unavailable (${causeName})`, options);
  }
}

/** The guard's answer for one request. */
export type AbuseVerdict =
  | { verdict: 'allow'; allowListed: boolean }
  | { verdict: 'refuse'; reason: AbuseReason; reasons: readonly AbuseReason[] }
  | { verdict: 'unavailable'; causeName: string };

/** Port of the delivery: judges one request (see {@link AbuseGuard}). Throws only on bugs. */
export interface AbuseCheck {
  check(request: DeliveryRequest): Promise<AbuseVerdict>;
  /**
   * Gives back what an allowed `check` of this very request counted: the request was not delivered after all (a
   * replay found by the idempotency claim the guard ran beside). Never throws; a lost give-back leaves the count one
   * higher, never lower.
   */
  giveBack?(request: DeliveryRequest): Promise<void>;
}

/**
 * The number's type, when it is one of `refused`. libphonenumber's full ('max') metadata knows the types; a number
 * it reads as valid with the default metadata but not with the full one (a rare, stricter pattern) has no type and
 * is not refused.
 *
 * @param e164 - the destination, E.164
 * @param refused - the refused types (`ABUSE_REFUSED_NUMBER_TYPES`)
 */
export function refusedNumberType(
  e164: string,
  refused: readonly (NumberType | undefined)[],
): NumberType | undefined {
  if (refused.length === 0) return undefined;
  const type = parsePhoneNumberFromString(e164)?.getType();
  return type && refused.includes(type) ? type : undefined;
}

/**
 * The counters a request moves: its number, its user, and for a pre-enrolment its client IP and number prefix,
 * each with the windows whose limit is on. A key whose windows are all off, or whose value Okta did not send, is
 * left out.
 *
 * @param request - a request with a valid number
 * @param limits - the limits
 */
export function counterKeys(request: DeliveryRequest, limits: AbuseLimits): CounterKey[] {
  if (!request.phone) return [];
  const preEnrollment = request.requestType === PRE_ENROLLMENT_REQUEST_TYPE;
  const values: Record<CounterKind, string | undefined> = {
    number: request.phone,
    user: request.userId,
    ip: request.clientIp === undefined ? undefined : ipKey(request.clientIp),
    prefix: numberPrefix(request.phone),
  };
  const keys = new Map<CounterKind, number[]>();
  for (const rule of VELOCITY_RULES) {
    if (limits[rule.setting] <= 0 || (rule.preEnrollmentOnly && !preEnrollment) || !values[rule.kind])
      continue;
    keys.set(rule.kind, [...(keys.get(rule.kind) ?? []), rule.windowSeconds]);
  }
  return [...keys].map(([kind, windowsSeconds]) => ({
    kind,
    value: values[kind] as string,
    windowsSeconds,
  }));
}

/**
 * Whether a list entry still applies. Its `expiresAt` is checked here rather than left to DynamoDB's TTL, which
 * deletes expired items up to days late. `npm run abuse` shows an entry as expired by the same rule.
 *
 * @param expiresAt - the entry's expiry, epoch seconds; none = never
 * @param nowSeconds - epoch seconds
 */
export const isLive = (expiresAt: number | undefined, nowSeconds: number) =>
  expiresAt === undefined || expiresAt > nowSeconds;

/**
 * Whether a deny entry covers a destination: a number is denied by its own entry and by any prefix of it. Exported
 * so that `npm run abuse` lists the entries the guard would apply, expired ones included.
 *
 * @param entry - the deny entry's value, E.164 number or prefix
 * @param destination - E.164 number (or, for the tool, a prefix: the numbers under it)
 */
export const denyCovers = (entry: string, destination: string) => destination.startsWith(entry);

/** `denied_number` for an exact entry, `denied_prefix` for a shorter one, or nothing. */
function deniedReason(
  phone: string,
  lists: Pick<AbuseListSnapshot, 'deny'>,
  nowSeconds: number,
): AbuseReason | undefined {
  let reason: AbuseReason | undefined;
  for (const entry of lists.deny) {
    if (!isLive(entry.expiresAt, nowSeconds) || !denyCovers(entry.value, phone)) continue;
    if (entry.value === phone) return 'denied_number';
    reason = 'denied_prefix';
  }
  return reason;
}

function isAllowListed(phone: string, lists: Pick<AbuseListSnapshot, 'allow'>, nowSeconds: number): boolean {
  return lists.allow.has(phone) && isLive(lists.allow.get(phone), nowSeconds);
}

/**
 * What the lists alone decide for a number (rules 3 and 4): refused when denied, deny winning over allow, allowed
 * past the velocity limits when allow-listed, else nothing (the velocity limits decide). Exported so that
 * `npm run abuse -- status` predicts the guard's verdict by the guard's own precedence, not a copy of it.
 *
 * @param phone - the destination, E.164
 * @param lists - the lists as read
 * @param nowSeconds - epoch seconds, for the entries' expiry
 */
export function listVerdict(
  phone: string,
  lists: AbuseListSnapshot,
  nowSeconds: number,
): Exclude<AbuseVerdict, { verdict: 'unavailable' }> | undefined {
  const denied = deniedReason(phone, lists, nowSeconds);
  if (denied) return { verdict: 'refuse', reason: denied, reasons: [denied] };
  if (isAllowListed(phone, lists, nowSeconds)) return { verdict: 'allow', allowListed: true };
  return undefined;
}

/**
 * Whether a count trips a limit: over it, not at it, as the count includes the request judged; 0 turns the limit
 * off. `npm run abuse` asks it of the next request (the count plus one).
 *
 * @param count - the window's count, the request judged included
 * @param limit - the limit in force
 */
export const overLimit = (count: number, limit: number) => limit > 0 && count > limit;

/** The velocity reasons whose limit the counts exceed, in precedence order. */
function trippedReasons(
  keys: readonly CounterKey[],
  counts: ReadonlyArray<ReadonlyMap<number, number>>,
  limits: AbuseLimits,
): VelocityReason[] {
  const countOf = (kind: CounterKind, windowSeconds: number) => {
    const index = keys.findIndex((key) => key.kind === kind);
    return index < 0 ? undefined : counts[index]?.get(windowSeconds);
  };
  return VELOCITY_RULES.filter((rule) => {
    const count = countOf(rule.kind, rule.windowSeconds);
    return count !== undefined && overLimit(count, limits[rule.setting]);
  }).map((rule) => rule.reason);
}

const refuse = (reason: AbuseReason, reasons: readonly AbuseReason[] = [reason]): AbuseVerdict => ({
  verdict: 'refuse',
  reason,
  reasons,
});

/** Dependencies of {@link AbuseGuard}. */
export type AbuseGuardDeps = {
  counters: AbuseCounters;
  lists: AbuseLists;
  settings: AbuseSettings;
  /** Clock (ms since epoch), for list expiries. @default Date.now */
  now?: () => number;
};

/**
 * The guard (rules in this module's header). The lists and the counters are asked in parallel, so a request costs
 * one round trip to the table at most, and none for the lists while their cached copy is fresh.
 */
export class AbuseGuard implements AbuseCheck {
  readonly #deps: AbuseGuardDeps;
  /** What each allowed request counted, until it is given back or the request is gone. */
  readonly #taken = new WeakMap<DeliveryRequest, CounterTake>();

  constructor(deps: AbuseGuardDeps) {
    this.#deps = deps;
  }

  /**
   * Judges one request. Resolves `unavailable` when the table is unreachable; throws only on bugs.
   *
   * @param request - the validated request (checked beside the idempotency claim: a replay's counts are given back
   *   with {@link giveBack})
   */
  public async check(request: DeliveryRequest): Promise<AbuseVerdict> {
    const { counters, lists, settings } = this.#deps;
    const phone = request.phone;
    if (!phone) return { verdict: 'allow', allowListed: false };
    if (refusedNumberType(phone, settings.refusedNumberTypes)) return refuse('number_type');
    const keys = counterKeys(request, settings.limits);
    const [listed, counted] = await Promise.allSettled([
      lists.current(),
      keys.length > 0 ? counters.increment(keys) : Promise.resolve(undefined),
    ]);
    const take = counted.status === 'fulfilled' ? counted.value : undefined;
    const nowSeconds = (this.#deps.now ?? Date.now)() / 1000;
    if (listed.status === 'rejected') return unavailable(listed.reason, counted);
    const byList = listVerdict(phone, listed.value, nowSeconds);
    // A refusal gives back what it took; an allow-listed number keeps its count (it was sent to).
    if (byList?.verdict === 'refuse') return givenBack(byList, take);
    if (byList) return this.#kept(request, byList, take);
    if (counted.status === 'rejected') return unavailable(counted.reason);
    const tripped = take ? trippedReasons(keys, take.counts, settings.limits) : [];
    const [first] = tripped;
    return first
      ? givenBack(refuse(first, tripped), take)
      : this.#kept(request, { verdict: 'allow', allowListed: false }, take);
  }

  public async giveBack(request: DeliveryRequest): Promise<void> {
    const take = this.#taken.get(request);
    this.#taken.delete(request);
    await take?.release().catch(() => undefined);
  }

  /** An allowed request's counts stand, and are kept for {@link giveBack}. */
  #kept(request: DeliveryRequest, verdict: AbuseVerdict, take: CounterTake | undefined): AbuseVerdict {
    if (take) this.#taken.set(request, take);
    return verdict;
  }
}

/** A refusal, once the request's counts are given back: refused requests never use up a window's budget. */
async function givenBack(verdict: AbuseVerdict, take: CounterTake | undefined): Promise<AbuseVerdict> {
  await take?.release();
  return verdict;
}

/** An outage becomes `unavailable`; anything else is a bug and is thrown (after the other call settled). */
function unavailable(error: unknown, other?: PromiseSettledResult<unknown>): AbuseVerdict {
  if (!(error instanceof AbuseStoreUnavailableError)) throw error;
  if (other?.status === 'rejected' && !(other.reason instanceof AbuseStoreUnavailableError))
    throw other.reason;
  return { verdict: 'unavailable', causeName: error.causeName };
}
