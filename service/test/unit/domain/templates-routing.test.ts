// The template fallback chain and origination routing: pure rules, no AWS.
import { describe, expect, it } from 'vitest';
import { UndeliverableError } from '../../../src/domain/errors.js';
import { localeCandidates, normaliseLocale } from '../../../src/domain/locale.js';
import { templateCarriesCode } from '../../../src/domain/render.js';
import {
  chooseOriginationIdentities,
  chooseOriginationIdentity,
  isLandline,
  isVoiceCapable,
  originationIdentityKind,
  originationIdentityProblems,
  routingConfigFrom,
} from '../../../src/domain/routing.js';
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

describe('templates that do not carry the code', () => {
  it.each(['Code {{otp}}', 'Code {{ otp }}', 'Code {{otp }} and {{minutes}}'])(
    'counts %j as carrying the code, in every spelling the renderer accepts',
    (body) => {
      expect(templateCarriesCode(body)).toBe(true);
    },
  );

  it.each(['Hello', 'Code {{OTP}}', 'Code {otp}', 'Code {{code}}', ''])(
    'counts %j as missing the code',
    (body) => {
      expect(templateCarriesCode(body)).toBe(false);
    },
  );

  it('skips a stored template without {{otp}} and uses the next level, naming what it skipped', () => {
    // Prepare
    const withBroken = new Map(table).set('sms#es-mx', { body: 'Hola, tu código llega pronto' });

    // Act
    const chosen = chooseTemplate(withBroken, 'sms', 'es-mx', 'en');

    // Assess
    expect(chosen).toMatchObject({ level: 'language', locale: 'es', template: { body: 'ES {{otp}}' } });
    expect(chosen.skipped).toEqual(['sms#es-mx']);
  });

  it('skips every stored level without the code, then falls back to Okta for SMS', () => {
    // Prepare
    const broken = new Map<string, TemplateValue>([
      ['sms#es-mx', { body: 'MX' }],
      ['sms#es', { body: 'ES {{OTP}}' }],
      ['sms#en', { body: 'EN' }],
    ]);

    // Act
    const chosen = chooseTemplate(broken, 'sms', 'es-mx', 'en', 'Okta says 123456');

    // Assess
    expect(chosen).toMatchObject({ level: 'okta', verbatim: true, template: { body: 'Okta says 123456' } });
    expect(chosen.skipped).toEqual(['sms#es-mx', 'sms#es', 'sms#en']);
  });

  it('skips a stored voice template without {{otp}} instead of appending the code to it', () => {
    // Prepare
    const voice = new Map<string, TemplateValue>([
      ['voice#en', { body: 'Hello, please hold', voiceId: 'JOANNA' }],
    ]);

    // Act
    const chosen = chooseTemplate(voice, 'voice', 'en', 'en');

    // Assess
    expect(chosen).toMatchObject({ level: 'builtin', template: BUILTIN_TEMPLATES.voice });
    expect(chosen.skipped).toEqual(['voice#en']);
  });

  it('accepts {{ otp }} with spaces and skips nothing when every template carries the code', () => {
    const spaced = new Map<string, TemplateValue>([['sms#en', { body: 'Code: {{ otp }}' }]]);

    expect(chooseTemplate(spaced, 'sms', 'en', 'en')).toMatchObject({ level: 'exact', skipped: [] });
    expect(chooseTemplate(table, 'sms', 'es-mx', 'en').skipped).toEqual([]);
  });
});

describe('origination identities', () => {
  it.each([
    ['+447700900123', 'phone-number'],
    [`phone-${'0a'.repeat(16)}`, 'phone-number'],
    [`pool-${'b1'.repeat(16)}`, 'pool'],
    [
      'arn:aws:sms-voice:eu-west-1:123456789012:phone-number/phone-0123456789abcdef0123456789abcdef',
      'phone-number',
    ],
    ['arn:aws:sms-voice:eu-west-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef', 'pool'],
    ['arn:aws:sms-voice:eu-west-1:123456789012:sender-id/ACMEMFA/GB', 'sender-id'],
    ['ACMEMFA', 'sender-id'],
    ['ACME-MFA', 'sender-id'],
    [`senderid-${'c2'.repeat(16)}`, 'sender-id'],
  ])('reads %s as a %s', (identity, kind) => {
    expect(originationIdentityKind(identity)).toBe(kind);
  });

  it.each(['12065550100', 'not valid!', 'TOOLONGSENDERID', '', 'arn:aws:sns:us-east-1:123456789012:topic'])(
    'reads %j as no identity End User Messaging accepts',
    (identity) => {
      expect(originationIdentityKind(identity)).toBeUndefined();
    },
  );

  it('places calls only from phone numbers and pools, never from a sender ID', () => {
    expect(isVoiceCapable('+447700900123')).toBe(true);
    expect(isVoiceCapable(`pool-${'b1'.repeat(16)}`)).toBe(true);
    expect(isVoiceCapable('ACMEMFA')).toBe(false);
    expect(isVoiceCapable('arn:aws:sms-voice:eu-west-1:123456789012:sender-id/ACMEMFA/GB')).toBe(false);
    expect(isVoiceCapable('not valid!')).toBe(false);
  });

  it.each([
    ['+447700900123', []],
    ['ACMEMFA', []],
    [{ sms: 'ACMEMFA', voice: '+447700900123' }, []],
    [{ voice: `pool-${'b1'.repeat(16)}` }, []],
    [{ sms: 'ACMEMFA', voice: 'ACMEMFA' }, ['voice: "ACMEMFA" is a sender ID']],
    [{ voice: 'arn:aws:sms-voice:eu-west-1:123456789012:sender-id/ACMEMFA/GB' }, ['is a sender ID']],
    ['not valid!', ['"not valid!" is not an E.164 number']],
    [{ sms: 'not valid!' }, ['sms: "not valid!" is not an E.164 number']],
    [{}, ['give sms, voice or both']],
    [{ email: 'x' }, ['unknown channel email']],
    [42, ['an identity string, an ordered list of them, or { "sms": …, "voice": … }']],
    [[`pool-${'b1'.repeat(16)}`, '+12065550100'], []],
    [['ACMEMFA', '+12065550100'], []],
    [{ sms: ['ACMEMFA', '+12065550100'], voice: ['+12065550100', `pool-${'b1'.repeat(16)}`] }, []],
    [[], ['an empty list']],
    [{ sms: [] }, ['sms: an empty list']],
    [['+12065550100', '+12065550100'], ['"+12065550100" is listed twice']],
    [['+12065550100', '+12065550101', '+12065550102', '+12065550103'], ['lists 4 identities; at most 3']],
    [{ voice: ['+12065550100', 'ACMEMFA'] }, ['voice: "ACMEMFA" is a sender ID']],
    [{ sms: ['+12065550100', 'not valid!'] }, ['sms: "not valid!" is not an E.164 number']],
  ] as const)('checks the setting %j', (setting, expected) => {
    const problems = originationIdentityProblems(setting);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((text, i) => {
      expect(problems[i]).toContain(text);
    });
  });
});

describe('origination routing', () => {
  const config = routingConfigFrom({
    defaultOriginationIdentity: '+12065550100',
    originationIdentities: {
      gb: 'OKTAMFA',
      mx: '+525555550100',
      de: { sms: 'ACMEDE', voice: '+4930901820' },
    },
    allowedCountries: ['US', 'GB', 'MX', 'DE', 'fr'],
  });

  it('uses the country identity, else the default', () => {
    expect(chooseOriginationIdentity('GB', 'sms', config)).toBe('OKTAMFA');
    expect(chooseOriginationIdentity('US', 'sms', config)).toBe('+12065550100');
  });

  it('never calls from a sender ID: voice falls back to the default voice-capable number', () => {
    expect(chooseOriginationIdentity('GB', 'voice', config)).toBe('+12065550100');
  });

  it('uses a country phone number for both channels', () => {
    expect(chooseOriginationIdentity('MX', 'sms', config)).toBe('+525555550100');
    expect(chooseOriginationIdentity('MX', 'voice', config)).toBe('+525555550100');
  });

  it('uses per-channel identities of a country, each for its own channel', () => {
    expect(chooseOriginationIdentity('DE', 'sms', config)).toBe('ACMEDE');
    expect(chooseOriginationIdentity('DE', 'voice', config)).toBe('+4930901820');
  });

  it('takes the default per channel, and a sender ID default for SMS only', () => {
    // Prepare
    const perChannel = routingConfigFrom({
      defaultOriginationIdentity: { sms: 'ACMEMFA', voice: '+12065550100' },
      originationIdentities: {},
      allowedCountries: ['*'],
    });
    const senderOnly = routingConfigFrom({ defaultOriginationIdentity: 'ACMEMFA', allowedCountries: ['*'] });

    // Act
    const picked = [
      chooseOriginationIdentity('FR', 'sms', perChannel),
      chooseOriginationIdentity('FR', 'voice', perChannel),
      chooseOriginationIdentity('FR', 'sms', senderOnly),
    ];

    // Assess
    expect(picked).toEqual(['ACMEMFA', '+12065550100', 'ACMEMFA']);
    expect(() => chooseOriginationIdentity('FR', 'voice', senderOnly)).toThrowError(
      expect.objectContaining({ reason: 'no_origination_identity' }),
    );
  });

  it('ignores a sender ID stored as a voice identity and falls back to the default number', () => {
    // Prepare
    const handEdited = routingConfigFrom({
      defaultOriginationIdentity: '+12065550100',
      originationIdentities: { GB: { sms: 'OKTAMFA', voice: 'OKTAMFA' } },
      allowedCountries: ['GB'],
    });

    // Act
    const voice = chooseOriginationIdentity('GB', 'voice', handEdited);

    // Assess
    expect(voice).toBe('+12065550100');
    expect(handEdited.originationIdentities.GB).toEqual({ sms: 'OKTAMFA' });
  });

  it('refuses a country that is not allowed', () => {
    expect(() => chooseOriginationIdentity('KR', 'sms', config)).toThrowError(
      expect.objectContaining({ reason: 'country_not_allowed' }),
    );
  });

  it('refuses an allowed country with no identity when there is no default', () => {
    const noDefault = routingConfigFrom({ originationIdentities: {}, allowedCountries: ['*'] });
    const error = (() => {
      try {
        chooseOriginationIdentity('FR', 'sms', noDefault);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UndeliverableError);
    expect((error as UndeliverableError).reason).toBe('no_origination_identity');
  });

  it('tolerates malformed config items', () => {
    expect(
      routingConfigFrom({
        defaultOriginationIdentity: 7,
        originationIdentities: 'x',
        allowedCountries: 'US',
      }),
    ).toEqual({
      originationIdentities: {},
      allowedCountries: [],
    });
    expect(
      routingConfigFrom({ originationIdentities: { GB: 5, FR: { sms: 3 }, ES: [] }, allowedCountries: [] })
        .originationIdentities,
    ).toEqual({});
  });
});

describe('ordered origination identities', () => {
  const pool = `pool-${'a1'.repeat(16)}`;
  const config = routingConfigFrom({
    defaultOriginationIdentity: ['+12065550100', '+12065550101'],
    originationIdentities: {
      us: { sms: [pool, '+12065550100'], voice: ['+12065550100', 'ACMEMFA', '+12065550101'] },
      gb: ['OKTAMFA', '+447700900123'],
      ca: [' ', '+15145550100', '+15145550100'],
    },
    allowedCountries: ['US', 'GB', 'CA', 'FR'],
  });

  it('gives the whole ordered list of a channel, first choice first', () => {
    expect(chooseOriginationIdentities('US', 'sms', config)).toEqual([pool, '+12065550100']);
    expect(chooseOriginationIdentity('US', 'sms', config)).toBe(pool);
  });

  it('drops sender IDs from a voice list, keeping the order of the numbers', () => {
    expect(chooseOriginationIdentities('US', 'voice', config)).toEqual(['+12065550100', '+12065550101']);
    expect(config.originationIdentities.US).toEqual({
      sms: [pool, '+12065550100'],
      voice: ['+12065550100', '+12065550101'],
    });
  });

  it('uses a list for both channels: all of it for SMS, its numbers for calls', () => {
    expect(chooseOriginationIdentities('GB', 'sms', config)).toEqual(['OKTAMFA', '+447700900123']);
    expect(chooseOriginationIdentities('GB', 'voice', config)).toEqual(['+447700900123']);
  });

  it("uses the default's list when a country has none, without merging the two", () => {
    expect(chooseOriginationIdentities('FR', 'sms', config)).toEqual(['+12065550100', '+12065550101']);
    expect(chooseOriginationIdentities('US', 'sms', config)).not.toContain('+12065550101');
  });

  it('drops blank entries and repeats of a stored list', () => {
    expect(chooseOriginationIdentities('CA', 'sms', config)).toEqual(['+15145550100']);
  });

  it('keeps a single identity a string and a list of one a string, so old tables read the same', () => {
    // Act
    const read = routingConfigFrom({
      defaultOriginationIdentity: ['+12065550100'],
      originationIdentities: { MX: '+525555550100' },
      allowedCountries: ['*'],
    });

    // Assess
    expect(read.defaultOriginationIdentity).toBe('+12065550100');
    expect(read.originationIdentities.MX).toBe('+525555550100');
  });
});

describe('landline detection for the voice fallback', () => {
  it.each([
    ['+442079460123', true],
    ['+4930901820', true],
    ['+447400123456', false],
    ['+12065550100', false],
    ['+14155550123', false],
  ])('reads %s as a landline: %s', (number, landline) => {
    expect(isLandline(number)).toBe(landline);
  });
});
