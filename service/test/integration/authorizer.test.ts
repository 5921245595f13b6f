/**
 * The local API Gateway runs the real TOKEN authorizer: every kind of bad token is refused with API Gateway's 401
 * and nothing is sent, a token whose claims do not have Okta's shapes too, under its own reason in the
 * authorizer's log and `AuthorizerDenied` metric; IAM policy evaluation turns a Deny into 403; decisions are cached per token for the TTL; and
 * tokens signed by a key rotated in right after the authorizer fetched the JWKS verify within its 2 s cooldown
 * (a denial there would be cached by API Gateway for the token's TTL).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalApiGateway } from '../../local/gateway/api-gateway.js';
import { evaluatePolicy } from '../../local/gateway/policy.js';
import type { MintRequest } from '../../local/issuer.js';
import type { LocalFunction } from '../../local/runtime/local-function.js';
import type { LocalStack } from '../../local/stack.js';
import type { OktaErrorResponse } from '../../src/domain/okta-response.js';
import { hookRequest, mint, outbox, postHook, resetStack, startStack } from './helpers.js';

let stack: LocalStack;
/** The stack's stdout, one line each, prefixed with the source (`[authorize-hook] {…}`). */
const lines: string[] = [];

beforeAll(async () => {
  // The authorizer runs with the production JWKS settings: no test override of JWKS_COOLDOWN_MS.
  stack = await startStack({ log: (line) => lines.push(line) });
});
afterAll(() => stack?.close());
beforeEach(() => resetStack(stack));

const unsigned = (header: object, claims: object) =>
  `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

describe('every authorizer denial', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const cases: Array<[string, (s: LocalStack) => Promise<string | null>]> = [
    ['no Authorization header', async () => null],
    ['a Basic credential', async () => 'Basic MG9hOnNlY3JldA=='],
    ['a bearer that is not a JWT', async () => 'Bearer not-a-token'],
    ['an expired token', async (s) => `Bearer ${await mint(s, { expiresInSeconds: -3600 })}`],
    ['a token not valid yet', async (s) => `Bearer ${await mint(s, { claims: { nbf: now() + 3600 } })}`],
    ['a token without exp', async (s) => `Bearer ${await mint(s, { omitClaims: ['exp'] })}`],
    [
      'another issuer',
      async (s) => `Bearer ${await mint(s, { claims: { iss: 'https://evil.example.com/oauth2/default' } })}`,
    ],
    ['another audience', async (s) => `Bearer ${await mint(s, { claims: { aud: 'api://something-else' } })}`],
    [
      'a token without the scope',
      async (s) => `Bearer ${await mint(s, { claims: { scp: ['okta.users.read'] } })}`,
    ],
    [
      'a client that is not allowed',
      async (s) => `Bearer ${await mint(s, { claims: { cid: '0oaSomeOtherClient' } })}`,
    ],
    ['an unknown kid', async (s) => `Bearer ${await mint(s, { header: { kid: 'no-such-key' } })}`],
    [
      'a signature by another key with the same kid',
      async (s) => {
        const { privateKey } = await generateKeyPair('RS256');
        const kid = s.oauth.currentKey().kid;
        const claims = {
          iss: s.issuer,
          aud: s.audience,
          cid: s.clientId,
          scp: [s.scope],
          iat: now(),
          exp: now() + 300,
        };
        return `Bearer ${await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey)}`;
      },
    ],
    [
      'an unsigned token (alg none)',
      async (s) =>
        `Bearer ${unsigned({ alg: 'none', kid: s.oauth.currentKey().kid }, { iss: s.issuer, aud: s.audience, cid: s.clientId, scp: [s.scope], iat: now(), exp: now() + 300 })}`,
    ],
  ];

  it.each(cases)('answers 401 Unauthorized for %s, and sends nothing', async (_name, authorization) => {
    const answer = await postHook(stack, hookRequest(), { authorization: await authorization(stack) });

    expect(answer.status).toBe(401);
    // API Gateway's own answer, in Okta's error format (the UNAUTHORIZED gateway response).
    expect(answer.body.error.errorCauses).toEqual([
      { errorSummary: 'Unauthorized', reason: 'UNAUTHORIZED', location: 'Authorization' },
    ]);
    expect(answer.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');
    expect(await outbox(stack)).toEqual([]);
  });

  it('refuses a missing or non-bearer header without invoking the authorizer, as the validation regex does', async () => {
    const before = stack.gateway.stats().authorizerInvocations;

    await postHook(stack, hookRequest(), { authorization: null });
    await postHook(stack, hookRequest(), { authorization: 'Token abc.def.ghi' });

    expect(stack.gateway.stats().authorizerInvocations).toBe(before);
  });
});

describe('claims in shapes Okta never issues', () => {
  const now = () => Math.floor(Date.now() / 1000);

  /** The authorizer's JSON lines (logs and EMF metrics) since `lines` was last emptied. */
  const authorizerEntries = () =>
    lines
      .filter((line) => line.startsWith('[authorize-hook] {'))
      .map((line) => JSON.parse(line.slice(line.indexOf(' ') + 1)) as Record<string, any>);

  /** Waits for the authorizer's "Token denied" line and its AuthorizerDenied metric (worker stdout is async). */
  async function denial(): Promise<{ logged?: unknown; counted?: unknown }> {
    const deadline = Date.now() + 2_000;
    for (;;) {
      const entries = authorizerEntries();
      const logged = entries.find((entry) => entry.message === 'Token denied')?.reason;
      const counted = entries.find((entry) => entry.AuthorizerDenied !== undefined)?.reason;
      if ((logged && counted) || Date.now() > deadline) return { logged, counted };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const cases: Array<[string, string, MintRequest]> = [
    [
      'a cid array holding the allowed client id',
      'client_shape',
      { claims: { cid: ['0oaLocalOktaHookClient'] } },
    ],
    ['an aud array holding the audience', 'audience_shape', { claims: { aud: ['api://okta-phone-mfa'] } }],
    ['scp as a space-separated string', 'scope_shape', { claims: { scp: 'phone-mfa.send' } }],
    [
      'a scope claim without scp',
      'scope_shape',
      { claims: { scope: 'phone-mfa.send' }, omitClaims: ['scp'] },
    ],
    ['an iat 10 minutes in the future', 'issued_in_future', { claims: { iat: now() + 600 } }],
    ["a lifetime a second over Okta's 24 h maximum", 'lifetime', { expiresInSeconds: 86_401 }],
    ['no iat', 'malformed', { omitClaims: ['iat'] }],
  ];

  it.each(cases)(
    'answers 401 for %s, sends nothing, and logs and counts the denial as %s',
    async (_name, reason, request) => {
      // Prepare
      const token = await mint(stack, request);
      lines.length = 0;

      // Act
      const answer = await postHook(stack, hookRequest(), { token });

      // Assess
      expect(answer.status).toBe(401);
      expect(answer.body.error.errorCauses[0]).toMatchObject({
        errorSummary: 'Unauthorized',
        reason: 'UNAUTHORIZED',
      });
      expect(await outbox(stack)).toEqual([]);
      expect(await denial()).toEqual({ logged: reason, counted: reason });
      expect(lines.join('\n')).not.toContain(token.split('.')[2]!);
    },
  );

  it("allows the local issuer's own token, shaped as Okta's: aud and cid strings, an scp array, iat", async () => {
    // Prepare
    const token = await mint(stack);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

    // Act
    const answer = await postHook(stack, hookRequest(), { token });

    // Assess
    expect(answer.status).toBe(200);
    expect(claims).toMatchObject({ aud: stack.audience, cid: stack.clientId, scp: [stack.scope] });
    expect(claims.exp - claims.iat).toBe(3_600);
  });
});

describe('IAM policy evaluation', () => {
  const arn = 'arn:aws:execute-api:us-east-1:000000000000:api/local/POST/hook';
  const statement = (Effect: 'Allow' | 'Deny', Resource: string) => ({
    Action: 'execute-api:Invoke',
    Effect,
    Resource,
  });

  it('allows a matching Allow, lets an explicit Deny win, and denies what nothing allows', () => {
    expect(evaluatePolicy({ Version: '2012-10-17', Statement: [statement('Allow', arn)] }, arn)).toBe(
      'allow',
    );
    expect(
      evaluatePolicy(
        {
          Version: '2012-10-17',
          Statement: [statement('Allow', '*'), statement('Deny', `${arn.slice(0, -10)}/*`)],
        },
        arn,
      ),
    ).toBe('deny');
    expect(
      evaluatePolicy({ Version: '2012-10-17', Statement: [statement('Allow', `${arn}/other`)] }, arn),
    ).toBe('no-match');
  });

  it('answers 403 for a Deny policy and for a policy that allows another resource, without invoking the hook', async () => {
    // Prepare: the gateway with a stand-in authorizer whose policy depends on the token
    let hookCalls = 0;
    const authorizer = {
      invoke: async (event: { authorizationToken: string; methodArn: string }) => ({
        principalId: 'okta',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Action: 'execute-api:Invoke',
              Effect: event.authorizationToken.includes('deny') ? 'Deny' : 'Allow',
              Resource: event.authorizationToken.includes('other')
                ? `${event.methodArn}/other`
                : event.methodArn,
            },
          ],
        },
      }),
    } as unknown as LocalFunction;
    const hook = {
      invoke: async () => {
        hookCalls += 1;
        return { statusCode: 200, body: '{}' };
      },
    } as unknown as LocalFunction;
    const gateway = new LocalApiGateway({ authorizer, hook });
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req
        .on('data', (c) => chunks.push(c))
        .on('end', () => void gateway.handle(req, res, Buffer.concat(chunks)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const call = (token: string) =>
      fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify(hookRequest()),
      });

    // Act
    const denied = await call('deny.x.y');
    const elsewhere = await call('other.x.y');
    const allowed = await call('allow.x.y');
    server.close();

    // Assess
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as OktaErrorResponse).error.errorCauses[0]).toMatchObject({
      errorSummary: 'User is not authorized to access this resource with an explicit deny',
      reason: 'ACCESS_DENIED',
    });
    expect(elsewhere.status).toBe(403);
    expect(allowed.status).toBe(200);
    expect(hookCalls).toBe(1);
  });
});

describe('the authorizer cache', () => {
  it('reuses the decision for the same token instead of invoking the authorizer again', async () => {
    // Prepare
    const token = await mint(stack);
    const before = stack.gateway.stats();

    // Act
    await postHook(stack, hookRequest(), { token });
    await postHook(stack, hookRequest(), { token });
    await postHook(stack, hookRequest(), { token });

    // Assess
    const after = stack.gateway.stats();
    expect(after.authorizerInvocations - before.authorizerInvocations).toBe(1);
    expect(after.authorizerCacheHits - before.authorizerCacheHits).toBe(2);
  });

  it('asks the authorizer again once the TTL has passed', async () => {
    const short = await startStack({ authorizerCacheTtlSeconds: 1 });
    try {
      const token = await mint(short);
      await postHook(short, hookRequest(), { token });
      await new Promise((resolve) => setTimeout(resolve, 1100));

      await postHook(short, hookRequest(), { token });

      expect(short.gateway.stats().authorizerInvocations).toBe(2);
    } finally {
      await short.close();
    }
  });
});

describe('key rotation', () => {
  it('allows a token signed by a key rotated in right after the JWKS fetch, within 2 s, and still the previous key', async () => {
    // Prepare: a first token allowed, then an unknown kid that makes the authorizer fetch the JWKS right now
    const oldToken = await mint(stack);
    const unusedOldToken = await mint(stack);
    expect((await postHook(stack, hookRequest(), { token: oldToken })).status).toBe(200);
    const stranger = await mint(stack, { header: { kid: 'not-published-yet' } });
    expect((await postHook(stack, hookRequest(), { token: stranger })).status).toBe(401);

    // Act: rotate at once, then call with a token of the new kid
    const rotatedAt = performance.now();
    const rotation = (await (
      await fetch(`${stack.baseUrl}/_local/rotate-keys`, { method: 'POST' })
    ).json()) as any;
    const newToken = await mint(stack);
    const withNew = await postHook(stack, hookRequest(), { token: newToken });
    const allowedAfterMs = performance.now() - rotatedAt;
    const withUnusedOld = await postHook(stack, hookRequest(), { token: unusedOldToken });

    // Assess
    expect(rotation.kid).not.toBe(rotation.previousKid);
    expect(JSON.parse(Buffer.from(newToken.split('.')[0]!, 'base64url').toString()).kid).toBe(rotation.kid);
    expect(withNew.status).toBe(200);
    expect(allowedAfterMs).toBeLessThan(2_000 + 500);
    expect(withUnusedOld.status).toBe(200);
    expect(await outbox(stack)).toHaveLength(3);
  });
});
