import type { APIGatewayAuthorizerResult } from 'aws-lambda';

/** API Gateway's verdict on an authorizer's policy for one method ARN. */
export type PolicyDecision = 'allow' | 'deny' | 'no-match';

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** IAM wildcard match: `*` any run of characters, `?` one character. */
function arnMatches(pattern: string, arn: string): boolean {
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`).test(arn);
}

function actionMatches(action: string): boolean {
  return ['*', 'execute-api:*', 'execute-api:invoke'].includes(action.toLowerCase());
}

/**
 * Evaluates an authorizer's policy for `execute-api:Invoke` on a method ARN as IAM does: an explicit Deny wins,
 * then any Allow, otherwise the request is implicitly denied.
 *
 * @param policy - the authorizer's `policyDocument`
 * @param methodArn - `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{path}`
 */
export function evaluatePolicy(
  policy: APIGatewayAuthorizerResult['policyDocument'] | undefined,
  methodArn: string,
): PolicyDecision {
  let allowed = false;
  for (const statement of asArray(policy?.Statement)) {
    const s = statement as { Effect?: string; Action?: string | string[]; Resource?: string | string[] };
    const applies =
      asArray(s.Action).some(actionMatches) &&
      asArray(s.Resource).some((resource) => arnMatches(resource, methodArn));
    if (!applies) continue;
    if (s.Effect === 'Deny') return 'deny';
    if (s.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'allow' : 'no-match';
}
