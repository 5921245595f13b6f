/**
 * API Gateway TOKEN authorizer for Okta's telephony inline hook: verifies Okta's OAuth 2.0 access token
 * (signature against Okta's JWKS, issuer, audience, expiry, scope, client) and answers with an IAM policy.
 */
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent, Context } from 'aws-lambda';
import { errors, type JWTPayload, jwtVerify } from 'jose';
import { createKeyResolver, JwksUnavailableError } from '../adapters/jwks.js';
import { loadAuthorizerConfig } from '../config.js';
import { parseBearer } from '../domain/bearer.js';
import { emitMetric, logger, MetricName, secrets } from '../powertools/index.js';

const config = loadAuthorizerConfig();
const getKey = createKeyResolver({
  jwksUri: config.jwksUri,
  timeoutMs: config.jwksTimeoutMs,
  cooldownMs: config.jwksCooldownMs,
});

/** Why a token was refused: the low-cardinality `reason` dimension of `AuthorizerDenied`. */
export type DenyReason =
  | 'missing'
  | 'malformed'
  | 'signature'
  | 'expired'
  | 'not_yet_valid'
  | 'issuer'
  | 'audience'
  | 'scope'
  | 'client'
  | 'unknown_key'
  | 'jwks_unavailable';

/** A refused token, with its reason. */
export class TokenDeniedError extends Error {
  public override readonly name = 'TokenDeniedError';
  constructor(
    public readonly reason: DenyReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads the bearer token from `Authorization: Bearer <jwt>` (scheme case-insensitive).
 *
 * @param header - the header value
 */
export function bearerToken(header: string | undefined): string {
  if (!header?.trim()) throw new TokenDeniedError('missing', 'No Authorization header');
  const token = parseBearer(header);
  if (!token) throw new TokenDeniedError('malformed', 'Authorization is not "Bearer <jwt>"');
  return token;
}

function reasonOf(error: unknown): DenyReason {
  if (error instanceof TokenDeniedError) return error.reason;
  if (error instanceof JwksUnavailableError) return 'jwks_unavailable';
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'not_yet_valid';
    if (error.claim === 'iss') return 'issuer';
    if (error.claim === 'aud') return 'audience';
    return 'malformed';
  }
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown_key';
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JOSEAlgNotAllowed ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return 'signature';
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    return 'malformed';
  }
  return 'malformed';
}

function scopesOf(payload: JWTPayload): string[] {
  const scp = payload.scp;
  if (Array.isArray(scp)) return scp.filter((s): s is string => typeof s === 'string');
  if (typeof scp === 'string') return scp.split(' ');
  return typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
}

/**
 * The resource the policy allows: the stage's `POST /hook`, so API Gateway's authorizer cache can reuse the
 * decision for the same token (a policy naming one exact request ARN would not match the next request).
 *
 * @param methodArn - `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{path}`
 */
export function hookResourceArn(methodArn: string): string {
  const [apiArn, stage] = methodArn.split('/');
  return `${apiArn}/${stage ?? '*'}/POST/hook`;
}

/**
 * Verifies one token.
 *
 * @param token - compact JWS
 * @returns the verified claims
 */
export async function verifyOktaToken(token: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, getKey, {
    issuer: config.issuer,
    audience: config.audience,
    algorithms: config.algorithms,
    clockTolerance: config.clockToleranceSeconds,
    requiredClaims: ['exp', 'iss', 'aud'],
  });
  if (!scopesOf(payload).includes(config.requiredScope)) {
    throw new TokenDeniedError('scope', `Token lacks the scope ${config.requiredScope}`);
  }
  if (config.allowedClientIds.length > 0 && !config.allowedClientIds.includes(String(payload.cid ?? ''))) {
    throw new TokenDeniedError('client', 'Token client id is not allowed');
  }
  return payload;
}

/**
 * The authorizer. Allows with an IAM policy for `execute-api:Invoke` on the stage's `POST /hook` and puts
 * `clientId` and `subject` in the context; denies by throwing `Unauthorized` (API Gateway answers 401).
 */
export const handler = async (
  event: APIGatewayTokenAuthorizerEvent,
  context?: Context,
): Promise<APIGatewayAuthorizerResult> => {
  if (context) logger.addContext(context);
  let release = () => {};
  try {
    const token = bearerToken(event.authorizationToken);
    release = secrets.register(token);
    const claims = await verifyOktaToken(token);
    const clientId = String(claims.cid ?? claims.client_id ?? claims.sub ?? 'unknown');
    logger.debug('Token allowed', { clientId });
    return {
      principalId: String(claims.sub ?? clientId),
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: hookResourceArn(event.methodArn) },
        ],
      },
      context: { clientId, subject: String(claims.sub ?? '') },
    };
  } catch (error) {
    const reason = reasonOf(error);
    emitMetric(MetricName.AuthorizerDenied, { reason });
    logger.warn('Token denied', { reason, errorName: error instanceof Error ? error.name : 'unknown' });
    throw new Error('Unauthorized');
  } finally {
    release();
  }
};
