/**
 * Okta → local API Gateway → real authorizer and delivery handlers → End User Messaging stand-in, over HTTP:
 * both channels, the locale fallback, and exactly one send per Okta event.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { hookRequest, mint, outbox, postHook, resetStack, startStack } from './helpers.js';

let stack: LocalStack;
let token: string;

beforeAll(async () => {
  stack = await startStack();
  token = await mint(stack);
});
afterAll(() => stack?.close());
beforeEach(() => resetStack(stack));

const statusOf = (body: any) => body?.commands?.[0]?.value?.[0]?.status;
const transactionOf = (body: any) => body?.commands?.[0]?.value?.[0]?.transactionId;

describe('both channels, end to end', () => {
  it('delivers an SMS and answers SUCCESSFUL with the MessageId as transactionId', async () => {
    // Prepare
    const payload = hookRequest('request-sms-mfa-verification');

    // Act
    const answer = await postHook(stack, payload, { token });

    // Assess
    expect(answer.status).toBe(200);
    expect(statusOf(answer.body)).toBe('SUCCESSFUL');
    const sent = await outbox(stack);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      channel: 'SMS',
      DestinationPhoneNumber: '+14155550123',
      OriginationIdentity: '+12065550100',
      MessageType: 'TRANSACTIONAL',
      messageId: transactionOf(answer.body),
    });
    expect(sent[0]!.MessageBody).toContain(payload.data.messageProfile.otpCode);
    expect(answer.elapsedMs).toBeLessThan(3000);
  });

  it('places a voice call with SSML and the locale voice for a CALL request', async () => {
    // Prepare
    const payload = hookRequest('request-call-account-unlock-es-mx');

    // Act
    const answer = await postHook(stack, payload, { token });

    // Assess
    expect(statusOf(answer.body)).toBe('SUCCESSFUL');
    const [call] = await outbox(stack);
    expect(call).toMatchObject({ channel: 'VOICE', MessageBodyTextType: 'SSML', VoiceId: 'MIA' });
    expect(call!.MessageBody).toMatch(/^<speak>[\s\S]*<\/speak>$/);
    expect(call!.messageId).toBe(transactionOf(answer.body));
  });

  it('accepts "Voice call" and a phone number without the leading +', async () => {
    const voice = await postHook(stack, hookRequest('request-voice-call-password-reset-unknown-locale'), {
      token,
    });
    const noPlus = await postHook(stack, hookRequest('request-sms-pre-enrollment-no-plus'), { token });

    expect([statusOf(voice.body), statusOf(noPlus.body)]).toEqual(['SUCCESSFUL', 'SUCCESSFUL']);
    const sent = await outbox(stack);
    expect(sent.map((m) => m.channel).sort()).toEqual(['SMS', 'VOICE']);
    expect(sent.every((m) => String(m.DestinationPhoneNumber).startsWith('+'))).toBe(true);
  });
});

describe('the locale fallback', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['exact locale', 'request-sms-password-reset-es-mx', 'es-MX', /Vence en/],
    ['language of the locale', 'request-sms-mfa-verification', 'es-ES', /Caduca en/],
    [
      'default language for an unknown locale',
      'request-sms-mfa-verification',
      'ko-KR',
      /Your verification code/,
    ],
    ['upper-case Okta locale', 'request-sms-mfa-verification', 'FR-FR', /Votre code/],
  ];

  it.each(cases)('uses the %s template', async (_name, fixture, locale, expected) => {
    const answer = await postHook(
      stack,
      hookRequest(fixture, (p) => (p.data.messageProfile.locale = locale)),
      { token },
    );

    expect(statusOf(answer.body)).toBe('SUCCESSFUL');
    const [sms] = await outbox(stack);
    expect(sms!.MessageBody).toMatch(expected);
  });

  it('speaks an unknown-locale voice call in the default language with its voice', async () => {
    await postHook(stack, hookRequest('request-voice-call-password-reset-unknown-locale'), { token });

    const [call] = await outbox(stack);
    expect(call).toMatchObject({ channel: 'VOICE', VoiceId: 'JOANNA' });
  });
});

describe('identities per channel', () => {
  // service/templates/config.json routes GB to the sender ID OKTAMFA, which End User Messaging (and its stand-in)
  // refuses for calls. The number is in Ofcom's range for drama.
  const toGb = (fixture: string) =>
    hookRequest(fixture, (p) => (p.data.messageProfile.phoneNumber = '+442079460123'));

  it('places a call to a country whose SMS identity is a sender ID from the default voice-capable number', async () => {
    // Act
    const answer = await postHook(stack, toGb('request-call-mfa-verification-en'), { token });

    // Assess
    expect(statusOf(answer.body)).toBe('SUCCESSFUL');
    const [call] = await outbox(stack);
    expect(call).toMatchObject({
      channel: 'VOICE',
      DestinationPhoneNumber: '+442079460123',
      OriginationIdentity: '+12065550100',
    });
  });

  it('still sends the SMS to that country from its sender ID', async () => {
    // Act
    const answer = await postHook(stack, toGb('request-sms-mfa-verification'), { token });

    // Assess
    expect(statusOf(answer.body)).toBe('SUCCESSFUL');
    const [sms] = await outbox(stack);
    expect(sms).toMatchObject({ channel: 'SMS', OriginationIdentity: 'OKTAMFA' });
  });
});

describe('one send per Okta event', () => {
  it("answers Okta's retry with the same transactionId and sends nothing more", async () => {
    // Prepare
    const payload = hookRequest();
    const first = await postHook(stack, payload, { token });

    // Act
    const retry = await postHook(stack, payload, { token });

    // Assess
    expect(retry.status).toBe(200);
    expect(transactionOf(retry.body)).toBe(transactionOf(first.body));
    expect(await outbox(stack)).toHaveLength(1);
  });

  it('sends once when duplicates arrive concurrently, and every answer is SUCCESSFUL or PENDING', async () => {
    // Prepare
    const payload = hookRequest('request-call-mfa-verification-en');

    // Act
    const answers = await Promise.all(Array.from({ length: 6 }, () => postHook(stack, payload, { token })));

    // Assess
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.every((a) => ['SUCCESSFUL', 'PENDING'].includes(statusOf(a.body)))).toBe(true);
    const sent = await outbox(stack);
    expect(sent).toHaveLength(1);
    const ids = new Set(
      answers.filter((a) => statusOf(a.body) === 'SUCCESSFUL').map((a) => transactionOf(a.body)),
    );
    expect([...ids]).toEqual([sent[0]!.messageId]);
  });

  it('treats the same eventId with another code as a reuse, not a resend', async () => {
    const payload = hookRequest();
    await postHook(stack, payload, { token });
    const other = structuredClone(payload);
    other.data.messageProfile.otpCode = '999111';

    const answer = await postHook(stack, other, { token });

    expect(answer.status).toBe(200);
    expect(answer.body.error).toBeDefined();
    expect(await outbox(stack)).toHaveLength(1);
  });
});
