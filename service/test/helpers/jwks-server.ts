import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
type SigningKey = {
  kid: string;
  privateKey: KeyPair['privateKey'];
  publicJwk: JWK;
  publicKey: KeyPair['publicKey'];
};

/** Creates an RS256 key pair with a kid. */
export async function newSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicJwk, publicKey };
}

/**
 * A stand-in Okta authorization server for authorizer unit tests: serves `/oauth2/default/v1/keys`, counts
 * fetches (when each started, how many were in flight at once), can answer slowly, and can go down (refuse) or
 * hang.
 */
export class TestIssuer {
  public keys: SigningKey[] = [];
  public fetches = 0;
  /** `performance.now()` at the start of each fetch. */
  public fetchStarts: number[] = [];
  /** JWKS requests being answered right now, and the most ever at once. */
  public inFlight = 0;
  public maxInFlight = 0;
  /** How long each JWKS answer takes. */
  public delayMs = 0;
  public mode: 'up' | 'down' | 'hang' = 'up';
  #server?: Server;
  public issuer = '';

  async start(): Promise<this> {
    this.keys = [await newSigningKey('key-1')];
    this.#server = createServer((req, res) => {
      if (req.url !== '/oauth2/default/v1/keys') {
        res.writeHead(404).end();
        return;
      }
      this.fetches += 1;
      this.fetchStarts.push(performance.now());
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      res.on('close', () => {
        this.inFlight -= 1;
      });
      if (this.mode === 'hang') return;
      const answer = () => {
        if (this.mode === 'down') {
          res.writeHead(503).end('down');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: this.keys.map((k) => k.publicJwk) }));
      };
      if (this.delayMs > 0) setTimeout(answer, this.delayMs);
      else answer();
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.issuer = `http://127.0.0.1:${port}/oauth2/default`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  /** Forgets the fetch counts (not the keys). */
  resetCounts(): void {
    this.fetches = 0;
    this.fetchStarts = [];
    this.maxInFlight = this.inFlight;
  }

  /** Adds a new signing key (key rotation) and returns it. */
  async rotate(kid: string): Promise<SigningKey> {
    const key = await newSigningKey(kid);
    this.keys.push(key);
    return key;
  }

  /**
   * Mints a token shaped like Okta's: RS256, kid, iss, `aud` and `cid` strings, an `scp` array, iat, 5 min lifetime.
   *
   * @param options - claim overrides, signing key, lifetime
   */
  async mint(
    options: {
      claims?: Record<string, unknown>;
      key?: SigningKey;
      expiresInSeconds?: number;
      omit?: string[];
      header?: Record<string, unknown>;
    } = {},
  ): Promise<string> {
    const key = options.key ?? this.keys[0]!;
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      iss: this.issuer,
      aud: 'api://okta-phone-mfa',
      sub: '0oaOktaHookClient',
      cid: '0oaOktaHookClient',
      scp: ['phone-mfa.send'],
      iat: now,
      exp: now + (options.expiresInSeconds ?? 300),
      ...options.claims,
    };
    for (const name of options.omit ?? []) delete claims[name];
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, ...options.header })
      .sign(key.privateKey);
  }
}
