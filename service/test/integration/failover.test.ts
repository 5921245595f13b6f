/**
 * Failover over real HTTP: the local default routing gives the US two identities, and the stand-in's
 * `identity-inactive` fault refuses sends from one as End User Messaging refuses an inactive number. A dead first
 * identity costs a sign-in nothing; only when every identity refuses does Okta get the error object (and take over).
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
  setFaults,
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

describe('origination failover', () => {
  it('sends the code once, from the second US identity, when the first is inactive: SUCCESSFUL, no DLQ record', async () => {
    // Prepare
    await setFaults(stack, { messaging: { mode: 'identity-inactive', identity: '+12065550100' } });
    const payload = hookRequest('request-sms-mfa-verification');

    // Act
    const answer = await postHook(stack, payload, { token });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.elapsedMs).toBeLessThan(3000);
    const sent = await outbox(stack);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ channel: 'SMS', OriginationIdentity: '+12065550101' });
    expect(answer.body.commands[0].value[0]).toMatchObject({
      status: 'SUCCESSFUL',
      transactionId: sent[0]!.messageId,
    });
    expect(await deadLetters(stack)).toEqual([]);
  });

  it('answers the error object and leaves one redacted DLQ record when every US identity is inactive', async () => {
    // Prepare: both numbers and the route's last identity, the Notify configuration (notify.test.ts sends from it)
    await setFaults(stack, {
      messaging: {
        mode: 'identity-inactive',
        identity: ['+12065550100', '+12065550101', 'notify:nc-0local0notify0001'],
      },
    });
    const payload = hookRequest('request-sms-mfa-verification');

    // Act
    const answer = await postHook(stack, payload, { token });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.elapsedMs).toBeLessThan(3000);
    expect(answer.body.error.errorCauses[0]).toMatchObject({ reason: 'IDENTITY_REFUSED', location: 'US' });
    expect(await outbox(stack)).toEqual([]);
    const records = await deadLetters(stack);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      eventId: payload.eventId,
      channel: 'sms',
      attempts: 3,
      error: { reason: 'identity_refused' },
    });
    expect(records[0]!.error.message).toContain('NOT_ACTIVE');
    expect(redactionProblems(records[0]!, payload)).toEqual([]);
  });

  it('refuses an identity-inactive fault that names no identity', async () => {
    // Act
    const response = await setFaults(stack, { messaging: { mode: 'identity-inactive' } });

    // Assess
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('messaging.identity');
  });
});

describe('voice fallback for landlines (VOICE_FALLBACK=true)', () => {
  let fallbackStack: LocalStack;
  let fallbackToken: string;
  beforeAll(async () => {
    fallbackStack = await startStack({ env: { hook: { VOICE_FALLBACK: 'true' } } });
    fallbackToken = await mint(fallbackStack);
  });
  afterAll(() => fallbackStack?.close());
  beforeEach(() => resetStack(fallbackStack));

  it('calls a UK landline Okta asked to text, once, and tells Okta the channel used in transactionMetadata', async () => {
    // Prepare: +44 20 7946 0123 is a London fixed line; GB texts from a sender ID and calls from the default number
    const payload = hookRequest('request-sms-mfa-verification', (p) => {
      p.data.messageProfile.phoneNumber = '+442079460123';
    });

    // Act
    const answer = await postHook(fallbackStack, payload, { token: fallbackToken });

    // Assess
    expect(answer.status).toBe(200);
    const sent = await outbox(fallbackStack);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ channel: 'VOICE', OriginationIdentity: '+12065550100' });
    expect(String(sent[0]!.MessageBody)).toMatch(/^<speak>/);
    const value = answer.body.commands[0].value[0];
    expect(value).toMatchObject({ status: 'SUCCESSFUL', transactionId: sent[0]!.messageId });
    expect(JSON.parse(value.transactionMetadata)).toMatchObject({
      channel: 'voice',
      requestedChannel: 'sms',
    });
  });

  it('still texts a mobile number', async () => {
    // Prepare: +44 7400 123456 is a UK (GB) mobile number
    const payload = hookRequest('request-sms-mfa-verification', (p) => {
      p.data.messageProfile.phoneNumber = '+447400123456';
    });

    // Act
    const answer = await postHook(fallbackStack, payload, { token: fallbackToken });

    // Assess
    expect(answer.status).toBe(200);
    const sent = await outbox(fallbackStack);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ channel: 'SMS', OriginationIdentity: 'OKTAMFA' });
  });
});
