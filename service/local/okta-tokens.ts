/**
 * Access tokens for the hook, obtained the way Okta obtains them: client credentials against an authorization
 * server (client secret, or private key JWT), or a token handed in. The one token client of everything that acts
 * as Okta: the Okta CLI, the contract verifier and the load generator (cached per Artillery worker and fetched again
 * before it expires, so a long staging run never sends an expired token).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeJwt, importJWK, importPKCS8, type JWK, SignJWT } from 'jose';
import { DEFAULT_REQUIRED_SCOPE } from '../src/domain/okta-scope.js';
import { LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, LOCAL_SCOPE } from './issuer.js';

/** Where tokens come from. */
export type TokenSource =
  | { kind: 'static'; token: string }
  | {
      kind: 'client-credentials';
      tokenUrl: string;
      clientId: string;
      scope: string;
      clientSecret?: string;
      /** PKCS#8 PEM or a private JWK (as Okta's admin console generates it), for private key JWT. */
      privateKey?: string;
      keyId?: string;
    };

/**
 * Client credentials of the local stack's authorization server (`npm start` prints the same defaults).
 *
 * @param tokenUrl - `${baseUrl}/oauth2/default/v1/token`
 */
export function localTokenSource(tokenUrl: string): TokenSource {
  return {
    kind: 'client-credentials',
    tokenUrl,
    clientId: LOCAL_CLIENT_ID,
    clientSecret: LOCAL_CLIENT_SECRET,
    scope: LOCAL_SCOPE,
  };
}

/** A token source could not be set up or refused to give a token. */
export class TokenError extends Error {
  public override readonly name = 'TokenError';
}

/** Refresh this long before `exp`, or at 80 % of the lifetime for short-lived tokens. */
const REFRESH_MARGIN_MS = 60_000;

/**
 * Reads the token source from the environment, first match wins:
 * `OKTA_TOKEN`; `OKTA_CLIENT_ID` with `OKTA_CLIENT_SECRET`, `OKTA_PRIVATE_KEY` or `OKTA_PRIVATE_KEY_FILE` against
 * `OKTA_TOKEN_URL` (or `${OKTA_ISSUER}/v1/token`); then `fallback` (the local authorization server).
 *
 * @param env - usually `process.env`
 * @param fallback - used when nothing is configured
 */
export function tokenSourceFromEnv(env: NodeJS.ProcessEnv, fallback?: TokenSource): TokenSource {
  if (env.OKTA_TOKEN) return { kind: 'static', token: env.OKTA_TOKEN };
  if (env.OKTA_CLIENT_ID) {
    const tokenUrl =
      env.OKTA_TOKEN_URL ?? (env.OKTA_ISSUER ? `${env.OKTA_ISSUER.replace(/\/$/, '')}/v1/token` : undefined);
    if (!tokenUrl) throw new TokenError('OKTA_CLIENT_ID needs OKTA_TOKEN_URL or OKTA_ISSUER');
    const privateKey =
      env.OKTA_PRIVATE_KEY ??
      (env.OKTA_PRIVATE_KEY_FILE ? readFileSync(env.OKTA_PRIVATE_KEY_FILE, 'utf8') : undefined);
    if (!env.OKTA_CLIENT_SECRET && !privateKey) {
      throw new TokenError(
        'OKTA_CLIENT_ID needs OKTA_CLIENT_SECRET, OKTA_PRIVATE_KEY or OKTA_PRIVATE_KEY_FILE',
      );
    }
    return {
      kind: 'client-credentials',
      tokenUrl,
      clientId: env.OKTA_CLIENT_ID,
      scope: env.OKTA_SCOPE ?? DEFAULT_REQUIRED_SCOPE,
      ...(env.OKTA_CLIENT_SECRET ? { clientSecret: env.OKTA_CLIENT_SECRET } : {}),
      ...(privateKey ? { privateKey } : {}),
      ...(env.OKTA_KEY_ID ? { keyId: env.OKTA_KEY_ID } : {}),
    };
  }
  if (fallback) return fallback;
  throw new TokenError(
    'No token source: set OKTA_TOKEN, or OKTA_CLIENT_ID with OKTA_CLIENT_SECRET or OKTA_PRIVATE_KEY(_FILE)',
  );
}

/** Expiry of a JWT in ms since the epoch, if it says. */
function expiryOf(token: string): number | undefined {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

async function clientAssertion(source: Extract<TokenSource, { kind: 'client-credentials' }>) {
  const text = source.privateKey!.trim();
  const jwk = text.startsWith('{') ? (JSON.parse(text) as JWK) : undefined;
  const alg = jwk?.alg ?? 'RS256';
  const key = jwk ? await importJWK(jwk, alg) : await importPKCS8(text, alg);
  const kid = source.keyId ?? jwk?.kid;
  return new SignJWT({})
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setIssuer(source.clientId)
    .setSubject(source.clientId)
    .setAudience(source.tokenUrl)
    .setIssuedAt()
    .setExpirationTime('5m')
    .setJti(randomUUID())
    .sign(key);
}

/** Fetches, caches and refreshes tokens from one source. */
export class TokenProvider {
  #token: string | undefined;
  #refreshAt = 0;
  #expiresAt = 0;
  #inFlight: Promise<string> | undefined;

  constructor(
    private readonly source: TokenSource,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token valid for a while yet; fetches one when none is cached or the cached one is about to expire. */
  async token(): Promise<string> {
    const now = this.now();
    if (this.#token && now < this.#refreshAt) return this.#token;
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    try {
      return await this.#inFlight;
    } catch (error) {
      // A failed refresh must not stop a run whose current token is still good.
      if (this.#token && now < this.#expiresAt) return this.#token;
      throw error;
    }
  }

  async #fetch(): Promise<string> {
    const source = this.source;
    if (source.kind === 'static') {
      const exp = expiryOf(source.token);
      if (exp !== undefined && exp <= this.now()) {
        throw new TokenError('OKTA_TOKEN has expired: get a new one, or use client credentials');
      }
      this.#remember(source.token, exp);
      return source.token;
    }
    const form = new URLSearchParams({ grant_type: 'client_credentials', scope: source.scope });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (source.privateKey) {
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set('client_assertion', await clientAssertion(source));
    } else {
      headers.authorization = `Basic ${Buffer.from(
        `${encodeURIComponent(source.clientId)}:${encodeURIComponent(source.clientSecret ?? '')}`,
      ).toString('base64')}`;
    }
    const response = await fetch(source.tokenUrl, {
      method: 'POST',
      headers,
      body: form,
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    };
    if (!response.ok || !body.access_token) {
      // The error code and description only: never echo the request (it carries the secret or assertion).
      throw new TokenError(
        `Token request to ${source.tokenUrl} failed: HTTP ${response.status} ${body.error ?? ''} ${body.error_description ?? ''}`.trim(),
      );
    }
    const exp =
      expiryOf(body.access_token) ??
      (typeof body.expires_in === 'number' ? this.now() + body.expires_in * 1000 : undefined);
    this.#remember(body.access_token, exp);
    return body.access_token;
  }

  #remember(token: string, exp: number | undefined): void {
    const now = this.now();
    this.#token = token;
    this.#expiresAt = exp ?? Number.POSITIVE_INFINITY;
    const lifetime = this.#expiresAt - now;
    this.#refreshAt =
      exp === undefined
        ? Number.POSITIVE_INFINITY
        : now + Math.max(0, Math.min(lifetime - REFRESH_MARGIN_MS, lifetime * 0.8));
  }
}
