// Principle: the pumping attack walks through one number range an attacker leases, as new users from a few IPs, so
// that only the guard's prefix (and IP) limits can stop it.
import { describe, expect, it } from 'vitest';
import { isRealPhoneNumber } from '../processors/population.js';
import {
  ATTACK_COUNTRY,
  ATTACK_IPS,
  attackNumber,
  attackPrefix,
  attackSendLimit,
  PRE_ENROLLMENT,
} from '../processors/pumping.js';
import { buildAttackRequest, buildHookRequest, numberOf } from '../processors/traffic.js';

const e164 = (phone: string) => (phone.startsWith('+') ? phone : `+${phone}`);

describe('the pumping attack', () => {
  it('stays in one prefix, with many different valid numbers under it', () => {
    // Act
    const requests = Array.from({ length: 300 }, () => buildAttackRequest('seed'));
    const numbers = requests.map((r) => e164(r.body.data.messageProfile.phoneNumber));

    // Assess
    expect(new Set(numbers.map((phone) => phone.slice(0, -3)))).toEqual(new Set([attackPrefix('seed')]));
    expect(new Set(numbers).size).toBeGreaterThan(200);
    expect(numbers.every((phone) => isRealPhoneNumber(phone, ATTACK_COUNTRY))).toBe(true);
  });

  it('picks a prefix per run whose every number is valid', () => {
    const prefix = attackPrefix('seed-2');

    expect(prefix).not.toBe(attackPrefix('seed'));
    for (let i = 0; i < 1000; i += 1) {
      expect(isRealPhoneNumber(`${prefix}${String(i).padStart(3, '0')}`, ATTACK_COUNTRY)).toBe(true);
    }
  });

  it('enrols new users over SMS from a few IPs, apart from the normal mix', () => {
    // Prepare
    const requests = Array.from({ length: 200 }, () => buildAttackRequest('seed'));
    const normalIps = new Set(
      Array.from(
        { length: 2000 },
        () =>
          buildHookRequest({ voiceShare: 0.2, undeliverableShare: 0 }, 'seed').body.data.context.request
            .ipAddress,
      ),
    );

    // Assess
    expect(requests.every((r) => r.stream === 'attack' && r.expect === 'attack')).toBe(true);
    expect(requests.every((r) => r.body.requestType === PRE_ENROLLMENT && r.channel === 'sms')).toBe(true);
    expect(new Set(requests.map((r) => r.body.data.context.request.ipAddress))).toEqual(new Set(ATTACK_IPS));
    expect(new Set(requests.map((r) => r.body.data.userProfile?.userId)).size).toBe(200);
    expect(ATTACK_IPS.some((ip) => normalIps.has(ip))).toBe(false);
  });

  it('recomputes each attack number from the seed and the eventId', () => {
    const request = buildAttackRequest('seed');

    expect(numberOf('seed', request.eventId, 'attack')).toBe(
      e164(request.body.data.messageProfile.phoneNumber),
    );
    expect(attackNumber('seed', request.eventId)).toBe(numberOf('seed', request.eventId, 'attack'));
  });

  it('expects at most the prefix limit of sends, or the IP limit of its few IPs when that is lower', () => {
    expect(attackSendLimit({ prefixPerHour: 20, ipPerHour: 20 })).toBe(20);
    expect(attackSendLimit({ prefixPerHour: 0, ipPerHour: 20 })).toBe(20 * ATTACK_IPS.length);
    expect(attackSendLimit({ prefixPerHour: 50, ipPerHour: 5 })).toBe(15);
    expect(attackSendLimit({ prefixPerHour: 0, ipPerHour: 0 })).toBe(Number.POSITIVE_INFINITY);
  });
});
