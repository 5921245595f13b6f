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
  effectiveSignal,
  type FinishedSettlement,
  judgePrefix,
  messageFields,
  type PrefixHour,
  resumeSettlement,
  type SettlementDeps,
  type SettlingMessage,
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
 * longer than this is settled only by the table's TTL. Covers the signal wait and the re-credit window (2 hours) with
 * room for a sweep that was down for most of a day (a Query of an empty bucket costs next to nothing).
 */
export const SWEEP_LOOKBACK_HOURS = 24;

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

/**
 * The low-conversion judgement of a prefix, run by the settlement between its count and its finish (so that a
 * judgement that fails leaves the message for the next sweep): denies, counts and logs.
 */
function judgeWith(deps: SweepDeps, now: () => number, summary: SweepSummary) {
  return async (message: SettlingMessage, counter: PrefixHour): Promise<void> => {
    if (!message.prefix || typeof message.sentAt !== 'number') return;
    const judgement = await judgePrefix(message.prefix, message.sentAt, counter, {
      store: deps.store,
      denyList: {
        denyLowConversion: (prefix, entry) =>
          putLowConversionDeny(deps.abuse.client, deps.abuse.tableName, prefix, entry),
      },
      settings: deps.lowConversion,
      now,
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
  };
}

/** Counts and logs a FAILED this call settled or finished first (a resumed one included). */
function recordExpired(finished: FinishedSettlement, resumed: boolean): void {
  if (!finished.firstFinish || finished.feedback !== 'FAILED') return;
  emitMetric(MetricName.OtpExpiredUnused, { channel: finished.message.channel ?? 'unknown' });
  logger.info(
    resumed
      ? 'Code expired unused: a settlement left unfinished by an earlier invocation finished FAILED'
      : 'Code expired unused: message marked FAILED',
    {
      ...messageFields(finished.message),
      status: 'FAILED',
      // FAILED:unjudged (no Okta evidence that it was unused) and FAILED:undelivered never count against the prefix.
      countedAs: finished.countedAs,
    },
  );
}

/** Sweeps one message the index returned; says whether it was deferred (waiting for Okta's events). */
async function sweepOne(
  pending: StoredMessage,
  settlement: SettlementDeps,
  signalMs: number | undefined,
  summary: SweepSummary,
): Promise<'deferred' | undefined> {
  const action = sweepAction(pending, settlement.now(), signalMs);
  if (action === 'none') return;
  if (action === 'defer') {
    summary.deferred += 1;
    return 'deferred';
  }
  if (action === 'resume') {
    const finished = await resumeSettlement(pending.messageId, settlement, signalMs);
    if (!finished) return;
    summary.resumed += 1;
    if (finished.feedback === 'FAILED') recordExpired(finished, true);
    else {
      logger.info('Settlement left unfinished by an earlier invocation finished', {
        ...messageFields(finished.message),
        feedback: finished.feedback,
        countedAs: finished.countedAs,
      });
    }
    return;
  }
  const outcome = await settleMessage(pending.messageId, 'FAILED', settlement, signalMs);
  if (outcome.kind === 'unknown' || outcome.kind === 'already') return; // used or swept meanwhile
  if (outcome.kind === 'resumed') summary.resumed += 1;
  if (outcome.kind === 'settled') summary.swept += 1;
  recordExpired(outcome.finished, outcome.kind === 'resumed');
}

/** Whether codes wait for Okta's events while Okta should have sent some: a deferred code sent a while ago, after
 * the latest event heard (each send makes Okta log `inline_hook.executed` within seconds). */
function signalMissing(
  deferred: readonly StoredMessage[],
  signalMs: number | undefined,
  nowMs: number,
): boolean {
  return deferred.some(
    (message) =>
      typeof message.sentAt === 'number' &&
      nowMs - message.sentAt > SIGNAL_MISSING_AFTER_SECONDS * 1000 &&
      (signalMs === undefined || message.sentAt > signalMs),
  );
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
  const settlement: SettlementDeps = {
    store: deps.store,
    feedback: deps.feedback,
    now,
    judge: judgeWith(deps, now, summary),
  };
  // Held below a verification that failed recently (effectiveSignal): no code is counted unused on a stream whose
  // code-used events are not being recorded.
  const signal = await deps.store.signal();
  const signalMs = effectiveSignal(signal, nowMs);
  const deferred: StoredMessage[] = [];
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
            if ((await sweepOne(pending, settlement, signalMs, summary)) === 'deferred')
              deferred.push(pending);
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
  if (signalMissing(deferred, signalMs, nowMs)) {
    emitMetric(MetricName.ConversionSignalMissing);
    logger.warn(
      "Okta's events are not arriving (or not being recorded): codes wait for them, and the low-conversion deny is paused",
      {
        waiting: summary.deferred,
        lastOktaEvent: signal === undefined ? 'never' : new Date(signal.publishedMs).toISOString(),
        ...(signal?.failedAtMs === undefined
          ? {}
          : { lastVerificationFailure: new Date(signal.failedAtMs).toISOString() }),
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
