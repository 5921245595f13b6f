/**
 * End User Messaging `CarrierLookup`, as the messaging stand-in answers it, by a documented rule (no carrier data here):
 * - a number libphonenumber cannot read as valid: `INVALID`;
 * - a US or Canadian number (where the numbering plan cannot tell mobile from fixed line) whose line number starts
 *   with 9 (`+1 415 555 9xxx`): `LANDLINE`, so tests can show the carrier deciding where the plan cannot; other US and
 *   Canadian numbers: `MOBILE`;
 * - elsewhere by libphonenumber's type: `MOBILE` → MOBILE, `FIXED_LINE` → LANDLINE, `FIXED_LINE_OR_MOBILE` → MOBILE,
 *   anything else (VOIP, toll-free, premium-rate, pager, UAN, personal number…) → `OTHER`.
 * The request's `PhoneNumber` must match the API's pattern (E.164 with formatting characters allowed), else
 * ValidationException; formatting is stripped as AWS does. MCC and MNC come only for mobile numbers (illustrative).
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { AwsError } from './aws-json.js';

/** The API reference's `PhoneNumber` pattern (1–40 characters). */
const PHONE_NUMBER = /^\+[({\s[]?[1-9][0-9(){}\s[\],.-]{1,38}$/;

/** `CarrierLookup`'s answer. */
export type CarrierLookupResult = {
  E164PhoneNumber: string;
  DialingCountryCode?: string;
  IsoCountryCode?: string;
  Country?: string;
  MCC?: string;
  MNC?: string;
  Carrier?: string;
  PhoneNumberType: 'MOBILE' | 'LANDLINE' | 'OTHER' | 'INVALID';
};

/**
 * Answers one `CarrierLookup` by the rule above.
 *
 * @param input - the request's JSON
 */
export function carrierLookup(input: Record<string, unknown>): CarrierLookupResult {
  const raw = input.PhoneNumber;
  if (typeof raw !== 'string' || raw.length > 40 || !PHONE_NUMBER.test(raw)) {
    throw new AwsError(
      'ValidationException',
      'PhoneNumber must be an E.164 number (formatting characters allowed)',
    );
  }
  const e164 = `+${raw.replace(/\D/g, '')}`;
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed?.isValid()) return { E164PhoneNumber: e164, PhoneNumberType: 'INVALID' };
  const country = parsed.country;
  const base = {
    E164PhoneNumber: parsed.number,
    DialingCountryCode: parsed.countryCallingCode,
    ...(country ? { IsoCountryCode: country, Country: country } : {}),
  };
  let type: CarrierLookupResult['PhoneNumberType'];
  if (country === 'US' || country === 'CA') {
    type = parsed.nationalNumber.charAt(6) === '9' ? 'LANDLINE' : 'MOBILE';
  } else {
    const planned = parsed.getType();
    type =
      planned === 'MOBILE' || planned === 'FIXED_LINE_OR_MOBILE'
        ? 'MOBILE'
        : planned === 'FIXED_LINE'
          ? 'LANDLINE'
          : 'OTHER';
  }
  return {
    ...base,
    PhoneNumberType: type,
    ...(type === 'MOBILE' ? { MCC: '001', MNC: '01', Carrier: 'Local Mobile' } : {}),
    ...(type === 'LANDLINE' ? { Carrier: 'Local Fixed' } : {}),
  };
}
