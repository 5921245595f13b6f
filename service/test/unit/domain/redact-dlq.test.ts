// Secrets never leave: the redaction layer and the DLQ record hold no OTP, no token and no full phone number.
import { describe, expect, it } from 'vitest';
import { loadFixture } from '../../../../contracts/fixtures/index.js';
import { buildDlqRecord, DLQ_RECORD_VERSION } from '../../../src/domain/dlq-record.js';
import { parseHookRequest } from '../../../src/domain/hook-request.js';
import { phoneLibraryPlan } from '../../../src/domain/phone.js';
import {
  maskPhone,
  redactingReplacer,
  SecretRegistry,
  SecretSet,
  scrubText,
} from '../../../src/domain/redact.js';

/** What a masked number reveals: its country code (when known) and the digits after the stars. */
function revealed(masked: string): { countryCode: string; shown: string } {
  const [, countryCode = '', shown = ''] = /^(?:\+(\d{1,3}) )?\*+(\d*)$/.exec(masked) ?? [];
  return { countryCode, shown };
}

describe('maskPhone', () => {
  it.each([
    ['US', '+14155550123', '+1 *******123'],
    ['GB', '+447946095812', '+44 *******812'],
    ['DK, 8 national digits', '+4512345678', '+45 *****678'],
    ['FK, 5 national digits', '+50051234', '+500 ***34'],
    ['DE, 8 national digits', '+4930123456', '+49 *****456'],
    ['DE, 10 national digits', '+491511234567', '+49 *******567'],
    ['DE, 15 digits in all', '+491234567890123', '+49 **********123'],
    ['MX', '+525512345678', '+52 *******678'],
  ])('shows the country code and at most the last 3 digits of a %s number', (_plan, phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });

  it.each([
    '+14155550123',
    '+447946095812',
    '+4512345678',
    '+50051234',
    '+4930123456',
    '+491511234567',
    '+491234567890123',
    '+6831234',
    '+35312345',
    '+123456789012345',
  ])('hides at least half of the national digits of %s', (phone) => {
    // Act
    const { countryCode, shown } = revealed(maskPhone(phone));

    // Assess
    const national = phone.slice(1 + countryCode.length);
    expect(countryCode).not.toBe('');
    expect(shown.length).toBeLessThanOrEqual(Math.min(3, Math.floor(national.length / 2)));
    expect(national.endsWith(shown)).toBe(true);
  });

  it('reads digits without + or written with separators as Okta and people send them', () => {
    expect(maskPhone('14155550123')).toBe('+1 *******123');
    expect(maskPhone('+1 (415) 555-0123')).toBe('+1 *******123');
    expect(maskPhone('0014155550123')).toBe('+1 *******123');
  });

  it('masks conservatively what it cannot read: no country code, at most the last 2 digits', () => {
    expect(maskPhone('9876543210')).toBe('********10');
    expect(maskPhone('+999123456789')).toBe('**********89');
    expect(maskPhone('123')).toBe('***');
    expect(maskPhone('')).toBe('***');
    expect(maskPhone('1'.repeat(40))).toBe('************11');
  });
});

describe('scrubText', () => {
  it('removes registered secrets, JWTs and phone numbers but keeps dates', () => {
    const text =
      'code 627381 for +14155550123 at 2026-11-25T10:00:00.000Z with eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl';
    expect(scrubText(text, ['627381'])).toBe(
      'code [REDACTED] for +1 *******123 at 2026-11-25T10:00:00.000Z with [TOKEN]',
    );
  });

  it.each([
    ['+1 (415) 555-0123', '+1 *******123'],
    ['(415) 555-0123', '********23'],
    ['415-555-0123', '********23'],
    ['415.555.0123', '********23'],
    ['+44 20 7946 0958', '+44 *******958'],
    ['+45 12 34 56 78', '+45 *****678'],
    ['+500 51234', '+500 ***34'],
    ['+49 (0) 30 123456', '+49 *****456'],
    ['0041 44 668 18 00', '+41 ******800'],
  ])('masks %s, written with spaces, dashes, dots or brackets', (written, masked) => {
    expect(scrubText(`refused ${written}.`)).toBe(`refused ${masked}.`);
  });

  it('masks numbers that sit side by side, or next to a date, without leaving one whole', () => {
    // Act
    const scrubbed = scrubText('to 415-555-0123 2026-11-25 and +44 20 7946 0958 14155550123');

    // Assess
    for (const digits of ['4155550123', '2079460958']) {
      expect(scrubbed.replace(/\D/g, '')).not.toContain(digits);
    }
    expect(scrubbed).toContain('+1 *******123');
  });

  it('leaves ARNs, UUIDs, message ids, timestamps, addresses and durations alone', () => {
    const text = [
      'arn:aws:sns:us-east-1:123456789012:okta-phone-mfa-alarms',
      'arn:aws:iam::123456789012:role/deliver-otp',
      'arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/POST/hook',
      'MessageId 12345678-1234-4234-8234-123456789012',
      'request 5f1c2b7e-2f0a-4c9b-9d3e-8a6b4c2d1e0f',
      'trace 1-67891233-123456789012345678901234 and Root=1-67891233-4155550123abcdef01234567',
      'at 2026-11-25T10:00:00.000Z and 2026-11-25 10:00:00+01:00',
      'from 192.168.100.200',
      'elapsedMs=1234 attempts=2 ttl 600 s',
    ].join('\n');
    expect(scrubText(text)).toBe(text);
  });

  it('still removes a registered code that sits inside an id it leaves alone', () => {
    expect(scrubText('arn:aws:sns:us-east-1:123456789012:topic-627381', ['627381'])).toBe(
      'arn:aws:sns:us-east-1:123456789012:topic-[REDACTED]',
    );
  });
});

describe('scrubText and the markers it writes', () => {
  // Found by the property tests in service/test/unit/properties/redact.property.test.ts.
  it('removes a code spelled like part of [REDACTED] without writing it back', () => {
    expect(scrubText('code DACT sent', ['DACT'])).toBe('code [***] sent');
    expect(scrubText('REDACTED', ['redacted']).toLowerCase()).not.toContain('redacted');
  });

  it('removes a secret that a mask completes with the text beside it', () => {
    expect(scrubText('OK eyJhbGciOi.eyJzdWIiOi.sig EN', ['TOKEN']).toLowerCase()).not.toContain('token');
  });
});

describe('redactingReplacer', () => {
  it('scrubs a secret used as an object key', () => {
    // Prepare
    const set = new SecretSet(['627381']);

    // Act
    const json = JSON.stringify(
      { byCode: { '627381': 'sent' } },
      redactingReplacer(() => set, phoneLibraryPlan),
    );

    // Assess
    expect(json).not.toContain('627381');
  });

  it('drops secret-named keys at any depth and scrubs every string on the way to JSON', () => {
    // Prepare
    const value = {
      data: {
        messageProfile: { otpCode: '627381', phoneNumber: '+14155550123', msgTemplate: 'code 627381' },
      },
      headers: { Authorization: 'Bearer abc' },
      note: ['sent 627381'],
    };

    // Act
    const redacted = JSON.stringify(
      value,
      redactingReplacer(() => new SecretSet(['627381']), phoneLibraryPlan),
    );

    // Assess
    expect(redacted).not.toContain('627381');
    expect(redacted).not.toContain('Bearer abc');
    expect(redacted).not.toContain('4155550123');
    expect(redacted).toContain('+1 *******123');
  });

  it('keeps error name, message and stack, scrubbed', () => {
    const replacer = redactingReplacer(() => new SecretSet(['627381']), phoneLibraryPlan);
    const redacted = JSON.parse(JSON.stringify({ error: new Error('failed for 627381') }, replacer));
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

  it('gives every reader of one read all the current values, not an iterator the first reader spends', () => {
    // Prepare
    const registry = new SecretRegistry();
    registry.register('111111');
    registry.register('222222');

    // Act: the log formatter handed one read to every field of a line
    const values = registry.values();
    const reads = [[...values], [...values]];

    // Assess
    expect(reads).toEqual([
      ['111111', '222222'],
      ['111111', '222222'],
    ]);
    expect(registry.current().remove('111111 and 222222')).toBe('[REDACTED] and [REDACTED]');
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
      phone: '+1 *******123',
      locale: 'en-us',
      error: {
        name: 'ProviderError',
        reason: 'provider_rejected',
        message: 'rejected [REDACTED] to +1 *******123',
      },
      attempts: 1,
      elapsedMs: 123,
      timestamp: '2026-11-25T10:00:00.000Z',
    });
    expect(JSON.stringify(record)).not.toContain(request.otpCode);
    expect(JSON.stringify(record)).not.toContain('4155550123');
  });

  it('scrubs a code, Okta message and a full number carried in eventId, request id and locale', async () => {
    // Prepare
    const payload = loadFixture('request-sms-mfa-verification');
    const { otpCode: code, msgTemplate } = payload.data.messageProfile;
    payload.eventId = `evt-${code}-+14155550123`;
    payload.data.context.request.id = `req-${code}-415-555-0123`;
    payload.data.messageProfile.locale = `en-${code}-14155550123`;
    const request = await parseHookRequest(JSON.stringify(payload));

    // Act
    const record = buildDlqRecord(
      { ...request, requestType: `${request.requestType} ${msgTemplate}` },
      { name: 'ProviderError', reason: 'provider_rejected', message: 'refused', attempts: 1 },
      10,
    );

    // Assess
    const text = JSON.stringify(record);
    expect(text).not.toContain(code);
    expect(text).not.toContain(msgTemplate);
    expect(text.replace(/\D/g, ' ')).not.toMatch(/4155550123|555 0123/);
    expect(record).toMatchObject({
      eventId: 'evt-[REDACTED]-+1 *******123',
      requestId: 'req-[REDACTED]-********23',
      locale: 'en-[REDACTED]-+1 *******123',
    });
  });
});
