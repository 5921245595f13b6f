/**
 * `npm run okta -- send` plays Okta: `--repeat` alone is Okta retrying one event, and `--new-event-ids` makes each
 * repeat a new event to the same number, so the abuse guard's limits show. The hook is a stand-in on 127.0.0.1 that
 * refuses after 5 events the way the guard answers. `npm run okta -- verify` plays the user typing the code: Okta's
 * System Log event for that user and factor goes to the local stack's `/_local/okta-events` (a stand-in here).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildHookRequests, buildMfaVerifiedEvent, main, summarizeAnswer } from '../../../local/okta-cli.js';
import { classifyOktaEvent } from '../../../src/domain/okta-log-event.js';

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

describe('buildMfaVerifiedEvent', () => {
  it("builds Okta's auth_via_mfa SUCCESS event that the verification handler reads as this user's code used", () => {
    // Act
    const event = buildMfaVerifiedEvent({
      userId: '00uUser1',
      factor: 'CALL_FACTOR',
      now: new Date('2026-01-05T10:00:00Z'),
    });

    // Assess
    expect(event).toMatchObject({
      eventType: 'user.authentication.auth_via_mfa',
      published: '2026-01-05T10:00:00.000Z',
      actor: { id: '00uUser1', type: 'User' },
      outcome: { result: 'SUCCESS' },
      debugContext: { debugData: { factor: 'CALL_FACTOR' } },
    });
    expect(event.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(classifyOktaEvent(event)).toMatchObject({
      kind: 'verified',
      userId: '00uUser1',
      channel: 'voice',
    });
  });

  it('builds a FAILURE the handler ignores', () => {
    const event = buildMfaVerifiedEvent({ userId: '00uUser1', factor: 'SMS_FACTOR', outcome: 'FAILURE' });

    expect(classifyOktaEvent(event)).toMatchObject({ kind: 'ignored' });
  });
});

describe('npm run okta -- verify --event-id', () => {
  let server: Server;
  let url: string;
  const posted: Array<Record<string, any>> = [];
  let feedback: string | null = null;

  beforeAll(async () => {
    // The local stack's routes verify uses: the outbox, DynamoDB's GetItem (the messages table) and okta-events.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.headers['x-amz-target'] === 'DynamoDB_20120810.GetItem') {
          const key = JSON.parse(body).Key.pk.S as string;
          return res.end(
            JSON.stringify(key === 'message#m-sms' ? { Item: { userId: { S: '00uFromTable' } } } : {}),
          );
        }
        if (req.url === '/_local/outbox') {
          return res.end(
            JSON.stringify({
              messages: [
                {
                  messageId: 'm-sms',
                  channel: 'SMS',
                  Context: { eventId: 'evt-sms' },
                  DestinationPhoneNumber: PHONE,
                  feedback,
                },
                {
                  messageId: 'm-call',
                  channel: 'VOICE',
                  Context: { eventId: 'evt-call' },
                  DestinationPhoneNumber: PHONE,
                  feedback: null,
                },
              ],
            }),
          );
        }
        if (req.url === '/_local/okta-events') {
          const event = JSON.parse(body);
          posted.push(event);
          if (event.actor.id === '00uFromTable' && event.debugContext.debugData.factor === 'SMS_FACTOR')
            feedback = 'RECEIVED';
          return res.end(JSON.stringify({ delivered: 1, failed: 0, outcomes: [{ ok: true, result: null }] }));
        }
        res.statusCode = 404;
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    posted.length = 0;
    feedback = null;
  });

  it("posts auth_via_mfa SUCCESS for the table's user and the SMS factor, and prints the feedback RECEIVED", async () => {
    // Prepare
    const printed: string[] = [];

    // Act
    const code = await main(['verify', '--event-id', 'evt-sms', '--url', url], (text) => printed.push(text));

    // Assess
    expect(code).toBe(0);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({
      eventType: 'user.authentication.auth_via_mfa',
      actor: { id: '00uFromTable' },
      outcome: { result: 'SUCCESS' },
      debugContext: { debugData: { factor: 'SMS_FACTOR' } },
    });
    const output = printed.join('');
    expect(output).toContain('message m-sms feedback RECEIVED');
    expect(output).toContain('+1 *******123');
    expect(output).not.toContain(PHONE);
  });

  it('uses CALL_FACTOR for a call and exits 1 when the message is not marked RECEIVED', async () => {
    // Act
    const code = await main(['verify', '--event-id', 'evt-call', '--url', url], () => {});

    // Assess
    expect(posted[0]).toMatchObject({ debugContext: { debugData: { factor: 'CALL_FACTOR' } } });
    // Not in the table: the sample user `send` uses.
    expect(posted[0]!.actor.id).toBe('00uyxxSknGtK8022w0g3');
    expect(code).toBe(1);
  });

  it('exits 1 without posting when no outbox message has that eventId', async () => {
    // Prepare
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

    // Act
    const code = await main(['verify', '--event-id', 'evt-none', '--url', url], () => {});

    // Assess
    const written = stderr.mock.calls.map(([text]) => String(text)).join('');
    stderr.mockRestore();
    expect(code).toBe(1);
    expect(written).toContain('No message in the outbox');
    expect(posted).toHaveLength(0);
  });
});
