import type { AbuseCheck, AbuseReason, AbuseVerdict } from './abuse-guard.js';
import type { Deadline } from './deadline.js';
import { buildDlqRecord, type DlqRecord } from './dlq-record.js';
import { DeliveryFailedError, type FailureReason, UndeliverableError } from './errors.js';
import type { DeliveryRequest } from './hook-request.js';
import type { TemplateLevel } from './locale.js';
import {
  blockedAnswer,
  commandsAnswer,
  deliveryFailedAnswer,
  type HookAnswer,
  pretendSentAnswer,
} from './okta-response.js';
import { renderSms, renderVoiceSsml } from './render.js';
import { chooseOriginationIdentity, type RoutingConfig } from './routing.js';
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
  eventId: string;
};

/** Port: the messaging provider. Throws a {@link DeliveryFailedError} on failure. */
export interface MessageSender {
  send(message: OutboundMessage, deadline: Deadline): Promise<{ messageId: string; attempts: number }>;
}

/** Port: the dead-letter queue. Must not throw: a failed write is logged and counted by the adapter. */
export interface DeadLetterSink {
  write(record: DlqRecord, deadline: Deadline): Promise<void>;
}

/** How Okta is answered for a request the abuse guard refused (`ABUSE_BLOCKED_ANSWER`). */
export type BlockedAnswer = 'error' | 'pretend-sent';

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
  attempts: number;
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
};

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
 * Runs inside the idempotency layer: a replay gets the stored outcome and never reaches the guard, so it is never
 * counted or refused.
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
  try {
    // An invalid number is refused by validation, before the guard: it is never counted.
    if (!request.phone || !request.country) {
      throw new UndeliverableError('invalid_phone_number', 'The phone number is not a valid E.164 number');
    }
    // The guard's round trip overlaps the (usually cached) template reads.
    const [verdict, routing, templates] = await Promise.all([
      deps.guard.check(request),
      deps.templates.routing(),
      deps.templates.templates(),
    ]);
    // Before routing: a refused request is answered as refused even when it could not have been routed, so a
    // pumping run at a closed country leaves no DLQ record per attempt.
    if (verdict.verdict === 'refuse') return blockedOutcome(request, verdict, deps, deadline);
    if (verdict.verdict === 'unavailable') guardUnavailable = verdict.causeName;
    // No second source to fall back on: routing by other rules than the table's is worse than Okta's providers,
    // which take over on this error object.
    if (!routing)
      throw new UndeliverableError('config_unavailable', 'The routing configuration is unavailable');
    const originationIdentity = chooseOriginationIdentity(request.country, request.channel, routing);
    const chosen = chooseTemplate(
      templates,
      request.channel,
      request.locale,
      deps.defaultLocale,
      request.oktaMessage,
    );
    templateLevel = chosen.level;
    templateLocale = chosen.locale;
    templatesWithoutCode = chosen.skipped;
    const vars = { otp: request.otpCode, minutes: Math.max(1, Math.round(request.ttlSeconds / 60)) };
    const body =
      request.channel === 'sms'
        ? chosen.verbatim
          ? chosen.template.body
          : renderSms(chosen.template.body, vars)
        : renderVoiceSsml(chosen.template.body, vars);
    const sent = await deps.sender.send(
      {
        channel: request.channel,
        destination: request.phone,
        originationIdentity,
        body,
        ...(chosen.template.voiceId ? { voiceId: chosen.template.voiceId } : {}),
        ttlSeconds: request.ttlSeconds,
        eventId: request.idempotencyKey,
      },
      deadline,
    );
    attempts = sent.attempts;
    return {
      answer: commandsAnswer('SUCCESSFUL', sent.messageId, {
        channel: request.channel,
        country: request.country,
        durationMs: deadline.elapsedMs(),
      }),
      outcome: 'delivered',
      channel: request.channel,
      country: request.country,
      templateLevel,
      ...(templateLocale ? { templateLocale } : {}),
      ...(templatesWithoutCode.length > 0 ? { templatesWithoutCode } : {}),
      messageId: sent.messageId,
      attempts,
      ...(guardUnavailable ? { guardUnavailable } : {}),
    };
  } catch (error) {
    if (!(error instanceof DeliveryFailedError)) throw error;
    const failed = await failDelivery(request, error, deps, deadline, templateLevel);
    return {
      ...failed,
      ...(templatesWithoutCode.length > 0 ? { templatesWithoutCode } : {}),
      ...(guardUnavailable ? { guardUnavailable } : {}),
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
 */
export async function failDelivery(
  request: DeliveryRequest,
  error: DeliveryFailedError,
  deps: Pick<DeliveryDeps, 'deadLetters'>,
  deadline: Deadline,
  templateLevel?: TemplateLevel,
): Promise<DeliveryOutcome> {
  await deps.deadLetters.write(
    buildDlqRecord(
      request,
      { name: error.name, reason: error.reason, message: error.message, attempts: error.attempts },
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
    attempts: error.attempts,
  };
}
