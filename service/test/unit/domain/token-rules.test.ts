// The token rules decide, with no Lambda and no network, whether a bearer token is Okta's access token for this
// hook: keys come through the key-resolver port (here an in-memory one), claims must have the shapes Okta's custom
// authorization server issues (even under a valid signature), and every refusal has its own stable reason, with
// `internal` for anything that is a bug rather than a bad token.
import {
  type CryptoKey,
  errors,
  type FlattenedJWSInput,
  generateKeyPair,
  type JWSHeaderParameters,
  SignJWT,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bearerToken,
  DENY_REASONS,
  denialReason,
  JwksUnavailableError,
  type KeyResolver,
  TokenDeniedError,
  type TokenRules,
  verifyToken,
} from '../../../src/domain/token-rules.js';

const RULES: TokenRules = {
  issuer: 'https://acme.okta.com/oauth2/default',
  audience: 'api://okta-phone-mfa',
  requiredScope: 'phone-mfa.send',
  allowedClientIds: ['0oaOktaHookClient'],
  algorithms: ['RS256'],
  clockToleranceSeconds: 60,
  maxTokenLifetimeSeconds: 86_400,
};

const nowSeconds = () => Math.floor(Date.now() / 1000);

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/** The port, in memory: public keys by kid; counts how often it is asked. */
class InMemoryKeys implements KeyResolver {
  asked = 0;
  constructor(readonly keys: Map<string, CryptoKey>) {}

  async keyFor(header: JWSHeaderParameters, _token: FlattenedJWSInput): Promise<CryptoKey> {
    this.asked += 1;
    const key = this.keys.get(header.kid ?? '');
    if (!key) throw new errors.JWKSNoMatchingKey();
    return key;
  }
}

/** A port that fails the way the given function does. */
const failingKeys = (fail: () => never): KeyResolver => ({ keyFor: async () => fail() });

let okta: KeyPair;
let keys: InMemoryKeys;

async function sign(
  options: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: KeyPair } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: RULES.issuer,
    aud: RULES.audience,
    sub: '0oaOktaHookClient',
    cid: '0oaOktaHookClient',
    scp: ['phone-mfa.send'],
    iat: now,
    exp: now + 300,
    ...options.claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'okta-1', ...options.header })
    .sign((options.key ?? okta).privateKey);
}

/** The reason a token is refused with, through the same mapping the handler uses. */
async function reasonFor(token: string, port: KeyResolver = keys): Promise<string> {
  const error = await verifyToken(token, RULES, port).then(
    () => expect.fail('the token was allowed'),
    (e: unknown) => e,
  );
  return denialReason(error);
}

beforeAll(async () => {
  okta = await generateKeyPair('RS256');
  keys = new InMemoryKeys(new Map([['okta-1', okta.publicKey]]));
});

describe('allowing', () => {
  it('allows Okta’s access token and names its client and subject', async () => {
    // Act
    const verified = await verifyToken(await sign(), RULES, keys);

    // Assess
    expect(verified).toMatchObject({ clientId: '0oaOktaHookClient', subject: '0oaOktaHookClient' });
    expect(verified.claims.iss).toBe(RULES.issuer);
  });

  it('reads the scope from the scp array, whatever other scopes it holds', async () => {
    const token = await sign({ claims: { scp: ['openid', 'phone-mfa.send'] } });
    await expect(verifyToken(token, RULES, keys)).resolves.toHaveProperty('clientId', '0oaOktaHookClient');
  });

  it('allows any client when the allow-list is empty, naming it from cid alone', async () => {
    // Prepare: client_id and sub are not where Okta names the client of an access token
    const open = { ...RULES, allowedClientIds: [] };
    const token = await sign({ claims: { cid: '0oaOther', client_id: '0oaImpostor', sub: 'svc' } });

    // Act
    const verified = await verifyToken(token, open, keys);

    // Assess
    expect(verified).toMatchObject({ clientId: '0oaOther', subject: 'svc' });
  });

  it('tolerates the configured clock skew on exp', async () => {
    await expect(
      verifyToken(await sign({ claims: { exp: nowSeconds() - 30 } }), RULES, keys),
    ).resolves.toBeDefined();
  });

  it('allows an iat ahead of its clock by less than the clock tolerance', async () => {
    // Prepare: Okta's clock 30 s ahead of ours
    const iat = nowSeconds() + 30;
    const token = await sign({ claims: { iat, exp: iat + 300 } });

    // Act & Assess
    await expect(verifyToken(token, RULES, keys)).resolves.toBeDefined();
  });

  it('allows a token that lives exactly the longest lifetime, 24 h by default', async () => {
    // Prepare
    const iat = nowSeconds();
    const token = await sign({ claims: { iat, exp: iat + 86_400 } });

    // Act & Assess
    await expect(verifyToken(token, RULES, keys)).resolves.toBeDefined();
  });
});

describe('denying', () => {
  it.each([
    ['the wrong issuer', { iss: 'https://evil.example.com/oauth2/default' }, 'issuer'],
    ['the wrong audience', { aud: 'api://other' }, 'audience'],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 120 }, 'expired'],
    ['a token not valid yet', { nbf: Math.floor(Date.now() / 1000) + 600 }, 'not_yet_valid'],
    ['a token without the scope', { scp: ['openid'] }, 'scope'],
    ['a client that is not allowed', { cid: '0oaStranger' }, 'client'],
    ['a token without exp', { exp: undefined }, 'malformed'],
  ])('denies %s', async (_name, claims, reason) => {
    expect(await reasonFor(await sign({ claims }))).toBe(reason);
  });

  it('lists every reason it can give, for the dashboard and the runbook', () => {
    expect(DENY_REASONS).toEqual(
      expect.arrayContaining([
        'missing',
        'malformed',
        'missing_kid',
        'issued_in_future',
        'lifetime',
        'audience_shape',
        'scope_shape',
        'client_shape',
        'unknown_key',
        'jwks_unavailable',
        'internal',
      ]),
    );
  });

  it('denies a signature by another key under a known kid', async () => {
    const forger = await generateKeyPair('RS256');
    expect(await reasonFor(await sign({ key: forger }))).toBe('signature');
  });

  it('denies an algorithm that is not allowed without asking for a key', async () => {
    // Prepare
    const port = new InMemoryKeys(keys.keys);
    const token = await new SignJWT({ iss: RULES.issuer })
      .setProtectedHeader({ alg: 'HS256', kid: 'okta-1' })
      .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!'));

    // Act & Assess
    expect(await reasonFor(token, port)).toBe('signature');
    expect(port.asked).toBe(0);
  });

  it('denies a token without a kid as missing_kid without asking for a key', async () => {
    // Prepare: a kid-less header, which a single-key JWKS would otherwise match
    const port = new InMemoryKeys(keys.keys);
    const token = await new SignJWT({ iss: RULES.issuer, aud: RULES.audience, scp: [RULES.requiredScope] })
      .setProtectedHeader({ alg: 'RS256' })
      .setExpirationTime('5m')
      .sign(okta.privateKey);

    // Act & Assess
    expect(await reasonFor(token, port)).toBe('missing_kid');
    expect(port.asked).toBe(0);
  });

  it('denies a kid the key resolver does not know as unknown_key', async () => {
    expect(await reasonFor(await sign({ header: { kid: 'rotated-away' } }))).toBe('unknown_key');
  });

  it('denies as jwks_unavailable when the key resolver cannot reach the keys', async () => {
    const port = failingKeys(() => {
      throw new JwksUnavailableError('Okta JWKS is unreachable and no keys are cached');
    });
    expect(await reasonFor(await sign(), port)).toBe('jwks_unavailable');
  });

  it.each([
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'kid')")],
    ['a plain Error', new Error('boom')],
  ])('denies as internal, not malformed, when the key resolver throws %s', async (_name, bug) => {
    const port = failingKeys(() => {
      throw bug;
    });
    expect(await reasonFor(await sign(), port)).toBe('internal');
  });

  it('maps anything that is not a known token or key error to internal', () => {
    expect(denialReason('a thrown string')).toBe('internal');
    expect(denialReason(new RangeError('bug'))).toBe('internal');
    expect(denialReason(new errors.JWSInvalid('not a JWS'))).toBe('malformed');
    expect(denialReason(new errors.JWKSTimeout())).toBe('jwks_unavailable');
  });
});

describe('claims in shapes Okta never issues', () => {
  // Okta's custom authorization server issues `aud` (its one audience) and `cid` as strings and `scp` as a JSON
  // array of strings, and always sets `iat`: anything else did not come from Okta, whatever key signed it.
  it.each([
    ['a cid array holding the allowed client id', 'client_shape', { cid: ['0oaOktaHookClient'] }],
    ['a cid that is a number', 'client_shape', { cid: 42 }],
    ['an empty cid', 'client_shape', { cid: '' }],
    [
      'no cid, with the client named in client_id',
      'client_shape',
      { cid: undefined, client_id: '0oaOktaHookClient' },
    ],
    ['an aud array holding the audience', 'audience_shape', { aud: ['api://okta-phone-mfa', 'api://other'] }],
    ['an aud array holding only the audience', 'audience_shape', { aud: ['api://okta-phone-mfa'] }],
    ['scp as a space-separated string', 'scope_shape', { scp: 'openid phone-mfa.send' }],
    ['a scope claim without scp', 'scope_shape', { scp: undefined, scope: 'phone-mfa.send' }],
    ['an scp array holding a non-string', 'scope_shape', { scp: ['phone-mfa.send', 7] }],
    ['a token without iat', 'malformed', { iat: undefined }],
    ['an iat that is not a number', 'malformed', { iat: '1700000000' }],
  ])('denies %s as %s', async (_name, reason, claims) => {
    expect(await reasonFor(await sign({ claims }))).toBe(reason);
  });

  it('denies a cid array holding the allowed id even when any client is allowed', async () => {
    // Prepare
    const open = { ...RULES, allowedClientIds: [] };
    const token = await sign({ claims: { cid: ['0oaOktaHookClient'] } });

    // Act
    const error = await verifyToken(token, open, keys).catch((e: unknown) => e);

    // Assess
    expect(denialReason(error)).toBe('client_shape');
  });

  it('ignores a scope claim next to the scp array: scp alone grants scopes', async () => {
    const token = await sign({ claims: { scp: ['openid'], scope: 'phone-mfa.send' } });
    expect(await reasonFor(token)).toBe('scope');
  });

  it('denies an iat in the future beyond the clock tolerance as issued_in_future', async () => {
    // Prepare: issued 120 s from now, with a normal 5-minute lifetime
    const iat = nowSeconds() + 120;
    const token = await sign({ claims: { iat, exp: iat + 300 } });

    // Act & Assess
    expect(await reasonFor(token)).toBe('issued_in_future');
  });

  it('denies a token that lives a second longer than the longest lifetime as lifetime', async () => {
    // Prepare
    const iat = nowSeconds();
    const token = await sign({ claims: { iat, exp: iat + 86_401 } });

    // Act & Assess
    expect(await reasonFor(token)).toBe('lifetime');
  });

  it('denies an old iat with a far exp as lifetime, though neither is expired nor in the future', async () => {
    // Prepare: issued two days ago, valid for another hour
    const now = nowSeconds();
    const token = await sign({ claims: { iat: now - 2 * 86_400, exp: now + 3_600 } });

    // Act & Assess
    expect(await reasonFor(token)).toBe('lifetime');
  });

  it('measures the lifetime against the configured maximum', async () => {
    // Prepare: an org whose access policy rule issues 1-hour tokens
    const hourly = { ...RULES, maxTokenLifetimeSeconds: 3_600 };
    const iat = nowSeconds();

    // Act
    const allowed = await verifyToken(await sign({ claims: { iat, exp: iat + 3_600 } }), hourly, keys);
    const refused = await verifyToken(await sign({ claims: { iat, exp: iat + 3_601 } }), hourly, keys).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(allowed.clientId).toBe('0oaOktaHookClient');
    expect(denialReason(refused)).toBe('lifetime');
  });
});

describe('the Authorization header', () => {
  it('reads the token of "Bearer <jwt>", the scheme in any case', () => {
    expect(bearerToken('bEaReR a.b.c')).toBe('a.b.c');
  });

  it.each([
    [undefined, 'missing'],
    ['   ', 'missing'],
    ['Basic dXNlcjpwYXNz', 'malformed'],
    ['Bearer not-a-jwt', 'malformed'],
  ])('refuses %j as %s', (header, reason) => {
    expect(() => bearerToken(header)).toThrowError(expect.objectContaining({ reason }));
    expect(() => bearerToken(header)).toThrowError(TokenDeniedError);
  });
});
