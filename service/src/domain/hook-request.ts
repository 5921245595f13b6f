import type { CountryCode } from 'libphonenumber-js';
import { HookPayloadError, type PayloadProblem } from './errors.js';
import { normaliseLocale } from './locale.js';
import { CHANNEL_SPELLINGS, oktaHookSchema } from './okta-hook-schema.js';
import { readDestination } from './phone.js';
import { compileSchema, type SchemaViolation } from './schema-validator.js';
import type { Channel } from './templates.js';

/** Default OTP lifetime when Okta's `otpExpires` is missing or unreadable. */
export const DEFAULT_OTP_LIFETIME_SECONDS = 600;

/** A validated, normalised hook request: everything the delivery needs and nothing else. */
export type DeliveryRequest = {
  /**
   * `eventId`, falling back to `data.context.request.id`; on a resend (`isResend: true`) followed by `~` and the
   * request id. Okta's hooks guide names `eventId` as what identifies a request, and the telephony hook is never
   * retried, so a resend comes with an event id of its own; the request id makes sure of it, so that a user who asks
   * for a new code gets one even where a resend reused the event id (every click is a request of its own to Okta).
   */
  idempotencyKey: string;
  eventId?: string;
  requestId: string;
  requestType: string;
  channel: Channel;
  /** E.164 (`+14155550123`) when the number parses, otherwise undefined (undeliverable). */
  phone?: string;
  /** ISO 3166-1 alpha-2 of the number, when known. */
  country?: string;
  /** The number as Okta sent it; only ever used masked. */
  rawPhone: string;
  /** `data.userProfile.userId`, when Okta sent one: the abuse guard's per-user counter. */
  userId?: string;
  /** `data.context.request.ipAddress`, the end user's address as Okta saw it: the guard's per-IP counter. */
  clientIp?: string;
  otpCode: string;
  locale?: string;
  /** Seconds until the code expires (≥ 60): the idempotency record and SMS TTL. */
  ttlSeconds: number;
  /** `data.messageProfile.isResend` (Okta 2026.09): the user asked to resend; undefined when Okta did not say. */
  isResend?: boolean;
  /** `data.context.app.clientId` (Okta 2026.09): the app of a client-initiated OIDC/OAuth sign-in. */
  appClientId?: string;
  /** Okta's own SMS text; last-resort fallback. Contains the code. */
  oktaMessage?: string;
  /**
   * What a replay must match: the keyed digest of phone and code (`fingerprintOf` in `fingerprint.ts`), set by
   * the handler once it has the key; absent when the key could not be read, and then nothing derived from the code
   * is stored.
   */
  fingerprint?: string;
  /**
   * The keyed digest of the number alone (`numberDigestOf`), set with the fingerprint: how a resend finds the previous
   * code to the same number without the number being stored.
   */
  numberDigest?: string;
};

const validate = compileSchema(oktaHookSchema);

function problemFrom(violation: SchemaViolation): PayloadProblem {
  if (violation.keyword === 'required') {
    const field = violation.missingProperty ?? '';
    const location = violation.path ? `${violation.path}.${field}` : field;
    return { location, message: `${location} is required` };
  }
  const location = violation.path || '(body)';
  if (violation.keyword === 'enum') {
    return { location, message: `${location} must be one of: ${(violation.allowedValues ?? []).join(', ')}` };
  }
  if (violation.keyword === 'pattern' && location.endsWith('deliveryChannel')) {
    return { location, message: `${location} must be SMS, CALL, Voice call or voice` };
  }
  return { location, message: `${location} ${violation.message}` };
}

function channelOf(deliveryChannel: string): Channel {
  const value = deliveryChannel.trim().toLowerCase();
  return (CHANNEL_SPELLINGS.sms as readonly string[]).includes(value) ? 'sms' : 'voice';
}

function ttlSecondsOf(otpExpires: string | undefined, now: number): number {
  const expiresAt = otpExpires ? Date.parse(otpExpires) : Number.NaN;
  // Unreadable, or already past (clock skew, replayed samples): use the default lifetime, so the idempotency
  // record still outlives Okta's single retry.
  if (Number.isNaN(expiresAt) || expiresAt <= now) return DEFAULT_OTP_LIFETIME_SECONDS;
  return Math.min(Math.max(Math.ceil((expiresAt - now) / 1000), 60), 24 * 3600);
}

/** A non-empty string of at most 128 characters (ids and addresses are shorter), trimmed; otherwise nothing. */
function shortString(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed && trimmed.length <= 128 ? trimmed : undefined;
}

/** Options of {@link parseHookRequest}. */
export type ParseOptions = {
  /** Region for national numbers (the `DEFAULT_PHONE_REGION` setting); none by default. */
  defaultPhoneRegion?: CountryCode;
  /** Clock (ms since epoch), for tests. */
  now?: number;
};

/**
 * Parses and validates a hook body against {@link oktaHookSchema}, then normalises it.
 * Throws {@link HookPayloadError} (HTTP 400) for a body that is not JSON or not the hook schema.
 * A number that does not parse is not a 400: it is a valid request that cannot be delivered.
 *
 * @param body - the raw HTTP body
 * @param options - default phone region, clock
 */
export async function parseHookRequest(
  body: string | null | undefined,
  options: ParseOptions = {},
): Promise<DeliveryRequest> {
  const now = options.now ?? Date.now();
  if (!body?.trim())
    throw new HookPayloadError('The request body is empty', [
      { location: '(body)', message: 'a JSON body is required' },
    ]);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new HookPayloadError('The request body is not valid JSON', [
      { location: '(body)', message: 'body must be JSON' },
    ]);
  }
  const violations = validate(json);
  if (violations.length > 0) {
    throw new HookPayloadError(
      'The request does not match the telephony hook schema',
      violations.map(problemFrom),
    );
  }
  const payload = json as {
    eventId?: string;
    requestType: string;
    data: {
      context: { request: { id: string; ipAddress?: unknown }; app?: { clientId?: string } };
      userProfile?: { userId?: unknown };
      messageProfile: {
        phoneNumber: string;
        otpCode: string;
        deliveryChannel: string;
        locale?: string;
        otpExpires?: string;
        msgTemplate?: string;
        isResend?: boolean;
      };
    };
  };
  const profile = payload.data.messageProfile;
  const destination = readDestination(profile.phoneNumber, options.defaultPhoneRegion);
  const phone = destination?.phone;
  const locale = normaliseLocale(profile.locale);
  const userId = shortString(payload.data.userProfile?.userId);
  const clientIp = shortString(payload.data.context.request.ipAddress);
  return {
    idempotencyKey:
      (payload.eventId ?? payload.data.context.request.id) +
      (profile.isResend === true ? `~${payload.data.context.request.id}` : ''),
    ...(payload.eventId ? { eventId: payload.eventId } : {}),
    requestId: payload.data.context.request.id,
    requestType: payload.requestType,
    channel: channelOf(profile.deliveryChannel),
    ...(phone ? { phone } : {}),
    ...(destination ? { country: destination.country } : {}),
    rawPhone: profile.phoneNumber,
    ...(userId ? { userId } : {}),
    ...(clientIp ? { clientIp } : {}),
    otpCode: profile.otpCode,
    ...(locale ? { locale } : {}),
    ttlSeconds: ttlSecondsOf(profile.otpExpires, now),
    ...(profile.msgTemplate ? { oktaMessage: profile.msgTemplate } : {}),
    ...(typeof profile.isResend === 'boolean' ? { isResend: profile.isResend } : {}),
    ...(payload.data.context.app?.clientId ? { appClientId: payload.data.context.app.clientId } : {}),
  };
}
