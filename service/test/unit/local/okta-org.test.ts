// The local Okta org refuses what Okta refuses (reserved scope names, hooks not on HTTPS, a second active telephony
// hook, deleting what is active, event types Okta does not deliver to event hooks, its per-org limits), never gives a
// secret back, and grants tokens only as a server's access policies allow, to a client that proves who it is.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { type JWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../../local/issuer.js';
import { OktaApiError } from '../../../local/okta/api-error.js';
import { LocalOktaOrg, OKTA_LIMITS } from '../../../local/okta/org.js';

const BASE = 'http://127.0.0.1:3000';

/** The Okta error a call throws: status, code and every cause. */
function refusal(call: () => unknown): { status: number; code: string; summary: string; causes: string } {
  try {
    call();
  } catch (error) {
    if (!(error instanceof OktaApiError)) throw error;
    return {
      status: error.status,
      code: error.errorCode,
      summary: error.message,
      causes: error.causes.join(' | '),
    };
  }
  throw new Error('expected an Okta error');
}

async function oauthRefusal(
  call: () => Promise<unknown>,
): Promise<{ status: number; error: string; message: string }> {
  try {
    await call();
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    return { status: error.status, error: error.error, message: error.message };
  }
  throw new Error('expected an OAuth error');
}

const telephonyHook = (name: string, uri = 'https://hooks.example.com/hook') => ({
  name,
  type: 'com.okta.telephony.provider',
  version: '1.0.0',
  channel: {
    type: 'HTTP',
    version: '1.0.0',
    config: { uri, method: 'POST', authScheme: { type: 'HEADER', key: 'Authorization', value: 's3cret' } },
  },
});

/** An org with a server, its scope, a private-key-JWT service app, a policy for it and a client-credentials rule. */
function connectedOrg(appOverrides: Record<string, unknown> = {}) {
  const org = new LocalOktaOrg({ baseUrl: BASE, defaultAudience: 'api://default' });
  const server = org.createServer({ name: 'okta-phone-mfa', audiences: ['api://okta-phone-mfa'] });
  const serverId = String(server.id);
  org.createScope(serverId, { name: 'phone-mfa.send', consent: 'IMPLICIT', metadataPublish: 'NO_CLIENTS' });
  org.createScope(serverId, { name: 'other.scope' });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid: 'key-1' };
  const app = org.createApp(
    {
      label: 'okta-phone-mfa hook',
      signOnMode: 'OPENID_CONNECT',
      credentials: { oauthClient: { token_endpoint_auth_method: 'private_key_jwt' } },
      settings: {
        oauthClient: {
          application_type: 'service',
          grant_types: ['client_credentials'],
          response_types: ['token'],
          dpop_bound_access_tokens: false,
          jwks: { keys: [jwk] },
          ...appOverrides,
        },
      },
    },
    true,
  );
  const clientId = String(app.id);
  const policy = org.createPolicy(serverId, {
    type: 'OAUTH_AUTHORIZATION_POLICY',
    name: 'okta-phone-mfa',
    conditions: { clients: { include: [clientId] } },
  });
  org.createRule(serverId, String(policy.id), {
    type: 'RESOURCE_ACCESS',
    name: 'client credentials',
    conditions: {
      grantTypes: { include: ['client_credentials'] },
      scopes: { include: ['phone-mfa.send'] },
      people: { groups: { include: ['EVERYONE'] } },
    },
    actions: { token: { accessTokenLifetimeMinutes: 30 } },
  });
  const tokenUrl = `${org.issuerOf(serverId)}/v1/token`;
  const assertion = ({ aud = tokenUrl }: { aud?: string } = {}, expiresIn = '5m') =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(aud)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .setJti(randomUUID())
      .sign(privateKey);
  const request = async (scope: string | undefined, signed?: string, dpop?: string) => {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) form.set('scope', scope);
    form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    form.set('client_assertion', signed ?? (await assertion()));
    return { form, authorization: undefined, dpop, tokenUrl };
  };
  const directory = org.directoryFor(serverId);
  const token = async (scope: string | undefined, signed?: string, dpop?: string) => {
    const id = await directory.authenticate(await request(scope, signed, dpop));
    return directory.grant(id, 'client_credentials', scope ? scope.split(' ') : []);
  };
  return { org, serverId, clientId, tokenUrl, assertion, token, privateKey };
}

describe('the local Okta org', () => {
  it("refuses a reserved scope name, naming Okta's rule", () => {
    const org = new LocalOktaOrg({ baseUrl: BASE, defaultAudience: 'api://default' });
    const server = org.createServer({ name: 's', audiences: ['api://s'] });
    for (const name of ['okta.telephony.send', 'okta:hook', 'okta', '*']) {
      expect(refusal(() => org.createScope(String(server.id), { name }))).toMatchObject({
        status: 400,
        code: 'E0000001',
        summary: 'Api validation failed: OAuth2Scope',
        causes: expect.stringContaining('reserved by Okta'),
      });
    }
  });

  it('refuses a hook URL that is not https, but for this machine', () => {
    const org = new LocalOktaOrg({ baseUrl: BASE, defaultAudience: 'api://default' });
    expect(
      refusal(() => org.createInlineHook(telephonyHook('a', 'http://hooks.example.com/hook'))),
    ).toMatchObject({
      code: 'E0000001',
      causes: expect.stringContaining('must begin with https://'),
    });
    expect(org.createInlineHook(telephonyHook('b', 'http://127.0.0.1:3000/hook')).status).toBe('ACTIVE');
  });

  it('keeps one telephony hook active, deletes only inactive hooks, and never gives the secret back', () => {
    const org = new LocalOktaOrg({ baseUrl: BASE, defaultAudience: 'api://default' });
    const first = org.createInlineHook(telephonyHook('first'));
    expect(JSON.stringify(first)).not.toContain('s3cret');
    expect(first.channel).toMatchObject({ config: { authScheme: { type: 'HEADER', key: 'Authorization' } } });

    expect(refusal(() => org.createInlineHook(telephonyHook('second')))).toMatchObject({
      code: 'E0000001',
      causes: expect.stringMatching(/one active telephony inline hook, and "first" \(cal\w{17}\) is active/),
    });
    expect(refusal(() => org.deleteInlineHook(String(first.id)))).toMatchObject({
      causes: expect.stringContaining('Only an INACTIVE inline hook can be deleted'),
    });
    expect(refusal(() => org.createInlineHook(telephonyHook('first')))).toMatchObject({
      causes: expect.stringContaining('already exists'),
    });

    org.setInlineHookStatus(String(first.id), 'INACTIVE');
    const second = org.createInlineHook(telephonyHook('second'));
    expect(refusal(() => org.setInlineHookStatus(String(first.id), 'ACTIVE'))).toMatchObject({
      causes: expect.stringContaining('"second"'),
    });
    org.deleteInlineHook(String(first.id));
    expect(org.listInlineHooks('com.okta.telephony.provider').map((h) => h.id)).toEqual([second.id]);
  });

  it('refuses an OAuth hook that names no hook key, or a secret with private_key_jwt', () => {
    const org = new LocalOktaOrg({ baseUrl: BASE, defaultAudience: 'api://default' });
    const oauth = (config: Record<string, unknown>) => ({
      ...telephonyHook('oauth'),
      channel: {
        type: 'OAUTH',
        version: '1.0.0',
        config: {
          uri: 'https://h.example.com/hook',
          clientId: '0oa1',
          tokenUrl: 'https://o.example.com/oauth2/x/v1/token',
          ...config,
        },
      },
    });
    expect(
      refusal(() =>
        org.createInlineHook(oauth({ authType: 'private_key_jwt', hookKeyId: 'HKYnope', clientSecret: 'x' })),
      ),
    ).toMatchObject({
      causes: expect.stringMatching(
        /clientSecret: must be null with private_key_jwt.*hookKeyId: the id \(HKY…\) of an existing hook key/,
      ),
    });
    const key = org.createHookKey({ name: 'k' });
    const hook = org.createInlineHook(
      oauth({ authType: 'private_key_jwt', hookKeyId: key.id, scope: 'phone-mfa.send' }),
    );
    expect(hook.channel).toMatchObject({
      type: 'OAUTH',
      config: { authType: 'private_key_jwt', hookKeyId: key.id, authScheme: null },
    });
    expect(refusal(() => org.deleteHookKey(String(key.id)))).toMatchObject({
      causes: expect.stringContaining('inline hook uses'),
    });
    expect(org.getHookKey(String(key.id))).toMatchObject({ isUsed: true });
  });

  it('subscribes event hooks only to event-hook-eligible types, and never gives the header secret back', () => {
    const org = new LocalOktaOrg({ baseUrl: BASE, defaultAudience: 'api://default' });
    const eventHook = (items: string[]) => ({
      name: `e-${items.join()}`,
      events: { type: 'EVENT_TYPE', items },
      channel: {
        type: 'HTTP',
        version: '1.0.0',
        config: {
          uri: 'https://h.example.com/okta-events',
          authScheme: { type: 'HEADER', key: 'Authorization', value: 'hook-secret' },
        },
      },
    });
    expect(
      refusal(() =>
        org.createEventHook(eventHook(['inline_hook.executed', 'inline_hook.response.processed'])),
      ),
    ).toMatchObject({
      code: 'E0000001',
      causes: expect.stringContaining(
        '"inline_hook.response.processed" is not event hook eligible (Okta delivers it only through Log Streaming)',
      ),
    });
    const hook = org.createEventHook(
      eventHook(['user.authentication.auth_via_mfa', 'user.mfa.factor.activate', 'inline_hook.executed']),
    );
    expect(hook).toMatchObject({ status: 'ACTIVE', verificationStatus: 'UNVERIFIED' });
    expect(JSON.stringify(hook)).not.toContain('hook-secret');
    // Not verified: Okta delivers nothing to it yet.
    expect(org.eventHooksFor('inline_hook.executed')).toEqual([]);
    org.markEventHookVerified(String(hook.id));
    expect(org.eventHooksFor('inline_hook.executed').map((h) => h.id)).toEqual([hook.id]);
  });

  it("stops at Okta's per-org limits", () => {
    const org = new LocalOktaOrg({ baseUrl: BASE, defaultAudience: 'api://default' });
    for (let i = 0; i < OKTA_LIMITS.hookKeys; i += 1) org.createHookKey({ name: `key-${i}` });
    expect(refusal(() => org.createHookKey({ name: 'one more' }))).toMatchObject({
      causes: expect.stringContaining('limit of 50 hook keys'),
    });
    const stream = (name: string) => ({
      type: 'aws_eventbridge',
      name,
      settings: { accountId: '123456789012', region: 'eu-west-1', eventSourceName: name },
    });
    org.createLogStream(stream('one'));
    org.createLogStream(stream('two'));
    expect(refusal(() => org.createLogStream(stream('three')))).toMatchObject({
      causes: expect.stringContaining('limit of 2 log streams'),
    });
    expect(
      refusal(() =>
        org.createLogStream({
          ...stream('bad'),
          settings: { accountId: '1', region: 'mars-1', eventSourceName: 'x' },
        }),
      ),
    ).toMatchObject({
      causes: expect.stringMatching(/accountId.*region/),
    });
  });

  it('refuses a private_key_jwt app without public keys, or with a key that is not a public signing key', () => {
    const org = new LocalOktaOrg({ baseUrl: BASE, defaultAudience: 'api://default' });
    const app = (jwks: unknown) => ({
      label: `app-${JSON.stringify(jwks)}`,
      signOnMode: 'OPENID_CONNECT',
      credentials: { oauthClient: { token_endpoint_auth_method: 'private_key_jwt' } },
      settings: {
        oauthClient: {
          application_type: 'service',
          grant_types: ['client_credentials'],
          ...(jwks ? { jwks } : {}),
        },
      },
    });
    expect(refusal(() => org.createApp(app(undefined), true)).causes).toContain(
      'private_key_jwt needs the client public keys',
    );
    // A hook key's JWK as Okta shows it says alg "RSA": not a signing algorithm an app's key may name.
    expect(
      refusal(() =>
        org.createApp(app({ keys: [{ kty: 'RSA', alg: 'RSA', kid: 'k', e: 'AQAB', n: 'xyz' }] }), true),
      ).causes,
    ).toContain('"RSA" is not a signing algorithm');
    expect(
      refusal(() =>
        org.createApp(app({ keys: [{ kty: 'RSA', kid: 'k', e: 'AQAB', n: 'xyz', d: 'private' }] }), true),
      ).causes,
    ).toContain('a key must be public');
  });
});

describe("an authorization server's token grant", () => {
  it('grants the scope its rule allows, for the rule lifetime, to the client that signed the assertion', async () => {
    const { token } = connectedOrg();
    await expect(token('phone-mfa.send')).resolves.toEqual({
      scopes: ['phone-mfa.send'],
      lifetimeSeconds: 1800,
    });
  });

  it('refuses a scope no rule allows, a scope the server lacks, and no scope at all', async () => {
    const { token } = connectedOrg();
    await expect(oauthRefusal(() => token('other.scope'))).resolves.toMatchObject({
      status: 400,
      error: 'access_denied',
      message: 'Policy evaluation failed for this request, please check the policy configurations.',
    });
    await expect(oauthRefusal(() => token('nope'))).resolves.toMatchObject({ error: 'invalid_scope' });
    await expect(oauthRefusal(() => token(undefined))).resolves.toMatchObject({
      error: 'invalid_scope',
      message: expect.stringContaining("'scope' must be provided"),
    });
  });

  it('refuses an assertion for another audience, one living over an hour, and a replayed one', async () => {
    const { token, assertion } = connectedOrg();
    await expect(
      oauthRefusal(async () =>
        token('phone-mfa.send', await assertion({ aud: `${BASE}/oauth2/default/v1/token` })),
      ),
    ).resolves.toMatchObject({ error: 'invalid_client', message: expect.stringContaining('audience') });
    await expect(
      oauthRefusal(async () => token('phone-mfa.send', await assertion({}, '2h'))),
    ).resolves.toMatchObject({
      message: 'The client_assertion token has an expiration too far into the future.',
    });
    const once = await assertion();
    await token('phone-mfa.send', once);
    await expect(oauthRefusal(() => token('phone-mfa.send', once))).resolves.toMatchObject({
      message: 'The client_assertion token has already been used.',
    });
  });

  it('refuses an assertion signed by another key', async () => {
    const { token, clientId, tokenUrl } = connectedOrg();
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenUrl)
      .setExpirationTime('5m')
      .sign(other);
    await expect(oauthRefusal(() => token('phone-mfa.send', forged))).resolves.toMatchObject({
      status: 401,
      error: 'invalid_client',
      message: 'The client_assertion signature is invalid.',
    });
  });

  it('refuses a DPoP-bound app a token without a DPoP proof (Okta cannot send one for a hook)', async () => {
    const { token } = connectedOrg({ dpop_bound_access_tokens: true });
    await expect(oauthRefusal(() => token('phone-mfa.send'))).resolves.toMatchObject({
      error: 'invalid_dpop_proof',
    });
  });

  it('refuses a client no policy includes', async () => {
    const { org, serverId, token } = connectedOrg();
    const [policy] = org.listPolicies(serverId);
    org.deletePolicy(serverId, String(policy?.id));
    await expect(oauthRefusal(() => token('phone-mfa.send'))).resolves.toMatchObject({
      error: 'access_denied',
    });
  });
});
