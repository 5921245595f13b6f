/**
 * End User Messaging SMS & voice v2 delivery events (configuration set event destination, here an SNS topic): what
 * the receipt handler reads of them and how it classifies them. No AWS imports.
 *
 * The event (AWS End User Messaging user guide, "Example event data"): `eventType` (`TEXT_DELIVERED`,
 * `TEXT_CARRIER_UNREACHABLE`, `VOICE_COMPLETED`, …), `eventVersion`, `eventTimestamp` (ms), `isFinal`,
 * `isoCountryCode`, `messageId`, `messageRequestTimestamp` (ms), `messageStatus`, `messageStatusDescription`,
 * `context` (the send's `Context`, here `{eventId}`), plus the origination and destination numbers, which are
 * never kept.
 */

import { scrubText } from './redact.js';

/** The channel of a receipt, from its event type's prefix. */
export type ReceiptChannel = 'sms' | 'voice';

/** Success receipts: the handset got the text (or the carrier took it, where that is all there is), the call played. */
const SUCCESS_TYPES = new Set(['TEXT_DELIVERED', 'TEXT_SUCCESSFUL', 'VOICE_COMPLETED']);

/** Whether a receipt's event type says the message arrived (the handset, or the carrier where that is all there is). */
export const isSuccessReceiptType = (eventType: string): boolean => SUCCESS_TYPES.has(eventType);

/** Receipts that mean the handset has it: the time to handset is measured on these. */
const HANDSET_TYPES = new Set(['TEXT_DELIVERED', 'VOICE_COMPLETED']);

/**
 * Receipts that end a message without it reaching the user. The event's own `isFinal` decides; this list is used only
 * when an event lacks it (`TEXT_CARRIER_UNREACHABLE` and `TEXT_UNKNOWN` may be temporary: they count as final failures
 * only when the event says so).
 */
export const FINAL_FAILURE_TYPES: readonly string[] = [
  'TEXT_BLOCKED',
  'TEXT_TTL_EXPIRED',
  'TEXT_INVALID',
  'TEXT_INVALID_MESSAGE',
  'TEXT_CARRIER_BLOCKED',
  'TEXT_UNREACHABLE',
  'TEXT_SPAM',
  'TEXT_PROTECT_BLOCKED',
  'TEXT_MESSAGE_MONTHLY_SPEND_LIMIT',
  'VOICE_BUSY',
  'VOICE_NO_ANSWER',
  'VOICE_FAILED',
  'VOICE_TTL_EXPIRED',
  'VOICE_CAPABILITY_NOT_AVAILABLE',
  'VOICE_MESSAGE_MONTHLY_SPEND_LIMIT',
];
const FINAL_FAILURES = new Set(FINAL_FAILURE_TYPES);

/** One delivery receipt, as the handler uses it. */
export type DeliveryReceipt = {
  /**
   * What makes this receipt itself: `<messageId>#<eventType>#<eventTimestamp as ISO 8601>` (ISO, not the epoch
   * digits, which log scrubbing would take for a phone number). The event carries no id of its own;
   * SNS redelivers the same JSON (and a republished event is the same three fields), while two different receipts
   * of one message differ in type or time. The SNS MessageId is not used: it changes if End User Messaging publishes
   * the same event twice.
   */
  receiptId: string;
  messageId: string;
  eventType: string;
  /** `eventType` lower-cased without its `TEXT_`/`VOICE_` prefix: `delivered`, `carrier_unreachable`, `completed`… */
  status: string;
  channel: ReceiptChannel;
  eventTimestamp: number;
  messageRequestTimestamp?: number;
  isFinal: boolean;
  /** The final outcome is "not delivered": one DLQ record. */
  finalFailure: boolean;
  /** Delivered (SMS) or completed (call): counts for time to handset. */
  success: boolean;
  country?: string;
  /** Okta's event id, from the send's `Context`. */
  eventId?: string;
  messageStatus?: string;
  messageStatusDescription?: string;
};

/** A delivery event that cannot be read: the record is dropped with a WARN (retrying would not help). */
export class UnreadableReceiptError extends Error {
  public override readonly name = 'UnreadableReceiptError';
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const str = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

const num = (value: unknown) => {
  const n = typeof value === 'string' && value.trim() ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

/** `TEXT_CARRIER_UNREACHABLE` → `carrier_unreachable`. */
export const receiptStatusOf = (eventType: string): string =>
  eventType.replace(/^(TEXT|VOICE)_/, '').toLowerCase();

/**
 * Reads one delivery event (an SNS record's `Message`, JSON text, or the parsed object).
 *
 * @param message - the event
 * @throws UnreadableReceiptError when it is not JSON, not an SMS or voice event, or lacks its message id or time
 */
export function parseDeliveryReceipt(message: unknown): DeliveryReceipt {
  let event: unknown = message;
  if (typeof message === 'string') {
    try {
      event = JSON.parse(message);
    } catch {
      throw new UnreadableReceiptError('Delivery event is not JSON');
    }
  }
  if (!isRecord(event)) throw new UnreadableReceiptError('Delivery event is not an object');
  const eventType = str(event.eventType)?.toUpperCase();
  const channel: ReceiptChannel | undefined = eventType?.startsWith('TEXT_')
    ? 'sms'
    : eventType?.startsWith('VOICE_')
      ? 'voice'
      : undefined;
  if (!eventType || !channel) throw new UnreadableReceiptError('Delivery event is not an SMS or voice event');
  const messageId = str(event.messageId);
  if (!messageId) throw new UnreadableReceiptError('Delivery event has no messageId');
  const eventTimestamp = num(event.eventTimestamp);
  if (eventTimestamp === undefined) throw new UnreadableReceiptError('Delivery event has no eventTimestamp');
  const success = SUCCESS_TYPES.has(eventType);
  // Progress receipts (TEXT_QUEUED, TEXT_PENDING, VOICE_RINGING, …) are never final by themselves.
  const isFinal =
    typeof event.isFinal === 'boolean' ? event.isFinal : success || FINAL_FAILURES.has(eventType);
  const context = isRecord(event.context) ? event.context : {};
  const country = str(event.isoCountryCode)?.toUpperCase();
  const messageRequestTimestamp = num(event.messageRequestTimestamp);
  const eventId = str(context.eventId);
  const messageStatus = str(event.messageStatus);
  const messageStatusDescription = str(event.messageStatusDescription);
  return {
    receiptId: `${messageId}#${eventType}#${new Date(eventTimestamp).toISOString()}`,
    messageId,
    eventType,
    status: receiptStatusOf(eventType),
    channel,
    eventTimestamp,
    ...(messageRequestTimestamp === undefined ? {} : { messageRequestTimestamp }),
    isFinal,
    finalFailure: isFinal && !success,
    success,
    ...(country && /^[A-Z]{2}$/.test(country) ? { country } : {}),
    ...(eventId ? { eventId } : {}),
    ...(messageStatus ? { messageStatus } : {}),
    // Free text from the carrier may echo the number: scrubbed like a log line before it is kept anywhere.
    ...(messageStatusDescription
      ? { messageStatusDescription: scrubText(messageStatusDescription).slice(0, 200) }
      : {}),
  };
}

/**
 * Milliseconds from the send to the handset, for a delivered or completed receipt: `eventTimestamp −
 * messageRequestTimestamp` (End User Messaging's clocks, both), or undefined.
 */
export function timeToHandsetMs(receipt: DeliveryReceipt): number | undefined {
  // TEXT_SUCCESSFUL is the carrier taking the message, not the handset getting it.
  if (!HANDSET_TYPES.has(receipt.eventType) || receipt.messageRequestTimestamp === undefined)
    return undefined;
  const ms = receipt.eventTimestamp - receipt.messageRequestTimestamp;
  return ms >= 0 ? ms : undefined;
}

/** A receipt as the message item keeps it (no phone number, no free text beyond the status description). */
export type StoredReceipt = {
  receiptId: string;
  eventType: string;
  status: string;
  eventTimestamp: number;
  isFinal: boolean;
  messageStatusDescription?: string;
};

/** The stored form of a receipt. */
export const storedReceipt = (receipt: DeliveryReceipt): StoredReceipt => ({
  receiptId: receipt.receiptId,
  eventType: receipt.eventType,
  status: receipt.status,
  eventTimestamp: receipt.eventTimestamp,
  isFinal: receipt.isFinal,
  ...(receipt.messageStatusDescription ? { messageStatusDescription: receipt.messageStatusDescription } : {}),
});

/**
 * The message's delivery status from all its receipts, whatever order they came in: a final receipt wins over any
 * non-final one (the latest final, if there are several); otherwise the latest by `eventTimestamp`.
 *
 * @param receipts - every receipt recorded for the message
 */
export function currentReceipt(receipts: readonly StoredReceipt[]): StoredReceipt | undefined {
  let best: StoredReceipt | undefined;
  for (const receipt of receipts) {
    if (!best) best = receipt;
    else if (receipt.isFinal !== best.isFinal) {
      if (receipt.isFinal) best = receipt;
    } else if (receipt.eventTimestamp >= best.eventTimestamp) best = receipt;
  }
  return best;
}
