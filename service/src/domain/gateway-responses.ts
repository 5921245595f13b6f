/**
 * API Gateway's own answers (its gateway responses) in Okta's error format. API Gateway answers without the hook
 * when the token is refused, the firewall blocks, the body fails the model, the stage throttles or the integration
 * fails; Okta reads every one of those answers, so each is an Okta error object too. infra/lib/constructs/hook-api.ts
 * turns these into gateway response templates, and the local gateway (service/local) renders the same templates.
 *
 * A gateway response template is not VTL: API Gateway only substitutes `$context` variables into it. The one
 * variable used here is `$context.error.messageString`, which API Gateway renders as a quoted, escaped JSON string
 * ("the quoted value of `$context.error.message`"), so the body stays valid JSON whatever the message holds.
 * `$context.error.message` (raw) inside quotes would break on a message with a quote. The request validator's
 * `$context.error.validationErrorString` is not used: AWS documents it only as "a string containing a detailed
 * validation error message", not whether it is quoted or escaped, so no position in a JSON template is safe for it;
 * the field-level detail is in the stage's execution log instead.
 */
import type { OktaErrorResponse } from './okta-response.js';

/** The variable API Gateway replaces with its error message as a JSON string literal (quotes included). */
export const GATEWAY_MESSAGE_VARIABLE = '$context.error.messageString';

/** The API Gateway response types this API customises (API Gateway's `ResponseType` names). */
export type GatewayResponseType =
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'WAF_FILTERED'
  | 'BAD_REQUEST_BODY'
  | 'BAD_REQUEST_PARAMETERS'
  | 'REQUEST_TOO_LARGE'
  | 'THROTTLED'
  | 'QUOTA_EXCEEDED'
  | 'AUTHORIZER_FAILURE'
  | 'AUTHORIZER_CONFIGURATION_ERROR'
  | 'INTEGRATION_FAILURE'
  | 'INTEGRATION_TIMEOUT'
  | 'DEFAULT_4XX'
  | 'DEFAULT_5XX';

/** One gateway response: what Okta is told, and where the problem is. */
export type GatewayResponseSpec = {
  readonly type: GatewayResponseType;
  /** `error.errorSummary`: fixed text. */
  readonly summary: string;
  /** `errorCauses[0].location`. */
  readonly location: string;
  /**
   * `errorCauses[0].errorSummary`: API Gateway's own message (`$context.error.messageString`), or fixed text where
   * API Gateway leaves the message null (authorizer errors answer `{"message": null}`).
   */
  readonly cause: 'gateway-message' | string;
};

/**
 * Every gateway response Okta can meet. The status codes stay API Gateway's (401, 403, 400, 413, 429, 500, 504…):
 * `DEFAULT_4XX` and `DEFAULT_5XX` cover the types not listed (e.g. `MISSING_AUTHENTICATION_TOKEN` for a wrong path).
 */
export const GATEWAY_RESPONSES: readonly GatewayResponseSpec[] = [
  {
    type: 'UNAUTHORIZED',
    summary: 'The request carries no valid Okta access token',
    location: 'Authorization',
    cause: 'gateway-message',
  },
  {
    type: 'ACCESS_DENIED',
    summary: 'The access token does not allow calling the telephony hook',
    location: 'Authorization',
    cause: 'gateway-message',
  },
  {
    type: 'WAF_FILTERED',
    summary: 'The firewall in front of the telephony hook blocked the request',
    location: 'request',
    cause: 'gateway-message',
  },
  {
    type: 'BAD_REQUEST_BODY',
    summary: 'The request body is not an Okta telephony hook request',
    location: 'body',
    cause: 'gateway-message',
  },
  {
    type: 'BAD_REQUEST_PARAMETERS',
    summary: 'The request lacks a required header',
    location: 'Authorization',
    cause: 'gateway-message',
  },
  {
    type: 'REQUEST_TOO_LARGE',
    summary: 'The request body is larger than an Okta telephony hook request',
    location: 'body',
    cause: 'gateway-message',
  },
  {
    type: 'THROTTLED',
    summary: 'The telephony hook is throttling requests',
    location: 'okta-phone-mfa',
    cause: 'gateway-message',
  },
  {
    type: 'QUOTA_EXCEEDED',
    summary: 'The telephony hook is throttling requests',
    location: 'okta-phone-mfa',
    cause: 'gateway-message',
  },
  {
    type: 'AUTHORIZER_FAILURE',
    summary: 'The telephony hook could not check the access token',
    location: 'okta-phone-mfa',
    cause: 'The token authorizer failed',
  },
  {
    type: 'AUTHORIZER_CONFIGURATION_ERROR',
    summary: 'The telephony hook could not check the access token',
    location: 'okta-phone-mfa',
    cause: 'The token authorizer answered something other than a policy',
  },
  {
    type: 'INTEGRATION_FAILURE',
    summary: 'The telephony hook failed unexpectedly',
    location: 'okta-phone-mfa',
    cause: 'gateway-message',
  },
  {
    type: 'INTEGRATION_TIMEOUT',
    summary: 'The telephony hook did not answer in time',
    location: 'okta-phone-mfa',
    cause: 'gateway-message',
  },
  {
    type: 'DEFAULT_4XX',
    summary: 'The telephony hook refused the request',
    location: 'request',
    cause: 'gateway-message',
  },
  {
    type: 'DEFAULT_5XX',
    summary: 'The telephony hook failed unexpectedly',
    location: 'okta-phone-mfa',
    cause: 'gateway-message',
  },
];

const MESSAGE_PLACEHOLDER = '\u0000gateway-message\u0000';

/**
 * The `application/json` template of one gateway response: Okta's error object with the response type as the
 * cause's `reason`, and `$context.error.messageString` (unquoted: API Gateway brings the quotes) as the cause's
 * summary where {@link GatewayResponseSpec.cause} asks for API Gateway's message.
 *
 * @param spec - one entry of {@link GATEWAY_RESPONSES}
 */
export function gatewayResponseTemplate(spec: GatewayResponseSpec): string {
  const body: OktaErrorResponse = {
    error: {
      errorSummary: spec.summary,
      errorCauses: [
        {
          errorSummary: spec.cause === 'gateway-message' ? MESSAGE_PLACEHOLDER : spec.cause,
          reason: spec.type,
          location: spec.location,
        },
      ],
    },
  };
  return JSON.stringify(body).replace(JSON.stringify(MESSAGE_PLACEHOLDER), GATEWAY_MESSAGE_VARIABLE);
}
