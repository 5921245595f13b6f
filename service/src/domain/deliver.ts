import type { Deadline } from './deadline.js';
import { buildDlqRecord, type DlqRecord } from './dlq-record.js';
import { DeliveryFailedError, type FailureReason, UndeliverableError } from './errors.js';
import type { DeliveryRequest } from './hook-request.js';
import type { TemplateLevel } from './locale.js';
import { commandsAnswer, deliveryFailedAnswer, type HookAnswer } from './okta-response.js';
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

/** What happened, for the handler's logs and metrics. Stored with the answer by the idempotency layer. */
export type DeliveryOutcome = {
  answer: HookAnswer;
  outcome: 'delivered' | 'failed' | 'pending';
  channel: Channel;
  country?: string;
  reason?: FailureReason;
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
};

/**
 * Delivers one OTP: routes by country, picks and renders the template, sends within the deadline.
 * Every failure becomes Okta's error answer and exactly one DLQ record; nothing throws except bugs.
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
  try {
    if (!request.phone || !request.country) {
      throw new UndeliverableError('invalid_phone_number', 'The phone number is not a valid E.164 number');
    }
    const [routing, templates] = await Promise.all([deps.templates.routing(), deps.templates.templates()]);
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
    };
  } catch (error) {
    if (!(error instanceof DeliveryFailedError)) throw error;
    const failed = await failDelivery(request, error, deps, deadline, templateLevel);
    return templatesWithoutCode.length > 0 ? { ...failed, templatesWithoutCode } : failed;
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
