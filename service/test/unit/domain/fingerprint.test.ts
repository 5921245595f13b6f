// The request fingerprint is a keyed digest: deterministic under one key (a replay matches), different for another
// number, another code or another key, and never an unkeyed hash a table reader could reverse over 10^6 codes.
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  FingerprintKeyError,
  fingerprintKeyFrom,
  fingerprintOf,
  MIN_FINGERPRINT_KEY_BYTES,
} from '../../../src/domain/fingerprint.js';

const key = fingerprintKeyFrom('k'.repeat(64));
const request = { phone: '+14155550123', rawPhone: '+1 (415) 555-0123', otpCode: '627381' };

describe('fingerprintOf', () => {
  it('is the HMAC-SHA256 of number and code under the key, in hex', () => {
    // Act
    const fingerprint = fingerprintOf(request, key);

    // Assess
    const expected = createHmac('sha256', 'k'.repeat(64)).update('+14155550123\u0000627381').digest('hex');
    expect(fingerprint).toBe(expected);
    expect(fingerprint).not.toBe(createHash('sha256').update('+14155550123\u0000627381').digest('hex'));
    expect(fingerprint).not.toContain(request.otpCode);
  });

  it('is the same for the same number and code, so a replay matches', () => {
    expect(fingerprintOf({ ...request }, key)).toBe(fingerprintOf(request, key));
  });

  it('differs for another code, another number and another key', () => {
    // Prepare
    const base = fingerprintOf(request, key);

    // Assess
    expect(fingerprintOf({ ...request, otpCode: '627382' }, key)).not.toBe(base);
    expect(fingerprintOf({ ...request, phone: '+14155550124' }, key)).not.toBe(base);
    expect(fingerprintOf(request, fingerprintKeyFrom('j'.repeat(64)))).not.toBe(base);
  });

  it('uses the digits Okta sent when the number does not parse, so an undeliverable request still has one', () => {
    const unparsed = { rawPhone: '+1 415-555', otpCode: '627381' };
    expect(fingerprintOf(unparsed, key)).toBe(
      createHmac('sha256', 'k'.repeat(64)).update('+1415555\u0000627381').digest('hex'),
    );
  });
});

describe('fingerprintKeyFrom', () => {
  it('refuses a key shorter than 32 bytes', () => {
    expect(() => fingerprintKeyFrom('x'.repeat(MIN_FINGERPRINT_KEY_BYTES - 1))).toThrow(FingerprintKeyError);
    expect(() => fingerprintKeyFrom('')).toThrow(FingerprintKeyError);
  });

  it('accepts binary key material', () => {
    const binary = fingerprintKeyFrom(new Uint8Array(32).fill(7));
    expect(fingerprintOf(request, binary)).toBe(
      createHmac('sha256', Buffer.alloc(32, 7)).update('+14155550123\u0000627381').digest('hex'),
    );
  });

  it('shows nothing of the key when serialised by mistake', () => {
    expect(JSON.stringify({ key })).toBe('{"key":{}}');
    expect(String(Object.keys(key))).not.toContain('k'.repeat(8));
  });
});
