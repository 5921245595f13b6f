// The abuse guard's rules with no AWS: fake counters and lists behind the ports. Each limit and window, the request
// types that carry the IP and prefix limits, the number types, allow vs deny, which reason wins, and failing open.
import { describe, expect, it } from 'vitest';
import { loadFixture, type OktaHookRequestFixture } from '../../../../contracts/fixtures/index.js';
import {
  type AbuseCounters,
  AbuseGuard,
  type AbuseLimits,
  type AbuseListSnapshot,
  type AbuseLists,
  type AbuseSettings,
  AbuseStoreUnavailableError,
  type CounterKey,
  counterKeys,
  DEFAULT_ABUSE_LIMITS,
  DEFAULT_REFUSED_NUMBER_TYPES,
  numberPrefix,
  refusedNumberType,
} from '../../../src/domain/abuse-guard.js';
import { slotAttribute, windowCount, windowSlot } from '../../../src/domain/abuse-table.js';
import { type DeliveryRequest, parseHookRequest } from '../../../src/domain/hook-request.js';

/**
 * Counters in memory, in slots like the table's (`abuse-table.ts`: the 24-hour window rolls by the hour); time passes
 * only when a test moves `nowSeconds` (it starts at midnight UTC, where every window begins).
 */
class FakeCounters implements AbuseCounters {
  readonly items = new Map<string, Record<string, number>>();
  readonly calls: CounterKey[][] = [];
  public failWith: Error | undefined;
  public nowSeconds = 86_400 * 20_000;
  public released = 0;

  async increment(keys: readonly CounterKey[]) {
    this.calls.push([...keys]);
    if (this.failWith) throw this.failWith;
    const now = this.nowSeconds;
    const taken: Array<[Record<string, number>, string]> = [];
    const counts = keys.map((key) => {
      const id = `${key.kind}#${key.value}`;
      const item = this.items.get(id) ?? {};
      this.items.set(id, item);
      const out = new Map<number, number>();
      for (const window of key.windowsSeconds) {
        const attribute = slotAttribute(window, windowSlot(window, now));
        item[attribute] = (item[attribute] ?? 0) + 1;
        taken.push([item, attribute]);
        out.set(window, windowCount(item, window, now));
      }
      return out;
    });
    return {
      counts,
      release: async () => {
        this.released += 1;
        for (const [item, attribute] of taken) item[attribute] = (item[attribute] ?? 0) - 1;
      },
    };
  }

  /** A key's count of a window now. */
  count(kind: string, value: string, window: number) {
    return windowCount(this.items.get(`${kind}#${value}`), window, this.nowSeconds);
  }
}

class FakeLists implements AbuseLists {
  public snapshot: AbuseListSnapshot = { allow: new Map(), deny: [] };
  public failWith: Error | undefined;
  public reads = 0;

  async current() {
    this.reads += 1;
    if (this.failWith) throw this.failWith;
    return this.snapshot;
  }
}

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

function setup(limits: Partial<AbuseLimits> = {}, settings: Partial<AbuseSettings> = {}) {
  const counters = new FakeCounters();
  const lists = new FakeLists();
  const guard = new AbuseGuard({
    counters,
    lists,
    settings: {
      limits: { ...DEFAULT_ABUSE_LIMITS, ...limits },
      refusedNumberTypes: DEFAULT_REFUSED_NUMBER_TYPES,
      ...settings,
    },
    now: () => NOW,
  });
  return { counters, lists, guard };
}

/** A parsed request from a documented fixture, with edits. */
async function request(
  edit: (p: OktaHookRequestFixture) => void = () => {},
  name = 'request-sms-mfa-verification',
): Promise<DeliveryRequest> {
  const payload = loadFixture(name);
  payload.data.messageProfile.otpExpires = new Date(Date.now() + 300_000).toISOString();
  edit(payload);
  return parseHookRequest(JSON.stringify(payload));
}

const PRE_ENROLLMENT = 'com.okta.user.telephony.pre-enrollment';
const preEnrollment = (p: OktaHookRequestFixture) => {
  p.requestType = PRE_ENROLLMENT;
};
const withPhone = (phone: string) => (p: OktaHookRequestFixture) => {
  p.data.messageProfile.phoneNumber = phone;
};
const withUser = (userId: string) => (p: OktaHookRequestFixture) => {
  p.data.userProfile = { ...p.data.userProfile, userId };
};

async function repeat(guard: AbuseGuard, times: number, r: DeliveryRequest) {
  const verdicts = [];
  for (let i = 0; i < times; i += 1) verdicts.push(await guard.check(r));
  return verdicts;
}

describe('the keys a request moves', () => {
  it('counts the number in 10-minute and 24-hour windows and the user per hour, for any request type', async () => {
    // Act
    const keys = counterKeys(await request(), DEFAULT_ABUSE_LIMITS);

    // Assess
    expect(keys).toEqual([
      { kind: 'number', value: '+14155550123', windowsSeconds: [600, 86_400] },
      { kind: 'user', value: '00uyxxSknGtK8022w0g3', windowsSeconds: [3_600] },
    ]);
  });

  it('adds the client IP and the number prefix for a pre-enrollment request', async () => {
    const keys = counterKeys(await request(preEnrollment), DEFAULT_ABUSE_LIMITS);
    expect(keys).toEqual([
      { kind: 'number', value: '+14155550123', windowsSeconds: [600, 86_400] },
      { kind: 'user', value: '00uyxxSknGtK8022w0g3', windowsSeconds: [3_600] },
      { kind: 'ip', value: '203.0.113.10', windowsSeconds: [3_600] },
      { kind: 'prefix', value: '+14155550', windowsSeconds: [3_600] },
    ]);
  });

  it.each([
    'com.okta.user.telephony.mfa-verification',
    'com.okta.user.telephony.account-unlock',
    'com.okta.user.telephony.password-reset',
  ])('gives %s no IP or prefix limit', async (requestType) => {
    const keys = counterKeys(await request((p) => (p.requestType = requestType)), DEFAULT_ABUSE_LIMITS);
    expect(keys.map((key) => key.kind)).toEqual(['number', 'user']);
  });

  it('leaves out every window whose limit is 0, and a key with no window left', async () => {
    // Act
    const keys = counterKeys(await request(preEnrollment), {
      ...DEFAULT_ABUSE_LIMITS,
      numberPer10Minutes: 0,
      userPerHour: 0,
      prefixPerHour: 0,
    });

    // Assess
    expect(keys).toEqual([
      { kind: 'number', value: '+14155550123', windowsSeconds: [86_400] },
      { kind: 'ip', value: '203.0.113.10', windowsSeconds: [3_600] },
    ]);
  });

  it('has no user or IP key when Okta sent no user id or IP address', async () => {
    const r = await request((p) => {
      preEnrollment(p);
      delete p.data.userProfile?.userId;
      delete p.data.context.request.ipAddress;
    });
    expect(counterKeys(r, DEFAULT_ABUSE_LIMITS).map((key) => key.kind)).toEqual(['number', 'prefix']);
  });

  it('takes the prefix as the E.164 number without its last 3 digits', () => {
    expect(numberPrefix('+14155550123')).toBe('+14155550');
    expect(numberPrefix('+447700123456')).toBe('+447700123');
  });
});

describe('velocity limits (defaults from DESIGN.md)', () => {
  it('refuses the 6th code to one number in 10 minutes, as number_10m', async () => {
    // Prepare
    const { guard } = setup();
    const r = await request();

    // Act
    const verdicts = await repeat(guard, 6, r);

    // Assess
    expect(verdicts.slice(0, 5).map((v) => v.verdict)).toEqual(Array(5).fill('allow'));
    expect(verdicts[5]).toEqual({ verdict: 'refuse', reason: 'number_10m', reasons: ['number_10m'] });
  });

  it('refuses the 16th code to one number in 24 hours, as number_24h, across 10-minute windows', async () => {
    // Prepare: 5 codes in each 10-minute window, each for another user (one user may have 10 an hour).
    const { guard, counters } = setup();
    const requests = await Promise.all(Array.from({ length: 16 }, (_, i) => request(withUser(`u-${i}`))));

    // Act
    const verdicts = [];
    for (const [i, r] of requests.entries()) {
      if (i > 0 && i % 5 === 0) counters.nowSeconds += 600;
      verdicts.push(await guard.check(r));
    }

    // Assess
    expect(verdicts.slice(0, 15).every((v) => v.verdict === 'allow')).toBe(true);
    expect(verdicts[15]).toEqual({ verdict: 'refuse', reason: 'number_24h', reasons: ['number_24h'] });
  });

  it('refuses the 11th code to one user in an hour, whatever the numbers, as user_1h', async () => {
    // Prepare
    const { guard } = setup();
    const phones = Array.from({ length: 11 }, (_, i) => `+1415555${String(1000 + i)}`);

    // Act
    const verdicts = [];
    for (const phone of phones) verdicts.push(await guard.check(await request(withPhone(phone))));

    // Assess
    expect(verdicts.slice(0, 10).every((v) => v.verdict === 'allow')).toBe(true);
    expect(verdicts[10]).toEqual({ verdict: 'refuse', reason: 'user_1h', reasons: ['user_1h'] });
  });

  it('refuses the 21st pre-enrollment code from one IP in an hour, as ip_1h', async () => {
    // Prepare: each request to another number range and another user, from one address.
    const { guard } = setup();
    const requests = await Promise.all(
      Array.from({ length: 21 }, (_, i) =>
        request((p) => {
          preEnrollment(p);
          withPhone(`+1206${200 + i}0123`)(p);
          withUser(`u-${i}`)(p);
        }),
      ),
    );

    // Act
    const verdicts = [];
    for (const r of requests) verdicts.push(await guard.check(r));

    // Assess
    expect(verdicts.slice(0, 20).every((v) => v.verdict === 'allow')).toBe(true);
    expect(verdicts[20]).toEqual({ verdict: 'refuse', reason: 'ip_1h', reasons: ['ip_1h'] });
  });

  it('refuses the 21st pre-enrollment code to one number prefix in an hour, as prefix_1h', async () => {
    // Prepare: 21 numbers of one range (+1415555 01xx), each for another user from another address.
    const { guard } = setup();
    const requests = await Promise.all(
      Array.from({ length: 21 }, (_, i) =>
        request((p) => {
          preEnrollment(p);
          withPhone(`+14155550${String(100 + i)}`)(p);
          withUser(`u-${i}`)(p);
          p.data.context.request.ipAddress = `198.51.100.${i}`;
        }),
      ),
    );

    // Act
    const verdicts = [];
    for (const r of requests) verdicts.push(await guard.check(r));

    // Assess
    expect(verdicts.slice(0, 20).every((v) => v.verdict === 'allow')).toBe(true);
    expect(verdicts[20]).toEqual({ verdict: 'refuse', reason: 'prefix_1h', reasons: ['prefix_1h'] });
  });

  it('does not count an MFA verification against the IP or the prefix', async () => {
    // Prepare
    const { guard, counters } = setup({ ipPerHour: 1, prefixPerHour: 1 });

    // Act
    const verdicts = await repeat(guard, 3, await request());

    // Assess
    expect(verdicts.every((v) => v.verdict === 'allow')).toBe(true);
    expect(counters.calls.flat().map((key) => key.kind)).not.toContain('ip');
  });

  it('starts counting again in a new window', async () => {
    // Prepare
    const { guard, counters } = setup();
    const r = await request();
    await repeat(guard, 5, r);

    // Act
    counters.nowSeconds += 600;
    const verdict = await guard.check(r);

    // Assess
    expect(verdict.verdict).toBe('allow');
  });

  it('does not lock out a number with its own refused retries: 16 requests in 10 minutes, then one after them is allowed', async () => {
    // Prepare: a user who keeps pressing "resend" (each request for another user id: only the number's limits apply)
    const { guard, counters } = setup();
    const requests = await Promise.all(Array.from({ length: 17 }, (_, i) => request(withUser(`u-${i}`))));

    // Act
    const burst = [];
    for (const r of requests.slice(0, 16)) burst.push(await guard.check(r));
    counters.nowSeconds += 600;
    const after = await guard.check(requests[16] as DeliveryRequest);

    // Assess: 5 sent, 11 refused and given back; the 24 hours count the 5 sent, and now the 6th
    expect(burst.filter((v) => v.verdict === 'allow')).toHaveLength(5);
    expect(burst.slice(5).every((v) => v.verdict === 'refuse')).toBe(true);
    expect(after.verdict).toBe('allow');
    expect(counters.count('number', '+14155550123', 86_400)).toBe(6);
    expect(counters.released).toBe(11);
  });

  it('gives back what a request refused by the deny list took', async () => {
    // Prepare
    const { guard, counters, lists } = setup();
    lists.snapshot = { allow: new Map(), deny: [{ value: '+1415555' }] };

    // Act
    const verdicts = await repeat(guard, 3, await request());

    // Assess
    expect(verdicts.every((v) => v.verdict === 'refuse')).toBe(true);
    expect(counters.count('number', '+14155550123', 600)).toBe(0);
    expect(counters.count('user', '00uyxxSknGtK8022w0g3', 3_600)).toBe(0);
  });

  it('rolls the 24 hours by the hour: a number at its daily limit is free as its oldest hour leaves, not at midnight', async () => {
    // Prepare: 15 codes to one number, 5 at 22:00, 5 at 23:00 and 5 at 00:00 (other users, other 10-minute windows)
    const { guard, counters } = setup();
    const start = counters.nowSeconds - 2 * 3_600; // 22:00 the day before
    const at = async (seconds: number, user: string) => {
      counters.nowSeconds = seconds;
      return guard.check(await request(withUser(user)));
    };
    for (const [hour, base] of [0, 1, 2].entries()) {
      for (let i = 0; i < 5; i += 1) await at(start + base * 3_600 + i * 600, `u-${hour}-${i}`);
    }

    // Act: just after midnight (a fixed UTC day would start again here), then once 22:00's hour left the window
    const afterMidnight = await at(start + 2 * 3_600 + 3_000, 'u-late-1');
    const nextEvening = await at(start + 24 * 3_600 + 60, 'u-late-2');

    // Assess
    expect(afterMidnight).toEqual({ verdict: 'refuse', reason: 'number_24h', reasons: ['number_24h'] });
    expect(nextEvening.verdict).toBe('allow');
  });

  it('counts IPv6 client addresses by their /64 for the IP limit', async () => {
    // Prepare: a pumping script walking through the addresses of one /64
    const { guard } = setup();
    const requests = await Promise.all(
      Array.from({ length: 21 }, (_, i) =>
        request((p) => {
          preEnrollment(p);
          withPhone(`+1415555${String(2000 + i)}`)(p);
          withUser(`u-v6-${i}`)(p);
          p.data.context.request.ipAddress = `2001:db8:aa:1:${(i + 1).toString(16)}::${i}`;
        }),
      ),
    );

    // Act
    const verdicts = [];
    for (const r of requests) verdicts.push(await guard.check(r));

    // Assess
    expect(
      counterKeys(requests[0] as DeliveryRequest, DEFAULT_ABUSE_LIMITS).find((k) => k.kind === 'ip')?.value,
    ).toBe('2001:db8:aa:1::/64');
    expect(verdicts.slice(0, 20).every((v) => v.verdict === 'allow')).toBe(true);
    expect(verdicts[20]).toMatchObject({ verdict: 'refuse', reason: 'ip_1h' });
  });

  it('names the first tripped limit in the documented order and lists every one that tripped', async () => {
    // Prepare: every limit at 1, so the second request trips them all.
    const { guard } = setup({
      numberPer10Minutes: 1,
      numberPer24Hours: 1,
      userPerHour: 1,
      ipPerHour: 1,
      prefixPerHour: 1,
    });
    const r = await request(preEnrollment);
    await guard.check(r);

    // Act
    const verdict = await guard.check(r);

    // Assess
    expect(verdict).toEqual({
      verdict: 'refuse',
      reason: 'number_10m',
      reasons: ['number_10m', 'number_24h', 'user_1h', 'ip_1h', 'prefix_1h'],
    });
  });

  it('checks nothing and writes nothing when every limit is 0', async () => {
    // Prepare
    const { guard, counters } = setup({
      numberPer10Minutes: 0,
      numberPer24Hours: 0,
      userPerHour: 0,
      ipPerHour: 0,
      prefixPerHour: 0,
    });

    // Act
    const verdicts = await repeat(guard, 30, await request(preEnrollment));

    // Assess
    expect(verdicts.every((v) => v.verdict === 'allow')).toBe(true);
    expect(counters.calls).toEqual([]);
  });
});

describe('lists', () => {
  const deny = (prefix: string, expiresAt?: number) => ({
    value: prefix,
    ...(expiresAt === undefined ? {} : { expiresAt }),
  });

  it('lets an allow-listed number past the velocity limits', async () => {
    // Prepare
    const { guard, lists } = setup();
    lists.snapshot = { allow: new Map([['+14155550123', undefined]]), deny: [] };

    // Act
    const verdicts = await repeat(guard, 20, await request());

    // Assess
    expect(verdicts.every((v) => v.verdict === 'allow' && v.allowListed)).toBe(true);
  });

  it('refuses a denied number as denied_number from its first request', async () => {
    const { guard, lists } = setup();
    lists.snapshot = { allow: new Map(), deny: [deny('+14155550123')] };
    expect(await guard.check(await request())).toEqual({
      verdict: 'refuse',
      reason: 'denied_number',
      reasons: ['denied_number'],
    });
  });

  it('refuses every number under a denied prefix as denied_prefix', async () => {
    // Prepare
    const { guard, lists } = setup();
    lists.snapshot = { allow: new Map(), deny: [deny('+1415555')] };

    // Act
    const inside = await guard.check(await request(withPhone('+14155559876')));
    const outside = await guard.check(await request(withPhone('+12065550123')));

    // Assess
    expect(inside).toMatchObject({ verdict: 'refuse', reason: 'denied_prefix' });
    expect(outside.verdict).toBe('allow');
  });

  it('lets deny win over allow', async () => {
    const { guard, lists } = setup();
    lists.snapshot = { allow: new Map([['+14155550123', undefined]]), deny: [deny('+1415')] };
    expect(await guard.check(await request())).toMatchObject({ verdict: 'refuse', reason: 'denied_prefix' });
  });

  it('ignores entries past their expiry, even before DynamoDB deletes them', async () => {
    // Prepare
    const { guard, lists } = setup({ numberPer10Minutes: 1 });
    const past = NOW / 1000 - 1;
    const future = NOW / 1000 + 3_600;
    lists.snapshot = { allow: new Map([['+14155550123', past]]), deny: [deny('+1206', past)] };
    const allowed = await request();
    await guard.check(allowed);

    // Act
    const overLimit = await guard.check(allowed);
    const formerlyDenied = await guard.check(await request(withPhone('+12065550123')));
    lists.snapshot = { allow: new Map(), deny: [deny('+1206', future)] };
    const denied = await guard.check(await request(withPhone('+12065550199')));

    // Assess
    expect(overLimit).toMatchObject({ verdict: 'refuse', reason: 'number_10m' });
    expect(formerlyDenied.verdict).toBe('allow');
    expect(denied).toMatchObject({ verdict: 'refuse', reason: 'denied_prefix' });
  });
});

describe('number types', () => {
  it.each([
    ['a US premium-rate (900) number', '+19005550123', 'PREMIUM_RATE'],
    ['a UK premium-rate (09) number', '+449061234567', 'PREMIUM_RATE'],
    ['a Spanish shared-cost (901) number', '+34901123456', 'SHARED_COST'],
  ])('refuses %s as number_type', async (_, phone, type) => {
    // Prepare
    const { guard, counters } = setup();

    // Act
    const verdict = await guard.check(await request(withPhone(phone)));

    // Assess
    expect(refusedNumberType(phone, DEFAULT_REFUSED_NUMBER_TYPES)).toBe(type);
    expect(verdict).toEqual({ verdict: 'refuse', reason: 'number_type', reasons: ['number_type'] });
    expect(counters.calls).toEqual([]);
  });

  it.each([
    ['a US number', '+14155550123'],
    ['a British mobile', '+447700123456'],
    ['a US toll-free number', '+18005550123'],
  ])('lets %s through', async (_, phone) => {
    expect(refusedNumberType(phone, DEFAULT_REFUSED_NUMBER_TYPES)).toBeUndefined();
    expect((await setup().guard.check(await request(withPhone(phone)))).verdict).toBe('allow');
  });

  it('refuses only the configured types: none when the setting is empty', async () => {
    const { guard } = setup({}, { refusedNumberTypes: [] });
    expect((await guard.check(await request(withPhone('+19005550123')))).verdict).toBe('allow');
  });

  it('refuses a premium-rate number even when it is allow-listed, and before reading any table', async () => {
    // Prepare
    const { guard, lists, counters } = setup();
    lists.snapshot = { allow: new Map([['+19005550123', undefined]]), deny: [] };
    lists.failWith = new AbuseStoreUnavailableError('TimeoutError');

    // Act
    const verdict = await guard.check(await request(withPhone('+19005550123')));

    // Assess
    expect(verdict).toMatchObject({ verdict: 'refuse', reason: 'number_type' });
    expect(lists.reads + counters.calls.length).toBe(0);
  });
});

describe('failing open', () => {
  it('answers unavailable, naming the cause, when the counters cannot be written', async () => {
    const { guard, counters } = setup();
    counters.failWith = new AbuseStoreUnavailableError('TimeoutError');
    expect(await guard.check(await request())).toEqual({ verdict: 'unavailable', causeName: 'TimeoutError' });
  });

  it('answers unavailable when the lists cannot be read, even over a limit', async () => {
    // Prepare
    const { guard, lists } = setup({ numberPer10Minutes: 1 });
    const r = await request();
    await guard.check(r);
    lists.failWith = new AbuseStoreUnavailableError('ECONNRESET');

    // Act
    const verdict = await guard.check(r);

    // Assess
    expect(verdict).toEqual({ verdict: 'unavailable', causeName: 'ECONNRESET' });
  });

  it('still refuses a denied number when only the counters are down', async () => {
    const { guard, lists, counters } = setup();
    lists.snapshot = { allow: new Map(), deny: [{ value: '+14155550123' }] };
    counters.failWith = new AbuseStoreUnavailableError('TimeoutError');
    expect(await guard.check(await request())).toMatchObject({ verdict: 'refuse', reason: 'denied_number' });
  });

  it('lets a bug through as a bug, not as an outage', async () => {
    const { guard, counters } = setup();
    counters.failWith = new TypeError('undefined is not a function');
    await expect(guard.check(await request())).rejects.toThrow(TypeError);
  });

  it('guards nothing for a request without a valid number: validation refuses it first', async () => {
    const { guard, counters, lists } = setup();
    expect(await guard.check(await request(withPhone('abc')))).toEqual({
      verdict: 'allow',
      allowListed: false,
    });
    expect(counters.calls.length + lists.reads).toBe(0);
  });
});
