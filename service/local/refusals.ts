/**
 * The requests the abuse guard refused, as the local API Gateway saw them go by: each hook answer whose error cause
 * is one of the guard's reasons (`NUMBER_10M`…), or a `pretend-sent` answer (transactionId `blocked-…`, the reason
 * in `transactionMetadata`). Read from the wire, not from logs, so the list is what Okta was answered. Behind
 * `GET /_local/refusals` and the outbox page's "Refused" tab. Numbers are masked as everywhere else.
 */
import { ABUSE_REASONS, type AbuseReason, type BlockedAnswer } from '../src/domain/abuse-settings.js';
import { isPretendSentTransaction } from '../src/domain/okta-response.js';
import { maskPhone } from '../src/domain/redact.js';

/** One refused request. */
export type Refusal = {
  eventId: string;
  /** The guard's reason, lower-case as in the metric (`number_10m`). */
  reason: AbuseReason;
  /** `error`: Okta's error object; `pretend-sent`: SUCCESSFUL without a send. */
  answer: BlockedAnswer;
  maskedPhone: string;
  requestType: string;
  channel: string;
  /** ISO time the answer went back. */
  at: string;
};

/** How many refusals the list keeps; the oldest go first. */
const MAX_REFUSALS = 200;

const REASONS = new Set<string>(ABUSE_REASONS);

type Body = Record<string, any>;

function parse(text: string): Body | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Body) : undefined;
  } catch {
    return undefined;
  }
}

/** The guard's reason and answer kind in a hook answer, if the guard refused it. */
function refusalIn(answer: Body): Pick<Refusal, 'reason' | 'answer'> | undefined {
  const cause = String(answer.error?.errorCauses?.[0]?.reason ?? '').toLowerCase();
  if (REASONS.has(cause)) return { reason: cause as AbuseReason, answer: 'error' };
  const action = answer.commands?.[0]?.value?.[0];
  if (!isPretendSentTransaction(action?.transactionId)) return undefined;
  const blocked = parse(String(action.transactionMetadata ?? ''))?.blocked;
  return REASONS.has(blocked) ? { reason: blocked as AbuseReason, answer: 'pretend-sent' } : undefined;
}

/** The last {@link MAX_REFUSALS} refusals, oldest first. */
export class RefusalLog {
  readonly #entries: Refusal[] = [];

  /**
   * Looks at one hook exchange and keeps it when the guard refused it.
   *
   * @param requestBody - the body Okta sent
   * @param answerBody - the body the hook answered
   * @param at - when (ms since epoch)
   */
  observe(requestBody: string, answerBody: string, at = Date.now()): void {
    // Every /hook answer passes here: a delivery (neither an error object nor a pretend-sent id) is not parsed.
    if (!answerBody.includes('"errorCauses"') && !answerBody.includes('"blocked')) return;
    const answer = parse(answerBody);
    const refusal = answer && refusalIn(answer);
    if (!refusal) return;
    const request = parse(requestBody) ?? {};
    const profile = request.data?.messageProfile ?? {};
    if (this.#entries.length >= MAX_REFUSALS) this.#entries.shift();
    this.#entries.push({
      eventId: String(request.eventId ?? request.data?.context?.request?.id ?? ''),
      ...refusal,
      maskedPhone: maskPhone(String(profile.phoneNumber ?? '')),
      requestType: String(request.requestType ?? ''),
      channel: String(profile.deliveryChannel ?? ''),
      at: new Date(at).toISOString(),
    });
  }

  list(): Refusal[] {
    return this.#entries.map((entry) => ({ ...entry }));
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
