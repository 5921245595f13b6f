/**
 * Whose fault a failed delivery is: the one place that splits the `reason` of `OtpDeliveryFailed` (and of the DLQ
 * record) into two classes. The failure-rate alarm counts only `ours`; a rate over `request` reasons would page
 * whenever someone enrols junk numbers, which is what the abuse guard and the DLQ alarm are for.
 */
import type { FailureReason } from './errors.js';

/** Every reason `OtpDeliveryFailed` carries: the domain's, plus the handler's `invalid_payload` and `internal`. */
export type HookFailureReason = FailureReason | 'invalid_payload' | 'internal';

/**
 * - `ours`: our code, our configuration, our AWS account or End User Messaging itself. Fixing it is on us, and
 *   when it fails it fails for many users at once.
 * - `request`: the request's own destination or event (a number that is not dialable, opted out, premium-rate, in a
 *   country we do not route or that End User Messaging blocks, by the account's limits or by the stack's protect
 *   configuration; over the price cap; an event id replayed with another code). Users and attackers choose these;
 *   one failure says nothing about the service.
 */
export type FailureClass = 'ours' | 'request';

/**
 * The class of each reason. `satisfies` makes a new `FailureReason` a compile error here until it is classified.
 *
 * `invalid_payload` is `ours`: only a caller holding Okta's token gets past the authorizer, so a stream of them is
 * Okta's payload changing under our schema, and every such request falls back to Okta's providers.
 * `provider_rejected` is `request`: End User Messaging's validation refusals are per destination (opted out, not a
 * mobile number); an account-wide one (sandbox) shows as a steady stream of DLQ records, which the DLQ alarm reports.
 */
export const FAILURE_CLASS = {
  invalid_phone_number: 'request',
  country_not_allowed: 'request',
  idempotency_key_reused: 'request',
  provider_rejected: 'request',
  price_over_threshold: 'request',
  country_blocked: 'request',
  protect_blocked: 'request',
  no_origination_identity: 'ours',
  config_unavailable: 'ours',
  spend_limit_reached: 'ours',
  quota_exceeded: 'ours',
  account_blocked: 'ours',
  access_denied: 'ours',
  identity_refused: 'ours',
  throttled: 'ours',
  provider_error: 'ours',
  deadline_exceeded: 'ours',
  invalid_payload: 'ours',
  internal: 'ours',
} as const satisfies Record<HookFailureReason, FailureClass>;

/** Every reason, in {@link FAILURE_CLASS} order. */
export const HOOK_FAILURE_REASONS = Object.keys(FAILURE_CLASS) as HookFailureReason[];

/** The reasons that are the request's fault (the failure-rate alarm leaves them out). */
export const REQUEST_FAULT_REASONS = HOOK_FAILURE_REASONS.filter(
  (reason) => FAILURE_CLASS[reason] === 'request',
);

/**
 * The class of a reason as it appears in a metric or a DLQ record. A reason this build does not know (`unknown`, or
 * one added later) counts as ours: an alarm that pages on it is better than one that never sees it.
 *
 * @param reason - the `reason` dimension or `error.reason`
 */
export function failureClass(reason: string): FailureClass {
  return Object.hasOwn(FAILURE_CLASS, reason) ? FAILURE_CLASS[reason as HookFailureReason] : 'ours';
}
