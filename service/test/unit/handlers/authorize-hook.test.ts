// The authorizer admits only Okta's tokens for this hook: every way a token can be wrong is denied with a 401,
// a reason metric and a WARN line that never holds the token (a bug: an ERROR line and reason `internal`); a key
// rotated even right after a JWKS fetch is accepted within the 2 s cooldown, a flood of random kids costs one
// fetch per cooldown, and an Okta keys outage is survived.
import { exportSPKI, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TestIssuer } from '../../helpers/jwks-server.js';
import { OutputCapture } from '../../helpers/output-capture.js';

type Authorizer = typeof import('../../../src/handlers/authorize-hook.js');

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/hook';
const issuer = new TestIssuer();
const output = new OutputCapture();

/** A fresh authorizer (its own cold start and JWKS cache), with the production JWKS cooldown unless `env` sets one. */
async function loadAuthorizer(env: Record<string, string> = {}): Promise<Authorizer> {
  vi.resetModules();
  delete process.env.JWKS_COOLDOWN_MS;
  Object.assign(process.env, {
    OKTA_ISSUER: issuer.issuer,
    OKTA_AUDIENCE: 'api://okta-phone-mfa',
    REQUIRED_SCOPE: 'phone-mfa.send',
    JWKS_TIMEOUT_MS: '1500',
    ALLOWED_CLIENT_IDS: '',
    ...env,
  });
  return import('../../../src/handlers/authorize-hook.js');
}

function event(authorizationToken: string) {
  return { type: 'TOKEN' as const, methodArn: METHOD_ARN, authorizationToken };
}

async function denialReason(authorizer: Authorizer, header: string): Promise<string> {
  output.clear();
  await expect(authorizer.handler(event(header))).rejects.toThrow('Unauthorized');
  const denied = output.metrics().filter((m) => m.name === 'AuthorizerDenied');
  expect(denied).toHaveLength(1);
  return denied[0]!.dimensions.reason!;
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

beforeAll(async () => {
  await issuer.start();
  output.start();
});
afterAll(async () => {
  output.stop();
  await issuer.stop();
});
afterEach(() => {
  vi.useRealTimers();
  vi.doUnmock('../../../src/adapters/jwks.js');
  issuer.mode = 'up';
  issuer.delayMs = 0;
});

describe('allowing', () => {
  it('allows a valid Okta token with a policy for the stage POST /hook and the client in the context', async () => {
    // Prepare
    const authorizer = await loadAuthorizer();
    const token = await issuer.mint();

    // Act
    const result = await authorizer.handler(event(`Bearer ${token}`));

    // Assess
    expect(result.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/hook',
      },
    ]);
    expect(result.context).toEqual({ clientId: '0oaOktaHookClient', subject: '0oaOktaHookClient' });
  });

  it('scopes the policy to POST /hook of the stage, whatever request ARN came in', async () => {
    const authorizer = await loadAuthorizer();
    expect(authorizer.hookResourceArn('arn:aws:execute-api:r:1:api/stage/POST/hook/extra')).toBe(
      'arn:aws:execute-api:r:1:api/stage/POST/hook',
    );
  });

  it.each(['Bearer', 'bearer', 'BEARER', 'BeArEr'])(
    'reads the %s scheme case-insensitively',
    async (scheme) => {
      const authorizer = await loadAuthorizer();
      const token = await issuer.mint();
      await expect(authorizer.handler(event(`${scheme} ${token}`))).resolves.toHaveProperty('principalId');
    },
  );

  it('names the principal and the context from sub and the cid string, never from client_id', async () => {
    // Prepare
    const authorizer = await loadAuthorizer();
    const token = await issuer.mint({ claims: { sub: 'svc-okta', client_id: '0oaImpostor' } });

    // Act
    const result = await authorizer.handler(event(`Bearer ${token}`));

    // Assess
    expect(result.principalId).toBe('svc-okta');
    expect(result.context).toEqual({ clientId: '0oaOktaHookClient', subject: 'svc-okta' });
  });

  it('tolerates up to 60 s of clock skew on exp', async () => {
    const authorizer = await loadAuthorizer();
    const token = await issuer.mint({ expiresInSeconds: -30 });
    await expect(authorizer.handler(event(`Bearer ${token}`))).resolves.toHaveProperty('principalId');
  });
});

describe('denying', () => {
  let authorizer: Authorizer;
  beforeAll(async () => {
    authorizer = await loadAuthorizer({ ALLOWED_CLIENT_IDS: '0oaOktaHookClient,0oaSecondClient' });
  });

  it('denies a request with no Authorization header as missing', async () => {
    expect(await denialReason(authorizer, '')).toBe('missing');
  });

  it.each(['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer not-a-jwt', 'Token a.b.c'])(
    'denies %j as malformed',
    async (header) => {
      expect(await denialReason(authorizer, header)).toBe('malformed');
    },
  );

  it('denies alg: none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      iss: issuer.issuer,
      aud: 'api://okta-phone-mfa',
      scp: ['phone-mfa.send'],
      exp: now + 300,
    };
    const token = `${b64url({ alg: 'none', kid: 'key-1' })}.${b64url(payload)}.`;
    expect(await denialReason(authorizer, `Bearer ${token}`)).toBe('signature');
  });

  it('denies HS256 signed with the RSA public key (algorithm confusion)', async () => {
    // Prepare
    const pem = await exportSPKI(issuer.keys[0]!.publicKey);
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      iss: issuer.issuer,
      aud: 'api://okta-phone-mfa',
      scp: ['phone-mfa.send'],
    })
      .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
      .setExpirationTime(now + 300)
      .sign(new TextEncoder().encode(pem));

    // Act & Assess
    expect(await denialReason(authorizer, `Bearer ${token}`)).toBe('signature');
  });

  it('denies a tampered signature', async () => {
    const token = await issuer.mint();
    const [header, payload, signature] = token.split('.');
    const flipped = `${signature!.slice(0, -4)}${signature!.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    expect(await denialReason(authorizer, `Bearer ${header}.${payload}.${flipped}`)).toBe('signature');
  });

  it('denies a tampered payload', async () => {
    const token = await issuer.mint();
    const [header, , signature] = token.split('.');
    const forged = b64url({
      iss: issuer.issuer,
      aud: 'api://okta-phone-mfa',
      scp: ['phone-mfa.send'],
      exp: 9e9,
    });
    expect(await denialReason(authorizer, `Bearer ${header}.${forged}.${signature}`)).toBe('signature');
  });

  it('denies an expired token beyond the clock tolerance', async () => {
    expect(await denialReason(authorizer, `Bearer ${await issuer.mint({ expiresInSeconds: -120 })}`)).toBe(
      'expired',
    );
  });

  it('denies a token that is not yet valid', async () => {
    const nbf = Math.floor(Date.now() / 1000) + 600;
    expect(await denialReason(authorizer, `Bearer ${await issuer.mint({ claims: { nbf } })}`)).toBe(
      'not_yet_valid',
    );
  });

  it('denies the wrong issuer', async () => {
    const token = await issuer.mint({ claims: { iss: 'https://evil.example.com/oauth2/default' } });
    expect(await denialReason(authorizer, `Bearer ${token}`)).toBe('issuer');
  });

  it('denies the wrong audience', async () => {
    expect(
      await denialReason(authorizer, `Bearer ${await issuer.mint({ claims: { aud: 'api://other' } })}`),
    ).toBe('audience');
  });

  it('denies a token without the required scope', async () => {
    expect(
      await denialReason(authorizer, `Bearer ${await issuer.mint({ claims: { scp: ['openid'] } })}`),
    ).toBe('scope');
  });

  it.each([
    ['a cid array holding an allowed client id', 'client_shape', { cid: ['0oaOktaHookClient'] }],
    ['an aud array holding the audience', 'audience_shape', { aud: ['api://okta-phone-mfa'] }],
    ['a space-separated scp string', 'scope_shape', { scp: 'openid phone-mfa.send' }],
    ['a scope claim without scp', 'scope_shape', { scp: undefined, scope: 'openid phone-mfa.send' }],
    ['an iat 10 minutes in the future', 'issued_in_future', { iat: Math.floor(Date.now() / 1000) + 600 }],
  ])('denies %s, which Okta never issues, as %s', async (_name, reason, claims) => {
    expect(await denialReason(authorizer, `Bearer ${await issuer.mint({ claims })}`)).toBe(reason);
  });

  it("denies a token living longer than Okta's 24 h maximum as lifetime", async () => {
    expect(await denialReason(authorizer, `Bearer ${await issuer.mint({ expiresInSeconds: 86_401 })}`)).toBe(
      'lifetime',
    );
  });

  it('denies a token without iat as malformed', async () => {
    expect(await denialReason(authorizer, `Bearer ${await issuer.mint({ omit: ['iat'] })}`)).toBe(
      'malformed',
    );
  });

  it('denies a client that is not in the allow-list', async () => {
    expect(
      await denialReason(authorizer, `Bearer ${await issuer.mint({ claims: { cid: '0oaStranger' } })}`),
    ).toBe('client');
  });

  it('denies a token signed by a key with an unknown kid', async () => {
    const { newSigningKey } = await import('../../helpers/jwks-server.js');
    const stranger = await newSigningKey('stranger');
    expect(await denialReason(authorizer, `Bearer ${await issuer.mint({ key: stranger })}`)).toBe(
      'unknown_key',
    );
  });

  it('denies a token without a kid in its header as missing_kid, even when the JWKS holds a single key', async () => {
    // Prepare: SignJWT with a header that has no kid at all, signed by Okta's real key
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      iss: issuer.issuer,
      aud: 'api://okta-phone-mfa',
      cid: '0oaOktaHookClient',
      scp: ['phone-mfa.send'],
    })
      .setProtectedHeader({ alg: 'RS256' })
      .setExpirationTime(now + 300)
      .sign(issuer.keys[0]!.privateKey);

    // Act & Assess
    expect(await denialReason(authorizer, `Bearer ${token}`)).toBe('missing_kid');
  });

  it('logs a WARN line with the reason and never the token', async () => {
    // Prepare
    const token = await issuer.mint({ claims: { aud: 'api://other' } });
    output.clear();

    // Act
    await expect(authorizer.handler(event(`Bearer ${token}`))).rejects.toThrow('Unauthorized');

    // Assess
    const warn = output.logs().find((l) => l.message === 'Token denied');
    expect(warn).toMatchObject({ level: 'WARN', reason: 'audience' });
    const signature = token.split('.')[2]!;
    expect(output.lines.join('\n')).not.toContain(signature);
  });
});

describe('an unexpected error', () => {
  it('denies with reason internal, counted and logged at ERROR, never as malformed and never with the token', async () => {
    // Prepare: a key resolver with a bug (a plain TypeError, not a network error)
    vi.resetModules();
    vi.doMock('../../../src/adapters/jwks.js', () => ({
      createKeyResolver: () => ({
        prefetch: () => undefined,
        keyFor: () => {
          throw new TypeError("Cannot read properties of undefined (reading 'keys')");
        },
      }),
    }));
    const broken = (await import('../../../src/handlers/authorize-hook.js')) as Authorizer;
    const token = await issuer.mint();
    output.clear();

    // Act
    await expect(broken.handler(event(`Bearer ${token}`))).rejects.toThrow('Unauthorized');

    // Assess
    const denied = output.metrics().filter((m) => m.name === 'AuthorizerDenied');
    expect(denied.map((m) => m.dimensions.reason)).toEqual(['internal']);
    const line = output.logs().find((l) => l.level === 'ERROR');
    expect(line).toMatchObject({ reason: 'internal', error: { name: 'TypeError' } });
    expect(output.logs().filter((l) => l.level === 'WARN')).toEqual([]);
    expect(output.lines.join('\n')).not.toContain(token.split('.')[2]!);
  });
});

describe('keys', () => {
  it("fetches Okta's keys at init, so the first token waits on no fetch of its own", async () => {
    // Prepare
    issuer.resetCounts();

    // Act: a cold start, then a first token once the init's fetch is done
    const authorizer = await loadAuthorizer();
    for (let i = 0; i < 100 && issuer.fetches === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
    const fetchedAtInit = issuer.fetches;
    const result = await authorizer.handler(event(`Bearer ${await issuer.mint()}`));

    // Assess
    expect(fetchedAtInit).toBe(1);
    expect(result.principalId).toBe('0oaOktaHookClient');
    expect(issuer.fetches).toBe(1);
  });

  it('lets the first token fetch at once after a failed init fetch (no cooldown from the warm-up)', async () => {
    // Prepare: Okta's JWKS is down during the cold start, and up again when the first token comes
    issuer.mode = 'down';
    issuer.resetCounts();
    const authorizer = await loadAuthorizer();
    for (let i = 0; i < 100 && issuer.fetches === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    issuer.mode = 'up';
    const started = performance.now();

    // Act
    const result = await authorizer.handler(event(`Bearer ${await issuer.mint()}`));

    // Assess: allowed, without waiting out the 2 s cooldown
    expect(result.principalId).toBe('0oaOktaHookClient');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('accepts a token signed by a key published right after a JWKS fetch, within the 2 s cooldown', async () => {
    // Prepare: the authorizer has just fetched the keys; Okta then publishes a new one and signs with it
    const authorizer = await loadAuthorizer();
    await authorizer.handler(event(`Bearer ${await issuer.mint()}`));
    issuer.resetCounts();
    const rotated = await issuer.rotate(`key-${Date.now()}`);
    const published = performance.now();
    const token = await issuer.mint({ key: rotated });

    // Act
    const result = await authorizer.handler(event(`Bearer ${token}`));

    // Assess: allowed, not refused for a cooldown (API Gateway would cache that denial for the token's TTL)
    expect(result.principalId).toBe('0oaOktaHookClient');
    expect(performance.now() - published).toBeLessThan(2_000 + 250);
    expect(issuer.fetches).toBe(1);
  });

  it('accepts a rotated key after exactly one JWKS refetch', async () => {
    // Prepare
    const authorizer = await loadAuthorizer();
    await authorizer.handler(event(`Bearer ${await issuer.mint()}`));
    const fetchesBefore = issuer.fetches;
    const rotated = await issuer.rotate(`key-${Date.now()}`);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 31_000 });

    // Act
    const result = await authorizer.handler(event(`Bearer ${await issuer.mint({ key: rotated })}`));

    // Assess
    expect(result.principalId).toBe('0oaOktaHookClient');
    expect(issuer.fetches - fetchesBefore).toBe(1);
  });

  it('shares one JWKS fetch at a time among concurrent tokens with unknown kids', async () => {
    // Prepare: warm keys, fetched long enough ago that the next fetch may start at once; a slow Okta
    const authorizer = await loadAuthorizer();
    await authorizer.handler(event(`Bearer ${await issuer.mint()}`));
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 3_000 });
    issuer.delayMs = 200;
    issuer.resetCounts();
    const tokens = await Promise.all(
      Array.from({ length: 25 }, (_, i) => issuer.mint({ header: { kid: `random-${i}-${Math.random()}` } })),
    );
    output.clear();

    // Act
    const outcomes = await Promise.allSettled(
      tokens.map((token) => authorizer.handler(event(`Bearer ${token}`))),
    );

    // Assess
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(issuer.fetches).toBe(1);
    expect(issuer.maxInFlight).toBe(1);
    const reasons = output.metrics().map((m) => m.dimensions.reason);
    expect(reasons).toEqual(tokens.map(() => 'unknown_key'));
  });

  it('costs at most one JWKS fetch per 2 s when flooded with random kids for a second', async () => {
    // Prepare
    const authorizer = await loadAuthorizer();
    await authorizer.handler(event(`Bearer ${await issuer.mint()}`));
    issuer.resetCounts();
    const started = performance.now();

    // Act: a new random kid every 20 ms for 1 s, each answered whenever the authorizer decides
    const pending: Array<Promise<unknown>> = [];
    while (performance.now() - started < 1_000) {
      const token = await issuer.mint({ header: { kid: `random-${Math.random()}` } });
      pending.push(authorizer.handler(event(`Bearer ${token}`)).catch(() => undefined));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(pending);

    // Assess: the flood waited for the one fetch due 2 s after the last one
    expect(pending.length).toBeGreaterThan(20);
    expect(issuer.fetches).toBe(1);
    expect(issuer.fetchStarts[0]! - started).toBeGreaterThan(1_800);
  });

  it('fetches the keys again once the cached set is 10 minutes old', async () => {
    // Prepare
    const authorizer = await loadAuthorizer();
    await authorizer.handler(event(`Bearer ${await issuer.mint()}`));
    issuer.resetCounts();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60_000 + 1_000 });

    // Act
    await authorizer.handler(event(`Bearer ${await issuer.mint()}`));

    // Assess
    expect(issuer.fetches).toBe(1);
  });

  it('keeps verifying with the cached key when the JWKS is unreachable', async () => {
    // Prepare: warm the cache, let it go stale, take Okta's keys endpoint down.
    const authorizer = await loadAuthorizer();
    await authorizer.handler(event(`Bearer ${await issuer.mint()}`));
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 11 * 60_000 });
    issuer.mode = 'down';

    // Act
    const result = await authorizer.handler(event(`Bearer ${await issuer.mint()}`));

    // Assess
    expect(result.principalId).toBe('0oaOktaHookClient');
  });

  it('denies as jwks_unavailable when the JWKS hangs and nothing is cached, within the fetch timeout', async () => {
    // Prepare
    const authorizer = await loadAuthorizer({ JWKS_TIMEOUT_MS: '300' });
    issuer.mode = 'hang';
    const started = performance.now();

    // Act
    const reason = await denialReason(authorizer, `Bearer ${await issuer.mint()}`);

    // Assess: bounded by the configured timeout, not the 5 s jose default.
    expect(reason).toBe('jwks_unavailable');
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
