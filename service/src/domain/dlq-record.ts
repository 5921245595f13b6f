import type { DeliveryRequest } from './hook-request.js';
import { maskPhone, SecretSet, scrubText } from './redact.js';

/** Version of the DLQ record shape; bump on any breaking change (the `dlq` tool and pact read it). */
export const DLQ_RECORD_VERSION = 1;

/** A redacted record of one failed delivery. Never holds the OTP or the full phone number. */
export type DlqRecord = {
  version: typeof DLQ_RECORD_VERSION;
  eventId: string | null;
  requestId: string;
  requestType: string;
  channel: string;
  country: string | null;
  phone: string;
  locale: string | null;
  error: { name: string; reason: string; message: string };
  attempts: number;
  elapsedMs: number;
  timestamp: string;
};

/**
 * Builds the DLQ record for a failed delivery, scrubbed as a whole: every string copied from the request or the
 * failure (event id, request id, request type, locale, the error) goes through the same scrubbing as log lines,
 * with the request's code and Okta's message as its secrets, so whatever a field carries (a code, a full number),
 * only `[REDACTED]` and masked numbers reach the queue. Provider messages can echo the request too.
 *
 * @param request - the delivery request
 * @param failure - what went wrong
 * @param elapsedMs - time since the handler started
 * @param now - clock, for tests
 */
export function buildDlqRecord(
  request: DeliveryRequest,
  failure: { name: string; reason: string; message: string; attempts: number },
  elapsedMs: number,
  now = new Date(),
): DlqRecord {
  const secrets = new SecretSet([request.otpCode, request.oktaMessage]);
  const scrub = (text: string) => scrubText(text, secrets);
  return {
    version: DLQ_RECORD_VERSION,
    eventId: request.eventId === undefined ? null : scrub(request.eventId),
    requestId: scrub(request.requestId),
    requestType: scrub(request.requestType),
    channel: request.channel,
    country: request.country ?? null,
    phone: maskPhone(request.phone ?? request.rawPhone),
    locale: request.locale === undefined ? null : scrub(request.locale),
    error: {
      name: scrub(failure.name),
      reason: scrub(failure.reason),
      message: scrub(failure.message).slice(0, 500),
    },
    attempts: failure.attempts,
    elapsedMs: Math.round(elapsedMs),
    timestamp: now.toISOString(),
  };
}

/**
 * The DLQ record of a message End User Messaging accepted and then could not deliver (a final failure receipt:
 * carrier unreachable, blocked, TTL expired, no answer…): the response rules' "accepted, then a failed delivery
 * receipt" row. One per receipt (`receiptId`). It shares the delivery record's `version`, `eventId`, `channel`,
 * `country`, `phone`, `error` and `timestamp`, so the `dlq` tool lists both; `kind` tells them apart. Never the code
 * (a receipt does not carry it) nor the full number.
 */
export type ReceiptDlqRecord = {
  version: typeof DLQ_RECORD_VERSION;
  kind: 'receipt';
  eventId: string | null;
  messageId: string;
  receiptId: string;
  channel: string;
  country: string | null;
  phone: string;
  /** The receipt's status (`carrier_unreachable`, `no_answer`, …). */
  status: string;
  error: { name: 'DeliveryReceiptFailure'; reason: string; message: string };
  timestamp: string;
};

/**
 * Builds the DLQ record of a final failure receipt.
 *
 * @param receipt - what the receipt says; `phone` is already masked (from the message item), or absent
 * @param now - clock, for tests
 */
export function buildReceiptDlqRecord(
  receipt: {
    eventId?: string;
    messageId: string;
    receiptId: string;
    channel: string;
    country?: string;
    phone?: string;
    status: string;
    eventType: string;
    description?: string;
  },
  now = new Date(),
): ReceiptDlqRecord {
  return {
    version: DLQ_RECORD_VERSION,
    kind: 'receipt',
    eventId: receipt.eventId === undefined ? null : scrubText(receipt.eventId),
    messageId: scrubText(receipt.messageId),
    receiptId: scrubText(receipt.receiptId),
    channel: receipt.channel,
    country: receipt.country ?? null,
    // Already masked when it comes from the message item; masking a mask keeps it as it is.
    phone: receipt.phone ? scrubText(receipt.phone) : '-',
    status: receipt.status,
    error: {
      name: 'DeliveryReceiptFailure',
      reason: receipt.status,
      message: scrubText(
        `${receipt.eventType}${receipt.description ? `: ${receipt.description}` : ''}`,
      ).slice(0, 500),
    },
    timestamp: now.toISOString(),
  };
}
