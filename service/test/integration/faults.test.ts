/**
 * Break the stand-ins on purpose through `POST /_local/faults` and watch the service fail safely: an answer inside
 * Okta's 3 s, a redacted DLQ record for every failed delivery, cached templates and cached keys still serving.
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
  // Warm start: templates cached and keys fetched, as in a function that has served before.
  await postHook(stack, hookRequest(), { token });
});
afterAll(() => stack?.close());
beforeEach(() => resetStack(stack));

describe('End User Messaging faults', () => {
  const cases: Array<[string, Record<string, unknown>, string, number]> = [
    ['fails with 5xx', { mode: 'error' }, 'provider_error', 1],
    ['throttles', { mode: 'throttle' }, 'throttled', 3],
    ['rejects the number', { mode: 'reject' }, 'provider_rejected', 1],
    ['hangs', { mode: 'latency', latencyMs: 10_000 }, 'deadline_exceeded', 1],
  ];

  it.each(cases)(
    'answers inside the deadline with an Okta error object and one redacted DLQ record when messaging %s',
    async (_name, messaging, reason, minAttempts) => {
      // Prepare
      await setFaults(stack, { messaging });
      const payload = hookRequest('request-sms-mfa-verification');

      // Act
      const answer = await postHook(stack, payload, { token });

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.elapsedMs).toBeLessThan(3000);
      expect(answer.body.error.errorCauses[0].reason).toBe(reason.toUpperCase());
      expect(await outbox(stack)).toEqual([]);
      const records = await deadLetters(stack);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ eventId: payload.eventId, channel: 'sms', error: { reason } });
      expect(records[0]!.attempts).toBeGreaterThanOrEqual(minAttempts);
      expect(redactionProblems(records[0]!, payload)).toEqual([]);
    },
  );

  it('sends one message, answers inside 3 s with an error object and one DLQ record when an accepted send is answered 500', async () => {
    // Prepare
    await setFaults(stack, { messaging: { mode: 'ambiguous' } });
    const payload = hookRequest('request-sms-mfa-verification');

    // Act
    const answer = await postHook(stack, payload, { token });

    // Assess: the message may be on its way, so it is never sent again.
    expect(answer.status).toBe(200);
    expect(answer.elapsedMs).toBeLessThan(3000);
    expect(answer.body.error.errorCauses[0].reason).toBe('PROVIDER_ERROR');
    expect(await outbox(stack)).toHaveLength(1);
    const records = await deadLetters(stack);
    expect(records).toEqual([expect.objectContaining({ eventId: payload.eventId, attempts: 1 })]);
    expect(redactionProblems(records[0]!, payload)).toEqual([]);
  });

  it('delivers again once the fault is cleared', async () => {
    await setFaults(stack, { messaging: { mode: 'error' } });
    await fetch(`${stack.baseUrl}/_local/faults`, { method: 'DELETE' });

    const answer = await postHook(stack, hookRequest(), { token });

    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
  });
});

describe('DynamoDB slow', () => {
  it('answers Okta in under 3 s and sends once when every DynamoDB call takes 5 s', async () => {
    // Prepare
    await setFaults(stack, { dynamodb: { mode: 'latency', latencyMs: 5_000 } });
    const payload = hookRequest('request-sms-mfa-verification');

    // Act
    const answer = await postHook(stack, payload, { token });
    const again = await postHook(stack, payload, { token });

    // Assess
    expect(answer.elapsedMs).toBeLessThan(3000);
    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect(again.elapsedMs).toBeLessThan(3000);
    expect(again.body.commands[0].value[0].transactionId).toBe(
      answer.body.commands[0].value[0].transactionId,
    );
    expect(await outbox(stack)).toHaveLength(1);
  });

  it('never sends twice for an event first seen while DynamoDB was slow, once it is fast again', async () => {
    // Prepare: the slow writes of the first request land after it has answered.
    await setFaults(stack, { dynamodb: { mode: 'latency', latencyMs: 1_500 } });
    const payload = hookRequest('request-call-mfa-verification-en');
    const first = await postHook(stack, payload, { token });
    await setFaults(stack, { dynamodb: null });
    await new Promise((resolve) => setTimeout(resolve, 1_600));

    // Act
    const retry = await postHook(stack, payload, { token });

    // Assess
    expect(first.elapsedMs).toBeLessThan(3000);
    expect(retry.body.commands?.[0].value[0].status).toMatch(/SUCCESSFUL|PENDING/);
    expect(await outbox(stack)).toHaveLength(1);
  });

  it('refuses a malformed dynamodb fault', async () => {
    const answer = await setFaults(stack, { dynamodb: { mode: 'latency' } });
    expect(answer.status).toBe(400);
  });
});

describe('templates table unreachable', () => {
  it('keeps delivering from the cached templates of a warm function', async () => {
    await setFaults(stack, { templates: 'unavailable' });

    const sms = await postHook(stack, hookRequest('request-sms-password-reset-es-mx'), { token });
    const voice = await postHook(stack, hookRequest('request-call-account-unlock-es-mx'), { token });

    expect(sms.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect(voice.body.commands[0].value[0].status).toBe('SUCCESSFUL');
    expect((await outbox(stack)).map((m) => m.channel)).toEqual(['SMS', 'VOICE']);
  });

  it('answers a cold function inside the deadline with an error object and a redacted DLQ record', async () => {
    const cold = await startStack();
    try {
      // Prepare
      await setFaults(cold, { templates: 'unavailable' });
      const payload = hookRequest('request-call-mfa-verification-en');

      // Act
      const answer = await postHook(cold, payload);

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.elapsedMs).toBeLessThan(3000);
      expect(answer.body.error).toBeDefined();
      expect(await outbox(cold)).toEqual([]);
      const records = await deadLetters(cold);
      expect(records).toHaveLength(1);
      expect(records[0]!.error.reason).toBe('config_unavailable');
      expect(redactionProblems(records[0]!, payload)).toEqual([]);
    } finally {
      await cold.close();
    }
  });
});

describe('Okta JWKS unreachable', () => {
  it('verifies a new token with the cached keys', async () => {
    // Prepare: a token the authorizer cache has never seen
    await setFaults(stack, { jwks: 'unavailable' });
    const fresh = await mint(stack);

    // Act
    const answer = await postHook(stack, hookRequest(), { token: fresh });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.commands[0].value[0].status).toBe('SUCCESSFUL');
  });

  it('refuses with 401, quickly, when no keys were ever fetched', async () => {
    const cold = await startStack();
    try {
      await setFaults(cold, { jwks: 'unavailable' });

      const answer = await postHook(cold, hookRequest());

      expect(answer.status).toBe(401);
      expect(answer.elapsedMs).toBeLessThan(3000);
      expect(await outbox(cold)).toEqual([]);
    } finally {
      await cold.close();
    }
  });
});
