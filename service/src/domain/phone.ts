import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';
import type { NumberingPlan } from './redact.js';

/** A destination read from Okta's `phoneNumber`: E.164 and its country, or nothing when it is not a number. */
export type Destination = { phone: string; country: string } | undefined;

/** Okta's numbers have at most 15 digits (E.164); anything much longer is not a number, whatever it parses to. */
const MAX_INPUT_LENGTH = 64;

/**
 * Whether `region` is an ISO 3166-1 alpha-2 code libphonenumber knows (for the `DEFAULT_PHONE_REGION` setting).
 *
 * @param region - e.g. `US`
 */
export function isPhoneRegion(region: string): region is CountryCode {
  return isSupportedCountry(region);
}

/**
 * Reads whatever Okta sent as `phoneNumber`. Okta stores numbers with their country code, so digits without `+`
 * (`14155550123`) are read as an international number first, and a `00` international prefix as `+`. Only when that
 * is not a valid number, and a default region is set, are the digits read as a national number of that region
 * (`4155550123` with `US`). Spaces, dashes, dots and brackets are ignored. Anything else (`abc`, `+`, 40 digits,
 * Okta's preview `9876543210`) is no destination: a valid request that cannot be delivered.
 *
 * @param raw - `data.messageProfile.phoneNumber` as sent
 * @param defaultRegion - the `DEFAULT_PHONE_REGION` setting, if any
 */
export function readDestination(raw: string, defaultRegion?: CountryCode): Destination {
  if (raw.length > MAX_INPUT_LENGTH) return undefined;
  const compact = raw.trim().replace(/[\s().-]/g, '');
  if (!/^(\+|00)?\d{1,17}$/.test(compact)) return undefined;
  const international = compact.startsWith('+')
    ? compact
    : compact.startsWith('00')
      ? `+${compact.slice(2)}`
      : `+${compact}`;
  const asInternational = valid(international) ?? legacyForm(international);
  if (asInternational || compact.startsWith('+') || compact.startsWith('00') || !defaultRegion) {
    return asInternational;
  }
  return valid(compact, defaultRegion);
}

/**
 * A number Okta stores in a form its country has retired, read as the current one: Mexico's mobile `+52 1 …` (the
 * `1` Mexico dropped in 2019, still in many Okta profiles) becomes `+52 …` ({@link RETIRED_FORMS}); otherwise the
 * digits after the country code are dialled as a national number of that country, whose numbering data strips what
 * its dialling rules strip (a `+44 (0)20 …` written with its trunk `0` becomes `+44 20 …`, a `+1 1 415 …` becomes
 * `+1 415 …`). Only a valid number of the same country counts.
 */
function legacyForm(international: string): Destination {
  for (const [retired, current] of RETIRED_FORMS) {
    if (retired.test(international)) return valid(international.replace(retired, current));
  }
  const parsed = parsePhoneNumberFromString(international);
  if (!parsed?.country || !parsed.nationalNumber) return undefined;
  const current = valid(parsed.nationalNumber, parsed.country);
  return current?.country === parsed.country ? current : undefined;
}

/**
 * Retired forms the numbering data no longer knows, each with its current form: Mexico's mobile `1` after `+52`,
 * dropped on 2019-08-03 (IFT's numbering plan); libphonenumber removed it from Mexico's dialling rules since.
 */
const RETIRED_FORMS: ReadonlyArray<readonly [RegExp, string]> = [[/^\+521(\d{10})$/, '+52$1']];

function valid(text: string, region?: CountryCode): Destination {
  const parsed = parsePhoneNumberFromString(text, region);
  if (!parsed?.isValid() || !parsed.country) return undefined;
  return { phone: parsed.number, country: parsed.country };
}

/**
 * The numbering plan of libphonenumber's default metadata, for masking ({@link NumberingPlan}): the country calling
 * code and national number as libphonenumber reads them; with `mustBeValid`, only a valid number.
 */
export const phoneLibraryPlan: NumberingPlan = (e164, mustBeValid) => {
  const number = parsePhoneNumberFromString(e164);
  if (!number?.nationalNumber || (mustBeValid && !number.isValid())) return undefined;
  return { countryCode: number.countryCallingCode, national: number.nationalNumber };
};
