/**
 * `POST /hook`: Okta's telephony inline hook. Validates the payload, delivers the OTP by SMS or voice through
 * End User Messaging exactly once per event (idempotency), and answers in Okta's format inside the deadline.
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyInconsistentStateError,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createHookClients } from '../adapters/aws-clients.js';
import { SqsDeadLetterSink } from '../adapters/dead-letter-queue.js';
import { createIdempotency } from '../adapters/idempotency.js';
import { EndUserMessagingSender } from '../adapters/messaging.js';
import { DynamoTemplateSource } from '../adapters/templates.js';
import { loadHookConfig } from '../config.js';
import { Deadline, sleep } from '../domain/deadline.js';
import { type DeliveryDeps, type DeliveryOutcome, deliverOtp, failDelivery } from '../domain/deliver.js';
import { HookPayloadError, UndeliverableError } from '../domain/errors.js';
import { type DeliveryRequest, parseHookRequest } from '../domain/hook-request.js';
import {
  badRequestAnswer,
  commandsAnswer,
  type HookAnswer,
  internalErrorAnswer,
} from '../domain/okta-response.js';
import {
  emitMetric,
  emitMetrics,
  logger,
  MetricName,
  MetricUnit,
  metrics,
  secrets,
} from '../powertools/index.js';

const config = loadHookConfig();
const clients = createHookClients(config);
const deps: DeliveryDeps = {
  templates: new DynamoTemplateSource(
    clients.templatesDb,
    config.templatesTableName,
    config.templatesMaxAgeSeconds,
  ),
  sender: new EndUserMessagingSender(clients.messaging, config.configurationSetName),
  deadLetters: new SqsDeadLetterSink(clients.sqs, config.dlqUrl),
  defaultLocale: config.defaultLocale,
  ...(config.fallbackRouting ? { fallbackRouting: config.fallbackRouting } : {}),
};
const idempotency = createIdempotency(clients.idempotencyDb, config.idempotencyTableName);

/** How often a duplicate looks again for the first request's result. */
const DUPLICATE_POLL_MS = 40;

/** Per-invocation state shared with the idempotent function: did this invocation run the delivery? */
type Run = { deadline: Deadline; executed: boolean; outcome?: DeliveryOutcome };

const deliverOnce = makeIdempotent(
  async (request: DeliveryRequest, run: Run): Promise<DeliveryOutcome> => {
    run.executed = true;
    run.outcome = await deliverOtp(request, deps, run.deadline);
    return run.outcome;
  },
  { persistenceStore: idempotency.persistenceStore, config: idempotency.config, dataIndexArgument: 0 },
);

type Delivery = { outcome: DeliveryOutcome; replay: boolean };

/**
 * Delivers at most once per idempotency key. A duplicate of a finished request gets the stored answer; a duplicate
 * of one still in flight waits for it until the deadline, then answers PENDING. If the idempotency store itself is
 * down, the code is delivered anyway: a sign-in beats a theoretical duplicate.
 */
async function deliverIdempotently(request: DeliveryRequest, deadline: Deadline): Promise<Delivery> {
  const run: Run = { deadline, executed: false };
  for (;;) {
    try {
      const outcome = await deliverOnce(request, run);
      return { outcome, replay: !run.executed };
    } catch (error) {
      if (
        error instanceof IdempotencyAlreadyInProgressError ||
        error instanceof IdempotencyInconsistentStateError
      ) {
        if (deadline.remainingMs() > DUPLICATE_POLL_MS * 2) {
          await sleep(DUPLICATE_POLL_MS);
          continue;
        }
        const answer = commandsAnswer('PENDING', request.idempotencyKey, {
          channel: request.channel,
          ...(request.country ? { country: request.country } : {}),
          durationMs: deadline.elapsedMs(),
        });
        return {
          outcome: { answer, outcome: 'pending', channel: request.channel, attempts: 0 },
          replay: true,
        };
      }
      if (error instanceof IdempotencyValidationError) {
        const refused = new UndeliverableError(
          'idempotency_key_reused',
          'The idempotency key was reused with another payload',
        );
        return { outcome: await failDelivery(request, refused, deps, deadline), replay: false };
      }
      if (error instanceof IdempotencyPersistenceLayerError) {
        emitMetric(MetricName.IdempotencyStoreUnavailable);
        logger.warn('Idempotency store unavailable; delivering without it', {
          eventId: request.idempotencyKey,
          delivered: run.outcome !== undefined,
          errorName: error.cause instanceof Error ? error.cause.name : error.name,
        });
        if (run.outcome) return { outcome: run.outcome, replay: false };
        if (run.executed) throw error;
        run.executed = true;
        return { outcome: await deliverOtp(request, deps, deadline), replay: false };
      }
      throw error;
    }
  }
}

function toHttp(answer: HookAnswer): APIGatewayProxyResult {
  return {
    statusCode: answer.statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(answer.body),
  };
}

function record(delivery: Delivery, request: DeliveryRequest, deadline: Deadline): void {
  const { outcome, replay } = delivery;
  const elapsedMs = Math.round(deadline.elapsedMs());
  // Keys go on each line rather than through appendKeys: the local stack runs invocations concurrently in one
  // process, where shared persistent keys would cross between requests.
  const fields = {
    eventId: request.idempotencyKey,
    requestId: request.requestId,
    requestType: request.requestType,
    channel: outcome.channel,
    country: outcome.country ?? request.country ?? 'unknown',
    outcome: outcome.outcome,
    replay,
    elapsedMs,
    attempts: outcome.attempts,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    ...(outcome.templateLevel ? { templateLevel: outcome.templateLevel } : {}),
  };
  if (replay) {
    emitMetric(MetricName.IdempotentReplay, { channel: outcome.channel });
    logger.info('Duplicate request answered without sending', fields);
    return;
  }
  if (outcome.templateLevel && outcome.templateLevel !== 'exact') {
    emitMetric(MetricName.TemplateFallback, { level: outcome.templateLevel });
  }
  if (outcome.outcome === 'delivered') {
    emitMetrics({ channel: outcome.channel }, [
      [MetricName.OtpDelivered],
      [MetricName.DeliveryLatency, elapsedMs, MetricUnit.Milliseconds],
    ]);
    logger.info('OTP delivered', { ...fields, messageId: outcome.messageId });
  } else {
    emitMetric(MetricName.OtpDeliveryFailed, {
      channel: outcome.channel,
      reason: outcome.reason ?? 'unknown',
    });
    logger.warn('OTP delivery failed', fields);
  }
}

/**
 * The Lambda handler behind API Gateway's `POST /hook` (REST proxy integration).
 *
 * @param event - API Gateway proxy event; the body is Okta's hook request
 * @param context - Lambda context (its remaining time bounds the in-flight idempotency record)
 */
export const handler = async (
  event: APIGatewayProxyEvent,
  context: Context,
): Promise<APIGatewayProxyResult> => {
  const deadline = new Deadline(config.deadlineMs);
  logger.addContext(context);
  metrics.captureColdStartMetric();
  idempotency.config.registerLambdaContext(context);
  const releases: Array<() => void> = [];
  let request: DeliveryRequest | undefined;
  try {
    try {
      request = await parseHookRequest(event.body);
    } catch (error) {
      if (!(error instanceof HookPayloadError)) throw error;
      emitMetric(MetricName.OtpDeliveryFailed, { channel: 'unknown', reason: 'invalid_payload' });
      logger.warn('Hook request rejected', {
        outcome: 'rejected',
        reason: 'invalid_payload',
        problems: error.problems.map((p) => p.location),
        elapsedMs: Math.round(deadline.elapsedMs()),
      });
      return toHttp(badRequestAnswer(error.message, error.problems));
    }
    releases.push(secrets.register(request.otpCode), secrets.register(request.oktaMessage));
    const delivery = await deliverIdempotently(request, deadline);
    record(delivery, request, deadline);
    return toHttp(delivery.outcome.answer);
  } catch (error) {
    emitMetric(MetricName.OtpDeliveryFailed, { channel: request?.channel ?? 'unknown', reason: 'internal' });
    logger.error('Unexpected error in the delivery handler', {
      eventId: request?.idempotencyKey,
      outcome: 'error',
      reason: 'internal',
      error: error as Error,
    });
    return toHttp(internalErrorAnswer());
  } finally {
    for (const release of releases) release();
  }
};
