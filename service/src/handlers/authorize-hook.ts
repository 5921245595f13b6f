/**
 * API Gateway TOKEN authorizer for Okta's telephony inline hook: reads the bearer token, has the domain's token
 * rules verify it against Okta's keys (the JWKS adapter), and answers with an IAM policy or `Unauthorized`.
 */
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent, Context } from 'aws-lambda';
import type { JWTPayload } from 'jose';
import { createKeyResolver } from '../adapters/jwks.js';
import { loadAuthorizerConfig } from '../config.js';
import { bearerToken, denialReason, verifyToken } from '../domain/token-rules.js';
import { emitMetric, logger, MetricName, secrets } from '../powertools/index.js';

export { bearerToken, type DenyReason, TokenDeniedError } from '../domain/token-rules.js';

const config = loadAuthorizerConfig();
const keys = createKeyResolver({
  jwksUri: config.jwksUri,
  timeoutMs: config.jwksTimeoutMs,
  cooldownMs: config.jwksCooldownMs,
});
// Okta's keys are fetched at init, beside the rest of the cold start, not on the first token.
keys.prefetch();

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
 * Verifies one token with this function's settings and Okta's keys.
 *
 * @param token - compact JWS
 * @returns the verified claims
 */
export async function verifyOktaToken(token: string): Promise<JWTPayload> {
  return (await verifyToken(token, config, keys)).claims;
}

/**
 * The authorizer. Allows with an IAM policy for `execute-api:Invoke` on the stage's `POST /hook` and puts
 * `clientId` (the token's `cid`) and `subject` (`sub`) in the context; denies by throwing `Unauthorized` (API
 * Gateway answers 401), counting `AuthorizerDenied` by reason: a WARN line for a refused token, an ERROR line for a
 * bug (`internal`).
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
    const { clientId, subject } = await verifyToken(token, config, keys);
    logger.debug('Token allowed', { clientId });
    return {
      // Both are strings checked by the token rules, never a claim turned into a string whatever its shape.
      principalId: subject || clientId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: hookResourceArn(event.methodArn) },
        ],
      },
      context: { clientId, subject },
    };
  } catch (error) {
    const reason = denialReason(error);
    emitMetric(MetricName.AuthorizerDenied, { reason });
    if (reason === 'internal') {
      logger.error('Unexpected error in the authorizer; token denied', { reason, error: error as Error });
    } else {
      logger.warn('Token denied', { reason, errorName: error instanceof Error ? error.name : 'unknown' });
    }
    throw new Error('Unauthorized');
  } finally {
    release();
  }
};
