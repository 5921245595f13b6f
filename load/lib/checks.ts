/**
 * Correctness under load, checked after a local run from the journal, the stack's outbox and DLQ, and
 * everything the stack wrote: exactly one send per delivered event, a DLQ record for every failure, and no
 * OTP, token or full phone number in the output.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { JournalEntry } from '../processors/journal.js';
import { otpFor } from '../processors/traffic.js';

/** One check's verdict. */
export type CheckResult = { name: string; ok: boolean; detail: string };

/** What the local stack's `/_local/outbox` and `/_local/dlq` return. */
export type Outbox = Array<{ messageId: string; channel?: string }>;
export type Dlq = Array<{ messageId: string; body: string }>;

/** Inputs of {@link runChecks}. */
export type CheckInputs = {
  journal: JournalEntry[];
  outbox: Outbox;
  dlq: Dlq;
  /** Every line the stack wrote (function logs, access log). */
  output: string[];
  /** The run's seed: recomputes each event's OTP. */
  seed: string;
  /** Full phone numbers the run sent to (they may appear only masked). */
  phoneNumbers: string[];
};

const SIX_DIGITS = /(?<![0-9A-Za-z])\d{6}(?![0-9A-Za-z])/g;
const JWT = /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]+/;
const SAMPLE = 3;

function sample(values: Iterable<string>): string {
  const list = [...values].slice(0, SAMPLE);
  return list.length ? ` (e.g. ${list.join(', ')})` : '';
}

/** Exactly one send per event answered SUCCESSFUL, and every SUCCESSFUL answer points at a real send. */
export function checkOneSendPerEvent(journal: JournalEntry[], outbox: Outbox): CheckResult {
  const txByEvent = new Map<string, Set<string>>();
  for (const entry of journal) {
    if (entry.outcome !== 'successful' || !entry.transactionId) continue;
    const set = txByEvent.get(entry.eventId) ?? new Set<string>();
    set.add(entry.transactionId);
    txByEvent.set(entry.eventId, set);
  }
  const sent = new Set(outbox.map((m) => m.messageId));
  const answered = new Set([...txByEvent.values()].flatMap((s) => [...s]));
  const twice = [...txByEvent].filter(([, s]) => s.size > 1).map(([id]) => id);
  const unanswered = [...sent].filter((id) => !answered.has(id));
  const phantom = [...answered].filter((id) => !sent.has(id));
  const ok = outbox.length === txByEvent.size && !twice.length && !unanswered.length && !phantom.length;
  const problems = [
    twice.length ? `${twice.length} events got two transactionIds${sample(twice)}` : '',
    unanswered.length ? `${unanswered.length} sends without a SUCCESSFUL answer${sample(unanswered)}` : '',
    phantom.length ? `${phantom.length} SUCCESSFUL answers with no send${sample(phantom)}` : '',
  ].filter(Boolean);
  return {
    name: 'sends in the outbox = unique eventIds answered SUCCESSFUL',
    ok,
    detail: `${outbox.length} sends, ${txByEvent.size} unique eventIds answered SUCCESSFUL${
      problems.length ? `; ${problems.join('; ')}` : ''
    }`,
  };
}

/** Every event answered with Okta's error object has its DLQ record. */
export function checkDlqRecords(journal: JournalEntry[], dlq: Dlq): CheckResult {
  const failed = new Set(
    journal
      .filter((e) => e.status === 200 && (e.outcome === 'rejected' || e.outcome === 'error'))
      .map((e) => e.eventId),
  );
  const recorded = new Set<string>();
  let unreadable = 0;
  for (const message of dlq) {
    try {
      recorded.add(String((JSON.parse(message.body) as { eventId?: unknown }).eventId));
    } catch {
      unreadable += 1;
    }
  }
  const missing = [...failed].filter((id) => !recorded.has(id));
  return {
    name: 'every failure has its DLQ record',
    ok: !missing.length && !unreadable,
    detail: `${failed.size} events answered with an error object, ${dlq.length} DLQ records${
      missing.length ? `; ${missing.length} failures without a record${sample(missing)}` : ''
    }${unreadable ? `; ${unreadable} records are not JSON` : ''}`,
  };
}

/** National numbers shorter than this are not searched for on their own: too many other digits would match. */
const MIN_NATIONAL_DIGITS = 8;

/**
 * The digits a number leaks as: international (`14155550123`) and national (`4155550123`). Compared with the
 * output's digits once spaces, dashes, dots and brackets are gone, so `+1 (415) 555-0123` is still whole.
 */
function wholeNumberForms(phone: string): string[] {
  const digits = phone.replace(/\D/g, '');
  const national = parsePhoneNumberFromString(`+${digits}`)?.nationalNumber ?? '';
  return [digits, ...(national.length >= MIN_NATIONAL_DIGITS ? [national] : [])].filter(Boolean);
}

/** No OTP, bearer token or full phone number in what the stack wrote (logs, access log, DLQ records). */
export function checkNoSecretsInOutput(inputs: CheckInputs): CheckResult {
  const codes = new Set(inputs.journal.map((e) => otpFor(inputs.seed, e.eventId)));
  const texts = [...inputs.output, ...inputs.dlq.map((m) => m.body)];
  const numbers = [...new Set(inputs.phoneNumbers.flatMap(wholeNumberForms))];
  let otpLines = 0;
  let tokenLines = 0;
  let phoneLines = 0;
  const examples: string[] = [];
  for (const text of texts) {
    let leaked = false;
    for (const match of text.matchAll(SIX_DIGITS)) {
      if (codes.has(match[0])) leaked = true;
    }
    if (leaked) {
      otpLines += 1;
      // Show where, never what: the code itself is blanked out.
      if (examples.length < SAMPLE) examples.push(text.replace(SIX_DIGITS, '######').slice(0, 200));
    }
    if (JWT.test(text)) tokenLines += 1;
    const squeezed = text.replace(/[\s().-]/g, '');
    if (numbers.some((n) => squeezed.includes(n))) phoneLines += 1;
  }
  const ok = !otpLines && !tokenLines && !phoneLines;
  return {
    name: 'no OTP (nor token, nor full phone number) in the stack output',
    ok,
    detail: `${texts.length} lines searched for ${codes.size} codes: ${otpLines} with a code, ${tokenLines} with a token, ${phoneLines} with a full number${
      examples.length ? `; e.g. ${examples.join(' | ')}` : ''
    }`,
  };
}

/**
 * Runs every check.
 *
 * @param inputs - journal, outbox, DLQ, output and the run's seed
 */
export function runChecks(inputs: CheckInputs): CheckResult[] {
  return [
    checkOneSendPerEvent(inputs.journal, inputs.outbox),
    checkDlqRecords(inputs.journal, inputs.dlq),
    checkNoSecretsInOutput(inputs),
  ];
}
