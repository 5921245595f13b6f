import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { originationIdentityKind } from '../../src/domain/routing.js';
import { AwsError, awsJsonHandler, listen, waitOrAbort } from './aws-json.js';

/**
 * A fault of the messaging stand-in, as `POST /_local/faults` sets it: `error` answers 500 before accepting anything
 * (the hook does not retry it: it cannot know that), `throttle` answers ThrottlingException (retried), `reject`
 * refuses the destination as opted out (ConflictException with the service's `DESTINATION_PHONE_NUMBER_OPTED_OUT`
 * reason, not retried), `latency` holds each send, `ambiguous` accepts the message (it is in the outbox) and then
 * answers 500, as when the service fails after queueing it.
 */
export type MessagingFault = { mode: MessagingFaultMode; latencyMs?: number };

/** The modes of {@link MessagingFault}. */
export const MESSAGING_FAULT_MODES = ['error', 'throttle', 'reject', 'latency', 'ambiguous'] as const;
export type MessagingFaultMode = (typeof MESSAGING_FAULT_MODES)[number];

/** One message the stand-in accepted: the AWS request fields as received, plus what it added. */
export type OutboxMessage = Record<string, unknown> & {
  messageId: string;
  channel: 'SMS' | 'VOICE';
  receivedAt: string;
};

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * End User Messaging SMS & voice v2 stand-in: `SendTextMessage` and `SendVoiceMessage` over AWS JSON 1.0, with the
 * service's validation errors, throttling and 5xx, an outbox, and an optional latency distribution.
 */
export class MessagingEmulator {
  #outbox: OutboxMessage[] = [];
  #fault: MessagingFault | undefined;
  #latency = { minMs: 0, maxMs: 0 };

  /** Every accepted message, oldest first. */
  outbox(): OutboxMessage[] {
    return [...this.#outbox];
  }

  clear(): void {
    this.#outbox = [];
  }

  fault(): MessagingFault | undefined {
    return this.#fault;
  }

  setFault(fault: MessagingFault | undefined): void {
    this.#fault = fault;
  }

  /** Normal latency of every send, uniformly between min and max (the load test uses 80–150 ms). */
  setLatency(minMs: number, maxMs = minMs): void {
    this.#latency = { minMs, maxMs: Math.max(minMs, maxMs) };
  }

  latency(): { minMs: number; maxMs: number } {
    return { ...this.#latency };
  }

  readonly handle = awsJsonHandler({
    'PinpointSMSVoiceV2.SendTextMessage': (input, req) => this.#send('SMS', input, req),
    'PinpointSMSVoiceV2.SendVoiceMessage': (input, req) => this.#send('VOICE', input, req),
  });

  async #send(
    channel: 'SMS' | 'VOICE',
    input: Record<string, any>,
    req: IncomingMessage,
  ): Promise<{ MessageId: string }> {
    const fault = this.#fault;
    if (fault?.mode === 'latency') await waitOrAbort(fault.latencyMs ?? 30_000, req);
    if (fault?.mode === 'throttle') throw new AwsError('ThrottlingException', 'Rate exceeded', 400);
    if (fault?.mode === 'error') throw new AwsError('InternalServerException', 'Internal service error', 500);
    if (fault?.mode === 'reject') {
      throw new AwsError('ConflictException', 'The destination phone number is opted out', 400, {
        Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
        ResourceType: 'opt-out-list',
        ResourceId: 'Default',
      });
    }
    const { minMs, maxMs } = this.#latency;
    if (maxMs > 0) await waitOrAbort(minMs + Math.random() * (maxMs - minMs), req);
    if (typeof input.DestinationPhoneNumber !== 'string' || !E164.test(input.DestinationPhoneNumber)) {
      throw new AwsError('ValidationException', 'DestinationPhoneNumber must be E.164');
    }
    if (typeof input.OriginationIdentity !== 'string' || !input.OriginationIdentity) {
      throw new AwsError('ValidationException', 'OriginationIdentity is required');
    }
    // SendVoiceMessage takes a phone number or pool (E.164, id or ARN) only; sender IDs are SMS only.
    if (channel === 'VOICE' && originationIdentityKind(input.OriginationIdentity) === 'sender-id') {
      throw new AwsError('ValidationException', 'OriginationIdentity is not voice capable', 400, {
        Reason: 'VOICE_CAPABILITY_NOT_AVAILABLE',
      });
    }
    if (typeof input.MessageBody !== 'string' || !input.MessageBody) {
      throw new AwsError('ValidationException', 'MessageBody is required');
    }
    if (channel === 'SMS' && input.MessageBody.length > 1600) {
      throw new AwsError('ValidationException', 'MessageBody is longer than 1600 characters');
    }
    if (
      channel === 'VOICE' &&
      input.MessageBodyTextType === 'SSML' &&
      !/^<speak>[\s\S]*<\/speak>$/.test(input.MessageBody)
    ) {
      throw new AwsError('ValidationException', 'SSML MessageBody must be a <speak> document');
    }
    const messageId = randomUUID();
    // Requests the client gave up on (deadline) are not delivered: the socket is gone.
    if (req.socket.destroyed) return { MessageId: messageId };
    this.#outbox.push({ ...input, messageId, channel, receivedAt: new Date().toISOString() });
    if (fault?.mode === 'ambiguous') {
      throw new AwsError('InternalServerException', 'Internal service error', 500);
    }
    return { MessageId: messageId };
  }
}

/**
 * Starts the messaging stand-in on its own port.
 *
 * @param options - `port` (0 = free), `latency` `{ minMs, maxMs }`
 */
export async function startMessagingEmulator(
  options: { port?: number; latency?: { minMs: number; maxMs: number } } = {},
) {
  const emulator = new MessagingEmulator();
  if (options.latency) emulator.setLatency(options.latency.minMs, options.latency.maxMs);
  const running = await listen(emulator.handle, options.port);
  return { endpoint: running.endpoint, emulator, close: running.close };
}
