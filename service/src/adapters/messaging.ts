import {
  DescribeNotifyTemplatesCommand,
  type NotifyTemplateInformation,
  type PinpointSMSVoiceV2Client,
  SendNotifyTextMessageCommand,
  SendNotifyVoiceMessageCommand,
  SendTextMessageCommand,
  SendVoiceMessageCommand,
  type VoiceId,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { type Deadline, within } from '../domain/deadline.js';
import type { MessageSender, OutboundMessage, SentMessage } from '../domain/deliver.js';
import { DeadlineExceededError, type FailureReason, ProviderError } from '../domain/errors.js';
import {
  chooseNotifyTemplate,
  type NotifyTemplate,
  type NotifyTier,
  notifyConfigurationOf,
  notifyVariables,
} from '../domain/notify.js';

/** Time kept back from the send for the DLQ write and the answer to Okta. */
export const SEND_RESERVE_MS = 350;

/**
 * The service's `Reason` members that tell the on-call more than the exception's name: which budget, which
 * refusal. Anything not listed keeps the exception's general reason.
 */
const REASONS_BY_SERVICE_REASON: Record<string, FailureReason> = {
  MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT: 'spend_limit_reached',
  MONTHLY_SPEND_LIMIT_REACHED_FOR_VOICE: 'spend_limit_reached',
  MONTHLY_SPEND_LIMIT_REACHED_FOR_MEDIA: 'spend_limit_reached',
  INSUFFICIENT_ACCOUNT_REPUTATION: 'account_blocked',
  ACCOUNT_DISABLED: 'account_blocked',
  // Over the account's limit for the destination, or over the send's own MaxPrice (maxPricePerMessage).
  PRICE_OVER_THRESHOLD: 'price_over_threshold',
  DESTINATION_COUNTRY_BLOCKED: 'country_blocked',
  COUNTRY_NOT_ENABLED: 'country_blocked',
  INTERNATIONAL_SENDING_NOT_SUPPORTED: 'country_blocked',
  // The stack's protect configuration (countries outside allowedCountries) or a number override in it: the rules
  // the deploy settings wrote, apart from the account's own country limits above.
  DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION: 'protect_blocked',
  DESTINATION_PHONE_NUMBER_BLOCKED_BY_PROTECT_NUMBER_OVERRIDE: 'protect_blocked',
  INVALID_IDENTITY_FOR_DESTINATION_COUNTRY: 'identity_refused',
  SENDER_ID_NOT_REGISTERED: 'identity_refused',
  SENDER_ID_NOT_SUPPORTED: 'identity_refused',
  SENDER_ID_REQUIRES_REGISTRATION: 'identity_refused',
  VOICE_CAPABILITY_NOT_AVAILABLE: 'identity_refused',
  NO_ORIGINATION_IDENTITIES_FOUND: 'identity_refused',
  RESOURCE_NOT_ACTIVE: 'identity_refused',
  NUMBER_CAPABILITIES_MISMATCH: 'identity_refused',
  // Notify: the configuration is not ACTIVE, does not enable the channel, has used its tier's messages of the day,
  // or the account's Notify spend limit is reached (a limit of its own, apart from SMS and voice).
  NOTIFY_CONFIGURATION_NOT_ACTIVE: 'identity_refused',
  CHANNEL_NOT_ENABLED: 'identity_refused',
  DAILY_NOTIFY_TIER_MESSAGE_LIMIT: 'quota_exceeded',
  MONTHLY_SPEND_LIMIT_REACHED_FOR_NOTIFY: 'spend_limit_reached',
};

/**
 * A Notify send's refusals that are about the configuration, not the account: a route's own numbers may well send
 * where AWS's senders may not (and the reverse). `COUNTRY_NOT_ENABLED` names the configuration's countries here, not
 * the account's, so it is the configuration's refusal; the Notify spend limit is Notify's alone.
 */
const NOTIFY_FAILOVER_REASONS = new Set([
  'NOTIFY_CONFIGURATION_NOT_ACTIVE',
  'CHANNEL_NOT_ENABLED',
  'COUNTRY_NOT_ENABLED',
  'DAILY_NOTIFY_TIER_MESSAGE_LIMIT',
  'MONTHLY_SPEND_LIMIT_REACHED_FOR_NOTIFY',
]);

/** The reason of a Notify refusal where it differs from the same `Reason` on a number's send. */
const NOTIFY_REASONS: Record<string, FailureReason> = { COUNTRY_NOT_ENABLED: 'identity_refused' };

/**
 * The refusals that prove End User Messaging did not accept the message *and* are about the origination identity
 * that was named (ValidationException / ConflictException `Reason`s of SendTextMessage and SendVoiceMessage): an
 * inactive number or pool, a pool with no identity for the destination, an identity the country does not allow, an
 * unregistered or unsupported sender ID, a number without the voice or SMS capability. Another identity may well
 * succeed, so the route's next identity is tried. Account-wide refusals (spend limit, reputation, blocked
 * countries, the protect configuration, an opted-out destination) are not here: another identity would fare the
 * same.
 */
const FAILOVER_SERVICE_REASONS = new Set([
  'RESOURCE_NOT_ACTIVE',
  'NO_ORIGINATION_IDENTITIES_FOUND',
  'INVALID_IDENTITY_FOR_DESTINATION_COUNTRY',
  'SENDER_ID_NOT_REGISTERED',
  'SENDER_ID_NOT_SUPPORTED',
  'SENDER_ID_REQUIRES_REGISTRATION',
  'VOICE_CAPABILITY_NOT_AVAILABLE',
  'NUMBER_CAPABILITIES_MISMATCH',
]);

/** The general reason of each refusal the service answers with a 4xx. */
const REASONS_BY_EXCEPTION: Record<string, FailureReason> = {
  ServiceQuotaExceededException: 'quota_exceeded',
  AccessDeniedException: 'access_denied',
  ValidationException: 'provider_rejected',
  ConflictException: 'provider_rejected',
  ResourceNotFoundException: 'identity_refused',
};

/** What every send also names, from the hook's configuration. */
export type SendOptions = {
  /**
   * Most one message may cost, in US dollars (`MAX_PRICE_PER_MESSAGE`): `MaxPrice` of an SMS, `MaxPricePerMinute`
   * of a call. Above it End User Messaging refuses the send (`PRICE_OVER_THRESHOLD`).
   */
  maxPrice?: string;
  /**
   * The stack's protect configuration (`PROTECT_CONFIGURATION_ID`): named on the send, it wins over whatever the
   * configuration set has associated, so the deploy's country rules hold with an operator's own configuration set.
   */
  protectConfigurationId?: string;
  /**
   * Asks End User Messaging to track each message for `PutMessageFeedback` (`MessageFeedbackEnabled: true` on every
   * send), so a verified sign-in can mark the code's message as received. A message's own `messageFeedback` wins (the
   * hook's remembering sender sets it for the request types whose use Okta reports).
   * @default false
   */
  messageFeedback?: boolean;
  /** Notify's templates (read once, cached): needed where a route names a Notify configuration. */
  notifyTemplates?: NotifyTemplateCatalog;
  /** The Notify configurations' tier (`NOTIFY_TIER`): only templates that tier may use are chosen. */
  notifyTier?: NotifyTier;
};

/** How long Notify's templates are kept: AWS manages them, and adds languages rarely. */
export const NOTIFY_TEMPLATES_MAX_AGE_MS = 6 * 3600_000;
/** After a failed read, how long the catalog waits before reading again (sends go on without a TemplateId). */
const NOTIFY_TEMPLATES_RETRY_MS = 60_000;
/** Most pages of `DescribeNotifyTemplates` read (a page is up to 100 templates: far more than AWS offers). */
const NOTIFY_TEMPLATE_PAGES = 10;
/** The longest a send waits for the catalog's first read; past it, the send names no template. */
export const NOTIFY_TEMPLATES_WAIT_MS = 300;

/** One template as the domain reads it. */
function templateOf(info: NotifyTemplateInformation): NotifyTemplate | undefined {
  if (!info.TemplateId) return undefined;
  return {
    templateId: info.TemplateId,
    channels: info.Channels ?? [],
    ...(info.LanguageCode ? { languageCode: info.LanguageCode } : {}),
    ...(info.Status ? { status: info.Status } : {}),
    ...(info.TemplateType ? { templateType: info.TemplateType } : {}),
    ...(info.TierAccess ? { tierAccess: info.TierAccess } : {}),
    ...(info.SupportedCountries ? { supportedCountries: info.SupportedCountries } : {}),
    ...(info.SupportedVoiceIds ? { supportedVoiceIds: info.SupportedVoiceIds } : {}),
    ...(info.Variables
      ? {
          variables: Object.fromEntries(
            Object.entries(info.Variables).map(([name, meta]) => [
              name,
              {
                ...(meta.Required !== undefined ? { required: meta.Required } : {}),
                ...(meta.Source ? { source: meta.Source } : {}),
                ...(meta.Type ? { type: meta.Type } : {}),
              },
            ]),
          ),
        }
      : {}),
  };
}

/**
 * Notify's code-verification templates (`DescribeNotifyTemplates`, every page), read once and kept for
 * {@link NOTIFY_TEMPLATES_MAX_AGE_MS}; a failed read keeps the last good list (or none) and is retried a minute
 * later. `prefetch` starts the read at init, so the first Notify send does not wait for it.
 */
export class NotifyTemplateCatalog {
  #templates: NotifyTemplate[] | undefined;
  #readAt = 0;
  #failedAt = 0;
  #reading: Promise<NotifyTemplate[] | undefined> | undefined;

  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts a read when none is fresh or running; never throws. */
  public prefetch(): void {
    void this.#current();
  }

  /**
   * The templates, waiting at most `waitMs` for a read in progress; undefined when none could be read.
   *
   * @param waitMs - how long the send can wait
   */
  public async templates(waitMs: number): Promise<NotifyTemplate[] | undefined> {
    const reading = this.#current();
    if (this.#templates && !this.#reading) return this.#templates;
    return (await within(reading, waitMs, undefined)) ?? this.#templates;
  }

  #current(): Promise<NotifyTemplate[] | undefined> {
    const now = this.now();
    const fresh = this.#templates && now - this.#readAt < NOTIFY_TEMPLATES_MAX_AGE_MS;
    const resting = now - this.#failedAt < NOTIFY_TEMPLATES_RETRY_MS;
    if (this.#reading || fresh || resting) return this.#reading ?? Promise.resolve(this.#templates);
    this.#reading = this.#read().then(
      (templates) => {
        this.#templates = templates;
        this.#readAt = this.now();
        return templates;
      },
      () => {
        this.#failedAt = this.now();
        return this.#templates;
      },
    );
    void this.#reading.finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #read(): Promise<NotifyTemplate[]> {
    const templates: NotifyTemplate[] = [];
    let token: string | undefined;
    for (let page = 0; page < NOTIFY_TEMPLATE_PAGES; page += 1) {
      const output = await this.client.send(
        new DescribeNotifyTemplatesCommand({
          Filters: [{ Name: 'template-type', Values: ['OTP_VERIFICATION'] }],
          ...(token ? { NextToken: token } : {}),
        }),
        { abortSignal: AbortSignal.timeout(2_000) },
      );
      for (const info of output.NotifyTemplates ?? []) {
        const template = templateOf(info);
        if (template) templates.push(template);
      }
      token = output.NextToken;
      if (!token) break;
    }
    return templates;
  }
}

/**
 * End User Messaging SMS & voice v2 adapter: SendTextMessage / SendVoiceMessage from the org's numbers, pools and
 * sender IDs, SendNotifyTextMessage / SendNotifyVoiceMessage from a Notify configuration; bounded by the deadline.
 */
export class EndUserMessagingSender implements MessageSender {
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly configurationSetName?: string,
    private readonly options: SendOptions = {},
  ) {}

  /**
   * What every send names, from a number or through Notify: the TTL, the `Context` the receipts carry back (event id,
   * resend decision), the configuration set and message feedback.
   */
  #everySend(message: OutboundMessage) {
    return {
      TimeToLive: message.ttlSeconds,
      Context: { eventId: message.eventId, ...(message.resend ? { resend: message.resend } : {}) },
      ...(this.configurationSetName ? { ConfigurationSetName: this.configurationSetName } : {}),
      ...((message.messageFeedback ?? this.options.messageFeedback) ? { MessageFeedbackEnabled: true } : {}),
    };
  }

  /** A Notify send: AWS's template for the user's language, Okta's code as its `code` variable. */
  async #notifyCommand(
    message: OutboundMessage,
    configuration: string,
    deadline: Deadline,
  ): Promise<SendNotifyTextMessageCommand | SendNotifyVoiceMessageCommand> {
    const notify = message.notify;
    if (!notify) {
      throw new ProviderError(
        'identity_refused',
        'A Notify configuration needs the code, not a rendered body',
        0,
      );
    }
    const templates =
      (await this.options.notifyTemplates?.templates(
        Math.min(NOTIFY_TEMPLATES_WAIT_MS, deadline.remainingMs() / 4),
      )) ?? [];
    const { template } = chooseNotifyTemplate(templates, {
      channel: message.channel,
      ...(notify.locale ? { locale: notify.locale } : {}),
      defaultLocale: notify.defaultLocale,
      country: notify.country,
      ...(this.options.notifyTier ? { tier: this.options.notifyTier } : {}),
    });
    const input = {
      NotifyConfigurationId: configuration,
      DestinationPhoneNumber: message.destination,
      ...(template ? { TemplateId: template.templateId } : {}),
      TemplateVariables: notifyVariables(template, notify.code, notify.minutes),
      ...this.#everySend(message),
    };
    if (message.channel === 'sms') return new SendNotifyTextMessageCommand(input);
    // Our voice for the locale, where AWS's template speaks with it.
    const voiceId =
      message.voiceId && template?.supportedVoiceIds?.includes(message.voiceId) ? message.voiceId : undefined;
    return new SendNotifyVoiceMessageCommand({
      ...input,
      ...(voiceId ? { VoiceId: voiceId as VoiceId } : {}),
    });
  }

  public async send(message: OutboundMessage, deadline: Deadline): Promise<SentMessage> {
    const notifyConfiguration = notifyConfigurationOf(message.originationIdentity);
    const command = notifyConfiguration
      ? await this.#notifyCommand(message, notifyConfiguration, deadline)
      : this.#command(message);
    return this.#sendCommand(command, message, deadline, Boolean(notifyConfiguration));
  }

  /** SendTextMessage or SendVoiceMessage from the org's own identity. */
  #command(message: OutboundMessage): SendTextMessageCommand | SendVoiceMessageCommand {
    const common = {
      DestinationPhoneNumber: message.destination,
      OriginationIdentity: message.originationIdentity,
      MessageBody: message.body,
      ...this.#everySend(message),
      ...(this.options.protectConfigurationId
        ? { ProtectConfigurationId: this.options.protectConfigurationId }
        : {}),
    };
    const { maxPrice } = this.options;
    return message.channel === 'sms'
      ? new SendTextMessageCommand({
          ...common,
          MessageType: 'TRANSACTIONAL',
          ...(maxPrice ? { MaxPrice: maxPrice } : {}),
        })
      : new SendVoiceMessageCommand({
          ...common,
          MessageBodyTextType: 'SSML',
          ...(message.voiceId ? { VoiceId: message.voiceId as VoiceId } : {}),
          // A code read out is well under a minute: the per-minute cap is the call's cap.
          ...(maxPrice ? { MaxPricePerMinute: maxPrice } : {}),
        });
  }

  async #sendCommand(
    command:
      | SendTextMessageCommand
      | SendVoiceMessageCommand
      | SendNotifyTextMessageCommand
      | SendNotifyVoiceMessageCommand,
    message: OutboundMessage,
    deadline: Deadline,
    notify: boolean,
  ): Promise<SentMessage> {
    let attempts = 0;
    // Runs once per attempt (the retry middleware sits above the deserialize step).
    (command as SendTextMessageCommand).middlewareStack.add(
      (next) => (args) => {
        attempts += 1;
        return next(args);
      },
      { step: 'deserialize', name: 'countAttempts' },
    );
    const signal = deadline.signal(SEND_RESERVE_MS);
    try {
      // The commands share the client; the union confuses overload resolution, hence the cast. A Notify send also
      // answers ResolvedMessageBody, AWS's text with the code in it: never read, never kept.
      const output = (await this.client.send(command as SendTextMessageCommand, { abortSignal: signal })) as {
        MessageId?: string;
      };
      if (typeof output.MessageId !== 'string' || !output.MessageId) {
        // Accepted or not, there is no id to give Okta or to match receipts with: an error, never "unknown".
        throw new ProviderError(
          'provider_error',
          'End User Messaging answered without a MessageId; the message may have been sent',
          attempts,
        );
      }
      return { messageId: output.MessageId, attempts, originationIdentity: message.originationIdentity };
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      throw toDeliveryError(error, attempts, signal.aborted, notify);
    }
  }
}

/**
 * Maps a failed send to the delivery error the on-call reads: the deadline, throttling, each kind of refusal by the
 * service's own `Reason` where it has one, or a provider failure (a 5xx, a reset: the message may be on its way).
 *
 * @param error - what the SDK threw
 * @param attempts - attempts made
 * @param aborted - whether the deadline's signal fired
 * @param notify - the send went through a Notify configuration (its own refusals fail over)
 */
export function toDeliveryError(error: unknown, attempts: number, aborted: boolean, notify = false): Error {
  const name = error instanceof Error ? error.name : 'UnknownError';
  // The service's own reason (DESTINATION_PHONE_NUMBER_OPTED_OUT, …) tells the on-call what to do about a refusal.
  const serviceReason = (error as { Reason?: unknown } | null)?.Reason;
  const detail =
    (error instanceof Error ? error.message : String(error)) +
    (typeof serviceReason === 'string' ? ` [${serviceReason}]` : '');
  if (aborted || name === 'AbortError' || name === 'TimeoutError') {
    return new DeadlineExceededError(`End User Messaging did not answer in time (${name})`, attempts, {
      cause: error,
    });
  }
  if (name === 'ThrottlingException') {
    // Thrown only after the client's own retries (three attempts, tens of ms apart): that identity's budget.
    return new ProviderError('throttled', `End User Messaging throttled the send: ${detail}`, attempts, {
      cause: error,
      failoverReason: 'throttled',
    });
  }
  const reason = typeof serviceReason === 'string' ? serviceReason : undefined;
  const refused =
    (reason && notify ? NOTIFY_REASONS[reason] : undefined) ??
    (reason ? REASONS_BY_SERVICE_REASON[reason] : undefined) ??
    REASONS_BY_EXCEPTION[name];
  if (refused) {
    const failoverReason =
      reason && (FAILOVER_SERVICE_REASONS.has(reason) || (notify && NOTIFY_FAILOVER_REASONS.has(reason)))
        ? reason.toLowerCase()
        : name === 'ResourceNotFoundException'
          ? 'resource_not_found'
          : undefined;
    return new ProviderError(
      refused,
      `End User Messaging refused the message (${name}): ${detail}`,
      attempts,
      { cause: error, ...(failoverReason ? { failoverReason } : {}) },
    );
  }
  return new ProviderError(
    'provider_error',
    `End User Messaging failed (${name}), the message may have been sent: ${detail}`,
    attempts,
    { cause: error },
  );
}
