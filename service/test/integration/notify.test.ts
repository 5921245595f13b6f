/**
 * AWS-managed senders over real HTTP, under the roles the stack synthesizes: the local routing sends Brazil through the
 * stand-in's Notify configuration alone, and lists it last for the US (after two numbers). Okta's code goes out as
 * the template's variable, in AWS's text for the user's language; Notify's refusals fail over or answer Okta's error.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_NOTIFY_CONFIGURATION_ID } from '../../local/emulators/notify.js';
import type { LocalStack } from '../../local/stack.js';
import {
  deadLetters,
  eventually,
  hookRequest,
  messageItem,
  mint,
  outbox,
  postHook,
  redactionProblems,
  resetStack,
  setFaults,
  startStack,
  transactionIdOf,
} from './helpers.js';

let stack: LocalStack;
let token: string;

beforeAll(async () => {
  stack = await startStack();
  token = await mint(stack);
});
afterAll(() => stack?.close());
beforeEach(() => resetStack(stack));

const NOTIFY = `notify:${LOCAL_NOTIFY_CONFIGURATION_ID}`;
const brazil = (locale = 'pt-BR') =>
  hookRequest('request-sms-mfa-verification', (p) => {
    p.data.messageProfile.phoneNumber = '+5511987654321';
    p.data.messageProfile.locale = locale;
  });

describe('Notify as a route', () => {
  it("sends Brazil's code from AWS's senders in Portuguese, with its receipt recorded like any other", async () => {
    // Prepare
    const payload = brazil();

    // Act
    const answer = await postHook(stack, payload, { token });

    // Assess
    expect(answer.status).toBe(200);
    const messageId = transactionIdOf(answer);
    const [sent] = await outbox(stack);
    expect(sent).toMatchObject({
      OriginationIdentity: NOTIFY,
      NotifyConfigurationId: LOCAL_NOTIFY_CONFIGURATION_ID,
      TemplateId: 'notify-otp-pt-br-sms-001',
      TemplateVariables: { code: payload.data.messageProfile.otpCode },
      Context: { eventId: payload.eventId },
      messageId,
    });
    expect(sent!.MessageBody).toContain(payload.data.messageProfile.otpCode);
    const item = await eventually(async () => {
      const found = await messageItem(stack, messageId);
      return found?.deliveryFinal ? found : undefined;
    }, "the Notify message's receipt");
    expect(item).toMatchObject({ originationIdentity: NOTIFY, deliveryStatus: 'delivered', country: 'BR' });
  });

  it("calls with AWS's English voice template when Portuguese has none", async () => {
    // Act
    await postHook(
      stack,
      hookRequest('request-call-mfa-verification-en', (p) => {
        p.data.messageProfile.phoneNumber = '+5511987654321';
        p.data.messageProfile.locale = 'pt-BR';
      }),
      { token },
    );

    // Assess
    expect(await outbox(stack)).toMatchObject([
      { channel: 'VOICE', OriginationIdentity: NOTIFY, TemplateId: 'notify-otp-en-us-voice-001' },
    ]);
  });

  it("answers Okta's error and leaves one redacted DLQ record when Notify's spend limit is reached", async () => {
    // Prepare
    await setFaults(stack, { messaging: { mode: 'notify-spend-limit' } });
    const payload = brazil();

    // Act
    const answer = await postHook(stack, payload, { token });

    // Assess
    expect(answer.body.error.errorCauses[0]).toMatchObject({ reason: 'SPEND_LIMIT_REACHED', location: 'BR' });
    expect(await outbox(stack)).toEqual([]);
    const records = await deadLetters(stack);
    expect(records).toHaveLength(1);
    expect(records[0]!.error.message).toContain('MONTHLY_SPEND_LIMIT_REACHED_FOR_NOTIFY');
    expect(redactionProblems(records[0]!, payload)).toEqual([]);
  });
});

describe('Notify as the last failover', () => {
  it('sends the US code from AWS senders when both numbers are inactive: SUCCESSFUL, no DLQ record', async () => {
    // Prepare
    await setFaults(stack, {
      messaging: { mode: 'identity-inactive', identity: ['+12065550100', '+12065550101'] },
    });

    // Act
    const answer = await postHook(stack, hookRequest(), { token });

    // Assess
    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect(await outbox(stack)).toMatchObject([
      { OriginationIdentity: NOTIFY, TemplateId: 'notify-otp-en-us-sms-001' },
    ]);
    expect(await deadLetters(stack)).toEqual([]);
  });

  it('answers the last refusal when the Notify configuration is not ACTIVE either', async () => {
    // Prepare
    await setFaults(stack, {
      messaging: { mode: 'identity-inactive', identity: ['+12065550100', '+12065550101', NOTIFY] },
    });

    // Act
    const answer = await postHook(stack, hookRequest(), { token });

    // Assess
    expect(answer.body.error.errorCauses[0]).toMatchObject({ reason: 'IDENTITY_REFUSED', location: 'US' });
    const records = await deadLetters(stack);
    expect(records).toMatchObject([{ attempts: 3, error: { reason: 'identity_refused' } }]);
    expect(records[0]!.error.message).toContain('NOTIFY_CONFIGURATION_NOT_ACTIVE');
  });

  it('escalates a resend of an undelivered code to the next identity, and then to Notify', async () => {
    // Prepare: the first code and its resend both fail at the carrier
    await setFaults(stack, { receipts: { status: 'CARRIER_UNREACHABLE' } });
    const as = (isResend: boolean) =>
      hookRequest('request-sms-mfa-verification', (p) => {
        p.data.userProfile = {
          ...p.data.userProfile,
          userId: '00uNotifyResend1',
        } as typeof p.data.userProfile;
        (p.data.messageProfile as { isResend?: boolean }).isResend = isResend;
      });
    const first = transactionIdOf(await postHook(stack, as(false), { token }));
    await eventually(async () => (await messageItem(stack, first))?.deliveryFinal, 'the first receipt');
    const second = transactionIdOf(await postHook(stack, as(true), { token }));
    await eventually(async () => (await messageItem(stack, second))?.deliveryFinal, 'the second receipt');

    // Act
    await postHook(stack, as(true), { token });

    // Assess
    expect((await outbox(stack)).map((m) => m.OriginationIdentity)).toEqual([
      '+12065550100',
      '+12065550101',
      NOTIFY,
    ]);
  });
});
