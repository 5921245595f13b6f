// A resend takes another way: the rule that orders a resend's identities, and deliverOtp with a fake history (which
// identity is asked, that one send is made, that a slow or failing history never holds a resend back).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadFixture, type OktaHookRequestFixture } from '../../../../contracts/fixtures/index.js';
import type { AbuseCheck } from '../../../src/domain/abuse-guard.js';
import { Deadline } from '../../../src/domain/deadline.js';
import {
  type DeadLetterSink,
  type DeliveryDeps,
  deliverOtp,
  type MessageSender,
  type OutboundMessage,
  type TemplateSource,
} from '../../../src/domain/deliver.js';
import { ProviderError } from '../../../src/domain/errors.js';
import { parseHookRequest } from '../../../src/domain/hook-request.js';
import { type PreviousSend, resendOrder, type SendHistory } from '../../../src/domain/resend.js';
import type { RoutingConfig } from '../../../src/domain/routing.js';

const A = '+12065550100';
const B = '+12065550101';
const C = `pool-${'c3'.repeat(16)}`;

const previous = (edit: Partial<PreviousSend> = {}): PreviousSend => ({
  messageId: 'm-0',
  channel: 'sms',
  originationIdentity: A,
  receipt: 'none',
  ...edit,
});

describe('resendOrder', () => {
  it('starts after the previous identity when its code has no receipt, the previous one last', () => {
    expect(resendOrder([A, B, C], 'sms', previous())).toEqual({
      identities: [B, C, A],
      decision: { action: 'escalate', reason: 'no_receipt', from: A },
    });
  });

  it('wraps round the route after its last identity, and names a final failure as the reason', () => {
    expect(resendOrder([A, B, C], 'sms', previous({ originationIdentity: C, receipt: 'failed' }))).toEqual({
      identities: [A, B, C],
      decision: { action: 'escalate', reason: 'failed', from: C },
    });
  });

  it("keeps a delivered code's identity, even one reached by failover", () => {
    expect(resendOrder([A, B, C], 'sms', previous({ originationIdentity: B, receipt: 'success' }))).toEqual({
      identities: [B, C, A],
      decision: { action: 'keep', why: 'delivered' },
    });
  });

  it('keeps the route when there is no other identity, or the previous one is not in it', () => {
    expect(resendOrder([A], 'sms', previous()).decision).toEqual({
      action: 'keep',
      why: 'no_other_identity',
    });
    expect(resendOrder([A, B], 'sms', previous({ originationIdentity: C }))).toEqual({
      identities: [A, B],
      decision: { action: 'keep', why: 'not_in_route' },
    });
    // A call after a text: another route, so the previous identity says nothing about this one.
    expect(resendOrder([A, B], 'voice', previous()).decision).toEqual({
      action: 'keep',
      why: 'not_in_route',
    });
  });
});

describe('deliverOtp on a resend', () => {
  const routing: RoutingConfig = {
    defaultOriginationIdentity: A,
    originationIdentities: { US: [A, B, C] },
    allowedCountries: ['US'],
  };
  const templates: TemplateSource = { templates: async () => undefined, routing: async () => routing };
  const guard: AbuseCheck = { check: async () => ({ verdict: 'allow', allowListed: false }) };

  function fakes(history: SendHistory | undefined, steps: Array<'ok' | Error> = []) {
    const asked: OutboundMessage[] = [];
    const lookups: Array<{ userId: string; numberDigest: string }> = [];
    const sender: MessageSender = {
      send: async (message) => {
        asked.push(message);
        const step = steps.shift() ?? 'ok';
        if (step !== 'ok') throw step;
        return {
          messageId: `m-${asked.length}`,
          attempts: 1,
          originationIdentity: message.originationIdentity,
        };
      },
    };
    const deadLetters: DeadLetterSink = { write: async () => undefined };
    const recording: SendHistory | undefined = history && {
      previous: (userId, numberDigest, waitMs) => {
        lookups.push({ userId, numberDigest });
        return history.previous(userId, numberDigest, waitMs);
      },
    };
    const deps: DeliveryDeps = {
      templates,
      sender,
      deadLetters,
      guard,
      defaultLocale: 'en',
      ...(recording ? { history: recording } : {}),
    };
    return { asked, lookups, deps };
  }
  const historyOf = (found: PreviousSend | undefined): SendHistory => ({ previous: async () => found });

  async function request(isResend: boolean | undefined) {
    const p = loadFixture('request-sms-mfa-verification');
    p.eventId = randomUUID();
    p.data.messageProfile.phoneNumber = '+14155550123';
    p.data.messageProfile.otpExpires = new Date(Date.now() + 300_000).toISOString();
    if (isResend === undefined) delete (p.data.messageProfile as { isResend?: boolean }).isResend;
    else (p.data.messageProfile as { isResend?: boolean }).isResend = isResend;
    return { ...(await parseHookRequest(JSON.stringify(p))), numberDigest: 'digest-of-the-number' };
  }

  it("sends a resend whose previous code failed from the route's next identity, once", async () => {
    // Prepare
    const { asked, lookups, deps } = fakes(historyOf(previous({ receipt: 'failed' })));
    const resend = await request(true);

    // Act
    const outcome = await deliverOtp(resend, deps, new Deadline(2_500));

    // Assess
    expect(asked.map((m) => m.originationIdentity)).toEqual([B]);
    expect(asked[0]?.resend).toBe('escalated:failed');
    expect(lookups).toEqual([{ userId: resend.userId, numberDigest: 'digest-of-the-number' }]);
    expect(outcome).toMatchObject({
      outcome: 'delivered',
      originationIdentity: B,
      resend: { action: 'escalate', reason: 'failed', from: A },
    });
  });

  it('fails over from the escalated identity to the rest of the route, the previous identity last', async () => {
    // Prepare
    const inactive = () =>
      new ProviderError('identity_refused', 'Inactive [RESOURCE_NOT_ACTIVE]', 1, {
        failoverReason: 'resource_not_active',
      });
    const { asked, deps } = fakes(historyOf(previous()), [inactive(), inactive()]);

    // Act
    const outcome = await deliverOtp(await request(true), deps, new Deadline(2_500));

    // Assess
    expect(asked.map((m) => m.originationIdentity)).toEqual([B, C, A]);
    expect(outcome).toMatchObject({ outcome: 'delivered', originationIdentity: A });
  });

  it("keeps a delivered code's identity", async () => {
    // Prepare
    const { asked, deps } = fakes(historyOf(previous({ originationIdentity: B, receipt: 'success' })));

    // Act
    const outcome = await deliverOtp(await request(true), deps, new Deadline(2_500));

    // Assess
    expect(asked.map((m) => m.originationIdentity)).toEqual([B]);
    expect(asked[0]?.resend).toBe('kept:delivered');
    expect(outcome.resend).toEqual({ action: 'keep', why: 'delivered' });
  });

  it('routes a first request, and any request under resendPolicy same, without reading the history', async () => {
    for (const [isResend, policy] of [
      [false, 'escalate'],
      [undefined, 'escalate'],
      [true, 'same'],
    ] as const) {
      // Prepare
      const { asked, lookups, deps } = fakes(historyOf(previous({ receipt: 'failed' })));

      // Act
      const outcome = await deliverOtp(
        await request(isResend),
        { ...deps, resendPolicy: policy },
        new Deadline(2_500),
      );

      // Assess
      expect(lookups).toEqual([]);
      expect(asked.map((m) => m.originationIdentity)).toEqual([A]);
      expect(asked[0]?.resend).toBeUndefined();
      expect(outcome.resend).toBeUndefined();
    }
  });

  it('sends a resend with no previous send on record from the first identity', async () => {
    // Prepare
    const { asked, deps } = fakes(historyOf(undefined));

    // Act
    const outcome = await deliverOtp(await request(true), deps, new Deadline(2_500));

    // Assess
    expect(asked.map((m) => m.originationIdentity)).toEqual([A]);
    expect(outcome.resend).toEqual({ action: 'none', why: 'no_previous' });
  });

  it.each([
    ['fails', { previous: async () => Promise.reject(new Error('ProvisionedThroughputExceededException')) }],
    ['never answers', { previous: () => new Promise<never>(() => undefined) }],
  ])('fails open when the history %s: the resend goes out from the first identity', async (_, history) => {
    // Prepare
    const { asked, deps } = fakes(history as SendHistory);
    const deadline = new Deadline(2_500);

    // Act
    const outcome = await deliverOtp(await request(true), deps, deadline);

    // Assess
    expect(asked.map((m) => m.originationIdentity)).toEqual([A]);
    expect(outcome).toMatchObject({
      outcome: 'delivered',
      resend: { action: 'none', why: 'history_unavailable' },
    });
    // Bounded by the lookup's own wait (300 ms), far inside the deadline.
    expect(deadline.elapsedMs()).toBeLessThan(1_000);
  });
});

describe('the idempotency key of a resend', () => {
  async function parsed(edit: (p: OktaHookRequestFixture) => void) {
    const p = loadFixture('request-sms-mfa-verification');
    edit(p);
    return parseHookRequest(JSON.stringify(p));
  }

  it("adds the request id to a resend's event id, so a reused event id still gets a new code", async () => {
    // Prepare: the same event id, a first request and a resend from another click (another request id)
    const first = await parsed((p) => {
      p.eventId = 'evt-1';
      p.data.context.request.id = 'req-first';
    });
    const resend = await parsed((p) => {
      p.eventId = 'evt-1';
      p.data.context.request.id = 'req-again';
      (p.data.messageProfile as { isResend?: boolean }).isResend = true;
    });

    // Assess
    expect(first.idempotencyKey).toBe('evt-1');
    expect(resend.idempotencyKey).toBe('evt-1~req-again');
    expect(resend.eventId).toBe('evt-1');
  });

  it('keeps a duplicate of one resend a duplicate (same event id, same request id)', async () => {
    const once = await parsed((p) => {
      p.eventId = 'evt-2';
      p.data.context.request.id = 'req-r';
      (p.data.messageProfile as { isResend?: boolean }).isResend = true;
    });
    const again = await parsed((p) => {
      p.eventId = 'evt-2';
      p.data.context.request.id = 'req-r';
      (p.data.messageProfile as { isResend?: boolean }).isResend = true;
    });
    expect(again.idempotencyKey).toBe(once.idempotencyKey);
  });
});
