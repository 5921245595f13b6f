import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler, type NodeHttpHandlerOptions } from '@smithy/node-http-handler';
import type { HttpHandlerOptions, RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import type { HookConfig } from '../config.js';
import type { Deadline } from '../domain/deadline.js';

/**
 * Socket error codes that mean the request never reached the service: the connection was refused or the host could
 * not be found. A reset or a timeout is not on the list: by then the request may have been written and acted on.
 */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether an error proves the service did not act on the request: it refused it for throttling, or the connection
 * was never made. A 5xx, a reset or a timeout proves nothing: the message may be on its way.
 *
 * @param info - what the SDK's retry middleware knows of the failed attempt
 */
export function provablyNotProcessed(info: RetryErrorInfo): boolean {
  if (info.errorType === 'THROTTLING') return true;
  const error = info.error as (Error & { code?: unknown }) | undefined;
  if (!error) return false;
  if (typeof error.code === 'string' && NEVER_SENT_CODES.has(error.code)) return true;
  // @smithy/node-http-handler's connection timeout: the socket never connected, so nothing was written.
  return /did not establish a connection/.test(error.message);
}

/**
 * A bounded retry strategy with short, jittered backoff. The SDK's standard strategy backs off up to seconds on
 * throttling; here the request's deadline is the real limit, so backoff stays in tens of milliseconds.
 *
 * With `retryAmbiguous: false` (every call that changes something: a send, a conditional write) it retries only
 * what {@link provablyNotProcessed} proves was not acted on, so a retry can never deliver a second message.
 * Reads may retry any transient or server error.
 */
export class BoundedRetryStrategy implements RetryStrategyV2 {
  constructor(
    private readonly maxAttempts: number,
    private readonly options: { retryAmbiguous: boolean; baseDelayMs?: number },
  ) {}

  public async acquireInitialRetryToken(): Promise<RetryToken> {
    return { getRetryCount: () => 0, getRetryDelay: () => 0 };
  }

  public async refreshRetryTokenForRetry(token: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const count = token.getRetryCount() + 1;
    const retryable = this.options.retryAmbiguous
      ? info.errorType !== 'CLIENT_ERROR' || provablyNotProcessed(info)
      : provablyNotProcessed(info);
    if (count >= this.maxAttempts || !retryable) throw new Error('No retry');
    const delay = Math.round((this.options.baseDelayMs ?? 25) * 2 ** (count - 1) * (0.5 + Math.random()));
    return { getRetryCount: () => count, getRetryDelay: () => delay };
  }

  public recordSuccess(): void {}
}

const requestDeadlines = new AsyncLocalStorage<Deadline>();

/**
 * Runs `fn` with `deadline` as the budget of every SDK call made inside it, through clients whose handler is a
 * {@link DeadlineBoundHttpHandler}. This is how calls we do not make ourselves (Powertools' idempotency writes,
 * Parameters' reads) still end inside Okta's window.
 *
 * @param deadline - the request's budget
 * @param fn - the request's work
 */
export function withDeadline<T>(deadline: Deadline, fn: () => Promise<T>): Promise<T> {
  return requestDeadlines.run(deadline, fn);
}

/** How one client's calls fit the request's budget. */
export type CallBudget = {
  /** No single call (attempt) takes longer than this, however much budget is left. */
  maxCallMs: number;
  /** Time left unspent for what follows a failed call (the answer, a DLQ write). */
  reserveMs: number;
  /** Every call gets at least this, even past the deadline: a write that records a sent code is worth it. */
  minCallMs: number;
};

/**
 * Node's HTTP handler with every attempt bounded by what is left of the current request's {@link Deadline} (see
 * {@link withDeadline}) and by `maxCallMs`. An abort signal is the bound because `requestTimeout` alone only
 * measures socket inactivity.
 */
export class DeadlineBoundHttpHandler extends NodeHttpHandler {
  constructor(
    private readonly budget: CallBudget,
    options: NodeHttpHandlerOptions,
  ) {
    super(options);
  }

  public override handle(
    request: Parameters<NodeHttpHandler['handle']>[0],
    options: HttpHandlerOptions = {},
  ) {
    const deadline = requestDeadlines.getStore();
    const left = deadline ? deadline.remainingMs() - this.budget.reserveMs : this.budget.maxCallMs;
    const timeoutMs = Math.floor(Math.min(this.budget.maxCallMs, Math.max(this.budget.minCallMs, left)));
    const bound = AbortSignal.timeout(Math.max(1, timeoutMs));
    const caller = options.abortSignal as AbortSignal | undefined;
    const abortSignal = caller ? AbortSignal.any([caller, bound]) : bound;
    return super.handle(request, { ...options, abortSignal });
  }
}

/** The SDK clients of the delivery Lambda, each with timeouts that fit the deadline budget. */
export type HookClients = {
  templatesDb: DynamoDBClient;
  idempotencyDb: DynamoDBClient;
  /** The abuse guard's counters (not idempotent) and lists. */
  abuseDb: DynamoDBClient;
  messaging: PinpointSMSVoiceV2Client;
  sqs: SQSClient;
  /** Reads the fingerprint key, once per cold start. */
  secretsManager: SecretsManagerClient;
  /** The messages table: two conditional UpdateItems after a send, beside the idempotency update (deadline-bound). */
  messagesDb: DynamoDBClient;
};

/** DynamoDB calls: at most 400 ms an attempt, so a slow table still leaves time for the send. */
const DYNAMODB_BUDGET: CallBudget = { maxCallMs: 400, reserveMs: 150, minCallMs: 100 };

/**
 * The abuse guard's calls come before the send and fail open: they keep 600 ms back for the send (End User
 * Messaging answers in 100–300 ms) rather than spend its time, and get at least 100 ms, as the other tables do.
 */
const ABUSE_BUDGET: CallBudget = { maxCallMs: 400, reserveMs: 600, minCallMs: 100 };

/**
 * The messages table's write runs after the send, beside the idempotency update: it keeps 100 ms back for the answer
 * and gets at least 100 ms, like the idempotency write it runs beside.
 */
const MESSAGES_BUDGET: CallBudget = { maxCallMs: 400, reserveMs: 100, minCallMs: 100 };

/**
 * Creates the clients once per cold start. Endpoints come from configuration only: locally they point at the
 * stand-ins, in AWS they are unset.
 *
 * @param config - the hook's configuration
 */
export function createHookClients(config: HookConfig): HookClients {
  const region = config.region;
  const db = (retryAmbiguous: boolean, budget = DYNAMODB_BUDGET) =>
    new DynamoDBClient({
      region,
      ...(config.endpoints.dynamodb ? { endpoint: config.endpoints.dynamodb } : {}),
      maxAttempts: 2,
      retryStrategy: new BoundedRetryStrategy(2, { retryAmbiguous }),
      requestHandler: new DeadlineBoundHttpHandler(budget, {
        connectionTimeout: 200,
        requestTimeout: budget.maxCallMs,
        throwOnRequestTimeout: true,
      }),
    });
  return {
    // Templates and routing are read-only Queries: any transient failure may be retried.
    templatesDb: db(true),
    // Conditional writes: a retry after a timeout could find our own first write and call it a duplicate.
    idempotencyDb: db(false),
    // Atomic counters: an UpdateItem retried after a timeout may count one request twice.
    abuseDb: db(false, ABUSE_BUDGET),
    // Two conditional UpdateItems of fixed values: a retry that meets its own landed write fails the condition, which
    // the adapter reads as written. After the send, so no reserve is kept for it beyond the answer's.
    messagesDb: db(true, MESSAGES_BUDGET),
    messaging: new PinpointSMSVoiceV2Client({
      region,
      ...(config.endpoints.smsVoice ? { endpoint: config.endpoints.smsVoice } : {}),
      maxAttempts: 3,
      retryStrategy: new BoundedRetryStrategy(3, { retryAmbiguous: false }),
      requestHandler: { connectionTimeout: 300, requestTimeout: 1500, throwOnRequestTimeout: true },
    }),
    sqs: new SQSClient({
      region,
      ...(config.endpoints.sqs ? { endpoint: config.endpoints.sqs } : {}),
      maxAttempts: 2,
      // A DLQ record written twice is better than none: SQS delivery is at least once anyway.
      retryStrategy: new BoundedRetryStrategy(2, { retryAmbiguous: true }),
      requestHandler: { connectionTimeout: 200, requestTimeout: 300, throwOnRequestTimeout: true },
    }),
    // One read per cold start. The request waits only its share of the deadline for it; these bounds are for the
    // read itself, which may finish after that request and serve the next one.
    secretsManager: new SecretsManagerClient({
      region,
      ...(config.endpoints.secretsManager ? { endpoint: config.endpoints.secretsManager } : {}),
      maxAttempts: 2,
      retryStrategy: new BoundedRetryStrategy(2, { retryAmbiguous: true }),
      requestHandler: { connectionTimeout: 300, requestTimeout: 800, throwOnRequestTimeout: true },
    }),
  };
}

/** Where the off-path handlers' clients point: the region and, locally, the stand-ins. */
export type EventClientsConfig = {
  region: string;
  endpoints: { dynamodb?: string; smsVoice?: string; sqs?: string; secretsManager?: string };
};

/** The SDK clients of the handlers off Okta's path (receipts, verification, sweep). */
export type EventClients = {
  /** The messages table and the abuse table. */
  db: DynamoDBClient;
  /** PutMessageFeedback. */
  messaging: PinpointSMSVoiceV2Client;
  sqs: SQSClient;
  secretsManager: SecretsManagerClient;
};

/** Every attempt of an off-path call is bounded; the connection gets 1 s. */
const boundedHandler = (requestTimeout: number) => ({
  connectionTimeout: 1000,
  requestTimeout,
  throwOnRequestTimeout: true,
});

/*
 * The clients of the handlers fed by SNS, EventBridge and the schedule, one factory each, so that a handler's bundle
 * holds and its cold start builds only the clients it calls (the receipt handler: DynamoDB and SQS). No one waits on
 * them as Okta waits on the hook, but a stuck call must not hold a Lambda until its timeout either: every attempt is
 * bounded, retries are short. Ambiguous failures (a timeout, a reset, a 5xx after the write may have landed) may be
 * retried because every write of these handlers recognises its own landed attempt: the conditional ones (a receipt's
 * append, the settle, the DLQ claim, the prefix deny mark, an Okta event's claim) carry a token of the call in the
 * item, the counters count by a token of the message (`seen`/`used`), and the rest set fixed values (the handlers'
 * unit tests `record-delivery-event`, `record-verification` and `sweep-messages` land each write, lose its answer
 * and let the SDK retry it: `test/helpers/dynamo-faults.ts`).
 */

/** The messages table and the abuse table. */
export function eventDbClient({ region, endpoints }: EventClientsConfig): DynamoDBClient {
  return new DynamoDBClient({
    region,
    ...(endpoints.dynamodb ? { endpoint: endpoints.dynamodb } : {}),
    maxAttempts: 3,
    retryStrategy: new BoundedRetryStrategy(3, { retryAmbiguous: true, baseDelayMs: 50 }),
    requestHandler: boundedHandler(2000),
  });
}

/** PutMessageFeedback. */
export function eventMessagingClient({ region, endpoints }: EventClientsConfig): PinpointSMSVoiceV2Client {
  return new PinpointSMSVoiceV2Client({
    region,
    ...(endpoints.smsVoice ? { endpoint: endpoints.smsVoice } : {}),
    maxAttempts: 3,
    // Feedback sets a status: sending it twice sets the same status.
    retryStrategy: new BoundedRetryStrategy(3, { retryAmbiguous: true, baseDelayMs: 50 }),
    requestHandler: boundedHandler(3000),
  });
}

/** The dead-letter queue. */
export function eventSqsClient({ region, endpoints }: EventClientsConfig): SQSClient {
  return new SQSClient({
    region,
    ...(endpoints.sqs ? { endpoint: endpoints.sqs } : {}),
    maxAttempts: 3,
    retryStrategy: new BoundedRetryStrategy(3, { retryAmbiguous: true, baseDelayMs: 50 }),
    requestHandler: boundedHandler(2000),
  });
}

/** The event hook's header secret. */
export function eventSecretsClient({ region, endpoints }: EventClientsConfig): SecretsManagerClient {
  return new SecretsManagerClient({
    region,
    ...(endpoints.secretsManager ? { endpoint: endpoints.secretsManager } : {}),
    maxAttempts: 2,
    retryStrategy: new BoundedRetryStrategy(2, { retryAmbiguous: true }),
    requestHandler: boundedHandler(2000),
  });
}

/**
 * All four off-path clients at once (tests, tools); a handler builds only its own with the factories above.
 *
 * @param config - region and endpoints
 */
export function createEventClients(config: EventClientsConfig): EventClients {
  return {
    db: eventDbClient(config),
    messaging: eventMessagingClient(config),
    sqs: eventSqsClient(config),
    secretsManager: eventSecretsClient(config),
  };
}
