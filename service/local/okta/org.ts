/**
 * The local Okta org's objects and Okta's rules for them: authorization servers (scopes, access policies and rules),
 * API Services applications, hook keys, inline hooks, event hooks and log streams. Shapes follow the bodies Okta
 * returns (recorded by Okta's Terraform provider); refusals follow Okta's documented rules. No HTTP here: the
 * management API routes to it, the authorization servers ask it who a client is and what its policies grant.
 */
import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import { scopeProblem } from '../../src/domain/okta-scope.js';
import type { ClientDirectory } from '../issuer.js';
import { notFound, OktaApiError, validationFailed } from './api-error.js';
import {
  type App,
  type AuthServer,
  type EventHook,
  type HookKey,
  type InlineHook,
  type Json,
  type LogStream,
  now,
  object,
  oktaId,
  type Policy,
  type Rule,
  type Scope,
  type Status,
  strings,
  text,
} from './org-objects.js';
import {
  appJson,
  eventHookJson,
  hookKeyJson,
  inlineHookJson,
  logStreamJson,
  policyJson,
  ruleJson,
  scopeJson,
  serverJson,
} from './org-shapes.js';
import { OrgTokens } from './org-tokens.js';

/** Okta's per-org limits the local org enforces. */
export const OKTA_LIMITS = { inlineHooks: 100, activeEventHooks: 25, hookKeys: 50, logStreams: 2 } as const;

/** Inline hook types Okta knows. */
export const INLINE_HOOK_TYPES = [
  'com.okta.import.transform',
  'com.okta.oauth2.tokens.transform',
  'com.okta.saml.tokens.transform',
  'com.okta.telephony.provider',
  'com.okta.user.credential.password.import',
  'com.okta.user.pre-registration',
] as const;

/** The telephony inline hook type: one active per org. */
export const TELEPHONY_HOOK_TYPE = 'com.okta.telephony.provider';

/**
 * Event types that Okta's catalogue marks `event-hook-eligible`, of those a phone-MFA deployment may subscribe to
 * (and a few common ones). `inline_hook.response.processed` is not: Okta delivers it only through Log Streaming.
 */
export const EVENT_HOOK_ELIGIBLE = [
  'user.authentication.auth_via_mfa',
  'user.mfa.factor.activate',
  'user.mfa.factor.deactivate',
  'inline_hook.executed',
  'user.lifecycle.create',
  'user.lifecycle.activate',
  'user.lifecycle.deactivate',
  'user.lifecycle.delete.initiated',
  'user.session.start',
  'user.account.lock',
] as const;

/** Event types Okta knows but does not deliver to event hooks (a few, for clear refusals). */
const NOT_EVENT_HOOK_ELIGIBLE = ['inline_hook.response.processed', 'system.org.rate_limit.violation'];

/** The regions Okta's AWS EventBridge log streams can deliver to. */
const LOG_STREAM_REGIONS = [
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-central-1',
  'eu-north-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
];

const GRANT_TYPES = ['authorization_code', 'client_credentials', 'implicit', 'password', 'refresh_token'];

/** What the org needs from the running stack. */
export type LocalOktaOptions = {
  /** `http://127.0.0.1:PORT`: the org URL, of every `_links` href and issuer. */
  baseUrl: string;
  /** The `default` authorization server's audience. */
  defaultAudience: string;
};

/** Whether a URL may be a hook's: https, or http to this machine (the local stack). */
export function hookUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== 'string' || uri.length === 0) return 'must be given';
  if (uri.length > 1024) return 'must be at most 1024 characters';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `"${uri}" is not a URL`;
  }
  if (url.protocol === 'https:') return undefined;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol === 'http:' && loopback) return undefined;
  return `"${uri}" must begin with https:// (Okta calls hooks over HTTPS only; http is accepted for 127.0.0.1 by the local Okta alone)`;
}

/** The local Okta org: its objects and Okta's rules for them. */
export class LocalOktaOrg {
  readonly baseUrl: string;
  readonly #servers = new Map<string, AuthServer>();
  readonly #apps = new Map<string, App>();
  readonly #hookKeys = new Map<string, HookKey>();
  readonly #inlineHooks = new Map<string, InlineHook>();
  readonly #eventHooks = new Map<string, EventHook>();
  readonly #logStreams = new Map<string, LogStream>();
  readonly #tokens = new OrgTokens({
    app: (id) => this.#apps.get(id),
    server: (id) => this.#servers.get(id),
  });

  constructor(options: LocalOktaOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    const created = now();
    // Okta's `default` server: its default policy covers every client, its rule every grant and scope.
    this.#servers.set('default', {
      id: 'default',
      name: 'default',
      description: 'Default Authorization Server for your Applications',
      audiences: [options.defaultAudience],
      status: 'ACTIVE',
      isDefault: true,
      scopes: [],
      policies: [
        {
          id: oktaId('00p'),
          name: 'Default Policy',
          description: 'Default policy description',
          status: 'ACTIVE',
          priority: 1,
          system: false,
          clients: ['ALL_CLIENTS'],
          created,
          lastUpdated: created,
          rules: [
            {
              id: oktaId('0pr'),
              name: 'Default Policy Rule',
              status: 'ACTIVE',
              priority: 1,
              system: false,
              grantTypes: ['client_credentials', 'authorization_code', 'implicit', 'password'],
              scopes: ['*'],
              groups: ['EVERYONE'],
              accessTokenLifetimeMinutes: 60,
              created,
              lastUpdated: created,
            },
          ],
        },
      ],
      created,
      lastUpdated: created,
    });
  }

  // ---- authorization servers ----

  /** The issuer of a server's tokens. */
  issuerOf(serverId: string): string {
    return `${this.baseUrl}/oauth2/${serverId}`;
  }

  /** A server by id, as stored (the token routes use it). */
  server(serverId: string): AuthServer | undefined {
    return this.#servers.get(serverId);
  }

  listServers(q?: string): Json[] {
    const query = q?.toLowerCase();
    return [...this.#servers.values()]
      .filter(
        (s) =>
          !query ||
          s.name.toLowerCase().startsWith(query) ||
          s.audiences.some((a) => a.toLowerCase().startsWith(query)),
      )
      .map((s) => serverJson(this.baseUrl, s));
  }

  getServer(serverId: string): Json {
    return serverJson(this.baseUrl, this.#serverOrThrow(serverId));
  }

  createServer(body: Json): Json {
    const name = text(body.name);
    const audiences = strings(body.audiences);
    const causes: string[] = [];
    if (!name) causes.push('name: The field cannot be left blank.');
    if (audiences?.length !== 1 || !text(audiences[0])) {
      causes.push('audiences: An authorization server has exactly one audience.');
    }
    if (causes.length > 0) throw validationFailed('authorizationServer', ...causes);
    const created = now();
    const server: AuthServer = {
      id: oktaId('aus'),
      name: name as string,
      ...(text(body.description) ? { description: body.description as string } : {}),
      audiences: audiences as string[],
      status: 'ACTIVE',
      isDefault: false,
      scopes: [],
      policies: [],
      created,
      lastUpdated: created,
    };
    this.#servers.set(server.id, server);
    return serverJson(this.baseUrl, server);
  }

  setServerStatus(serverId: string, status: Status): void {
    const server = this.#serverOrThrow(serverId);
    server.status = status;
    server.lastUpdated = now();
  }

  deleteServer(serverId: string): void {
    const server = this.#serverOrThrow(serverId);
    if (server.isDefault)
      throw new OktaApiError(403, 'E0000006', 'You do not have permission to perform the requested action');
    if (server.status === 'ACTIVE') {
      throw validationFailed(
        'authorizationServer',
        'status: Deactivate the authorization server before deleting it.',
      );
    }
    this.#servers.delete(serverId);
  }

  listScopes(serverId: string, q?: string): Json[] {
    const server = this.#serverOrThrow(serverId);
    return server.scopes
      .filter((s) => !q || s.name.startsWith(q))
      .map((s) => scopeJson(this.baseUrl, server, s));
  }

  createScope(serverId: string, body: Json): Json {
    const server = this.#serverOrThrow(serverId);
    const name = text(body.name);
    if (!name) throw validationFailed('OAuth2Scope', 'name: The field cannot be left blank.');
    const problem = scopeProblem(name);
    if (problem) throw validationFailed('OAuth2Scope', `name: ${problem}`);
    if (server.scopes.some((s) => s.name === name)) {
      throw validationFailed('OAuth2Scope', 'name: A scope with this name already exists.');
    }
    const consent = text(body.consent) ?? 'IMPLICIT';
    if (!['IMPLICIT', 'REQUIRED', 'FLEXIBLE'].includes(consent)) {
      throw validationFailed(
        'OAuth2Scope',
        `consent: "${consent}" is not one of IMPLICIT, REQUIRED, FLEXIBLE.`,
      );
    }
    const metadataPublish = text(body.metadataPublish) ?? 'NO_CLIENTS';
    if (!['ALL_CLIENTS', 'NO_CLIENTS'].includes(metadataPublish)) {
      throw validationFailed(
        'OAuth2Scope',
        `metadataPublish: "${metadataPublish}" is not one of ALL_CLIENTS, NO_CLIENTS.`,
      );
    }
    const scope: Scope = {
      id: oktaId('scp'),
      name,
      ...(text(body.displayName) ? { displayName: body.displayName as string } : {}),
      ...(text(body.description) ? { description: body.description as string } : {}),
      consent,
      metadataPublish,
      default: body.default === true,
      system: false,
    };
    server.scopes.push(scope);
    return scopeJson(this.baseUrl, server, scope);
  }

  deleteScope(serverId: string, scopeId: string): void {
    const server = this.#serverOrThrow(serverId);
    const index = server.scopes.findIndex((s) => s.id === scopeId);
    if (index < 0) throw notFound(scopeId, 'OAuth2Scope');
    server.scopes.splice(index, 1);
  }

  listPolicies(serverId: string): Json[] {
    const server = this.#serverOrThrow(serverId);
    return server.policies.map((p) => policyJson(this.baseUrl, server, p));
  }

  createPolicy(serverId: string, body: Json): Json {
    const server = this.#serverOrThrow(serverId);
    const causes: string[] = [];
    if (body.type !== 'OAUTH_AUTHORIZATION_POLICY') causes.push('type: must be OAUTH_AUTHORIZATION_POLICY.');
    const name = text(body.name);
    if (!name) causes.push('name: The field cannot be left blank.');
    const clients = strings(object(object(body.conditions)?.clients)?.include);
    if (!clients || clients.length === 0) {
      causes.push('conditions.clients.include: list the client ids, or ALL_CLIENTS.');
    }
    if (causes.length > 0) throw validationFailed('policy', ...causes);
    const created = now();
    const policy: Policy = {
      id: oktaId('00p'),
      name: name as string,
      ...(text(body.description) ? { description: body.description as string } : {}),
      status: body.status === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE',
      priority: typeof body.priority === 'number' ? body.priority : server.policies.length + 1,
      system: false,
      clients: clients as string[],
      rules: [],
      created,
      lastUpdated: created,
    };
    server.policies.push(policy);
    return policyJson(this.baseUrl, server, policy);
  }

  deletePolicy(serverId: string, policyId: string): void {
    const server = this.#serverOrThrow(serverId);
    const index = server.policies.findIndex((p) => p.id === policyId);
    if (index < 0) throw notFound(policyId, 'AuthorizationServerPolicy');
    server.policies.splice(index, 1);
  }

  listRules(serverId: string, policyId: string): Json[] {
    const server = this.#serverOrThrow(serverId);
    return this.#policyOrThrow(server, policyId).rules.map((r) =>
      ruleJson(this.baseUrl, server, policyId, r),
    );
  }

  createRule(serverId: string, policyId: string, body: Json): Json {
    const server = this.#serverOrThrow(serverId);
    const policy = this.#policyOrThrow(server, policyId);
    const causes: string[] = [];
    if (body.type !== 'RESOURCE_ACCESS') causes.push('type: must be RESOURCE_ACCESS.');
    const name = text(body.name);
    if (!name) causes.push('name: The field cannot be left blank.');
    const conditions = object(body.conditions) ?? {};
    const grantTypes = strings(object(conditions.grantTypes)?.include) ?? [];
    if (grantTypes.length === 0) causes.push('conditions.grantTypes.include: list at least one grant type.');
    for (const grant of grantTypes) {
      if (!GRANT_TYPES.includes(grant))
        causes.push(`conditions.grantTypes.include: "${grant}" is not a grant type.`);
    }
    const scopes = strings(object(conditions.scopes)?.include) ?? [];
    if (scopes.length === 0) causes.push("conditions.scopes.include: list the scopes, or '*'.");
    for (const scope of scopes) {
      if (scope !== '*' && !server.scopes.some((s) => s.name === scope)) {
        causes.push(
          `conditions.scopes.include: the scope "${scope}" does not exist on this authorization server.`,
        );
      }
    }
    const groups = strings(object(object(conditions.people)?.groups)?.include) ?? [];
    const users = strings(object(object(conditions.people)?.users)?.include) ?? [];
    if (groups.length === 0 && users.length === 0) {
      causes.push('conditions.people: include groups (e.g. EVERYONE) or users.');
    }
    const token = object(object(body.actions)?.token) ?? {};
    const lifetime = token.accessTokenLifetimeMinutes ?? 60;
    if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < 5 || lifetime > 1440) {
      causes.push('actions.token.accessTokenLifetimeMinutes: must be between 5 and 1440.');
    }
    if (causes.length > 0) throw validationFailed('policyRule', ...causes);
    const created = now();
    const rule: Rule = {
      id: oktaId('0pr'),
      name: name as string,
      status: 'ACTIVE',
      priority: typeof body.priority === 'number' ? body.priority : policy.rules.length + 1,
      system: false,
      grantTypes,
      scopes,
      groups,
      accessTokenLifetimeMinutes: lifetime as number,
      created,
      lastUpdated: created,
    };
    policy.rules.push(rule);
    return ruleJson(this.baseUrl, server, policyId, rule);
  }

  deleteRule(serverId: string, policyId: string, ruleId: string): void {
    const policy = this.#policyOrThrow(this.#serverOrThrow(serverId), policyId);
    const index = policy.rules.findIndex((r) => r.id === ruleId);
    if (index < 0) throw notFound(ruleId, 'AuthorizationServerPolicyRule');
    policy.rules.splice(index, 1);
  }

  // ---- applications ----

  listApps(q?: string): Json[] {
    const query = q?.toLowerCase();
    return [...this.#apps.values()]
      .filter(
        (a) => !query || a.label.toLowerCase().startsWith(query) || a.name.toLowerCase().startsWith(query),
      )
      .map((a) => appJson(this.baseUrl, a));
  }

  getApp(appId: string): Json {
    return appJson(this.baseUrl, this.#appOrThrow(appId));
  }

  createApp(body: Json, activate: boolean): Json {
    const causes: string[] = [];
    const label = text(body.label);
    if (!label) causes.push('label: The field cannot be left blank.');
    if (body.signOnMode !== 'OPENID_CONNECT') {
      causes.push('signOnMode: the local Okta makes OPENID_CONNECT (API Services) applications only.');
    }
    const oauthClient = object(object(body.settings)?.oauthClient) ?? {};
    const credentials = object(object(body.credentials)?.oauthClient) ?? {};
    const authMethod = (text(credentials.token_endpoint_auth_method) ??
      'client_secret_basic') as App['authMethod'];
    if (!['private_key_jwt', 'client_secret_basic', 'client_secret_post'].includes(authMethod)) {
      causes.push(`credentials.oauthClient.token_endpoint_auth_method: "${authMethod}" is not supported.`);
    }
    const applicationType = text(oauthClient.application_type) ?? 'web';
    const grantTypes = strings(oauthClient.grant_types) ?? [];
    if (grantTypes.length === 0)
      causes.push('settings.oauthClient.grant_types: The field cannot be left blank.');
    if (applicationType === 'service' && grantTypes.some((g) => g !== 'client_credentials')) {
      causes.push('settings.oauthClient.grant_types: a service application may use client_credentials only.');
    }
    const keys = object(oauthClient.jwks)?.keys;
    const jwks = Array.isArray(keys) ? (keys as JWK[]) : undefined;
    if (authMethod === 'private_key_jwt') {
      if (!jwks || jwks.length === 0) {
        causes.push(
          'settings.oauthClient.jwks: private_key_jwt needs the client public keys (jwks or jwks_uri).',
        );
      }
      for (const key of jwks ?? []) {
        if (key.d !== undefined) causes.push('settings.oauthClient.jwks: a key must be public (no "d").');
        if (key.kty !== 'RSA' && key.kty !== 'EC')
          causes.push('settings.oauthClient.jwks: keys are RSA or EC.');
        if (
          key.alg !== undefined &&
          !['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'].includes(key.alg)
        ) {
          causes.push(
            `settings.oauthClient.jwks: "${key.alg}" is not a signing algorithm (RS256, ES256, …).`,
          );
        }
      }
    }
    if (label && [...this.#apps.values()].some((a) => a.label === label)) {
      throw new OktaApiError(
        400,
        'E0000040',
        'Application label must not be the same as an existing application label.',
      );
    }
    if (causes.length > 0) throw validationFailed('app', ...causes);
    const created = now();
    const id = oktaId('0oa');
    const app: App = {
      id,
      name: text(body.name) ?? 'oidc_client',
      label: label as string,
      status: activate ? 'ACTIVE' : 'INACTIVE',
      signOnMode: 'OPENID_CONNECT',
      authMethod,
      ...(authMethod === 'private_key_jwt' ? {} : { clientSecret: randomBytes(30).toString('base64url') }),
      settings: {
        application_type: applicationType,
        grant_types: grantTypes,
        response_types: strings(oauthClient.response_types) ?? ['token'],
        dpop_bound_access_tokens: oauthClient.dpop_bound_access_tokens === true,
        ...(jwks
          ? { jwks: { keys: jwks.map((key) => ({ ...key, id: oktaId('pks'), status: 'ACTIVE' })) } }
          : {}),
      },
      created,
      lastUpdated: created,
    };
    this.#apps.set(id, app);
    // The secret is returned once, on create, as Okta does.
    const json = appJson(this.baseUrl, app);
    if (app.clientSecret) {
      (object(json.credentials)?.oauthClient as Json).client_secret = app.clientSecret;
    }
    return json;
  }

  setAppStatus(appId: string, status: Status): void {
    const app = this.#appOrThrow(appId);
    app.status = status;
    app.lastUpdated = now();
  }

  deleteApp(appId: string): void {
    const app = this.#appOrThrow(appId);
    if (app.status === 'ACTIVE')
      throw new OktaApiError(403, 'E0000056', 'Delete application forbidden.', [
        'Deactivate the application first.',
      ]);
    this.#apps.delete(appId);
  }

  // ---- hook keys ----

  listHookKeys(): Json[] {
    return [...this.#hookKeys.values()].map((k) => hookKeyJson(this.baseUrl, k, false, this.#hookKeyUsed(k)));
  }

  getHookKey(id: string): Json {
    const key = this.#hookKeyOrThrow(id);
    return hookKeyJson(this.baseUrl, key, false, this.#hookKeyUsed(key));
  }

  createHookKey(body: Json): Json {
    const name = text(body.name);
    if (!name) throw validationFailed('hookKey', 'name: The field cannot be left blank.');
    if ([...this.#hookKeys.values()].some((k) => k.name === name)) {
      throw validationFailed('hookKey', 'name: A key with this name already exists.');
    }
    if (this.#hookKeys.size >= OKTA_LIMITS.hookKeys) {
      throw validationFailed(
        'hookKey',
        `The org has reached its limit of ${OKTA_LIMITS.hookKeys} hook keys.`,
      );
    }
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyId = randomUUID();
    const { n, e } = publicKey.export({ format: 'jwk' });
    const created = now();
    const key: HookKey = {
      id: oktaId('HKY'),
      keyId,
      name,
      created,
      lastUpdated: created,
      privateKey,
      publicJwk: { kty: 'RSA', alg: 'RSA', kid: keyId, use: null as unknown as string, e, n },
    };
    this.#hookKeys.set(key.id, key);
    return hookKeyJson(this.baseUrl, key, true, this.#hookKeyUsed(key));
  }

  /** `GET /api/v1/hook-keys/public/{keyId}`: the public JWK Okta signs client assertions for. */
  publicHookKey(keyId: string): Json {
    const key = [...this.#hookKeys.values()].find((k) => k.keyId === keyId);
    if (!key) throw notFound(keyId, 'HookKey');
    return { ...key.publicJwk };
  }

  deleteHookKey(id: string): void {
    const key = this.#hookKeyOrThrow(id);
    if (this.#hookKeyUsed(key)) {
      throw validationFailed('hookKey', 'A hook key an inline hook uses cannot be deleted.');
    }
    this.#hookKeys.delete(id);
  }

  /** The private key of a hook key, for the local Okta's own calls (never returned). */
  hookKeySigner(hookKeyId: string): { keyId: string; privateKey: KeyObject } | undefined {
    const key = this.#hookKeys.get(hookKeyId);
    return key ? { keyId: key.keyId, privateKey: key.privateKey } : undefined;
  }

  // ---- inline hooks ----

  listInlineHooks(type?: string): Json[] {
    return [...this.#inlineHooks.values()]
      .filter((h) => !type || h.type === type)
      .map((h) => inlineHookJson(this.baseUrl, h));
  }

  getInlineHook(id: string): Json {
    return inlineHookJson(this.baseUrl, this.#inlineHookOrThrow(id));
  }

  /** The stored hook, with its secret, for the local Okta's own calls. */
  inlineHook(id: string): Readonly<InlineHook> | undefined {
    return this.#inlineHooks.get(id);
  }

  createInlineHook(body: Json): Json {
    const type = text(body.type);
    const causes: string[] = [];
    if (!text(body.name)) causes.push('name: The field cannot be left blank.');
    if (!type || !(INLINE_HOOK_TYPES as readonly string[]).includes(type)) {
      causes.push(`type: must be one of ${INLINE_HOOK_TYPES.join(', ')}.`);
    }
    if (body.version !== '1.0.0') causes.push('version: must be 1.0.0.');
    const channel = this.#validChannel(body.channel, causes);
    if (causes.length > 0) throw validationFailed('inlineHook', ...causes);
    if (this.#inlineHooks.size >= OKTA_LIMITS.inlineHooks) {
      throw validationFailed(
        'inlineHook',
        `The org has reached its limit of ${OKTA_LIMITS.inlineHooks} inline hooks.`,
      );
    }
    this.#uniqueHookName(body.name as string);
    if (type === TELEPHONY_HOOK_TYPE) this.#noOtherActiveTelephonyHook(undefined);
    const created = now();
    const hook: InlineHook = {
      id: oktaId('cal'),
      status: 'ACTIVE',
      name: body.name as string,
      type: type as string,
      version: '1.0.0',
      channel: channel.channel,
      ...(channel.secret !== undefined ? { secret: channel.secret } : {}),
      created,
      lastUpdated: created,
    };
    this.#inlineHooks.set(hook.id, hook);
    return inlineHookJson(this.baseUrl, hook);
  }

  /** `PUT`: name, version and channel replaced; the type stays. */
  replaceInlineHook(id: string, body: Json): Json {
    const hook = this.#inlineHookOrThrow(id);
    const causes: string[] = [];
    if (!text(body.name)) causes.push('name: The field cannot be left blank.');
    if (body.type !== undefined && body.type !== hook.type)
      causes.push('type: an inline hook keeps its type.');
    if (body.version !== '1.0.0') causes.push('version: must be 1.0.0.');
    const channel = this.#validChannel(body.channel, causes);
    if (causes.length > 0) throw validationFailed('inlineHook', ...causes);
    if (body.name !== hook.name) this.#uniqueHookName(body.name as string);
    hook.name = body.name as string;
    hook.channel = channel.channel;
    if (channel.secret !== undefined) hook.secret = channel.secret;
    else delete hook.secret;
    hook.lastUpdated = now();
    return inlineHookJson(this.baseUrl, hook);
  }

  setInlineHookStatus(id: string, status: Status): Json {
    const hook = this.#inlineHookOrThrow(id);
    if (status === 'ACTIVE' && hook.type === TELEPHONY_HOOK_TYPE) this.#noOtherActiveTelephonyHook(hook.id);
    hook.status = status;
    hook.lastUpdated = now();
    return inlineHookJson(this.baseUrl, hook);
  }

  deleteInlineHook(id: string): void {
    const hook = this.#inlineHookOrThrow(id);
    if (hook.status === 'ACTIVE') {
      throw validationFailed(
        'inlineHook',
        'status: Only an INACTIVE inline hook can be deleted; deactivate it first.',
      );
    }
    this.#inlineHooks.delete(id);
  }

  // ---- event hooks ----

  listEventHooks(): Json[] {
    return [...this.#eventHooks.values()].map((h) => eventHookJson(this.baseUrl, h));
  }

  getEventHook(id: string): Json {
    return eventHookJson(this.baseUrl, this.#eventHookOrThrow(id));
  }

  /** The stored event hook, with its header secret, for the local Okta's own calls. */
  eventHook(id: string): Readonly<EventHook> | undefined {
    return this.#eventHooks.get(id);
  }

  /** The active, verified event hooks subscribed to an event type. */
  eventHooksFor(eventType: string): Array<Readonly<EventHook>> {
    return [...this.#eventHooks.values()].filter(
      (h) => h.status === 'ACTIVE' && h.verificationStatus === 'VERIFIED' && h.items.includes(eventType),
    );
  }

  createEventHook(body: Json): Json {
    const causes: string[] = [];
    const name = text(body.name);
    if (!name) causes.push('name: The field cannot be left blank.');
    const events = object(body.events);
    if (events?.type !== 'EVENT_TYPE') causes.push('events.type: must be EVENT_TYPE.');
    const items = strings(events?.items) ?? [];
    if (items.length === 0) causes.push('events.items: subscribe to at least one event type.');
    if (items.length > 300) causes.push('events.items: at most 300 event types.');
    for (const item of items) {
      if (!(EVENT_HOOK_ELIGIBLE as readonly string[]).includes(item)) {
        causes.push(
          NOT_EVENT_HOOK_ELIGIBLE.includes(item)
            ? `events.items: "${item}" is not event hook eligible (Okta delivers it only through Log Streaming).`
            : `events.items: "${item}" is not an event hook eligible event type.`,
        );
      }
    }
    const channel = object(body.channel);
    const config = object(channel?.config) ?? {};
    if (channel?.type !== 'HTTP') causes.push('channel.type: must be HTTP.');
    if (channel?.version !== '1.0.0') causes.push('channel.version: must be 1.0.0.');
    const uriProblem = hookUriProblem(config.uri);
    if (uriProblem) causes.push(`channel.config.uri: ${uriProblem}`);
    const authScheme = object(config.authScheme);
    if (authScheme && (authScheme.type !== 'HEADER' || !text(authScheme.key) || !text(authScheme.value))) {
      causes.push('channel.config.authScheme: type HEADER with a key and a value.');
    }
    const headers = this.#validHeaders(config.headers, causes, 'channel.config.headers');
    if (causes.length > 0) throw validationFailed('eventHook', ...causes);
    if ([...this.#eventHooks.values()].some((h) => h.name === name)) {
      throw validationFailed('eventHook', 'name: An event hook with this name already exists.');
    }
    if (
      [...this.#eventHooks.values()].filter((h) => h.status === 'ACTIVE').length >=
      OKTA_LIMITS.activeEventHooks
    ) {
      throw validationFailed(
        'eventHook',
        `The org has reached its limit of ${OKTA_LIMITS.activeEventHooks} active event hooks.`,
      );
    }
    const created = now();
    const hook: EventHook = {
      id: oktaId('who'),
      status: 'ACTIVE',
      verificationStatus: 'UNVERIFIED',
      name: name as string,
      description: text(body.description) ?? null,
      items,
      uri: config.uri as string,
      headers,
      ...(authScheme ? { authKey: authScheme.key as string, authValue: authScheme.value as string } : {}),
      created,
      lastUpdated: created,
    };
    this.#eventHooks.set(hook.id, hook);
    return eventHookJson(this.baseUrl, hook);
  }

  markEventHookVerified(id: string): Json {
    const hook = this.#eventHookOrThrow(id);
    hook.verificationStatus = 'VERIFIED';
    hook.lastUpdated = now();
    return eventHookJson(this.baseUrl, hook);
  }

  setEventHookStatus(id: string, status: Status): Json {
    const hook = this.#eventHookOrThrow(id);
    if (status === 'ACTIVE' && hook.status !== 'ACTIVE') {
      const active = [...this.#eventHooks.values()].filter((h) => h.status === 'ACTIVE').length;
      if (active >= OKTA_LIMITS.activeEventHooks) {
        throw validationFailed(
          'eventHook',
          `The org has reached its limit of ${OKTA_LIMITS.activeEventHooks} active event hooks.`,
        );
      }
    }
    hook.status = status;
    hook.lastUpdated = now();
    return eventHookJson(this.baseUrl, hook);
  }

  deleteEventHook(id: string): void {
    const hook = this.#eventHookOrThrow(id);
    if (hook.status === 'ACTIVE') {
      throw validationFailed(
        'eventHook',
        'status: Only an INACTIVE event hook can be deleted; deactivate it first.',
      );
    }
    this.#eventHooks.delete(id);
  }

  // ---- log streams ----

  listLogStreams(filter?: string): Json[] {
    const match = filter ? /^(status|type) eq "([^"]+)"$/.exec(filter.trim()) : undefined;
    if (filter && !match)
      throw validationFailed('filter', `filter: "${filter}" is not supported (status or type, eq).`);
    return [...this.#logStreams.values()]
      .filter((s) => !match || (match[1] === 'type' ? s.type : s.status) === match[2])
      .map((s) => logStreamJson(this.baseUrl, s));
  }

  getLogStream(id: string): Json {
    return logStreamJson(this.baseUrl, this.#logStreamOrThrow(id));
  }

  createLogStream(body: Json): Json {
    const causes: string[] = [];
    const name = text(body.name);
    if (!name) causes.push('name: The field cannot be left blank.');
    if (body.type !== 'aws_eventbridge')
      causes.push('type: the local Okta makes aws_eventbridge log streams only.');
    const settings = object(body.settings) ?? {};
    if (typeof settings.accountId !== 'string' || !/^\d{12}$/.test(settings.accountId)) {
      causes.push('settings.accountId: an AWS account id is 12 digits.');
    }
    if (typeof settings.region !== 'string' || !LOG_STREAM_REGIONS.includes(settings.region)) {
      causes.push(`settings.region: must be one of ${LOG_STREAM_REGIONS.join(', ')}.`);
    }
    if (
      typeof settings.eventSourceName !== 'string' ||
      !/^[a-zA-Z0-9.\-_]{1,75}$/.test(settings.eventSourceName)
    ) {
      causes.push('settings.eventSourceName: 1 to 75 letters, digits, ".", "-" or "_".');
    }
    if (causes.length > 0) throw validationFailed('logStream', ...causes);
    if ([...this.#logStreams.values()].some((s) => s.name === name)) {
      throw validationFailed('logStream', 'name: A log stream with this name already exists.');
    }
    if (this.#logStreams.size >= OKTA_LIMITS.logStreams) {
      throw validationFailed(
        'logStream',
        `The org has reached its limit of ${OKTA_LIMITS.logStreams} log streams.`,
      );
    }
    const created = now();
    const stream: LogStream = {
      id: oktaId('0oa'),
      type: 'aws_eventbridge',
      name: name as string,
      status: 'ACTIVE',
      settings: {
        accountId: settings.accountId,
        eventSourceName: settings.eventSourceName,
        region: settings.region,
      },
      created,
      lastUpdated: created,
    };
    this.#logStreams.set(stream.id, stream);
    return logStreamJson(this.baseUrl, stream);
  }

  setLogStreamStatus(id: string, status: Status): Json {
    const stream = this.#logStreamOrThrow(id);
    stream.status = status;
    stream.lastUpdated = now();
    return logStreamJson(this.baseUrl, stream);
  }

  deleteLogStream(id: string): void {
    const stream = this.#logStreamOrThrow(id);
    if (stream.status === 'ACTIVE') {
      throw validationFailed(
        'logStream',
        'status: Only an INACTIVE log stream can be deleted; deactivate it first.',
      );
    }
    this.#logStreams.delete(id);
  }

  // ---- what an authorization server asks ----

  /** The client directory of one authorization server: the org's apps, that server's policies. */
  directoryFor(serverId: string): ClientDirectory {
    return {
      authenticate: (request) => this.#tokens.authenticate(request),
      grant: (clientId, grantType, scopes) => this.#tokens.grant(serverId, clientId, grantType, scopes),
    };
  }

  // ---- helpers ----

  /** A hook's channel as Okta validates it; the secret kept apart. */
  #validChannel(value: unknown, causes: string[]): { channel: InlineHook['channel']; secret?: string } {
    const channel = object(value);
    const config = object(channel?.config) ?? {};
    const type = channel?.type;
    if (type !== 'HTTP' && type !== 'OAUTH') causes.push('channel.type: must be HTTP or OAUTH.');
    if (channel?.version !== '1.0.0') causes.push('channel.version: must be 1.0.0.');
    const uriProblem = hookUriProblem(config.uri);
    if (uriProblem) causes.push(`channel.config.uri: ${uriProblem}`);
    if (config.method !== undefined && config.method !== 'POST')
      causes.push('channel.config.method: must be POST.');
    const headers = this.#validHeaders(config.headers, causes, 'channel.config.headers');
    const stored: Json = { uri: config.uri, headers, method: 'POST' };
    let secret: string | undefined;
    if (type === 'HTTP') {
      const scheme = object(config.authScheme);
      if (scheme) {
        if (scheme.type !== 'HEADER' || !text(scheme.key) || !text(scheme.value)) {
          causes.push('channel.config.authScheme: type HEADER with a key and a value.');
        } else {
          stored.authSchemeKey = scheme.key;
          secret = scheme.value as string;
        }
      }
    }
    if (type === 'OAUTH') {
      if (config.authScheme !== undefined && config.authScheme !== null) {
        causes.push('channel.config.authScheme: must be null for an OAUTH channel.');
      }
      const authType = config.authType;
      if (!text(config.clientId)) causes.push('channel.config.clientId: The field cannot be left blank.');
      const tokenProblem = hookUriProblem(config.tokenUrl);
      if (tokenProblem) causes.push(`channel.config.tokenUrl: ${tokenProblem}`);
      if (authType === 'private_key_jwt') {
        if (config.clientSecret !== undefined && config.clientSecret !== null) {
          causes.push('channel.config.clientSecret: must be null with private_key_jwt.');
        }
        if (!text(config.hookKeyId) || !this.#hookKeys.has(config.hookKeyId as string)) {
          causes.push('channel.config.hookKeyId: the id (HKY…) of an existing hook key.');
        }
      } else if (authType === 'client_secret_post') {
        if (config.hookKeyId !== undefined && config.hookKeyId !== null) {
          causes.push('channel.config.hookKeyId: must be null with client_secret_post.');
        }
        if (!text(config.clientSecret))
          causes.push('channel.config.clientSecret: The field cannot be left blank.');
        else secret = config.clientSecret as string;
      } else {
        causes.push('channel.config.authType: must be private_key_jwt or client_secret_post.');
      }
      Object.assign(stored, {
        authScheme: null,
        clientId: config.clientId,
        tokenUrl: config.tokenUrl,
        authType,
        scope: text(config.scope) ?? null,
        ...(authType === 'private_key_jwt' ? { hookKeyId: config.hookKeyId } : {}),
      });
    }
    return {
      channel: { type: type as 'HTTP' | 'OAUTH', version: '1.0.0', config: stored },
      ...(secret !== undefined ? { secret } : {}),
    };
  }

  #validHeaders(value: unknown, causes: string[], field: string): Array<{ key: string; value: string }> {
    if (value === undefined || value === null) return [];
    if (
      !Array.isArray(value) ||
      !value.every((h) => text(object(h)?.key) && typeof object(h)?.value === 'string')
    ) {
      causes.push(`${field}: a list of {key, value}.`);
      return [];
    }
    return (value as Array<{ key: string; value: string }>).map(({ key, value: v }) => ({ key, value: v }));
  }

  #uniqueHookName(name: string): void {
    if ([...this.#inlineHooks.values()].some((h) => h.name === name)) {
      throw validationFailed('inlineHook', 'name: An inline hook with this name already exists.');
    }
  }

  #noOtherActiveTelephonyHook(except: string | undefined): void {
    const active = [...this.#inlineHooks.values()].find(
      (h) => h.type === TELEPHONY_HOOK_TYPE && h.status === 'ACTIVE' && h.id !== except,
    );
    if (active) {
      throw validationFailed(
        'inlineHook',
        `status: An org has one active telephony inline hook, and "${active.name}" (${active.id}) is active: deactivate it first.`,
      );
    }
  }

  #hookKeyUsed(key: HookKey): boolean {
    return [...this.#inlineHooks.values()].some((h) => h.channel.config.hookKeyId === key.id);
  }

  #serverOrThrow(id: string): AuthServer {
    const server = this.#servers.get(id);
    if (!server) throw notFound(id, 'AuthorizationServer');
    return server;
  }

  #policyOrThrow(server: AuthServer, id: string): Policy {
    const policy = server.policies.find((p) => p.id === id);
    if (!policy) throw notFound(id, 'AuthorizationServerPolicy');
    return policy;
  }

  #appOrThrow(id: string): App {
    const app = this.#apps.get(id);
    if (!app) throw notFound(id, 'App');
    return app;
  }

  #hookKeyOrThrow(id: string): HookKey {
    const key = this.#hookKeys.get(id);
    if (!key) throw notFound(id, 'HookKey');
    return key;
  }

  #inlineHookOrThrow(id: string): InlineHook {
    const hook = this.#inlineHooks.get(id);
    if (!hook) throw notFound(id, 'InlineHook');
    return hook;
  }

  #eventHookOrThrow(id: string): EventHook {
    const hook = this.#eventHooks.get(id);
    if (!hook) throw notFound(id, 'EventHook');
    return hook;
  }

  #logStreamOrThrow(id: string): LogStream {
    const stream = this.#logStreams.get(id);
    if (!stream) throw notFound(id, 'LogStream');
    return stream;
  }
}
