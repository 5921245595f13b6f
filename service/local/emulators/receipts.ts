/**
 * The delivery receipts the messaging stand-in emits after an accepted send, shaped as End User Messaging's v2
 * event JSON (the object a configuration set's event destination receives: AWS End User Messaging user guide,
 * "Messaging Events" and "Event types for SMS, MMS, and voice").
 *
 * - SMS: `TEXT_DELIVERED` (final) alone, DESIGN.md's default: one receipt per message keeps the load runs' receipt
 *   work at one handler call per SMS; a `receipts` fault picks another final status (`CARRIER_UNREACHABLE` →
 *   `TEXT_CARRIER_UNREACHABLE`).
 * - Voice: `VOICE_INITIATED`, `VOICE_RINGING`, `VOICE_ANSWERED`, then `VOICE_COMPLETED` (final); a fault with a voice
 *   status (`BUSY`, `NO_ANSWER`, `FAILED`, `TTL_EXPIRED`) ends the call that way instead.
 *
 * The final receipt comes `delayMs` after the send (default ~200 ms); earlier ones are spread before it. The
 * `context` is the send's `Context` map, as AWS returns it. Prices and descriptions are illustrative.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/** Final SMS statuses (the `TEXT_` event types without their prefix) a `receipts` fault may pick. */
export const SMS_RECEIPT_STATUSES = [
  'DELIVERED',
  'SUCCESSFUL',
  'BLOCKED',
  'CARRIER_BLOCKED',
  'CARRIER_UNREACHABLE',
  'UNREACHABLE',
  'INVALID',
  'INVALID_MESSAGE',
  'SPAM',
  'UNKNOWN',
  'TTL_EXPIRED',
  'PROTECT_BLOCKED',
] as const;

/** Final voice statuses (the `VOICE_` event types without their prefix) a `receipts` fault may pick. */
export const VOICE_RECEIPT_STATUSES = ['COMPLETED', 'BUSY', 'NO_ANSWER', 'FAILED', 'TTL_EXPIRED'] as const;

/** Every status a `receipts` fault accepts. */
export const RECEIPT_STATUSES: readonly string[] = [
  ...new Set<string>([...SMS_RECEIPT_STATUSES, ...VOICE_RECEIPT_STATUSES]),
];

export type ReceiptStatus = (typeof SMS_RECEIPT_STATUSES)[number] | (typeof VOICE_RECEIPT_STATUSES)[number];

/**
 * The `receipts` fault: the final status of the receipts (SMS statuses apply to texts, voice statuses to calls;
 * `TTL_EXPIRED` to both), when the final one comes, and how many times SNS hands each receipt over, side by side
 * (`duplicates`, 1 to {@link MAX_RECEIPT_DUPLICATES}: SNS delivers at least once).
 */
export type ReceiptFault = { status: ReceiptStatus; delayMs?: number; duplicates?: number };

/** Most copies of one receipt a `receipts` fault may ask for. */
export const MAX_RECEIPT_DUPLICATES = 5;

/** When the final receipt comes after the send, unless a fault says otherwise. */
export const DEFAULT_RECEIPT_DELAY_MS = 200;

/** Longest `delayMs` a fault may ask for (a receipt that never comes is not a fault this stand-in plays). */
export const MAX_RECEIPT_DELAY_MS = 10 * 60_000;

/** One End User Messaging v2 event, as the event destination (SNS here) receives it. */
export type MessagingEvent = {
  eventType: string;
  eventVersion: '1.0';
  /** Epoch milliseconds. */
  eventTimestamp: number;
  isFinal: boolean;
  originationPhoneNumber: string;
  destinationPhoneNumber: string;
  isoCountryCode?: string;
  isInternationalSend: boolean;
  messageId: string;
  /** Epoch milliseconds of the send request. */
  messageRequestTimestamp: number;
  messageEncoding?: 'GSM' | 'UCS2';
  messageType?: string;
  messageStatus: string;
  messageStatusDescription: string;
  context?: Record<string, string>;
  totalMessageParts?: number;
  totalMessagePrice: number;
  totalCarrierFee?: number;
};

/** What the stand-in knows of the send a receipt is about. */
export type SentMessage = {
  messageId: string;
  channel: 'SMS' | 'VOICE';
  /** Epoch milliseconds. */
  sentAt: number;
  originationIdentity: string;
  destination: string;
  body: string;
  messageType?: string;
  context?: Record<string, string>;
};

/** One receipt to emit: its event type, whether it is the last, and when (ms after the send). */
export type ReceiptStep = { eventType: string; isFinal: boolean; atMs: number };

const DESCRIPTIONS: Record<string, string> = {
  TEXT_SUCCESSFUL: 'Message has been accepted by phone carrier',
  TEXT_DELIVERED: 'Message has been accepted by phone',
  TEXT_BLOCKED: 'The message was blocked by the recipient device or carrier',
  TEXT_CARRIER_BLOCKED: 'The recipient carrier blocked the message',
  TEXT_CARRIER_UNREACHABLE: 'The recipient carrier is temporarily unreachable',
  TEXT_UNREACHABLE: 'The recipient device is unreachable',
  TEXT_INVALID: 'The destination phone number is not valid',
  TEXT_INVALID_MESSAGE: 'The message body is not valid',
  TEXT_SPAM: 'The recipient carrier identified the message as spam',
  TEXT_UNKNOWN: 'The message could not be delivered',
  TEXT_TTL_EXPIRED: 'The message could not be delivered within its time to live',
  TEXT_PROTECT_BLOCKED: 'The message was blocked by a protect configuration',
  VOICE_INITIATED: 'The call was initiated',
  VOICE_RINGING: 'The call is ringing',
  VOICE_ANSWERED: 'The call was answered',
  VOICE_COMPLETED: 'The message was played to the recipient',
  VOICE_BUSY: 'The recipient line was busy',
  VOICE_NO_ANSWER: 'The call was not answered',
  VOICE_FAILED: 'The call failed',
  VOICE_TTL_EXPIRED: 'The call could not be placed within its time to live',
};

const isSmsStatus = (status: string) => (SMS_RECEIPT_STATUSES as readonly string[]).includes(status);
const isVoiceStatus = (status: string) => (VOICE_RECEIPT_STATUSES as readonly string[]).includes(status);

/**
 * The receipts one send gets, in order, the final one last at `delayMs`.
 *
 * @param channel - the send's channel
 * @param fault - the `receipts` fault in force when the message was accepted
 */
export function receiptPlan(channel: 'SMS' | 'VOICE', fault?: ReceiptFault): ReceiptStep[] {
  const delay = fault?.delayMs ?? DEFAULT_RECEIPT_DELAY_MS;
  let types: string[];
  if (channel === 'SMS') {
    const status = fault && isSmsStatus(fault.status) ? fault.status : 'DELIVERED';
    types = [`TEXT_${status}`];
  } else {
    const status = fault && isVoiceStatus(fault.status) ? fault.status : 'COMPLETED';
    const before: Record<string, string[]> = {
      COMPLETED: ['VOICE_INITIATED', 'VOICE_RINGING', 'VOICE_ANSWERED'],
      NO_ANSWER: ['VOICE_INITIATED', 'VOICE_RINGING'],
      BUSY: ['VOICE_INITIATED'],
      FAILED: ['VOICE_INITIATED'],
      TTL_EXPIRED: [],
    };
    types = [...(before[status] ?? []), `VOICE_${status}`];
  }
  return types.map((eventType, i) => ({
    eventType,
    isFinal: i === types.length - 1,
    atMs: Math.round((delay * (i + 1)) / types.length),
  }));
}

// The GSM 03.38 basic character set and its extension table: anything else makes the message UCS-2.
const GSM_CHARS =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€\f';
const GSM = new Set(GSM_CHARS);

/** How a text is encoded and in how many parts it goes (GSM: 160, or 153 per part; UCS-2: 70, or 67 per part). */
export function smsParts(body: string): { encoding: 'GSM' | 'UCS2'; parts: number } {
  const chars = [...body];
  const gsm = chars.every((c) => GSM.has(c));
  const length = gsm ? chars.reduce((n, c) => n + ('^{}\\[~]|€\f'.includes(c) ? 2 : 1), 0) : chars.length;
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  return { encoding: gsm ? 'GSM' : 'UCS2', parts: length <= single ? 1 : Math.ceil(length / multi) };
}

/** Illustrative prices: per SMS part, per call. */
const SMS_PART_PRICE = 0.00581;
const VOICE_CALL_PRICE = 0.013;

/**
 * One receipt as End User Messaging sends it to the event destination.
 *
 * @param message - the send
 * @param step - which receipt
 * @param now - when it is emitted (epoch ms)
 */
export function buildReceipt(message: SentMessage, step: ReceiptStep, now: number): MessagingEvent {
  // The country of the number, or, for a number outside the numbering plan (test ranges), its calling code's first.
  const parsed = parsePhoneNumberFromString(message.destination);
  const country = parsed?.country ?? parsed?.getPossibleCountries()[0];
  const prefix = message.channel === 'SMS' ? 'TEXT_' : 'VOICE_';
  const common = {
    eventType: step.eventType,
    eventVersion: '1.0' as const,
    eventTimestamp: now,
    isFinal: step.isFinal,
    originationPhoneNumber: message.originationIdentity,
    destinationPhoneNumber: message.destination,
    ...(country ? { isoCountryCode: country } : {}),
    isInternationalSend: false,
    messageId: message.messageId,
    messageRequestTimestamp: message.sentAt,
  };
  const status = {
    messageStatus: step.eventType.slice(prefix.length),
    messageStatusDescription: DESCRIPTIONS[step.eventType] ?? step.eventType,
    ...(message.context ? { context: { ...message.context } } : {}),
  };
  if (message.channel === 'SMS') {
    const { encoding, parts } = smsParts(message.body);
    return {
      ...common,
      messageEncoding: encoding,
      messageType: message.messageType ?? 'TRANSACTIONAL',
      ...status,
      totalMessageParts: parts,
      totalMessagePrice: Number((SMS_PART_PRICE * parts).toFixed(5)),
      totalCarrierFee: 0,
    };
  }
  return { ...common, ...status, totalMessagePrice: VOICE_CALL_PRICE };
}
