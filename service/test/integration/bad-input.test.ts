/**
 * Every class of bad input is refused without a send: a body that is not Okta's hook (400 from the request
 * validator, in Okta's error format), a body over the size limit (blocked as WAF blocks it), and valid requests that
 * cannot be delivered (Okta's error object, HTTP 200, a DLQ record).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import {
  deadLetters,
  hookRequest,
  mint,
  outbox,
  postHook,
  redactionProblems,
  resetStack,
  startStack,
} from './helpers.js';

let stack: LocalStack;
let token: string;

beforeAll(async () => {
  stack = await startStack();
  token = await mint(stack);
});
afterAll(() => stack?.close());
beforeEach(() => resetStack(stack));

describe('bodies that are not an Okta hook request', () => {
  const cases: Array<[string, unknown]> = [
    ['not JSON', '{"eventType": "com.okta.telephony.provider",'],
    ['an empty body', ''],
    ['a JSON array', '[]'],
    ['a wrong eventType', hookRequest(undefined, (p) => (p.eventType = 'com.okta.event_hook'))],
    [
      'an unknown requestType',
      hookRequest(undefined, (p) => (p.requestType = 'com.okta.user.telephony.other')),
    ],
    ['no messageProfile', hookRequest(undefined, (p) => delete (p.data as any).messageProfile)],
    ['no otpCode', hookRequest(undefined, (p) => delete (p.data.messageProfile as any).otpCode)],
    [
      'an unknown deliveryChannel',
      hookRequest(undefined, (p) => (p.data.messageProfile.deliveryChannel = 'EMAIL')),
    ],
    [
      'a phone number that is not a string',
      hookRequest(undefined, (p) => ((p.data.messageProfile as any).phoneNumber = 4155550123)),
    ],
    ['no request id', hookRequest(undefined, (p) => delete (p.data.context.request as any).id)],
  ];

  it.each(cases)('answers 400 in Okta error format for %s, and sends nothing', async (_name, body) => {
    const answer = await postHook(stack, body, { token });

    expect(answer.status).toBe(400);
    expect(answer.body.error.errorSummary).toEqual(expect.any(String));
    expect(answer.body.error.errorCauses.length).toBeGreaterThan(0);
    expect(await outbox(stack)).toEqual([]);
    expect(await deadLetters(stack)).toEqual([]);
  });

  it('blocks a body over 8 KB before the authorizer and sends nothing', async () => {
    const huge = hookRequest(undefined, (p) => ((p.data as any).userProfile.padding = 'x'.repeat(9000)));

    const answer = await postHook(stack, huge, { token });

    expect(answer.status).toBe(403);
    expect(await outbox(stack)).toEqual([]);
  });
});

describe('valid requests that cannot be delivered', () => {
  const cases: Array<[string, string, string]> = [
    ['a number that is not a phone number', '+1555', 'INVALID_PHONE_NUMBER'],
    ['a phone number with letters', 'call-me', 'INVALID_PHONE_NUMBER'],
    ['a lone +', '+', 'INVALID_PHONE_NUMBER'],
    ['40 digits', '1'.repeat(40), 'INVALID_PHONE_NUMBER'],
    ["Okta's preview number without a country code", '9876543210', 'INVALID_PHONE_NUMBER'],
    ['a country that is not allowed', '+79123456789', 'COUNTRY_NOT_ALLOWED'],
  ];

  it.each(cases)(
    'answers 200 with an Okta error object for %s, sends nothing, and writes a redacted DLQ record',
    async (_name, phone, reason) => {
      // Prepare
      const payload = hookRequest(undefined, (p) => (p.data.messageProfile.phoneNumber = phone));

      // Act
      const answer = await postHook(stack, payload, { token });

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.body.error.errorCauses[0].reason).toBe(reason);
      expect(await outbox(stack)).toEqual([]);
      const records = await deadLetters(stack);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        version: 1,
        eventId: payload.eventId,
        error: { reason: reason.toLowerCase() },
      });
      expect(redactionProblems(records[0]!, payload)).toEqual([]);
    },
  );
});
