/**
 * Who signs in during a load run: a new Okta user, a phone number of its own and a client IP for every request, as
 * real sign-ins look to the abuse guard (per number, per user, and for enrolments per IP and per number prefix).
 * Reusing the fixtures' few numbers, users and address would trip the guard's limits within seconds and measure
 * its refusals instead of the hook.
 *
 * Numbers are derived from the run's seed and the request's `eventId` ({@link destinationFor}), so the runner can
 * recompute every number a run used and search the stack's output for it, without any number being written down.
 * They are valid numbers (libphonenumber's full metadata: mobile, or fixed-line-or-mobile where a country does not
 * tell them apart) with random subscriber digits: fictional for the run's purposes, but not reserved ranges, so they
 * go only to the local stack or to a stage whose messaging is a stand-in (`--fixture-numbers`).
 */
import { randomBytes } from 'node:crypto';
import { parsePhoneNumberFromString as parseAsTheHook } from 'libphonenumber-js';
import {
  type CountryCode,
  getCountryCallingCode,
  getExampleNumber,
  parsePhoneNumberFromString as parseFull,
} from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { pick, seededRandom, type Weighted } from './random.js';

/**
 * Destination countries of the normal mix: all of them allowed by the stack's default routing
 * (`service/templates/config.json`), weighted like a US-headquartered org with staff abroad.
 */
export const COUNTRIES: Weighted<CountryCode> = [
  ['US', 45],
  ['CA', 5],
  ['GB', 10],
  ['MX', 8],
  ['ES', 5],
  ['FR', 6],
  ['DE', 6],
  ['IT', 3],
  ['PT', 2],
  ['BR', 5],
  ['JP', 3],
  ['CN', 2],
];

/** A country the default routing refuses (South Korea): the undeliverable share goes there. */
export const UNDELIVERABLE_COUNTRY: CountryCode = 'KR';

/** The types a real employee's phone has; the guard refuses premium-rate and shared-cost numbers. */
const PHONE_TYPES = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

/** Tries before giving up on a country; the hardest of {@link COUNTRIES} accepts about 1 draw in 14. */
const MAX_DRAWS = 2_000;

/**
 * True when both the hook (libphonenumber's default metadata) and the guard (full metadata, for the type) read
 * `e164` as a valid phone of `country`, of a type real phones have.
 *
 * @param e164 - e.g. `+14155550123`
 * @param country - the country it must belong to
 */
export function isRealPhoneNumber(e164: string, country?: CountryCode): boolean {
  const full = parseFull(e164);
  const asHook = parseAsTheHook(e164);
  if (!full?.isValid() || !asHook?.isValid() || full.number !== e164) return false;
  if (country && (full.country !== country || asHook.country !== country)) return false;
  return PHONE_TYPES.has(String(full.getType()));
}

/**
 * A valid phone number of `country` with random subscriber digits: the first digit of libphonenumber's example
 * mobile number (a mobile range), then random digits to the example's length, drawn until one is valid.
 *
 * @param country - ISO 3166-1 alpha-2
 * @param random - random source
 * @returns E.164
 */
export function phoneNumberIn(country: CountryCode, random: () => number): string {
  const example = getExampleNumber(country, examples);
  if (!example) throw new Error(`libphonenumber has no example mobile number for ${country}`);
  const national = String(example.nationalNumber);
  const callingCode = getCountryCallingCode(country);
  for (let draw = 0; draw < MAX_DRAWS; draw += 1) {
    let digits = national[0]!;
    while (digits.length < national.length) digits += Math.floor(random() * 10);
    const candidate = `+${callingCode}${digits}`;
    if (isRealPhoneNumber(candidate, country)) return candidate;
  }
  throw new Error(`no valid ${country} number in ${MAX_DRAWS} draws`);
}

/** What a request's number is for. */
export type DestinationKind = 'deliverable' | 'undeliverable';

/**
 * The number of one request, derived from the run's seed and its `eventId`: in a country of {@link COUNTRIES}
 * (by weight), or in {@link UNDELIVERABLE_COUNTRY}. Seven to ten subscriber digits are random, so a number rarely
 * comes twice in a run, and never the five times that trip the guard's limit per number.
 *
 * @param seed - the run's secret seed
 * @param eventId - the request's event id
 * @param kind - deliverable (normal) or undeliverable (a refused country)
 */
export function destinationFor(seed: string, eventId: string, kind: DestinationKind): string {
  const random = seededRandom(seed, `number#${eventId}`);
  const country = kind === 'undeliverable' ? UNDELIVERABLE_COUNTRY : pick(COUNTRIES, random());
  return phoneNumberIn(country, random);
}

/** Client IPv4 addresses of the normal mix: the two documentation ranges 198.51.100.0/24 and 203.0.113.0/24. */
export const CLIENT_IPV4: readonly string[] = ['198.51.100', '203.0.113'].flatMap((net) =>
  Array.from({ length: 254 }, (_, i) => `${net}.${i + 1}`),
);

/**
 * Share of IPv6 clients (from the documentation range 2001:db8::/32, each one new). With 508 IPv4 addresses
 * taking the rest, the guard's 20 enrolments per IP per hour holds for about ten minutes at 100 requests/s
 * (12 % enrolments), far beyond the default runs.
 */
export const IPV6_SHARE = 0.5;

/**
 * A client IP as Okta reports it in `data.context.request.ipAddress`. Documentation ranges only: they appear as
 * strings in payloads and are never contacted.
 *
 * @param random - random source
 */
export function clientIp(random: () => number = Math.random): string {
  if (random() < IPV6_SHARE) {
    const group = () => Math.floor(random() * 0x10000).toString(16);
    return `2001:db8:${group()}:${group()}:${group()}:${group()}:${group()}:${group()}`;
  }
  return CLIENT_IPV4[Math.floor(random() * CLIENT_IPV4.length)]!;
}

const BASE62 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * A new Okta user: a user id shaped like Okta's (`00u` and 17 characters) and a login of its own.
 *
 * @param firstName - from the fixture
 * @param lastName - from the fixture
 */
export function newUser(firstName: string, lastName: string): { userId: string; login: string } {
  const bytes = randomBytes(17);
  const id = Array.from(bytes, (b) => BASE62[b % BASE62.length]).join('');
  const name = `${firstName}.${lastName}`.toLowerCase().replace(/[^a-z0-9.]/g, '');
  return { userId: `00u${id}`, login: `${name}.${id.slice(0, 8).toLowerCase()}@example.com` };
}
