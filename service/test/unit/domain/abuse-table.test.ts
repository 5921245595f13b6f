// The abuse table's keys are a contract between the guard's store, the sweep and `npm run abuse` (and any table
// already deployed): these are the spec's strings, written out, so that a change to one is a change on purpose.
import { describe, expect, it } from 'vitest';
import {
  counterKey,
  ipKey,
  isPastSlot,
  listEntryKey,
  listEntryOf,
  numberPrefix,
  SLOT_ATTRIBUTE,
  slotAttribute,
  windowCount,
  windowFallsAt,
  windowSlot,
} from '../../../src/domain/abuse-table.js';

describe('the abuse table keys', () => {
  it('keys a counter item by kind and value, one item per key', () => {
    expect(counterKey('number', '+14155550123')).toEqual({ pk: 'count#number#+14155550123', sk: 'counters' });
    expect(counterKey('prefix', '+14155550')).toEqual({ pk: 'count#prefix#+14155550', sk: 'counters' });
    expect(counterKey('ip', '203.0.113.10')).toEqual({ pk: 'count#ip#203.0.113.10', sk: 'counters' });
  });

  it('names a window slot by the window and floor(now / slot): fixed 10-minute and 1-hour windows, 24 hours by the hour', () => {
    // 2026-01-05T10:03:00Z
    const now = Date.UTC(2026, 0, 5, 10, 3) / 1000;

    expect(slotAttribute(600, windowSlot(600, now))).toBe(`w600_${Math.floor(now / 600)}`);
    expect((windowSlot(600, now) + 1) * 600).toBe(Date.UTC(2026, 0, 5, 10, 10) / 1000);
    expect(slotAttribute(86_400, windowSlot(86_400, now))).toBe(`w86400_${Math.floor(now / 3600)}`);
    expect(SLOT_ATTRIBUTE.test(slotAttribute(3600, 42))).toBe(true);
    expect(SLOT_ATTRIBUTE.test('expiresAt')).toBe(false);
  });

  it('counts the rolling 24 hours as the sum of their 24 hourly slots, falling as the oldest counted hour leaves', () => {
    // Prepare: 2 codes at 08:xx yesterday, 3 at 09:xx today; now 10:03 today
    const now = Date.UTC(2026, 0, 5, 10, 3) / 1000;
    const hour = (h: number) => Math.floor(Date.UTC(2026, 0, 5, h) / 1000 / 3600);
    const item = {
      [slotAttribute(86_400, hour(8) - 24)]: 2,
      [slotAttribute(86_400, hour(9))]: 3,
      [slotAttribute(86_400, hour(11) - 24)]: 4,
    };

    // Assess: yesterday 08:xx has left the window, yesterday 11:xx has not
    expect(windowCount(item, 86_400, now)).toBe(7);
    expect(windowFallsAt(item, 86_400, now)).toBe(Date.UTC(2026, 0, 5, 11) / 1000);
    expect(isPastSlot(slotAttribute(86_400, hour(8) - 24), now)).toBe(true);
    expect(isPastSlot(slotAttribute(86_400, hour(11) - 24), now)).toBe(false);
    expect(isPastSlot(slotAttribute(600, windowSlot(600, now) - 1), now)).toBe(true);
    expect(windowFallsAt({}, 600, now)).toBe(Date.UTC(2026, 0, 5, 10, 10) / 1000);
  });

  it.each([
    ['203.0.113.10', '203.0.113.10'],
    ['2001:db8:aa:1:abcd::1', '2001:db8:aa:1::/64'],
    ['2001:0DB8:00AA:0001:ffff:ffff:ffff:ffff', '2001:db8:aa:1::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['not an address', 'not an address'],
    ['1:2:3', '1:2:3'],
  ])('keys the client IP %s as %s (IPv6 by its /64)', (ip, key) => {
    expect(ipKey(ip)).toBe(key);
  });

  it('keys an entry in the list partition by list and value, and reads it back', () => {
    expect(listEntryKey('allow', '+14155550123')).toEqual({ pk: 'list', sk: 'allow#+14155550123' });
    expect(listEntryKey('deny', '+1415555')).toEqual({ pk: 'list', sk: 'deny#+1415555' });
    expect(listEntryOf('deny#+1415555')).toEqual({ list: 'deny', value: '+1415555' });
    expect(listEntryOf('allow#+14155550123')).toEqual({ list: 'allow', value: '+14155550123' });
  });

  it.each(['deny#', 'deny', 'deny#1415', 'block#+1415', '', '#+1415'])(
    'skips %j: no list entry, so it denies nothing',
    (sk) => {
      expect(listEntryOf(sk)).toBeUndefined();
    },
  );

  it('takes the prefix as the E.164 number without its last 3 digits', () => {
    expect(numberPrefix('+14155550123')).toBe('+14155550');
    expect(numberPrefix('+447700123456')).toBe('+447700123');
  });
});
