// The payload contract: every documented variant of Okta's request is accepted and normalised; anything that is
// not the hook schema is a HookPayloadError (HTTP 400) naming the field.
import { describe, expect, it } from 'vitest';
import { loadFixture, loadRequestFixtures } from '../../../../contracts/fixtures/index.js';
import { HookPayloadError } from '../../../src/domain/errors.js';
import { DEFAULT_OTP_LIFETIME_SECONDS, parseHookRequest } from '../../../src/domain/hook-request.js';
import { REQUEST_TYPES } from '../../../src/domain/okta-hook-schema.js';

const sms = () => loadFixture('request-sms-mfa-verification');

async function problemsOf(body: string): Promise<HookPayloadError> {
  const error = await parseHookRequest(body).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HookPayloadError);
  return error as HookPayloadError;
}

describe('parseHookRequest', () => {
  it.each(loadRequestFixtures())('accepts the fixture $name', async ({ payload }) => {
    const request = await parseHookRequest(JSON.stringify(payload));
    expect(request.phone).toMatch(/^\+\d{8,15}$/);
    expect(request.country).toMatch(/^[A-Z]{2}$/);
  });

  it('covers every requestType across the fixtures', () => {
    const seen = new Set(loadRequestFixtures().map(({ payload }) => payload.requestType));
    expect([...seen].sort()).toEqual([...REQUEST_TYPES].sort());
  });

  it.each([
    ['SMS', 'sms'],
    ['sms', 'sms'],
    ['CALL', 'voice'],
    ['Voice call', 'voice'],
    ['voice', 'voice'],
    ['VOICE CALL', 'voice'],
  ])('reads deliveryChannel %j as %s', async (deliveryChannel, channel) => {
    const payload = sms();
    payload.data.messageProfile.deliveryChannel = deliveryChannel;
    expect((await parseHookRequest(JSON.stringify(payload))).channel).toBe(channel);
  });

  it('adds the missing + to a phone number and finds its country', async () => {
    const request = await parseHookRequest(JSON.stringify(loadFixture('request-sms-pre-enrollment-no-plus')));
    expect(request.phone).toBe('+14155550124');
    expect(request.country).toBe('US');
  });

  it('keeps an unparseable number as a valid request with no phone (undeliverable, not a 400)', async () => {
    const payload = sms();
    payload.data.messageProfile.phoneNumber = '+1415555';
    const request = await parseHookRequest(JSON.stringify(payload));
    expect(request.phone).toBeUndefined();
    expect(request.rawPhone).toBe('+1415555');
  });

  it('normalises locales and keeps unknown ones for the fallback chain', async () => {
    const payload = sms();
    expect((await parseHookRequest(JSON.stringify(payload))).locale).toBe('en-us');
    payload.data.messageProfile.locale = 'ko_KR';
    expect((await parseHookRequest(JSON.stringify(payload))).locale).toBe('ko-kr');
  });

  it('keys on eventId and falls back to the request id', async () => {
    const payload = sms();
    expect((await parseHookRequest(JSON.stringify(payload))).idempotencyKey).toBe(payload.eventId);
    delete payload.eventId;
    expect((await parseHookRequest(JSON.stringify(payload))).idempotencyKey).toBe(
      payload.data.context.request.id,
    );
  });

  it('derives the record lifetime from otpExpires, and defaults when it is missing or past', async () => {
    const payload = sms();
    const now = Date.parse('2026-11-25T10:00:00.000Z');
    payload.data.messageProfile.otpExpires = '2026-11-25T10:05:00.000Z';
    expect((await parseHookRequest(JSON.stringify(payload), { now })).ttlSeconds).toBe(300);
    delete payload.data.messageProfile.otpExpires;
    expect((await parseHookRequest(JSON.stringify(payload), { now })).ttlSeconds).toBe(
      DEFAULT_OTP_LIFETIME_SECONDS,
    );
    payload.data.messageProfile.otpExpires = '2020-01-01T00:00:00.000Z';
    expect((await parseHookRequest(JSON.stringify(payload), { now })).ttlSeconds).toBe(
      DEFAULT_OTP_LIFETIME_SECONDS,
    );
  });

  it("computes no digest of the code: the keyed fingerprint is the handler's, which has the key", async () => {
    const request = await parseHookRequest(JSON.stringify(sms()));
    expect(request).not.toHaveProperty('fingerprint');
  });

  it.each(['', '   ', 'not json', '{"eventType":', '[]', '42'])('rejects the body %j', async (body) => {
    const error = await problemsOf(body);
    expect(error.problems.length).toBeGreaterThan(0);
  });

  it.each([
    ['eventType', (p: Record<string, any>) => delete p.eventType],
    ['requestType', (p: Record<string, any>) => delete p.requestType],
    ['data', (p: Record<string, any>) => delete p.data],
    ['data.context', (p: Record<string, any>) => delete p.data.context],
    ['data.context.request', (p: Record<string, any>) => delete p.data.context.request],
    ['data.context.request.id', (p: Record<string, any>) => delete p.data.context.request.id],
    ['data.messageProfile', (p: Record<string, any>) => delete p.data.messageProfile],
    ['data.messageProfile.phoneNumber', (p: Record<string, any>) => delete p.data.messageProfile.phoneNumber],
    ['data.messageProfile.otpCode', (p: Record<string, any>) => delete p.data.messageProfile.otpCode],
    [
      'data.messageProfile.deliveryChannel',
      (p: Record<string, any>) => delete p.data.messageProfile.deliveryChannel,
    ],
  ])('names the missing required field %s', async (location, remove) => {
    // Prepare
    const payload = sms() as unknown as Record<string, any>;
    remove(payload);

    // Act
    const error = await problemsOf(JSON.stringify(payload));

    // Assess
    expect(error.problems).toContainEqual({ location, message: `${location} is required` });
  });

  it.each([
    ['eventType', (p: Record<string, any>) => (p.eventType = 'com.okta.other')],
    ['requestType', (p: Record<string, any>) => (p.requestType = 'com.okta.user.telephony.other')],
    [
      'data.messageProfile.deliveryChannel',
      (p: Record<string, any>) => (p.data.messageProfile.deliveryChannel = 'email'),
    ],
    ['data.messageProfile.otpCode', (p: Record<string, any>) => (p.data.messageProfile.otpCode = '12')],
    [
      'data.messageProfile.phoneNumber',
      (p: Record<string, any>) => (p.data.messageProfile.phoneNumber = 12345),
    ],
  ])('rejects a bad value at %s', async (location, spoil) => {
    const payload = sms() as unknown as Record<string, any>;
    spoil(payload);
    const error = await problemsOf(JSON.stringify(payload));
    expect(error.problems.map((p) => p.location)).toContain(location);
  });

  it.each([['abc'], ['+'], [''], ['1'.repeat(40)], ['9876543210']])(
    'accepts %j as a phoneNumber that cannot be delivered, not as a malformed request',
    async (phoneNumber) => {
      // Prepare
      const payload = sms();
      payload.data.messageProfile.phoneNumber = phoneNumber;

      // Act
      const request = await parseHookRequest(JSON.stringify(payload));

      // Assess
      expect(request.phone).toBeUndefined();
      expect(request.country).toBeUndefined();
    },
  );

  it('reads a national number with the default phone region only', async () => {
    const payload = sms();
    payload.data.messageProfile.phoneNumber = '4155550123';
    expect((await parseHookRequest(JSON.stringify(payload))).phone).toBeUndefined();
    expect((await parseHookRequest(JSON.stringify(payload), { defaultPhoneRegion: 'US' })).phone).toBe(
      '+14155550123',
    );
  });

  it('never repeats the code in a validation message', async () => {
    const payload = sms() as unknown as Record<string, any>;
    payload.data.messageProfile.otpCode = '12345678901234567890';
    const error = await problemsOf(JSON.stringify(payload));
    expect(JSON.stringify(error.problems) + error.message).not.toContain('12345678901234567890');
  });
});

describe('what the abuse guard counts', () => {
  it("reads Okta's user id and the end user's IP address", async () => {
    const request = await parseHookRequest(JSON.stringify(sms()));
    expect(request).toMatchObject({ userId: '00uyxxSknGtK8022w0g3', clientIp: '203.0.113.10' });
  });

  it.each([
    ['missing', undefined],
    ['not a string', 42],
    ['blank', '   '],
    ['longer than 128 characters', 'x'.repeat(129)],
  ])('reads no user id or IP address when it is %s', async (_, value) => {
    // Prepare
    const payload = sms() as unknown as Record<string, any>;
    payload.data.userProfile.userId = value;
    payload.data.context.request.ipAddress = value;

    // Act
    const request = await parseHookRequest(JSON.stringify(payload));

    // Assess
    expect(request).not.toHaveProperty('userId');
    expect(request).not.toHaveProperty('clientIp');
  });
});
