import {
  type PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  SendVoiceMessageCommand,
  type VoiceId,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { Deadline } from '../domain/deadline.js';
import type { MessageSender, OutboundMessage } from '../domain/deliver.js';
import { DeadlineExceededError, ProviderError } from '../domain/errors.js';

/** Time kept back from the send for the DLQ write and the answer to Okta. */
export const SEND_RESERVE_MS = 350;

const REJECTED = new Set([
  'ValidationException',
  'ConflictException',
  'ResourceNotFoundException',
  'ServiceQuotaExceededException',
]);

/**
 * End User Messaging SMS & voice v2 adapter: SendTextMessage / SendVoiceMessage, bounded by the deadline.
 */
export class EndUserMessagingSender implements MessageSender {
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly configurationSetName?: string,
  ) {}

  public async send(
    message: OutboundMessage,
    deadline: Deadline,
  ): Promise<{ messageId: string; attempts: number }> {
    const common = {
      DestinationPhoneNumber: message.destination,
      OriginationIdentity: message.originationIdentity,
      MessageBody: message.body,
      TimeToLive: message.ttlSeconds,
      Context: { eventId: message.eventId },
      ...(this.configurationSetName ? { ConfigurationSetName: this.configurationSetName } : {}),
    };
    const command =
      message.channel === 'sms'
        ? new SendTextMessageCommand({ ...common, MessageType: 'TRANSACTIONAL' })
        : new SendVoiceMessageCommand({
            ...common,
            MessageBodyTextType: 'SSML',
            ...(message.voiceId ? { VoiceId: message.voiceId as VoiceId } : {}),
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
      return { messageId: output.MessageId ?? 'unknown', attempts };
    } catch (error) {
      throw toDeliveryError(error, attempts, signal.aborted);
    }
  }
}

function toDeliveryError(error: unknown, attempts: number, aborted: boolean): Error {
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
    return new ProviderError('throttled', `End User Messaging throttled the send: ${detail}`, attempts, {
      cause: error,
    });
  }
  if (REJECTED.has(name)) {
    return new ProviderError(
      'provider_rejected',
      `End User Messaging rejected the message (${name}): ${detail}`,
      attempts,
      {
        cause: error,
      },
    );
  }
  return new ProviderError('provider_error', `End User Messaging failed (${name}): ${detail}`, attempts, {
    cause: error,
  });
}
