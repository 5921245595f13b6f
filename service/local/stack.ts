/**
 * The whole local stack on one port: the local API Gateway running the real handlers, a local Okta authorization
 * server, and the AWS stand-ins (dynalite behind a proxy, End User Messaging, SQS, Secrets Manager) reached by the
 * handlers through configuration only. AWS JSON requests are told apart by their `X-Amz-Target`.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { defaultTemplateItems } from '../src/adapters/template-seed.js';
import {
  createTables,
  localDynamoClient,
  type RunningDynalite,
  seedTemplates,
  startDynalite,
} from './dynalite.js';
import { MESSAGING_FAULT_MODES, MessagingEmulator, type MessagingFault } from './emulators/messaging.js';
import { generateSecretValue, SecretsManagerEmulator } from './emulators/secrets-manager.js';
import { SqsEmulator } from './emulators/sqs.js';
import { LocalApiGateway } from './gateway/api-gateway.js';
import { LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, LocalIssuer, type MintRequest, OAuthError } from './issuer.js';
import { type LineSink, renderLine } from './log-output.js';
import { outboxPage } from './outbox-page.js';
import { lockPersistDir } from './persist-lock.js';
import { RefusalLog } from './refusals.js';
import { LocalFunction } from './runtime/local-function.js';

/** What `POST /_local/faults` sets. */
export type Faults = {
  messaging?: MessagingFault;
  templates?: 'unavailable';
  jwks?: 'unavailable';
  /** Every DynamoDB request (every table) waits this long, then is processed, as by a slow table. */
  dynamodb?: { mode: 'latency'; latencyMs: number };
  /** The abuse guard's table is unreachable (its connections drop): the hook fails open. */
  abuse?: 'unavailable';
};

/** Options of {@link startLocalStack}. */
export type LocalStackOptions = {
  /** Port on 127.0.0.1; 0 = a free one. @default 3000 */
  port?: number;
  /** Keep dynalite's data in this directory (locked against a second stack). @default in memory */
  persistDir?: string;
  /**
   * Where the functions' log lines and the gateway's access log go, one line each, prefixed with the source.
   * @default discarded
   */
  log?: LineSink;
  /** Render log lines for humans. @default false */
  pretty?: boolean;
  /** Extra environment of the authorizer and the hook function (e.g. `JWKS_COOLDOWN_MS`, `DEADLINE_MS`). */
  env?: { authorizer?: Record<string, string>; hook?: Record<string, string> };
  /** Normal latency of the messaging stand-in, uniform between min and max (the load test uses 80–150 ms). */
  messagingLatency?: { minMs: number; maxMs: number };
  clientId?: string;
  clientSecret?: string;
  /** @default 300 (the infra's `resultsCacheTtl`) */
  authorizerCacheTtlSeconds?: number;
  /** Bodies above this are blocked as the WAF rule blocks them. @default 8192 */
  maxBodyBytes?: number;
};

/** A running local stack. */
export type LocalStack = {
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  port: number;
  hookUrl: string;
  /** The local authorization server's issuer, `${baseUrl}/oauth2/default`. */
  issuer: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  audience: string;
  scope: string;
  tables: { templates: string; idempotency: string; abuse: string };
  queueUrl: string;
  /** The DynamoDB endpoint (dynalite, behind the stack's port). */
  dynamoEndpoint: string;
  messaging: MessagingEmulator;
  sqs: SqsEmulator;
  /** The requests the abuse guard refused, read from the hook's answers (`GET /_local/refusals`). */
  refusals: RefusalLog;
  /** Holds the hook's fingerprint key under `fingerprintKeySecret`. */
  secretsManager: SecretsManagerEmulator;
  /** The name of the fingerprint key's secret (`FINGERPRINT_KEY_SECRET` of the hook). */
  fingerprintKeySecret: string;
  oauth: LocalIssuer;
  gateway: LocalApiGateway;
  faults(): Faults;
  setFaults(faults: Partial<Record<keyof Faults, unknown>>): Faults;
  clearFaults(): void;
  /** Stops everything; resolves within about a second. */
  close(): Promise<void>;
};

/** The port is taken. The message is one line naming the port and how to choose another. */
export class PortInUseError extends Error {
  public override readonly name = 'PortInUseError';
  constructor(public readonly port: number) {
    super(
      `Port ${port} on 127.0.0.1 is already in use: stop what holds it, or pick another port with PORT=${port + 1} npm start (or npm start -- --port ${port + 1})`,
    );
  }
}

/** A faults request that does not match the contract. */
class FaultsInputError extends Error {}

const TEMPLATES_TABLE = 'okta-phone-mfa-templates';
const IDEMPOTENCY_TABLE = 'okta-phone-mfa-idempotency';
const ABUSE_TABLE = 'okta-phone-mfa-abuse';
const QUEUE_NAME = 'okta-phone-mfa-dlq';
const FINGERPRINT_KEY_SECRET = 'okta-phone-mfa/fingerprint-key';
const ACCOUNT_ID = '000000000000';
/** Function timeouts of the infra: the authorizer 5 s; the hook its deadline plus 3 s. */
const AUTHORIZER_TIMEOUT_MS = 5_000;
/** Local routes accept at most this much JSON. */
const LOCAL_BODY_LIMIT = 64 * 1024;
/** AWS requests (the handlers' SDK calls) accept at most this much. */
const AWS_BODY_LIMIT = 1024 * 1024;

const handlerUrl = (name: string) => new URL(`../src/handlers/${name}.ts`, import.meta.url);

/**
 * The fingerprint key of this stack: a new random one per start, or, with `persistDir`, the one kept there (created
 * on first use, owner-only), so that persisted idempotency records still match their replays after a restart.
 */
function fingerprintKeyFor(persistDir: string | undefined): string {
  if (!persistDir) return generateSecretValue();
  const file = join(persistDir, 'fingerprint-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = generateSecretValue();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/** Reads a body; resolves undefined (after draining) when it exceeds `limit`. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) over = true;
    if (!over) chunks.push(chunk as Buffer);
  }
  return over ? undefined : Buffer.concat(chunks);
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function parseJson(body: Buffer | undefined): Record<string, unknown> {
  if (body === undefined) throw new FaultsInputError('Body too large');
  const text = body.toString('utf8').trim();
  if (!text) return {};
  const value = JSON.parse(text) as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new FaultsInputError('Expected a JSON object');
  return value as Record<string, unknown>;
}

function validateFaults(input: Record<string, unknown>): Partial<Record<keyof Faults, unknown>> {
  const known = new Set(['messaging', 'templates', 'jwks', 'dynamodb', 'abuse']);
  for (const key of Object.keys(input)) {
    if (!known.has(key))
      throw new FaultsInputError(`Unknown fault "${key}": use messaging, templates, jwks, dynamodb or abuse`);
  }
  const out: Partial<Record<keyof Faults, unknown>> = {};
  if ('dynamodb' in input) {
    const d = input.dynamodb as { mode?: unknown; latencyMs?: unknown } | null;
    if (d === null) out.dynamodb = null;
    else if (d?.mode !== 'latency' || !Number.isInteger(d.latencyMs) || (d.latencyMs as number) < 0) {
      throw new FaultsInputError('dynamodb must be {"mode":"latency","latencyMs":<non-negative integer>}');
    } else out.dynamodb = { mode: 'latency', latencyMs: d.latencyMs };
  }
  if ('messaging' in input) {
    const m = input.messaging as { mode?: unknown; latencyMs?: unknown } | null;
    if (m === null) out.messaging = null;
    else {
      if (!m || !(MESSAGING_FAULT_MODES as readonly unknown[]).includes(m.mode)) {
        const modes = MESSAGING_FAULT_MODES.map((mode) => `"${mode}"`);
        throw new FaultsInputError(
          `messaging.mode must be ${modes.slice(0, -1).join(', ')} or ${modes.at(-1)}`,
        );
      }
      if (m.latencyMs !== undefined && (!Number.isInteger(m.latencyMs) || (m.latencyMs as number) < 0)) {
        throw new FaultsInputError('messaging.latencyMs must be a non-negative integer');
      }
      out.messaging = {
        mode: m.mode,
        ...(m.latencyMs !== undefined ? { latencyMs: m.latencyMs } : {}),
      };
    }
  }
  for (const key of ['templates', 'jwks', 'abuse'] as const) {
    if (!(key in input)) continue;
    if (input[key] !== null && input[key] !== 'unavailable') {
      throw new FaultsInputError(`${key} must be "unavailable" (or null to clear it)`);
    }
    out[key] = input[key];
  }
  return out;
}

/**
 * Starts the local stack.
 *
 * @param options - port, persistence, logging, environment overrides
 * @returns the running stack; its `close()` stops every part
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await Promise.resolve(step()).catch(() => {});
    cleanups.length = 0;
  };
  const pretty = options.pretty ?? false;
  const sink = options.log;
  const emit = (source: string, line: string) => sink?.(renderLine(source, line, pretty));

  try {
    if (options.persistDir) cleanups.push(lockPersistDir(options.persistDir));

    const dynalite: RunningDynalite = await startDynalite(
      options.persistDir ? { persistDir: join(options.persistDir, 'dynamodb') } : {},
    );
    cleanups.push(() => dynalite.close());

    const messaging = new MessagingEmulator();
    if (options.messagingLatency)
      messaging.setLatency(options.messagingLatency.minMs, options.messagingLatency.maxMs);
    const sqs = new SqsEmulator(QUEUE_NAME);
    const refusals = new RefusalLog();
    const secretsManager = new SecretsManagerEmulator();
    secretsManager.put(FINGERPRINT_KEY_SECRET, fingerprintKeyFor(options.persistDir));
    let faults: Faults = {};
    let ready = false;
    // Set once the server listens: the routes below use them only after `ready`.
    let oauth!: LocalIssuer;
    let gateway!: LocalApiGateway;
    const functions: LocalFunction[] = [];

    const agent = new Agent({ keepAlive: true, maxSockets: 256 });
    cleanups.push(() => agent.destroy());

    const proxyDynamo = async (req: IncomingMessage, res: ServerResponse) => {
      const body = await readBody(req, AWS_BODY_LIMIT);
      if (body === undefined)
        return sendJson(res, 413, { __type: 'RequestEntityTooLarge', message: 'Too large' });
      if (faults.templates === 'unavailable' || faults.abuse === 'unavailable') {
        let table: unknown;
        try {
          table = (JSON.parse(body.toString('utf8')) as { TableName?: unknown }).TableName;
        } catch {
          table = undefined;
        }
        // "Unreachable": the connection drops, as with a network fault; the other tables stay up.
        if (faults.templates === 'unavailable' && table === TEMPLATES_TABLE) return void req.socket.destroy();
        if (faults.abuse === 'unavailable' && table === ABUSE_TABLE) return void req.socket.destroy();
      }
      // A slow table still does the work, even for a client that gave up waiting: a timed-out write may land.
      const slow = faults.dynamodb?.latencyMs;
      if (slow) await new Promise((resolve) => setTimeout(resolve, slow).unref());
      const upstream = httpRequest(
        `${dynalite.endpoint}/`,
        { method: 'POST', headers: { ...req.headers, host: new URL(dynalite.endpoint).host }, agent },
        (answer) => {
          if (res.destroyed) return void answer.resume();
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent)
          sendJson(res, 500, { __type: 'InternalServerError', message: 'dynalite failed' });
        else res.destroy();
      });
      upstream.end(body);
    };

    const routeAws = async (req: IncomingMessage, res: ServerResponse, target: string) => {
      if (target.startsWith('DynamoDB_20120810.')) return proxyDynamo(req, res);
      if (target.startsWith('PinpointSMSVoiceV2.')) return messaging.handle(req, res);
      if (target.startsWith('AmazonSQS.')) return sqs.handle(req, res);
      if (target.startsWith('secretsmanager.')) return secretsManager.handle(req, res);
      sendJson(res, 400, { __type: 'UnknownOperationException', message: `Unknown target ${target}` });
    };

    const issuerPath = '/oauth2/default';
    const route = async (req: IncomingMessage, res: ServerResponse) => {
      const method = req.method ?? 'GET';
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const target = req.headers['x-amz-target'];
      if (method === 'POST' && typeof target === 'string') return routeAws(req, res, target);

      if (path === '/_local/health' && method === 'GET') {
        const parts = {
          dynamodb: 'ok',
          messaging: 'ok',
          sqs: 'ok',
          secretsmanager: 'ok',
          oauth: oauth ? 'ok' : 'starting',
          ...Object.fromEntries(
            functions.map((fn) => [fn.name, fn.ready() ? 'ok' : ready ? 'failed' : 'starting']),
          ),
        };
        const ok = ready && Object.values(parts).every((state) => state === 'ok');
        return sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : ready ? 'degraded' : 'starting', parts });
      }
      if (!ready) return sendJson(res, 503, { message: 'The local stack is starting' });

      if (path === '/hook') {
        if (method !== 'POST') {
          return sendJson(
            res,
            403,
            { message: 'Missing Authentication Token' },
            { 'x-amzn-errortype': 'MissingAuthenticationTokenException' },
          );
        }
        return gateway.handle(req, res, await readBody(req, options.maxBodyBytes ?? 8192));
      }
      if (path === `${issuerPath}/.well-known/oauth-authorization-server` && method === 'GET') {
        return sendJson(res, 200, oauth.metadata());
      }
      if (path === `${issuerPath}/v1/keys` && method === 'GET') {
        // "Unreachable": the connection drops before an answer.
        if (faults.jwks === 'unavailable') return void req.socket.destroy();
        return sendJson(res, 200, oauth.jwks(), { 'cache-control': 'max-age=3600' });
      }
      if (path === `${issuerPath}/v1/token` && method === 'POST') {
        const body = await readBody(req, LOCAL_BODY_LIMIT);
        try {
          const form = new URLSearchParams(body?.toString('utf8') ?? '');
          return sendJson(res, 200, await oauth.token(form, req.headers.authorization));
        } catch (error) {
          if (!(error instanceof OAuthError)) throw error;
          return sendJson(res, error.status, { error: error.error, error_description: error.message });
        }
      }
      if (path === '/_local/mint' && method === 'POST') {
        const input = parseJson(await readBody(req, LOCAL_BODY_LIMIT)) as MintRequest;
        return sendJson(res, 200, { token: await oauth.mint(input) });
      }
      if (path === '/_local/rotate-keys' && method === 'POST') {
        await readBody(req, LOCAL_BODY_LIMIT);
        return sendJson(res, 200, await oauth.rotateKeys());
      }
      if (path === '/_local/outbox') {
        if (method === 'GET') return sendJson(res, 200, { messages: messaging.outbox() });
        if (method === 'DELETE') {
          messaging.clear();
          return sendJson(res, 200, { messages: [] });
        }
      }
      if (path === '/_local/dlq') {
        if (method === 'GET') {
          return sendJson(res, 200, {
            messages: sqs
              .messages()
              .map(({ messageId, body, receivedAt }) => ({ messageId, body, receivedAt })),
          });
        }
        if (method === 'DELETE') {
          sqs.clear();
          return sendJson(res, 200, { messages: [] });
        }
      }
      if (path === '/_local/refusals') {
        if (method === 'GET') return sendJson(res, 200, { refusals: refusals.list() });
        if (method === 'DELETE') {
          refusals.clear();
          return sendJson(res, 200, { refusals: [] });
        }
      }
      if (path === '/_local/faults') {
        if (method === 'GET') return sendJson(res, 200, faults);
        if (method === 'POST')
          return sendJson(res, 200, stack.setFaults(parseJson(await readBody(req, LOCAL_BODY_LIMIT))));
        if (method === 'DELETE') {
          stack.clearFaults();
          return sendJson(res, 200, faults);
        }
      }
      if (path === '/' && method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        return void res.end(outboxPage());
      }
      sendJson(res, 404, { message: `No route for ${method} ${path}` });
    };

    const server = createServer((req, res) => {
      route(req, res).catch((error: unknown) => {
        if (error instanceof FaultsInputError || error instanceof SyntaxError) {
          return sendJson(res, 400, { message: error.message });
        }
        sendJson(res, 500, { message: 'The local stack failed on this request' });
      });
    });
    server.keepAliveTimeout = 5_000;
    const requestedPort = options.port ?? 3000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new PortInUseError(requestedPort) : error),
      );
      server.listen(requestedPort, '127.0.0.1', () => resolve());
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const port = (server.address() as AddressInfo).port;
    const baseUrl = `http://127.0.0.1:${port}`;
    const issuer = `${baseUrl}${issuerPath}`;
    const queueUrl = `${baseUrl}/${ACCOUNT_ID}/${QUEUE_NAME}`;

    oauth = await new LocalIssuer({
      issuer,
      clientId: options.clientId ?? LOCAL_CLIENT_ID,
      clientSecret: options.clientSecret ?? LOCAL_CLIENT_SECRET,
    }).start();

    const client = localDynamoClient(dynalite.endpoint);
    await createTables(client, {
      templatesTable: TEMPLATES_TABLE,
      idempotencyTable: IDEMPOTENCY_TABLE,
      abuseTable: ABUSE_TABLE,
    });
    // A persisted table keeps its (possibly edited) templates; only an empty one is seeded.
    const existing = await client.send(new ScanCommand({ TableName: TEMPLATES_TABLE, Limit: 1 }));
    if (!existing.Count) await seedTemplates(client, TEMPLATES_TABLE, defaultTemplateItems());
    client.destroy();

    const common = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: '',
      POWERTOOLS_SERVICE_NAME: 'okta-phone-mfa',
      POWERTOOLS_METRICS_NAMESPACE: 'OktaPhoneMfa',
      // As Lambda sets it: Powertools reports cold starts only for on-demand environments.
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    };
    const hookEnv = {
      ...common,
      TEMPLATES_TABLE_NAME: TEMPLATES_TABLE,
      IDEMPOTENCY_TABLE_NAME: IDEMPOTENCY_TABLE,
      ABUSE_TABLE_NAME: ABUSE_TABLE,
      DLQ_URL: queueUrl,
      DYNAMODB_ENDPOINT: baseUrl,
      SMS_VOICE_ENDPOINT: baseUrl,
      SQS_ENDPOINT: baseUrl,
      SECRETS_MANAGER_ENDPOINT: baseUrl,
      FINGERPRINT_KEY_SECRET,
      DEADLINE_MS: '2500',
      TEMPLATES_MAX_AGE_SECONDS: '300',
      DEFAULT_LOCALE: 'en',
      ...options.env?.hook,
    };
    const authorizer = new LocalFunction({
      name: 'authorize-hook',
      handlerUrl: handlerUrl('authorize-hook'),
      timeoutMs: AUTHORIZER_TIMEOUT_MS,
      env: {
        ...common,
        OKTA_ISSUER: issuer,
        OKTA_AUDIENCE: oauth.audience,
        REQUIRED_SCOPE: oauth.scope,
        ALLOWED_CLIENT_IDS: oauth.clientId,
        ...options.env?.authorizer,
      },
      onLine: emit,
    });
    const hook = new LocalFunction({
      name: 'deliver-otp',
      handlerUrl: handlerUrl('deliver-otp'),
      timeoutMs: (Math.ceil(Number(hookEnv.DEADLINE_MS) / 1000) + 3) * 1000,
      env: hookEnv,
      onLine: emit,
    });
    functions.push(authorizer, hook);
    cleanups.push(() => Promise.all(functions.map((fn) => fn.close())).then(() => {}));
    await Promise.all(functions.map((fn) => fn.start()));

    gateway = new LocalApiGateway({
      authorizer,
      hook,
      authorizerCacheTtlSeconds: options.authorizerCacheTtlSeconds ?? 300,
      maxBodyBytes: options.maxBodyBytes ?? 8192,
      accountId: ACCOUNT_ID,
      onAccessLog: (line) => emit('api-gateway', line),
      onHookAnswer: (requestBody, answerBody) => refusals.observe(requestBody, answerBody),
    });

    let closing: Promise<void> | undefined;
    const stack: LocalStack = {
      baseUrl,
      port,
      hookUrl: `${baseUrl}/hook`,
      issuer,
      tokenUrl: `${issuer}/v1/token`,
      clientId: oauth.clientId,
      clientSecret: oauth.clientSecret,
      audience: oauth.audience,
      scope: oauth.scope,
      tables: { templates: TEMPLATES_TABLE, idempotency: IDEMPOTENCY_TABLE, abuse: ABUSE_TABLE },
      queueUrl,
      dynamoEndpoint: dynalite.endpoint,
      messaging,
      sqs,
      refusals,
      secretsManager,
      fingerprintKeySecret: FINGERPRINT_KEY_SECRET,
      oauth,
      gateway,
      faults: () => structuredClone(faults),
      setFaults(input) {
        const changes = validateFaults(input as Record<string, unknown>);
        const next: Record<string, unknown> = { ...faults };
        for (const [key, value] of Object.entries(changes)) {
          if (value === null || value === undefined) delete next[key];
          else next[key] = value;
        }
        faults = next as Faults;
        messaging.setFault(faults.messaging);
        return structuredClone(faults);
      },
      clearFaults() {
        faults = {};
        messaging.setFault(undefined);
      },
      close: () => {
        ready = false;
        closing ??= cleanup();
        return closing;
      },
    };
    ready = true;
    return stack;
  } catch (error) {
    await cleanup();
    throw error;
  }
}
