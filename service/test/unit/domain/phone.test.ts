// Reading Okta's phoneNumber: international first (Okta stores numbers with their country code), national only with
// a default region, and anything that is not a number is no destination rather than an error.
import { describe, expect, it } from 'vitest';
import { readDestination } from '../../../src/domain/phone.js';

describe('readDestination', () => {
  it.each([
    ['+14155550123', '+14155550123', 'US'],
    ['14155550123', '+14155550123', 'US'],
    ['+1 (415) 555-0123', '+14155550123', 'US'],
    ['0044 20 7946 0123', '+442079460123', 'GB'],
    ['00525555550100', '+525555550100', 'MX'],
    ['525555550100', '+525555550100', 'MX'],
  ])('reads %s as %s', (raw, phone, country) => {
    expect(readDestination(raw)).toEqual({ phone, country });
  });

  it.each([
    ['abc'],
    ['+'],
    [''],
    ['1'.repeat(40)],
    ['9876543210'], // Okta's preview tab: no country code
    ['+1415555012x'],
    ['+44 20 7946 0123 ext 5'],
  ])('finds no destination in %j', (raw) => {
    expect(readDestination(raw)).toBeUndefined();
  });

  it('reads digits as an international number before a national one, even with a default region', () => {
    // 44 20 7946 0123 is a valid UK number; as a US national number it would be nonsense.
    expect(readDestination('442079460123', 'US')).toEqual({ phone: '+442079460123', country: 'GB' });
  });

  it('reads digits that are no international number as a national number of the default region', () => {
    expect(readDestination('4155550123')).toBeUndefined();
    expect(readDestination('(415) 555-0123', 'US')).toEqual({ phone: '+14155550123', country: 'US' });
    expect(readDestination('07400 123456', 'GB')).toEqual({ phone: '+447400123456', country: 'GB' });
  });

  it.each([
    // Mexico dropped the mobile 1 after +52 in 2019; many Okta profiles still hold it.
    ['+5215512345678', '+525512345678', 'MX'],
    ['+52 1 33 1234 5678', '+523312345678', 'MX'],
    ['5218112345678', '+528112345678', 'MX'],
    ['00 52 1 55 1234 5678', '+525512345678', 'MX'],
    // A trunk prefix written after the country code, as the numbering data dials it.
    ['+44 (0)20 7946 0123', '+442079460123', 'GB'],
    ['+1 1 415 555 0123', '+14155550123', 'US'],
  ])('reads the retired form %s as the current %s', (raw, phone, country) => {
    expect(readDestination(raw)).toEqual({ phone, country });
  });

  it('reads no retired form into a number that is not valid', () => {
    expect(readDestination('+521551234567')).toBeUndefined(); // one digit short
    expect(readDestination('+5211234')).toBeUndefined();
    expect(readDestination('+1 1 999 555 0123')).toBeUndefined(); // no area code 999
  });

  it('never reads a number written with + or 00 as national', () => {
    expect(readDestination('+4155550123', 'US')).toBeUndefined();
    expect(readDestination('004155550123', 'US')).toBeUndefined();
  });
});
