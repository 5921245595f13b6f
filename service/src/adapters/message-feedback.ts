import {
  type PinpointSMSVoiceV2Client,
  PutMessageFeedbackCommand,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { MessageFeedback } from '../domain/message-table.js';
import { emitMetric, logger, MetricName } from '../powertools/index.js';

/** What a feedback call did. */
export type FeedbackResult = { ok: true } | { ok: false; errorName: string };

/**
 * End User Messaging's `PutMessageFeedback`: tells AWS a message sent with `MessageFeedbackEnabled` was received (the
 * user typed the code) or failed (it expired unused), which feeds AWS's own delivery metrics for the origination
 * identity. Never throws: a failure is counted (`MessageFeedbackFailed{feedback}`) and logged at WARN, and the
 * message's state in the table stands.
 */
export class EndUserMessagingFeedback {
  constructor(private readonly client: PinpointSMSVoiceV2Client) {}

  /**
   * @param messageId - the message's id
   * @param feedback - RECEIVED or FAILED
   * @param fields - log fields (channel, country, eventId); never a number or a code
   */
  public async put(
    messageId: string,
    feedback: MessageFeedback,
    fields: Record<string, unknown> = {},
  ): Promise<FeedbackResult> {
    try {
      await this.client.send(
        new PutMessageFeedbackCommand({ MessageId: messageId, MessageFeedbackStatus: feedback }),
      );
      return { ok: true };
    } catch (error) {
      const errorName = error instanceof Error ? error.name : String(error);
      emitMetric(MetricName.MessageFeedbackFailed, { feedback });
      // ResourceNotFoundException: AWS does not know the message (sent without MessageFeedbackEnabled, or too old).
      logger.warn('PutMessageFeedback failed; the message state in the table stands', {
        ...fields,
        messageId,
        feedback,
        errorName,
      });
      return { ok: false, errorName };
    }
  }
}
