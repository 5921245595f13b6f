/**
 * Principle: the broker is optional. Without `PACT_BROKER_BASE_URL` the broker scripts say so and succeed; with one
 * they speak the broker's HTTP API (exercised here against a stand-in broker on 127.0.0.1).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pactBroker } from './pact-broker.js';

type Seen = { method: string; url: string; authorization?: string; body: string };

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let deployable = true;

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      body: await bodyOf(req),
    });
    res.writeHead(200, { 'content-type': 'application/hal+json' });
    res.end(
      req.url?.startsWith('/matrix')
        ? JSON.stringify({
            summary: {
              deployable,
              reason: deployable
                ? 'All required verification results are published and successful'
                : 'There is no verified pact',
            },
          })
        : '{}',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  seen = [];
  deployable = true;
});

function captured() {
  const lines: string[] = [];
  return { lines, io: { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line) } };
}

describe('without a Pact Broker', () => {
  it.each(['publish', 'can-i-deploy'])('%s says there is no broker and exits 0', async (command) => {
    const { lines, io } = captured();

    const code = await pactBroker([command], { PATH: process.env.PATH }, io);

    expect(code).toBe(0);
    expect(lines.join('\n')).toMatch(/PACT_BROKER_BASE_URL is not set/);
  });
});

describe('with a Pact Broker', () => {
  const env = () => ({
    PACT_BROKER_BASE_URL: `${baseUrl}/`,
    PACT_BROKER_TOKEN: 't0ken',
    GIT_COMMIT: 'abc123',
    GIT_BRANCH: 'main',
  });

  it('publishes every committed pact under the commit, with the branch', async () => {
    // Act
    const code = await pactBroker(['publish'], env(), captured().io);

    // Assess
    expect(code).toBe(0);
    const puts = seen.filter((s) => s.url.startsWith('/pacts/'));
    // Ours as provider (Okta's hook, the dlq tool), ours as consumer of the events we read (AWS, Okta) and of Okta's
    // management API (okta:connect).
    expect(puts.map((s) => s.url).sort()).toEqual([
      '/pacts/provider/aws-end-user-messaging/consumer/okta-phone-mfa-receipts/version/abc123',
      '/pacts/provider/okta-management-api/consumer/okta-phone-mfa-connect/version/abc123',
      '/pacts/provider/okta-phone-mfa/consumer/dlq/version/abc123',
      '/pacts/provider/okta-phone-mfa/consumer/okta/version/abc123',
      '/pacts/provider/okta-system-log/consumer/okta-phone-mfa-verification/version/abc123',
    ]);
    expect(seen.map((s) => s.url)).toContain('/pacticipants/okta/branches/main/versions/abc123');
    expect(seen.every((s) => s.authorization === 'Bearer t0ken')).toBe(true);
  });

  it('can-i-deploy exits 0 when the matrix says deployable and 1 when not', async () => {
    const yes = await pactBroker(['can-i-deploy', '--environment', 'staging'], env(), captured().io);
    deployable = false;
    const no = await pactBroker(['can-i-deploy'], env(), captured().io);

    expect([yes, no]).toEqual([0, 1]);
    const query = new URL(seen[0]!.url, baseUrl).searchParams;
    expect(query.get('q[][pacticipant]')).toBe('okta-phone-mfa');
    expect(query.get('q[][version]')).toBe('abc123');
    expect(query.get('environment')).toBe('staging');
  });
});
