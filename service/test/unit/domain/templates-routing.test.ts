// The template fallback chain and origination routing: pure rules, no AWS.
import { describe, expect, it } from 'vitest';
import { UndeliverableError } from '../../../src/domain/errors.js';
import { localeCandidates, normaliseLocale } from '../../../src/domain/locale.js';
import { chooseOriginationIdentity, routingConfigFrom } from '../../../src/domain/routing.js';
import { BUILTIN_TEMPLATES, chooseTemplate, type TemplateValue } from '../../../src/domain/templates.js';

const table = new Map<string, TemplateValue>([
  ['sms#es-mx', { body: 'MX {{otp}}' }],
  ['sms#es', { body: 'ES {{otp}}' }],
  ['sms#en', { body: 'EN {{otp}}' }],
  ['voice#en', { body: 'Voice EN {{otp}}', voiceId: 'JOANNA' }],
]);

describe('locale fallback chain', () => {
  it('normalises Okta spellings', () => {
    expect(normaliseLocale('EN-US')).toBe('en-us');
    expect(normaliseLocale('es_MX')).toBe('es-mx');
    expect(normaliseLocale('  ')).toBeUndefined();
  });

  it('tries exact, then language, then the default language', () => {
    expect(localeCandidates('es-mx', 'en').map((c) => `${c.locale}:${c.level}`)).toEqual([
      'es-mx:exact',
      'es:language',
      'en:default',
    ]);
  });

  it.each([
    ['es-mx', 'MX {{otp}}', 'exact'],
    ['es-ar', 'ES {{otp}}', 'language'],
    ['ko-kr', 'EN {{otp}}', 'default'],
    [undefined, 'EN {{otp}}', 'default'],
  ])('picks the SMS template for %s', (locale, body, level) => {
    const chosen = chooseTemplate(table, 'sms', locale, 'en');
    expect(chosen.template.body).toBe(body);
    expect(chosen.level).toBe(level);
  });

  it("falls back to Okta's msgTemplate for SMS when the table has nothing usable", () => {
    const chosen = chooseTemplate(new Map(), 'sms', 'fr', 'en', 'Okta says 123456');
    expect(chosen).toMatchObject({ level: 'okta', verbatim: true, template: { body: 'Okta says 123456' } });
  });

  it("falls back to Okta's msgTemplate when the table is unreachable", () => {
    expect(chooseTemplate(undefined, 'sms', 'fr', 'en', 'Okta says 123456').level).toBe('okta');
  });

  it('falls back to the built-in template last, and for voice never uses the SMS text', () => {
    expect(chooseTemplate(undefined, 'sms', 'fr', 'en')).toMatchObject({
      level: 'builtin',
      template: BUILTIN_TEMPLATES.sms,
    });
    expect(chooseTemplate(undefined, 'voice', 'fr', 'en', 'Okta says 1')).toMatchObject({
      level: 'builtin',
      template: BUILTIN_TEMPLATES.voice,
    });
  });
});

describe('origination routing', () => {
  const config = routingConfigFrom({
    defaultOriginationIdentity: '+12065550100',
    originationIdentities: { gb: 'OKTAMFA' },
    allowedCountries: ['US', 'GB', 'fr'],
  });

  it('uses the country identity, else the default', () => {
    expect(chooseOriginationIdentity('GB', config)).toBe('OKTAMFA');
    expect(chooseOriginationIdentity('US', config)).toBe('+12065550100');
  });

  it('refuses a country that is not allowed', () => {
    expect(() => chooseOriginationIdentity('KR', config)).toThrowError(
      expect.objectContaining({ reason: 'country_not_allowed' }),
    );
  });

  it('refuses an allowed country with no identity when there is no default', () => {
    const noDefault = routingConfigFrom({ originationIdentities: {}, allowedCountries: ['*'] });
    const error = (() => {
      try {
        chooseOriginationIdentity('FR', noDefault);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UndeliverableError);
    expect((error as UndeliverableError).reason).toBe('no_origination_identity');
  });

  it('tolerates malformed config items', () => {
    expect(routingConfigFrom({ originationIdentities: 'x', allowedCountries: 'US' })).toEqual({
      originationIdentities: {},
      allowedCountries: [],
    });
  });
});
