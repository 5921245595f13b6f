/**
 * The event-driven functions' timeouts, in seconds: the CDK stack gives each its Lambda timeout from here and the
 * local stack the same, so a handler that would time out on Lambda times out locally too. (The hook's is its
 * deadline plus 3 s, and the authorizer's 5 s, set where they are built.)
 */
export const EVENT_FUNCTION_TIMEOUT_SECONDS = {
  'record-delivery-event': 15,
  'record-verification': 15,
  /** A sweep may settle a pumping burst's messages: a few calls each, eight at a time. */
  'sweep-messages': 120,
} as const;
