// Principle: the load is Okta's own documented payloads, in the proportions an org sees, one eventId each.

import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { describe, expect, it } from 'vitest';
import { loadRequestFixtures } from '../../contracts/fixtures/index.js';
import { UNDELIVERABLE_COUNTRY } from '../processors/population.js';
import { buildHookRequest, LOCALES, otpFor, pick, REQUEST_TYPES } from '../processors/traffic.js';

const mix = { voiceShare: 0.2, undeliverableShare: 0 };

describe('traffic', () => {
  it('sends 80 % SMS and 20 % voice over many requests', () => {
    // Prepare
    const n = 4000;

    // Act
    const voice = Array.from({ length: n }, () => buildHookRequest(mix, 'seed')).filter(
      (r) => r.channel === 'voice',
    ).length;

    // Assess
    expect(voice / n).toBeGreaterThan(0.17);
    expect(voice / n).toBeLessThan(0.23);
  });

  it('gives every request its own eventId and request id', () => {
    const requests = Array.from({ length: 500 }, () => buildHookRequest(mix, 'seed'));

    expect(new Set(requests.map((r) => r.eventId)).size).toBe(500);
    expect(new Set(requests.map((r) => r.body.data.context.request.id)).size).toBe(500);
    expect(requests.every((r) => r.body.eventId === r.eventId)).toBe(true);
  });

  it('covers the four request types and several locales', () => {
    const requests = Array.from({ length: 2000 }, () => buildHookRequest(mix, 'seed'));

    expect(new Set(requests.map((r) => r.body.requestType))).toEqual(new Set(REQUEST_TYPES.map(([t]) => t)));
    expect(new Set(requests.map((r) => r.body.data.messageProfile.locale)).size).toBe(LOCALES.length);
  });

  it('keeps the fixture shape and channel spelling, replacing only what Okta varies per request', () => {
    // Prepare
    const fixtures = loadRequestFixtures().map((f) => f.payload);
    const channels = new Set(fixtures.map((f) => f.data.messageProfile.deliveryChannel));

    // Act
    const request = buildHookRequest(mix, 'seed');

    // Assess
    expect(Object.keys(request.body).sort()).toEqual(Object.keys(fixtures[0]!).sort());
    expect(channels.has(request.body.data.messageProfile.deliveryChannel)).toBe(true);
    expect(request.body.eventType).toBe('com.okta.telephony.provider');
  });

  it('derives the code from the seed and the eventId, so the runner can recompute it', () => {
    const request = buildHookRequest(mix, 'seed-1');

    expect(request.body.data.messageProfile.otpCode).toBe(otpFor('seed-1', request.eventId));
    expect(request.body.data.messageProfile.msgTemplate).toContain(request.body.data.messageProfile.otpCode);
    expect(otpFor('seed-1', request.eventId)).toMatch(/^\d{6}$/);
    expect(otpFor('seed-2', request.eventId)).not.toBe(otpFor('seed-1', 'other'));
  });

  it('sends to the given destination numbers, and to a refused country when asked to', () => {
    const toSimulator = buildHookRequest({ ...mix, destinations: ['+14255550199'] }, 's');
    const refused = buildHookRequest({ ...mix, undeliverableShare: 1 }, 's');
    const refusedNumber = refused.body.data.messageProfile.phoneNumber;

    expect(toSimulator.body.data.messageProfile.phoneNumber.replace(/^\+?/, '+')).toBe('+14255550199');
    expect(refused.expect).toBe('undeliverable');
    expect(parsePhoneNumberFromString(refusedNumber.replace(/^\+?/, '+'))?.country).toBe(
      UNDELIVERABLE_COUNTRY,
    );
  });

  it('picks by weight', () => {
    expect(
      pick(
        [
          ['a', 1],
          ['b', 3],
        ] as const,
        0.2,
      ),
    ).toBe('a');
    expect(
      pick(
        [
          ['a', 1],
          ['b', 3],
        ] as const,
        0.3,
      ),
    ).toBe('b');
    expect(
      pick(
        [
          ['a', 1],
          ['b', 3],
        ] as const,
        0.999,
      ),
    ).toBe('b');
  });
});
