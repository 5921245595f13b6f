/**
 * The bodies the local Okta answers, shaped as Okta's (the responses Okta's Terraform provider recorded): `_links`
 * with Okta's hints, secrets never returned.
 */
import type {
  App,
  AuthServer,
  EventHook,
  HookKey,
  InlineHook,
  Json,
  LogStream,
  Policy,
  Rule,
  Scope,
} from './org-objects.js';

/** A `_links` entry, with the methods Okta hints. */
function link(base: string, path: string, allow?: string[]) {
  return { href: `${base}${path}`, ...(allow ? { hints: { allow } } : {}) };
}

/** The lifecycle link of an object: `deactivate` while ACTIVE, else `activate`. */
function lifecycleLink(base: string, path: string, status: string, allow?: string[]) {
  const action = status === 'ACTIVE' ? 'deactivate' : 'activate';
  return { [action]: link(base, `${path}/lifecycle/${action}`, allow) };
}

export function serverJson(base: string, s: AuthServer): Json {
  const path = `/api/v1/authorizationServers/${s.id}`;
  return {
    id: s.id,
    name: s.name,
    description: s.description ?? null,
    audiences: s.audiences,
    issuer: `${base}/oauth2/${s.id}`,
    issuerMode: 'ORG_URL',
    status: s.status,
    created: s.created,
    lastUpdated: s.lastUpdated,
    credentials: { signing: { rotationMode: 'AUTO' } },
    default: s.isDefault,
    _links: {
      self: link(base, path, ['GET', 'DELETE', 'PUT']),
      scopes: link(base, `${path}/scopes`, ['GET']),
      policies: link(base, `${path}/policies`, ['GET']),
      ...lifecycleLink(base, path, s.status, ['POST']),
    },
  };
}

export function scopeJson(base: string, server: AuthServer, s: Scope): Json {
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
      self: link(base, `/api/v1/authorizationServers/${server.id}/scopes/${s.id}`, ['GET', 'PUT', 'DELETE']),
    },
  };
}

export function policyJson(base: string, server: AuthServer, p: Policy): Json {
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
      self: link(base, path, ['GET', 'PUT', 'DELETE']),
      rules: link(base, `${path}/rules`, ['GET']),
    },
    type: 'OAUTH_AUTHORIZATION_POLICY',
  };
}

export function ruleJson(base: string, server: AuthServer, policyId: string, r: Rule): Json {
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
      self: link(base, `/api/v1/authorizationServers/${server.id}/policies/${policyId}/rules/${r.id}`, [
        'GET',
        'PUT',
        'DELETE',
      ]),
    },
    type: 'RESOURCE_ACCESS',
  };
}

export function appJson(base: string, a: App): Json {
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
      self: link(base, path),
      ...lifecycleLink(base, path, a.status),
    },
  };
}

export function hookKeyJson(_base: string, k: HookKey, embedded: boolean, isUsed: boolean): Json {
  return {
    id: k.id,
    keyId: k.keyId,
    name: k.name,
    created: k.created,
    lastUpdated: k.lastUpdated,
    isUsed,
    ...(embedded ? { _embedded: { ...k.publicJwk } } : {}),
  };
}

export function inlineHookJson(base: string, h: InlineHook): Json {
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
      self: link(base, path),
      ...(h.status === 'ACTIVE'
        ? {
            execute: link(base, `${path}/execute`, ['POST']),
            deactivate: link(base, `${path}/lifecycle/deactivate`, ['POST']),
          }
        : {
            activate: link(base, `${path}/lifecycle/activate`, ['POST']),
            delete: link(base, path, ['DELETE']),
          }),
    },
  };
}

export function eventHookJson(base: string, h: EventHook): Json {
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
      self: link(base, path),
      verify: link(base, `${path}/lifecycle/verify`, ['POST']),
      ...lifecycleLink(base, path, h.status, ['POST']),
    },
  };
}

export function logStreamJson(base: string, s: LogStream): Json {
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
      self: { href: `${base}${path}`, method: 'GET' },
      // Log streams' links name their method, not hints (as Okta answers them).
      ...Object.fromEntries(
        Object.entries(lifecycleLink(base, path, s.status)).map(([rel, { href }]) => [
          rel,
          { href, method: 'POST' },
        ]),
      ),
    },
  };
}
