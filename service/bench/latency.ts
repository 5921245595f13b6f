/**
 * Latency profiles for the bench and the local load runs: how long each stand-in holds a call, so that figures are
 * measured on what production waits for rather than on loopback.
 *
 * `production` (per call, one way through the service; the figures issue #26 sets, each within what AWS publishes or
 * reports for calls from a Lambda in the same region):
 * - DynamoDB 4 ms (single-digit-millisecond reads and writes, plus the HTTPS hop);
 * - End User Messaging 60 ms (SendTextMessage / SendVoiceMessage accept the message; the carrier's delivery comes
 *   later in a receipt);
 * - Secrets Manager 15 ms (GetSecretValue, once per cold start);
 * - SQS 10 ms (SendMessage, only on a failure's DLQ record);
 * - Okta's JWKS 80 ms (an HTTPS GET to the org, across the internet, once per cold start and per key rotation).
 */
import { createServer, request as httpRequest, type Server } from 'node:http';

/** Milliseconds each stand-in holds a call. */
export type LatencyProfile = {
  dynamodb: number;
  messaging: number;
  secretsManager: number;
  sqs: number;
  jwks: number;
};

/** The profiles by name (`--latency zero|production`). */
export const LATENCY_PROFILES: Record<'zero' | 'production', LatencyProfile> = {
  zero: { dynamodb: 0, messaging: 0, secretsManager: 0, sqs: 0, jwks: 0 },
  production: { dynamodb: 4, messaging: 60, secretsManager: 15, sqs: 10, jwks: 80 },
};

/**
 * The profile named by `--latency <name>` in `argv`, or undefined when the flag is absent.
 *
 * @param argv - the command line
 * @throws when the name is not a profile
 */
export function latencyFromArgs(
  argv: readonly string[],
): { name: string; profile: LatencyProfile } | undefined {
  const at = argv.indexOf('--latency');
  if (at < 0) return undefined;
  const name = argv[at + 1] ?? '';
  const profile = (LATENCY_PROFILES as Record<string, LatencyProfile | undefined>)[name];
  if (!profile)
    throw new Error(`--latency takes ${Object.keys(LATENCY_PROFILES).join(' or ')}, got "${name}"`);
  return { name, profile };
}

/**
 * A proxy on 127.0.0.1 that holds every request `delayMs` before passing it to `target` (and the answer straight
 * back): a stand-in's call made as slow as the service's. With 0 ms the target itself is returned, no hop added.
 *
 * @param target - the stand-in's endpoint (`http://127.0.0.1:port`)
 * @param delayMs - how long each call is held
 */
export async function delayed(
  target: string,
  delayMs: number,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  if (delayMs <= 0) return { endpoint: target, close: async () => undefined };
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      setTimeout(() => {
        const forward = httpRequest(
          { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        forward.on('error', () => {
          res.writeHead(502);
          res.end();
        });
        forward.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
