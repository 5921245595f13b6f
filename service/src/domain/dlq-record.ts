import type { DeliveryRequest } from './hook-request.js';
import { maskPhone, scrubText } from './redact.js';

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
 * Builds the DLQ record for a failed delivery. The error message is scrubbed of the code and phone numbers:
 * provider messages can echo the request.
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
  return {
    version: DLQ_RECORD_VERSION,
    eventId: request.eventId ?? null,
    requestId: request.requestId,
    requestType: request.requestType,
    channel: request.channel,
    country: request.country ?? null,
    phone: maskPhone(request.phone ?? request.rawPhone),
    locale: request.locale ?? null,
    error: {
      name: failure.name,
      reason: failure.reason,
      message: scrubText(failure.message, [request.otpCode]).slice(0, 500),
    },
    attempts: failure.attempts,
    elapsedMs: Math.round(elapsedMs),
    timestamp: now.toISOString(),
  };
}
