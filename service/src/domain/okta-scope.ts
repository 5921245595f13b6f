/**
 * The custom scope Okta requests for the hook, and Okta's rule for custom scope names (its authorization server
 * scope properties): printable ASCII without spaces, double quotes or backslashes, and not reserved: a name that
 * starts with `okta.` or `okta:`, or is `okta` or `*` alone, is Okta's own and Okta refuses to create it.
 *
 * No AWS: the authorizer's configuration, the CDK settings and the local Okta apply the same rule.
 */

/**
 * The default scope: `phone-mfa.send`, the action (send a phone MFA code) namespaced by what it is for, outside Okta's
 * reserved `okta.` prefix. It replaced `okta.telephony.send`, which Okta refuses to create.
 */
export const DEFAULT_REQUIRED_SCOPE = 'phone-mfa.send';

/** One scope token: printable ASCII but space, `"` and `\` (RFC 6749's scope-token, as Okta takes it). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Okta's reserved forms. */
const RESERVED = /^(okta[.:]|okta$|\*$)/i;

/**
 * What is wrong with a custom scope name, by Okta's rule; undefined when Okta would create it.
 *
 * @param scope - the name
 */
export function scopeProblem(scope: string): string | undefined {
  if (!SCOPE_TOKEN.test(scope)) {
    return `"${scope}" is not one scope: printable ASCII without spaces, double quotes or backslashes`;
  }
  if (RESERVED.test(scope)) {
    return `"${scope}" is reserved by Okta: a custom scope may not start with "okta." or "okta:", nor be "okta" or "*" (Okta refuses to create it); use e.g. "${DEFAULT_REQUIRED_SCOPE}"`;
  }
  return undefined;
}
