/**
 * The run journal: one JSON line per answer (or transport error) the load generator saw, written by the
 * processor and read by the runner for the correctness checks and the per-second charts. It holds event ids,
 * outcomes and latencies (and the Okta user id and request type, so that the runner can play the user typing the
 * code), never an OTP, a phone number or a token.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import type { Stream } from './traffic.js';

/** What Okta would make of one answer. */
export type Outcome =
  /** HTTP 200, commands, SUCCESSFUL */
  | 'successful'
  /** HTTP 200, commands, PENDING (a duplicate while the first send was in flight) */
  | 'pending'
  /** HTTP 200, Okta error object, for a request built to be undeliverable */
  | 'rejected'
  /** HTTP 200, refused by the abuse guard, for an attack request (a normal request refused is an `error`) */
  | 'blocked'
  /** anything else: an error object for a deliverable request, another status, a timeout, a broken body */
  | 'error';

/** One journal line. */
export type JournalEntry = {
  /** When the answer arrived, ms since the epoch. */
  at: number;
  eventId: string;
  /** This request was Okta's retry of an earlier one (same eventId). */
  retry: boolean;
  channel: 'sms' | 'voice';
  /** Okta's request type without its `com.okta.user.telephony.` prefix: `mfa-verification`, `pre-enrollment`, … */
  requestType?: string;
  /** The request's `data.userProfile.userId` (an Okta user id, no secret): whom a played verification names. */
  userId?: string;
  /** The org's sign-ins, or the pumping scenario's attack. */
  stream: Stream;
  /** A normal request built to go to a refused country (with `stream`, it recomputes the number). */
  undeliverable?: true;
  outcome: Outcome;
  /** HTTP status, 0 for a transport error. */
  status: number;
  /** Time to first byte, as Artillery's `http.response_time` measures it; absent for a transport error. */
  ms?: number;
  /** `transactionId` of a SUCCESSFUL or PENDING answer (the End User Messaging MessageId). */
  transactionId?: string;
  /**
   * Short, low-cardinality cause of an error, rejection or refusal, e.g. `COUNTRY_NOT_ALLOWED`, `PREFIX_1H`,
   * `http_502`, `ETIMEDOUT`.
   */
  reason?: string;
};

/**
 * Appends one entry. Synchronous on purpose: Artillery's workers may exit without flushing a stream, and a
 * line-sized append with O_APPEND does not interleave with other workers' lines.
 *
 * @param path - the journal file; nothing is written when undefined
 * @param entry - the answer seen
 */
export function appendJournal(path: string | undefined, entry: JournalEntry): void {
  if (!path) return;
  appendFileSync(path, `${JSON.stringify(entry)}\n`);
}

/**
 * Reads a journal, skipping a torn last line (a worker killed mid-write).
 *
 * @param path - the journal file
 */
export function readJournal(path: string): JournalEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const entries: JournalEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      // torn line: ignored
    }
  }
  return entries;
}
