// The local Okta's management API over HTTP, as strict as Okta: its credential and nothing else, Okta's pagination
// and rate-limit answer; a telephony hook it calls (`execute`) with a token from a server made through it, which the
// authorizer accepts once the stack runs with the settings a deploy would give it; an event hook it verifies and
// delivers Okta's events to, through the real handler behind the event hook route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture } from '../../../contracts/fixtures/index.js';
import { buildMfaVerifiedEvent } from '../../local/okta-cli.js';
import type { LocalStack } from '../../local/stack.js';
import { outbox, startStack } from './helpers.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startStack({ sweepIntervalMs: 0 });
});
afterAll(() => stack?.close());

type Answer = { status: number; body: any; headers: Headers };

async function api(
  method: string,
  path: string,
  body?: unknown,
  authorization = 'SSWS local-okta-api-token',
) {
  const response = await fetch(path.startsWith('http') ? path : `${stack.baseUrl}${path}`, {
    method,
    headers: {
      ...(authorization ? { authorization } : {}),
      accept: 'application/json',
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : undefined,
    headers: response.headers,
  } as Answer;
}

/** What `npm run okta:connect` makes, by hand: server, scope, hook key, app with its public key, policy, rule, hook. */
async function connectByHand(): Promise<{
  serverId: string;
  issuer: string;
  clientId: string;
  hookId: string;
}> {
  const server = (
    await api('POST', '/api/v1/authorizationServers', {
      name: `s-${Date.now()}`,
      audiences: ['api://okta-phone-mfa'],
    })
  ).body;
  await api('POST', `/api/v1/authorizationServers/${server.id}/scopes`, {
    name: 'phone-mfa.send',
    consent: 'IMPLICIT',
    metadataPublish: 'NO_CLIENTS',
  });
  const key = (await api('POST', '/api/v1/hook-keys', { name: `k-${Date.now()}` })).body;
  const jwk = (await api('GET', `/api/v1/hook-keys/public/${key.keyId}`)).body;
  const app = (
    await api('POST', '/api/v1/apps', {
      name: 'oidc_client',
      label: `okta-phone-mfa ${Date.now()}`,
      signOnMode: 'OPENID_CONNECT',
      credentials: { oauthClient: { token_endpoint_auth_method: 'private_key_jwt' } },
      settings: {
        oauthClient: {
          application_type: 'service',
          grant_types: ['client_credentials'],
          response_types: ['token'],
          dpop_bound_access_tokens: false,
          jwks: { keys: [{ kty: jwk.kty, kid: jwk.kid, e: jwk.e, n: jwk.n }] },
        },
      },
    })
  ).body;
  const policy = (
    await api('POST', `/api/v1/authorizationServers/${server.id}/policies`, {
      type: 'OAUTH_AUTHORIZATION_POLICY',
      name: 'okta-phone-mfa',
      conditions: { clients: { include: [app.id] } },
    })
  ).body;
  await api('POST', `/api/v1/authorizationServers/${server.id}/policies/${policy.id}/rules`, {
    type: 'RESOURCE_ACCESS',
    name: 'client credentials',
    conditions: {
      grantTypes: { include: ['client_credentials'] },
      scopes: { include: ['phone-mfa.send'] },
      people: { groups: { include: ['EVERYONE'] } },
    },
    actions: { token: { accessTokenLifetimeMinutes: 60 } },
  });
  const hook = (
    await api('POST', '/api/v1/inlineHooks', {
      name: `okta-phone-mfa ${Date.now()}`,
      type: 'com.okta.telephony.provider',
      version: '1.0.0',
      channel: {
        type: 'OAUTH',
        version: '1.0.0',
        config: {
          uri: stack.hookUrl,
          method: 'POST',
          headers: [],
          authType: 'private_key_jwt',
          hookKeyId: key.id,
          clientId: app.id,
          tokenUrl: `${server.issuer}/v1/token`,
          scope: 'phone-mfa.send',
        },
      },
    })
  ).body;
  return { serverId: server.id, issuer: server.issuer, clientId: app.id, hookId: hook.id };
}

describe('the local Okta management API', () => {
  it('accepts its SSWS API token and nothing else, in Okta’s error shape', async () => {
    expect(await api('GET', '/api/v1/apps', undefined, '')).toMatchObject({
      status: 403,
      body: { errorCode: 'E0000005', errorSummary: 'Invalid session', errorCauses: [] },
    });
    for (const wrong of ['SSWS not-the-token', 'Bearer local-okta-api-token']) {
      expect(await api('GET', '/api/v1/apps', undefined, wrong)).toMatchObject({
        status: 401,
        body: { errorCode: 'E0000011', errorSummary: 'Invalid token provided' },
      });
    }
    expect(await api('GET', '/api/v1/inlineHooks/calNope')).toMatchObject({
      status: 404,
      body: { errorCode: 'E0000007', errorSummary: 'Not found: Resource not found: calNope (InlineHook)' },
    });
  });

  it('pages lists with Link rel="next", as Okta does', async () => {
    // Prepare: 25 apps (Okta pages apps by 20)
    for (let i = 0; i < 25; i += 1) {
      await api('POST', '/api/v1/apps', {
        label: `paged ${i}`,
        signOnMode: 'OPENID_CONNECT',
        settings: { oauthClient: { application_type: 'service', grant_types: ['client_credentials'] } },
      });
    }

    // Act
    const first = await api('GET', '/api/v1/apps?q=paged');
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    const second = await api('GET', String(next));

    // Assess
    expect(first.body).toHaveLength(20);
    expect(second.body).toHaveLength(5);
    expect(second.headers.get('link')).not.toContain('rel="next"');
    expect(new Set([...first.body, ...second.body].map((a: { id: string }) => a.id)).size).toBe(25);
  });

  it('answers 429 with X-Rate-Limit-Reset while the okta fault says so', async () => {
    await fetch(`${stack.baseUrl}/_local/faults`, {
      method: 'POST',
      body: JSON.stringify({ okta: { rateLimited: 2 } }),
    });
    const limited = [await api('GET', '/api/v1/hook-keys'), await api('GET', '/api/v1/hook-keys')];
    const after = await api('GET', '/api/v1/hook-keys');
    await fetch(`${stack.baseUrl}/_local/faults`, { method: 'DELETE' });

    for (const answer of limited) {
      expect(answer).toMatchObject({ status: 429, body: { errorCode: 'E0000047' } });
      expect(Number(answer.headers.get('x-rate-limit-reset'))).toBeGreaterThanOrEqual(
        Math.floor(Date.now() / 1000),
      );
    }
    expect(after.status).toBe(200);
  });

  it('executes the telephony hook: refused until the stack trusts the server, then Okta gets our answer', async () => {
    // Prepare
    const { issuer, clientId, hookId } = await connectByHand();
    const payload = loadFixture('request-sms-mfa-verification');
    const settings = {
      oktaIssuer: issuer,
      oktaAudience: 'api://okta-phone-mfa',
      requiredScope: 'phone-mfa.send',
      allowedClientIds: [clientId],
    };
    const before = await (await fetch(`${stack.baseUrl}/_local/settings`)).json();

    // Act
    const refused = await api('POST', `/api/v1/inlineHooks/${hookId}/execute`, payload);
    const applied = await fetch(`${stack.baseUrl}/_local/settings`, {
      method: 'POST',
      body: JSON.stringify(settings),
    });
    const executed = await api('POST', `/api/v1/inlineHooks/${hookId}/execute`, payload);

    // Assess
    expect(refused).toMatchObject({
      status: 400,
      body: {
        errorCode: 'E0000135',
        errorCauses: [{ errorSummary: expect.stringContaining('answered HTTP 401') }],
      },
    });
    expect(applied.status).toBe(200);
    expect(executed.status).toBe(200);
    expect(executed.body.commands[0].value[0]).toMatchObject({ status: 'SUCCESSFUL' });
    const sent = (await outbox(stack)).find(
      (m) => m.messageId === executed.body.commands[0].value[0].transactionId,
    );
    expect(sent).toBeDefined();
    // Put the stack back for the other tests: the local client of the default server.
    await fetch(`${stack.baseUrl}/_local/settings`, { method: 'POST', body: JSON.stringify(before) });
  });

  it('refuses settings the authorizer would refuse, or an issuer off this machine', async () => {
    const refused = await fetch(`${stack.baseUrl}/_local/settings`, {
      method: 'POST',
      body: JSON.stringify({ oktaIssuer: 'https://example.okta.com/oauth2/default' }),
    });
    const reserved = await fetch(`${stack.baseUrl}/_local/settings`, {
      method: 'POST',
      body: JSON.stringify({ requiredScope: 'okta.telephony.send' }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('issuers on this machine only');
    expect(reserved.status).toBe(400);
    expect(await reserved.text()).toContain('reserved by Okta');
  });

  it('verifies an event hook on the event hook route, and delivers Okta’s events to it', async () => {
    // Prepare
    const secret = String(stack.secretsManager.value(stack.eventHookSecretName));
    const eventHook = (name: string, value: string) =>
      api('POST', '/api/v1/eventHooks', {
        name,
        events: { type: 'EVENT_TYPE', items: ['user.authentication.auth_via_mfa', 'inline_hook.executed'] },
        channel: {
          type: 'HTTP',
          version: '1.0.0',
          config: {
            uri: stack.eventHookUrl,
            headers: [],
            authScheme: { type: 'HEADER', key: 'Authorization', value },
          },
        },
      });
    const good = (await eventHook('okta-phone-mfa events', secret)).body;
    const wrong = (await eventHook('wrong secret', 'not-the-secret')).body;

    // Act
    const verified = await api('POST', `/api/v1/eventHooks/${good.id}/lifecycle/verify`);
    const refused = await api('POST', `/api/v1/eventHooks/${wrong.id}/lifecycle/verify`);
    const delivered = await fetch(`${stack.baseUrl}/_local/okta-events`, {
      method: 'POST',
      body: JSON.stringify(buildMfaVerifiedEvent({ userId: '00uEventHook', factor: 'SMS_FACTOR' })),
    });

    // Assess
    expect(verified).toMatchObject({ status: 200, body: { verificationStatus: 'VERIFIED' } });
    expect(refused).toMatchObject({
      status: 400,
      body: {
        errorCode: 'E0000001',
        errorCauses: [{ errorSummary: expect.stringContaining('answered HTTP 401') }],
      },
    });
    expect(await delivered.json()).toMatchObject({
      failed: 0,
      eventHooks: [{ eventHookId: good.id, status: 200, events: 1 }],
    });
  });
});
