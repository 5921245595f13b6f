import { OKTA_ID } from '../../../service/src/config.js';
import { DEFAULT_REQUIRED_SCOPE, scopeProblem } from '../../../service/src/domain/okta-scope.js';
import { type Collector, validFlag } from './reader.js';

/** `oktaEventSourceName`: Okta Log Streaming's partner event source (`aws.partner/okta.com/<org>/<name>`). */
export const OKTA_EVENT_SOURCE = /^aws\.partner\/okta\.com\/[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/;

const CLIENT_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** Okta's side: who may call the hook (the authorizer's token checks), and where Okta's events come from. */
export type OktaSettings = {
  /** Okta authorization server issuer, e.g. `https://acme.okta.com/oauth2/default`. */
  oktaIssuer: string;
  /** Audience of the authorization server (`aud` of the access token). */
  oktaAudience: string;
  /** Custom scope Okta requests for the hook (`scp`). */
  requiredScope: string;
  /**
   * Okta client ids (`cid`) allowed to call the hook, or `["*"]` for any client of the issuer. Required: no default
   * in cdk.json, so a deployment that leaves it out fails synth instead of admitting every client.
   */
  allowedClientIds: string[];
  /**
   * Okta Log Streaming's partner event source (`aws.partner/okta.com/<org>/<name>`): the stack associates an event
   * bus with it and sends Okta's MFA and inline hook events to the verification function; undefined = no rule.
   */
  oktaEventSourceName?: string;
  /** A `GET`/`POST /okta-events` route for an Okta event hook (orgs without Log Streaming); default false. */
  oktaEventHook: boolean;
  /**
   * The telephony inline hook's Okta id (`cal…`, the end of its requests' `source`): `OktaHookFailure` and the
   * "Okta is failing over" alarm then count only this hook's failures, not the org's other inline hooks'.
   */
  oktaTelephonyHookId?: string;
};

function validIssuer(c: Collector): string {
  const raw = c.requiredText('oktaIssuer', 'https://acme.okta.com/oauth2/default');
  if (!raw) return '';
  try {
    const url = new URL(raw);
    if (url.protocol !== 'https:') return c.fail('oktaIssuer', `must be an https URL, got "${raw}"`) ?? '';
    if (url.search || url.hash)
      return c.fail('oktaIssuer', `must not have a query or fragment: "${raw}"`) ?? '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return c.fail('oktaIssuer', `must be an absolute URL, got "${raw}"`) ?? '';
  }
}

/** `oktaEventSourceName`: absent, or the partner event source Okta Log Streaming created. */
function validOktaEventSource(c: Collector): string | undefined {
  const name = c.text('oktaEventSourceName');
  if (name === undefined) return undefined;
  if (!OKTA_EVENT_SOURCE.test(name) || name.length > 256) {
    return c.fail(
      'oktaEventSourceName',
      `must be Okta Log Streaming's partner event source, aws.partner/okta.com/<org>/<name> (letters, digits, ".", "_", "-"; at most 256 characters), got "${name}"`,
    );
  }
  return name;
}

/** `oktaTelephonyHookId`: absent, or an Okta inline hook id. */
function validOktaHookId(c: Collector): string | undefined {
  const id = c.text('oktaTelephonyHookId');
  if (id === undefined) return undefined;
  if (!OKTA_ID.test(id)) {
    return c.fail(
      'oktaTelephonyHookId',
      `must be the telephony inline hook's Okta id (letters and digits, the end of .../api/v1/inlineHooks/<id>), got "${id}"`,
    );
  }
  return id;
}

/**
 * Reads and validates the Okta settings; problems go to `c`.
 *
 * @param c - the collector of every group's problems
 */
export function readOktaSettings(c: Collector): OktaSettings {
  const oktaIssuer = validIssuer(c);
  const oktaAudience = c.requiredText('oktaAudience', 'api://okta-phone-mfa');
  // Okta's rule for custom scope names (the authorizer's own check at cold start): a reserved name fails the synth.
  const requiredScope = c.text('requiredScope') ?? DEFAULT_REQUIRED_SCOPE;
  const scopeIssue = scopeProblem(requiredScope);
  if (scopeIssue) c.fail('requiredScope', scopeIssue);

  // Required, with "any client" spelled out as ["*"]: an empty list used to mean any client, so a forgotten setting
  // opened the hook to every client of the authorization server.
  const allowedClientIds = c.list('allowedClientIds');
  if (allowedClientIds.length === 0 && !c.problems.some((p) => p.startsWith('allowedClientIds:'))) {
    c.fail(
      'allowedClientIds',
      'is required: list the Okta client id(s) (cid) allowed to call the hook, e.g. ["0oa1b2c3d4e5f6g7h8i9"], or ["*"] to allow any client of the issuer',
    );
  }
  if (allowedClientIds.includes('*') && allowedClientIds.length > 1) {
    c.fail('allowedClientIds', '"*" allows any client; give ["*"] alone, or list only client ids');
  }
  for (const id of allowedClientIds) {
    if (id !== '*' && !CLIENT_ID.test(id)) c.fail('allowedClientIds', `"${id}" is not an Okta client id`);
  }

  const oktaEventSourceName = validOktaEventSource(c);
  const oktaEventHook = validFlag(c, 'oktaEventHook');
  const oktaTelephonyHookId = validOktaHookId(c);

  return {
    oktaIssuer,
    oktaAudience,
    requiredScope,
    allowedClientIds,
    ...(oktaEventSourceName ? { oktaEventSourceName } : {}),
    oktaEventHook,
    ...(oktaTelephonyHookId ? { oktaTelephonyHookId } : {}),
  };
}
