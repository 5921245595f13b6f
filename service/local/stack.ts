/**
 * The whole local stack on one port: the local API Gateway running the real handlers, a local Okta authorization
 * server, and the AWS stand-ins (dynalite in a thread of its own and behind a proxy, End User Messaging, SQS, Secrets
 * Manager) reached by the handlers through configuration only. AWS JSON requests are told apart by their `X-Amz-Target`.
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
import { ConfigError, loadAuthorizerConfig } from '../src/config.js';
import { originationIdentityKind } from '../src/domain/routing.js';
import { EVENT_FUNCTION_TIMEOUT_SECONDS } from '../src/function-timeouts.js';
import {
  createTables,
  type DynaliteThread,
  type DynamoFaults,
  localDynamoClient,
  seedTemplates,
  startDynaliteThread,
} from './dynalite.js';
import type { AwsJsonAuthorizer } from './emulators/aws-json.js';
import { AwsError } from './emulators/aws-json.js';
import { MESSAGING_FAULT_MODES, MessagingEmulator, type MessagingFault } from './emulators/messaging.js';
import {
  MAX_RECEIPT_DELAY_MS,
  MAX_RECEIPT_DUPLICATES,
  RECEIPT_STATUSES,
  type ReceiptFault,
} from './emulators/receipts.js';
import { generateSecretValue, SecretsManagerEmulator } from './emulators/secrets-manager.js';
import { SqsEmulator } from './emulators/sqs.js';
import { oktaEventBridgeEnvelope, scheduledEnvelope, snsEnvelope } from './event-envelopes.js';
import { type LocalEnvOverrides, localFunctionEnvironments } from './function-env.js';
import { LocalApiGateway } from './gateway/api-gateway.js';
import { readBody, sendJson } from './http-body.js';
import type { KeySchemas } from './iam/dynamodb-requests.js';
import { authorizeCall, type IamFault, LOCAL_FUNCTIONS } from './iam/local-iam.js';
import type { IamRequest } from './iam/policy.js';
import { secretsRequests, smsVoiceRequests, sqsRequests } from './iam/service-requests.js';
import { type LocalResourceNames, localRoles } from './iam/stack-policies.js';
import { LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, type LocalIssuer, type MintRequest } from './issuer.js';
import { type LineSink, renderLine } from './log-output.js';
import { LOCAL_TABLES } from './names.js';
import { LocalOkta } from './okta/local-okta.js';
import { outboxPage } from './outbox-page.js';
import { lockPersistDir } from './persist-lock.js';
import { RefusalLog } from './refusals.js';
import { InvocationError, LocalFunction } from './runtime/local-function.js';

/** What `POST /_local/faults` sets. */
export type Faults = {
  messaging?: MessagingFault;
  templates?: 'unavailable';
  jwks?: 'unavailable';
  /** Every DynamoDB request (every table) waits this long, then is processed, as by a slow table. */
  dynamodb?: { mode: 'latency'; latencyMs: number };
  /** The abuse guard's table is unreachable (its connections drop): the hook fails open. */
  abuse?: 'unavailable';
  /** The final status of the receipts of messages accepted from now on, and when it comes (default ~200 ms). */
  receipts?: ReceiptFault;
  /**
   * One action taken away from one function's role: that function's calls needing it fail with AccessDeniedException
   * as in AWS (every function otherwise runs under the policy the stack synthesizes for its role).
   */
  iam?: IamFault;
  /** The local Okta's management API answers the next `rateLimited` requests 429 (`X-Rate-Limit-Reset` in 1 s). */
  okta?: { rateLimited: number };
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
  /**
   * Extra environment of the functions (e.g. `JWKS_COOLDOWN_MS` of the authorizer, `DEADLINE_MS` of the hook,
   * `LOW_CONVERSION_MIN_SENDS` of the sweep).
   */
  env?: LocalEnvOverrides;
  /** How often the sweep runs on its own (the infra's schedule is 5 minutes); 0 = only on `POST /_local/sweep`. @default 30000 */
  sweepIntervalMs?: number;
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
  tables: { templates: string; idempotency: string; abuse: string; messages: string };
  queueUrl: string;
  /**
   * dynalite without the faults, for the harness (tests, contract states) to seed and inspect the tables; the
   * functions call its faulty twin, and the stack's port proxies to that one.
   */
  dynamoEndpoint: string;
  messaging: MessagingEmulator;
  sqs: SqsEmulator;
  /** The requests the abuse guard refused, read from the hook's answers (`GET /_local/refusals`). */
  refusals: RefusalLog;
  /** Holds the hook's fingerprint key under `fingerprintKeySecret`. */
  secretsManager: SecretsManagerEmulator;
  /** The name of the fingerprint key's secret (`FINGERPRINT_KEY_SECRET` of the hook). */
  fingerprintKeySecret: string;
  /** The Okta event hook route, `${baseUrl}/okta-events` (the stack output `OktaEventHookUrl`). */
  eventHookUrl: string;
  /** The name of the event hook's header secret (the stack output `OktaEventHookSecretArn`), in `secretsManager`. */
  eventHookSecretName: string;
  oauth: LocalIssuer;
  /** The local Okta: its org, management API (`/api/v1/...`) and authorization servers. */
  okta: LocalOkta;
  gateway: LocalApiGateway;
  /**
   * Delivers Okta System Log events to `record-verification` as Okta Log Streaming's EventBridge events, one
   * invocation each, in order; resolves once the handler has run for all of them (`POST /_local/okta-events`).
   */
  deliverOktaEvents(events: Array<Record<string, unknown>>): Promise<FunctionOutcome[]>;
  /** The Okta settings the authorizer runs with (`GET /_local/settings`). */
  settings(): OktaSettings;
  /**
   * Runs the authorizer with other Okta settings from now on, as a redeploy with `-c oktaIssuer=… -c oktaAudience=…
   * -c requiredScope=… -c allowedClientIds=…` would (`POST /_local/settings`): a new function, its old cached
   * decisions forgotten. Refuses what the authorizer's configuration refuses, and issuers not on this machine.
   */
  applySettings(settings: Partial<OktaSettings>): Promise<OktaSettings>;
  /** Runs `sweep-messages` once with a scheduled event and resolves when it is done (`POST /_local/sweep`). */
  sweep(): Promise<FunctionOutcome>;
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

/** What one invocation of an event-driven function came to, as the `/_local` routes answer it. */
export type FunctionOutcome = { ok: true; result: unknown } | { ok: false; error: string };

/** The settings a deployment gives the authorizer (`-c` of `npm run deploy`), as the local stack applies them. */
export type OktaSettings = {
  oktaIssuer: string;
  oktaAudience: string;
  requiredScope: string;
  /** Client ids, or `["*"]` for any client of the issuer. */
  allowedClientIds: string[];
};

/** A faults request that does not match the contract. */
class FaultsInputError extends Error {}

const {
  templates: TEMPLATES_TABLE,
  idempotency: IDEMPOTENCY_TABLE,
  abuse: ABUSE_TABLE,
  messages: MESSAGES_TABLE_NAME,
} = LOCAL_TABLES;
const REGION = 'us-east-1';
/** The schedule rule of the sweep (its name in the scheduled event's `resources`). */
const SWEEP_RULE = 'okta-phone-mfa-sweep-messages';
/** Lambda retries a failed asynchronous invocation (SNS, EventBridge) twice; locally after 200 ms and 400 ms. */
const ASYNC_RETRY_DELAYS_MS = [200, 400];
/** API Gateway's own body limit, the only one on the event hook route. */
const EVENT_HOOK_BODY_LIMIT = 10 * 1024 * 1024;
/** At most this many Okta events per `POST /_local/okta-events`. */
const MAX_OKTA_EVENTS = 100;
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

/** The local resources each template resource of the stack stands for (the local IAM's ARNs). */
const LOCAL_RESOURCES: LocalResourceNames = {
  tables: LOCAL_TABLES,
  queues: { deadLetters: QUEUE_NAME, eventFailures: 'okta-phone-mfa-event-failures' },
  secrets: { fingerprintKey: FINGERPRINT_KEY_SECRET, eventHook: 'okta-phone-mfa/event-hook-secret' },
};

/** The tables' partition keys, for `dynamodb:LeadingKeys`. */
const KEY_SCHEMAS: KeySchemas = {
  [TEMPLATES_TABLE]: { partitionKey: 'pk' },
  [IDEMPOTENCY_TABLE]: { partitionKey: 'id' },
  [ABUSE_TABLE]: { partitionKey: 'pk' },
  [MESSAGES_TABLE_NAME]: { partitionKey: 'pk', indexes: { byEvent: 'eventId', pending: 'sweepBucket' } },
};

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

function parseJson(body: Buffer | undefined): Record<string, unknown> {
  if (body === undefined) throw new FaultsInputError('Body too large');
  const text = body.toString('utf8').trim();
  if (!text) return {};
  const value = JSON.parse(text) as unknown;
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new FaultsInputError('Expected a JSON object');
  return value as Record<string, unknown>;
}

/** What dynalite's thread is to do for the stack's faults: a table made unavailable, latency on every table. */
function dynamoFaults(faults: Faults): DynamoFaults {
  return {
    latencyMs: faults.dynamodb?.latencyMs ?? 0,
    unavailableTables: [
      ...(faults.templates === 'unavailable' ? [TEMPLATES_TABLE] : []),
      ...(faults.abuse === 'unavailable' ? [ABUSE_TABLE] : []),
    ],
  };
}

/** `receipts`: `{status, delayMs?}` with a documented final status (without its TEXT_/VOICE_ prefix), or null. */
function validateReceiptsFault(value: unknown): ReceiptFault | null {
  if (value === null) return null;
  const r = value as { status?: unknown; delayMs?: unknown } | undefined;
  const statuses = `${RECEIPT_STATUSES.slice(0, -1).join(', ')} or ${RECEIPT_STATUSES.at(-1)}`;
  if (!r || typeof r !== 'object' || Array.isArray(r) || typeof r.status !== 'string') {
    throw new FaultsInputError(
      `receipts must be {"status":"<status>","delayMs"?:<ms>}, status one of ${statuses}`,
    );
  }
  const extra = Object.keys(r).find((key) => !['status', 'delayMs', 'duplicates'].includes(key));
  if (extra) throw new FaultsInputError(`receipts takes status, delayMs and duplicates only, not "${extra}"`);
  const duplicates = (r as { duplicates?: unknown }).duplicates;
  if (
    duplicates !== undefined &&
    (!Number.isInteger(duplicates) ||
      (duplicates as number) < 1 ||
      (duplicates as number) > MAX_RECEIPT_DUPLICATES)
  ) {
    throw new FaultsInputError(
      `receipts.duplicates must be a whole number from 1 to ${MAX_RECEIPT_DUPLICATES}`,
    );
  }
  const status = r.status.toUpperCase();
  if (!RECEIPT_STATUSES.includes(status)) {
    const bare = status.replace(/^(TEXT|VOICE)_/, '');
    throw new FaultsInputError(
      RECEIPT_STATUSES.includes(bare)
        ? `receipts.status is the status without its prefix: "${bare}", not "${r.status}"`
        : `receipts.status must be ${statuses} (End User Messaging's final statuses; SMS ones apply to texts, BUSY, NO_ANSWER, FAILED and COMPLETED to calls, TTL_EXPIRED to both)`,
    );
  }
  if (
    r.delayMs !== undefined &&
    (!Number.isInteger(r.delayMs) ||
      (r.delayMs as number) < 0 ||
      (r.delayMs as number) > MAX_RECEIPT_DELAY_MS)
  ) {
    throw new FaultsInputError(
      `receipts.delayMs must be a whole number of milliseconds from 0 to ${MAX_RECEIPT_DELAY_MS}`,
    );
  }
  return {
    status,
    ...(r.delayMs !== undefined ? { delayMs: r.delayMs as number } : {}),
    ...(duplicates !== undefined ? { duplicates: duplicates as number } : {}),
  } as ReceiptFault;
}

/** `iam`: `{function, deny}`: a local function and one action (`service:Action`, wildcards allowed), or null. */
function validateIamFault(value: unknown): IamFault | null {
  if (value === null) return null;
  const f = value as { function?: unknown; deny?: unknown } | undefined;
  const functions = LOCAL_FUNCTIONS.map((fn) => `"${fn}"`).join(', ');
  if (
    !f ||
    typeof f !== 'object' ||
    Array.isArray(f) ||
    !LOCAL_FUNCTIONS.includes(f.function as never) ||
    typeof f.deny !== 'string' ||
    !/^[a-z0-9-]+:[A-Za-z*?]+$/.test(f.deny)
  ) {
    throw new FaultsInputError(
      `iam must be {"function":<one of ${functions}>,"deny":"<service>:<Action>"}, e.g. {"function":"record-delivery-event","deny":"dynamodb:GetItem"}`,
    );
  }
  const extra = Object.keys(f).find((key) => key !== 'function' && key !== 'deny');
  if (extra) throw new FaultsInputError(`iam takes function and deny only, not "${extra}"`);
  return { function: f.function as IamFault['function'], deny: f.deny };
}

function validateFaults(input: Record<string, unknown>): Partial<Record<keyof Faults, unknown>> {
  const known = new Set(['messaging', 'templates', 'jwks', 'dynamodb', 'abuse', 'receipts', 'iam', 'okta']);
  for (const key of Object.keys(input)) {
    if (!known.has(key))
      throw new FaultsInputError(
        `Unknown fault "${key}": use messaging, templates, jwks, dynamodb, abuse, receipts, iam or okta`,
      );
  }
  const out: Partial<Record<keyof Faults, unknown>> = {};
  if ('okta' in input) {
    const o = input.okta as { rateLimited?: unknown } | null;
    if (o === null) out.okta = null;
    else if (
      !o ||
      typeof o !== 'object' ||
      Object.keys(o).some((key) => key !== 'rateLimited') ||
      !Number.isInteger(o.rateLimited) ||
      (o.rateLimited as number) < 1 ||
      (o.rateLimited as number) > 100
    ) {
      throw new FaultsInputError('okta must be {"rateLimited":<1 to 100 requests answered 429>}');
    } else out.okta = { rateLimited: o.rateLimited };
  }
  if ('iam' in input) out.iam = validateIamFault(input.iam);
  if ('receipts' in input) out.receipts = validateReceiptsFault(input.receipts);
  if ('dynamodb' in input) {
    const d = input.dynamodb as { mode?: unknown; latencyMs?: unknown } | null;
    if (d === null) out.dynamodb = null;
    else if (d?.mode !== 'latency' || !Number.isInteger(d.latencyMs) || (d.latencyMs as number) < 0) {
      throw new FaultsInputError('dynamodb must be {"mode":"latency","latencyMs":<non-negative integer>}');
    } else out.dynamodb = { mode: 'latency', latencyMs: d.latencyMs };
  }
  if ('messaging' in input) {
    const m = input.messaging as { mode?: unknown; latencyMs?: unknown; identity?: unknown } | null;
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
      const identities = [m.identity ?? []].flat();
      const identity = Array.isArray(m.identity) ? identities : m.identity;
      if (
        m.mode === 'identity-inactive' &&
        (identities.length === 0 ||
          !identities.every((id) => typeof id === 'string' && originationIdentityKind(id)))
      ) {
        throw new FaultsInputError(
          'messaging.identity must name the origination identity to refuse, or a list of them (E.164 numbers, sender IDs, phone/pool ids or ARNs)',
        );
      }
      if (m.mode !== 'identity-inactive' && identity !== undefined) {
        throw new FaultsInputError('messaging.identity goes with the "identity-inactive" mode only');
      }
      out.messaging = {
        mode: m.mode,
        ...(m.latencyMs !== undefined ? { latencyMs: m.latencyMs } : {}),
        ...(identity !== undefined ? { identity: identity as string | string[] } : {}),
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

/** The Okta settings in an authorizer's environment. */
function settingsOf(env: Record<string, string | undefined>): OktaSettings {
  return {
    oktaIssuer: env.OKTA_ISSUER ?? '',
    oktaAudience: env.OKTA_AUDIENCE ?? '',
    requiredScope: env.REQUIRED_SCOPE ?? '',
    allowedClientIds: (env.ALLOWED_CLIENT_IDS ?? '*')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  };
}

/** The body of `POST /_local/okta-events`: one System Log event (an object) or a non-empty array of them. */
function parseOktaEvents(body: Buffer | undefined): Array<Record<string, unknown>> {
  if (body === undefined) throw new FaultsInputError('Body too large');
  const value = JSON.parse(body.toString('utf8') || 'null') as unknown;
  const events = Array.isArray(value) ? value : [value];
  if (
    events.length === 0 ||
    events.some((event) => !event || typeof event !== 'object' || Array.isArray(event))
  ) {
    throw new FaultsInputError(
      'Expected an Okta System Log event (a JSON object) or a non-empty array of them',
    );
  }
  if (events.length > MAX_OKTA_EVENTS) {
    throw new FaultsInputError(`At most ${MAX_OKTA_EVENTS} events per request`);
  }
  return events as Array<Record<string, unknown>>;
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

    // Each function's role, as the CDK stack synthesizes it: every stand-in checks the function's calls against it.
    const roles = await localRoles(LOCAL_RESOURCES);
    const iamFaults = (): IamFault[] => (faults.iam ? [faults.iam] : []);
    /** What each function's calls to the main thread's stand-ins were allowed (`GET /_local/iam`). */
    const iamUsed = new Map<string, Set<string>>();
    const iamCheck =
      (requestsOf: (target: string, input: Record<string, any>) => IamRequest[]): AwsJsonAuthorizer =>
      (target, input, req) => {
        const requests = requestsOf(target, input);
        const decision = authorizeCall(roles, iamFaults(), req.headers.authorization, requests);
        if (decision.allowed) {
          if (decision.function) {
            const calls = iamUsed.get(decision.function) ?? new Set<string>();
            for (const request of requests) calls.add(`${request.action} ${request.resource}`);
            iamUsed.set(decision.function, calls);
          }
          return;
        }
        emit('iam', `${decision.function}: AccessDeniedException: ${decision.message}`);
        throw new AwsError('AccessDeniedException', decision.message, 400);
      };

    // In a thread of its own: the functions' SDK clients call it directly, the stack's port proxies to it.
    const dynalite: DynaliteThread = await startDynaliteThread({
      ...(options.persistDir ? { persistDir: join(options.persistDir, 'dynamodb') } : {}),
      tables: [TEMPLATES_TABLE, ABUSE_TABLE],
      onProblem: (text) => emit('dynamodb', text),
      onDenied: (text) => emit('iam', text),
      iam: { roles, keySchemas: KEY_SCHEMAS },
    });
    cleanups.push(() => dynalite.close());

    const messaging = new MessagingEmulator();
    messaging.setAuthorizer(iamCheck(smsVoiceRequests));
    if (options.messagingLatency)
      messaging.setLatency(options.messagingLatency.minMs, options.messagingLatency.maxMs);
    const sqs = new SqsEmulator(QUEUE_NAME);
    sqs.setAuthorizer(iamCheck(sqsRequests));
    const refusals = new RefusalLog();
    const secretsManager = new SecretsManagerEmulator();
    secretsManager.setAuthorizer(
      iamCheck((target, input) => secretsRequests(target, input, (id) => secretsManager.arnOf(id))),
    );
    secretsManager.put(FINGERPRINT_KEY_SECRET, fingerprintKeyFor(options.persistDir));
    // The event hook's header secret, as the stack generates it (the value Okta's event hook sends).
    const eventHookSecret = generateSecretValue();
    secretsManager.put(LOCAL_RESOURCES.secrets.eventHook, eventHookSecret);
    let faults: Faults = {};
    let ready = false;
    // Set once the server listens: the routes below use them only after `ready`.
    let oauth!: LocalIssuer;
    let okta!: LocalOkta;
    let gateway!: LocalApiGateway;
    const functions: LocalFunction[] = [];
    cleanups.push(() => messaging.stop());

    const agent = new Agent({ keepAlive: true, maxSockets: 256 });
    cleanups.push(() => agent.destroy());

    const proxyDynamo = async (req: IncomingMessage, res: ServerResponse) => {
      const body = await readBody(req, AWS_BODY_LIMIT);
      if (body === undefined)
        return sendJson(res, 413, { __type: 'RequestEntityTooLarge', message: 'Too large' });
      // The faults (an unavailable table, latency) are dynalite's thread's: see setFaults.
      const upstream = httpRequest(
        `${dynalite.endpoint}/`,
        { method: 'POST', headers: { ...req.headers, host: new URL(dynalite.endpoint).host }, agent },
        (answer) => {
          if (res.destroyed) return void answer.resume();
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      // dynalite's thread drops the connection for an unavailable table: so does the proxy.
      upstream.on('error', () => void req.socket.destroy());
      upstream.end(body);
    };

    const routeAws = async (req: IncomingMessage, res: ServerResponse, target: string) => {
      if (target.startsWith('DynamoDB_20120810.')) return proxyDynamo(req, res);
      if (target.startsWith('PinpointSMSVoiceV2.')) return messaging.handle(req, res);
      if (target.startsWith('AmazonSQS.')) return sqs.handle(req, res);
      if (target.startsWith('secretsmanager.')) return secretsManager.handle(req, res);
      sendJson(res, 400, { __type: 'UnknownOperationException', message: `Unknown target ${target}` });
    };

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

      // The load tool's floor: the same server and body read as /hook, no authorizer, no handler.
      if (path === '/_local/floor' && method === 'POST') {
        await readBody(req, options.maxBodyBytes ?? 8192);
        return sendJson(res, 200, { floor: true });
      }
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
      // The local Okta: its management API and every authorization server's routes.
      if (await okta.handle(req, res, path, method)) return;
      // The deployed stack's Okta event hook route (setting oktaEventHook), through the real handler.
      if (path === '/okta-events') {
        return gateway.handleEventHook(
          req,
          res,
          await readBody(req, EVENT_HOOK_BODY_LIMIT),
          verificationFunction,
        );
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
      if (path === '/_local/iam' && method === 'GET') {
        // Each function's role, and what its calls were allowed so far (action and resource): a grant never used is
        // a grant to question.
        const dynamoUsed = await dynalite.iamUsage();
        const used = Object.fromEntries(
          LOCAL_FUNCTIONS.map((fn) => [
            fn,
            [...new Set([...(iamUsed.get(fn) ?? []), ...(dynamoUsed[fn] ?? [])])].sort(),
          ]),
        );
        return sendJson(res, 200, { roles, used });
      }
      if (path === '/_local/okta-events' && method === 'POST') {
        const events = parseOktaEvents(await readBody(req, LOCAL_BODY_LIMIT));
        const outcomes = await stack.deliverOktaEvents(events);
        // And to the local Okta's verified event hooks subscribed to them, as Okta delivers them.
        const eventHooks = await okta.hooks.deliverEvents(events);
        const failed =
          outcomes.filter((outcome) => !outcome.ok).length +
          eventHooks.filter((d) => d.status !== 200).reduce((sum, d) => sum + d.events, 0);
        return sendJson(res, failed > 0 ? 502 : 200, {
          delivered: events.length,
          failed,
          outcomes,
          ...(eventHooks.length > 0 ? { eventHooks } : {}),
        });
      }
      if (path === '/_local/settings') {
        if (method === 'GET') return sendJson(res, 200, stack.settings());
        if (method === 'POST') {
          const input = parseJson(await readBody(req, LOCAL_BODY_LIMIT));
          return sendJson(res, 200, await stack.applySettings(input as Partial<OktaSettings>));
        }
        // Back to the settings the stack started with (its default server and built-in client).
        if (method === 'DELETE') return sendJson(res, 200, await stack.applySettings(startSettings));
      }
      if (path === '/_local/sweep' && method === 'POST') {
        await readBody(req, LOCAL_BODY_LIMIT);
        const outcome = await stack.sweep();
        return sendJson(res, outcome.ok ? 200 : 502, outcome);
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
    const issuer = `${baseUrl}/oauth2/default`;
    const queueUrl = `${baseUrl}/${ACCOUNT_ID}/${QUEUE_NAME}`;

    okta = await LocalOkta.start({
      baseUrl,
      clientId: options.clientId ?? LOCAL_CLIENT_ID,
      clientSecret: options.clientSecret ?? LOCAL_CLIENT_SECRET,
      jwksUnavailable: () => faults.jwks === 'unavailable',
    });
    oauth = okta.defaultIssuer;

    const client = localDynamoClient(dynalite.directEndpoint);
    await createTables(client, {
      templatesTable: TEMPLATES_TABLE,
      idempotencyTable: IDEMPOTENCY_TABLE,
      abuseTable: ABUSE_TABLE,
      messagesTable: MESSAGES_TABLE_NAME,
    });
    // A persisted table keeps its (possibly edited) templates; only an empty one is seeded.
    const existing = await client.send(new ScanCommand({ TableName: TEMPLATES_TABLE, Limit: 1 }));
    if (!existing.Count) await seedTemplates(client, TEMPLATES_TABLE, defaultTemplateItems());
    client.destroy();

    const envs = localFunctionEnvironments(
      {
        baseUrl,
        dynamoEndpoint: dynalite.endpoint,
        queueUrl,
        issuer,
        audience: oauth.audience,
        scope: oauth.scope,
        clientId: oauth.clientId,
        fingerprintKeySecret: FINGERPRINT_KEY_SECRET,
        eventHookSecret: LOCAL_RESOURCES.secrets.eventHook,
        region: REGION,
      },
      options.env,
    );
    const startSettings = settingsOf(envs['authorize-hook']);
    let authorizer = new LocalFunction({
      name: 'authorize-hook',
      handlerUrl: handlerUrl('authorize-hook'),
      timeoutMs: AUTHORIZER_TIMEOUT_MS,
      env: envs['authorize-hook'],
      onLine: emit,
    });
    const hook = new LocalFunction({
      name: 'deliver-otp',
      handlerUrl: handlerUrl('deliver-otp'),
      timeoutMs: (Math.ceil(Number(envs['deliver-otp'].DEADLINE_MS) / 1000) + 3) * 1000,
      env: envs['deliver-otp'],
      onLine: emit,
    });
    const eventFunction = (name: keyof typeof EVENT_FUNCTION_TIMEOUT_SECONDS) =>
      new LocalFunction({
        name,
        handlerUrl: handlerUrl(name),
        timeoutMs: EVENT_FUNCTION_TIMEOUT_SECONDS[name] * 1000,
        env: envs[name],
        onLine: emit,
      });
    const receiptsFunction = eventFunction('record-delivery-event');
    const verificationFunction = eventFunction('record-verification');
    const sweepFunction = eventFunction('sweep-messages');
    functions.push(authorizer, hook, receiptsFunction, verificationFunction, sweepFunction);
    cleanups.push(() => Promise.all(functions.map((fn) => fn.close())).then(() => {}));
    // In parallel: each worker's cold start is mostly loading tsx and the SDK.
    await Promise.all(functions.map((fn) => fn.start()));

    const origin = { region: REGION, accountId: ACCOUNT_ID };
    /**
     * An asynchronous invocation (SNS, EventBridge): Lambda retries a failed one twice (after about one and two
     * minutes; here after 200 and 400 ms), then drops it.
     */
    const invokeAsync = async (fn: LocalFunction, event: unknown): Promise<FunctionOutcome> => {
      let error = '';
      for (let attempt = 0; attempt <= ASYNC_RETRY_DELAYS_MS.length; attempt += 1) {
        if (attempt > 0) {
          if (!ready) break;
          await new Promise((resolve) => setTimeout(resolve, ASYNC_RETRY_DELAYS_MS[attempt - 1]).unref());
        }
        try {
          return { ok: true, result: (await fn.invoke<unknown>(event)) ?? null };
        } catch (thrown) {
          error = thrown instanceof InvocationError ? thrown.message : String(thrown);
          emit(
            'lambda',
            `${fn.name}: asynchronous invocation failed (attempt ${attempt + 1} of ${ASYNC_RETRY_DELAYS_MS.length + 1}): ${error}`,
          );
        }
      }
      return { ok: false, error };
    };
    // The configuration set's event destination: each receipt is published to SNS, which invokes the function.
    messaging.onReceipt(async (receipt) => {
      if (!ready) return;
      await invokeAsync(receiptsFunction, snsEnvelope(receipt, origin));
    });
    const sweepOnce = () => invokeAsync(sweepFunction, scheduledEnvelope(SWEEP_RULE, origin));
    const sweepEvery = options.sweepIntervalMs ?? 30_000;
    if (sweepEvery > 0) {
      let sweeping = false;
      const timer = setInterval(() => {
        if (!ready || sweeping) return;
        sweeping = true;
        void sweepOnce().finally(() => {
          sweeping = false;
        });
      }, sweepEvery);
      timer.unref();
      cleanups.push(() => clearInterval(timer));
    }

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
      tables: {
        templates: TEMPLATES_TABLE,
        idempotency: IDEMPOTENCY_TABLE,
        abuse: ABUSE_TABLE,
        messages: MESSAGES_TABLE_NAME,
      },
      queueUrl,
      dynamoEndpoint: dynalite.directEndpoint,
      messaging,
      sqs,
      refusals,
      secretsManager,
      fingerprintKeySecret: FINGERPRINT_KEY_SECRET,
      eventHookUrl: `${baseUrl}/okta-events`,
      eventHookSecretName: LOCAL_RESOURCES.secrets.eventHook,
      oauth,
      okta,
      gateway,
      async deliverOktaEvents(events) {
        const outcomes: FunctionOutcome[] = [];
        // One EventBridge event per System Log event, one invocation each, as Log Streaming delivers them.
        for (const event of events) {
          outcomes.push(await invokeAsync(verificationFunction, oktaEventBridgeEnvelope(event, origin)));
        }
        return outcomes;
      },
      settings: () => settingsOf(envs['authorize-hook']),
      async applySettings(input) {
        const current = settingsOf(envs['authorize-hook']);
        const next = { ...current, ...input };
        const env = {
          ...envs['authorize-hook'],
          OKTA_ISSUER: String(next.oktaIssuer),
          OKTA_AUDIENCE: String(next.oktaAudience),
          REQUIRED_SCOPE: String(next.requiredScope),
          ALLOWED_CLIENT_IDS: [next.allowedClientIds].flat().map(String).join(','),
        };
        try {
          const config = loadAuthorizerConfig(env);
          const host = new URL(config.issuer).hostname;
          if (host !== '127.0.0.1' && host !== 'localhost') {
            throw new ConfigError(
              `OKTA_ISSUER: the local stack trusts issuers on this machine only, not ${config.issuer}`,
            );
          }
        } catch (error) {
          if (error instanceof ConfigError) throw new FaultsInputError(error.message);
          throw error;
        }
        const redeployed = new LocalFunction({
          name: 'authorize-hook',
          handlerUrl: handlerUrl('authorize-hook'),
          timeoutMs: AUTHORIZER_TIMEOUT_MS,
          env,
          onLine: emit,
        });
        await redeployed.start();
        const previous = gateway.replaceAuthorizer(redeployed);
        functions.splice(functions.indexOf(previous), 1, redeployed);
        authorizer = redeployed;
        envs['authorize-hook'] = env;
        await previous.close();
        emit('local', `authorizer redeployed: ${JSON.stringify(settingsOf(env))}`);
        return settingsOf(env);
      },
      sweep: () => sweepOnce(),
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
        messaging.setReceiptFault(faults.receipts);
        dynalite.setFaults(dynamoFaults(faults));
        dynalite.setIamFaults(iamFaults());
        okta.api.rateLimitNext(faults.okta?.rateLimited ?? 0);
        return structuredClone(faults);
      },
      clearFaults() {
        faults = {};
        messaging.setFault(undefined);
        messaging.setReceiptFault(undefined);
        dynalite.setFaults({});
        dynalite.setIamFaults([]);
        okta.api.rateLimitNext(0);
      },
      close: () => {
        ready = false;
        messaging.stop();
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
