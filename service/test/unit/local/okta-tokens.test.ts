// Principle: our Okta stand-ins (the load generator, the Okta CLI, the contract verifier) get tokens as Okta does,
// and never send an expired one.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportPKCS8, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenError, TokenProvider, tokenSourceFromEnv } from '../../../local/okta-tokens.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A token endpoint that records each form and answers a token living `lifetimeS` seconds. */
async function tokenServer(lifetimeS: number) {
  const forms: Array<{ form: URLSearchParams; authorization?: string }> = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', async () => {
      forms.push({ form: new URLSearchParams(body), authorization: req.headers.authorization });
      const { privateKey } = await generateKeyPair('RS256');
      const token = await new SignJWT({ n: forms.length })
        .setProtectedHeader({ alg: 'RS256' })
        .setExpirationTime(Math.floor(Date.now() / 1000) + lifetimeS)
        .sign(privateKey);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: token, expires_in: lifetimeS, token_type: 'Bearer' }));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/v1/token`, forms };
}

describe('tokens', () => {
  it('fetches by client credentials with a secret, then reuses the token', async () => {
    // Prepare
    const { url, forms } = await tokenServer(3600);
    const provider = new TokenProvider({
      kind: 'client-credentials',
      tokenUrl: url,
      clientId: 'c',
      clientSecret: 's',
      scope: 'phone-mfa.send',
    });

    // Act
    const first = await provider.token();
    const second = await provider.token();

    // Assess
    expect(second).toBe(first);
    expect(forms).toHaveLength(1);
    expect(forms[0]!.form.get('grant_type')).toBe('client_credentials');
    expect(forms[0]!.form.get('scope')).toBe('phone-mfa.send');
    expect(forms[0]!.authorization).toBe(`Basic ${Buffer.from('c:s').toString('base64')}`);
  });

  it('fetches a new token before the old one expires', async () => {
    // Prepare
    const { url, forms } = await tokenServer(300);
    let now = Date.now();
    const provider = new TokenProvider(
      { kind: 'client-credentials', tokenUrl: url, clientId: 'c', clientSecret: 's', scope: 'x' },
      () => now,
    );
    const first = await provider.token();

    // Act: 4 minutes 30 later, inside the 60 s margin before expiry
    now += 270_000;
    const second = await provider.token();

    // Assess
    expect(forms).toHaveLength(2);
    expect(decodeJwt(second).n).toBe(2);
    expect(second).not.toBe(first);
  });

  it('signs a private key JWT client assertion for the token URL', async () => {
    // Prepare
    const { url, forms } = await tokenServer(3600);
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const provider = new TokenProvider({
      kind: 'client-credentials',
      tokenUrl: url,
      clientId: '0oaClient',
      scope: 'x',
      privateKey: await exportPKCS8(privateKey),
      keyId: 'k1',
    });

    // Act
    await provider.token();

    // Assess
    const form = forms[0]!.form;
    expect(forms[0]!.authorization).toBeUndefined();
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const claims = decodeJwt(form.get('client_assertion')!);
    expect(claims).toMatchObject({ iss: '0oaClient', sub: '0oaClient', aud: url });
    expect(claims.jti).toBeTruthy();
  });

  it('refuses an expired OKTA_TOKEN and a client id without a secret or key', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setExpirationTime(1)
      .sign(privateKey);

    await expect(new TokenProvider(tokenSourceFromEnv({ OKTA_TOKEN: expired })).token()).rejects.toThrow(
      /expired/,
    );
    expect(() => tokenSourceFromEnv({ OKTA_CLIENT_ID: 'c', OKTA_ISSUER: 'https://x' })).toThrow(TokenError);
    expect(
      tokenSourceFromEnv({ OKTA_CLIENT_ID: 'c', OKTA_CLIENT_SECRET: 's', OKTA_ISSUER: 'https://x/' }),
    ).toMatchObject({
      tokenUrl: 'https://x/v1/token',
    });
  });
});
