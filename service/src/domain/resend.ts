/**
 * A resend takes another way: when Okta says the user asked again (`isResend`, Okta 2026.09) and the previous code
 * to the same user and number has no success receipt, the resend goes out from the route's next identity. The rules
 * are here; the history behind {@link SendHistory} (the messages table in AWS) is an adapter.
 */
import type { Channel } from './templates.js';

/** `resendPolicy`: `escalate` moves an unconfirmed code's resend to the next identity; `same` routes it as any other. */
export const RESEND_POLICIES = ['escalate', 'same'] as const;
/** One of {@link RESEND_POLICIES}. */
export type ResendPolicy = (typeof RESEND_POLICIES)[number];

/** The previous code sent to the same user and number. */
export type PreviousSend = {
  messageId: string;
  channel: Channel;
  /** The identity it went out from. */
  originationIdentity: string;
  /** What its receipts say: a success receipt, a final failure, or nothing final yet. */
  receipt: 'success' | 'failed' | 'none';
};

/**
 * Port: the user's previous send. Resolves undefined when there is none to the same number on record (or it has
 * expired); throws when the history cannot be read.
 */
export interface SendHistory {
  previous(userId: string, numberDigest: string, deadlineMs: number): Promise<PreviousSend | undefined>;
}

/** Why a resend left the previous identity: `ResendEscalated {reason}`. */
export type EscalationReason = 'failed' | 'no_receipt';

/** What the resend rule decided, for the outcome, the log line and the metric. */
export type ResendDecision =
  | { action: 'escalate'; reason: EscalationReason; from: string }
  /** Kept: a delivered code, a route with one identity, a previous send from another channel or route. */
  | { action: 'keep'; why: 'delivered' | 'no_other_identity' | 'not_in_route' }
  /** Nothing to compare with: no previous send to this number, or the history could not be read in time. */
  | { action: 'none'; why: 'no_previous' | 'history_unavailable' };

/**
 * The order in which a resend tries the route's identities.
 * - The previous code has a success receipt: its identity first (a delivered code keeps its identity).
 * - It failed or nothing came back: the identity after it first, and so on round the list, the previous one last
 *   (still a failover target if every other refuses). The route's last entry (AWS's senders, when the route lists a
 *   Notify configuration last) is the last failover.
 * - The previous identity is not in the route (another channel, re-routed since): the route as it is.
 *
 * @param identities - the route's identities for the channel used, first choice first
 * @param channel - the channel used
 * @param previous - the previous send to the same user and number
 */
export function resendOrder(
  identities: readonly string[],
  channel: Channel,
  previous: PreviousSend,
): { identities: readonly string[]; decision: ResendDecision } {
  const at = previous.channel === channel ? identities.indexOf(previous.originationIdentity) : -1;
  if (at < 0) return { identities, decision: { action: 'keep', why: 'not_in_route' } };
  const rotate = (first: number) => [...identities.slice(first), ...identities.slice(0, first)];
  if (previous.receipt === 'success') {
    return { identities: rotate(at), decision: { action: 'keep', why: 'delivered' } };
  }
  if (identities.length < 2) return { identities, decision: { action: 'keep', why: 'no_other_identity' } };
  return {
    identities: rotate(at + 1),
    decision: {
      action: 'escalate',
      reason: previous.receipt === 'failed' ? 'failed' : 'no_receipt',
      from: previous.originationIdentity,
    },
  };
}
