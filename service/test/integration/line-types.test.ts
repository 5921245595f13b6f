/**
 * Line types from the carrier, over real HTTP under the synthesized roles: with `CARRIER_LOOKUP=enrolment`, the hook
 * asks `CarrierLookup` once at pre-enrollment and keeps the answer; the voice fallback then trusts the carrier over the
 * numbering plan (a US number the plan cannot type is called when its carrier says landline), and `REFUSED_LINE_TYPES`
 * refuses enrolments of numbers no carrier serves as a phone. A failed lookup never holds a code back.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import {
  deadLetters,
  hookRequest,
  mint,
  outbox,
  postHook,
  resetStack,
  setFaults,
  startStack,
} from './helpers.js';

let stack: LocalStack;
let token: string;

beforeAll(async () => {
  stack = await startStack({
    env: {
      hook: { CARRIER_LOOKUP: 'enrolment', REFUSED_LINE_TYPES: 'INVALID,OTHER', VOICE_FALLBACK: 'true' },
    },
  });
  token = await mint(stack);
});
afterAll(() => stack?.close());
beforeEach(() => resetStack(stack));

const enrol = (phoneNumber: string) =>
  hookRequest('request-sms-pre-enrollment-no-plus', (p) => {
    p.data.messageProfile.phoneNumber = phoneNumber;
  });
const signIn = (phoneNumber: string) =>
  hookRequest('request-sms-mfa-verification', (p) => {
    p.data.messageProfile.phoneNumber = phoneNumber;
  });

describe('line types from the carrier', () => {
  it("calls a landline the numbering plan cannot type, from the carrier's answer at enrolment, then without asking again", async () => {
    // Prepare: +1 415 555 9xxx is a landline by the stand-in's rule; libphonenumber says FIXED_LINE_OR_MOBILE (texted)
    const phone = `+1415555${9000 + Math.floor(Math.random() * 999)}`;
    const before = stack.messaging.lookups();

    // Act
    const enrolled = await postHook(stack, enrol(phone), { token });
    const signedIn = await postHook(stack, signIn(phone), { token });

    // Assess: both codes went out as calls; one lookup, the second read from the table
    expect(enrolled.body.commands[0].value[0].transactionMetadata).toContain('"requestedChannel":"sms"');
    expect(signedIn.body.commands[0].value[0].transactionMetadata).toContain('"channel":"voice"');
    expect((await outbox(stack)).map((m) => m.channel)).toEqual(['VOICE', 'VOICE']);
    expect(stack.messaging.lookups() - before).toBe(1);
  });

  it('texts a number its carrier says is mobile', async () => {
    // Act
    await postHook(stack, enrol('+14155550188'), { token });

    // Assess
    expect((await outbox(stack)).map((m) => m.channel)).toEqual(['SMS']);
  });

  it("refuses the enrolment of a number no carrier serves as a phone: the guard's answer, no send, no DLQ record", async () => {
    // Act: a UK VoIP number (the carrier says OTHER)
    const answer = await postHook(stack, enrol('+445612345678'), { token });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.error.errorCauses[0]).toMatchObject({ reason: 'LINE_TYPE' });
    expect(await outbox(stack)).toEqual([]);
    expect(await deadLetters(stack)).toEqual([]);
  });

  it('fails open when the lookup is refused: the code goes out as the numbering plan says', async () => {
    // Prepare: the hook's role loses CarrierLookup
    await setFaults(stack, { iam: { function: 'deliver-otp', deny: 'sms-voice:CarrierLookup' } });

    // Act: another UK VoIP number (the one above has its OTHER kept)
    const answer = await postHook(stack, enrol('+445612345679'), { token });

    // Assess: VoIP is no refused libphonenumber type, so the code is sent
    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect(await outbox(stack)).toHaveLength(1);
  });
});
