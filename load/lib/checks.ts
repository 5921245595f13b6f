/**
 * Correctness under load, checked after a local run from the journal, the stack's outbox and DLQ, and
 * everything the stack wrote: exactly one send per delivered event, a DLQ record for every failure (and none for
 * a guard refusal), no guard refusal of a real sign-in, no OTP, token or full phone number in the output; every
 * send's final receipt, and RECEIVED on every played verification's message and on no other; and, for the pumping
 * scenario, sends to the attacked prefix stopping at the guard's limit while the sign-ins beside the attack stay in
 * their budget.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { SMS_RECEIPT_STATUSES, VOICE_RECEIPT_STATUSES } from '../../service/local/emulators/receipts.js';
import { isGuardReason } from '../processors/answers.js';
import type { JournalEntry } from '../processors/journal.js';
import { otpFor } from '../processors/traffic.js';
import type { Budget } from './budget.js';
import type { Verification } from './conversion.js';
import type { StreamFigures } from './summary.js';

/** One check's verdict. */
export type CheckResult = { name: string; ok: boolean; detail: string };

/** One message of the local stack's `/_local/outbox`: the fields the checks read. */
export type OutboxMessage = {
  messageId: string;
  /** `SMS` or `VOICE`. */
  channel?: string;
  DestinationPhoneNumber?: string;
  Context?: { eventId?: string };
  /** The receipts the stand-in emitted, oldest first. */
  events?: Array<{ eventType: string; eventTimestamp: number }>;
  /** What PutMessageFeedback set: RECEIVED when the code was used. */
  feedback?: 'RECEIVED' | 'FAILED' | null;
};
/** What the local stack's `/_local/outbox` and `/_local/dlq` return. */
export type Outbox = OutboxMessage[];
export type Dlq = Array<{ messageId: string; body: string }>;

/** The final receipts the stand-in emits (its progress receipts, `VOICE_INITIATED`…, are not final). */
const FINAL_RECEIPTS: ReadonlySet<string> = new Set([
  ...SMS_RECEIPT_STATUSES.map((status) => `TEXT_${status}`),
  ...VOICE_RECEIPT_STATUSES.map((status) => `VOICE_${status}`),
]);

/** The message's final receipt (`TEXT_DELIVERED`, `VOICE_COMPLETED`, …), or undefined while it has none. */
export function finalReceipt(message: OutboxMessage): string | undefined {
  return message.events?.findLast((event) => FINAL_RECEIPTS.has(event.eventType))?.eventType;
}

/** True once the message has its final receipt. */
export const hasFinalReceipt = (message: OutboxMessage) => finalReceipt(message) !== undefined;

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
  /** The pumping scenario's attack: its prefix, the most sends the guard allows it, the normal stream's budget. */
  attack?: { prefix: string; limit: number; budget: Budget; normal: StreamFigures };
  /**
   * Receipts and conversion (local runs): the verifications played, how many of their events the stack did not
   * deliver to the handler, and how long the run waited for the last receipts.
   */
  conversion?: { played: Verification[]; undelivered: number; receiptWaitMs: number };
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

/** A guard refusal: answered with the guard's reason (an error for a normal request, `blocked` for an attack). */
const refusedByGuard = (e: JournalEntry) =>
  e.status === 200 && (e.outcome === 'blocked' || e.outcome === 'error') && isGuardReason(e.reason);

/**
 * Every event answered with Okta's error object has its DLQ record, except the abuse guard's refusals, which must
 * have none (a refusal is no failed delivery).
 */
export function checkDlqRecords(journal: JournalEntry[], dlq: Dlq): CheckResult {
  const refused = new Set(journal.filter(refusedByGuard).map((e) => e.eventId));
  const failed = new Set(
    journal
      .filter((e) => e.status === 200 && (e.outcome === 'rejected' || e.outcome === 'error'))
      .filter((e) => !refusedByGuard(e))
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
  const recordedRefusals = [...refused].filter((id) => recorded.has(id) && !failed.has(id));
  return {
    name: 'every failure has its DLQ record, no guard refusal has one',
    ok: !missing.length && !unreadable && !recordedRefusals.length,
    detail: `${failed.size} events answered with an error object, ${refused.size} refused by the guard, ${dlq.length} DLQ records${
      missing.length ? `; ${missing.length} failures without a record${sample(missing)}` : ''
    }${recordedRefusals.length ? `; ${recordedRefusals.length} guard refusals with a record${sample(recordedRefusals)}` : ''}${
      unreadable ? `; ${unreadable} records are not JSON` : ''
    }`,
  };
}

/** Counts by reason, largest first, as `A: 3, B: 1`. */
function byReason(entries: JournalEntry[]): string {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.reason ?? 'unknown', (counts.get(e.reason ?? 'unknown') ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([reason, n]) => `${reason}: ${n}`)
    .join(', ');
}

/** The guard refuses none of the normal mix's sign-ins (new users and numbers, many IPs and prefixes). */
export function checkNoGuardRefusals(journal: JournalEntry[]): CheckResult {
  const normal = journal.filter((e) => e.stream !== 'attack');
  const refused = normal.filter(refusedByGuard);
  return {
    name: 'the abuse guard refuses no real sign-in',
    ok: refused.length === 0,
    detail: `${normal.length} normal answers, ${refused.length} refused by the guard${
      refused.length ? ` (${byReason(refused)})${sample(new Set(refused.map((e) => e.eventId)))}` : ''
    }`,
  };
}

/**
 * The pumping attack is contained: sends to the attacked prefix (counted in the outbox) stop at the guard's limit,
 * and every other attack request is refused with one of the guard's reasons (none fails otherwise).
 *
 * @param journal - every answer seen
 * @param outbox - every send
 * @param prefix - the attacked prefix (E.164 without its last 3 digits)
 * @param limit - the most sends the guard's limits allow to the prefix in an hour (`attackSendLimit`)
 */
export function checkAttackContained(
  journal: JournalEntry[],
  outbox: Outbox,
  prefix: string,
  limit: number,
): CheckResult {
  const attack = journal.filter((e) => e.stream === 'attack');
  const sends = outbox.filter((m) => m.DestinationPhoneNumber?.startsWith(prefix)).length;
  const refused = attack.filter((e) => e.outcome === 'blocked');
  const failed = attack.filter((e) => e.outcome === 'error');
  const delivered = attack.filter((e) => e.outcome === 'successful' || e.outcome === 'pending').length;
  const problems = [
    sends > limit ? `${sends - limit} sends past the limit` : '',
    failed.length
      ? `${failed.length} attack requests neither sent nor refused by the guard (${byReason(failed)})`
      : '',
    attack.length > limit && !refused.length ? 'nothing was refused' : '',
  ].filter(Boolean);
  return {
    name: `sends to the attacked prefix stop at the guard's limit (${limit} in an hour)`,
    ok: !problems.length && attack.length > 0,
    detail: `${attack.length} attack requests: ${sends} sends to ${prefix}xxx (${delivered} answered SUCCESSFUL), ${refused.length} refused${
      refused.length ? ` (${byReason(refused)})` : ''
    }${problems.length ? `; ${problems.join('; ')}` : ''}${attack.length ? '' : '; no attack request was answered'}`,
  };
}

/**
 * The normal stream beside an attack stays in its budget: p95 and p99 of its own answers (exact, from the journal)
 * and its error rate (a guard refusal is an error to Okta).
 *
 * @param normal - the normal stream's figures
 * @param budget - the run's budget
 */
export function checkNormalStreamBudget(normal: StreamFigures, budget: Budget): CheckResult {
  const errorRate = normal.requests ? normal.errors / normal.requests : 0;
  const ok = normal.p95 <= budget.p95Ms && normal.p99 <= budget.p99Ms && errorRate <= budget.maxErrorRate;
  return {
    name: 'the sign-ins beside the attack stay in their budget',
    ok: ok && normal.requests > 0,
    detail: `${normal.requests} normal answers: p95 ${normal.p95} ms (<= ${budget.p95Ms}), p99 ${normal.p99} ms (<= ${budget.p99Ms}), ${normal.errors} errors (${(errorRate * 100).toFixed(2)} %, <= ${budget.maxErrorRate * 100} %)`,
  };
}

/** National numbers shorter than this are not searched for on their own: too many other digits would match. */
const MIN_NATIONAL_DIGITS = 8;

/**
 * Where a run's numbers would show up whole. The output's digits are compared once spaces, dashes, dots and
 * brackets are gone, so `+1 (415) 555-0123` is still whole. The international form (`14155550123`) is looked for
 * anywhere in a run of digits; the national form (`4155550123`) only as a whole run: a run sends to thousands of
 * numbers, and ten digits of thousands of numbers would turn up inside timestamps and ids by chance.
 */
export class NumberSearch {
  private readonly international = new Set<string>();
  private readonly national = new Set<string>();
  private readonly lengths: number[];

  constructor(phones: Iterable<string>) {
    for (const phone of phones) {
      const digits = phone.replace(/\D/g, '');
      if (!digits) continue;
      this.international.add(digits);
      const national = parsePhoneNumberFromString(`+${digits}`)?.nationalNumber ?? '';
      if (national.length >= MIN_NATIONAL_DIGITS) this.national.add(national);
    }
    this.lengths = [...new Set([...this.international].map((d) => d.length))];
  }

  /** Distinct forms searched for. */
  get size(): number {
    return this.international.size + this.national.size;
  }

  /** True when `text` holds one of the numbers whole. */
  foundIn(text: string): boolean {
    const squeezed = text.replace(/[\s().-]/g, '');
    for (const [run] of squeezed.matchAll(/\d+/g)) {
      if (this.national.has(run)) return true;
      for (const length of this.lengths) {
        for (let at = 0; at + length <= run.length; at += 1) {
          if (this.international.has(run.slice(at, at + length))) return true;
        }
      }
    }
    return false;
  }
}

/** No OTP, bearer token or full phone number in what the stack wrote (logs, access log, DLQ records). */
export function checkNoSecretsInOutput(inputs: CheckInputs): CheckResult {
  const codes = new Set(inputs.journal.map((e) => otpFor(inputs.seed, e.eventId)));
  const texts = [...inputs.output, ...inputs.dlq.map((m) => m.body)];
  const numbers = new NumberSearch(inputs.phoneNumbers);
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
    if (numbers.foundIn(text)) phoneLines += 1;
  }
  const ok = !otpLines && !tokenLines && !phoneLines;
  return {
    name: 'no OTP (nor token, nor full phone number) in the stack output',
    ok,
    detail: `${texts.length} lines searched for ${codes.size} codes and ${new Set(inputs.phoneNumbers).size} numbers: ${otpLines} with a code, ${tokenLines} with a token, ${phoneLines} with a full number${
      examples.length ? `; e.g. ${examples.join(' | ')}` : ''
    }`,
  };
}

/** Counts by key, largest first, as `A 3, B 1`. */
function tally(keys: Iterable<string>): string {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([key, n]) => `${key} ${n}`)
    .join(', ');
}

/**
 * Every send in the outbox got its final receipt (the stand-in emits one ~200 ms after the send; the run waited a
 * bounded time for the last ones).
 *
 * @param outbox - every send, with its receipts
 * @param waitedMs - how long the run waited after the load for the last receipts
 */
export function checkReceipts(outbox: Outbox, waitedMs?: number): CheckResult {
  const finals = outbox.flatMap((m) => {
    const receipt = finalReceipt(m);
    return receipt ? [receipt] : [];
  });
  const missing = outbox.filter((m) => !hasFinalReceipt(m));
  const progressOnly = missing.filter((m) => m.events?.length).length;
  const waited = waitedMs === undefined ? '' : ` ${(waitedMs / 1000).toFixed(1)} s after the load`;
  return {
    name: 'every send got its final receipt',
    ok: !missing.length,
    detail: `${outbox.length} sends, ${finals.length} with a final receipt${finals.length ? ` (${tally(finals)})` : ''}${
      missing.length
        ? `; ${missing.length} without one${waited}${progressOnly ? ` (${progressOnly} with progress receipts only)` : ''}${sample(missing.map((m) => m.messageId))}`
        : ''
    }`,
  };
}

/**
 * Every played verification (Okta's `auth_via_mfa` SUCCESS for the request's user and factor) marked its message
 * RECEIVED.
 *
 * @param outbox - every send, with its feedback
 * @param played - the verifications played
 * @param undelivered - events the stack did not deliver to the handler (or whose handler failed)
 */
export function checkPlayedReceived(outbox: Outbox, played: Verification[], undelivered = 0): CheckResult {
  const byId = new Map(outbox.map((m) => [m.messageId, m]));
  const absent = played.filter((v) => !byId.has(v.messageId)).map((v) => v.messageId);
  const notMarked = played
    .map((v) => byId.get(v.messageId))
    .filter((m): m is OutboxMessage => m !== undefined && m.feedback !== 'RECEIVED');
  const received = played.length - absent.length - notMarked.length;
  const problems = [
    undelivered ? `${undelivered} events not delivered to the handler` : '',
    notMarked.length
      ? `${notMarked.length} messages not marked RECEIVED (feedback ${tally(notMarked.map((m) => m.feedback ?? 'none'))})${sample(notMarked.map((m) => m.messageId))}`
      : '',
    absent.length ? `${absent.length} played messages not in the outbox${sample(absent)}` : '',
  ].filter(Boolean);
  return {
    name: 'every played verification marked its message RECEIVED',
    ok: !problems.length,
    detail: `${played.length} verifications played (auth_via_mfa SUCCESS, the request's user and factor), ${received} of their messages RECEIVED${
      problems.length ? `; ${problems.join('; ')}` : ''
    }`,
  };
}

/**
 * No message the run did not play is marked RECEIVED: a verification marks its user's message, no other.
 *
 * @param outbox - every send, with its feedback
 * @param played - the verifications played
 */
export function checkUnplayedNotReceived(outbox: Outbox, played: Verification[]): CheckResult {
  const playedIds = new Set(played.map((v) => v.messageId));
  const unplayed = outbox.filter((m) => !playedIds.has(m.messageId));
  const received = unplayed.filter((m) => m.feedback === 'RECEIVED');
  const failed = unplayed.filter((m) => m.feedback === 'FAILED').length;
  return {
    name: 'no message the run did not play is marked RECEIVED',
    ok: !received.length,
    detail: `${unplayed.length} messages not played: ${received.length} RECEIVED${sample(received.map((m) => m.messageId))}, ${failed} FAILED (code expired unused), ${unplayed.length - received.length - failed} without feedback`,
  };
}

/**
 * Runs every check.
 *
 * @param inputs - journal, outbox, DLQ, output, the run's seed and numbers, and the attack of a pumping run
 */
export function runChecks(inputs: CheckInputs): CheckResult[] {
  return [
    checkOneSendPerEvent(inputs.journal, inputs.outbox),
    checkDlqRecords(inputs.journal, inputs.dlq),
    checkNoGuardRefusals(inputs.journal),
    checkNoSecretsInOutput(inputs),
    ...(inputs.conversion
      ? [
          checkReceipts(inputs.outbox, inputs.conversion.receiptWaitMs),
          checkPlayedReceived(inputs.outbox, inputs.conversion.played, inputs.conversion.undelivered),
          checkUnplayedNotReceived(inputs.outbox, inputs.conversion.played),
        ]
      : []),
    ...(inputs.attack
      ? [
          checkAttackContained(inputs.journal, inputs.outbox, inputs.attack.prefix, inputs.attack.limit),
          checkNormalStreamBudget(inputs.attack.normal, inputs.attack.budget),
        ]
      : []),
  ];
}
