// Secrets never leave: the redaction layer and the DLQ record hold no OTP, no token and no full phone number.
import { describe, expect, it } from 'vitest';
import { loadFixture } from '../../../../contracts/fixtures/index.js';
import { buildDlqRecord, DLQ_RECORD_VERSION } from '../../../src/domain/dlq-record.js';
import { parseHookRequest } from '../../../src/domain/hook-request.js';
import { maskPhone, redactValue, SecretRegistry, scrubText } from '../../../src/domain/redact.js';

describe('maskPhone', () => {
  it.each([
    ['+14155550123', '+1415***0123'],
    ['14155550123', '+1415***0123'],
    ['+1 (415) 555-0123', '+1415***0123'],
    ['123', '***'],
  ])('masks %s as %s', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });
});

describe('scrubText', () => {
  it('removes registered secrets, JWTs and phone numbers but keeps dates', () => {
    const text =
      'code 627381 for +14155550123 at 2026-11-25T10:00:00.000Z with eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl';
    expect(scrubText(text, ['627381'])).toBe(
      'code [REDACTED] for +1415***0123 at 2026-11-25T10:00:00.000Z with [TOKEN]',
    );
  });
});

describe('redactValue', () => {
  it('drops secret-named keys at any depth and scrubs strings', () => {
    // Prepare
    const value = {
      data: {
        messageProfile: { otpCode: '627381', phoneNumber: '+14155550123', msgTemplate: 'code 627381' },
      },
      headers: { Authorization: 'Bearer abc' },
      note: ['sent 627381'],
    };

    // Act
    const redacted = JSON.stringify(redactValue(value, ['627381']));

    // Assess
    expect(redacted).not.toContain('627381');
    expect(redacted).not.toContain('Bearer abc');
    expect(redacted).not.toContain('4155550123');
    expect(redacted).toContain('+1415***0123');
  });

  it('keeps error name, message and stack, scrubbed', () => {
    const redacted = redactValue({ error: new Error('failed for 627381') }, ['627381']) as {
      error: Record<string, string>;
    };
    expect(redacted.error.name).toBe('Error');
    expect(redacted.error.message).toBe('failed for [REDACTED]');
    expect(redacted.error.stack).not.toContain('627381');
  });
});

describe('SecretRegistry', () => {
  it('releases only its own registration when invocations overlap', () => {
    const registry = new SecretRegistry();
    const releaseA = registry.register('111111');
    const releaseB = registry.register('111111');
    releaseA();
    releaseA();
    expect([...registry.values()]).toEqual(['111111']);
    releaseB();
    expect([...registry.values()]).toEqual([]);
  });
});

describe('buildDlqRecord', () => {
  it('builds a versioned, redacted record of a failed delivery', async () => {
    // Prepare
    const request = await parseHookRequest(JSON.stringify(loadFixture('request-sms-mfa-verification')));

    // Act
    const record = buildDlqRecord(
      request,
      {
        name: 'ProviderError',
        reason: 'provider_rejected',
        message: `rejected ${request.otpCode} to ${request.phone}`,
        attempts: 1,
      },
      123.4,
      new Date('2026-11-25T10:00:00.000Z'),
    );

    // Assess
    expect(record).toEqual({
      version: DLQ_RECORD_VERSION,
      eventId: 'uRRUxiuCQoOqT4Sy1O9Ysg',
      requestId: 'reqRgSk8IBBRhuo0YdlEDTmUw',
      requestType: 'com.okta.user.telephony.mfa-verification',
      channel: 'sms',
      country: 'US',
      phone: '+1415***0123',
      locale: 'en-us',
      error: {
        name: 'ProviderError',
        reason: 'provider_rejected',
        message: 'rejected [REDACTED] to +1415***0123',
      },
      attempts: 1,
      elapsedMs: 123,
      timestamp: '2026-11-25T10:00:00.000Z',
    });
    expect(JSON.stringify(record)).not.toContain(request.otpCode);
    expect(JSON.stringify(record)).not.toContain('4155550123');
  });
});
