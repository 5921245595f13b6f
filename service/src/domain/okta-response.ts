import type { AbuseReason } from './abuse-guard.js';
import type { FailureReason, PayloadProblem } from './errors.js';
import type { Channel } from './templates.js';

/** What Okta shows as the provider in its System Log. */
export const PROVIDER_NAME = 'AWS End User Messaging';

/** Okta's telephony action status. */
export type OktaStatus = 'SUCCESSFUL' | 'PENDING' | 'FAILED';

/** Okta's success shape. */
export type OktaCommandsResponse = {
  commands: Array<{
    type: 'com.okta.telephony.action';
    value: Array<{
      status: OktaStatus;
      provider: string;
      transactionId: string;
      transactionMetadata: string;
    }>;
  }>;
};

/** Okta's error shape. */
export type OktaErrorResponse = {
  error: {
    errorSummary: string;
    errorCauses: Array<{ errorSummary: string; reason: string; location: string }>;
  };
};

/** What the handler answers: HTTP status and body. Also what the idempotency store keeps. */
export type HookAnswer = { statusCode: number; body: OktaCommandsResponse | OktaErrorResponse };

/**
 * The answer for a message End User Messaging accepted.
 *
 * @param status - SUCCESSFUL, or PENDING when a duplicate could not learn the first request's outcome in time
 * @param transactionId - End User Messaging's MessageId (or the idempotency key for PENDING)
 * @param metadata - the channel used, country and duration, shown in Okta's System Log; `requestedChannel` when
 *   the code went out on another channel than Okta asked for (a landline called instead of texted)
 */
export function commandsAnswer(
  status: OktaStatus,
  transactionId: string,
  metadata: {
    channel: Channel;
    country?: string;
    durationMs: number;
    requestedChannel?: Channel;
    /** A `pretend-sent` answer: the guard's reason, and nothing was sent. */
    blocked?: AbuseReason;
  },
): HookAnswer {
  return {
    statusCode: 200,
    body: {
      commands: [
        {
          type: 'com.okta.telephony.action',
          value: [
            {
              status,
              provider: PROVIDER_NAME,
              transactionId,
              transactionMetadata: JSON.stringify({
                channel: metadata.channel,
                country: metadata.country ?? 'unknown',
                durationMs: Math.round(metadata.durationMs),
                ...(metadata.requestedChannel ? { requestedChannel: metadata.requestedChannel } : {}),
                ...(metadata.blocked ? { blocked: metadata.blocked } : {}),
              }),
            },
          ],
        },
      ],
    },
  };
}

const REASON_SUMMARIES: Record<FailureReason, string> = {
  invalid_phone_number: 'The phone number is not a valid number',
  country_not_allowed: 'The destination country is not allowed',
  no_origination_identity: 'No origination identity is configured for the destination country',
  config_unavailable: 'The routing configuration could not be read',
  idempotency_key_reused: 'This eventId was already used for a different phone number or code',
  provider_rejected: 'The messaging provider rejected the message',
  spend_limit_reached: "The messaging account's monthly spend limit is reached",
  quota_exceeded: 'A quota of the messaging account is reached',
  account_blocked: 'The messaging account may not send (disabled, or its sending reputation is too low)',
  access_denied: 'The service is not allowed to send through the messaging provider',
  price_over_threshold: "The message's price is over the account's limit",
  country_blocked: 'The messaging provider does not send to the destination country',
  protect_blocked: "The messaging provider's country rules for this service block the destination",
  identity_refused: 'The messaging provider refused the origination identity for this destination',
  throttled: 'The messaging provider is throttling requests',
  provider_error: 'The messaging provider failed to accept the message',
  deadline_exceeded: 'The messaging provider did not answer in time',
};

/**
 * Okta's error object for a delivery that did not happen (HTTP 200: the request itself was fine).
 *
 * @param channel - sms or voice
 * @param reason - stable failure reason
 * @param location - where: the destination country, or the payload field at fault
 */
export function deliveryFailedAnswer(channel: Channel, reason: FailureReason, location: string): HookAnswer {
  return {
    statusCode: 200,
    body: {
      error: {
        errorSummary: `Failed to deliver the one-time passcode by ${channel === 'sms' ? 'SMS' : 'voice call'}`,
        errorCauses: [{ errorSummary: REASON_SUMMARIES[reason], reason: reason.toUpperCase(), location }],
      },
    },
  };
}

const ABUSE_SUMMARIES: Record<AbuseReason, string> = {
  number_10m: 'The phone number has reached its limit of codes per 10 minutes',
  number_24h: 'The phone number has reached its limit of codes per 24 hours',
  user_1h: 'The user has reached their limit of codes per hour',
  ip_1h: 'The client IP address has reached its limit of enrolment codes per hour',
  prefix_1h: 'The number range has reached its limit of enrolment codes per hour',
  denied_number: 'The phone number is on the deny list',
  denied_prefix: 'The phone number is in a denied number range',
  number_type: 'The phone number is a premium-rate or shared-cost number',
  line_type: 'The phone number is not one a carrier serves as a phone',
};

/**
 * Okta's error object for a request the abuse guard refused (HTTP 200: Okta may then deliver through its own,
 * rate-limited providers).
 *
 * @param reason - which limit, list or number type refused it
 */
export function blockedAnswer(reason: AbuseReason): HookAnswer {
  return {
    statusCode: 200,
    body: {
      error: {
        errorSummary: 'The one-time passcode was not sent',
        errorCauses: [
          {
            errorSummary: ABUSE_SUMMARIES[reason],
            reason: reason.toUpperCase(),
            location: 'data.messageProfile.phoneNumber',
          },
        ],
      },
    },
  };
}

/**
 * The `pretend-sent` answer to a refused request: SUCCESSFUL with transactionId `blocked-<idempotencyKey>` and no
 * send, so neither the org nor Okta pays for it. The reason is in `transactionMetadata`, which Okta's System Log
 * shows the org's admins and never the end user.
 *
 * @param idempotencyKey - the request's key (eventId, else request id)
 * @param reason - which limit, list or number type refused it
 * @param metadata - channel, country and duration
 */
export function pretendSentAnswer(
  idempotencyKey: string,
  reason: AbuseReason,
  metadata: { channel: Channel; country?: string; durationMs: number },
): HookAnswer {
  return commandsAnswer('SUCCESSFUL', `${PRETEND_SENT_PREFIX}${idempotencyKey}`, {
    ...metadata,
    blocked: reason,
  });
}

/**
 * The number `npm run okta:connect` has Okta call the hook with (`POST /api/v1/inlineHooks/{id}/execute`) to prove the
 * token path: a 555 number of the North American plan that no phone has (Okta's telephony guide suggests it for a
 * hook's preview). The hook answers it SUCCESSFUL after the authorizer let the request in, and sends nothing.
 */
export const CONNECTION_CHECK_NUMBER = '+15555551212';

/** Whether a hook request's phone number is {@link CONNECTION_CHECK_NUMBER} (written with or without punctuation). */
export function isConnectionCheckNumber(phoneNumber: string | undefined): boolean {
  return phoneNumber !== undefined && `+${phoneNumber.replace(/\D/g, '')}` === CONNECTION_CHECK_NUMBER;
}

/** The start of a connection check's transactionId. */
const CONNECTION_CHECK_PREFIX = 'check-';

/**
 * The answer to a connection check: SUCCESSFUL, transactionId `check-<idempotencyKey>`, `"check": true` in the
 * metadata, nothing sent.
 *
 * @param idempotencyKey - the request's key
 * @param metadata - channel and duration
 */
export function connectionCheckAnswer(
  idempotencyKey: string,
  metadata: { channel: Channel; durationMs: number },
): HookAnswer {
  const answer = commandsAnswer('SUCCESSFUL', `${CONNECTION_CHECK_PREFIX}${idempotencyKey}`, metadata);
  const value = (answer.body as OktaCommandsResponse).commands[0]?.value[0];
  if (value)
    value.transactionMetadata = JSON.stringify({
      ...JSON.parse(value.transactionMetadata ?? '{}'),
      check: true,
    });
  return answer;
}

/** Whether a transactionId is a connection check's (nothing was sent). */
export function isConnectionCheckTransaction(transactionId: unknown): boolean {
  return typeof transactionId === 'string' && transactionId.startsWith(CONNECTION_CHECK_PREFIX);
}

/** The start of a `pretend-sent` answer's transactionId. */
const PRETEND_SENT_PREFIX = 'blocked-';

/**
 * True when a transactionId is a `pretend-sent` answer's (nothing was sent): how the local stack, `npm run okta` and
 * the load tool tell it from a delivery, which Okta cannot.
 *
 * @param transactionId - from Okta's `commands[0].value[0]`
 */
export function isPretendSentTransaction(transactionId: unknown): boolean {
  return typeof transactionId === 'string' && transactionId.startsWith(PRETEND_SENT_PREFIX);
}

/**
 * Okta's error object for a body that is not JSON or not the hook schema (HTTP 400).
 *
 * @param summary - what is wrong overall
 * @param problems - each field at fault
 */
export function badRequestAnswer(summary: string, problems: PayloadProblem[]): HookAnswer {
  return {
    statusCode: 400,
    body: {
      error: {
        errorSummary: summary,
        errorCauses: problems.map((p) => ({
          errorSummary: p.message,
          reason: 'INVALID_PAYLOAD',
          location: p.location,
        })),
      },
    },
  };
}

/** Okta's error object for a bug (HTTP 500), with no internals. */
export function internalErrorAnswer(): HookAnswer {
  return {
    statusCode: 500,
    body: {
      error: {
        errorSummary: 'The telephony hook failed unexpectedly',
        errorCauses: [
          { errorSummary: 'Internal error', reason: 'INTERNAL_ERROR', location: 'okta-phone-mfa' },
        ],
      },
    },
  };
}
