/**
 * How Okta reads the hook's answer: accepted (SUCCESSFUL or PENDING), refused with its error object, or an error
 * that makes Okta fall back to its own providers.
 */
import type { Outcome } from './journal.js';

/** The verdict on one answer. */
export type Judgement = { outcome: Outcome; transactionId?: string; reason?: string };

/**
 * Judges one answer.
 *
 * @param status - HTTP status
 * @param body - the body, as text or parsed
 * @param expectRejection - the request was built to be refused (undeliverable)
 */
export function judge(status: number, body: unknown, expectRejection: boolean): Judgement {
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
    if (expectRejection) return { outcome: 'error', reason: 'delivered_to_a_refused_country' };
    return {
      outcome: action.status === 'SUCCESSFUL' ? 'successful' : 'pending',
      transactionId: String(action.transactionId ?? ''),
    };
  }
  const reason = String(parsed?.error?.errorCauses?.[0]?.reason ?? 'unknown_answer');
  if (parsed?.error && expectRejection) return { outcome: 'rejected', reason };
  return { outcome: 'error', reason: parsed?.error ? reason : 'unknown_answer' };
}
