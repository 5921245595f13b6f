/**
 * `POST /hook`: Okta's telephony inline hook. Validates the payload, delivers the OTP by SMS or voice through
 * End User Messaging exactly once per event (idempotency), and answers in Okta's format inside the deadline.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DynamoAbuseStore } from '../adapters/abuse-store.js';
import { createHookClients, withDeadline } from '../adapters/aws-clients.js';
import { SqsDeadLetterSink } from '../adapters/dead-letter-queue.js';
import { SecretsManagerFingerprintKey } from '../adapters/fingerprint-key.js';
import { PowertoolsIdempotency } from '../adapters/idempotency.js';
import { CarrierLineTypes } from '../adapters/line-types.js';
import { EndUserMessagingSender, NotifyTemplateCatalog } from '../adapters/messaging.js';
import { DynamoMessageMemory, rememberingSender } from '../adapters/remembering-sender.js';
import { DynamoSendHistory } from '../adapters/send-history.js';
import { DynamoTemplateSource } from '../adapters/templates.js';
import { loadHookConfig } from '../config.js';
import { AbuseGuard } from '../domain/abuse-guard.js';
import { isConvertedRequestType } from '../domain/conversion.js';
import { Deadline } from '../domain/deadline.js';
import { HookPayloadError } from '../domain/errors.js';
import {
  deliverExactlyOnce,
  type ExactlyOnceDeps,
  type ExactlyOnceResult,
  RecentDeliveries,
} from '../domain/exactly-once.js';
import { fingerprintOf, numberDigestOf } from '../domain/fingerprint.js';
import { type DeliveryRequest, parseHookRequest } from '../domain/hook-request.js';
import {
  badRequestAnswer,
  connectionCheckAnswer,
  type HookAnswer,
  internalErrorAnswer,
  isConnectionCheckNumber,
} from '../domain/okta-response.js';
import { maskPhone } from '../domain/redact.js';
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
const idempotency = new PowertoolsIdempotency(clients.idempotencyDb, config.idempotencyTableName);
const parseOptions = config.defaultPhoneRegion ? { defaultPhoneRegion: config.defaultPhoneRegion } : {};
const abuseStore = new DynamoAbuseStore(clients.abuseDb, config.abuse.tableName);
/** Receipts and conversion: with a messages table, each sent message is remembered (issue 15). */
const messageStore = config.messagesTableName
  ? new DynamoMessageMemory(clients.messagesDb, config.messagesTableName)
  : undefined;
/** AWS's Notify templates: read at init where the stack made a Notify configuration, else at the first Notify send. */
const notifyTemplates = new NotifyTemplateCatalog(clients.messaging);
if (config.notifyTier) notifyTemplates.prefetch();
const deps: ExactlyOnceDeps = {
  templates: new DynamoTemplateSource(
    clients.templatesDb,
    config.templatesTableName,
    config.templatesMaxAgeSeconds,
  ),
  sender: new EndUserMessagingSender(clients.messaging, config.configurationSetName, {
    maxPrice: config.maxPricePerMessage,
    protectConfigurationId: config.protectConfigurationId,
    notifyTemplates,
    ...(config.notifyTier ? { notifyTier: config.notifyTier } : {}),
  }),
  deadLetters: new SqsDeadLetterSink(clients.sqs, config.dlqUrl),
  defaultLocale: config.defaultLocale,
  guard: new AbuseGuard({ counters: abuseStore, lists: abuseStore, settings: config.abuse }),
  blockedAnswer: config.abuse.blockedAnswer,
  voiceFallback: config.voiceFallback,
  resendPolicy: config.resendPolicy,
  ...(config.messagesTableName
    ? {
        history: new DynamoSendHistory(clients.messagesDb, config.messagesTableName),
        lineTypes: new CarrierLineTypes(clients.messaging, clients.messagesDb, config.messagesTableName),
      }
    : {}),
  lineTypeSettings: { carrierLookup: config.carrierLookup, refusedLineTypes: config.refusedLineTypes },
  idempotency,
  recent: new RecentDeliveries(),
};
/** What the answer keeps back from the wait for the message's write: the answer itself. */
const MESSAGE_WRITE_RESERVE_MS = 50;

/**
 * Delivers exactly once and, with a messages table, remembers what was sent: the write starts when the send resolves
 * (beside the idempotency update) and is awaited here, bounded by the deadline, after the delivery.
 */
async function deliverAndRemember(request: DeliveryRequest, deadline: Deadline): Promise<ExactlyOnceResult> {
  if (!messageStore) return deliverExactlyOnce(request, deps, deadline);
  const memory = rememberingSender(
    deps.sender,
    request,
    messageStore,
    Date.now,
    config.conversion,
    config.resendPolicy === 'escalate',
  );
  const delivery = await deliverExactlyOnce(request, { ...deps, sender: memory.sender }, deadline);
  const write = await memory.settled(deadline.remainingMs() - MESSAGE_WRITE_RESERVE_MS);
  if (write === 'pending') {
    logger.warn("Sent message's write still in flight at the deadline; answering Okta", {
      eventId: request.idempotencyKey,
    });
  }
  return delivery;
}

const fingerprintKey = new SecretsManagerFingerprintKey(clients.secretsManager, config.fingerprintKeySecret);

/**
 * What the first delivery needs, read in one parallel stage started at init, not one item after another on the first
 * request: templates and routing, the fingerprint key, the guard's lists (each adapter shares its read in flight with
 * the first request's, and keeps what it read). A failure here is the first request's to meet, as without the warm-up.
 */
void Promise.allSettled([
  deps.templates.templates(),
  deps.templates.routing(),
  fingerprintKey.get(0),
  abuseStore.current(),
]);

/**
 * The longest a request waits for the fingerprint key (read once per cold start): a quarter of what is left, at
 * most 500 ms, so a slow Secrets Manager on a cold start still leaves the delivery most of Okta's window.
 */
const FINGERPRINT_KEY_WAIT_MS = 500;

/**
 * The request with its keyed fingerprint. Without the key (Secrets Manager unreachable, slow, or the secret
 * missing) the code is still delivered, a sign-in beats a missing check, but nothing derived from the code is
 * stored: the request goes on without a fingerprint, which the idempotency store saves with no `validation`.
 * Loud, not silent: a metric and a warning per request, so an alarm can page on it.
 */
async function withFingerprint(request: DeliveryRequest, deadline: Deadline): Promise<DeliveryRequest> {
  const lookup = await fingerprintKey.get(Math.min(FINGERPRINT_KEY_WAIT_MS, deadline.remainingMs() / 4));
  if (lookup.key) {
    const numberDigest = numberDigestOf(request.phone, lookup.key);
    return {
      ...request,
      fingerprint: fingerprintOf(request, lookup.key),
      ...(numberDigest ? { numberDigest } : {}),
    };
  }
  emitMetric(MetricName.FingerprintKeyUnavailable);
  logger.warn(
    'Fingerprint key unavailable; delivering without a replay check, storing no digest of the code',
    {
      eventId: request.idempotencyKey,
      reason: lookup.reason,
      ...(lookup.errorName ? { errorName: lookup.errorName } : {}),
    },
  );
  return request;
}

function toHttp(answer: HookAnswer): APIGatewayProxyResult {
  return {
    statusCode: answer.statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(answer.body),
  };
}

function record(delivery: ExactlyOnceResult, request: DeliveryRequest, deadline: Deadline): void {
  const { outcome, replay, storeUnavailable } = delivery;
  const elapsedMs = Math.round(deadline.elapsedMs());
  // Keys go on each line rather than through appendKeys: the local stack runs invocations concurrently in one
  // process, where shared persistent keys would cross between requests.
  const fields = {
    eventId: request.idempotencyKey,
    requestId: request.requestId,
    requestType: request.requestType,
    ...(request.isResend !== undefined ? { isResend: request.isResend } : {}),
    ...(request.appClientId ? { appClientId: request.appClientId } : {}),
    channel: outcome.channel,
    country: outcome.country ?? request.country ?? 'unknown',
    outcome: outcome.outcome,
    replay,
    elapsedMs,
    attempts: outcome.attempts,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    ...(outcome.templateLevel ? { templateLevel: outcome.templateLevel } : {}),
    ...(outcome.templatesWithoutCode ? { templatesWithoutCode: outcome.templatesWithoutCode } : {}),
    ...(outcome.originationIdentity ? { originationIdentity: outcome.originationIdentity } : {}),
    ...(outcome.failovers ? { failovers: outcome.failovers } : {}),
    ...(outcome.requestedChannel ? { requestedChannel: outcome.requestedChannel } : {}),
    ...(outcome.resend ? { resend: outcome.resend } : {}),
    ...(outcome.lineType?.lineType ? { lineType: outcome.lineType.lineType } : {}),
  };
  if (storeUnavailable) {
    emitMetric(MetricName.IdempotencyStoreUnavailable);
    logger.warn('Idempotency store unavailable; delivered without it', {
      eventId: request.idempotencyKey,
      delivered: storeUnavailable.delivered,
      errorName: storeUnavailable.causeName,
    });
  }
  if (replay) {
    emitMetric(MetricName.IdempotentReplay, { channel: outcome.channel });
    logger.info('Duplicate request answered without sending', fields);
    return;
  }
  if (outcome.guardUnavailable) {
    emitMetric(MetricName.AbuseGuardUnavailable);
    logger.warn("Abuse guard's table unavailable; delivering without the guard", {
      eventId: request.idempotencyKey,
      errorName: outcome.guardUnavailable,
    });
  }
  // Line types from the carrier: each paid lookup counted by what it said, each failed read or lookup counted.
  if (outcome.lineType?.source === 'lookup') {
    emitMetric(MetricName.CarrierLookup, { lineType: outcome.lineType.lineType ?? 'unknown' });
  }
  if (outcome.lineType?.failed) {
    emitMetric(MetricName.CarrierLookupFailed, { source: outcome.lineType.source });
    logger.warn("The number's line type could not be read in time; the numbering plan decides", {
      eventId: request.idempotencyKey,
      source: outcome.lineType.source,
    });
  }
  if (outcome.outcome === 'blocked') {
    emitMetric(MetricName.OtpBlocked, { reason: outcome.reason ?? 'unknown', channel: outcome.channel });
    logger.warn('OTP refused by the abuse guard', {
      ...fields,
      reasons: outcome.blockedReasons ?? [],
      phone: maskPhone(request.phone ?? request.rawPhone),
    });
    return;
  }
  // A resend sent from another identity than the previous code, whose receipts never said it arrived.
  if (outcome.resend?.action === 'escalate') {
    emitMetric(MetricName.ResendEscalated, { reason: outcome.resend.reason });
  } else if (outcome.resend?.action === 'none' && outcome.resend.why === 'history_unavailable') {
    emitMetric(MetricName.ResendHistoryUnavailable);
    logger.warn('Previous send not read in time; the resend is routed as any request', {
      eventId: request.idempotencyKey,
    });
  }
  // Each identity passed over: the code still went out (or failed) from a later one.
  for (const failover of outcome.failovers ?? []) {
    emitMetric(MetricName.OriginationFailover, { reason: failover.reason });
  }
  if (outcome.templateLevel && outcome.templateLevel !== 'exact') {
    emitMetric(MetricName.TemplateFallback, { level: outcome.templateLevel });
  }
  if (outcome.templatesWithoutCode?.length) {
    // Stored templates without {{otp}} were passed over (the sort keys are in the log line, never the code).
    emitMetric(
      MetricName.TemplateMissingCode,
      { channel: outcome.channel },
      outcome.templatesWithoutCode.length,
    );
  }
  if (outcome.outcome === 'delivered') {
    emitMetrics(
      { channel: outcome.channel },
      [
        [MetricName.OtpDelivered],
        [MetricName.DeliveryLatency, elapsedMs, MetricUnit.Milliseconds],
        // The conversion rate's denominator: codes whose use Okta reports (not password resets and unlocks).
        ...(isConvertedRequestType(request.requestType) ? [[MetricName.OtpConvertible] as const] : []),
      ],
      // Resends, where Okta says (2026.09): how often users ask again, per route in the logs.
      request.isResend === undefined ? undefined : { isResend: String(request.isResend) },
    );
    // Sends per country, against the band each country learnt (an attacker cannot add countries: a country the
    // allow-list refuses is never delivered to).
    emitMetric(MetricName.OtpDelivered, { country: fields.country });
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
  const deadline = Deadline.since(config.deadlineMs, event.requestContext?.requestTimeEpoch);
  logger.addContext(context);
  metrics.captureColdStartMetric();
  idempotency.registerContext(context);
  const releases: Array<() => void> = [];
  let request: DeliveryRequest | undefined;
  try {
    try {
      request = await parseHookRequest(event.body, parseOptions);
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
    if (isConnectionCheckNumber(request.rawPhone)) {
      // `npm run okta:connect`'s proof through Okta: the token path works; nothing to send, count or remember.
      emitMetric(MetricName.ConnectionCheck);
      logger.info('Connection check answered; nothing sent', {
        eventId: request.idempotencyKey,
        requestType: request.requestType,
        channel: request.channel,
        elapsedMs: Math.round(deadline.elapsedMs()),
      });
      return toHttp(
        connectionCheckAnswer(request.idempotencyKey, {
          channel: request.channel,
          durationMs: deadline.elapsedMs(),
        }),
      );
    }
    request = await withFingerprint(request, deadline);
    const parsed = request;
    const delivery = await withDeadline(deadline, () => deliverAndRemember(parsed, deadline));
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
