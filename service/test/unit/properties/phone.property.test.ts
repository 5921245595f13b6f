// Property: any string Okta may send as phoneNumber reads as a valid E.164 destination or as none, never an error;
// a real number reads the same however it is written.
import fc from 'fast-check';
import { type CountryCode, getCountries, getExampleNumber } from 'libphonenumber-js';
import examples from 'libphonenumber-js/examples.mobile.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { readDestination } from '../../../src/domain/phone.js';
import { fuzz } from './runs.js';

/** Every region's example mobile number, as libphonenumber's metadata gives it. */
const exampleNumbers = getCountries()
  .map((country) => getExampleNumber(country, examples))
  .filter((n): n is NonNullable<typeof n> => n?.isValid() === true);

/** Ways people and systems write the same number. */
const writings = fc.constantFrom(
  (n: (typeof exampleNumbers)[number]) => n.number,
  (n: (typeof exampleNumbers)[number]) => n.number.slice(1),
  (n: (typeof exampleNumbers)[number]) => `00${n.number.slice(1)}`,
  (n: (typeof exampleNumbers)[number]) => n.formatInternational(),
  (n: (typeof exampleNumbers)[number]) => n.formatInternational().replace(/ /g, '-'),
  (n: (typeof exampleNumbers)[number]) => ` ${n.formatInternational().replace(/ /g, '.')} `,
);

describe('readDestination, for any string', () => {
  it('returns a valid E.164 number with its country, or nothing, and never throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[+0-9 ().-]{0,40}$/)),
        fc.option(fc.constantFrom<CountryCode>('US', 'GB', 'DE', 'IN'), { nil: undefined }),
        (raw, region) => {
          const destination = readDestination(raw, region);
          if (destination === undefined) return;
          expect(destination.phone).toMatch(/^\+[1-9]\d{6,14}$/);
          expect(destination.country).toMatch(/^[A-Z]{2}$/);
          // What it read is a fixed point: reading the E.164 form again gives the same destination.
          expect(readDestination(destination.phone)).toEqual(destination);
        },
      ),
      fuzz,
    );
  });

  it('reads every region’s numbers the same with +, 00, without a prefix, or with separators', () => {
    fc.assert(
      fc.property(fc.constantFrom(...exampleNumbers), writings, (number, write) => {
        expect(readDestination(write(number))?.phone).toBe(number.number);
      }),
      fuzz,
    );
  });
});
