/**
 * IAM's evaluation of an identity-based policy, as far as the stack's own roles need it: a request (action,
 * resource, condition keys) is allowed when an `Allow` statement matches it and no `Deny` statement does. Actions
 * match case-insensitively with `*` and `?`; resources case-sensitively with `*` and `?`; conditions with the
 * operators the stack uses (`StringEquals`, `StringLike`, their `Not` forms, and the `ForAllValues:` / `ForAnyValue:`
 * set operators, as `dynamodb:LeadingKeys` is written). An operator it does not know fails closed: an `Allow` with it
 * allows nothing, a `Deny` with it denies, as a stricter reading than AWS's is the safe mistake here.
 *
 * No AWS SDK, no CDK: the local stack evaluates with it on every stand-in call, in its main thread and in dynalite's.
 */

/** One statement of a policy document, as CloudFormation holds it once its values are resolved. */
export type PolicyStatement = {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
};

/** A request to authorize: `dynamodb:GetItem` on a table's ARN, with its condition keys (multi-valued). */
export type IamRequest = {
  action: string;
  resource: string;
  context?: Record<string, readonly string[]>;
};

/** IAM's answer. */
export type IamDecision = { allowed: true } | { allowed: false; because: 'explicit-deny' | 'no-allow' };

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

const patterns = new Map<string, RegExp>();

/** IAM's wildcards: `*` any run of characters, `?` any one character. */
export function wildcardMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regex = patterns.get(key);
  if (!regex) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    if (patterns.size > 5_000) patterns.clear();
    patterns.set(key, regex);
  }
  return regex.test(value);
}

/**
 * One condition operator applied to one key: the request's values against the statement's; undefined for an
 * operator this evaluator does not know.
 */
function conditionHolds(
  operator: string,
  values: readonly string[] | undefined,
  expected: string[],
): boolean | undefined {
  const [setOperator, base] = operator.includes(':') ? operator.split(':', 2) : [undefined, operator];
  const single = (value: string) => {
    switch (base) {
      case 'StringEquals':
        return expected.includes(value);
      case 'StringNotEquals':
        return !expected.includes(value);
      case 'StringLike':
        return expected.some((pattern) => wildcardMatches(pattern, value));
      case 'StringNotLike':
        return !expected.some((pattern) => wildcardMatches(pattern, value));
      default:
        return undefined;
    }
  };
  if (single('') === undefined) return undefined;
  if (setOperator === 'ForAllValues') return (values ?? []).every((value) => single(value) === true);
  if (setOperator === 'ForAnyValue') return (values ?? []).some((value) => single(value) === true);
  if (setOperator !== undefined) return undefined;
  // A single-valued operator on a key the request does not have: no match (IAM's rule, but for the Not forms).
  if (!values || values.length === 0) return base === 'StringNotEquals' || base === 'StringNotLike';
  return values.some((value) => single(value) === true);
}

/** Whether a statement's action, resource and conditions all match the request. */
export function statementMatches(statement: PolicyStatement, request: IamRequest): boolean {
  if (!asList(statement.Action).some((pattern) => wildcardMatches(pattern, request.action, true)))
    return false;
  if (!asList(statement.Resource).some((pattern) => wildcardMatches(pattern, request.resource))) return false;
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      const holds = conditionHolds(operator, request.context?.[key], asList(expected));
      // An operator this evaluator does not know fails closed: an Allow does not match, a Deny does.
      if (holds === undefined) return statement.Effect === 'Deny';
      if (!holds) return false;
    }
  }
  return true;
}

/**
 * Evaluates a request against a role's statements: an explicit `Deny` wins, then any `Allow`, else denied.
 *
 * @param statements - the role's statements
 * @param request - action, resource, condition keys
 */
export function evaluate(statements: readonly PolicyStatement[], request: IamRequest): IamDecision {
  let allowed = false;
  for (const statement of statements) {
    if (!statementMatches(statement, request)) continue;
    if (statement.Effect === 'Deny') return { allowed: false, because: 'explicit-deny' };
    allowed = true;
  }
  return allowed ? { allowed: true } : { allowed: false, because: 'no-allow' };
}

/**
 * AWS's words for a refusal, as the services put them in an `AccessDeniedException`'s message.
 *
 * @param principal - the caller's ARN (`arn:aws:sts::<account>:assumed-role/<role>/<session>`)
 * @param request - what was refused
 * @param because - why
 */
export function accessDeniedMessage(principal: string, request: IamRequest, because: IamDecision): string {
  const why =
    !because.allowed && because.because === 'explicit-deny'
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${request.action} action`;
  return `User: ${principal} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`;
}
