/**
 * The one schema of Okta's telephony inline hook request. The delivery handler validates with it, infra turns it
 * into the API Gateway request model, and the contract and load tests check fixtures against it.
 * Keywords stay inside the subset that JSON Schema draft-04 (API Gateway) and draft-07 (Ajv) share.
 */

/** Okta's request types for the telephony hook. */
export const REQUEST_TYPES = [
  'com.okta.user.telephony.pre-enrollment',
  'com.okta.user.telephony.mfa-verification',
  'com.okta.user.telephony.account-unlock',
  'com.okta.user.telephony.password-reset',
] as const;

/** Spellings of `deliveryChannel` seen from Okta, matched case-insensitively. */
export const CHANNEL_SPELLINGS = { sms: ['sms'], voice: ['call', 'voice call', 'voice'] } as const;

/** A regex source that matches any of `words`, ignoring case (JSON Schema patterns have no flags). */
function caseInsensitiveAlternatives(words: readonly string[]): string {
  const any = (word: string) =>
    [...word]
      .map((ch) =>
        /[a-z]/i.test(ch) ? `[${ch.toLowerCase()}${ch.toUpperCase()}]` : ch === ' ' ? ' ' : `\\${ch}`,
      )
      .join('');
  return `^\\s*(${words.map(any).join('|')})\\s*$`;
}

const shortText = (maxLength: number) => ({ type: 'string', maxLength }) as const;

/** JSON Schema of the request body (no `$schema`, so each consumer adds its own draft). */
export const oktaHookSchema = {
  title: 'OktaTelephonyHookRequest',
  type: 'object',
  required: ['eventType', 'requestType', 'data'],
  properties: {
    eventId: { type: 'string', minLength: 1, maxLength: 128 },
    eventType: { type: 'string', enum: ['com.okta.telephony.provider'] },
    requestType: { type: 'string', enum: [...REQUEST_TYPES] },
    data: {
      type: 'object',
      required: ['context', 'messageProfile'],
      properties: {
        context: {
          type: 'object',
          required: ['request'],
          properties: {
            request: {
              type: 'object',
              required: ['id'],
              properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
            },
            // Since Okta 2026.09 (Early Access), for client-initiated OIDC/OAuth sign-ins only: the app signed in to.
            app: {
              type: 'object',
              properties: { clientId: { type: 'string', minLength: 1, maxLength: 128 } },
            },
          },
        },
        userProfile: { type: 'object' },
        messageProfile: {
          type: 'object',
          required: ['phoneNumber', 'otpCode', 'deliveryChannel'],
          properties: {
            // Any string: a number that is not one is a valid request that cannot be delivered (200 with Okta's error
            // object and a DLQ record), never a 400 from here or from the API Gateway model made from this schema.
            phoneNumber: { type: 'string' },
            otpCode: { type: 'string', minLength: 4, maxLength: 12, pattern: '^[0-9A-Za-z]+$' },
            deliveryChannel: {
              type: 'string',
              pattern: caseInsensitiveAlternatives([...CHANNEL_SPELLINGS.sms, ...CHANNEL_SPELLINGS.voice]),
            },
            locale: shortText(35),
            otpExpires: shortText(64),
            msgTemplate: shortText(1600),
            // Since Okta 2026.09 (Early Access), on every request once enabled: the user asked for the code again.
            isResend: { type: 'boolean' },
          },
        },
      },
    },
  },
} as const;

/** The schema as an API Gateway (REST) request model: JSON Schema draft-04. */
export function apiGatewayModelSchema(): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-04/schema#', ...structuredClone(oktaHookSchema) };
}
