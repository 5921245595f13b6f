/**
 * The two numbering plans masking reads numbers with: libphonenumber's (the DLQ record, the tools) and the table of
 * country calling codes (the logger, so that the authorizer does without libphonenumber).
 */
import { getCountries, getCountryCallingCode, getExampleNumber } from 'libphonenumber-js';
import examples from 'libphonenumber-js/examples.mobile.json' with { type: 'json' };
import metadata from 'libphonenumber-js/metadata.min.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { phoneLibraryPlan } from '../../../src/domain/phone.js';
import { callingCodePlan, maskPhone, scrubText } from '../../../src/domain/redact.js';

describe('the calling-code plan', () => {
  it('knows exactly the country calling codes of libphonenumber’s metadata', () => {
    // Prepare: every 1- to 3-digit code, each followed by enough digits to be read
    const known = new Set(Object.keys(metadata.country_calling_codes));
    const candidates = Array.from({ length: 999 }, (_, i) => String(i + 1));

    // Act
    const read = candidates.filter((code) => callingCodePlan(`+${code}1234567`, false)?.countryCode === code);

    // Assess
    expect(read.sort()).toEqual([...known].sort());
  });

  it('splits every country’s example number as libphonenumber does', () => {
    for (const country of getCountries()) {
      const example = getExampleNumber(country, examples);
      if (!example) continue;
      expect(callingCodePlan(example.number, false), country).toEqual(
        phoneLibraryPlan(example.number, false),
      );
      expect(maskPhone(example.number, callingCodePlan), country).toBe(maskPhone(example.number));
      expect(example.countryCallingCode).toBe(getCountryCallingCode(country));
    }
  });

  it('never reads digits without + as a number: it cannot tell a valid one, so they are masked conservatively', () => {
    expect(callingCodePlan('+14155550123', true)).toBeUndefined();
    expect(maskPhone('14155550123', callingCodePlan)).toBe('*********23');
    expect(maskPhone('14155550123')).toBe('+1 *******123');
  });

  it('reads nothing it has no code for, nor national numbers too short or too long to be read', () => {
    expect(callingCodePlan('+999123456789', false)).toBeUndefined();
    expect(callingCodePlan('+441', false)).toBeUndefined();
    expect(callingCodePlan(`+44${'1'.repeat(18)}`, false)).toBeUndefined();
  });

  it('masks numbers in free text as the logger does, never leaving one whole', () => {
    // Act
    const scrubbed = scrubText('to +44 20 7946 0958 and 415-555-0123 or 14155550123', [], callingCodePlan);

    // Assess
    expect(scrubbed).toBe('to +44 *******958 and ********23 or *********23');
  });
});
