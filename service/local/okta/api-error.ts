/**
 * Okta's management API errors, as Okta answers them: `{errorCode, errorSummary, errorLink, errorId, errorCauses}`
 * with the HTTP status Okta uses for each code.
 */
import { randomBytes } from 'node:crypto';

/** One of Okta's errors: thrown by the local org, answered by the management API. */
export class OktaApiError extends Error {
  public override readonly name = 'OktaApiError';
  constructor(
    public readonly status: number,
    public readonly errorCode: string,
    summary: string,
    public readonly causes: readonly string[] = [],
    public readonly headers: Record<string, string> = {},
  ) {
    super(summary);
  }

  /** The body Okta sends. */
  body(): Record<string, unknown> {
    return {
      errorCode: this.errorCode,
      errorSummary: this.message,
      errorLink: this.errorCode,
      errorId: `oae${randomBytes(11).toString('base64url')}`,
      errorCauses: this.causes.map((errorSummary) => ({ errorSummary })),
    };
  }
}

/** E0000001: a body Okta's validation refuses; each cause names the field (`"field: what is wrong"`). */
export const validationFailed = (object: string, ...causes: string[]) =>
  new OktaApiError(400, 'E0000001', `Api validation failed: ${object}`, causes);

/** E0000003: a body that is not JSON. */
export const notWellFormed = () => new OktaApiError(400, 'E0000003', 'The request body was not well-formed.');

/** E0000007: no such object. */
export const notFound = (id: string, kind: string) =>
  new OktaApiError(404, 'E0000007', `Not found: Resource not found: ${id} (${kind})`);

/** E0000011: no API token, or not a valid one. */
export const invalidToken = () => new OktaApiError(401, 'E0000011', 'Invalid token provided');

/** E0000022: the path exists, the method does not. */
export const methodNotAllowed = () =>
  new OktaApiError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');

/** E0000047: over the rate limit; `X-Rate-Limit-Reset` says when to come back (epoch seconds). */
export const rateLimited = (resetEpochSeconds: number, limit: number) =>
  new OktaApiError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.', [], {
    'x-rate-limit-limit': String(limit),
    'x-rate-limit-remaining': '0',
    'x-rate-limit-reset': String(resetEpochSeconds),
  });
