import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { originationIdentityKind } from '../../src/domain/routing.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../iam/stack-policies.js';
import { AwsError, type AwsJsonAuthorizer, awsJsonHandler, listen, waitOrAbort } from './aws-json.js';
import { carrierLookup } from './carrier-lookup.js';
import { LocalNotify } from './notify.js';
import {
  buildReceipt,
  type MessagingEvent,
  type ReceiptFault,
  receiptPlan,
  type SentMessage,
} from './receipts.js';

/**
 * A fault of the messaging stand-in, as `POST /_local/faults` sets it: `error` answers 500 before accepting anything
 * (the hook does not retry it: it cannot know that), `throttle` answers ThrottlingException (retried), `reject`
 * refuses the destination as opted out (ConflictException with the service's `DESTINATION_PHONE_NUMBER_OPTED_OUT`
 * reason, not retried), `latency` holds each send, `ambiguous` accepts the message (it is in the outbox) and then
 * answers 500, as when the service fails after queueing it. `identity-inactive` refuses every send from `identity`
 * (as the request names it) as End User Messaging refuses an inactive number or pool: ConflictException with the
 * `RESOURCE_NOT_ACTIVE` reason, nothing accepted; sends from other identities go through (a Notify configuration,
 * named `notify:<id>`, its id or ARN, is refused as not ACTIVE). `notify-spend-limit` refuses every Notify send as
 * over the account's Notify spend limit; `notify-daily-limit` as over the BASIC tier's messages of the day.
 */
export type MessagingFault = {
  mode: MessagingFaultMode;
  latencyMs?: number;
  /** `identity-inactive`: the identity refused, as sends name it (or several, to make a whole route inactive). */
  identity?: string | string[];
};

/** The modes of {@link MessagingFault}. */
export const MESSAGING_FAULT_MODES = [
  'error',
  'throttle',
  'reject',
  'latency',
  'ambiguous',
  'identity-inactive',
  'notify-spend-limit',
  'notify-daily-limit',
] as const;
export type MessagingFaultMode = (typeof MESSAGING_FAULT_MODES)[number];

/** One message the stand-in accepted: the AWS request fields as received, plus what it added. */
export type OutboxMessage = Record<string, unknown> & {
  messageId: string;
  channel: 'SMS' | 'VOICE';
  receivedAt: string;
  /** The receipts emitted so far, oldest first (`eventTimestamp` in epoch ms, as in the receipt). */
  events: Array<{ eventType: string; eventTimestamp: number }>;
  /** What `PutMessageFeedback` last set; null until then. */
  feedback: 'RECEIVED' | 'FAILED' | null;
};

/** Receives each receipt the stand-in emits (the local stack hands it to the receipt handler, wrapped as SNS). */
export type ReceiptListener = (receipt: MessagingEvent, message: OutboxMessage) => Promise<void> | void;

/** `PutMessageFeedback`'s `MessageId` constraints (API reference: 1–64 characters of this pattern). */
const MESSAGE_ID = /^[A-Za-z0-9_:/-]{1,64}$/;
/** How many sent message ids `PutMessageFeedback` remembers (the outbox may be emptied; AWS does not forget). */
const KNOWN_MESSAGES_MAX = 50_000;

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * End User Messaging SMS & voice v2 stand-in: `SendTextMessage` and `SendVoiceMessage` over AWS JSON 1.0, with the
 * service's validation errors, throttling and 5xx, an outbox, and an optional latency distribution; the delivery
 * receipts of each accepted message (receipts.ts), handed to a listener and recorded in its outbox entry; and
 * `PutMessageFeedback`, recorded as the entry's `feedback`.
 */
export class MessagingEmulator {
  /** Notify: configurations, templates, the tiers' rates and days (notify.ts). */
  readonly notify = new LocalNotify(LOCAL_ACCOUNT, LOCAL_REGION);
  #outbox: OutboxMessage[] = [];
  #fault: MessagingFault | undefined;
  #latency = { minMs: 0, maxMs: 0 };
  #receiptFault: ReceiptFault | undefined;
  #receiptListener: ReceiptListener | undefined;
  /** Receipts not yet emitted: aborted by `clear()` and `stop()`. */
  #pendingReceipts = new Set<AbortController>();
  /** Emissions running (listener included), for `settled()`. */
  #emitting = new Set<Promise<void>>();
  /** Every accepted message id, whether it was sent with `MessageFeedbackEnabled`, and its outbox entry. */
  #known = new Map<string, { feedbackEnabled: boolean; message: OutboxMessage }>();

  /** Every accepted message, oldest first. */
  outbox(): OutboxMessage[] {
    return [...this.#outbox];
  }

  /** Empties the outbox and drops the receipts not yet emitted (feedback on earlier ids still works, as on AWS). */
  clear(): void {
    this.#outbox = [];
    this.#abortReceipts();
    this.notify.reset();
  }

  /** Drops the receipts not yet emitted (the stack's `close()`). */
  stop(): void {
    this.#abortReceipts();
  }

  /** Where receipts go (one listener; undefined = nowhere, they are still recorded in the outbox). */
  onReceipt(listener: ReceiptListener | undefined): void {
    this.#receiptListener = listener;
  }

  receiptFault(): ReceiptFault | undefined {
    return this.#receiptFault;
  }

  /** The status and delay of the receipts of messages accepted from now on; undefined = delivered after ~200 ms. */
  setReceiptFault(fault: ReceiptFault | undefined): void {
    this.#receiptFault = fault;
  }

  /** Resolves once every receipt scheduled so far has been emitted and its listener has finished. */
  async settled(): Promise<void> {
    while (this.#pendingReceipts.size > 0 || this.#emitting.size > 0) {
      await Promise.race([...this.#emitting, new Promise((resolve) => setTimeout(resolve, 10))]);
    }
  }

  fault(): MessagingFault | undefined {
    return this.#fault;
  }

  setFault(fault: MessagingFault | undefined): void {
    this.#fault = fault;
    this.notify.setSpendLimitReached(fault?.mode === 'notify-spend-limit');
    if (fault?.mode === 'notify-daily-limit') {
      for (const configuration of this.notify.configurations()) this.notify.useUpDay(configuration.id);
    } else {
      this.notify.reset();
    }
  }

  /** Normal latency of every send, uniformly between min and max (the load test uses 80–150 ms). */
  setLatency(minMs: number, maxMs = minMs): void {
    this.#latency = { minMs, maxMs: Math.max(minMs, maxMs) };
  }

  latency(): { minMs: number; maxMs: number } {
    return { ...this.#latency };
  }

  #authorizer: AwsJsonAuthorizer | undefined;

  /** The local IAM: asked before each operation (see `local/iam/`); none = every call allowed. */
  setAuthorizer(authorizer: AwsJsonAuthorizer | undefined): void {
    this.#authorizer = authorizer;
  }

  readonly handle = awsJsonHandler(
    {
      'PinpointSMSVoiceV2.SendTextMessage': (input, req) => this.#send('SMS', input, req),
      'PinpointSMSVoiceV2.SendVoiceMessage': (input, req) => this.#send('VOICE', input, req),
      'PinpointSMSVoiceV2.PutMessageFeedback': (input) => this.#putFeedback(input),
      'PinpointSMSVoiceV2.SendNotifyTextMessage': (input, req) => this.#sendNotify('SMS', input, req),
      'PinpointSMSVoiceV2.SendNotifyVoiceMessage': (input, req) => this.#sendNotify('VOICE', input, req),
      'PinpointSMSVoiceV2.DescribeNotifyTemplates': (input) => this.notify.describeTemplates(input),
      'PinpointSMSVoiceV2.CarrierLookup': (input) => this.#lookup(input),
    },
    '1.0',
    () => this.#authorizer,
  );

  /** `CarrierLookup` by the stand-in's rule (carrier-lookup.ts), counted (`lookups()`: each is paid on AWS). */
  #lookup(input: Record<string, any>) {
    if (this.#fault?.mode === 'throttle') throw new AwsError('ThrottlingException', 'Rate exceeded', 400);
    if (this.#fault?.mode === 'error')
      throw new AwsError('InternalServerException', 'Internal service error', 500);
    const result = carrierLookup(input);
    this.#lookups += 1;
    return result;
  }

  #lookups = 0;

  /** How many `CarrierLookup` calls were answered since the start. */
  lookups(): number {
    return this.#lookups;
  }

  /**
   * `PutMessageFeedback`: RECEIVED or FAILED for a message sent with `MessageFeedbackEnabled`. An id the service
   * never issued is a ResourceNotFoundException (404), as on AWS. AWS documents no separate error for a message sent
   * without feedback enabled: it has no feedback record, so it is refused the same way.
   */
  #putFeedback(input: Record<string, any>): {
    MessageId: string;
    MessageFeedbackStatus: 'RECEIVED' | 'FAILED';
  } {
    const { MessageId, MessageFeedbackStatus } = input;
    if (typeof MessageId !== 'string' || !MESSAGE_ID.test(MessageId)) {
      throw new AwsError('ValidationException', 'MessageId must be 1 to 64 characters of [A-Za-z0-9_:/-]');
    }
    if (MessageFeedbackStatus !== 'RECEIVED' && MessageFeedbackStatus !== 'FAILED') {
      throw new AwsError('ValidationException', 'MessageFeedbackStatus must be RECEIVED or FAILED');
    }
    const known = this.#known.get(MessageId);
    if (!known) {
      throw new AwsError('ResourceNotFoundException', `Message ${MessageId} not found`, 404, {
        ResourceType: 'message',
        ResourceId: MessageId,
      });
    }
    if (!known.feedbackEnabled) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Message ${MessageId} has no message feedback record: it was sent without MessageFeedbackEnabled`,
        404,
        { ResourceType: 'message', ResourceId: MessageId },
      );
    }
    known.message.feedback = MessageFeedbackStatus;
    return { MessageId, MessageFeedbackStatus };
  }

  /** Remembers an accepted message and schedules its receipts. */
  #accepted(message: OutboxMessage, input: Record<string, any>, sentAt: number): void {
    this.#known.set(message.messageId, { feedbackEnabled: input.MessageFeedbackEnabled === true, message });
    if (this.#known.size > KNOWN_MESSAGES_MAX) this.#known.delete(this.#known.keys().next().value as string);
    const sent: SentMessage = {
      messageId: message.messageId,
      channel: message.channel,
      sentAt,
      originationIdentity: String(input.OriginationIdentity),
      destination: String(input.DestinationPhoneNumber),
      body: String(input.MessageBody),
      ...(typeof input.MessageType === 'string' ? { messageType: input.MessageType } : {}),
      ...(input.Context && typeof input.Context === 'object' ? { context: input.Context } : {}),
    };
    const plan = receiptPlan(message.channel, this.#receiptFault);
    const copies = this.#receiptFault?.duplicates ?? 1;
    const abort = new AbortController();
    this.#pendingReceipts.add(abort);
    const run = async () => {
      try {
        for (const step of plan) {
          const wait = sentAt + step.atMs - Date.now();
          if (wait > 0) await sleep(wait, abort.signal);
          if (abort.signal.aborted) return;
          const receipt = buildReceipt(sent, step, Date.now());
          message.events.push({ eventType: receipt.eventType, eventTimestamp: receipt.eventTimestamp });
          // One receipt at a time per message, in order: the listener finishes before the next is emitted. With
          // `duplicates`, SNS hands the same receipt over several times at once.
          await Promise.all(
            Array.from({ length: copies }, () =>
              Promise.resolve(this.#receiptListener?.(receipt, message)).catch(() => {}),
            ),
          );
        }
      } finally {
        this.#pendingReceipts.delete(abort);
      }
    };
    const emitting = run();
    this.#emitting.add(emitting);
    void emitting.finally(() => this.#emitting.delete(emitting));
  }

  #abortReceipts(): void {
    for (const abort of this.#pendingReceipts) abort.abort();
    this.#pendingReceipts.clear();
  }

  async #send(
    channel: 'SMS' | 'VOICE',
    input: Record<string, any>,
    req: IncomingMessage,
  ): Promise<{ MessageId: string }> {
    const fault = this.#fault;
    if (fault?.mode === 'latency') await waitOrAbort(fault.latencyMs ?? 30_000, req);
    if (fault?.mode === 'throttle') throw new AwsError('ThrottlingException', 'Rate exceeded', 400);
    if (fault?.mode === 'error') throw new AwsError('InternalServerException', 'Internal service error', 500);
    // A Notify configuration is no origination identity of SendTextMessage/SendVoiceMessage (its own operations send).
    if (
      typeof input.OriginationIdentity === 'string' &&
      originationIdentityKind(input.OriginationIdentity) === 'notify'
    ) {
      throw new AwsError(
        'ValidationException',
        'OriginationIdentity must be a phone number, pool or sender ID',
      );
    }
    const inactive = fault?.mode === 'identity-inactive' ? [fault.identity ?? []].flat() : [];
    if (typeof input.OriginationIdentity === 'string' && inactive.includes(input.OriginationIdentity)) {
      throw new AwsError('ConflictException', 'The origination identity is not active', 400, {
        Reason: 'RESOURCE_NOT_ACTIVE',
        // The identity kinds are the service's ResourceType values.
        ResourceType: originationIdentityKind(input.OriginationIdentity) ?? 'phone-number',
        ResourceId: input.OriginationIdentity,
      });
    }
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
    // A Notify configuration is no origination identity of SendTextMessage/SendVoiceMessage (its own operations send).
    if (originationIdentityKind(input.OriginationIdentity) === 'notify') {
      throw new AwsError(
        'ValidationException',
        'OriginationIdentity must be a phone number, pool or sender ID',
      );
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
    return this.#accept(channel, input, req);
  }

  /** Puts an accepted message in the outbox and schedules its receipts; answers its MessageId. */
  #accept(channel: 'SMS' | 'VOICE', input: Record<string, any>, req: IncomingMessage): { MessageId: string } {
    const messageId = randomUUID();
    // Requests the client gave up on (deadline) are not delivered: the socket is gone.
    if (req.socket.destroyed) return { MessageId: messageId };
    const sentAt = Date.now();
    const message: OutboxMessage = {
      ...input,
      messageId,
      channel,
      receivedAt: new Date(sentAt).toISOString(),
      events: [],
      feedback: null,
    };
    this.#outbox.push(message);
    this.#accepted(message, input, sentAt);
    if (this.#fault?.mode === 'ambiguous') {
      throw new AwsError('InternalServerException', 'Internal service error', 500);
    }
    return { MessageId: messageId };
  }

  /**
   * `SendNotifyTextMessage` / `SendNotifyVoiceMessage`: the faults every send meets, then Notify's own refusals
   * (notify.ts); the outbox shows AWS's text (`MessageBody`) from `notify:<id>`. The answer carries
   * `ResolvedMessageBody`, code included, as AWS's does.
   */
  async #sendNotify(
    channel: 'SMS' | 'VOICE',
    input: Record<string, any>,
    req: IncomingMessage,
  ): Promise<{ MessageId: string; TemplateId: string; ResolvedMessageBody: string }> {
    const fault = this.#fault;
    if (fault?.mode === 'latency') await waitOrAbort(fault.latencyMs ?? 30_000, req);
    if (fault?.mode === 'throttle') throw new AwsError('ThrottlingException', 'Rate exceeded', 400);
    if (fault?.mode === 'error') throw new AwsError('InternalServerException', 'Internal service error', 500);
    const inactive = fault?.mode === 'identity-inactive' ? [fault.identity ?? []].flat() : [];
    const sent = this.notify.send(channel, input, inactive);
    const { minMs, maxMs } = this.#latency;
    if (maxMs > 0) await waitOrAbort(minMs + Math.random() * (maxMs - minMs), req);
    const { MessageId } = this.#accept(
      channel,
      {
        ...input,
        OriginationIdentity: `notify:${sent.configuration.id}`,
        TemplateId: sent.template.TemplateId,
        MessageBody: sent.body,
      },
      req,
    );
    return { MessageId, TemplateId: sent.template.TemplateId, ResolvedMessageBody: sent.body };
  }
}

/** Resolves after `ms` (an unref'd timer), or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
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
