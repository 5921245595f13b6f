/**
 * The scheduled sweep (EventBridge, every 5 minutes): messages whose code expired unused are settled FAILED
 * (PutMessageFeedback, `OtpExpiredUnused`, the prefix's hourly counter), settlements a stopped invocation left
 * unfinished are finished, and a FAILED leaves the index once a late RECEIVED can no longer re-credit it. Then the
 * conversion-aware fraud signal: a prefix whose hour has at least `LOW_CONVERSION_MIN_SENDS` counted settlements and
 * at most `LOW_CONVERSION_MAX_RATE` of them used is denied through the abuse guard's deny list for
 * `LOW_CONVERSION_DENY_HOURS`, but only on evidence: a code counts as unused only once Okta's events have been heard
 * past its expiry (`domain/conversion.ts`); without them the sweep waits, says so (`ConversionSignalMissing`), and in
 * the end settles such codes without counting them.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { putLowConversionDeny } from '../adapters/abuse-store.js';
import { eventDbClient, eventMessagingClient } from '../adapters/aws-clients.js';
import { EndUserMessagingFeedback } from '../adapters/message-feedback.js';
import type { StoredMessage } from '../adapters/message-items.js';
import { DynamoSettlementStore } from '../adapters/message-settlement.js';
import { type LowConversionConfig, loadSweepConfig } from '../config.js';
import {
  type FinishedSettlement,
  judgePrefix,
  messageFields,
  resumeSettlement,
  type SettlementDeps,
  SIGNAL_MISSING_AFTER_SECONDS,
  settleMessage,
  sweepAction,
} from '../domain/conversion.js';
import { sweepBucketOf, VERIFICATION_GRACE_SECONDS } from '../domain/message-table.js';
import { maskIfNumber } from '../domain/redact.js';
import { emitMetric, logger, MetricName, metrics } from '../powertools/index.js';

export { lowConversion } from '../domain/conversion.js';

/** What one sweep did (the local stack's `POST /_local/sweep` may show it). */
export type SweepSummary = {
  /** Settled FAILED by this sweep. */
  swept: number;
  /** Prefixes denied. */
  denied: number;
  /** Left for a later sweep: Okta's events have not caught up with the code's expiry. */
  deferred: number;
  /** Settlements an earlier invocation left unfinished, finished. */
  resumed: number;
};

/**
 * How many past hours of sweep buckets are read besides the current one. Okta's codes live minutes; a code living
 * longer than this is settled only by the table's TTL. Covers the signal wait and the re-credit window (2 hours).
 */
export const SWEEP_LOOKBACK_HOURS = 6;

/** What the sweep needs; module-level in Lambda, injected by the tests. */
export type SweepDeps = {
  store: DynamoSettlementStore;
  feedback: EndUserMessagingFeedback;
  /** The abuse table's client and name: the deny entries. */
  abuse: { client: DynamoDBClient; tableName: string };
  lowConversion: LowConversionConfig;
  now?: () => number;
};

/** Messages of one bucket swept at once. */
const SWEEP_CONCURRENCY = 8;

/** Logs, counts and judges what settling or finishing one message did. */
async function afterSettlement(
  finished: FinishedSettlement,
  deps: SweepDeps,
  settlement: SettlementDeps,
  summary: SweepSummary,
): Promise<void> {
  const { message, counter } = finished;
  if (!counter || finished.countedAs !== 'FAILED' || !message.prefix || typeof message.sentAt !== 'number') {
    return;
  }
  const judgement = await judgePrefix(message.prefix, message.sentAt, counter, {
    store: deps.store,
    denyList: {
      denyLowConversion: (prefix, entry) =>
        putLowConversionDeny(deps.abuse.client, deps.abuse.tableName, prefix, entry),
    },
    settings: deps.lowConversion,
    now: settlement.now,
  });
  if (judgement.kind !== 'denied') return;
  summary.denied += 1;
  emitMetric(MetricName.LowConversionPrefixDenied);
  logger.warn('Prefix denied: many codes sent, almost none used', {
    prefix: maskIfNumber(message.prefix),
    country: message.country ?? 'unknown',
    settled: judgement.counter.settled,
    converted: judgement.counter.converted,
    hour: new Date(message.sentAt).toISOString().slice(0, 13),
    until: new Date(judgement.expiresAt * 1000).toISOString(),
    reason: 'low-conversion',
  });
}

/** Sweeps one message the index returned. */
async function sweepOne(
  pending: StoredMessage,
  deps: SweepDeps,
  settlement: SettlementDeps,
  signalMs: number | undefined,
  summary: SweepSummary,
): Promise<void> {
  const action = sweepAction(pending, settlement.now(), signalMs);
  if (action === 'none') return;
  if (action === 'defer') {
    summary.deferred += 1;
    return;
  }
  if (action === 'resume') {
    const finished = await resumeSettlement(pending.messageId, settlement, signalMs);
    if (!finished) return;
    summary.resumed += 1;
    logger.info('Settlement left unfinished by an earlier invocation finished', {
      ...messageFields(finished.message),
      feedback: finished.feedback,
      countedAs: finished.countedAs,
    });
    await afterSettlement(finished, deps, settlement, summary);
    return;
  }
  const outcome = await settleMessage(pending.messageId, 'FAILED', settlement, signalMs);
  if (outcome.kind === 'unknown' || outcome.kind === 'already') return; // used or swept meanwhile
  const { finished } = outcome;
  if (outcome.kind === 'resumed') summary.resumed += 1;
  if (outcome.kind === 'settled') {
    summary.swept += 1;
    emitMetric(MetricName.OtpExpiredUnused, { channel: finished.message.channel ?? 'unknown' });
    logger.info('Code expired unused: message marked FAILED', {
      ...messageFields(finished.message),
      status: 'FAILED',
      // FAILED:unjudged (no Okta events to prove it unused) and FAILED:undelivered never count against the prefix.
      countedAs: finished.countedAs,
    });
  }
  await afterSettlement(finished, deps, settlement, summary);
}

/**
 * One sweep: every message of the last hours' buckets whose code expired (past the grace for a late event) is
 * settled, finished or left for later by {@link sweepAction}. A message that fails is logged and left in the index for
 * the next sweep; the others go on.
 *
 * @param deps - store, feedback, abuse table, thresholds
 */
export async function sweep(deps: SweepDeps): Promise<SweepSummary> {
  const now = deps.now ?? Date.now;
  const nowMs = now();
  const nowSeconds = Math.floor(nowMs / 1000);
  const summary: SweepSummary = { swept: 0, denied: 0, deferred: 0, resumed: 0 };
  const settlement: SettlementDeps = { store: deps.store, feedback: deps.feedback, now };
  const signal = await deps.store.signal();
  const signalMs = signal?.publishedMs;
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
            await sweepOne(pending, deps, settlement, signalMs, summary);
          } catch (error) {
            failed += 1;
            logger.error('Message not swept; it stays in the index and the next sweep tries again', {
              messageId: pending.messageId,
              error: error as Error,
            });
          }
        }),
      );
    }
  }
  const signalAgeSeconds = signalMs === undefined ? undefined : Math.round((nowMs - signalMs) / 1000);
  if (
    summary.deferred > 0 &&
    (signalAgeSeconds === undefined || signalAgeSeconds > SIGNAL_MISSING_AFTER_SECONDS)
  ) {
    emitMetric(MetricName.ConversionSignalMissing);
    logger.warn(
      "Okta's events are not arriving: codes wait for them, and the low-conversion deny is paused",
      {
        waiting: summary.deferred,
        lastOktaEvent: signalMs === undefined ? 'never' : new Date(signalMs).toISOString(),
        ...(signalAgeSeconds === undefined ? {} : { signalAgeSeconds }),
      },
    );
  }
  logger.info('Sweep done', { ...summary, failed });
  return summary;
}

let defaults: SweepDeps | undefined;

function defaultDeps(): SweepDeps {
  if (!defaults) {
    const config = loadSweepConfig();
    const db = eventDbClient(config);
    defaults = {
      store: new DynamoSettlementStore(db, config.messagesTableName),
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
