/**
 * The scheduled sweep (EventBridge, every 5 minutes): messages whose code expired unused are set FAILED
 * (PutMessageFeedback, `OtpExpiredUnused`, the prefix's hourly counter), so every message is settled within 10
 * minutes of its code's expiry. Then the conversion-aware fraud signal: a prefix whose hour has at least
 * `LOW_CONVERSION_MIN_SENDS` settled messages and at most `LOW_CONVERSION_MAX_RATE` of them used is denied through the
 * abuse guard's deny list for `LOW_CONVERSION_DENY_HOURS`.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { putLowConversionDeny } from '../adapters/abuse-store.js';
import { eventDbClient, eventMessagingClient } from '../adapters/aws-clients.js';
import { EndUserMessagingFeedback } from '../adapters/message-feedback.js';
import { DynamoMessageStore, type PrefixHour, type StoredMessage } from '../adapters/message-store.js';
import { type LowConversionConfig, loadSweepConfig } from '../config.js';
import { sweepBucketOf, VERIFICATION_GRACE_SECONDS } from '../domain/message-table.js';
import { maskIfNumber } from '../domain/redact.js';
import { emitMetric, logger, MetricName, metrics } from '../powertools/index.js';

/** What one sweep did (the local stack's `POST /_local/sweep` may show it). */
export type SweepSummary = { swept: number; denied: number };

/**
 * How many past hours of sweep buckets are read besides the current one. Okta's codes live minutes; a code living
 * longer than this is settled only by the table's TTL.
 */
export const SWEEP_LOOKBACK_HOURS = 6;

/** What the sweep needs; module-level in Lambda, injected by the tests. */
export type SweepDeps = {
  store: DynamoMessageStore;
  feedback: EndUserMessagingFeedback;
  /** The abuse table's client and name: the deny entries. */
  abuse: { client: DynamoDBClient; tableName: string };
  lowConversion: LowConversionConfig;
  now?: () => number;
};

/** Statuses of a final receipt that mean the message arrived. */
const ARRIVED = new Set(['delivered', 'successful', 'completed']);

/** A final receipt says the message did not arrive. */
const knownUndelivered = (message: StoredMessage) =>
  message.deliveryFinal === true &&
  message.deliveryStatus !== undefined &&
  !ARRIVED.has(message.deliveryStatus);

/**
 * Whether an hour's counter calls for a deny: enough settled messages to judge, and few enough used.
 *
 * @param counter - the prefix's hour
 * @param settings - thresholds (`minSends` 0 = off)
 */
export function lowConversion(
  counter: { settled: number; converted: number },
  settings: LowConversionConfig,
): boolean {
  if (settings.minSends <= 0 || counter.settled < settings.minSends) return false;
  return counter.converted / counter.settled <= settings.maxRate;
}

async function denyIfLowConversion(
  message: StoredMessage,
  counter: PrefixHour,
  deps: SweepDeps,
  nowMs: number,
): Promise<boolean> {
  if (!message.prefix || typeof message.sentAt !== 'number' || !lowConversion(counter, deps.lowConversion)) {
    return false;
  }
  // Once per prefix and hour (the counter remembers it), so an operator's reset holds for that hour. The entry is
  // written before the mark: a failure in between leaves a deny written twice, never one not written.
  if (counter.deniedAt !== undefined) return false;
  const expiresAt = Math.floor(nowMs / 1000) + deps.lowConversion.denyHours * 3600;
  const written = await putLowConversionDeny(deps.abuse.client, deps.abuse.tableName, message.prefix, {
    expiresAt,
    createdAt: new Date(nowMs),
  });
  const first = await deps.store.markPrefixDenied(message.prefix, message.sentAt);
  if (!written) {
    logger.info("Low-conversion prefix already on the deny list by an operator's entry; kept", {
      prefix: maskIfNumber(message.prefix),
    });
    return false;
  }
  if (!first) return false; // a concurrent sweep denied it and counted it
  emitMetric(MetricName.LowConversionPrefixDenied);
  logger.warn('Prefix denied: many codes sent, almost none used', {
    prefix: maskIfNumber(message.prefix),
    country: message.country ?? 'unknown',
    settled: counter.settled,
    converted: counter.converted,
    hour: new Date(message.sentAt).toISOString().slice(0, 13),
    until: new Date(expiresAt * 1000).toISOString(),
    reason: 'low-conversion',
  });
  return true;
}

/**
 * One sweep: every pending message of the last hours whose code expired is settled FAILED, then judged for the
 * fraud signal. A message that fails is left pending for the next sweep (logged); the others go on.
 *
 * @param deps - store, feedback, abuse table, thresholds
 */
export async function sweep(deps: SweepDeps): Promise<SweepSummary> {
  const nowMs = deps.now?.() ?? Date.now();
  const nowSeconds = Math.floor(nowMs / 1000);
  const summary: SweepSummary = { swept: 0, denied: 0 };
  let failed = 0;
  for (let hour = SWEEP_LOOKBACK_HOURS; hour >= 0; hour -= 1) {
    const bucket = sweepBucketOf(nowMs - hour * 3_600_000);
    // Past expiry and the grace for a late "verified" event: a code typed in its last second is not unused.
    const expired = await deps.store.expiredPending(bucket, nowSeconds - VERIFICATION_GRACE_SECONDS);
    // A few messages at a time: each is a few calls in a row, and a pumping burst is when the sweep has most to do.
    for (let i = 0; i < expired.length; i += SWEEP_CONCURRENCY) {
      await Promise.all(
        expired.slice(i, i + SWEEP_CONCURRENCY).map(async (pending) => {
          try {
            if (await sweepOne(pending.messageId, deps, nowMs, summary)) summary.swept += 1;
          } catch (error) {
            failed += 1;
            logger.error('Message not swept; the next sweep tries again', {
              messageId: pending.messageId,
              error: error as Error,
            });
          }
        }),
      );
    }
  }
  logger.info('Sweep done', { ...summary, failed });
  return summary;
}

/** Messages of one bucket swept at once. */
const SWEEP_CONCURRENCY = 8;

/**
 * Sweeps one message whose code expired: FAILED once, told to End User Messaging, and counted for its prefix (which
 * may deny it). False when it was used or swept meanwhile.
 */
async function sweepOne(
  messageId: string,
  deps: SweepDeps,
  nowMs: number,
  summary: SweepSummary,
): Promise<boolean> {
  const message = await deps.store.settle(messageId, 'FAILED');
  if (!message) return false; // used or swept meanwhile
  const channel = message.channel ?? 'unknown';
  const fields = {
    messageId: message.messageId,
    eventId: message.eventId,
    channel,
    country: message.country ?? 'unknown',
    status: 'FAILED',
  };
  // A message a final receipt says never arrived (carrier filtering, a bad route) says nothing of fraud: the
  // funnel's delivery rate shows it. Pumped numbers get their codes and never use them.
  const counts =
    message.prefix && typeof message.sentAt === 'number' && !knownUndelivered(message)
      ? deps.store.countSettlement(message.prefix, message.sentAt, false)
      : undefined;
  const [, counter] = await Promise.all([deps.feedback.put(message.messageId, 'FAILED', fields), counts]);
  emitMetric(MetricName.OtpExpiredUnused, { channel });
  logger.info('Code expired unused: message marked FAILED', fields);
  if (counter && (await denyIfLowConversion(message, counter, deps, nowMs))) summary.denied += 1;
  return true;
}

let defaults: SweepDeps | undefined;

function defaultDeps(): SweepDeps {
  if (!defaults) {
    const config = loadSweepConfig();
    const db = eventDbClient(config);
    defaults = {
      store: new DynamoMessageStore(db, config.messagesTableName),
      feedback: new EndUserMessagingFeedback(eventMessagingClient(config)),
      abuse: { client: db, tableName: config.abuseTableName },
      lowConversion: config.lowConversion,
    };
  }
  return defaults;
}

/**
 * The Lambda handler of the 5-minute schedule.
 *
 * @param event - EventBridge scheduled event
 * @param context - Lambda context
 */
export const handler = async (event: ScheduledEvent, context: Context): Promise<SweepSummary> => {
  void event;
  logger.addContext(context);
  metrics.captureColdStartMetric();
  return sweep(defaultDeps());
};
