/**
 * The proof through Okta: connect asks Okta to call the hook (`POST /api/v1/inlineHooks/{id}/execute`) with Okta's
 * telephony payload for the connection-check number (the hook answers it SUCCESSFUL and sends nothing), so that the
 * whole token path runs as at a sign-in: Okta gets a token from the authorization server for the app and scope, the
 * authorizer checks issuer, audience, scope and client. Each way it can fail is explained.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { loadFixture, type OktaHookRequestFixture } from '../../../contracts/fixtures/index.js';
import { CONNECTION_CHECK_NUMBER, isConnectionCheckTransaction } from '../../src/domain/okta-response.js';
import type { DeploySettings } from './connection.js';
import { OktaCallError, type OktaManagement } from './management.js';

/** What the proof found. */
export type Proof = { ok: true; lines: string[] } | { ok: false; lines: string[] };

/** Okta's telephony hook payload for the connection check, as Okta would send it for this hook. */
export function connectionCheckPayload(
  orgUrl: string,
  hookId: string,
  now = new Date(),
): OktaHookRequestFixture & { source: string } {
  const payload = loadFixture('request-sms-mfa-verification') as OktaHookRequestFixture & { source: string };
  payload.eventId = randomBytes(16).toString('base64url');
  payload.eventTime = now.toISOString();
  payload.source = `${orgUrl}/api/v1/inlineHooks/${hookId}`;
  payload.data.context.request.id = `check${randomBytes(12).toString('base64url')}`;
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  Object.assign(payload.data.messageProfile, {
    phoneNumber: CONNECTION_CHECK_NUMBER,
    otpCode: code,
    msgTemplate: `Your verification code is ${code}`,
    otpExpires: new Date(now.getTime() + 5 * 60_000).toISOString(),
  });
  return payload;
}

/** Where the deployed stack's trust differs from Okta's token, one line each. */
export function settingsDiff(deployed: DeploySettings, token: DeploySettings): string[] {
  const lines: string[] = [];
  if (deployed.oktaIssuer.replace(/\/$/, '') !== token.oktaIssuer.replace(/\/$/, '')) {
    lines.push(
      `issuer (iss): the stack trusts ${deployed.oktaIssuer}, Okta's token comes from ${token.oktaIssuer}`,
    );
  }
  if (deployed.oktaAudience !== token.oktaAudience) {
    lines.push(
      `audience (aud): the stack expects ${deployed.oktaAudience}, Okta's token is for ${token.oktaAudience}`,
    );
  }
  if (deployed.requiredScope !== token.requiredScope) {
    lines.push(
      `scope (scp): the stack requires ${deployed.requiredScope}, Okta's token carries ${token.requiredScope}`,
    );
  }
  const clients = deployed.allowedClientIds;
  if (!clients.includes('*') && !token.allowedClientIds.every((id) => clients.includes(id))) {
    lines.push(
      `client (cid): the stack allows ${clients.join(', ') || 'none'}, Okta's token is for ${token.allowedClientIds.join(', ')}`,
    );
  }
  return lines;
}

/**
 * Has Okta call the hook, and says what happened.
 *
 * @param okta - the org's management API
 * @param hookId - the telephony inline hook
 * @param token - what Okta's token carries (connect's settings)
 * @param deployed - what the stack trusts, when known (stack outputs, or the local stack's settings)
 */
export async function proveThroughOkta(
  okta: OktaManagement,
  hookId: string,
  token: DeploySettings,
  deployed: DeploySettings | undefined,
): Promise<Proof> {
  const redeploy = deployed ? settingsDiff(deployed, token) : [];
  const deployAdvice = deployed
    ? redeploy.length > 0
      ? [
          'The stack does not trust this token yet:',
          ...redeploy.map((l) => `  - ${l}`),
          'Deploy with the settings above, then run connect again (it changes nothing and checks again).',
        ]
      : [
          "The stack's settings match Okta's token: see the authorizer's log (\"Token denied\", its reason) for what it refused.",
        ]
    : [
        'Deploy (or redeploy) with the settings above, then run connect again: it changes nothing and checks again.',
      ];
  // biome-ignore lint/suspicious/noExplicitAny: what the hook answered, read by Okta's documented path
  let answer: Record<string, any>;
  try {
    answer = await okta.executeInlineHook(hookId, connectionCheckPayload(okta.orgUrl, hookId));
  } catch (error) {
    if (!(error instanceof OktaCallError)) throw error;
    const cause = error.causes.join(' ');
    if (error.errorCode === 'E0000135' && /HTTP 401/.test(cause)) {
      return {
        ok: false,
        lines: ["Okta called the hook, and the authorizer refused Okta's token (HTTP 401).", ...deployAdvice],
      };
    }
    if (error.errorCode === 'E0000135' && /HTTP 403/.test(cause)) {
      return {
        ok: false,
        lines: [
          "Okta called the hook, and API Gateway refused it (HTTP 403): the WAF (an IP allow-list without Okta's ranges?) or the authorizer's policy.",
          ...deployAdvice,
        ],
      };
    }
    if (error.errorCode === 'E0000135') {
      return {
        ok: false,
        lines: [`Okta called the hook, and it answered an error: ${cause || error.summary}`, ...deployAdvice],
      };
    }
    if (error.errorCode === 'E0000137') {
      return {
        ok: false,
        lines: [
          "Okta got no answer from the hook within 3 s (it tries twice): is the hook URL right and reachable from the internet (the stack output HookUrl; a WAF IP allow-list must include Okta's ranges)?",
          ...(cause ? [`Okta says: ${cause}`] : []),
        ],
      };
    }
    if (error.errorCode === 'E0000134') {
      return {
        ok: false,
        lines: [
          /token endpoint/.test(cause)
            ? `Okta could not get a token for the hook: ${cause}`
            : `Okta could not reach the hook: ${cause || error.summary}`,
          'Check the access policy and rule connect made (the app, client credentials, the scope) and that the authorization server is active.',
        ],
      };
    }
    return { ok: false, lines: [`Okta refused to run the check: ${error.message}`] };
  }
  const value = answer?.commands?.[0]?.value?.[0];
  if (value?.status === 'SUCCESSFUL' && isConnectionCheckTransaction(value.transactionId)) {
    return {
      ok: true,
      lines: [
        `Okta called the hook with a token the authorizer accepted (issuer ${token.oktaIssuer}, audience ${token.oktaAudience}, scope ${token.requiredScope}, client ${token.allowedClientIds.join(', ')}) and got SUCCESSFUL. Nothing was sent (${CONNECTION_CHECK_NUMBER} is the connection-check number).`,
      ],
    };
  }
  if (value?.status === 'SUCCESSFUL') {
    return {
      ok: true,
      lines: [
        `Okta called the hook and got SUCCESSFUL, but the hook does not know the connection-check number: it is older than this tool, and may have tried to send to ${CONNECTION_CHECK_NUMBER}. Deploy this version.`,
      ],
    };
  }
  return {
    ok: false,
    lines: [`Okta called the hook, which answered: ${JSON.stringify(answer?.error ?? answer).slice(0, 500)}`],
  };
}
