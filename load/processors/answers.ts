/**
 * How Okta reads the hook's answer: accepted (SUCCESSFUL or PENDING), refused with its error object, or an error
 * that makes Okta fall back to its own providers; and whether the abuse guard refused it.
 */
import { ABUSE_REASONS } from '../../service/src/domain/abuse-settings.js';
import { isPretendSentTransaction } from '../../service/src/domain/okta-response.js';
import type { Outcome } from './journal.js';
import type { Expectation } from './traffic.js';

/**
 * The abuse guard's refusal reasons as Okta's `errorCauses[0].reason` carries them (the spec's reasons
 * upper-cased). Such answers have no DLQ record.
 */
export const GUARD_REASONS: readonly string[] = ABUSE_REASONS.map((reason) => reason.toUpperCase());

/**
 * The reason of a refusal answered SUCCESSFUL without a send (`blockedAnswer: "pretend-sent"`), whose
 * `transactionId` is `blocked-<idempotencyKey>`: Okta cannot tell it from a delivery, the load test can.
 */
export const PRETEND_SENT = 'PRETEND_SENT';

/** True when `reason` is one of the guard's ({@link GUARD_REASONS} or {@link PRETEND_SENT}). */
export function isGuardReason(reason: string | undefined): boolean {
  return reason === PRETEND_SENT || GUARD_REASONS.includes(reason ?? '');
}

/** The verdict on one answer. */
export type Judgement = { outcome: Outcome; transactionId?: string; reason?: string };

/**
 * Judges one answer.
 *
 * - a delivery expected: SUCCESSFUL or PENDING; anything else (a guard refusal too) is an error;
 * - `undeliverable`: Okta's error object (not the guard's) is `rejected`, as designed;
 * - `attack`: a delivery (until the guard's limit) or a guard refusal (`blocked`); anything else is an error.
 *
 * @param status - HTTP status
 * @param body - the body, as text or parsed
 * @param expect - what the request was built for
 */
export function judge(status: number, body: unknown, expect: Expectation): Judgement {
  if (status !== 200) return { outcome: 'error', reason: `http_${status}` };
  let parsed: any = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return { outcome: 'error', reason: 'body_not_json' };
    }
  }
  const action = parsed?.commands?.[0]?.value?.[0];
  if (action?.status === 'SUCCESSFUL' || action?.status === 'PENDING') {
    const transactionId = String(action.transactionId ?? '');
    if (isPretendSentTransaction(transactionId)) {
      return { outcome: expect === 'attack' ? 'blocked' : 'error', reason: PRETEND_SENT };
    }
    if (expect === 'undeliverable') return { outcome: 'error', reason: 'delivered_to_a_refused_country' };
    return { outcome: action.status === 'SUCCESSFUL' ? 'successful' : 'pending', transactionId };
  }
  if (!parsed?.error) return { outcome: 'error', reason: 'unknown_answer' };
  const reason = String(parsed.error.errorCauses?.[0]?.reason ?? 'unknown_answer');
  if (isGuardReason(reason)) return { outcome: expect === 'attack' ? 'blocked' : 'error', reason };
  if (expect === 'undeliverable') return { outcome: 'rejected', reason };
  return { outcome: 'error', reason };
}
