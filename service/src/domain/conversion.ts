/**
 * Conversion: whether each code we sent was used, and what that says about its number prefix. The rules live here,
 * with no AWS: the messages table comes through the {@link SettlementStore} port, End User Messaging's
 * `PutMessageFeedback` through {@link FeedbackPort}, the abuse guard's deny list through {@link DenyList}.
 *
 * A message is settled once, RECEIVED (Okta reported the code used) or FAILED (it expired unused), and settling is
 * resumable: three steps, each safe to repeat, with the message item recording how far they got.
 * 1. **Settle**: one conditional write sets `feedback` (a token recognises this call's own landed write when the SDK
 *    retries it). A late RECEIVED may replace a FAILED: the re-credit.
 * 2. **Tell and count**: `PutMessageFeedback`, and the prefix's hourly counter, which counts each message once per
 *    outcome by a token of the message kept in the counter item (so a retry after a landed `ADD` adds nothing).
 * 3. **Finish**: `countedAs` and `feedbackPut` record that step 2 is done for this feedback; a RECEIVED (or a FAILED
 *    past the re-credit window) also drops `prefix` and `sweepBucket`, leaving the sweep's index.
 * Whatever stops between the steps (a DynamoDB error, a timeout after a write landed, a frozen function), the
 * message keeps `sweepBucket` and `prefix` until step 3, so Okta's retry of the event or the next sweep finds it and
 * finishes what is left ({@link finishSettlement}); the counter's tokens make the count exactly once.
 *
 * No deny without evidence. A code only counts as unused where Okta's System Log has been heard from past the code's
 * expiry ({@link signalCovers}): every inline hook call makes Okta log `inline_hook.executed`, so while we send codes
 * and the stream flows, events keep arriving. Without them (the event source not connected yet, Log Streaming paused)
 * the sweep waits up to {@link SIGNAL_WAIT_SECONDS} for them, then settles the code FAILED without counting it
 * (`FAILED:unjudged`): such codes never deny a prefix. With events flowing, the rule is per prefix and hour and does
 * not depend on the deployment's overall rate, so an attack larger than the org's own traffic is still denied.
 *
 * Only request types whose use Okta reports are converted ({@link CONVERTED_REQUEST_TYPES}): a sign-in's code
 * (`auth_via_mfa`) and an enrolment's (`user.mfa.factor.activate`). Password reset and account unlock codes are sent
 * and their receipts recorded, but they ask for no message feedback, have no prefix or sweep bucket, and never count:
 * the velocity limits and the per-country send alarm watch them instead.
 */
import { createHash } from 'node:crypto';
import { PRE_ENROLLMENT_REQUEST_TYPE } from './abuse-guard.js';
import { type MessageFeedback, VERIFICATION_GRACE_SECONDS } from './message-table.js';

/** Okta's request type for a sign-in's code. */
export const MFA_VERIFICATION_REQUEST_TYPE = 'com.okta.user.telephony.mfa-verification';

/** Request types whose use Okta's System Log reports: only their codes are counted for conversion. */
export const CONVERTED_REQUEST_TYPES: readonly string[] = [
  MFA_VERIFICATION_REQUEST_TYPE,
  PRE_ENROLLMENT_REQUEST_TYPE,
];

/** Whether a request type's codes are counted for conversion. */
export const isConvertedRequestType = (requestType: string | undefined) =>
  requestType !== undefined && CONVERTED_REQUEST_TYPES.includes(requestType);

/**
 * How long after the sweep settles a code FAILED a late RECEIVED still re-credits its prefix: the EventBridge rule's
 * `maxEventAge` (an hour), so an event EventBridge still retries finds the prefix. The message keeps its `prefix`
 * (and stays in the sweep's index) that long, then the sweep drops it.
 */
export const RECREDIT_WINDOW_SECONDS = 3600;

/**
 * How long after a code's expiry (and the grace) the sweep waits for Okta's events to catch up before it settles the
 * code without evidence (`FAILED:unjudged`, never counted against the prefix).
 */
export const SIGNAL_WAIT_SECONDS = 3600;

/** Okta's events older than this while codes wait for them: the conversion signal is missing (metric and alarm). */
export const SIGNAL_MISSING_AFTER_SECONDS = 900;

/**
 * How far Okta's `published` may be before our `sentAt` and still be about the code: clocks differ by a little. A
 * user cannot read and type a code in two seconds, so an event that early is about an earlier code.
 */
export const CLOCK_SKEW_MS = 2000;

/** How long a user's latest-message pointer lives past its code's expiry: a late event (the re-credit) finds it. */
export const POINTER_RETENTION_AFTER_EXPIRY_SECONDS =
  VERIFICATION_GRACE_SECONDS + RECREDIT_WINDOW_SECONDS + 600;

/**
 * How the settlement counted, once step 2 is done: the feedback it is done for, and why it did not count when it
 * did not (`FAILED:unjudged` no Okta evidence, `FAILED:undelivered` a final receipt says it never arrived,
 * `…:uncounted` a message without a prefix or of a request type not converted).
 */
export type CountedAs =
  | MessageFeedback
  | 'FAILED:unjudged'
  | 'FAILED:undelivered'
  | 'FAILED:uncounted'
  | 'RECEIVED:uncounted';

/** The feedback a `countedAs` is done for. */
export const countedFor = (countedAs: string | undefined): MessageFeedback | undefined =>
  countedAs === undefined ? undefined : (countedAs.split(':')[0] as MessageFeedback);

/** A message as settlement reads it (the messages table's item). */
export type SettlingMessage = {
  messageId: string;
  eventId?: string;
  requestType?: string;
  channel?: string;
  country?: string;
  /** E.164 without its last 3 digits; present until the settlement is final. */
  prefix?: string;
  /** Epoch ms. */
  sentAt?: number;
  /** Epoch seconds. */
  codeExpiresAt?: number;
  sweepBucket?: string;
  feedback?: MessageFeedback;
  countedAs?: CountedAs;
  feedbackPut?: MessageFeedback;
  deliveryStatus?: string;
  deliveryFinal?: boolean;
};

/** A prefix's settlement counter for the hour its messages were sent in. */
export type PrefixHour = { settled: number; converted: number; deniedAt?: number };

/** What a settle write found. */
export type SettleWrite =
  | { kind: 'unknown' }
  /** This call set the feedback (or its own earlier attempt did): the message after. */
  | { kind: 'settled'; message: SettlingMessage }
  /** Someone else settled it first: the message as it is. */
  | { kind: 'found'; message: SettlingMessage };

/** Step 2 of a settlement as recorded: the feedback put, how it was counted, and whether the message is final. */
export type SettlementFinish = {
  feedback: MessageFeedback;
  countedAs: CountedAs;
  feedbackPut: MessageFeedback;
  final: boolean;
  finalAtSeconds?: number;
};

/** Port: the messages table's settlement writes. Every write recognises its own landed attempt. */
export interface SettlementStore {
  /** The message as stored now, if the hook wrote it. */
  message(messageId: string): Promise<SettlingMessage | undefined>;
  /**
   * Sets a message's feedback, once: only on a message the hook wrote, with no feedback yet or (for RECEIVED) with
   * FAILED, the re-credit.
   *
   * @param token - this settlement's own token: a retry that meets it is this call's landed write
   */
  settle(messageId: string, feedback: MessageFeedback, token: string): Promise<SettleWrite>;
  /**
   * Counts a message in its prefix's counter of the hour it was sent in, once per message and outcome: RECEIVED adds
   * one settled and one converted (only the converted, over an earlier FAILED), FAILED one settled.
   *
   * @returns the counter after it
   */
  count(
    prefix: string,
    sentAtMs: number,
    messageToken: string,
    outcome: MessageFeedback,
  ): Promise<PrefixHour>;
  /**
   * Records step 2 as done for `feedback`; with `final`, drops `prefix` and `sweepBucket`, else notes when it will be
   * final (`finalAtSeconds`). No-op if the feedback changed.
   */
  finish(messageId: string, step: SettlementFinish): Promise<void>;
  /**
   * Marks a prefix's hour as having led to a deny, once: false when another sweep had (this call's own landed write,
   * retried, is true).
   */
  markPrefixDenied(prefix: string, sentAtMs: number, token: string): Promise<boolean>;
}

/** Port: `PutMessageFeedback`. Never throws: a failure is the adapter's to count and log. */
export interface FeedbackPort {
  put(
    messageId: string,
    feedback: MessageFeedback,
    fields: Record<string, unknown>,
  ): Promise<{ ok: boolean }>;
}

/**
 * Port: the abuse guard's deny list, the sweep's own part of it (an operator's entries are elsewhere: never replaced,
 * never shortened).
 */
export interface DenyList {
  denyLowConversion(prefix: string, entry: { expiresAt: number; createdAt: Date }): Promise<void>;
}

/** The low-conversion deny's thresholds (`LOW_CONVERSION_*`). */
export type LowConversionSettings = { minSends: number; maxRate: number; denyHours: number };

/**
 * The counter item's token of a message: short (the item holds one per message of the prefix's hour), derived from
 * the message id alone, which is no secret.
 */
export const messageToken = (messageId: string) =>
  createHash('sha256').update(messageId).digest('base64url').slice(0, 12);

/** Statuses of a final receipt that mean the message arrived. */
const ARRIVED = new Set(['delivered', 'successful', 'completed']);

/**
 * A final receipt says the message did not arrive (carrier filtering, a bad route): that says nothing of fraud, and
 * the funnel's delivery rate shows it. Pumped numbers get their codes and never use them.
 */
export const knownUndelivered = (message: Pick<SettlingMessage, 'deliveryFinal' | 'deliveryStatus'>) =>
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
  settings: LowConversionSettings,
): boolean {
  if (settings.minSends <= 0 || counter.settled < settings.minSends) return false;
  return counter.converted / counter.settled <= settings.maxRate;
}

/** The conversion signal as stored: the latest Okta event heard from, and the latest verification that failed. */
export type ConversionSignal = {
  /** The latest `published` of any Okta event received, epoch ms. */
  publishedMs: number;
  /** When a verification event last failed to be handled, epoch ms (its retries may still credit it). */
  failedAtMs?: number;
  /** The earliest `published` of the verification events that failed in the current window, epoch ms. */
  failedPublishedMs?: number;
};

/**
 * How long a failed verification holds the signal back: the signal wait and the grace, with a margin, so that every
 * code that expired while verifications failed is settled without evidence (never counted against its prefix)
 * before the hold lifts.
 */
export const FAILED_VERIFICATION_HOLD_MS = (SIGNAL_WAIT_SECONDS + VERIFICATION_GRACE_SECONDS + 600) * 1000;

/**
 * The signal the sweep judges by: Okta's latest event, but held below the first verification that failed while
 * verifications are failing (or failed within {@link FAILED_VERIFICATION_HOLD_MS}). Events that only prove Okta's
 * stream flows (every hook call's `inline_hook.executed`) keep arriving while the code-used events fail to be
 * recorded: without the hold, codes that were used would be counted unused.
 *
 * @param signal - as stored; undefined = never heard from
 * @param nowMs - now
 */
export function effectiveSignal(signal: ConversionSignal | undefined, nowMs: number): number | undefined {
  if (!signal) return undefined;
  const held =
    signal.failedAtMs !== undefined &&
    signal.failedPublishedMs !== undefined &&
    nowMs - signal.failedAtMs < FAILED_VERIFICATION_HOLD_MS;
  return held ? Math.min(signal.publishedMs, (signal.failedPublishedMs as number) - 1) : signal.publishedMs;
}

/**
 * Whether Okta has been heard from past a code's expiry: the latest System Log event we received was published at
 * or after it. Then a use of the code (published before its expiry) would have reached us too.
 *
 * @param signalMs - the latest Okta event's `published`, epoch ms (never later than its arrival); undefined = none
 * @param codeExpiresAtSeconds - the code's expiry, epoch seconds
 */
export const signalCovers = (signalMs: number | undefined, codeExpiresAtSeconds: number) =>
  signalMs !== undefined && signalMs >= codeExpiresAtSeconds * 1000;

/**
 * Whether an Okta event can be about a code: published after the code was sent (less the clock skew) and before the
 * code expired, with the grace for a code typed in its last second.
 *
 * @param publishedMs - the event's `published`, epoch ms
 * @param code - the code's send (epoch ms) and expiry (epoch seconds)
 */
export const eventIsAboutCode = (
  publishedMs: number,
  code: { sentAt: number; codeExpiresAt: number },
): boolean =>
  publishedMs >= code.sentAt - CLOCK_SKEW_MS &&
  publishedMs <= (code.codeExpiresAt + VERIFICATION_GRACE_SECONDS) * 1000;

/**
 * How a settled message counts: which outcome the prefix's counter gets, if any, and the `countedAs` that records it.
 *
 * @param message - the message, settled as `feedback`
 * @param signalMs - the latest Okta event's `published` (for FAILED: no evidence, no count)
 */
export function countDecision(
  message: SettlingMessage,
  feedback: MessageFeedback,
  signalMs: number | undefined,
): { outcome?: MessageFeedback; countedAs: CountedAs } {
  if (!message.prefix || typeof message.sentAt !== 'number' || !isConvertedRequestType(message.requestType)) {
    return { countedAs: feedback === 'RECEIVED' ? 'RECEIVED:uncounted' : 'FAILED:uncounted' };
  }
  if (feedback === 'RECEIVED') return { outcome: 'RECEIVED', countedAs: 'RECEIVED' };
  if (knownUndelivered(message)) return { countedAs: 'FAILED:undelivered' };
  if (typeof message.codeExpiresAt !== 'number' || !signalCovers(signalMs, message.codeExpiresAt)) {
    return { countedAs: 'FAILED:unjudged' };
  }
  return { outcome: 'FAILED', countedAs: 'FAILED' };
}

/**
 * Whether a settlement is final (the message leaves the sweep's index and drops its prefix): a RECEIVED at once, a
 * FAILED once a late RECEIVED can no longer re-credit it.
 */
export function settlementIsFinal(
  message: SettlingMessage,
  feedback: MessageFeedback,
  nowMs: number,
): boolean {
  if (feedback === 'RECEIVED' || !message.prefix || typeof message.codeExpiresAt !== 'number') return true;
  return nowMs >= (message.codeExpiresAt + VERIFICATION_GRACE_SECONDS + RECREDIT_WINDOW_SECONDS) * 1000;
}

/** When a FAILED's settlement becomes final (epoch seconds): once a late RECEIVED can no longer re-credit it. */
const finalAtOf = (message: SettlingMessage) =>
  (message.codeExpiresAt ?? 0) + VERIFICATION_GRACE_SECONDS + RECREDIT_WINDOW_SECONDS;

/** Whether a settled message still has step 2 or 3 to do. */
export function settlementUnfinished(message: SettlingMessage, nowMs: number): boolean {
  const { feedback } = message;
  if (!feedback) return false;
  if (countedFor(message.countedAs) !== feedback || message.feedbackPut !== feedback) return true;
  return (
    (message.prefix !== undefined || message.sweepBucket !== undefined) &&
    settlementIsFinal(message, feedback, nowMs)
  );
}

/** What settlement needs. */
export type SettlementDeps = {
  store: SettlementStore;
  feedback: FeedbackPort;
  /** Clock, ms. */
  now: () => number;
  /** A fresh token per settle write. @default crypto.randomUUID */
  token?: () => string;
  /**
   * Judges the prefix once a FAILED was counted (the sweep's low-conversion deny), before the settlement is recorded
   * as finished: if it fails, the message stays unfinished and the next sweep counts (idempotently) and judges again.
   */
  judge?: (message: SettlingMessage, counter: PrefixHour) => Promise<void>;
};

/** What finishing a settlement did. */
export type FinishedSettlement = {
  message: SettlingMessage;
  feedback: MessageFeedback;
  countedAs: CountedAs;
  /** The prefix's counter, when this call counted the message. */
  counter?: PrefixHour;
  /** Whether this call told End User Messaging. */
  told: boolean;
  /**
   * Whether this call did the counting step for this feedback (it was not done before): the metrics of a settlement
   * (`OtpConverted`, `OtpExpiredUnused`) go with it, also when an earlier invocation stopped after the settle write.
   */
  firstFinish: boolean;
};

/** Log fields of a message: never a number, never a prefix. */
export const messageFields = (message: SettlingMessage) => ({
  messageId: message.messageId,
  eventId: message.eventId,
  channel: message.channel ?? 'unknown',
  country: message.country ?? 'unknown',
});

/**
 * Steps 2 and 3 of a settled message: what is not done yet for its feedback. Safe to run again, and side by side.
 *
 * @param message - the message as read after its settle write
 * @param deps - store, feedback, clock
 * @param signalMs - the latest Okta event's `published` (whether a FAILED counts)
 */
export async function finishSettlement(
  message: SettlingMessage,
  deps: SettlementDeps,
  signalMs: number | undefined,
): Promise<FinishedSettlement> {
  const feedback = message.feedback as MessageFeedback;
  const fields = { ...messageFields(message), status: feedback };
  const counted = countedFor(message.countedAs) === feedback;
  const decision = counted
    ? { countedAs: message.countedAs as CountedAs }
    : countDecision(message, feedback, signalMs);
  const told = message.feedbackPut !== feedback;
  const [, counter] = await Promise.all([
    told ? deps.feedback.put(message.messageId, feedback, fields) : undefined,
    !counted && decision.outcome && message.prefix && typeof message.sentAt === 'number'
      ? deps.store.count(message.prefix, message.sentAt, messageToken(message.messageId), decision.outcome)
      : undefined,
  ]);
  // The deny is judged before the settlement is recorded as finished: a judgement that fails (the deny list
  // unreachable) leaves the message for the next sweep, which counts again (no-op) and judges again.
  if (counter && decision.outcome === 'FAILED' && deps.judge) await deps.judge(message, counter);
  const final = settlementIsFinal(message, feedback, deps.now());
  if (!counted || told || (final && (message.prefix !== undefined || message.sweepBucket !== undefined))) {
    await deps.store.finish(message.messageId, {
      feedback,
      countedAs: decision.countedAs,
      feedbackPut: feedback,
      final,
      ...(final ? {} : { finalAtSeconds: finalAtOf(message) }),
    });
  }
  return {
    message,
    feedback,
    countedAs: decision.countedAs,
    told,
    firstFinish: !counted,
    ...(counter ? { counter } : {}),
  };
}

/** What {@link settleMessage} did. */
export type SettleOutcome =
  /** The hook never wrote this message (its write failed, another sender). */
  | { kind: 'unknown' }
  /** This call settled it (or re-credited a FAILED) and finished it. */
  | { kind: 'settled'; finished: FinishedSettlement; recredited: boolean }
  /** It was already settled; what was left of it (a stopped invocation's work) was finished. */
  | { kind: 'resumed'; finished: FinishedSettlement }
  /** It was already settled and finished: nothing to do. */
  | { kind: 'already'; message: SettlingMessage };

/**
 * Settles a message as `feedback` and finishes it, or finishes what an earlier, stopped settlement left.
 *
 * @param messageId - the message
 * @param feedback - RECEIVED (Okta reported the code used) or FAILED (the sweep: expired unused)
 * @param deps - store, feedback, clock
 * @param signalMs - the latest Okta event's `published`
 */
export async function settleMessage(
  messageId: string,
  feedback: MessageFeedback,
  deps: SettlementDeps,
  signalMs: number | undefined,
): Promise<SettleOutcome> {
  const token = (deps.token ?? (() => globalThis.crypto.randomUUID()))();
  const write = await deps.store.settle(messageId, feedback, token);
  if (write.kind === 'unknown') return write;
  if (write.kind === 'found') {
    if (!settlementUnfinished(write.message, deps.now())) return { kind: 'already', message: write.message };
    return { kind: 'resumed', finished: await finishSettlement(write.message, deps, signalMs) };
  }
  const recredited = feedback === 'RECEIVED' && countedFor(write.message.countedAs) === 'FAILED';
  return {
    kind: 'settled',
    recredited,
    finished: await finishSettlement(write.message, deps, signalMs),
  };
}

/**
 * Finishes what an earlier settlement of a message left (the sweep's `resume`): reads it as it is now first, since
 * the sweep's index may lag behind the table.
 *
 * @returns what was finished, or undefined when nothing was left
 */
export async function resumeSettlement(
  messageId: string,
  deps: SettlementDeps,
  signalMs: number | undefined,
): Promise<FinishedSettlement | undefined> {
  const message = await deps.store.message(messageId);
  if (!message || !settlementUnfinished(message, deps.now())) return undefined;
  return finishSettlement(message, deps, signalMs);
}

/** What the sweep does with one message of its index. */
export type SweepAction =
  /** Expired, unsettled, evidence there (or waited for long enough): settle FAILED. */
  | 'settle'
  /** Expired, unsettled, but Okta's events have not caught up with its expiry yet: wait for them. */
  | 'defer'
  /** Settled, but a stopped invocation left steps 2 or 3: finish them. */
  | 'resume'
  /** Nothing to do yet (a FAILED waiting out its re-credit window). */
  | 'none';

/**
 * The sweep's choice for one message its Query found (code expired, past the grace).
 *
 * @param message - the message as the index holds it
 * @param nowMs - now
 * @param signalMs - the latest Okta event's `published`
 */
export function sweepAction(
  message: SettlingMessage,
  nowMs: number,
  signalMs: number | undefined,
): SweepAction {
  if (message.feedback) return settlementUnfinished(message, nowMs) ? 'resume' : 'none';
  const expiry = message.codeExpiresAt;
  const counts = message.prefix !== undefined && isConvertedRequestType(message.requestType);
  if (
    counts &&
    typeof expiry === 'number' &&
    !signalCovers(signalMs, expiry) &&
    nowMs < (expiry + VERIFICATION_GRACE_SECONDS + SIGNAL_WAIT_SECONDS) * 1000
  ) {
    return 'defer';
  }
  return 'settle';
}

/** What judging a prefix did. */
export type PrefixJudgement =
  | { kind: 'fine' }
  /** Low conversion, but the prefix's hour already led to a deny (another sweep's, or one an operator reset). */
  | { kind: 'already-denied' }
  | { kind: 'denied'; expiresAt: number; counter: PrefixHour };

/**
 * Judges a prefix after a FAILED was counted: denied for `denyHours` when its hour converts at or under the rate.
 * Once per prefix and hour (the counter remembers it), so an operator's `abuse -- reset` holds for that hour. The
 * deny entry is written before the mark: a failure in between writes the entry twice, never not at all; the mark's
 * token tells this call's own landed write from another sweep's.
 *
 * @param prefix - the prefix
 * @param sentAtMs - the send time of the message counted (its hour's counter)
 * @param counter - the counter after the count
 * @param deps - store, deny list, settings, clock, token
 */
export async function judgePrefix(
  prefix: string,
  sentAtMs: number,
  counter: PrefixHour,
  deps: {
    store: Pick<SettlementStore, 'markPrefixDenied'>;
    denyList: DenyList;
    settings: LowConversionSettings;
    now: () => number;
    token?: () => string;
  },
): Promise<PrefixJudgement> {
  if (!lowConversion(counter, deps.settings)) return { kind: 'fine' };
  if (counter.deniedAt !== undefined) return { kind: 'already-denied' };
  const nowMs = deps.now();
  const expiresAt = Math.floor(nowMs / 1000) + deps.settings.denyHours * 3600;
  await deps.denyList.denyLowConversion(prefix, { expiresAt, createdAt: new Date(nowMs) });
  const token = (deps.token ?? (() => globalThis.crypto.randomUUID()))();
  const first = await deps.store.markPrefixDenied(prefix, sentAtMs, token);
  if (!first) return { kind: 'already-denied' };
  return { kind: 'denied', expiresAt, counter };
}

/** A user's latest-message pointer of a channel, as the hook wrote it. */
export type LatestPointer = { messageId: string; sentAt: number; codeExpiresAt: number };

/** Port: what crediting Okta's verification events needs besides settling. */
export interface VerificationStore extends SettlementStore {
  /** The user's latest message of a channel (the channel Okta asked for), if the hook remembered one. */
  latest(userId: string, channel: 'sms' | 'voice'): Promise<LatestPointer | undefined>;
  /** Whether an Okta event (by `uuid`) was already handled. */
  eventHandled(uuid: string): Promise<boolean>;
  /** Records an Okta event as handled (after its settlement finished: a retry before that does it again). */
  markEventHandled(uuid: string): Promise<void>;
}

/** An Okta event saying a phone code was used. */
export type VerifiedEvent = {
  uuid?: string;
  userId: string;
  channel: 'sms' | 'voice';
  /** The event's `published`, epoch ms. */
  publishedMs: number;
};

/** What crediting one verification did. */
export type CreditOutcome =
  /** The event's uuid was handled before (EventBridge retried it, an event hook batch came again). */
  | { kind: 'duplicate' }
  /** No message of ours for that user and factor (Okta's own providers sent it, or it is long gone). */
  | { kind: 'no-message' }
  /** The user's latest code was sent after the event, or expired before it: the event is about another code. */
  | { kind: 'not-about-code'; messageId: string }
  | SettleOutcome;

/**
 * Credits Okta's report that a user typed a phone code: the user's latest message of that factor's channel is settled
 * RECEIVED, if the event can be about it ({@link eventIsAboutCode}), once per event uuid.
 *
 * @param event - the verified event
 * @param deps - store, feedback, clock
 */
export async function creditVerification(
  event: VerifiedEvent,
  deps: SettlementDeps & { store: VerificationStore },
): Promise<CreditOutcome> {
  if (event.uuid && (await deps.store.eventHandled(event.uuid))) return { kind: 'duplicate' };
  const pointer = await deps.store.latest(event.userId, event.channel);
  let outcome: CreditOutcome;
  if (!pointer) outcome = { kind: 'no-message' };
  else if (!eventIsAboutCode(event.publishedMs, pointer))
    outcome = { kind: 'not-about-code', messageId: pointer.messageId };
  else outcome = await settleMessage(pointer.messageId, 'RECEIVED', deps, undefined);
  if (event.uuid) await deps.store.markEventHandled(event.uuid);
  return outcome;
}
