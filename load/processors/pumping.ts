/**
 * The SMS pumping attack of `npm run load:local -- --scenario pumping`: a script enrolling new users to numbers of
 * one range an attacker leases (one E.164 prefix, the last three digits walking through it), from a few client IPs.
 * The guard's prefix limit (20 per hour for enrolments) should let about 20 of them through and refuse the rest,
 * while the normal mix beside it is never refused.
 *
 * The attacked prefix is derived from the run's seed, so the runner knows it (to count the sends to it in the
 * outbox) without the processor writing it down.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import { isRealPhoneNumber, phoneNumberIn } from './population.js';
import { seededRandom } from './random.js';

/** Okta's request type of an enrolment: what pumping scripts drive (the guard's IP and prefix limits apply). */
export const PRE_ENROLLMENT = 'com.okta.user.telephony.pre-enrollment';

/** The country of the attacked range: allowed by the default routing, so only the guard stands in the way. */
export const ATTACK_COUNTRY: CountryCode = 'GB';

/** The attacker's client IPs: a few addresses of the documentation range 192.0.2.0/24 (never contacted). */
export const ATTACK_IPS: readonly string[] = ['192.0.2.10', '192.0.2.11', '192.0.2.12'];

/** Digits the prefix leaves out: the guard's prefix is the E.164 number without its last 3 digits. */
const RANGE_DIGITS = 3;

const prefixes = new Map<string, string>();

/**
 * The attacked prefix of a run: a range of {@link ATTACK_COUNTRY} mobile numbers whose every number (all 1,000) is
 * valid, so that no attack request is refused for its number alone.
 *
 * @param seed - the run's secret seed
 * @returns E.164 without its last 3 digits, e.g. `+4479111234`
 */
export function attackPrefix(seed: string): string {
  const known = prefixes.get(seed);
  if (known) return known;
  const random = seededRandom(seed, 'attack-prefix');
  for (;;) {
    const prefix = phoneNumberIn(ATTACK_COUNTRY, random).slice(0, -RANGE_DIGITS);
    const whole = Array.from({ length: 10 ** RANGE_DIGITS }, (_, i) =>
      isRealPhoneNumber(`${prefix}${String(i).padStart(RANGE_DIGITS, '0')}`, ATTACK_COUNTRY),
    ).every(Boolean);
    if (whole) {
      prefixes.set(seed, prefix);
      return prefix;
    }
  }
}

/**
 * The number of one attack request: the attacked prefix and three digits derived from the `eventId`.
 *
 * @param seed - the run's secret seed
 * @param eventId - the request's event id
 */
export function attackNumber(seed: string, eventId: string): string {
  const random = seededRandom(seed, `attack#${eventId}`);
  const last = Math.floor(random() * 10 ** RANGE_DIGITS);
  return `${attackPrefix(seed)}${String(last).padStart(RANGE_DIGITS, '0')}`;
}

/**
 * One of the attacker's client IPs.
 *
 * @param random - random source
 */
export function attackIp(random: () => number = Math.random): string {
  return ATTACK_IPS[Math.floor(random() * ATTACK_IPS.length)]!;
}

/**
 * The most sends the guard should let through to the attacked prefix in one hour: the prefix limit, or the IP
 * limit of the attacker's few IPs together if that is lower (a limit of 0 is off).
 *
 * @param limits - the guard's enrolment limits
 * @returns the bound, or Infinity when both limits are off
 */
export function attackSendLimit(limits: { prefixPerHour: number; ipPerHour: number }): number {
  const bounds = [
    limits.prefixPerHour > 0 ? limits.prefixPerHour : Number.POSITIVE_INFINITY,
    limits.ipPerHour > 0 ? limits.ipPerHour * ATTACK_IPS.length : Number.POSITIVE_INFINITY,
  ];
  return Math.min(...bounds);
}
