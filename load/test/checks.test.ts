// Principle: the correctness checks fail loudly on the bug they exist for, and stay quiet on a clean run.
import { describe, expect, it } from 'vitest';
import { checkDlqRecords, checkNoSecretsInOutput, checkOneSendPerEvent } from '../lib/checks.js';
import { judge } from '../processors/answers.js';
import type { JournalEntry } from '../processors/journal.js';
import { otpFor } from '../processors/traffic.js';

const entry = (over: Partial<JournalEntry>): JournalEntry => ({
  at: 0,
  eventId: 'e1',
  retry: false,
  channel: 'sms',
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
});

describe('judging answers as Okta does', () => {
  const success = {
    commands: [{ type: 'com.okta.telephony.action', value: [{ status: 'SUCCESSFUL', transactionId: 'm1' }] }],
  };
  const refused = { error: { errorSummary: 'x', errorCauses: [{ reason: 'COUNTRY_NOT_ALLOWED' }] } };

  it('accepts SUCCESSFUL and PENDING', () => {
    expect(judge(200, JSON.stringify(success), false)).toEqual({
      outcome: 'successful',
      transactionId: 'm1',
    });
    expect(
      judge(200, { commands: [{ value: [{ status: 'PENDING', transactionId: 'm1' }] }] }, false).outcome,
    ).toBe('pending');
  });

  it('counts an error object as refused only for a request built to be refused', () => {
    expect(judge(200, refused, true)).toEqual({ outcome: 'rejected', reason: 'COUNTRY_NOT_ALLOWED' });
    expect(judge(200, refused, false)).toEqual({ outcome: 'error', reason: 'COUNTRY_NOT_ALLOWED' });
  });

  it('counts any other status or body as an error', () => {
    expect(judge(502, '<html>', false)).toEqual({ outcome: 'error', reason: 'http_502' });
    expect(judge(200, 'not json', false)).toEqual({ outcome: 'error', reason: 'body_not_json' });
  });
});
