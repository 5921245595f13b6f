/**
 * Every call allowed, every grant used: a tour of every function's paths through the local stack (a sent SMS and
 * call, a replay, a refusal, a failed delivery, receipts with a duplicate final failure, an Okta verification and a
 * hook failure, a sweep that settles and denies), under the IAM the CDK stack synthesizes, then `GET /_local/iam`.
 * No call may have been refused, and every action a role grants must have been used by some call, unless it is on
 * the short list below of grants only AWS itself or an error path uses, each with its reason. A grant removed in
 * `infra/` fails the tour; a grant added that no code uses fails it too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyStatement } from '../../local/iam/policy.js';
import { buildMfaVerifiedEvent } from '../../local/okta-cli.js';
import type { LocalStack } from '../../local/stack.js';
import {
  eventually,
  getJson,
  hookRequest,
  messageItem,
  mint,
  postHook,
  postLocal,
  postOktaEvents,
  setFaults,
  startStack,
  transactionIdOf,
  updateMessageItem,
} from './helpers.js';

/**
 * Grants no code of ours calls, each with the reason it is there. Anything else granted and unused fails the test.
 * Matched by function and action (`*` for any function), and where given by resource: every resource of the grant.
 */
const USED_BY_AWS_OR_ERRORS: Array<{ fn: string; action: RegExp; resource?: RegExp; why: string }> = [
  { fn: '*', action: /^logs:/, why: 'Lambda writes the function logs' },
  { fn: '*', action: /^xray:/, why: 'Lambda sends the traces' },
  {
    fn: '*',
    action: /^kms:/,
    why: "SQS and Secrets Manager use the keys on the caller's behalf; no KMS stand-in",
  },
  {
    fn: '*',
    action: /^sqs:(SendMessage|GetQueueAttributes|GetQueueUrl)$/,
    resource: /:okta-phone-mfa-event-failures$/,
    why: "Lambda's on-failure destination (the event-failures queue) writes with the function's role",
  },
  {
    fn: 'deliver-otp',
    action: /^dynamodb:DeleteItem$/,
    why: 'Powertools idempotency deletes its in-progress record when the delivery throws (a bug: no HTTP path)',
  },
];

let stack: LocalStack;
let token: string;
const lines: string[] = [];

beforeAll(async () => {
  stack = await startStack({
    log: (line) => lines.push(line),
    sweepIntervalMs: 0,
    // A prefix is judged after 2 settled codes, so the tour's sweep denies one.
    // Line types at enrolment, so the lookup and its table reads are on the tour.
    env: { sweep: { LOW_CONVERSION_MIN_SENDS: '2' }, hook: { CARRIER_LOOKUP: 'enrolment' } },
  });
  token = await mint(stack);
});
afterAll(() => stack?.close());

/** The grants of a role as `action` strings, with the resources they are on. */
function granted(statements: PolicyStatement[]): Array<{ action: string; resources: string[] }> {
  return statements
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => [s.Action].flat().map((action) => ({ action, resources: [s.Resource].flat() })));
}

describe('the tour', () => {
  it('makes no call its role refuses, and uses every grant but those AWS itself or an error path uses', async () => {
    // Act: the hook, every way
    const user = `00uTour${Date.now().toString(36)}`;
    const sms = hookRequest('request-sms-mfa-verification', (p) => {
      p.data.userProfile = { ...p.data.userProfile, userId: user };
    });
    const smsId = transactionIdOf(await postHook(stack, sms, { token }));
    await postHook(stack, sms, { token }); // a replay
    transactionIdOf(await postHook(stack, hookRequest('request-call-mfa-verification-en'), { token }));
    // An enrolment: the number's line type from its carrier, kept
    transactionIdOf(await postHook(stack, hookRequest('request-sms-pre-enrollment-no-plus'), { token }));
    // Brazil's route is the Notify configuration: AWS's templates read, a Notify text and, a second later (a BASIC
    // configuration sends one message a second), a Notify call
    for (const fixture of ['request-sms-mfa-verification', 'request-call-mfa-verification-en']) {
      if (fixture !== 'request-sms-mfa-verification')
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      transactionIdOf(
        await postHook(
          stack,
          hookRequest(fixture, (p) => {
            p.data.messageProfile.phoneNumber = '+5511987654321';
          }),
          { token },
        ),
      );
    }
    for (let i = 0; i < 6; i += 1) await postHook(stack, hookRequest(), { token }); // the 6th is refused
    await postHook(
      stack,
      hookRequest(undefined, (p) => {
        p.data.messageProfile.phoneNumber = '+821012345678'; // not allowed: an error answer, a DLQ record
      }),
      { token },
    );
    // Receipts: a final failure handed over twice side by side (the DLQ claim's conflict)
    await setFaults(stack, { receipts: { status: 'CARRIER_UNREACHABLE', duplicates: 2 } });
    const lost = transactionIdOf(
      await postHook(
        stack,
        hookRequest(undefined, (p) => {
          p.data.messageProfile.phoneNumber = '+14155550177';
        }),
        { token },
      ),
    );
    await eventually(
      async () => (await messageItem(stack, lost))?.deliveryFinal === true,
      'the final receipt',
    );
    await fetch(`${stack.baseUrl}/_local/faults`, { method: 'DELETE' });
    await eventually(
      async () => (await messageItem(stack, smsId))?.deliveryFinal === true,
      'the SMS receipt',
    );
    // The user asks again: the resend reads the last send and its receipts
    await postHook(
      stack,
      hookRequest('request-sms-mfa-verification', (p) => {
        p.data.userProfile = { ...p.data.userProfile, userId: user };
        p.data.messageProfile.phoneNumber = sms.data.messageProfile.phoneNumber;
        (p.data.messageProfile as { isResend?: boolean }).isResend = true;
      }),
      { token },
    );
    // Okta: the user typed the code; Okta logged a hook timeout
    await postOktaEvents(stack, buildMfaVerifiedEvent({ userId: user, factor: 'SMS_FACTOR' }));
    await postOktaEvents(stack, {
      uuid: `tour-${Date.now()}`,
      published: new Date().toISOString(),
      eventType: 'inline_hook.executed',
      outcome: { result: 'FAILURE', reason: 'Inline hook call timed out' },
    });
    // Okta's event hook: its one-time verification, with the header secret the function reads from Secrets Manager
    const secret = stack.secretsManager.value(stack.eventHookSecretName);
    const verified = await fetch(stack.eventHookUrl, {
      headers: { authorization: String(secret), 'x-okta-verification-challenge': 'tour' },
    });
    expect(await verified.json()).toEqual({ verification: 'tour' });
    // The sweep: two unused enrolment codes of one prefix expire; the prefix is denied
    const expired = [];
    for (const n of ['100', '101']) {
      const id = transactionIdOf(
        await postHook(
          stack,
          hookRequest('request-sms-pre-enrollment-no-plus', (p) => {
            p.data.messageProfile.phoneNumber = `+1646555${n.padStart(4, '0')}`;
            p.data.userProfile = { ...p.data.userProfile, userId: `00uTourSweep${n}` };
          }),
          { token },
        ),
      );
      await updateMessageItem(stack, id, { codeExpiresAt: Math.floor(Date.now() / 1000) - 240 });
      expired.push(id);
    }
    await postOktaEvents(stack, buildMfaVerifiedEvent({ userId: '00uAnyone', factor: 'OKTA_VERIFY_PUSH' }));
    const swept = await postLocal(stack, '/_local/sweep');
    const { roles, used } = (await getJson(stack, '/_local/iam')) as {
      roles: Record<string, { statements: PolicyStatement[] }>;
      used: Record<string, string[]>;
    };

    // Assess: every path ran (so the grants had their chance) and nothing was refused
    expect(swept.body).toMatchObject({ ok: true, result: { swept: 2, denied: 1 } });
    expect(lines.filter((line) => line.startsWith('[iam]'))).toEqual([]);
    const unused: string[] = [];
    for (const [fn, role] of Object.entries(roles)) {
      const calls = used[fn] ?? [];
      for (const { action, resources } of granted(role.statements)) {
        const excused = USED_BY_AWS_OR_ERRORS.some(
          (e) =>
            (e.fn === '*' || e.fn === fn) &&
            e.action.test(action) &&
            (!e.resource || resources.every((r) => e.resource?.test(r))),
        );
        if (excused) continue;
        const hit = calls.some((call) => {
          const [callAction, resource] = call.split(' ');
          return (
            callAction?.toLowerCase() === action.toLowerCase() &&
            resources.some((pattern) =>
              new RegExp(`^${pattern.split('*').map(literal).join('.*')}$`).test(resource ?? ''),
            )
          );
        });
        if (!hit) unused.push(`${fn}: ${action} on ${resources.join(', ')}`);
      }
    }
    expect(unused).toEqual([]);
    // The list above is not stale: each of its entries is granted to some role.
    for (const entry of USED_BY_AWS_OR_ERRORS) {
      const somewhere = Object.entries(roles).some(
        ([fn, role]) =>
          (entry.fn === '*' || entry.fn === fn) &&
          granted(role.statements).some(
            (g) =>
              entry.action.test(g.action) &&
              (!entry.resource || g.resources.every((r) => entry.resource?.test(r))),
          ),
      );
      expect(somewhere, `${entry.action}: ${entry.why}`).toBe(true);
    }
  });
});

/** A literal piece of a pattern, for a RegExp. */
function literal(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
