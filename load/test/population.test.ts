// Principle: the normal mix is real sign-ins as the abuse guard sees them: every request a new user, a valid number
// of its own and one of many client IPs, so that the guard refuses none of it.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_IPV4,
  COUNTRIES,
  clientIp,
  destinationFor,
  isRealPhoneNumber,
  newUser,
  phoneNumberIn,
  UNDELIVERABLE_COUNTRY,
} from '../processors/population.js';
import { seededRandom } from '../processors/random.js';
import { buildHookRequest, numberOf } from '../processors/traffic.js';

const mix = { voiceShare: 0.2, undeliverableShare: 0 };
const e164 = (phone: string) => (phone.startsWith('+') ? phone : `+${phone}`);

describe('population: who signs in', () => {
  it('gives every request its own valid number, user and login', () => {
    // Prepare
    const n = 2000;

    // Act
    const requests = Array.from({ length: n }, () => buildHookRequest(mix, 'seed'));
    const numbers = requests.map((r) => e164(r.body.data.messageProfile.phoneNumber));

    // Assess
    expect(new Set(numbers).size).toBe(n);
    expect(numbers.every((phone) => isRealPhoneNumber(phone))).toBe(true);
    expect(new Set(requests.map((r) => r.body.data.userProfile?.userId)).size).toBe(n);
    expect(new Set(requests.map((r) => r.body.data.userProfile?.login)).size).toBe(n);
    expect(requests.every((r) => /^00u[0-9A-Za-z]{17}$/.test(r.body.data.userProfile?.userId ?? ''))).toBe(
      true,
    );
  });

  it('spreads the numbers over every country of the mix and over many prefixes', () => {
    // Prepare
    const numbers = Array.from({ length: 2000 }, (_, i) => destinationFor('seed', `e${i}`, 'deliverable'));

    // Act
    const countries = new Set(numbers.map((phone) => parsePhoneNumberFromString(phone)?.country));
    const prefixes = new Set(numbers.map((phone) => phone.slice(0, -3)));

    // Assess
    expect(countries).toEqual(new Set(COUNTRIES.map(([country]) => country)));
    // The guard's prefix limit (20 enrolments per prefix per hour) never comes near.
    expect(prefixes.size).toBeGreaterThan(1990);
  });

  it('draws only mobile (or fixed-line-or-mobile) numbers, never premium-rate or shared-cost ones', () => {
    const types = new Set(
      Array.from({ length: 500 }, (_, i) =>
        parsePhoneNumberFromString(destinationFor('s', `e${i}`, 'deliverable'))?.getType(),
      ),
    );

    expect([...types].every((type) => type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE')).toBe(true);
  });

  it('keeps the undeliverable share in the refused country, each request with a number of its own', () => {
    // Act
    const refused = Array.from({ length: 300 }, () =>
      buildHookRequest({ ...mix, undeliverableShare: 1 }, 's'),
    );
    const numbers = refused.map((r) => e164(r.body.data.messageProfile.phoneNumber));

    // Assess
    expect(refused.every((r) => r.expect === 'undeliverable')).toBe(true);
    expect(numbers.every((phone) => isRealPhoneNumber(phone, UNDELIVERABLE_COUNTRY))).toBe(true);
    expect(new Set(numbers).size).toBe(300);
  });

  it('recomputes each request number from the seed and the eventId, as the runner does', () => {
    // Prepare
    const requests = Array.from({ length: 200 }, (_, i) =>
      buildHookRequest({ ...mix, undeliverableShare: i % 2 ? 1 : 0 }, 'seed-1'),
    );

    // Act
    const recomputed = requests.map((r) =>
      numberOf('seed-1', r.eventId, 'normal', r.expect === 'undeliverable'),
    );

    // Assess
    expect(recomputed).toEqual(requests.map((r) => e164(r.body.data.messageProfile.phoneNumber)));
    expect(numberOf('seed-2', requests[0]!.eventId, 'normal')).not.toBe(recomputed[0]);
  });

  it("keeps each fixture's spelling of the number: the pre-enrolment fixture's has no +", () => {
    const spellings = new Set(
      Array.from({ length: 400 }, () => buildHookRequest({ ...mix, voiceShare: 0 }, 's')).map((r) =>
        r.body.data.messageProfile.phoneNumber.startsWith('+'),
      ),
    );

    expect(spellings).toEqual(new Set([true, false]));
  });

  it('sends from many client IPs, all in documentation ranges', () => {
    // Act
    const ips = Array.from(
      { length: 4000 },
      () => buildHookRequest(mix, 's').body.data.context.request.ipAddress,
    );
    const v4 = ips.filter((ip) => !ip?.includes(':'));
    const v6 = ips.filter((ip) => ip?.includes(':'));

    // Assess
    expect(v4.every((ip) => /^(198\.51\.100|203\.0\.113)\.\d{1,3}$/.test(ip!))).toBe(true);
    expect(v6.every((ip) => ip!.startsWith('2001:db8:'))).toBe(true);
    expect(new Set(v4).size).toBeGreaterThan(CLIENT_IPV4.length * 0.95);
    expect(new Set(v6).size).toBe(v6.length);
    // The busiest IPv4 address carries a few enrolments in a run, far from the guard's 20 per IP per hour.
    const perIp = new Map<string, number>();
    for (const ip of v4) perIp.set(ip!, (perIp.get(ip!) ?? 0) + 1);
    expect(Math.max(...perIp.values())).toBeLessThan(20);
  });

  it('draws a valid number of the country asked for, and an IP from the pool', () => {
    const random = seededRandom('s', 'test');

    for (const [country] of COUNTRIES)
      expect(isRealPhoneNumber(phoneNumberIn(country, random), country)).toBe(true);
    expect(CLIENT_IPV4).toContain(clientIp(() => 0.9));
    expect(CLIENT_IPV4).toHaveLength(508);
  });

  it('makes a user id shaped like Okta’s and a login of its own', () => {
    const user = newUser('Sam', 'Lee');

    expect(user.userId).toMatch(/^00u[0-9A-Za-z]{17}$/);
    expect(user.login).toMatch(/^sam\.lee\.[0-9a-z]{8}@example\.com$/);
  });
});
