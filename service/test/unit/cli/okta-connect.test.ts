// okta:connect and okta:disconnect through Okta's Node SDK against the local Okta over HTTP: the plan writes nothing,
// a second run changes nothing, lists are followed past their first page, a 429 is waited out, each refusal is met
// with a stop that says what to do, and disconnect removes only what connect made.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CONNECT_DEFAULTS,
  type ConnectRequest,
  ConnectStop,
  connect,
  disconnect,
} from '../../../cli/okta/connection.js';
import { OktaCallError, OktaManagement } from '../../../cli/okta/management.js';
import { oktaConnectCli } from '../../../cli/okta-connect.js';
import type { LocalOkta } from '../../../local/okta/local-okta.js';
import { captureIo } from '../../helpers/cli-io.js';
import { startLocalOkta } from '../../helpers/local-okta-server.js';

let local: { okta: LocalOkta; baseUrl: string; close: () => Promise<void> };
let okta: OktaManagement;
const HOOK_URL = 'https://hooks.example.com/prod/hook';

beforeEach(async () => {
  local = await startLocalOkta();
  okta = new OktaManagement(local.baseUrl, { kind: 'api-token', token: local.okta.apiToken });
});
afterEach(() => local.close());

const request = (overrides: Partial<ConnectRequest> = {}): ConnectRequest => ({
  ...CONNECT_DEFAULTS,
  auth: 'private-key',
  hookUrl: HOOK_URL,
  replaceActiveHook: false,
  plan: false,
  ...overrides,
});

/** Everything in the org, by kind: what a run left behind. */
function inventory() {
  const org = local.okta.org;
  const servers = org.listServers();
  return {
    servers: servers.map((s) => s.name),
    scopes: servers.flatMap((s) => org.listScopes(String(s.id)).map((scope) => `${s.name}:${scope.name}`)),
    policies: servers.flatMap((s) => org.listPolicies(String(s.id)).map((p) => `${s.name}:${p.name}`)),
    apps: org.listApps().map((a) => a.label),
    hookKeys: org.listHookKeys().map((k) => k.name),
    inlineHooks: org.listInlineHooks().map((h) => `${h.name}:${h.status}`),
  };
}

describe('okta:connect', () => {
  it('plans every object on an empty org and writes nothing', async () => {
    const before = inventory();
    const planned = await connect(okta, request({ plan: true }));
    expect(planned.steps.map((s) => `${s.object}:${s.action}`)).toEqual([
      'authorization server:create',
      'scope:create',
      'hook key:create',
      'application:create',
      'access policy:create',
      'policy rule:create',
      'inline hook:create',
    ]);
    expect(planned.settings).toBeUndefined();
    expect(inventory()).toEqual(before);
  });

  it('makes what Okta needs, and a second run changes nothing', async () => {
    // Act
    const first = await connect(okta, request());
    const after = inventory();
    const second = await connect(okta, request());
    const plan = await connect(okta, request({ plan: true }));

    // Assess
    expect(first.steps.every((s) => s.action === 'create')).toBe(true);
    expect(second.steps.map((s) => s.action)).toEqual(Array(7).fill('leave'));
    expect(plan.steps.map((s) => s.action)).toEqual(Array(7).fill('leave'));
    expect(second.ids).toEqual(first.ids);
    expect(inventory()).toEqual(after);
    expect(first.settings).toEqual({
      oktaIssuer: `${local.baseUrl}/oauth2/${first.ids.authorizationServerId}`,
      oktaAudience: 'api://okta-phone-mfa',
      requiredScope: 'phone-mfa.send',
      allowedClientIds: [first.ids.clientId],
    });
    // The hook is OAuth with Okta's key: no secret anywhere in what Okta shows.
    const hook = local.okta.org.getInlineHook(String(first.ids.inlineHookId));
    expect(hook.channel).toMatchObject({
      type: 'OAUTH',
      config: {
        uri: HOOK_URL,
        authType: 'private_key_jwt',
        hookKeyId: first.ids.hookKeyId,
        clientId: first.ids.clientId,
        tokenUrl: `${first.settings?.oktaIssuer}/v1/token`,
        scope: 'phone-mfa.send',
      },
    });
    // The app: service, client credentials only, DPoP off, the hook key's public JWK.
    const app = local.okta.org.getApp(String(first.ids.clientId)) as Record<string, any>;
    expect(app.settings.oauthClient).toMatchObject({
      application_type: 'service',
      grant_types: ['client_credentials'],
      dpop_bound_access_tokens: false,
    });
  });

  it('follows pagination to find its app past the first page', async () => {
    // Prepare: 25 apps whose labels start like ours (Okta pages apps by 20), ours made last
    for (let i = 0; i < 25; i += 1) {
      local.okta.org.createApp(
        {
          label: `okta-phone-mfa hook ${String(i).padStart(2, '0')}`,
          signOnMode: 'OPENID_CONNECT',
          settings: { oauthClient: { application_type: 'service', grant_types: ['client_credentials'] } },
        },
        true,
      );
    }
    const first = await connect(okta, request());

    // Act
    const second = await connect(okta, request());

    // Assess
    expect(second.steps.find((s) => s.object === 'application')).toMatchObject({
      action: 'leave',
      id: first.ids.clientId,
    });
    expect(inventory().apps.filter((label) => label === 'okta-phone-mfa hook')).toHaveLength(1);
  });

  it("waits out Okta's 429 by X-Rate-Limit-Reset", async () => {
    local.okta.api.rateLimitNext(1);
    const started = Date.now();
    const planned = await connect(okta, request({ plan: true }));
    expect(planned.steps).toHaveLength(7);
    // The SDK waited for the reset (a second ahead) before trying again.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('stops before making anything when another telephony hook is active, and replaces it when asked', async () => {
    // Prepare
    local.okta.org.createInlineHook({
      name: 'Twilio',
      type: 'com.okta.telephony.provider',
      version: '1.0.0',
      channel: {
        type: 'HTTP',
        version: '1.0.0',
        config: { uri: 'https://twilio.example.com/hook', method: 'POST' },
      },
    });
    const before = inventory();

    // Act
    const stopped = await connect(okta, request()).catch((error: unknown) => error);
    const replaced = await connect(okta, request({ replaceActiveHook: true }));

    // Assess
    expect(stopped).toBeInstanceOf(ConnectStop);
    expect((stopped as Error).message).toMatch(
      /Another telephony inline hook is active: "Twilio" \(cal\w+\)\..*--replace-active-hook.*Nothing was changed/,
    );
    expect(before.servers).toEqual(['default']);
    expect(replaced.steps.find((s) => s.action === 'deactivate')).toMatchObject({
      object: 'inline hook',
      name: 'Twilio',
    });
    expect(inventory().inlineHooks.sort()).toEqual(['Twilio:INACTIVE', 'okta-phone-mfa:ACTIVE']);
  });

  it('reports what Okta refuses: a hook not on https, a reserved scope name', async () => {
    const http = await connect(okta, request({ hookUrl: 'http://hooks.example.com/hook' })).catch(
      (e: unknown) => e,
    );
    expect(http).toBeInstanceOf(OktaCallError);
    expect((http as OktaCallError).causes.join()).toContain('must begin with https://');
    const reserved = await connect(okta, request({ scope: 'okta.telephony.send', name: 'other' })).catch(
      (e: unknown) => e,
    );
    expect(reserved).toMatchObject({ errorCode: 'E0000001', call: 'create scope okta.telephony.send' });
  });

  it('replaces its own app when it is not as connect makes it (DPoP on), and everything naming it follows', async () => {
    // Prepare: connected, then someone turned DPoP on by recreating the app by hand
    const first = await connect(okta, request());
    local.okta.org.setAppStatus(String(first.ids.clientId), 'INACTIVE');
    local.okta.org.deleteApp(String(first.ids.clientId));
    const jwk = local.okta.org.publicHookKey(String(local.okta.org.listHookKeys()[0]?.keyId)) as Record<
      string,
      any
    >;
    local.okta.org.createApp(
      {
        label: 'okta-phone-mfa hook',
        signOnMode: 'OPENID_CONNECT',
        credentials: { oauthClient: { token_endpoint_auth_method: 'private_key_jwt' } },
        settings: {
          oauthClient: {
            application_type: 'service',
            grant_types: ['client_credentials'],
            dpop_bound_access_tokens: true,
            jwks: { keys: [{ kty: jwk.kty, kid: jwk.kid, e: jwk.e, n: jwk.n }] },
          },
        },
      },
      true,
    );

    // Act
    const fixed = await connect(okta, request());

    // Assess
    const actions = Object.fromEntries(fixed.steps.map((s) => [`${s.object}:${s.action}`, true]));
    expect(actions).toMatchObject({
      'application:delete': true,
      'application:create': true,
      'access policy:update': true,
      'inline hook:update': true,
    });
    const hook = local.okta.org.getInlineHook(String(fixed.ids.inlineHookId)) as Record<string, any>;
    expect(hook.channel.config.clientId).toBe(fixed.ids.clientId);
    expect((await connect(okta, request())).steps.every((s) => s.action === 'leave')).toBe(true);
  });

  it('with --auth secret, makes a client_secret_post app and hook; Okta never shows the secret again', async () => {
    const first = await connect(okta, request({ auth: 'secret' }));
    const hook = local.okta.org.getInlineHook(String(first.ids.inlineHookId)) as Record<string, any>;
    expect(hook.channel.config).toMatchObject({ authType: 'client_secret_post' });
    expect(hook.channel.config.clientSecret).toBeUndefined();
    expect(first.steps.some((s) => s.object === 'hook key')).toBe(false);
    expect((await connect(okta, request({ auth: 'secret' }))).steps.every((s) => s.action === 'leave')).toBe(
      true,
    );
  });
});

describe('okta:disconnect', () => {
  it('removes what connect made, and nothing else', async () => {
    // Prepare: someone else's app and server beside ours
    local.okta.org.createApp(
      {
        label: 'Salesforce',
        signOnMode: 'OPENID_CONNECT',
        settings: { oauthClient: { grant_types: ['authorization_code'] } },
      },
      true,
    );
    local.okta.org.createServer({ name: 'payments', audiences: ['api://payments'] });
    const before = inventory();
    await connect(okta, request());

    // Act
    const steps = await disconnect(okta, {
      name: CONNECT_DEFAULTS.name,
      scope: CONNECT_DEFAULTS.scope,
      plan: false,
    });
    const again = await disconnect(okta, {
      name: CONNECT_DEFAULTS.name,
      scope: CONNECT_DEFAULTS.scope,
      plan: false,
    });

    // Assess
    expect(steps.map((s) => s.object)).toEqual([
      'inline hook',
      'access policy',
      'authorization server',
      'application',
      'hook key',
    ]);
    expect(again).toEqual([]);
    expect(inventory()).toEqual(before);
  });

  it('on a reused server (default), removes only its scope and policy', async () => {
    await connect(okta, request({ authServerId: 'default' }));
    expect(inventory().scopes).toContain('default:phone-mfa.send');

    await disconnect(okta, {
      name: CONNECT_DEFAULTS.name,
      scope: CONNECT_DEFAULTS.scope,
      authServerId: 'default',
      plan: false,
    });

    const after = inventory();
    expect(after.servers).toEqual(['default']);
    expect(after.scopes).toEqual([]);
    expect(after.policies).toEqual(['default:Default Policy']);
  });
});

describe('the CLI', () => {
  it('refuses a reserved scope before calling Okta, and explains a wrong credential', async () => {
    const io = captureIo();
    await expect(
      oktaConnectCli(['connect', '--org', local.baseUrl, '--scope', 'okta:send'], io, {
        OKTA_API_TOKEN: 'x',
      }),
    ).rejects.toThrow(/reserved by Okta/);
    const code = await oktaConnectCli(['connect', '--org', local.baseUrl, '--plan'], io, {
      OKTA_API_TOKEN: 'wrong',
    });
    expect(code).toBe(1);
    expect(io.stderr.join('\n')).toMatch(
      /E0000011 Invalid token provided[\s\S]*management credential was not accepted/,
    );
    expect(io.stderr.join('\n')).not.toContain('wrong');
  });

  it('prints the plan, and the ids and settings as JSON', async () => {
    const io = captureIo();
    const env = { OKTA_API_TOKEN: local.okta.apiToken };
    expect(
      await oktaConnectCli(['connect', '--org', local.baseUrl, '--hook-url', HOOK_URL, '--plan'], io, env),
    ).toBe(0);
    expect(io.stdout).toContain('+ inline hook "okta-phone-mfa": would create');
    const json = captureIo();
    expect(
      await oktaConnectCli(
        ['connect', '--org', local.baseUrl, '--hook-url', HOOK_URL, '--json', '--no-check'],
        json,
        env,
      ),
    ).toBe(0);
    const printed = JSON.parse(json.stdout.join(''));
    expect(printed.ids).toMatchObject({
      clientId: expect.stringMatching(/^0oa/),
      inlineHookId: expect.stringMatching(/^cal/),
    });
    expect(printed.settings.allowedClientIds).toEqual([printed.ids.clientId]);
  });
});
