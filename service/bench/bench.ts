/**
 * `npm run bench [-- --json]`: the service's speed, measured on this machine.
 * - authorizerVerifyPerSec: full authorizer invocations per second with a warm JWKS, one process.
 * - hookWarmP50Ms / hookWarmP99Ms: 1,000 sequential in-process deliveries after warm-up, cached templates,
 *   dynalite idempotency, a zero-latency End User Messaging stand-in. The backends run in a child process, as they
 *   run elsewhere in AWS, so the figure is the handler's own time plus loopback round trips.
 * - hookWarmP99MsLargeTable: the same with 10,000 extra items in the templates table.
 * - *BundleBytes / *RequireMs: esbuild bundles built as the deploy builds them, and the median `require()` time in a
 *   fresh Node process.
 * Everything runs on 127.0.0.1.
 */
import '../../scripts/require-node24.cjs';
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { loadFixture } from '../../contracts/fixtures/index.js';
import { esbuildOptions, handlerEntries } from '../../infra/lib/bundling.js';
import { lambdaContext } from '../local/lambda-context.js';
import { TestIssuer } from '../test/helpers/jwks-server.js';

const json = process.argv.includes('--json');
const WARMUP = 200;
const RUNS = 1_000;

/** Silences stdout while `fn` runs (the handlers' log lines would drown the report; their cost still counts). */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
  }
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Number(sorted[Math.max(0, index)]!.toFixed(2));
}

async function benchAuthorizer(): Promise<number> {
  const issuer = await new TestIssuer().start();
  Object.assign(process.env, { OKTA_ISSUER: issuer.issuer, OKTA_AUDIENCE: 'api://okta-phone-mfa' });
  const { handler } = await import('../src/handlers/authorize-hook.js');
  const token = await issuer.mint({ expiresInSeconds: 3600 });
  const event = {
    type: 'TOKEN' as const,
    methodArn: 'arn:aws:execute-api:us-east-1:1:api/prod/POST/hook',
    authorizationToken: `Bearer ${token}`,
  };
  for (let i = 0; i < 500; i += 1) await handler(event);
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < 2_000) {
    await handler(event);
    count += 1;
  }
  const perSec = Math.round(count / ((performance.now() - started) / 1000));
  await issuer.stop();
  return perSec;
}

/** Starts the backends in a child process and resolves their endpoints. */
async function startBackends(extraItems: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'service/bench/backends.ts', '--extra', String(extraItems)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`backends exited with ${code}`)));
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()));
  });
  const endpoints = JSON.parse(line) as {
    dynamodb: string;
    messaging: string;
    sqs: string;
    queueUrl: string;
  };
  return { ...endpoints, stop: () => child.stdin.end() };
}

async function benchHook(extraItems: number): Promise<{ p50: number; p99: number }> {
  const backends = await startBackends(extraItems);
  Object.assign(process.env, {
    TEMPLATES_TABLE_NAME: 'templates',
    IDEMPOTENCY_TABLE_NAME: 'idempotency',
    DLQ_URL: backends.queueUrl,
    DYNAMODB_ENDPOINT: backends.dynamodb,
    SMS_VOICE_ENDPOINT: backends.messaging,
    SQS_ENDPOINT: backends.sqs,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
  });
  // A fresh module per run: a separate cold start, with its own caches.
  const { handler } = await import(`../src/handlers/deliver-otp.js?bench=${extraItems}`);
  const fixture = loadFixture('request-sms-mfa-verification');
  const invoke = async () => {
    fixture.eventId = randomUUID();
    const started = performance.now();
    const result = await handler({ body: JSON.stringify(fixture) }, lambdaContext('deliver-otp'));
    const elapsed = performance.now() - started;
    if (!result.body.includes('SUCCESSFUL')) throw new Error(`bench delivery failed: ${result.body}`);
    return elapsed;
  };
  const timings = await quietly(async () => {
    for (let i = 0; i < WARMUP; i += 1) await invoke();
    const out: number[] = [];
    for (let i = 0; i < RUNS; i += 1) out.push(await invoke());
    return out;
  });
  backends.stop();
  timings.sort((a, b) => a - b);
  return { p50: percentile(timings, 50), p99: percentile(timings, 99) };
}

async function benchBundles(): Promise<Record<string, number>> {
  const outdir = join(process.cwd(), '.bench');
  mkdirSync(outdir, { recursive: true });
  const out: Record<string, number> = {};
  const bundles = { authorizer: handlerEntries.authorizeHook, hook: handlerEntries.deliverOtp };
  for (const [name, entry] of Object.entries(bundles)) {
    const outfile = join(outdir, `${name}.cjs`);
    await build({
      ...esbuildOptions,
      mainFields: [...esbuildOptions.mainFields],
      entryPoints: [entry],
      outfile,
      logLevel: 'silent',
    });
    out[`${name}BundleBytes`] = statSync(outfile).size;
    const samples: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      const ms = execFileSync(
        process.execPath,
        [
          '-e',
          `const t=performance.now();require(${JSON.stringify(outfile)});process.stdout.write(String(performance.now()-t))`,
        ],
        { env: { ...process.env, ...benchEnv }, encoding: 'utf8' },
      );
      samples.push(Number(ms));
    }
    samples.sort((a, b) => a - b);
    out[`${name}RequireMs`] = Number(samples[4]!.toFixed(1));
  }
  return out;
}

/** Valid settings so the bundles' cold-start config check passes. */
const benchEnv = {
  OKTA_ISSUER: 'https://example.okta.com/oauth2/default',
  OKTA_AUDIENCE: 'api://okta-phone-mfa',
  TEMPLATES_TABLE_NAME: 'templates',
  IDEMPOTENCY_TABLE_NAME: 'idempotency',
  DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/dlq',
  AWS_REGION: 'us-east-1',
};

const authorizerVerifyPerSec = await benchAuthorizer();
const warm = await benchHook(0);
const large = await benchHook(10_000);
const bundles = await benchBundles();
const result = {
  date: new Date().toISOString(),
  machine: `${(await import('node:os')).cpus().length} cores, ${Math.round((await import('node:os')).totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  authorizerVerifyPerSec,
  hookWarmP50Ms: warm.p50,
  hookWarmP99Ms: warm.p99,
  hookWarmP99MsLargeTable: large.p99,
  ...bundles,
};
if (json) {
  console.log(JSON.stringify(result));
} else {
  console.table(result);
}
