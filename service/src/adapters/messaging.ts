import {
  type PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  SendVoiceMessageCommand,
  type VoiceId,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { Deadline } from '../domain/deadline.js';
import type { MessageSender, OutboundMessage, SentMessage } from '../domain/deliver.js';
import { DeadlineExceededError, type FailureReason, ProviderError } from '../domain/errors.js';

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
};

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
};

/**
 * End User Messaging SMS & voice v2 adapter: SendTextMessage / SendVoiceMessage, bounded by the deadline.
 */
export class EndUserMessagingSender implements MessageSender {
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly configurationSetName?: string,
    private readonly options: SendOptions = {},
  ) {}

  public async send(message: OutboundMessage, deadline: Deadline): Promise<SentMessage> {
    const common = {
      DestinationPhoneNumber: message.destination,
      OriginationIdentity: message.originationIdentity,
      MessageBody: message.body,
      TimeToLive: message.ttlSeconds,
      Context: { eventId: message.eventId, ...(message.resend ? { resend: message.resend } : {}) },
      ...(this.configurationSetName ? { ConfigurationSetName: this.configurationSetName } : {}),
      ...(this.options.protectConfigurationId
        ? { ProtectConfigurationId: this.options.protectConfigurationId }
        : {}),
      ...((message.messageFeedback ?? this.options.messageFeedback) ? { MessageFeedbackEnabled: true } : {}),
    };
    const { maxPrice } = this.options;
    const command =
      message.channel === 'sms'
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
      // Both commands share the client; the union confuses overload resolution, hence the cast.
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
      throw toDeliveryError(error, attempts, signal.aborted);
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
 */
export function toDeliveryError(error: unknown, attempts: number, aborted: boolean): Error {
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
  const refused =
    (typeof serviceReason === 'string' ? REASONS_BY_SERVICE_REASON[serviceReason] : undefined) ??
    REASONS_BY_EXCEPTION[name];
  if (refused) {
    const failoverReason =
      typeof serviceReason === 'string' && FAILOVER_SERVICE_REASONS.has(serviceReason)
        ? serviceReason.toLowerCase()
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
