/**
 * `npm run okta -- send` plays Okta: `--repeat` alone is Okta retrying one event, and `--new-event-ids` makes each
 * repeat a new event to the same number, so the abuse guard's limits show. The hook is a stand-in on 127.0.0.1 that
 * refuses after 5 events the way the guard answers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildHookRequests, main, summarizeAnswer } from '../../../local/okta-cli.js';

const PHONE = '+14155550123';
const input = { phone: PHONE, channel: 'sms' as const, locale: 'EN-US', requestType: 'mfa-verification' };

const success = (transactionId = 'tx-1') =>
  JSON.stringify({
    commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'SUCCESSFUL', transactionId }] }],
  });
const refused = JSON.stringify({
  error: {
    errorSummary: 'The one-time passcode was not sent',
    errorCauses: [
      {
        reason: 'NUMBER_10M',
        errorSummary: 'Too many codes to this number in 10 minutes',
        location: 'data.messageProfile.phoneNumber',
      },
    ],
  },
});

describe('buildHookRequests', () => {
  it("repeats one event as it is without --new-event-ids: Okta's retry", () => {
    // Act
    const requests = buildHookRequests(input, 3, false);

    // Assess
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.eventId)).size).toBe(1);
    expect(new Set(requests.map((r) => r.data.messageProfile.otpCode)).size).toBe(1);
    expect(new Set(requests.map((r) => r.data.context.request.id)).size).toBe(1);
  });

  it('makes each repeat a new event to the same number with --new-event-ids: new eventId, request id and code', () => {
    // Act
    const requests = buildHookRequests(input, 8, true);

    // Assess
    expect(new Set(requests.map((r) => r.eventId)).size).toBe(8);
    expect(new Set(requests.map((r) => r.data.context.request.id)).size).toBe(8);
    for (const request of requests) {
      const { otpCode, msgTemplate, phoneNumber } = request.data.messageProfile;
      expect(phoneNumber).toBe(PHONE);
      expect(otpCode).toMatch(/^\d{6}$/);
      expect(msgTemplate).toContain(otpCode);
      expect(request.requestType).toBe('com.okta.user.telephony.mfa-verification');
    }
    // Codes are random: 8 of a million may repeat, but not all of them.
    expect(new Set(requests.map((r) => r.data.messageProfile.otpCode)).size).toBeGreaterThan(1);
  });

  it('keeps a given --event-id for every repeat', () => {
    expect(buildHookRequests({ ...input, eventId: 'evt-1' }, 2, false).map((r) => r.eventId)).toEqual([
      'evt-1',
      'evt-1',
    ]);
  });
});

describe('summarizeAnswer', () => {
  it.each([
    [200, success(), { ok: true, outcome: 'SUCCESSFUL', line: 'HTTP 200 SUCCESSFUL' }],
    [
      200,
      success('blocked-abc'),
      {
        ok: true,
        outcome: 'SUCCESSFUL, not sent',
        line: 'HTTP 200 SUCCESSFUL (refused by the guard, not sent)',
      },
    ],
    [
      200,
      refused,
      {
        ok: false,
        outcome: 'NUMBER_10M',
        line: 'HTTP 200 error: NUMBER_10M (Too many codes to this number in 10 minutes)',
      },
    ],
    [502, 'Bad Gateway', { ok: false, outcome: 'HTTP 502', line: 'HTTP 502, not JSON' }],
  ])('reads HTTP %d %s', (status, body, expected) => {
    expect(summarizeAnswer(status, body)).toEqual(expected);
  });
});

describe('npm run okta -- send --repeat N --new-event-ids', () => {
  let server: Server;
  let url: string;
  let received: Array<{ eventId: string; requestId: string; otpCode: string; phone: string }> = [];

  beforeAll(async () => {
    // Answers like the guard with its default limit of 5 per number in 10 minutes: new events are counted,
    // a retry of one event is not.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const payload = JSON.parse(body);
        received.push({
          eventId: payload.eventId,
          requestId: payload.data.context.request.id,
          otpCode: payload.data.messageProfile.otpCode,
          phone: payload.data.messageProfile.phoneNumber,
        });
        const events = new Set(received.map((r) => r.eventId)).size;
        res.setHeader('content-type', 'application/json');
        res.end(events > 5 ? refused : success(`tx-${events}`));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  beforeEach(() => {
    received = [];
  });

  it('sends 8 new events to one number and prints each answer, the 6th on refused with the reason', async () => {
    // Prepare
    const printed: string[] = [];

    // Act
    const code = await main(
      [
        'send',
        '--phone',
        PHONE,
        '--channel',
        'sms',
        '--repeat',
        '8',
        '--new-event-ids',
        '--url',
        url,
        '--token',
        't',
      ],
      (text) => printed.push(text),
    );

    // Assess
    expect(code).toBe(1);
    expect(new Set(received.map((r) => r.eventId)).size).toBe(8);
    expect(new Set(received.map((r) => r.requestId)).size).toBe(8);
    expect(new Set(received.map((r) => r.phone))).toEqual(new Set([PHONE]));
    const output = printed.join('');
    const lines = output.trim().split('\n');
    expect(lines[0]).toContain('+1 *******123 mfa-verification 8 new events');
    expect(lines.slice(1, 6).every((line) => / HTTP 200 SUCCESSFUL in \d+ ms$/.test(line))).toBe(true);
    expect(lines[6]).toMatch(/^#6 eventId=\S+ HTTP 200 error: NUMBER_10M \(Too many codes/);
    expect(lines.at(-1)).toBe('8 new events: 5 SUCCESSFUL, 3 NUMBER_10M');
    expect(output).not.toContain(PHONE);
    for (const { otpCode } of received) expect(output).not.toContain(otpCode);
  });

  it("without --new-event-ids sends one event N times, as Okta's retry", async () => {
    // Prepare
    const printed: string[] = [];

    // Act
    const code = await main(
      ['send', '--phone', PHONE, '--channel', 'sms', '--repeat', '3', '--url', url, '--token', 't'],
      (text) => printed.push(text),
    );

    // Assess
    expect(code).toBe(0);
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.eventId)).size).toBe(1);
    expect(printed.join('')).toMatch(/#3 HTTP 200 in \d+ ms\n\{/);
  });

  it('refuses --new-event-ids with --event-id', async () => {
    // Prepare: the usage goes to stderr
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

    // Act
    const code = await main(
      ['send', '--phone', PHONE, '--channel', 'sms', '--new-event-ids', '--event-id', 'e', '--url', url],
      () => {},
    );

    // Assess
    const written = stderr.mock.calls.map(([text]) => String(text)).join('');
    stderr.mockRestore();
    expect(code).toBe(2);
    expect(written).toContain('leave out --event-id');
    expect(received).toHaveLength(0);
  });
});
