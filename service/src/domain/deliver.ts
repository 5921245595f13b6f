import type { AbuseCheck, AbuseReason, AbuseVerdict } from './abuse-guard.js';
import type { BlockedAnswer } from './abuse-settings.js';
import { type Deadline, within } from './deadline.js';
import { buildDlqRecord, type DlqRecord } from './dlq-record.js';
import { DeliveryFailedError, type FailureReason, UndeliverableError } from './errors.js';
import type { DeliveryRequest } from './hook-request.js';
import {
  isLandlineNumber,
  LINE_TYPE_WAIT_MS,
  type LineTypeReading,
  type LineTypeSettings,
  type LineTypeSource,
  lineTypeWanted,
  refusedLineType,
} from './line-type.js';
import type { TemplateLevel } from './locale.js';
import {
  blockedAnswer,
  commandsAnswer,
  deliveryFailedAnswer,
  type HookAnswer,
  pretendSentAnswer,
} from './okta-response.js';
import { scrubText } from './redact.js';
import { renderSms, renderVoiceSsml } from './render.js';
import {
  type PreviousSend,
  type ResendDecision,
  type ResendPolicy,
  resendOrder,
  type SendHistory,
} from './resend.js';
import { chooseOriginationIdentities, type RoutingConfig } from './routing.js';
import { type Channel, chooseTemplate, type TemplateMap } from './templates.js';

/**
 * Port: templates and routing settings (cached), from the templates table, routing's only source. Each resolves the
 * last good copy when the table is unreachable, and undefined when nothing was read yet (a cold start).
 */
export interface TemplateSource {
  templates(): Promise<TemplateMap | undefined>;
  routing(): Promise<RoutingConfig | undefined>;
}

/** One message to send. */
export type OutboundMessage = {
  channel: Channel;
  destination: string;
  originationIdentity: string;
  body: string;
  voiceId?: string;
  ttlSeconds: number;
  /**
   * Okta's event id as it leaves the hook (the send's `Context`, the messages table): the code scrubbed out of it, as
   * the hook's log lines scrub it, because the receipts come back to functions that never saw the code.
   */
  eventId: string;
  /**
   * Ask End User Messaging to track the message for `PutMessageFeedback` (set where its use will be reported: see
   * `domain/conversion.ts`).
   */
  messageFeedback?: boolean;
  /**
   * On a resend, what the resend rule did (`escalated:no_receipt`, `kept:delivered`, …): the send's `Context`, so the
   * receipts and the local outbox show it.
   */
  resend?: string;
  /**
   * What a send through a Notify configuration needs instead of `body` (AWS renders its own template): Okta's code
   * (a secret, as `body` is), the user's locale, the code's lifetime in minutes and the destination country.
   */
  notify?: { code: string; locale?: string; minutes: number; country: string; defaultLocale: string };
};

/** What the provider answered for an accepted message. */
export type SentMessage = {
  messageId: string;
  attempts: number;
  /** The identity that sent it (the one named in the message); absent from senders that predate failover. */
  originationIdentity?: string;
};

/**
 * Port: the messaging provider. Throws a {@link DeliveryFailedError} on failure; one with a `failoverReason` proves
 * the message was not accepted from that identity.
 */
export interface MessageSender {
  send(message: OutboundMessage, deadline: Deadline): Promise<SentMessage>;
}

/** One origination identity passed over: it refused the send in a way that proves the message was not accepted. */
export type OriginationFailover = {
  /** The identity that refused (the org's number, pool or sender ID: never a user's). */
  from: string;
  /** The `OriginationFailover` metric's `reason`: `resource_not_active`, `throttled`, … */
  reason: string;
};

/**
 * Time an identity must have left to be tried after another refused: the send's own reserve (DLQ write, answer)
 * plus a round trip. With less, the last refusal is answered rather than a send that would be cut short.
 */
export const MIN_FAILOVER_MS = 700;

/** Port: the dead-letter queue. Must not throw: a failed write is logged and counted by the adapter. */
export interface DeadLetterSink {
  write(record: DlqRecord, deadline: Deadline): Promise<void>;
}

export type { BlockedAnswer } from './abuse-settings.js';

/** What happened, for the handler's logs and metrics. Stored with the answer by the idempotency layer. */
export type DeliveryOutcome = {
  answer: HookAnswer;
  /** `blocked`: refused by the abuse guard; nothing sent, nothing dead-lettered. */
  outcome: 'delivered' | 'failed' | 'pending' | 'blocked';
  channel: Channel;
  country?: string;
  /** Why it failed, or, when blocked, the guard's reason. */
  reason?: FailureReason | AbuseReason;
  /** When blocked by velocity limits: every one that tripped (the first is `reason`). */
  blockedReasons?: readonly AbuseReason[];
  /** The abuse guard's table was unreachable, so the request went on unguarded: the cause (metric, WARN log). */
  guardUnavailable?: string;
  templateLevel?: TemplateLevel;
  templateLocale?: string;
  /** Sort keys of stored templates skipped because they lack `{{otp}}` (metric TemplateMissingCode). */
  templatesWithoutCode?: string[];
  messageId?: string;
  /** The identity that sent the message. */
  originationIdentity?: string;
  /**
   * Identities passed over before the one that sent (or before the last refusal), in order: one
   * `OriginationFailover {reason}` metric each.
   */
  failovers?: OriginationFailover[];
  /**
   * Set when the code went out on another channel than Okta asked for (`channel` is the one used): `sms` when a
   * landline got a call instead (`voiceFallback`).
   */
  requestedChannel?: Channel;
  /** Attempts of every identity tried. */
  attempts: number;
  /** On a resend (Okta's `isResend`) with `resendPolicy: escalate`: what the resend rule decided. */
  resend?: ResendDecision;
  /** Where a line type was wanted (`carrierLookup`): what the carrier said, now or at enrolment. */
  lineType?: LineTypeReading;
};

/** Dependencies of {@link deliverOtp}. */
export type DeliveryDeps = {
  templates: TemplateSource;
  sender: MessageSender;
  deadLetters: DeadLetterSink;
  defaultLocale: string;
  /** The abuse guard, asked before every send. */
  guard: AbuseCheck;
  /** @default 'error' */
  blockedAnswer?: BlockedAnswer;
  /**
   * `VOICE_FALLBACK`: an SMS to a number the numbering plan says is a landline goes out as a call, with the voice
   * template, and Okta is told so in `transactionMetadata`. Off: the SMS is sent as asked.
   * @default false
   */
  voiceFallback?: boolean;
  /**
   * `escalate`: a resend whose previous code (same user, same number) has no success receipt goes out from the
   * route's next identity (`resend.ts`). `same`: a resend is routed as any request.
   * @default 'escalate'
   */
  resendPolicy?: ResendPolicy;
  /** The users' previous sends; without it (no messages table) resends are routed as any request. */
  history?: SendHistory;
  /** Line types from the carrier (`carrierLookup`); without it the numbering plan decides. */
  lineTypes?: LineTypeSource;
  /** `carrierLookup` and `refusedLineTypes`. @default off, none */
  lineTypeSettings?: Omit<LineTypeSettings, 'voiceFallback'>;
};

/** The line type settings of a delivery's dependencies. */
const lineTypeSettingsOf = (deps: DeliveryDeps): LineTypeSettings => ({
  carrierLookup: deps.lineTypeSettings?.carrierLookup ?? 'off',
  refusedLineTypes: deps.lineTypeSettings?.refusedLineTypes ?? [],
  voiceFallback: deps.voiceFallback ?? false,
});

/** Resolves `work`, or `'late'` after `waitMs`; a rejection too becomes `'failed'`. */
function bounded<T>(work: Promise<T>, waitMs: number): Promise<T | 'late' | 'failed'> {
  return within(
    work.catch(() => 'failed' as const),
    waitMs,
    'late' as const,
  );
}

/** The kept line type of the number, when the request wants one (read beside the guard). */
async function storedLineType(
  request: DeliveryRequest,
  deps: DeliveryDeps,
  deadline: Deadline,
): Promise<LineTypeReading | undefined> {
  const wanted = lineTypeWanted(request, lineTypeSettingsOf(deps));
  if (!wanted || !deps.lineTypes || !request.numberDigest) return undefined;
  const waitMs = Math.min(LINE_TYPE_WAIT_MS, deadline.remainingMs() / 4);
  const stored = await bounded(deps.lineTypes.stored(request.numberDigest, waitMs), waitMs);
  if (stored === 'late' || stored === 'failed') return { source: 'none', failed: true };
  return stored ? { lineType: stored, source: 'stored' } : { source: 'none' };
}

/** At enrolment, when nothing is kept: the carrier's answer (after the guard allowed the request: lookups are paid). */
async function lookedUpLineType(
  request: DeliveryRequest,
  deps: DeliveryDeps,
  deadline: Deadline,
  stored: LineTypeReading | undefined,
): Promise<LineTypeReading | undefined> {
  if (lineTypeWanted(request, lineTypeSettingsOf(deps)) !== 'lookup' || stored?.lineType) return stored;
  if (!deps.lineTypes || !request.phone || !request.numberDigest) return stored;
  const waitMs = Math.min(LINE_TYPE_WAIT_MS, deadline.remainingMs() / 4);
  const found = await bounded(deps.lineTypes.lookup(request.phone, request.numberDigest, waitMs), waitMs);
  if (found === 'late' || found === 'failed') return { source: 'lookup', failed: true };
  return found ? { lineType: found, source: 'lookup' } : { source: 'lookup', failed: true };
}

/**
 * The longest a resend waits for the previous send (two reads): it runs beside the guard, so it only delays a send
 * when slower than the guard's counters. Past it, the resend is routed as any request.
 */
export const RESEND_LOOKUP_MS = 300;

/** The previous send to the same user and number, when the resend rule applies to the request. */
async function previousSend(
  request: DeliveryRequest,
  deps: DeliveryDeps,
  deadline: Deadline,
): Promise<{ previous?: PreviousSend; unavailable?: true } | undefined> {
  if (request.isResend !== true || (deps.resendPolicy ?? 'escalate') !== 'escalate') return undefined;
  if (!deps.history || !request.userId || !request.numberDigest) return {};
  const waitMs = Math.min(RESEND_LOOKUP_MS, deadline.remainingMs() / 4);
  const found = await bounded(deps.history.previous(request.userId, request.numberDigest, waitMs), waitMs);
  // Fail open: the resend goes out as any request would (the decision says why, the handler counts it).
  if (found === 'late' || found === 'failed') return { unavailable: true };
  return found ? { previous: found } : {};
}

/** The identities to try and, on a resend, the resend rule's decision. */
function orderFor(
  identities: readonly string[],
  channel: Channel,
  lookup: { previous?: PreviousSend; unavailable?: true } | undefined,
): { identities: readonly string[]; decision?: ResendDecision } {
  if (!lookup) return { identities };
  if (lookup.unavailable) return { identities, decision: { action: 'none', why: 'history_unavailable' } };
  if (!lookup.previous) return { identities, decision: { action: 'none', why: 'no_previous' } };
  return resendOrder(identities, channel, lookup.previous);
}

/** The send's `Context` value for a resend decision. */
function resendContext(decision: ResendDecision): string {
  if (decision.action === 'escalate') return `escalated:${decision.reason}`;
  return `${decision.action === 'keep' ? 'kept' : 'none'}:${decision.why}`;
}

/**
 * Sends the message from each identity in turn until one accepts it. Only a refusal that proves the message was not
 * accepted ({@link DeliveryFailedError.failoverReason}) moves on, and only while {@link MIN_FAILOVER_MS} is left;
 * anything else, or the last identity's refusal, is thrown with the identities passed over attached.
 */
async function sendInOrder(
  identities: readonly string[],
  message: Omit<OutboundMessage, 'originationIdentity'>,
  sender: MessageSender,
  deadline: Deadline,
  failovers: OriginationFailover[],
): Promise<SentMessage & { attempts: number }> {
  let attempts = 0;
  for (const [index, originationIdentity] of identities.entries()) {
    try {
      const sent = await sender.send({ ...message, originationIdentity }, deadline);
      return {
        ...sent,
        attempts: attempts + sent.attempts,
        originationIdentity: sent.originationIdentity ?? originationIdentity,
      };
    } catch (error) {
      if (!(error instanceof DeliveryFailedError)) throw error;
      attempts += error.attempts;
      const next = index + 1 < identities.length;
      if (!error.failoverReason || !next || deadline.remainingMs() < MIN_FAILOVER_MS) {
        throw new FailedSend(error, attempts);
      }
      failovers.push({ from: originationIdentity, reason: error.failoverReason });
    }
  }
  // Unreachable: routing never gives an empty list.
  throw new UndeliverableError('no_origination_identity', 'No origination identity to send from');
}

/** The last identity's failure, with the attempts of every identity tried. */
class FailedSend extends Error {
  constructor(
    public readonly failure: DeliveryFailedError,
    public readonly attempts: number,
  ) {
    super(failure.message);
  }
}

/** The outcome of a request the abuse guard refused: no send, no DLQ record. */
function blockedOutcome(
  request: DeliveryRequest,
  verdict: Extract<AbuseVerdict, { verdict: 'refuse' }>,
  deps: Pick<DeliveryDeps, 'blockedAnswer'>,
  deadline: Deadline,
): DeliveryOutcome {
  const answer =
    deps.blockedAnswer === 'pretend-sent'
      ? pretendSentAnswer(request.idempotencyKey, verdict.reason, {
          channel: request.channel,
          ...(request.country ? { country: request.country } : {}),
          durationMs: deadline.elapsedMs(),
        })
      : blockedAnswer(verdict.reason);
  return {
    answer,
    outcome: 'blocked',
    channel: request.channel,
    ...(request.country ? { country: request.country } : {}),
    reason: verdict.reason,
    blockedReasons: verdict.reasons,
    attempts: 0,
  };
}

/**
 * Delivers one OTP: asks the abuse guard, routes by country, picks and renders the template, sends within the
 * deadline. A request the guard refuses is answered as `blockedAnswer` says, with no send and no DLQ record; when
 * the guard's table is unreachable the code goes out all the same (fail open). Every failure becomes Okta's error
 * answer and exactly one DLQ record; nothing throws except bugs.
 *
 * Runs inside the idempotency layer, which starts the guard's check beside its claim (`exactly-once.ts`): a replay gets
 * the stored outcome, is never sent or refused, and its counts are given back.
 *
 * @param request - the validated request
 * @param deps - ports
 * @param deadline - the request's budget
 */
export async function deliverOtp(
  request: DeliveryRequest,
  deps: DeliveryDeps,
  deadline: Deadline,
): Promise<DeliveryOutcome> {
  let attempts = 0;
  let templateLevel: TemplateLevel | undefined;
  let templateLocale: string | undefined;
  let templatesWithoutCode: string[] = [];
  let guardUnavailable: string | undefined;
  let channel: Channel = request.channel;
  const failovers: OriginationFailover[] = [];
  let resend: ResendDecision | undefined;
  let lineType: LineTypeReading | undefined;
  try {
    // An invalid number is refused by validation, before the guard: it is never counted.
    if (!request.phone || !request.country) {
      throw new UndeliverableError('invalid_phone_number', 'The phone number is not a valid E.164 number');
    }
    // The guard's round trip overlaps the (usually cached) template reads.
    // On a resend, the previous send is read beside them too.
    const [verdict, routing, templates, lookup, stored] = await Promise.all([
      deps.guard.check(request),
      deps.templates.routing(),
      deps.templates.templates(),
      previousSend(request, deps, deadline),
      storedLineType(request, deps, deadline),
    ]);
    // Before routing: a refused request is answered as refused even when it could not have been routed, so a
    // pumping run at a closed country leaves no DLQ record per attempt.
    if (verdict.verdict === 'refuse') {
      return { ...blockedOutcome(request, verdict, deps, deadline), ...(stored ? { lineType: stored } : {}) };
    }
    lineType = await lookedUpLineType(request, deps, deadline, stored);
    if (refusedLineType(request, lineType, lineTypeSettingsOf(deps))) {
      const refused = { verdict: 'refuse', reason: 'line_type', reasons: ['line_type'] } as const;
      return { ...blockedOutcome(request, refused, deps, deadline), ...(lineType ? { lineType } : {}) };
    }
    if (verdict.verdict === 'unavailable') guardUnavailable = verdict.causeName;
    // No second source to fall back on: routing by other rules than the table's is worse than Okta's providers,
    // which take over on this error object.
    if (!routing)
      throw new UndeliverableError('config_unavailable', 'The routing configuration is unavailable');
    // A landline cannot take the SMS; with the fallback on it gets a call, with the voice template and identities.
    channel =
      deps.voiceFallback && request.channel === 'sms' && isLandlineNumber(request.phone, lineType)
        ? 'voice'
        : request.channel;
    const route = orderFor(chooseOriginationIdentities(request.country, channel, routing), channel, lookup);
    resend = route.decision;
    const chosen = chooseTemplate(
      templates,
      channel,
      request.locale,
      deps.defaultLocale,
      request.oktaMessage,
    );
    templateLevel = chosen.level;
    templateLocale = chosen.locale;
    templatesWithoutCode = chosen.skipped;
    const vars = { otp: request.otpCode, minutes: Math.max(1, Math.round(request.ttlSeconds / 60)) };
    const body =
      channel === 'sms'
        ? chosen.verbatim
          ? chosen.template.body
          : renderSms(chosen.template.body, vars)
        : renderVoiceSsml(chosen.template.body, vars);
    const sent = await sendInOrder(
      route.identities,
      {
        channel,
        destination: request.phone,
        body,
        ...(chosen.template.voiceId ? { voiceId: chosen.template.voiceId } : {}),
        ttlSeconds: request.ttlSeconds,
        eventId: scrubText(request.eventId ?? request.idempotencyKey, [request.otpCode]),
        notify: {
          code: request.otpCode,
          ...(request.locale ? { locale: request.locale } : {}),
          minutes: vars.minutes,
          country: request.country,
          defaultLocale: deps.defaultLocale,
        },
        ...(resend ? { resend: resendContext(resend) } : {}),
      },
      deps.sender,
      deadline,
      failovers,
    );
    attempts = sent.attempts;
    const requestedChannel = channel === request.channel ? undefined : request.channel;
    return {
      answer: commandsAnswer('SUCCESSFUL', sent.messageId, {
        channel,
        country: request.country,
        durationMs: deadline.elapsedMs(),
        ...(requestedChannel ? { requestedChannel } : {}),
      }),
      outcome: 'delivered',
      channel,
      ...(requestedChannel ? { requestedChannel } : {}),
      country: request.country,
      ...(sent.originationIdentity ? { originationIdentity: sent.originationIdentity } : {}),
      ...(failovers.length > 0 ? { failovers } : {}),
      templateLevel,
      ...(templateLocale ? { templateLocale } : {}),
      ...(templatesWithoutCode.length > 0 ? { templatesWithoutCode } : {}),
      messageId: sent.messageId,
      attempts,
      ...(guardUnavailable ? { guardUnavailable } : {}),
      ...(resend ? { resend } : {}),
      ...(lineType ? { lineType } : {}),
    };
  } catch (thrown) {
    const error = thrown instanceof FailedSend ? thrown.failure : thrown;
    if (!(error instanceof DeliveryFailedError)) throw error;
    // The DLQ record and Okta's error name the last identity's refusal; the attempts are every identity's.
    const allAttempts = thrown instanceof FailedSend ? thrown.attempts : error.attempts;
    const failed = await failDelivery(request, error, deps, deadline, templateLevel, allAttempts);
    const requestedChannel = channel === request.channel ? undefined : request.channel;
    return {
      ...failed,
      channel,
      ...(requestedChannel ? { requestedChannel } : {}),
      ...(failovers.length > 0 ? { failovers } : {}),
      ...(templatesWithoutCode.length > 0 ? { templatesWithoutCode } : {}),
      ...(guardUnavailable ? { guardUnavailable } : {}),
      ...(resend ? { resend } : {}),
      ...(lineType ? { lineType } : {}),
    };
  }
}

/**
 * Turns a failure into Okta's error answer and one DLQ record.
 *
 * @param request - the request
 * @param error - the failure
 * @param deps - ports
 * @param deadline - the request's budget
 * @param templateLevel - how far the template lookup went, if it ran
 * @param attempts - attempts of every identity tried (default: the error's own)
 */
export async function failDelivery(
  request: DeliveryRequest,
  error: DeliveryFailedError,
  deps: Pick<DeliveryDeps, 'deadLetters'>,
  deadline: Deadline,
  templateLevel?: TemplateLevel,
  attempts = error.attempts,
): Promise<DeliveryOutcome> {
  await deps.deadLetters.write(
    buildDlqRecord(
      request,
      { name: error.name, reason: error.reason, message: error.message, attempts },
      deadline.elapsedMs(),
    ),
    deadline,
  );
  const location = request.country ?? 'data.messageProfile.phoneNumber';
  return {
    answer: deliveryFailedAnswer(request.channel, error.reason, location),
    outcome: 'failed',
    channel: request.channel,
    ...(request.country ? { country: request.country } : {}),
    reason: error.reason,
    ...(templateLevel ? { templateLevel } : {}),
    attempts,
  };
}
