/**
 * Typed errors of the delivery flow. Each failure carries a stable `reason` (the Okta error cause, the DLQ record,
 * the `reason` metric dimension) and is mapped to a response in one place: `okta-response.ts`.
 */

/** Stable reasons a delivery can fail with. */
export type FailureReason =
  | 'invalid_phone_number'
  | 'country_not_allowed'
  | 'no_origination_identity'
  | 'config_unavailable'
  | 'idempotency_key_reused'
  | 'provider_rejected'
  | 'spend_limit_reached'
  | 'quota_exceeded'
  | 'account_blocked'
  | 'access_denied'
  | 'price_over_threshold'
  | 'country_blocked'
  | 'protect_blocked'
  | 'identity_refused'
  | 'throttled'
  | 'provider_error'
  | 'deadline_exceeded';

/** One problem found in the request body. */
export type PayloadProblem = { message: string; location: string };

/** The body is not JSON or not Okta's hook schema: answered with HTTP 400. */
export class HookPayloadError extends Error {
  public override readonly name = 'HookPayloadError';
  constructor(
    message: string,
    public readonly problems: PayloadProblem[],
  ) {
    super(message);
  }
}

/** Options of a {@link DeliveryFailedError}. */
export type DeliveryFailedOptions = {
  cause?: unknown;
  /**
   * Set only when the provider's answer proves it did not accept the message and the refusal is about the
   * origination identity (or its throttle): the next identity of the route may then be tried inside the same
   * deadline. The value is the `OriginationFailover` metric's `reason` (`resource_not_active`, `throttled`, …).
   * Never set for a 5xx, a timeout or an answer without a MessageId: those may mean "sent".
   */
  failoverReason?: string;
};

/** A delivery that did not happen; answered with HTTP 200 and Okta's error object, and dead-lettered. */
export class DeliveryFailedError extends Error {
  public override name = 'DeliveryFailedError';
  /** See {@link DeliveryFailedOptions.failoverReason}. */
  public readonly failoverReason?: string;
  constructor(
    public readonly reason: FailureReason,
    message: string,
    public readonly attempts = 0,
    options?: DeliveryFailedOptions,
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.failoverReason) this.failoverReason = options.failoverReason;
  }
}

/** The request is valid but cannot be delivered (bad number, country not allowed, no origination identity). */
export class UndeliverableError extends DeliveryFailedError {
  public override name = 'UndeliverableError';
}

/** End User Messaging refused or failed the send. */
export class ProviderError extends DeliveryFailedError {
  public override name = 'ProviderError';
}

/** The request's time budget ran out before End User Messaging answered. */
export class DeadlineExceededError extends DeliveryFailedError {
  public override name = 'DeadlineExceededError';
  constructor(message: string, attempts = 0, options?: { cause?: unknown }) {
    super('deadline_exceeded', message, attempts, options);
  }
}
