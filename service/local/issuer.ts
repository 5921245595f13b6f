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
  /**
   * The org's applications and this server's access policies (the local Okta's management API): a token request from
   * any client but the built-in one is authenticated and granted by them. Undefined = the built-in client only.
   */
  directory?: ClientDirectory;
  /** Whether the built-in client (id and secret above) may get tokens. @default true */
  builtInClient?: boolean;
};

/** What a token request asks, for a {@link ClientDirectory}. */
export type TokenRequest = {
  form: URLSearchParams;
  /** The `Authorization` header, if any. */
  authorization: string | undefined;
  /** The `DPoP` header, if any. */
  dpop: string | undefined;
  /** This server's token endpoint (a client assertion's audience). */
  tokenUrl: string;
};

/** The org's clients and this server's policies, as Okta evaluates a token request. */
export type ClientDirectory = {
  /** Authenticates the request's client (secret or signed assertion); the client id, or an {@link OAuthError}. */
  authenticate(request: TokenRequest): Promise<string>;
  /**
   * What the policies grant this client for this grant type and these scopes (empty = none named); an
   * {@link OAuthError} when they grant nothing.
   */
  grant(clientId: string, grantType: string, scopes: string[]): { scopes: string[]; lifetimeSeconds: number };
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
  readonly #directory: ClientDirectory | undefined;
  readonly #builtInClient: boolean;
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
    this.#directory = options.directory;
    this.#builtInClient = options.builtInClient ?? true;
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
      token_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
        ...(this.#directory ? ['private_key_jwt'] : []),
      ],
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
   * @param form - the form fields (`grant_type`, `scope`, optionally `client_id`/`client_secret`, or
   *   `client_assertion_type`/`client_assertion`)
   * @param authorization - the `Authorization` header (HTTP Basic), if any
   * @param dpop - the `DPoP` header, if any
   */
  async token(
    form: URLSearchParams,
    authorization: string | undefined,
    dpop?: string,
  ): Promise<{ token_type: 'Bearer'; expires_in: number; access_token: string; scope: string }> {
    if (this.#directory && !this.#isBuiltInClient(form, authorization)) {
      return this.#directoryToken(this.#directory, {
        form,
        authorization,
        dpop,
        tokenUrl: `${this.issuer}/v1/token`,
      });
    }
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

  /** Whether a token request names the built-in client (not an assertion, and its id). */
  #isBuiltInClient(form: URLSearchParams, authorization: string | undefined): boolean {
    if (!this.#builtInClient || form.has('client_assertion')) return false;
    const basic = /^\s*basic\s+(\S+)\s*$/i.exec(authorization ?? '');
    const decoded = basic?.[1] ? Buffer.from(basic[1], 'base64').toString('utf8') : undefined;
    const id =
      decoded !== undefined ? decodeURIComponent(decoded.split(':')[0] ?? '') : form.get('client_id');
    return id === this.clientId;
  }

  /** A token for an org application, as its authorization server's policies allow. */
  async #directoryToken(directory: ClientDirectory, request: TokenRequest) {
    const clientId = await directory.authenticate(request);
    const grantType = request.form.get('grant_type') ?? '';
    const requested = (request.form.get('scope') ?? '').split(' ').filter(Boolean);
    const granted = directory.grant(clientId, grantType, requested);
    const access = await this.mint({
      claims: { cid: clientId, sub: clientId, scp: granted.scopes },
      expiresInSeconds: granted.lifetimeSeconds,
    });
    return {
      token_type: 'Bearer' as const,
      expires_in: granted.lifetimeSeconds,
      access_token: access,
      scope: granted.scopes.join(' '),
    };
  }
}
