// Line types from the carrier: when a request wants one, what the voice fallback and refusedLineTypes do with it,
// deliverOtp with a fake source (the lookup only after the guard allowed, once, failing open), and the stand-in's rule.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadFixture } from '../../../../contracts/fixtures/index.js';
import { carrierLookup } from '../../../local/emulators/carrier-lookup.js';
import type { AbuseCheck } from '../../../src/domain/abuse-guard.js';
import { Deadline } from '../../../src/domain/deadline.js';
import {
  type DeliveryDeps,
  deliverOtp,
  type MessageSender,
  type OutboundMessage,
} from '../../../src/domain/deliver.js';
import { parseHookRequest } from '../../../src/domain/hook-request.js';
import {
  isLandlineNumber,
  type LineType,
  type LineTypeSource,
  lineTypeWanted,
  refusedLineType,
} from '../../../src/domain/line-type.js';
import type { RoutingConfig } from '../../../src/domain/routing.js';

const ENROL = 'com.okta.user.telephony.pre-enrollment';
const VERIFY = 'com.okta.user.telephony.mfa-verification';
const on = {
  carrierLookup: 'enrolment',
  refusedLineTypes: ['INVALID', 'OTHER'],
  voiceFallback: true,
} as const;

describe('line type rules', () => {
  const request = (requestType: string, channel: 'sms' | 'voice' = 'sms') => ({
    requestType,
    channel,
    phone: '+14155550123',
    numberDigest: 'd',
  });

  it('looks up at enrolment, reads the kept type for an SMS the fallback may call, and nothing when off', () => {
    expect(lineTypeWanted(request(ENROL), on)).toBe('lookup');
    expect(lineTypeWanted(request(VERIFY), on)).toBe('stored');
    expect(lineTypeWanted(request(VERIFY, 'voice'), on)).toBeUndefined();
    expect(lineTypeWanted(request(VERIFY), { ...on, voiceFallback: false })).toBeUndefined();
    expect(lineTypeWanted(request(ENROL), { ...on, carrierLookup: 'off' })).toBeUndefined();
    expect(lineTypeWanted({ ...request(ENROL), numberDigest: undefined }, on)).toBeUndefined();
  });

  it("trusts the carrier over the numbering plan, and the plan when there is no carrier's answer", () => {
    // +44 20… is a London fixed line by the plan; a US number is FIXED_LINE_OR_MOBILE (never a landline by the plan)
    expect(isLandlineNumber('+442079460123', undefined)).toBe(true);
    expect(isLandlineNumber('+442079460123', { lineType: 'MOBILE', source: 'stored' })).toBe(false);
    expect(isLandlineNumber('+14155550123', { lineType: 'LANDLINE', source: 'lookup' })).toBe(true);
    expect(isLandlineNumber('+14155550123', { source: 'lookup', failed: true })).toBe(false);
  });

  it('refuses only an enrolment, only on a carrier answer that is listed', () => {
    const other = { lineType: 'OTHER' as const, source: 'lookup' as const };
    expect(refusedLineType({ requestType: ENROL }, other, on)).toBe(true);
    expect(refusedLineType({ requestType: VERIFY }, other, on)).toBe(false);
    expect(refusedLineType({ requestType: ENROL }, { lineType: 'LANDLINE', source: 'lookup' }, on)).toBe(
      false,
    );
    expect(refusedLineType({ requestType: ENROL }, { source: 'lookup', failed: true }, on)).toBe(false);
  });
});

describe('deliverOtp with line types', () => {
  const routing: RoutingConfig = {
    defaultOriginationIdentity: '+12065550100',
    originationIdentities: {},
    allowedCountries: ['US', 'GB'],
  };
  const allow: AbuseCheck = { check: async () => ({ verdict: 'allow', allowListed: false }) };

  function fakes(source: Partial<LineTypeSource>, guard: AbuseCheck = allow) {
    const asked: OutboundMessage[] = [];
    const calls: string[] = [];
    const sender: MessageSender = {
      send: async (message) => {
        asked.push(message);
        return { messageId: `m-${asked.length}`, attempts: 1 };
      },
    };
    const lineTypes: LineTypeSource = {
      lookup: async (...args) => {
        calls.push('lookup');
        return source.lookup ? source.lookup(...args) : undefined;
      },
      stored: async (...args) => {
        calls.push('stored');
        return source.stored ? source.stored(...args) : undefined;
      },
    };
    const deps: DeliveryDeps = {
      templates: { templates: async () => undefined, routing: async () => routing },
      sender,
      deadLetters: { write: async () => undefined },
      guard,
      defaultLocale: 'en',
      voiceFallback: true,
      lineTypes,
      lineTypeSettings: { carrierLookup: 'enrolment', refusedLineTypes: ['INVALID', 'OTHER'] },
    };
    return { asked, calls, deps };
  }

  async function request(requestType: string) {
    const p = loadFixture('request-sms-mfa-verification');
    p.eventId = randomUUID();
    p.requestType = requestType;
    p.data.messageProfile.phoneNumber = '+14155550123';
    p.data.messageProfile.otpExpires = new Date(Date.now() + 300_000).toISOString();
    return { ...(await parseHookRequest(JSON.stringify(p))), numberDigest: 'digest' };
  }
  const answer = (type: LineType | undefined) => async () => type;

  it('looks up at enrolment when nothing is kept, and calls a landline', async () => {
    // Prepare
    const { asked, calls, deps } = fakes({ lookup: answer('LANDLINE') });

    // Act
    const outcome = await deliverOtp(await request(ENROL), deps, new Deadline(2_500));

    // Assess
    expect(calls).toEqual(['stored', 'lookup']);
    expect(asked.map((m) => m.channel)).toEqual(['voice']);
    expect(outcome.lineType).toEqual({ lineType: 'LANDLINE', source: 'lookup' });
  });

  it('uses the kept type without a lookup', async () => {
    const { calls, asked, deps } = fakes({ stored: answer('LANDLINE'), lookup: answer('MOBILE') });
    await deliverOtp(await request(ENROL), deps, new Deadline(2_500));
    expect(calls).toEqual(['stored']);
    expect(asked.map((m) => m.channel)).toEqual(['voice']);
  });

  it('refuses an enrolment the carrier says is OTHER, as the guard refuses: no send', async () => {
    const { asked, deps } = fakes({ lookup: answer('OTHER') });
    const outcome = await deliverOtp(await request(ENROL), deps, new Deadline(2_500));
    expect(asked).toEqual([]);
    expect(outcome).toMatchObject({ outcome: 'blocked', reason: 'line_type' });
  });

  it('never pays for a lookup the guard refuses', async () => {
    const refuse: AbuseCheck = {
      check: async () => ({ verdict: 'refuse', reason: 'number_10m', reasons: ['number_10m'] }),
    };
    const { calls, deps } = fakes({ lookup: answer('MOBILE') }, refuse);
    await deliverOtp(await request(ENROL), deps, new Deadline(2_500));
    expect(calls).not.toContain('lookup');
  });

  it('fails open on a failed or slow lookup: the code goes out as the plan says', async () => {
    for (const lookup of [
      async () => Promise.reject(new Error('ThrottlingException')),
      () => new Promise<never>(() => undefined),
    ]) {
      const { asked, deps } = fakes({ lookup });
      const deadline = new Deadline(2_500);
      const outcome = await deliverOtp(await request(ENROL), deps, deadline);
      expect(asked.map((m) => m.channel)).toEqual(['sms']);
      expect(outcome.lineType).toEqual({ source: 'lookup', failed: true });
      expect(deadline.elapsedMs()).toBeLessThan(1_000);
    }
  });

  it('reads the kept type on a sign-in SMS, and never looks up then', async () => {
    const { calls, asked, deps } = fakes({ stored: answer(undefined), lookup: answer('LANDLINE') });
    await deliverOtp(await request(VERIFY), deps, new Deadline(2_500));
    expect(calls).toEqual(['stored']);
    expect(asked.map((m) => m.channel)).toEqual(['sms']);
  });
});

describe("the stand-in's CarrierLookup rule", () => {
  it.each([
    ['+14155559123', 'LANDLINE'],
    ['+1 (415) 555-0123', 'MOBILE'],
    ['+447911123456', 'MOBILE'],
    ['+442079460123', 'LANDLINE'],
    ['+445612345678', 'OTHER'],
    ['+4420', 'INVALID'],
  ])('answers %s as %s', (phone, type) => {
    expect(carrierLookup({ PhoneNumber: phone }).PhoneNumberType).toBe(type);
  });

  it('strips formatting to E.164 and refuses what is no phone number', () => {
    expect(carrierLookup({ PhoneNumber: '+1 (415) 555-0123' }).E164PhoneNumber).toBe('+14155550123');
    expect(() => carrierLookup({ PhoneNumber: '4155550123' })).toThrow(/PhoneNumber/);
    expect(() => carrierLookup({})).toThrow(/PhoneNumber/);
  });
});
