/**
 * Okta's view of our codes, from its System Log: `user.authentication.auth_via_mfa` SUCCESS for `SMS_FACTOR` /
 * `CALL_FACTOR` (or an enrolment's `user.mfa.factor.activate`) settles that user's latest message of the channel
 * RECEIVED when the event can be about it (`domain/conversion.ts`: PutMessageFeedback, `OtpConverted`, the prefix's
 * hourly counter); `inline_hook.executed` / `inline_hook.response.processed` FAILURE counts `OktaHookFailure{kind}`
 * (Okta sent the code through its own providers). Every event Okta sends is also the conversion signal: proof that
 * Okta's events reach us, without which the sweep counts no code as unused.
 *
 * Two ways in: Okta Log Streaming (an EventBridge event whose `detail` is one System Log event), or the optional
 * Okta event hook through API Gateway (`GET` one-time verification, `POST` `{data:{events:[…]}}` with a header
 * secret). Both deliver at least once: a verification is credited once per event `uuid` and a message settled once
 * (resumably: a retry finishes what a stopped invocation left), and a hook failure is counted once per `uuid`.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, EventBridgeEvent } from 'aws-lambda';
import { eventDbClient, eventMessagingClient, eventSecretsClient } from '../adapters/aws-clients.js';
import { EndUserMessagingFeedback } from '../adapters/message-feedback.js';
import { DynamoSettlementStore } from '../adapters/message-settlement.js';
import { loadVerificationConfig } from '../config.js';
import { type CreditOutcome, creditVerification, messageFields } from '../domain/conversion.js';
import { classifyOktaEvent } from '../domain/okta-log-event.js';
import { emitMetric, logger, MetricName, metrics } from '../powertools/index.js';

/** What the handler accepts: an EventBridge event whose `detail` is one System Log event, or an API Gateway event. */
export type VerificationEvent = EventBridgeEvent<string, unknown> | APIGatewayProxyEvent;

/** Port: the event hook's header secret (cached). Undefined when none is configured or it cannot be read. */
export interface HookSecret {
  get(): Promise<string | undefined>;
}

/** The event hook's secret from Secrets Manager, cached for 5 minutes (a rotation is picked up within that). */
export class SecretsManagerHookSecret implements HookSecret {
  readonly #provider: SecretsProvider;

  constructor(
    client: SecretsManagerClient,
    private readonly secretId: string,
  ) {
    this.#provider = new SecretsProvider({ awsSdkV3Client: client });
  }

  public async get(): Promise<string | undefined> {
    try {
      const value = await this.#provider.get(this.secretId, { maxAge: 300 });
      return typeof value === 'string' && value.trim() ? value.trim() : undefined;
    } catch (error) {
      logger.warn('Event hook secret unreadable; refusing event hook calls', {
        errorName: error instanceof Error ? error.name : String(error),
      });
      return undefined;
    }
  }
}

/** What the handler needs; module-level in Lambda, injected by the tests. */
export type VerificationDeps = {
  store: DynamoSettlementStore;
  feedback: EndUserMessagingFeedback;
  secret?: HookSecret;
  /** Lower-cased header name of the event hook secret. */
  header: string;
  /** The telephony inline hook's Okta id: other hooks' failures are not counted. */
  telephonyHookId?: string;
  /** Clock, ms. @default Date.now */
  now?: () => number;
};

/** What one System Log event did (tests). */
export type VerificationOutcome = 'converted' | 'hook-failure' | 'ignored';

/** Logs and counts what crediting a verification did. */
function recordCredit(
  outcome: CreditOutcome,
  oktaEventId: string | undefined,
  channel: string,
): VerificationOutcome {
  switch (outcome.kind) {
    case 'duplicate':
      logger.info('Okta event already handled; not credited again', { oktaEventId, channel });
      return 'ignored';
    case 'no-message':
      // A user whose code we did not send (Okta's own providers, another deployment), or long gone.
      logger.info('MFA success for a user with no remembered message; ignored', { oktaEventId, channel });
      return 'ignored';
    case 'not-about-code':
      logger.info(
        "MFA success published before the user's latest code was sent, or after it expired; ignored",
        {
          oktaEventId,
          messageId: outcome.messageId,
          channel,
        },
      );
      return 'ignored';
    case 'unknown':
      logger.info('MFA success for a message the hook did not record; ignored', { oktaEventId, channel });
      return 'ignored';
    case 'already':
      logger.info('Message already settled; MFA success not counted again', {
        oktaEventId,
        ...messageFields(outcome.message),
        feedback: outcome.message.feedback,
      });
      return 'ignored';
    case 'resumed':
      // The earlier invocation stopped after its settle write, before its count: the conversion is counted here.
      if (outcome.finished.firstFinish && outcome.finished.feedback === 'RECEIVED') {
        emitMetric(MetricName.OtpConverted, { channel });
      }
      logger.info('Settlement left unfinished by an earlier invocation finished', {
        oktaEventId,
        ...messageFields(outcome.finished.message),
        feedback: outcome.finished.feedback,
        countedAs: outcome.finished.countedAs,
      });
      return outcome.finished.feedback === 'RECEIVED' ? 'converted' : 'ignored';
    case 'settled':
      emitMetric(MetricName.OtpConverted, { channel });
      logger.info(
        outcome.recredited
          ? 'Code used after the sweep called it unused: message re-credited RECEIVED'
          : 'Code used: message marked RECEIVED',
        {
          oktaEventId,
          ...messageFields(outcome.finished.message),
          channel,
          status: 'RECEIVED',
          countedAs: outcome.finished.countedAs,
        },
      );
      return 'converted';
  }
}

/**
 * Handles one System Log event.
 *
 * @param event - the System Log event (EventBridge `detail`, or one of the event hook's `data.events`)
 * @param deps - store, feedback
 */
export async function handleOktaEvent(event: unknown, deps: VerificationDeps): Promise<VerificationOutcome> {
  const meaning = classifyOktaEvent(event, { telephonyHookId: deps.telephonyHookId });
  // Any event Okta sends, read or not, proves its events reach us. Best effort: a write that fails leaves the signal
  // a little older (the sweep then waits a little longer), and must not fail the event itself.
  if (meaning.publishedMs !== undefined) {
    await deps.store.recordSignal(meaning.publishedMs).catch((error: unknown) => {
      logger.warn('Conversion signal not recorded', {
        errorName: error instanceof Error ? error.name : String(error),
      });
    });
  }
  switch (meaning.kind) {
    case 'ignored':
      logger.debug('Okta event ignored', {
        oktaEventId: meaning.uuid,
        eventType: meaning.eventType,
        why: meaning.why,
      });
      return 'ignored';
    case 'hook-failure': {
      if (meaning.uuid && !(await deps.store.claimOktaEvent(meaning.uuid, randomUUID()))) {
        logger.info('Okta hook failure already counted', { oktaEventId: meaning.uuid });
        return 'ignored';
      }
      emitMetric(MetricName.OktaHookFailure, { kind: meaning.failure });
      logger.warn('Okta logged a failure of the hook: it sent the code through its own providers', {
        oktaEventId: meaning.uuid,
        eventType: meaning.eventType,
        kind: meaning.failure,
      });
      return 'hook-failure';
    }
    case 'verified': {
      let outcome: CreditOutcome;
      try {
        outcome = await creditVerification(
          {
            userId: meaning.userId,
            channel: meaning.channel,
            publishedMs: meaning.publishedMs,
            ...(meaning.uuid ? { uuid: meaning.uuid } : {}),
          },
          { store: deps.store, feedback: deps.feedback, now: deps.now ?? Date.now },
        );
      } catch (error) {
        // Okta's other events keep the signal moving while code-used events fail here: hold it below this one, so
        // that the sweep counts no code unused that this event (once retried, or lost) may have been about.
        await deps.store.recordVerificationFailure(meaning.publishedMs).catch(() => {});
        throw error;
      }
      return recordCredit(outcome, meaning.uuid, meaning.channel);
    }
  }
}

/** Events of one Okta event hook delivery handled at once (each is a few DynamoDB calls and one feedback call). */
const EVENT_HOOK_CONCURRENCY = 8;

const isApiGateway = (event: VerificationEvent): event is APIGatewayProxyEvent =>
  typeof (event as APIGatewayProxyEvent).httpMethod === 'string';

/** A header, whatever its case. */
function headerOf(event: APIGatewayProxyEvent, name: string): string | undefined {
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

/** Constant-time comparison of two strings, of any lengths (digests first: equal lengths, no length leak). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/**
 * The Okta event hook route: the header secret on every call (never logged), then Okta's one-time `GET`
 * verification or a `POST` of events.
 *
 * @param event - API Gateway REST proxy event
 * @param deps - store, feedback, secret
 */
export async function handleEventHook(
  event: APIGatewayProxyEvent,
  deps: VerificationDeps,
): Promise<APIGatewayProxyResult> {
  const expected = await deps.secret?.get();
  const given = headerOf(event, deps.header);
  if (!expected || given === undefined || !sameSecret(given, expected)) {
    logger.warn('Event hook call refused: missing or wrong secret header', {
      method: event.httpMethod,
      headerPresent: given !== undefined,
      secretConfigured: expected !== undefined,
    });
    return json(401, { error: 'unauthorized' });
  }
  if (event.httpMethod === 'GET') {
    const challenge = headerOf(event, 'x-okta-verification-challenge');
    if (!challenge) return json(400, { error: 'missing x-okta-verification-challenge' });
    logger.info('Okta event hook verified');
    return json(200, { verification: challenge });
  }
  if (event.httpMethod !== 'POST') return json(405, { error: 'method not allowed' });
  let body: unknown;
  try {
    const text = event.isBase64Encoded
      ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
      : event.body;
    body = JSON.parse(text ?? '');
  } catch {
    return json(400, { error: 'body is not JSON' });
  }
  const events = (body as { data?: { events?: unknown } } | null)?.data?.events;
  if (!Array.isArray(events)) return json(400, { error: 'no data.events' });
  // A failure answers 500, so Okta delivers the batch again; what was settled is then skipped. A few events at a time:
  // Okta waits 3 s for an event hook, and a batch of dozens, one after another, would not fit.
  for (let i = 0; i < events.length; i += EVENT_HOOK_CONCURRENCY) {
    await Promise.all(events.slice(i, i + EVENT_HOOK_CONCURRENCY).map((e) => handleOktaEvent(e, deps)));
  }
  return { statusCode: 200, body: '' };
}

/**
 * Handles either way in.
 *
 * @param event - EventBridge event (Log Streaming) or API Gateway event (event hook)
 * @param deps - store, feedback, secret
 */
export async function handleVerification(
  event: VerificationEvent,
  deps: VerificationDeps,
): Promise<APIGatewayProxyResult | undefined> {
  if (isApiGateway(event)) {
    try {
      return await handleEventHook(event, deps);
    } catch (error) {
      logger.error('Event hook delivery not handled; Okta will retry', { error: error as Error });
      return json(500, { error: 'internal' });
    }
  }
  // EventBridge: a throw makes EventBridge's async invoke retry the event.
  await handleOktaEvent(event.detail, deps);
  return undefined;
}

let defaults: VerificationDeps | undefined;

function defaultDeps(): VerificationDeps {
  if (!defaults) {
    const config = loadVerificationConfig();
    defaults = {
      store: new DynamoSettlementStore(eventDbClient(config), config.messagesTableName),
      feedback: new EndUserMessagingFeedback(eventMessagingClient(config)),
      ...(config.eventHookSecret
        ? { secret: new SecretsManagerHookSecret(eventSecretsClient(config), config.eventHookSecret) }
        : {}),
      header: config.eventHookHeader,
      ...(config.telephonyHookId ? { telephonyHookId: config.telephonyHookId } : {}),
    };
  }
  return defaults;
}

/**
 * The Lambda handler: EventBridge rule on the Okta partner event bus, and the optional event hook route.
 *
 * @param event - EventBridge (Okta Log Streaming) or API Gateway REST proxy event (Okta event hook)
 * @param context - Lambda context
 */
export const handler = async (
  event: VerificationEvent,
  context: Context,
): Promise<APIGatewayProxyResult | undefined> => {
  logger.addContext(context);
  metrics.captureColdStartMetric();
  return handleVerification(event, defaultDeps());
};
