/**
 * The request fingerprint: what an idempotent replay must match (same number, same code), kept at rest by the
 * idempotency store. A 6-digit code has only 10^6 values, so any unkeyed digest of it (SHA-256, MD5, …) is reversed
 * offline in about a second by whoever reads the table. The fingerprint is therefore an HMAC under a secret key
 * that never leaves memory: without the key, a stored fingerprint says nothing about the code.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { DeliveryRequest } from './hook-request.js';

/** The shortest key accepted, in bytes: SHA-256's output length, the minimum RFC 2104 recommends for HMAC. */
export const MIN_FINGERPRINT_KEY_BYTES = 32;

/** A fingerprint key that is too short (or empty) to make the digest unguessable. */
export class FingerprintKeyError extends Error {
  public override readonly name = 'FingerprintKeyError';
}

/**
 * Wraps raw key material as a `KeyObject`: it serialises as `{}`, so a key that reaches a log line or a JSON dump by
 * mistake shows nothing.
 *
 * @param material - the secret's value (a string is taken as UTF-8)
 * @throws {@link FingerprintKeyError} when shorter than {@link MIN_FINGERPRINT_KEY_BYTES}
 */
export function fingerprintKeyFrom(material: string | Uint8Array): KeyObject {
  const bytes = typeof material === 'string' ? Buffer.from(material, 'utf8') : Buffer.from(material);
  if (bytes.length < MIN_FINGERPRINT_KEY_BYTES) {
    throw new FingerprintKeyError(
      `The fingerprint key has ${bytes.length} bytes; at least ${MIN_FINGERPRINT_KEY_BYTES} are required`,
    );
  }
  return createSecretKey(bytes);
}

/**
 * HMAC-SHA256 (hex) of the destination and the code, under `key`. The destination is the E.164 number when it
 * parsed, else the digits Okta sent, so two spellings of one number match and an undeliverable one still has a
 * fingerprint. Synchronous on purpose: WebCrypto would hand 30 bytes to the thread pool and back per request.
 *
 * @param request - the parsed request (only `phone`, `rawPhone` and `otpCode` are read)
 * @param key - from {@link fingerprintKeyFrom}
 */
export function fingerprintOf(
  request: Pick<DeliveryRequest, 'phone' | 'rawPhone' | 'otpCode'>,
  key: KeyObject,
): string {
  const destination = request.phone ?? request.rawPhone.replace(/[^\d+]/g, '');
  return createHmac('sha256', key).update(`${destination}\u0000${request.otpCode}`).digest('hex');
}

/**
 * HMAC-SHA256 (hex) of the E.164 number alone, under the fingerprint key, in a domain of its own (a number's digest
 * never equals a fingerprint): what a resend compares to find the previous code to the same number. Undefined for a
 * number that did not parse.
 *
 * @param phone - the E.164 number
 * @param key - from {@link fingerprintKeyFrom}
 */
export function numberDigestOf(phone: string | undefined, key: KeyObject): string | undefined {
  if (!phone) return undefined;
  return createHmac('sha256', key).update(`number\u0000${phone}`).digest('hex');
}
