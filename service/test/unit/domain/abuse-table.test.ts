// The abuse table's keys are a contract between the guard's store, the sweep and `npm run abuse` (and any table
// already deployed): these are the spec's strings, written out, so that a change to one is a change on purpose.
import { describe, expect, it } from 'vitest';
import {
  BUCKET_ATTRIBUTE,
  bucketAttribute,
  counterKey,
  listEntryKey,
  listEntryOf,
  numberPrefix,
  windowBucket,
} from '../../../src/domain/abuse-table.js';

describe('the abuse table keys', () => {
  it('keys a counter item by kind and value, one item per key', () => {
    expect(counterKey('number', '+14155550123')).toEqual({ pk: 'count#number#+14155550123', sk: 'counters' });
    expect(counterKey('prefix', '+14155550')).toEqual({ pk: 'count#prefix#+14155550', sk: 'counters' });
    expect(counterKey('ip', '203.0.113.10')).toEqual({ pk: 'count#ip#203.0.113.10', sk: 'counters' });
  });

  it('names a window bucket by the window and floor(now / window), fixed windows from the epoch', () => {
    // 2026-01-05T10:03:00Z
    const now = Date.UTC(2026, 0, 5, 10, 3) / 1000;

    expect(bucketAttribute(600, windowBucket(600, now))).toBe(`w600_${Math.floor(now / 600)}`);
    expect((windowBucket(600, now) + 1) * 600).toBe(Date.UTC(2026, 0, 5, 10, 10) / 1000);
    expect((windowBucket(86_400, now) + 1) * 86_400).toBe(Date.UTC(2026, 0, 6) / 1000);
    expect(BUCKET_ATTRIBUTE.test(bucketAttribute(3600, 42))).toBe(true);
    expect(BUCKET_ATTRIBUTE.test('expiresAt')).toBe(false);
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
