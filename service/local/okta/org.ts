/**
 * The local Okta org's objects and Okta's rules for them: authorization servers (scopes, access policies and rules),
 * API Services applications, hook keys, inline hooks, event hooks and log streams. Shapes follow the bodies Okta
 * returns (recorded by Okta's Terraform provider); refusals follow Okta's documented rules. No HTTP here: the
 * management API routes to it, the authorization servers ask it who a client is and what its policies grant.
 */
import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { decodeProtectedHeader, importJWK, type JWK, jwtVerify } from 'jose';
import { scopeProblem } from '../../src/domain/okta-scope.js';
import { type ClientDirectory, OAuthError, type TokenRequest } from '../issuer.js';
import { notFound, OktaApiError, validationFailed } from './api-error.js';

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

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An Okta object id: a 3-character prefix of its kind and 17 random characters (20 in all). */
export function oktaId(prefix: string): string {
  const bytes = randomBytes(17);
  let id = prefix;
  for (const byte of bytes) id += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return id;
}

type Status = 'ACTIVE' | 'INACTIVE';
type Json = Record<string, unknown>;

/** A stored inline hook; the secret (client secret or header value) is never returned. */
type InlineHook = {
  id: string;
  status: Status;
  name: string;
  type: string;
  version: string;
  channel: { type: 'HTTP' | 'OAUTH'; version: string; config: Json };
  secret?: string;
  created: string;
  lastUpdated: string;
};

type HookKey = {
  id: string;
  keyId: string;
  name: string;
  created: string;
  lastUpdated: string;
  privateKey: KeyObject;
  publicJwk: JWK;
};

type App = {
  id: string;
  name: string;
  label: string;
  status: Status;
  signOnMode: string;
  authMethod: 'private_key_jwt' | 'client_secret_basic' | 'client_secret_post';
  clientSecret?: string;
  settings: {
    application_type: string;
    grant_types: string[];
    response_types: string[];
    dpop_bound_access_tokens: boolean;
    jwks?: { keys: JWK[] };
  };
  created: string;
  lastUpdated: string;
};

type Scope = {
  id: string;
  name: string;
  displayName?: string;
  description?: string;
  consent: string;
  metadataPublish: string;
  default: boolean;
  system: boolean;
};
type Rule = {
  id: string;
  name: string;
  status: Status;
  priority: number;
  system: boolean;
  grantTypes: string[];
  scopes: string[];
  groups: string[];
  accessTokenLifetimeMinutes: number;
  created: string;
  lastUpdated: string;
};
type Policy = {
  id: string;
  name: string;
  description?: string;
  status: Status;
  priority: number;
  system: boolean;
  clients: string[];
  rules: Rule[];
  created: string;
  lastUpdated: string;
};

/** A stored authorization server. */
export type AuthServer = {
  id: string;
  name: string;
  description?: string;
  audiences: string[];
  status: Status;
  isDefault: boolean;
  scopes: Scope[];
  policies: Policy[];
  created: string;
  lastUpdated: string;
};

type EventHook = {
  id: string;
  status: Status;
  verificationStatus: 'VERIFIED' | 'UNVERIFIED';
  name: string;
  description: string | null;
  items: string[];
  uri: string;
  headers: Array<{ key: string; value: string }>;
  authKey?: string;
  authValue?: string;
  created: string;
  lastUpdated: string;
};

type LogStream = {
  id: string;
  type: string;
  name: string;
  status: Status;
  settings: Json;
  created: string;
  lastUpdated: string;
};

/** What the org needs from the running stack. */
export type LocalOktaOptions = {
  /** `http://127.0.0.1:PORT`: the org URL, of every `_links` href and issuer. */
  baseUrl: string;
  /** The `default` authorization server's audience. */
  defaultAudience: string;
};

const now = () => new Date().toISOString();

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

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim().length > 0 ? value : undefined;
const object = (value: unknown): Json | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;

/** The local Okta org: its objects and Okta's rules for them. */
export class LocalOktaOrg implements ClientDirectoryFactory {
  readonly baseUrl: string;
  readonly #servers = new Map<string, AuthServer>();
  readonly #apps = new Map<string, App>();
  readonly #hookKeys = new Map<string, HookKey>();
  readonly #inlineHooks = new Map<string, InlineHook>();
  readonly #eventHooks = new Map<string, EventHook>();
  readonly #logStreams = new Map<string, LogStream>();
  /** Client assertion ids already used, until they expire (Okta refuses a replay). */
  readonly #usedAssertions = new Map<string, number>();

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
      .map((s) => this.#serverJson(s));
  }

  getServer(serverId: string): Json {
    return this.#serverJson(this.#serverOrThrow(serverId));
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
    return this.#serverJson(server);
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
    return server.scopes.filter((s) => !q || s.name.startsWith(q)).map((s) => this.#scopeJson(server, s));
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
    return this.#scopeJson(server, scope);
  }

  deleteScope(serverId: string, scopeId: string): void {
    const server = this.#serverOrThrow(serverId);
    const index = server.scopes.findIndex((s) => s.id === scopeId);
    if (index < 0) throw notFound(scopeId, 'OAuth2Scope');
    server.scopes.splice(index, 1);
  }

  listPolicies(serverId: string): Json[] {
    const server = this.#serverOrThrow(serverId);
    return server.policies.map((p) => this.#policyJson(server, p));
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
    return this.#policyJson(server, policy);
  }

  deletePolicy(serverId: string, policyId: string): void {
    const server = this.#serverOrThrow(serverId);
    const index = server.policies.findIndex((p) => p.id === policyId);
    if (index < 0) throw notFound(policyId, 'AuthorizationServerPolicy');
    server.policies.splice(index, 1);
  }

  listRules(serverId: string, policyId: string): Json[] {
    const server = this.#serverOrThrow(serverId);
    return this.#policyOrThrow(server, policyId).rules.map((r) => this.#ruleJson(server, policyId, r));
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
    return this.#ruleJson(server, policyId, rule);
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
      .map((a) => this.#appJson(a));
  }

  getApp(appId: string): Json {
    return this.#appJson(this.#appOrThrow(appId));
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
    const json = this.#appJson(app);
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
    return [...this.#hookKeys.values()].map((k) => this.#hookKeyJson(k, false));
  }

  getHookKey(id: string): Json {
    return this.#hookKeyJson(this.#hookKeyOrThrow(id), false);
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
    return this.#hookKeyJson(key, true);
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
      .map((h) => this.#inlineHookJson(h));
  }

  getInlineHook(id: string): Json {
    return this.#inlineHookJson(this.#inlineHookOrThrow(id));
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
    return this.#inlineHookJson(hook);
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
    return this.#inlineHookJson(hook);
  }

  setInlineHookStatus(id: string, status: Status): Json {
    const hook = this.#inlineHookOrThrow(id);
    if (status === 'ACTIVE' && hook.type === TELEPHONY_HOOK_TYPE) this.#noOtherActiveTelephonyHook(hook.id);
    hook.status = status;
    hook.lastUpdated = now();
    return this.#inlineHookJson(hook);
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
    return [...this.#eventHooks.values()].map((h) => this.#eventHookJson(h));
  }

  getEventHook(id: string): Json {
    return this.#eventHookJson(this.#eventHookOrThrow(id));
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
    return this.#eventHookJson(hook);
  }

  markEventHookVerified(id: string): Json {
    const hook = this.#eventHookOrThrow(id);
    hook.verificationStatus = 'VERIFIED';
    hook.lastUpdated = now();
    return this.#eventHookJson(hook);
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
    return this.#eventHookJson(hook);
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
      .map((s) => this.#logStreamJson(s));
  }

  getLogStream(id: string): Json {
    return this.#logStreamJson(this.#logStreamOrThrow(id));
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
    return this.#logStreamJson(stream);
  }

  setLogStreamStatus(id: string, status: Status): Json {
    const stream = this.#logStreamOrThrow(id);
    stream.status = status;
    stream.lastUpdated = now();
    return this.#logStreamJson(stream);
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
      authenticate: (request) => this.#authenticate(request),
      grant: (clientId, grantType, scopes) => this.#grant(serverId, clientId, grantType, scopes),
    };
  }

  async #authenticate(request: TokenRequest): Promise<string> {
    const { form } = request;
    const assertion = form.get('client_assertion');
    if (assertion !== null) {
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
        throw new OAuthError(400, 'invalid_request', "The 'client_assertion_type' is not supported.");
      }
      return this.#verifyAssertion(assertion, request);
    }
    let clientId = form.get('client_id') ?? undefined;
    let secret = form.get('client_secret') ?? undefined;
    let method: App['authMethod'] = 'client_secret_post';
    const basic = /^\s*basic\s+(\S+)\s*$/i.exec(request.authorization ?? '');
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      clientId = decodeURIComponent(decoded.slice(0, Math.max(colon, 0)));
      secret = decodeURIComponent(decoded.slice(colon + 1));
      method = 'client_secret_basic';
    }
    const app = clientId ? this.#apps.get(clientId) : undefined;
    if (app?.status !== 'ACTIVE') throw new OAuthError(401, 'invalid_client', 'The client_id is invalid.');
    this.#dpopCheck(app, request);
    if (app.authMethod !== method || !app.clientSecret || secret !== app.clientSecret) {
      throw new OAuthError(
        401,
        'invalid_client',
        app.authMethod === 'private_key_jwt'
          ? "Client authentication failed. The client is configured for private_key_jwt: a 'client_assertion' is required."
          : 'The client secret supplied for a confidential client is invalid.',
      );
    }
    return app.id;
  }

  async #verifyAssertion(assertion: string, request: TokenRequest): Promise<string> {
    let kid: string | undefined;
    let issuer: string | undefined;
    try {
      kid = decodeProtectedHeader(assertion).kid;
      issuer = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')).iss;
    } catch {
      throw new OAuthError(401, 'invalid_client', 'The client_assertion is not a valid JWT.');
    }
    const app = issuer ? this.#apps.get(issuer) : undefined;
    if (app?.status !== 'ACTIVE') throw new OAuthError(401, 'invalid_client', 'The client_id is invalid.');
    const formClient = request.form.get('client_id');
    if (formClient !== null && formClient !== app.id) {
      throw new OAuthError(
        401,
        'invalid_client',
        "The 'client_id' does not match the client_assertion's issuer.",
      );
    }
    if (app.authMethod !== 'private_key_jwt') {
      throw new OAuthError(
        401,
        'invalid_client',
        `The client is configured for ${app.authMethod}, not private_key_jwt.`,
      );
    }
    this.#dpopCheck(app, request);
    const keys = app.settings.jwks?.keys ?? [];
    const jwk = kid ? keys.find((k) => k.kid === kid) : keys.length === 1 ? keys[0] : undefined;
    if (!jwk)
      throw new OAuthError(
        401,
        'invalid_client',
        'The client_assertion signature is invalid: no key with its kid.',
      );
    let payload: { exp?: number; iat?: number; jti?: string };
    try {
      const key = await importJWK(
        { kty: jwk.kty, n: jwk.n, e: jwk.e, crv: jwk.crv, x: jwk.x, y: jwk.y } as JWK,
        jwk.kty === 'EC' ? 'ES256' : 'RS256',
      );
      ({ payload } = await jwtVerify(assertion, key, { issuer: app.id, subject: app.id }));
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new OAuthError(
        401,
        'invalid_client',
        code === 'ERR_JWT_EXPIRED'
          ? 'The client_assertion token is expired.'
          : code === 'ERR_JWT_CLAIM_VALIDATION_FAILED'
            ? "The client_assertion's iss and sub must both be the client_id."
            : 'The client_assertion signature is invalid.',
      );
    }
    const audience = (
      JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
        aud?: unknown;
      }
    ).aud;
    const audiences = Array.isArray(audience) ? audience : [audience];
    if (!audiences.includes(request.tokenUrl)) {
      throw new OAuthError(
        401,
        'invalid_client',
        'The audience [aud] claim for client_assertion must be the endpoint invoked for the request.',
      );
    }
    const nowSeconds = Math.floor(Date.now() / 1000);
    if (typeof payload.exp !== 'number')
      throw new OAuthError(401, 'invalid_client', 'The client_assertion has no exp claim.');
    if (payload.exp - nowSeconds > 3600) {
      throw new OAuthError(
        401,
        'invalid_client',
        'The client_assertion token has an expiration too far into the future.',
      );
    }
    if (payload.jti !== undefined) {
      for (const [jti, exp] of this.#usedAssertions) if (exp < nowSeconds) this.#usedAssertions.delete(jti);
      if (this.#usedAssertions.has(`${app.id}:${payload.jti}`)) {
        throw new OAuthError(401, 'invalid_client', 'The client_assertion token has already been used.');
      }
      this.#usedAssertions.set(`${app.id}:${payload.jti}`, payload.exp);
    }
    return app.id;
  }

  #dpopCheck(app: App, request: TokenRequest): void {
    if (app.settings.dpop_bound_access_tokens && !request.dpop) {
      throw new OAuthError(400, 'invalid_dpop_proof', 'The DPoP proof JWT header is missing.');
    }
  }

  #grant(serverId: string, clientId: string, grantType: string, requested: string[]) {
    const server = this.#servers.get(serverId);
    if (server?.status !== 'ACTIVE') throw new OAuthError(404, 'not_found', 'Not found');
    const app = this.#apps.get(clientId);
    if (!app?.settings.grant_types.includes(grantType)) {
      throw new OAuthError(
        400,
        'unauthorized_client',
        `The client is not authorized to use the provided grant type. Configured grant types: [${app?.settings.grant_types.join(', ') ?? ''}].`,
      );
    }
    const scopes =
      requested.length > 0 ? requested : server.scopes.filter((s) => s.default).map((s) => s.name);
    if (scopes.length === 0) {
      throw new OAuthError(
        400,
        'invalid_scope',
        "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
      );
    }
    const unknown = scopes.filter((scope) => !server.scopes.some((s) => s.name === scope));
    if (unknown.length > 0) {
      throw new OAuthError(
        400,
        'invalid_scope',
        'One or more scopes are not configured for the authorization server resource.',
      );
    }
    const policies = server.policies
      .filter(
        (p) => p.status === 'ACTIVE' && (p.clients.includes('ALL_CLIENTS') || p.clients.includes(clientId)),
      )
      .sort((a, b) => a.priority - b.priority);
    for (const policy of policies) {
      const rule = [...policy.rules]
        .filter((r) => r.status === 'ACTIVE' && r.grantTypes.includes(grantType))
        .sort((a, b) => a.priority - b.priority)
        .find((r) => r.scopes.includes('*') || scopes.every((s) => r.scopes.includes(s)));
      if (rule) return { scopes, lifetimeSeconds: rule.accessTokenLifetimeMinutes * 60 };
    }
    throw new OAuthError(
      400,
      'access_denied',
      'Policy evaluation failed for this request, please check the policy configurations.',
    );
  }

  // ---- shapes ----

  #link(path: string, allow?: string[]) {
    return { href: `${this.baseUrl}${path}`, ...(allow ? { hints: { allow } } : {}) };
  }

  #serverJson(s: AuthServer): Json {
    const path = `/api/v1/authorizationServers/${s.id}`;
    return {
      id: s.id,
      name: s.name,
      description: s.description ?? null,
      audiences: s.audiences,
      issuer: this.issuerOf(s.id),
      issuerMode: 'ORG_URL',
      status: s.status,
      created: s.created,
      lastUpdated: s.lastUpdated,
      credentials: { signing: { rotationMode: 'AUTO' } },
      default: s.isDefault,
      _links: {
        self: this.#link(path, ['GET', 'DELETE', 'PUT']),
        scopes: this.#link(`${path}/scopes`, ['GET']),
        policies: this.#link(`${path}/policies`, ['GET']),
        [s.status === 'ACTIVE' ? 'deactivate' : 'activate']: this.#link(
          `${path}/lifecycle/${s.status === 'ACTIVE' ? 'deactivate' : 'activate'}`,
          ['POST'],
        ),
      },
    };
  }

  #scopeJson(server: AuthServer, s: Scope): Json {
    return {
      id: s.id,
      name: s.name,
      displayName: s.displayName ?? null,
      description: s.description ?? null,
      system: s.system,
      metadataPublish: s.metadataPublish,
      consent: s.consent,
      optional: false,
      default: s.default,
      _links: {
        self: this.#link(`/api/v1/authorizationServers/${server.id}/scopes/${s.id}`, [
          'GET',
          'PUT',
          'DELETE',
        ]),
      },
    };
  }

  #policyJson(server: AuthServer, p: Policy): Json {
    const path = `/api/v1/authorizationServers/${server.id}/policies/${p.id}`;
    return {
      id: p.id,
      status: p.status,
      name: p.name,
      description: p.description ?? null,
      priority: p.priority,
      system: p.system,
      conditions: { clients: { include: p.clients } },
      created: p.created,
      lastUpdated: p.lastUpdated,
      _links: {
        self: this.#link(path, ['GET', 'PUT', 'DELETE']),
        rules: this.#link(`${path}/rules`, ['GET']),
      },
      type: 'OAUTH_AUTHORIZATION_POLICY',
    };
  }

  #ruleJson(server: AuthServer, policyId: string, r: Rule): Json {
    return {
      id: r.id,
      status: r.status,
      name: r.name,
      priority: r.priority,
      created: r.created,
      lastUpdated: r.lastUpdated,
      system: r.system,
      conditions: {
        people: { users: { exclude: [] }, groups: { include: r.groups } },
        grantTypes: { include: r.grantTypes },
        scopes: { include: r.scopes },
      },
      actions: {
        token: {
          accessTokenLifetimeMinutes: r.accessTokenLifetimeMinutes,
          refreshTokenLifetimeMinutes: 0,
          refreshTokenWindowMinutes: 10080,
        },
      },
      _links: {
        self: this.#link(`/api/v1/authorizationServers/${server.id}/policies/${policyId}/rules/${r.id}`, [
          'GET',
          'PUT',
          'DELETE',
        ]),
      },
      type: 'RESOURCE_ACCESS',
    };
  }

  #appJson(a: App): Json {
    const path = `/api/v1/apps/${a.id}`;
    return {
      id: a.id,
      name: a.name,
      label: a.label,
      status: a.status,
      created: a.created,
      lastUpdated: a.lastUpdated,
      signOnMode: a.signOnMode,
      credentials: {
        oauthClient: {
          autoKeyRotation: true,
          client_id: a.id,
          token_endpoint_auth_method: a.authMethod,
          pkce_required: false,
        },
      },
      settings: { oauthClient: { ...a.settings } },
      _links: {
        self: this.#link(path),
        [a.status === 'ACTIVE' ? 'deactivate' : 'activate']: this.#link(
          `${path}/lifecycle/${a.status === 'ACTIVE' ? 'deactivate' : 'activate'}`,
        ),
      },
    };
  }

  #hookKeyJson(k: HookKey, embedded: boolean): Json {
    return {
      id: k.id,
      keyId: k.keyId,
      name: k.name,
      created: k.created,
      lastUpdated: k.lastUpdated,
      isUsed: this.#hookKeyUsed(k),
      ...(embedded ? { _embedded: { ...k.publicJwk } } : {}),
    };
  }

  #inlineHookJson(h: InlineHook): Json {
    const path = `/api/v1/inlineHooks/${h.id}`;
    const config: Json = { ...h.channel.config };
    if (h.channel.type === 'HTTP' && h.secret !== undefined) {
      config.authScheme = { type: 'HEADER', key: config.authSchemeKey };
    }
    delete config.authSchemeKey;
    return {
      id: h.id,
      status: h.status,
      name: h.name,
      type: h.type,
      version: h.version,
      channel: { type: h.channel.type, version: h.channel.version, config },
      created: h.created,
      lastUpdated: h.lastUpdated,
      _links: {
        self: this.#link(path),
        ...(h.status === 'ACTIVE'
          ? {
              execute: this.#link(`${path}/execute`, ['POST']),
              deactivate: this.#link(`${path}/lifecycle/deactivate`, ['POST']),
            }
          : {
              activate: this.#link(`${path}/lifecycle/activate`, ['POST']),
              delete: this.#link(path, ['DELETE']),
            }),
      },
    };
  }

  #eventHookJson(h: EventHook): Json {
    const path = `/api/v1/eventHooks/${h.id}`;
    return {
      id: h.id,
      status: h.status,
      verificationStatus: h.verificationStatus,
      name: h.name,
      description: h.description,
      created: h.created,
      lastUpdated: h.lastUpdated,
      events: { type: 'EVENT_TYPE', items: h.items, filter: null },
      channel: {
        type: 'HTTP',
        version: '1.0.0',
        config: {
          uri: h.uri,
          headers: h.headers,
          method: 'POST',
          ...(h.authKey ? { authScheme: { type: 'HEADER', key: h.authKey } } : {}),
        },
      },
      _links: {
        self: this.#link(path),
        verify: this.#link(`${path}/lifecycle/verify`, ['POST']),
        [h.status === 'ACTIVE' ? 'deactivate' : 'activate']: this.#link(
          `${path}/lifecycle/${h.status === 'ACTIVE' ? 'deactivate' : 'activate'}`,
          ['POST'],
        ),
      },
    };
  }

  #logStreamJson(s: LogStream): Json {
    const path = `/api/v1/logStreams/${s.id}`;
    return {
      id: s.id,
      type: s.type,
      name: s.name,
      lastUpdated: s.lastUpdated,
      created: s.created,
      status: s.status,
      settings: { ...s.settings },
      _links: {
        self: { href: `${this.baseUrl}${path}`, method: 'GET' },
        [s.status === 'ACTIVE' ? 'deactivate' : 'activate']: {
          href: `${this.baseUrl}${path}/lifecycle/${s.status === 'ACTIVE' ? 'deactivate' : 'activate'}`,
          method: 'POST',
        },
      },
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

/** What an org gives each of its authorization servers. */
interface ClientDirectoryFactory {
  directoryFor(serverId: string): ClientDirectory;
}
