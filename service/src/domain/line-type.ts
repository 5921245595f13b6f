/**
 * A number's line type from its carrier (End User Messaging `CarrierLookup`), read once at enrolment and kept: it
 * decides the voice fallback (a landline gets a call) instead of libphonenumber's guess from the numbering plan, and
 * which enrolments are refused (`refusedLineTypes`: numbers no carrier serves as a phone). The rules are here; the
 * lookup and the table behind {@link LineTypeSource} are adapters.
 */
import { PRE_ENROLLMENT_REQUEST_TYPE } from './abuse-guard.js';
import type { DeliveryRequest } from './hook-request.js';
import { isLandline } from './routing.js';

/** `CarrierLookup`'s `PhoneNumberType` values (there is no VOIP: such numbers come back as OTHER or MOBILE). */
export const LINE_TYPES = ['MOBILE', 'LANDLINE', 'OTHER', 'INVALID'] as const;
/** One of {@link LINE_TYPES}. */
export type LineType = (typeof LINE_TYPES)[number];

/** `carrierLookup`: `off`, or `enrolment` (one lookup per number enrolled, kept for {@link LINE_TYPE_RETENTION_DAYS}). */
export const CARRIER_LOOKUP_MODES = ['off', 'enrolment'] as const;
/** One of {@link CARRIER_LOOKUP_MODES}. */
export type CarrierLookupMode = (typeof CARRIER_LOOKUP_MODES)[number];

/** How long a number's line type is kept: numbers are ported and reassigned, so not for ever. */
export const LINE_TYPE_RETENTION_DAYS = 90;

/**
 * The longest a request waits for the line type (a lookup at enrolment, else the kept one). It runs beside the abuse
 * guard; past it, the request goes on with the numbering plan's guess (fail open).
 */
export const LINE_TYPE_WAIT_MS = 400;

/**
 * Port: line types. `lookup` asks the carrier (and keeps the answer); `stored` reads a kept one. Both may throw;
 * the caller bounds and ignores failures.
 */
export interface LineTypeSource {
  lookup(phone: string, numberDigest: string, waitMs: number): Promise<LineType | undefined>;
  stored(numberDigest: string, waitMs: number): Promise<LineType | undefined>;
}

/** What the line type settings ask of one request. */
export type LineTypeSettings = {
  carrierLookup: CarrierLookupMode;
  /** Refused at enrolment (e.g. INVALID, OTHER). */
  refusedLineTypes: readonly LineType[];
  /** Whether a landline's SMS becomes a call. */
  voiceFallback: boolean;
};

/** Where the line type came from: the carrier now, the carrier at enrolment (kept), or none to be had. */
export type LineTypeReading = {
  lineType?: LineType;
  source: 'lookup' | 'stored' | 'none';
  /** The lookup or read failed or was too slow: the numbering plan decides. */
  failed?: true;
};

/**
 * Whether the request needs a line type: at enrolment with `carrierLookup: enrolment` (the lookup), and on any SMS
 * where the voice fallback could turn it into a call (the kept type).
 *
 * @param request - the request
 * @param settings - the line type settings
 */
export function lineTypeWanted(
  request: Pick<DeliveryRequest, 'requestType' | 'channel' | 'phone' | 'numberDigest'>,
  settings: LineTypeSettings,
): 'lookup' | 'stored' | undefined {
  if (settings.carrierLookup === 'off' || !request.phone || !request.numberDigest) return undefined;
  if (request.requestType === PRE_ENROLLMENT_REQUEST_TYPE) return 'lookup';
  return settings.voiceFallback && request.channel === 'sms' ? 'stored' : undefined;
}

/**
 * Whether the number is a landline: the carrier's answer where there is one (a ported mobile number is texted even
 * where the numbering plan says fixed line), else libphonenumber's guess.
 *
 * @param phone - E.164
 * @param reading - the line type reading, if any
 */
export function isLandlineNumber(phone: string, reading: LineTypeReading | undefined): boolean {
  if (reading?.lineType === 'LANDLINE') return true;
  if (reading?.lineType === 'MOBILE') return false;
  return isLandline(phone);
}

/**
 * Whether an enrolment is refused for its line type (`refusedLineTypes`); never without a carrier's answer.
 *
 * @param request - the request
 * @param reading - the lookup's reading
 * @param settings - the line type settings
 */
export function refusedLineType(
  request: Pick<DeliveryRequest, 'requestType'>,
  reading: LineTypeReading | undefined,
  settings: Pick<LineTypeSettings, 'refusedLineTypes'>,
): boolean {
  return (
    request.requestType === PRE_ENROLLMENT_REQUEST_TYPE &&
    reading?.lineType !== undefined &&
    settings.refusedLineTypes.includes(reading.lineType)
  );
}
