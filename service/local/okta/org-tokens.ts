/**
 * How an org's authorization server decides a token request, as Okta does: who the client is (its secret, or a
 * `private_key_jwt` assertion verified against its public keys: audience the token URL, at most an hour, no replayed
 * `jti`; a DPoP-bound app needs a proof), then what the server's access policies grant it (the first active policy
 * naming the client, its first rule for the grant type and every scope asked).
 */
import { decodeProtectedHeader, importJWK, type JWK, jwtVerify } from 'jose';
import { OAuthError, type TokenRequest } from '../issuer.js';
import type { App, AuthServer } from './org-objects.js';

/** What the token decisions read of the org. */
export type TokenOrg = {
  app(id: string): App | undefined;
  server(id: string): AuthServer | undefined;
};

/** The token decisions of one org; remembers the assertions already used. */
export class OrgTokens {
  readonly #org: TokenOrg;
  /** Client assertion ids already used, until they expire (Okta refuses a replay). */
  readonly #usedAssertions = new Map<string, number>();

  constructor(org: TokenOrg) {
    this.#org = org;
  }

  async authenticate(request: TokenRequest): Promise<string> {
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
    const app = clientId ? this.#org.app(clientId) : undefined;
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
    const app = issuer ? this.#org.app(issuer) : undefined;
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

  grant(serverId: string, clientId: string, grantType: string, requested: string[]) {
    const server = this.#org.server(serverId);
    if (server?.status !== 'ACTIVE') throw new OAuthError(404, 'not_found', 'Not found');
    const app = this.#org.app(clientId);
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
}
