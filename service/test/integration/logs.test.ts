/**
 * The stack's stdout: the handlers' Powertools JSON lines, one per line, prefixed with the function name, or
 * rendered for humans with `--pretty`; secrets stay out of both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderLine } from '../../local/log-output.js';
import type { LocalStack } from '../../local/stack.js';
import { deadLetters, hookRequest, mint, postHook, resetStack, setFaults, startStack } from './helpers.js';

const lines: string[] = [];
let stack: LocalStack;

beforeAll(async () => {
  stack = await startStack({ log: (line) => lines.push(line) });
});
afterAll(() => stack?.close());

const settle = () => new Promise((resolve) => setTimeout(resolve, 300)); // worker stdout is asynchronous

describe('handler logs', () => {
  it('writes one JSON line per entry, prefixed with the function name, with no OTP, token or full number', async () => {
    // Prepare
    const token = await mint(stack);
    const delivered = hookRequest('request-sms-mfa-verification');
    const failed = hookRequest('request-call-mfa-verification-en');

    // Act
    await postHook(stack, delivered, { token });
    await postHook(stack, hookRequest(), {
      authorization: `Bearer ${await mint(stack, { claims: { aud: 'x' } })}`,
    });
    await setFaults(stack, { messaging: { mode: 'error' } });
    await postHook(stack, failed, { token });
    await settle();

    // Assess
    const byFunction = (name: string) => lines.filter((line) => line.startsWith(`[${name}] `));
    expect(byFunction('deliver-otp').length).toBeGreaterThan(0);
    expect(byFunction('authorize-hook').length).toBeGreaterThan(0);
    expect(byFunction('api-gateway').length).toBe(3);
    for (const line of lines) {
      expect(line).toMatch(
        /^\[(deliver-otp|authorize-hook|api-gateway|record-delivery-event|record-verification|sweep-messages)\] \{.*\}$/,
      );
      expect(() => JSON.parse(line.slice(line.indexOf(' ') + 1))).not.toThrow();
    }
    const all = lines.join('\n');
    for (const payload of [delivered, failed]) {
      expect(all).not.toContain(payload.data.messageProfile.otpCode);
      expect(all).not.toContain(payload.data.messageProfile.phoneNumber);
    }
    expect(all).not.toContain(token);
    expect(all).toContain('"message":"OTP delivered"');
    expect(all).toContain('"message":"Token denied"');
  });

  it('prints no code placed inside eventId and the request id, in any line or DLQ record of the stack', async () => {
    // Prepare: fields the handler logs and dead-letters carry the code itself
    const token = await mint(stack);
    const withCodeInIds = (name?: string) =>
      hookRequest(name, (p) => {
        const code = p.data.messageProfile.otpCode;
        p.eventId = `evt-${code}-${p.eventId}`;
        p.data.context.request.id = `req-${code}`;
      });
    const delivered = withCodeInIds('request-sms-mfa-verification');
    const failed = withCodeInIds('request-call-mfa-verification-en');
    await resetStack(stack);
    lines.length = 0;

    // Act
    await postHook(stack, delivered, { token });
    await setFaults(stack, { messaging: { mode: 'error' } });
    await postHook(stack, failed, { token });
    await settle();
    stack.clearFaults();
    const records = await deadLetters(stack);

    // Assess
    expect(lines.join('\n')).toContain('"message":"OTP delivered"');
    expect(records.length).toBeGreaterThan(0);
    const printed = [...lines, ...records.map((record) => JSON.stringify(record))].join('\n');
    for (const payload of [delivered, failed]) {
      expect(printed).not.toContain(payload.data.messageProfile.otpCode);
    }
  });

  it("puts the request id of each concurrent invocation on that invocation's lines only", async () => {
    // Prepare: sends held 150 ms, so six deliveries overlap in the one hook function
    const token = await mint(stack);
    const requests = Array.from({ length: 6 }, () => hookRequest('request-sms-mfa-verification'));
    await setFaults(stack, { messaging: { mode: 'latency', latencyMs: 150 } });
    lines.length = 0;

    // Act
    const answers = await Promise.all(requests.map((request) => postHook(stack, request, { token })));
    await settle();

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(200));
    const entries = lines
      .filter((line) => line.startsWith('[deliver-otp] {"level"'))
      .map((line) => JSON.parse(line.slice(line.indexOf(' ') + 1)) as Record<string, unknown>);
    const requestIdOf = new Map<unknown, unknown>();
    for (const entry of entries) {
      expect(entry.function_request_id).toMatch(/^[0-9a-f-]{36}$/);
      if (!requestIdOf.has(entry.eventId)) requestIdOf.set(entry.eventId, entry.function_request_id);
      expect(entry.function_request_id).toBe(requestIdOf.get(entry.eventId));
    }
    const ids = requests.map((request) => requestIdOf.get(request.eventId));
    expect(new Set(ids).size).toBe(6);
  });

  it('renders a Powertools line, an EMF metric line and an access log line for humans with --pretty', () => {
    const log = renderLine(
      'deliver-otp',
      JSON.stringify({
        level: 'INFO',
        message: 'OTP delivered',
        timestamp: '2026-11-25T10:00:00.000Z',
        channel: 'sms',
      }),
      true,
    );
    const metric = renderLine(
      'deliver-otp',
      JSON.stringify({
        _aws: { Timestamp: 0, CloudWatchMetrics: [{ Metrics: [{ Name: 'OtpDelivered', Unit: 'Count' }] }] },
        service: 'okta-phone-mfa',
        channel: 'sms',
        OtpDelivered: 1,
      }),
      true,
    );
    const ansi = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g');
    const plain = (text: string) => text.replace(ansi, '');

    expect(plain(log)).toMatch(/^10:00:00\.000 deliver-otp\s+INFO\s+OTP delivered channel=sms$/);
    expect(plain(metric)).toContain('METRIC OtpDelivered=1 channel=sms');
    expect(renderLine('deliver-otp', 'Error: boom for +14155550123', true)).toBe(
      '[deliver-otp] Error: boom for +1 *******123',
    );
  });
});
