// Principle: the correctness checks fail loudly on the bug they exist for, and stay quiet on a clean run.
import { describe, expect, it } from 'vitest';
import { ABUSE_REASONS } from '../../service/src/domain/abuse-guard.js';
import {
  checkAttackContained,
  checkDlqRecords,
  checkNoGuardRefusals,
  checkNormalStreamBudget,
  checkNoSecretsInOutput,
  checkOneSendPerEvent,
  checkPlayedReceived,
  checkReceipts,
  checkUnplayedNotReceived,
  finalReceipt,
  NumberSearch,
  type OutboxMessage,
} from '../lib/checks.js';
import type { Verification } from '../lib/conversion.js';
import { streamFigures } from '../lib/summary.js';
import { GUARD_REASONS, judge } from '../processors/answers.js';
import type { JournalEntry } from '../processors/journal.js';
import { otpFor } from '../processors/traffic.js';

const entry = (over: Partial<JournalEntry>): JournalEntry => ({
  at: 0,
  eventId: 'e1',
  retry: false,
  channel: 'sms',
  stream: 'normal',
  outcome: 'successful',
  status: 200,
  ms: 10,
  transactionId: 'm1',
  ...over,
});

describe('correctness checks', () => {
  it('passes when each delivered event has exactly one send, retries included', () => {
    const journal = [entry({}), entry({ retry: true }), entry({ eventId: 'e2', transactionId: 'm2' })];

    expect(checkOneSendPerEvent(journal, [{ messageId: 'm1' }, { messageId: 'm2' }]).ok).toBe(true);
  });

  it('fails when a retry was sent a second time', () => {
    // Prepare
    const journal = [entry({}), entry({ retry: true, transactionId: 'm9' })];

    // Act
    const result = checkOneSendPerEvent(journal, [{ messageId: 'm1' }, { messageId: 'm9' }]);

    // Assess
    expect(result.ok).toBe(false);
    expect(result.detail).toContain('two transactionIds');
  });

  it('fails when the outbox holds a send nobody was told about', () => {
    const result = checkOneSendPerEvent([entry({})], [{ messageId: 'm1' }, { messageId: 'm2' }]);

    expect(result.ok).toBe(false);
    expect(result.detail).toContain('without a SUCCESSFUL answer');
  });

  it('fails when an error answer has no DLQ record', () => {
    const failed = entry({ outcome: 'rejected', transactionId: undefined, reason: 'COUNTRY_NOT_ALLOWED' });

    expect(checkDlqRecords([failed], []).ok).toBe(false);
    expect(checkDlqRecords([failed], [{ messageId: 'q', body: JSON.stringify({ eventId: 'e1' }) }]).ok).toBe(
      true,
    );
  });

  it('finds an OTP, a token or a full number in the output, and shows where without the code', () => {
    // Prepare
    const code = otpFor('seed', 'e1');
    const inputs = {
      journal: [entry({})],
      outbox: [],
      dlq: [],
      seed: 'seed',
      phoneNumbers: ['+14155550123'],
    };

    // Act
    const leak = checkNoSecretsInOutput({ ...inputs, output: [`[deliver-otp] {"message":"sent ${code}"}`] });
    const token = checkNoSecretsInOutput({
      ...inputs,
      output: ['Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl'],
    });
    const phone = checkNoSecretsInOutput({ ...inputs, output: ['to 14155550123'] });
    const written = checkNoSecretsInOutput({ ...inputs, output: ['to +1 (415) 555-0123'] });
    const national = checkNoSecretsInOutput({ ...inputs, output: ['to 415.555.0123'] });
    const clean = checkNoSecretsInOutput({ ...inputs, output: ['to +1 *******123 in 1764051234567 ms'] });

    // Assess
    expect(leak.ok).toBe(false);
    expect(leak.detail).not.toContain(code);
    expect(token.ok).toBe(false);
    expect(phone.ok).toBe(false);
    expect(written.ok).toBe(false);
    expect(national.ok).toBe(false);
    expect(clean.ok).toBe(true);
  });

  it('expects no DLQ record for a guard refusal, and fails when one has a record', () => {
    // Prepare
    const refused = entry({ outcome: 'error', transactionId: undefined, reason: 'NUMBER_10M' });
    const blocked = entry({
      eventId: 'a1',
      stream: 'attack',
      outcome: 'blocked',
      transactionId: undefined,
      reason: 'PREFIX_1H',
    });
    const record = (eventId: string) => ({ messageId: eventId, body: JSON.stringify({ eventId }) });

    // Act
    const clean = checkDlqRecords([refused, blocked], []);
    const recorded = checkDlqRecords([refused, blocked], [record('a1')]);

    // Assess
    expect(clean.ok).toBe(true);
    expect(clean.detail).toContain('2 refused by the guard');
    expect(recorded.ok).toBe(false);
    expect(recorded.detail).toContain('1 guard refusals with a record');
  });

  it('fails when the guard refuses a sign-in of the normal mix, naming the reason', () => {
    // Prepare
    const journal = [
      entry({}),
      entry({ eventId: 'e2', outcome: 'error', transactionId: undefined, reason: 'IP_1H' }),
      entry({
        eventId: 'a1',
        stream: 'attack',
        outcome: 'blocked',
        transactionId: undefined,
        reason: 'PREFIX_1H',
      }),
    ];

    // Act
    const result = checkNoGuardRefusals(journal);

    // Assess
    expect(result.ok).toBe(false);
    expect(result.detail).toContain('IP_1H: 1');
    expect(result.detail).not.toContain('PREFIX_1H');
    expect(checkNoGuardRefusals([entry({}), journal[2]!]).ok).toBe(true);
  });

  it("passes when sends to the attacked prefix stop at the limit and the rest is refused with the guard's reasons", () => {
    // Prepare
    const prefix = '+44791112';
    const sent = Array.from({ length: 20 }, (_, i) =>
      entry({ eventId: `a${i}`, stream: 'attack', transactionId: `m${i}` }),
    );
    const refused = Array.from({ length: 30 }, (_, i) =>
      entry({
        eventId: `r${i}`,
        stream: 'attack',
        outcome: 'blocked',
        transactionId: undefined,
        reason: i < 25 ? 'PREFIX_1H' : 'IP_1H',
      }),
    );
    const outbox = sent.map((e, i) => ({
      messageId: e.transactionId!,
      DestinationPhoneNumber: `${prefix}${String(i).padStart(3, '0')}`,
    }));

    // Act
    const contained = checkAttackContained([...sent, ...refused], outbox, prefix, 20);
    const leaky = checkAttackContained(
      [...sent, ...refused],
      [...outbox, { messageId: 'x', DestinationPhoneNumber: `${prefix}999` }],
      prefix,
      20,
    );
    const failing = checkAttackContained(
      [...sent, entry({ eventId: 'f', stream: 'attack', outcome: 'error', reason: 'PROVIDER_ERROR' })],
      outbox,
      prefix,
      20,
    );

    // Assess
    expect(contained.ok).toBe(true);
    expect(contained.detail).toContain('20 sends to +44791112xxx');
    expect(contained.detail).toContain('PREFIX_1H: 25, IP_1H: 5');
    expect(leaky.ok).toBe(false);
    expect(leaky.detail).toContain('1 sends past the limit');
    expect(failing.ok).toBe(false);
    expect(failing.detail).toContain('PROVIDER_ERROR');
  });

  it('fails the pumping run when the attack was never refused, or never answered', () => {
    const sent = Array.from({ length: 30 }, (_, i) =>
      entry({ eventId: `a${i}`, stream: 'attack', transactionId: `m${i}` }),
    );

    expect(checkAttackContained(sent, [], '+44791112', 20).ok).toBe(false);
    expect(checkAttackContained([entry({})], [], '+44791112', 20).ok).toBe(false);
  });

  it('judges the normal stream beside the attack by its own latency and errors', () => {
    // Prepare
    const budget = { description: '', p95Ms: 200, p99Ms: 250, maxErrorRate: 0 };
    const fast = Array.from({ length: 100 }, (_, i) => entry({ eventId: `e${i}`, ms: 100 }));

    // Act
    const ok = checkNormalStreamBudget(streamFigures(fast), budget);
    const slow = checkNormalStreamBudget(
      streamFigures([...fast, ...fast.slice(0, 10).map((e) => ({ ...e, ms: 400 }))]),
      budget,
    );
    const refused = checkNormalStreamBudget(
      streamFigures([...fast, entry({ eventId: 'x', outcome: 'error', reason: 'USER_1H' })]),
      budget,
    );

    // Assess
    expect(ok.ok).toBe(true);
    expect(slow.ok).toBe(false);
    expect(refused.ok).toBe(false);
  });

  it('finds numbers whole in the output without mistaking timestamps and ids for thousands of numbers', () => {
    // Prepare
    const search = new NumberSearch(['+14155550123', '+447911123456', '+34612345678']);

    // Assess
    expect(search.foundIn('to 14155550123')).toBe(true);
    expect(search.foundIn('{"phone":"+44 7911 123456"}')).toBe(true);
    expect(search.foundIn('to 612 345 678')).toBe(true);
    expect(search.foundIn('x=0014155550123')).toBe(true);
    // A national number inside a longer run of digits (a timestamp) is a coincidence, not a leak.
    expect(search.foundIn('at 17911234567891 ms')).toBe(false);
    expect(search.foundIn('to +44 *******456')).toBe(false);
  });
});

const sms = (messageId: string, over: Partial<OutboxMessage> = {}): OutboxMessage => ({
  messageId,
  channel: 'SMS',
  events: [{ eventType: 'TEXT_DELIVERED', eventTimestamp: 1 }],
  feedback: null,
  ...over,
});
const call = (messageId: string, final = 'VOICE_COMPLETED'): OutboxMessage => ({
  messageId,
  channel: 'VOICE',
  events: ['VOICE_INITIATED', 'VOICE_RINGING', 'VOICE_ANSWERED', final].map((eventType, i) => ({
    eventType,
    eventTimestamp: i,
  })),
  feedback: null,
});
const played = (messageId: string, channel: 'sms' | 'voice' = 'sms'): Verification => ({
  eventId: `e-${messageId}`,
  messageId,
  userId: `00u${messageId}`,
  channel,
});

describe('receipts and conversion checks', () => {
  it("takes a call's last receipt as final, never its progress receipts", () => {
    const ringing: OutboxMessage = { ...call('v1'), events: call('v1').events!.slice(0, 2) };

    expect(finalReceipt(call('v1'))).toBe('VOICE_COMPLETED');
    expect(finalReceipt(call('v2', 'VOICE_NO_ANSWER'))).toBe('VOICE_NO_ANSWER');
    expect(finalReceipt(ringing)).toBeUndefined();
    expect(finalReceipt(sms('m1', { events: [] }))).toBeUndefined();
  });

  it('passes when every send has its final receipt, and counts them by status', () => {
    const check = checkReceipts([sms('m1'), sms('m2'), call('v1')], 300);

    expect(check.ok).toBe(true);
    expect(check.detail).toBe('3 sends, 3 with a final receipt (TEXT_DELIVERED 2, VOICE_COMPLETED 1)');
  });

  it('fails when a send has no final receipt after the wait, counting those with progress receipts only', () => {
    // Prepare
    const ringing: OutboxMessage = { ...call('v9'), events: call('v9').events!.slice(0, 2) };

    // Act
    const check = checkReceipts([sms('m1'), sms('m2', { events: [] }), ringing], 10_000);

    // Assess
    expect(check.ok).toBe(false);
    expect(check.detail).toBe(
      '3 sends, 1 with a final receipt (TEXT_DELIVERED 1); 2 without one 10.0 s after the load (1 with progress receipts only) (e.g. m2, v9)',
    );
  });

  it("passes when every played verification's message is RECEIVED and no other is", () => {
    // Prepare
    const outbox = [
      sms('m1', { feedback: 'RECEIVED' }),
      sms('m2'),
      { ...call('v1'), feedback: 'RECEIVED' as const },
    ];
    const plays = [played('m1'), played('v1', 'voice')];

    // Act
    const received = checkPlayedReceived(outbox, plays);
    const others = checkUnplayedNotReceived(outbox, plays);

    // Assess
    expect(received.ok).toBe(true);
    expect(received.detail).toMatch(/^2 verifications played .*, 2 of their messages RECEIVED$/);
    expect(others.ok).toBe(true);
    expect(others.detail).toBe(
      '1 messages not played: 0 RECEIVED, 0 FAILED (code expired unused), 1 without feedback',
    );
  });

  it('fails when a played verification left its message unmarked, missing, or never reached the handler', () => {
    // Prepare
    const outbox = [sms('m1', { feedback: 'RECEIVED' }), sms('m2'), sms('m3', { feedback: 'FAILED' })];

    // Act
    const check = checkPlayedReceived(outbox, [played('m1'), played('m2'), played('m3'), played('m4')], 2);

    // Assess
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('4 verifications played');
    expect(check.detail).toContain('1 of their messages RECEIVED');
    expect(check.detail).toContain('2 events not delivered to the handler');
    expect(check.detail).toContain(
      '2 messages not marked RECEIVED (feedback FAILED 1, none 1) (e.g. m2, m3)',
    );
    expect(check.detail).toContain('1 played messages not in the outbox (e.g. m4)');
  });

  it('fails when a message nobody played is marked RECEIVED (a verification marked the wrong message)', () => {
    // Prepare
    const outbox = [sms('m1'), sms('m2', { feedback: 'RECEIVED' }), sms('m3', { feedback: 'FAILED' })];

    // Act
    const check = checkUnplayedNotReceived(outbox, [played('m1')]);

    // Assess
    expect(check.ok).toBe(false);
    expect(check.detail).toBe(
      '2 messages not played: 1 RECEIVED (e.g. m2), 1 FAILED (code expired unused), 0 without feedback',
    );
  });
});

describe('judging answers as Okta does', () => {
  const success = {
    commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'SUCCESSFUL', transactionId: 'm1' }] }],
  };
  const refused = { error: { errorSummary: 'x', errorCauses: [{ reason: 'COUNTRY_NOT_ALLOWED' }] } };

  it('accepts SUCCESSFUL and PENDING', () => {
    expect(judge(200, JSON.stringify(success), 'delivery')).toEqual({
      outcome: 'successful',
      transactionId: 'm1',
    });
    expect(
      judge(200, { commands: [{ value: [{ status: 'PENDING', transactionId: 'm1' }] }] }, 'delivery').outcome,
    ).toBe('pending');
  });

  it('counts an error object as refused only for a request built to be refused', () => {
    expect(judge(200, refused, 'undeliverable')).toEqual({
      outcome: 'rejected',
      reason: 'COUNTRY_NOT_ALLOWED',
    });
    expect(judge(200, refused, 'delivery')).toEqual({ outcome: 'error', reason: 'COUNTRY_NOT_ALLOWED' });
  });

  it("counts the guard's refusal as an error for a sign-in and as a refusal for an attack request", () => {
    // Prepare
    const guard = {
      error: { errorSummary: 'The one-time passcode was not sent', errorCauses: [{ reason: 'PREFIX_1H' }] },
    };
    const pretend = {
      commands: [{ value: [{ status: 'SUCCESSFUL', transactionId: 'blocked-evt1' }] }],
    };

    // Assess
    expect(judge(200, guard, 'delivery')).toEqual({ outcome: 'error', reason: 'PREFIX_1H' });
    expect(judge(200, guard, 'undeliverable')).toEqual({ outcome: 'error', reason: 'PREFIX_1H' });
    expect(judge(200, guard, 'attack')).toEqual({ outcome: 'blocked', reason: 'PREFIX_1H' });
    expect(judge(200, pretend, 'attack')).toEqual({ outcome: 'blocked', reason: 'PRETEND_SENT' });
    expect(judge(200, pretend, 'delivery')).toEqual({ outcome: 'error', reason: 'PRETEND_SENT' });
    expect(judge(200, success, 'attack')).toEqual({ outcome: 'successful', transactionId: 'm1' });
    expect(judge(200, refused, 'attack')).toEqual({ outcome: 'error', reason: 'COUNTRY_NOT_ALLOWED' });
  });

  it("knows every reason the guard answers with (the service's reasons, upper-cased)", () => {
    expect([...GUARD_REASONS].sort()).toEqual(ABUSE_REASONS.map((r) => r.toUpperCase()).sort());
  });

  it('counts any other status or body as an error', () => {
    expect(judge(502, '<html>', 'delivery')).toEqual({ outcome: 'error', reason: 'http_502' });
    expect(judge(200, 'not json', 'delivery')).toEqual({ outcome: 'error', reason: 'body_not_json' });
  });
});
