/**
 * The local Okta on the local stack's port: its org ({@link LocalOktaOrg}), the management API (`/api/v1/...`), and
 * every authorization server's routes (`/oauth2/<id>/.well-known/oauth-authorization-server`, `/v1/keys`,
 * `/v1/token`). The `default` server exists at start and also serves the stack's built-in client; a server made
 * through the API issues its own tokens, signed by a key of its own, to the org's apps its policies allow.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '../http-body.js';
import { LocalIssuer, OAuthError } from '../issuer.js';
import { notFound } from './api-error.js';
import { HookCaller } from './hook-caller.js';
import { LOCAL_OKTA_API_TOKEN, LocalOktaManagementApi } from './management-api.js';
import { LocalOktaOrg } from './org.js';

/** Settings of {@link LocalOkta.start}. */
export type LocalOktaOptions = {
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  /** The `default` server's built-in client (the local stack's own). */
  clientId?: string;
  clientSecret?: string;
  /** Whether the JWKS routes drop the connection (the `jwks` fault). */
  jwksUnavailable?: () => boolean;
};

/** Bodies of the token route: at most this many bytes. */
const TOKEN_BODY_LIMIT = 64 * 1024;
/** Bodies of the management API: Okta's objects are small. */
const API_BODY_LIMIT = 1024 * 1024;

/** The local Okta: org, management API and authorization servers. */
export class LocalOkta {
  readonly org: LocalOktaOrg;
  readonly api: LocalOktaManagementApi;
  readonly hooks: HookCaller;
  /** The `default` authorization server (issuer `<base>/oauth2/default`). */
  readonly defaultIssuer: LocalIssuer;
  /** The API token the management API accepts. */
  readonly apiToken = LOCAL_OKTA_API_TOKEN;
  readonly #issuers = new Map<string, LocalIssuer>();
  readonly #jwksUnavailable: () => boolean;

  private constructor(org: LocalOktaOrg, defaultIssuer: LocalIssuer, options: LocalOktaOptions) {
    this.org = org;
    this.defaultIssuer = defaultIssuer;
    this.hooks = new HookCaller(org);
    this.api = new LocalOktaManagementApi({ org, hooks: this.hooks });
    this.#issuers.set('default', defaultIssuer);
    this.#jwksUnavailable = options.jwksUnavailable ?? (() => false);
  }

  /** Creates the org and the `default` server's first signing key. */
  static async start(options: LocalOktaOptions): Promise<LocalOkta> {
    const baseUrl = options.baseUrl.replace(/\/$/, '');
    let org!: LocalOktaOrg;
    const defaultIssuer = await new LocalIssuer({
      issuer: `${baseUrl}/oauth2/default`,
      ...(options.clientId ? { clientId: options.clientId } : {}),
      ...(options.clientSecret ? { clientSecret: options.clientSecret } : {}),
      // The org's apps too, as the `default` server's policies allow them (set once the org exists).
      directory: {
        authenticate: (request) => org.directoryFor('default').authenticate(request),
        grant: (clientId, grantType, scopes) =>
          org.directoryFor('default').grant(clientId, grantType, scopes),
      },
    }).start();
    org = new LocalOktaOrg({ baseUrl, defaultAudience: defaultIssuer.audience });
    return new LocalOkta(org, defaultIssuer, options);
  }

  /**
   * Answers a request if it is the local Okta's (`/api/v1/...`, `/oauth2/<id>/...`).
   *
   * @returns whether it was
   */
  async handle(req: IncomingMessage, res: ServerResponse, path: string, method: string): Promise<boolean> {
    if (path.startsWith('/api/v1/')) {
      await this.api.handle(req, res, await readBody(req, API_BODY_LIMIT));
      return true;
    }
    const match = /^\/oauth2\/([^/]+)\/(\.well-known\/oauth-authorization-server|v1\/keys|v1\/token)$/.exec(
      path,
    );
    if (!match) return false;
    const [, serverId = '', route] = match;
    const issuer = await this.#issuer(serverId);
    if (!issuer) {
      sendJson(res, 404, notFound(serverId, 'AuthorizationServer').body());
      return true;
    }
    if (route === 'v1/keys' && method === 'GET') {
      // "Unreachable": the connection drops before an answer.
      if (this.#jwksUnavailable()) {
        req.socket.destroy();
        return true;
      }
      sendJson(res, 200, issuer.jwks(), { 'cache-control': 'max-age=3600' });
      return true;
    }
    if (route === '.well-known/oauth-authorization-server' && method === 'GET') {
      sendJson(res, 200, issuer.metadata());
      return true;
    }
    if (route === 'v1/token' && method === 'POST') {
      const body = await readBody(req, TOKEN_BODY_LIMIT);
      try {
        const form = new URLSearchParams(body?.toString('utf8') ?? '');
        const dpop = req.headers.dpop;
        sendJson(
          res,
          200,
          await issuer.token(form, req.headers.authorization, typeof dpop === 'string' ? dpop : undefined),
        );
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        sendJson(res, error.status, { error: error.error, error_description: error.message });
      }
      return true;
    }
    return false;
  }

  /** The issuer of an active server, created on first use for servers made through the API. */
  async #issuer(serverId: string): Promise<LocalIssuer | undefined> {
    const server = this.org.server(serverId);
    if (server?.status !== 'ACTIVE') return undefined;
    const known = this.#issuers.get(serverId);
    if (known) return known;
    const issuer = await new LocalIssuer({
      issuer: this.org.issuerOf(serverId),
      audience: server.audiences[0] as string,
      builtInClient: false,
      directory: this.org.directoryFor(serverId),
    }).start();
    // Two first requests at once: the first one made wins.
    const raced = this.#issuers.get(serverId);
    if (raced) return raced;
    this.#issuers.set(serverId, issuer);
    return issuer;
  }
}
