/**
 * A local Okta authorization server: metadata, JWKS, a client-credentials token endpoint, and test helpers to mint
 * arbitrary tokens and rotate the signing key. Tokens have the shapes of Okta's access tokens from a custom
 * authorization server (RS256 with a `kid`; `aud` and `cid` strings, `scp` an array of strings, `iat`, and a 1 h
 * lifetime, inside Okta's 5 min to 24 h), so the real authorizer accepts them; `/_local/mint` overrides any of it.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, type JWTHeaderParameters, SignJWT } from 'jose';
import { DEFAULT_REQUIRED_SCOPE, scopeProblem } from '../src/domain/okta-scope.js';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** One RS256 signing key. */
export type IssuerKey = { kid: string; privateKey: PrivateKey; publicJwk: JWK };

/** Settings of {@link LocalIssuer}. */
export type LocalIssuerOptions = {
  /** e.g. `http://127.0.0.1:3000/oauth2/default` */
  issuer: string;
  audience?: string;
  clientId?: string;
  clientSecret?: string;
  /** The scope the hook requires; granted when a token request names no scope. */
  scope?: string;
  tokenLifetimeSeconds?: number;
};

/** What `POST /_local/mint` accepts. */
export type MintRequest = {
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  expiresInSeconds?: number;
  omitClaims?: string[];
};

/** An OAuth 2.0 error answer (RFC 6749 §5.2), as Okta gives it. */
export class OAuthError extends Error {
  public override readonly name = 'OAuthError';
  constructor(
    public readonly status: number,
    public readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

/** Default local client id: Okta client ids start with `0oa`. */
export const LOCAL_CLIENT_ID = '0oaLocalOktaHookClient';
/** Default local client secret; local only, printed in the banner. */
export const LOCAL_CLIENT_SECRET = 'local-client-secret';
/** Audience of the local authorization server. */
export const LOCAL_AUDIENCE = 'api://okta-phone-mfa';
/** Scope the hook requires: the service's default, a name Okta allows. */
export const LOCAL_SCOPE = DEFAULT_REQUIRED_SCOPE;
/** How many keys the JWKS keeps after rotations: Okta keeps publishing the previous key for a while. */
const KEYS_PUBLISHED = 2;

let kidCounter = 0;

async function newKey(): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  kidCounter += 1;
  const kid = `local-${Date.now().toString(36)}-${kidCounter}`;
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The local authorization server's state and behaviour; HTTP routing lives in the stack. */
export class LocalIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope: string;
  readonly tokenLifetimeSeconds: number;
  #keys: IssuerKey[] = [];

  constructor(options: LocalIssuerOptions) {
    this.issuer = options.issuer.replace(/\/$/, '');
    this.audience = options.audience ?? LOCAL_AUDIENCE;
    this.clientId = options.clientId ?? LOCAL_CLIENT_ID;
    this.clientSecret = options.clientSecret ?? LOCAL_CLIENT_SECRET;
    this.scope = options.scope ?? LOCAL_SCOPE;
    // Okta's own rule: it creates no custom scope by a reserved name, so it never issues one.
    const problem = scopeProblem(this.scope);
    if (problem) throw new Error(`The local authorization server's scope: ${problem}`);
    this.tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
  }

  /** Creates the first signing key. */
  async start(): Promise<this> {
    if (this.#keys.length === 0) this.#keys = [await newKey()];
    return this;
  }

  /** The key new tokens are signed with. */
  currentKey(): IssuerKey {
    const key = this.#keys[0];
    if (!key) throw new Error('LocalIssuer.start() was not awaited');
    return key;
  }

  /** Replaces the signing key with a new one (new `kid`); the previous key stays published. */
  async rotateKeys(): Promise<{ kid: string; previousKid: string }> {
    const previousKid = this.currentKey().kid;
    this.#keys = [await newKey(), ...this.#keys].slice(0, KEYS_PUBLISHED);
    return { kid: this.currentKey().kid, previousKid };
  }

  /** `GET {issuer}/v1/keys` */
  jwks(): { keys: JWK[] } {
    return { keys: this.#keys.map((key) => key.publicJwk) };
  }

  /** `GET {issuer}/.well-known/oauth-authorization-server` */
  metadata(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      token_endpoint: `${this.issuer}/v1/token`,
      jwks_uri: `${this.issuer}/v1/keys`,
      grant_types_supported: ['client_credentials'],
      response_types_supported: ['token'],
      scopes_supported: [this.scope],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256'],
      claims_supported: ['ver', 'jti', 'iss', 'aud', 'iat', 'exp', 'cid', 'scp', 'sub'],
    };
  }

  /**
   * Mints a token signed by the current key. Claims default to a valid Okta access token for the local client.
   *
   * @param request - claim and header overrides, lifetime, claims to leave out
   */
  async mint(request: MintRequest = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      ver: 1,
      jti: `AT.${randomUUID()}`,
      iss: this.issuer,
      aud: this.audience,
      iat: now,
      exp: now + (request.expiresInSeconds ?? this.tokenLifetimeSeconds),
      cid: this.clientId,
      scp: [this.scope],
      sub: this.clientId,
      ...request.claims,
    };
    for (const name of request.omitClaims ?? []) delete claims[name];
    const key = this.currentKey();
    const header = { alg: 'RS256', kid: key.kid, ...request.header } as JWTHeaderParameters;
    return new SignJWT(claims).setProtectedHeader(header).sign(key.privateKey);
  }

  /**
   * The client-credentials grant, as Okta answers it.
   *
   * @param form - the form fields (`grant_type`, `scope`, optionally `client_id`/`client_secret`)
   * @param authorization - the `Authorization` header (HTTP Basic), if any
   */
  async token(
    form: URLSearchParams,
    authorization: string | undefined,
  ): Promise<{ token_type: 'Bearer'; expires_in: number; access_token: string; scope: string }> {
    let clientId = form.get('client_id') ?? undefined;
    let clientSecret = form.get('client_secret') ?? undefined;
    const basic = /^\s*basic\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new OAuthError(401, 'invalid_client', 'Client authentication failed.');
      clientId = decodeURIComponent(decoded.slice(0, colon));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1));
    }
    if (!clientId || clientSecret === undefined) {
      throw new OAuthError(401, 'invalid_client', 'No client credentials found.');
    }
    if (clientId !== this.clientId || !sameSecret(clientSecret, this.clientSecret)) {
      throw new OAuthError(
        401,
        'invalid_client',
        'The client secret supplied for a confidential client is invalid.',
      );
    }
    if (form.get('grant_type') !== 'client_credentials') {
      throw new OAuthError(
        400,
        'unsupported_grant_type',
        `The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].`,
      );
    }
    const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const scopes = requested.length > 0 ? requested : [this.scope];
    const unknown = scopes.filter((scope) => scope !== this.scope);
    if (unknown.length > 0) {
      throw new OAuthError(
        400,
        'invalid_scope',
        `One or more scopes are not configured for the authorization server resource: ${unknown.join(' ')}`,
      );
    }
    const access = await this.mint({ claims: { scp: scopes } });
    return {
      token_type: 'Bearer',
      expires_in: this.tokenLifetimeSeconds,
      access_token: access,
      scope: scopes.join(' '),
    };
  }
}
