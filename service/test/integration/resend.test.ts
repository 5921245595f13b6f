/**
 * A resend takes another way, over real HTTP: the local routing gives the US two identities; the stand-in's receipts
 * (`receipts` fault) say whether the first code arrived. A resend (Okta's `isResend`) of a code that failed, or that
 * nothing came back for, goes out from the other identity; a resend of a delivered code keeps its identity. One send
 * per request, every time, and the outbox shows what the resend rule did.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OktaHookRequestFixture } from '../../../contracts/fixtures/index.js';
import type { LocalStack } from '../../local/stack.js';
import {
  eventually,
  hookRequest,
  messageItem,
  mint,
  outbox,
  postHook,
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

let users = 0;
/** A first request and its resend: one user, one number, each with its own event id and code. */
function firstAndResend(): [OktaHookRequestFixture, OktaHookRequestFixture] {
  users += 1;
  const userId = `00uResend${Date.now().toString(36)}${users}`;
  const as = (isResend: boolean) =>
    hookRequest('request-sms-mfa-verification', (p) => {
      p.data.userProfile = { ...p.data.userProfile, userId } as typeof p.data.userProfile;
      p.data.messageProfile.phoneNumber = '+14155550142';
      (p.data.messageProfile as { isResend?: boolean }).isResend = isResend;
    });
  return [as(false), as(true)];
}

/** The message item once the receipts handler recorded its final receipt. */
const finalReceipt = (messageId: string) =>
  eventually(async () => {
    const item = await messageItem(stack, messageId);
    return item?.deliveryFinal === true ? item : undefined;
  }, `the final receipt of ${messageId} in the messages table`);

describe('a resend', () => {
  it('goes out from the next identity after a failure receipt, once, and the outbox says so', async () => {
    // Prepare: the first code's carrier is unreachable (a final failure)
    await setFaults(stack, { receipts: { status: 'CARRIER_UNREACHABLE' } });
    const [first, resend] = firstAndResend();
    const firstId = transactionIdOf(await postHook(stack, first, { token }));
    expect((await finalReceipt(firstId)).deliveryStatus).toBe('carrier_unreachable');

    // Act
    const answer = await postHook(stack, resend, { token });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    const sent = await outbox(stack);
    expect(sent.map((m) => m.OriginationIdentity)).toEqual(['+12065550100', '+12065550101']);
    expect(sent[1]!.Context).toEqual({ eventId: resend.eventId, resend: 'escalated:failed' });
    expect(sent[1]!.messageId).toBe(transactionIdOf(answer));
  });

  it('goes out from the next identity when nothing came back for the first code yet', async () => {
    // Prepare: receipts a minute away
    await setFaults(stack, { receipts: { status: 'DELIVERED', delayMs: 60_000 } });
    const [first, resend] = firstAndResend();
    await postHook(stack, first, { token });

    // Act
    await postHook(stack, resend, { token });

    // Assess
    const sent = await outbox(stack);
    expect(sent.map((m) => m.OriginationIdentity)).toEqual(['+12065550100', '+12065550101']);
    expect(sent[1]!.Context.resend).toBe('escalated:no_receipt');
  });

  it("keeps a delivered code's identity", async () => {
    // Prepare: the default receipt, TEXT_DELIVERED
    const [first, resend] = firstAndResend();
    const firstId = transactionIdOf(await postHook(stack, first, { token }));
    expect((await finalReceipt(firstId)).deliveryStatus).toBe('delivered');

    // Act
    await postHook(stack, resend, { token });

    // Assess
    const sent = await outbox(stack);
    expect(sent.map((m) => m.OriginationIdentity)).toEqual(['+12065550100', '+12065550100']);
    expect(sent[1]!.Context.resend).toBe('kept:delivered');
  });

  it('sends a new code when the resend reuses the first request’s event id', async () => {
    // Prepare: Okta documents a new event id per hook call; should a resend reuse one, the user still gets a code
    await setFaults(stack, { receipts: { status: 'CARRIER_UNREACHABLE' } });
    const [first, resend] = firstAndResend();
    resend.eventId = first.eventId;
    resend.data.context.request.id = `${first.data.context.request.id}-again`;
    const firstId = transactionIdOf(await postHook(stack, first, { token }));
    await finalReceipt(firstId);

    // Act
    const answer = await postHook(stack, resend, { token });
    const again = await postHook(stack, resend, { token });

    // Assess: a new code from the other identity; the duplicate of the resend is a replay
    expect(transactionIdOf(answer)).not.toBe(firstId);
    expect(transactionIdOf(again)).toBe(transactionIdOf(answer));
    const sent = await outbox(stack);
    expect(sent.map((m) => m.OriginationIdentity)).toEqual(['+12065550100', '+12065550101']);
  });
});
