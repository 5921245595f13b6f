/**
 * The local Okta management API (`/api/v1/...`) over {@link LocalOktaOrg}: `Authorization: SSWS <token>` and nothing
 * else, Okta's error bodies and statuses, `limit`/`after` pagination with `Link` headers where Okta paginates, and the
 * rate-limit answer (429 with `X-Rate-Limit-Reset`) when the `okta` fault asks for it. `execute` and an event hook's
 * `verify` make the calls Okta makes ({@link HookCaller}).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  invalidToken,
  methodNotAllowed,
  notFound,
  notWellFormed,
  OktaApiError,
  rateLimited,
} from './api-error.js';
import type { HookCaller } from './hook-caller.js';
import type { LocalOktaOrg } from './org.js';

/** The local Okta's API token: printed in the banner; the only credential the management API accepts. */
export const LOCAL_OKTA_API_TOKEN = 'local-okta-api-token';

/** Requests per minute the local Okta reports in `X-Rate-Limit-Limit`. */
const RATE_LIMIT = 600;

type Json = Record<string, unknown>;
type Answer = { status: number; body?: unknown; headers?: Record<string, string> };
type Route = {
  pattern: RegExp;
  methods: Partial<Record<string, (match: string[], url: URL, body: () => Json) => Answer | Promise<Answer>>>;
};

/** What the management API is told by the stack. */
export type ManagementApiOptions = {
  org: LocalOktaOrg;
  hooks: HookCaller;
  /** @default {@link LOCAL_OKTA_API_TOKEN} */
  apiToken?: string;
};

/** How a list pages: Okta's default and largest `limit`. */
type Paging = { defaultLimit: number; maxLimit: number };

/** The local Okta management API. */
export class LocalOktaManagementApi {
  readonly #org: LocalOktaOrg;
  readonly #hooks: HookCaller;
  readonly #apiToken: string;
  readonly #routes: Route[];
  /** Requests still to be answered 429 (the `okta` fault). */
  #rateLimited = 0;

  constructor(options: ManagementApiOptions) {
    this.#org = options.org;
    this.#hooks = options.hooks;
    this.#apiToken = options.apiToken ?? LOCAL_OKTA_API_TOKEN;
    this.#routes = this.#table();
  }

  /** The next `count` requests are answered 429, as Okta answers past its rate limit. */
  rateLimitNext(count: number): void {
    this.#rateLimited = count;
  }

  /**
   * Answers one `/api/v1/...` request.
   *
   * @param req - the request (its headers)
   * @param res - the response
   * @param rawBody - the body read, or undefined when it was too large
   */
  async handle(req: IncomingMessage, res: ServerResponse, rawBody: Buffer | undefined): Promise<void> {
    const url = new URL(req.url ?? '/', this.#org.baseUrl);
    try {
      this.#authenticate(req.headers.authorization);
      if (this.#rateLimited > 0) {
        this.#rateLimited -= 1;
        throw rateLimited(Math.ceil(Date.now() / 1000) + 1, RATE_LIMIT);
      }
      const answer = await this.#route(req.method ?? 'GET', url, rawBody);
      send(res, answer.status, answer.body, { ...rateHeaders(), ...answer.headers });
    } catch (error) {
      if (!(error instanceof OktaApiError)) throw error;
      send(res, error.status, error.body(), { ...rateHeaders(), ...error.headers });
    }
  }

  #authenticate(header: string | undefined): void {
    if (!header) {
      throw new OktaApiError(403, 'E0000005', 'Invalid session');
    }
    const match = /^SSWS (\S+)$/.exec(header.trim());
    if (!match || match[1] !== this.#apiToken) throw invalidToken();
  }

  async #route(method: string, url: URL, rawBody: Buffer | undefined): Promise<Answer> {
    const path = url.pathname.replace(/\/$/, '');
    for (const route of this.#routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      const handler = route.methods[method];
      if (!handler) throw methodNotAllowed();
      return handler(match.slice(1).map(decodeURIComponent), url, () => parseBody(rawBody));
    }
    throw new OktaApiError(404, 'E0000007', `Not found: Resource not found: ${path} (Path)`);
  }

  /** A page of a list, with Okta's `Link` headers. */
  #page(url: URL, items: Json[], paging: Paging): Answer {
    const limitParam = url.searchParams.get('limit');
    const requested = limitParam === null ? paging.defaultLimit : Number(limitParam);
    if (!Number.isInteger(requested) || requested < 1) {
      throw new OktaApiError(400, 'E0000001', 'Api validation failed: limit', [
        'limit: must be a positive integer.',
      ]);
    }
    const limit = Math.min(requested, paging.maxLimit);
    const after = url.searchParams.get('after');
    const start = after === null ? 0 : items.findIndex((item) => item.id === after) + 1;
    const page = items.slice(start, start + limit);
    const self = new URL(url.pathname, this.#org.baseUrl);
    for (const [key, value] of url.searchParams) self.searchParams.set(key, value);
    const links = [`<${self.href}>; rel="self"`];
    const last = page.at(-1);
    if (start + limit < items.length && last) {
      const next = new URL(self.href);
      next.searchParams.set('after', String(last.id));
      next.searchParams.set('limit', String(limit));
      links.push(`<${next.href}>; rel="next"`);
    }
    return { status: 200, body: page, headers: { link: links.join(', ') } };
  }

  #table(): Route[] {
    const org = this.#org;
    const ok = (body: unknown): Answer => ({ status: 200, body });
    const created = (body: unknown): Answer => ({ status: 201, body });
    const gone: Answer = { status: 204 };
    const servers = '/api/v1/authorizationServers';
    const id = '([^/]+)';
    const lifecycle = (
      set: (objectId: string, status: 'ACTIVE' | 'INACTIVE') => unknown,
      answer: (result: unknown) => Answer = ok,
    ) => ({
      POST: ([objectId, action]: string[]) => {
        if (action !== 'activate' && action !== 'deactivate') throw notFound(String(action), 'Lifecycle');
        return answer(set(String(objectId), action === 'activate' ? 'ACTIVE' : 'INACTIVE'));
      },
    });
    return [
      // Authorization servers, their scopes, policies and rules.
      {
        pattern: new RegExp(`^${servers}$`),
        methods: {
          GET: (_, url) =>
            this.#page(url, org.listServers(url.searchParams.get('q') ?? undefined), {
              defaultLimit: 200,
              maxLimit: 200,
            }),
          POST: (_, __, body) => created(org.createServer(body())),
        },
      },
      {
        pattern: new RegExp(`^${servers}/${id}$`),
        methods: {
          GET: ([serverId]) => ok(org.getServer(String(serverId))),
          DELETE: ([serverId]) => {
            org.deleteServer(String(serverId));
            return gone;
          },
        },
      },
      {
        pattern: new RegExp(`^${servers}/${id}/lifecycle/(activate|deactivate)$`),
        methods: lifecycle(
          (serverId, status) => org.setServerStatus(serverId, status),
          () => gone,
        ),
      },
      {
        pattern: new RegExp(`^${servers}/${id}/scopes$`),
        methods: {
          GET: ([serverId], url) =>
            this.#page(url, org.listScopes(String(serverId), url.searchParams.get('q') ?? undefined), {
              defaultLimit: 200,
              maxLimit: 200,
            }),
          POST: ([serverId], _, body) => created(org.createScope(String(serverId), body())),
        },
      },
      {
        pattern: new RegExp(`^${servers}/${id}/scopes/${id}$`),
        methods: {
          DELETE: ([serverId, scopeId]) => {
            org.deleteScope(String(serverId), String(scopeId));
            return gone;
          },
        },
      },
      {
        pattern: new RegExp(`^${servers}/${id}/policies$`),
        methods: {
          GET: ([serverId]) => ok(org.listPolicies(String(serverId))),
          POST: ([serverId], _, body) => created(org.createPolicy(String(serverId), body())),
        },
      },
      {
        pattern: new RegExp(`^${servers}/${id}/policies/${id}$`),
        methods: {
          DELETE: ([serverId, policyId]) => {
            org.deletePolicy(String(serverId), String(policyId));
            return gone;
          },
        },
      },
      {
        pattern: new RegExp(`^${servers}/${id}/policies/${id}/rules$`),
        methods: {
          GET: ([serverId, policyId]) => ok(org.listRules(String(serverId), String(policyId))),
          POST: ([serverId, policyId], _, body) =>
            created(org.createRule(String(serverId), String(policyId), body())),
        },
      },
      {
        pattern: new RegExp(`^${servers}/${id}/policies/${id}/rules/${id}$`),
        methods: {
          DELETE: ([serverId, policyId, ruleId]) => {
            org.deleteRule(String(serverId), String(policyId), String(ruleId));
            return gone;
          },
        },
      },
      // Applications.
      {
        pattern: /^\/api\/v1\/apps$/,
        methods: {
          GET: (_, url) =>
            this.#page(url, org.listApps(url.searchParams.get('q') ?? undefined), {
              defaultLimit: 20,
              maxLimit: 200,
            }),
          POST: (_, url, body) => ok(org.createApp(body(), url.searchParams.get('activate') !== 'false')),
        },
      },
      {
        pattern: new RegExp(`^/api/v1/apps/${id}$`),
        methods: {
          GET: ([appId]) => ok(org.getApp(String(appId))),
          DELETE: ([appId]) => {
            org.deleteApp(String(appId));
            return gone;
          },
        },
      },
      {
        pattern: new RegExp(`^/api/v1/apps/${id}/lifecycle/(activate|deactivate)$`),
        methods: lifecycle(
          (appId, status) => org.setAppStatus(appId, status),
          () => ok({}),
        ),
      },
      // Hook keys.
      {
        pattern: /^\/api\/v1\/hook-keys$/,
        methods: { GET: () => ok(org.listHookKeys()), POST: (_, __, body) => ok(org.createHookKey(body())) },
      },
      {
        pattern: new RegExp(`^/api/v1/hook-keys/public/${id}$`),
        methods: { GET: ([keyId]) => ok(org.publicHookKey(String(keyId))) },
      },
      {
        pattern: new RegExp(`^/api/v1/hook-keys/${id}$`),
        methods: {
          GET: ([keyId]) => ok(org.getHookKey(String(keyId))),
          DELETE: ([keyId]) => {
            org.deleteHookKey(String(keyId));
            return gone;
          },
        },
      },
      // Inline hooks.
      {
        pattern: /^\/api\/v1\/inlineHooks$/,
        methods: {
          GET: (_, url) => ok(org.listInlineHooks(url.searchParams.get('type') ?? undefined)),
          POST: (_, __, body) => ok(org.createInlineHook(body())),
        },
      },
      {
        pattern: new RegExp(`^/api/v1/inlineHooks/${id}$`),
        methods: {
          GET: ([hookId]) => ok(org.getInlineHook(String(hookId))),
          PUT: ([hookId], _, body) => ok(org.replaceInlineHook(String(hookId), body())),
          DELETE: ([hookId]) => {
            org.deleteInlineHook(String(hookId));
            return gone;
          },
        },
      },
      {
        pattern: new RegExp(`^/api/v1/inlineHooks/${id}/lifecycle/(activate|deactivate)$`),
        methods: lifecycle((hookId, status) => org.setInlineHookStatus(hookId, status)),
      },
      {
        pattern: new RegExp(`^/api/v1/inlineHooks/${id}/execute$`),
        methods: { POST: async ([hookId], _, body) => ok(await this.#hooks.execute(String(hookId), body())) },
      },
      // Event hooks.
      {
        pattern: /^\/api\/v1\/eventHooks$/,
        methods: {
          GET: () => ok(org.listEventHooks()),
          POST: (_, __, body) => ok(org.createEventHook(body())),
        },
      },
      {
        pattern: new RegExp(`^/api/v1/eventHooks/${id}$`),
        methods: {
          GET: ([hookId]) => ok(org.getEventHook(String(hookId))),
          DELETE: ([hookId]) => {
            org.deleteEventHook(String(hookId));
            return gone;
          },
        },
      },
      {
        pattern: new RegExp(`^/api/v1/eventHooks/${id}/lifecycle/verify$`),
        methods: { POST: async ([hookId]) => ok(await this.#hooks.verifyEventHook(String(hookId))) },
      },
      {
        pattern: new RegExp(`^/api/v1/eventHooks/${id}/lifecycle/(activate|deactivate)$`),
        methods: lifecycle((hookId, status) => org.setEventHookStatus(hookId, status)),
      },
      // Log streams.
      {
        pattern: /^\/api\/v1\/logStreams$/,
        methods: {
          GET: (_, url) =>
            this.#page(url, org.listLogStreams(url.searchParams.get('filter') ?? undefined), {
              defaultLimit: 20,
              maxLimit: 200,
            }),
          POST: (_, __, body) => ok(org.createLogStream(body())),
        },
      },
      {
        pattern: new RegExp(`^/api/v1/logStreams/${id}$`),
        methods: {
          GET: ([streamId]) => ok(org.getLogStream(String(streamId))),
          DELETE: ([streamId]) => {
            org.deleteLogStream(String(streamId));
            return gone;
          },
        },
      },
      {
        pattern: new RegExp(`^/api/v1/logStreams/${id}/lifecycle/(activate|deactivate)$`),
        methods: lifecycle((streamId, status) => org.setLogStreamStatus(streamId, status)),
      },
    ];
  }
}

function parseBody(raw: Buffer | undefined): Json {
  if (raw === undefined) throw new OktaApiError(413, 'E0000003', 'The request body was too large.');
  const text = raw.toString('utf8').trim();
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw notWellFormed();
    return value as Json;
  } catch {
    throw notWellFormed();
  }
}

/** The rate-limit headers Okta sends with every answer (the local Okta never runs out but by the fault). */
function rateHeaders(): Record<string, string> {
  return {
    'x-rate-limit-limit': String(RATE_LIMIT),
    'x-rate-limit-remaining': String(RATE_LIMIT - 1),
    'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + 60),
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  if (res.headersSent) return;
  if (status === 204 || body === undefined) {
    res.writeHead(status, { 'cache-control': 'no-store', ...headers });
    return void res.end();
  }
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}
