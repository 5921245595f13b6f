/**
 * Deploy settings are validated at synth: a typo in cdk.json or `-c key=value` fails `cdk synth` with a message
 * naming the setting, and command-line strings are read like their cdk.json equivalents.
 */
import { describe, expect, it } from 'vitest';
import {
  isCidr,
  LOW_CONVERSION_DEFAULTS,
  readSettings,
  SETTING_KEYS,
  SettingsError,
} from '../lib/settings.js';
import {
  asList,
  cdkJsonContext,
  functionByPath,
  iamStatements,
  settingProblems,
  settingsReader,
  synthCommandContext,
  synthStack,
} from './helpers.js';

describe('readSettings', () => {
  it("accepts cdk.json's placeholders, with the client allow-list npm run synth spells out, so synth works offline", () => {
    // Act
    const settings = readSettings(settingsReader());

    // Assess
    expect(settings).toMatchObject({
      oktaIssuer: 'https://example.okta.com/oauth2/default',
      oktaAudience: 'api://okta-phone-mfa',
      requiredScope: 'phone-mfa.send',
      allowedClientIds: ['*'],
      deadlineMs: 2500,
      provisionedConcurrency: 0,
      oktaIpAllowList: [],
      logRetentionDays: 30,
    });
    expect(settings.configurationSetName).toBeUndefined();
    expect(settings.alarmEmail).toBeUndefined();
  });

  it('applies documented defaults when a setting is absent', () => {
    const settings = readSettings(
      (key) =>
        ({
          oktaIssuer: 'https://acme.okta.com/oauth2/default',
          oktaAudience: 'api://x',
          allowedClientIds: ['0oa1abc'],
          allowedCountries: ['US'],
          defaultOriginationIdentity: '+12065550100',
        })[key],
    );
    expect(settings.requiredScope).toBe('phone-mfa.send');
    expect(settings.deadlineMs).toBe(2500);
    expect(settings.provisionedConcurrency).toBe(0);
    expect(settings.logRetentionDays).toBe(30);
  });

  it('reads command-line strings: comma lists, JSON arrays, JSON maps and numbers', () => {
    // Act
    const settings = readSettings(
      settingsReader({
        allowedClientIds: '0oa1abc, 0oa2def',
        allowedCountries: '["us","mx"]',
        originationIdentities: '{"mx":"+525555550100"}',
        deadlineMs: '2000',
        provisionedConcurrency: '2',
        oktaIpAllowList: '203.0.113.0/24,2001:db8::/32',
      }),
    );

    // Assess
    expect(settings.allowedClientIds).toEqual(['0oa1abc', '0oa2def']);
    expect(settings.allowedCountries).toEqual(['US', 'MX']);
    expect(settings.originationIdentities).toEqual({ MX: '+525555550100' });
    expect(settings.deadlineMs).toBe(2000);
    expect(settings.provisionedConcurrency).toBe(2);
    expect(settings.oktaIpAllowList).toEqual(['203.0.113.0/24', '2001:db8::/32']);
  });

  it('leaves allowedClientIds out of cdk.json, so every deployment must say which Okta clients may call the hook', () => {
    expect(cdkJsonContext).not.toHaveProperty('allowedClientIds');
  });

  it("spells out any client on npm run synth's command line, where a deploy's own -c value overrides it", () => {
    expect(synthCommandContext).toEqual({ allowedClientIds: '*' });
  });

  it.each([
    ['absent', undefined],
    ['null', null],
    ['an empty list', []],
    ['an empty string', ''],
    ['only blanks', ' , '],
  ])('refuses allowedClientIds %s, naming it and what to set', (_name, value) => {
    expect(settingProblems({ allowedClientIds: value })).toContain(
      'allowedClientIds: is required: list the Okta client id(s) (cid) allowed to call the hook, e.g. ["0oa1b2c3d4e5f6g7h8i9"], or ["*"] to allow any client of the issuer',
    );
  });

  it.each([
    ['["*"] from cdk.json', ['*']],
    ['["*"] as JSON on the command line', '["*"]'],
    ['* on the command line', '*'],
  ])('reads %s as any client of the issuer', (_name, value) => {
    expect(readSettings(settingsReader({ allowedClientIds: value })).allowedClientIds).toEqual(['*']);
  });

  it('reads a list of client ids as exactly those clients', () => {
    expect(
      readSettings(settingsReader({ allowedClientIds: ['0oa1abc', '0oa2def'] })).allowedClientIds,
    ).toEqual(['0oa1abc', '0oa2def']);
  });

  it('refuses "*" mixed with client ids: any client, or a list, not both', () => {
    expect(settingProblems({ allowedClientIds: ['*', '0oa1abc'] })).toContain(
      'allowedClientIds: "*" allows any client; give ["*"] alone, or list only client ids',
    );
  });

  it('drops a trailing slash from the issuer, as Okta writes it in tokens', () => {
    expect(
      readSettings(settingsReader({ oktaIssuer: 'https://acme.okta.com/oauth2/aus1/' })).oktaIssuer,
    ).toBe('https://acme.okta.com/oauth2/aus1');
  });

  it.each([
    [{ oktaIssuer: 'http://acme.okta.com/oauth2/default' }, 'oktaIssuer: must be an https URL'],
    [{ oktaIssuer: 'not a url' }, 'oktaIssuer: must be an absolute URL'],
    [{ oktaIssuer: '' }, 'oktaIssuer: is required'],
    [{ oktaAudience: undefined }, 'oktaAudience: is required'],
    [{ requiredScope: 'two scopes' }, 'requiredScope: "two scopes" is not one scope'],
    [{ requiredScope: 'okta.telephony.send' }, 'requiredScope: "okta.telephony.send" is reserved by Okta'],
    [{ requiredScope: 'okta:hook' }, 'requiredScope: "okta:hook" is reserved by Okta'],
    [{ requiredScope: '*' }, 'requiredScope: "*" is reserved by Okta'],
    [{ allowedClientIds: ['bad id!'] }, 'allowedClientIds: "bad id!" is not an Okta client id'],
    [{ defaultOriginationIdentity: '12065550100' }, 'defaultOriginationIdentity: "12065550100" is not'],
    [{ originationIdentities: { USA: '+12065550100' } }, 'originationIdentities: "USA" is not an ISO'],
    [{ originationIdentities: { US: 'not valid!' } }, 'originationIdentities: US: "not valid!"'],
    [{ originationIdentities: '{oops' }, 'originationIdentities: is not a valid JSON object'],
    [{ allowedCountries: [] }, 'allowedCountries: must list at least one'],
    [{ allowedCountries: ['USA'] }, 'allowedCountries: "USA" is not'],
    [{ configurationSetName: 'has spaces' }, 'configurationSetName: "has spaces"'],
    [{ defaultPhoneRegion: 'USA' }, 'defaultPhoneRegion: "USA" is not an ISO'],
    [{ deadlineMs: 3000 }, 'deadlineMs: must be an integer from 100 to 2900'],
    [{ deadlineMs: 'fast' }, 'deadlineMs: must be an integer'],
    [{ provisionedConcurrency: -1 }, 'provisionedConcurrency: must be an integer from 0'],
    [{ alarmEmail: 'oncall' }, 'alarmEmail: "oncall" is not an e-mail address'],
    [{ oktaIpAllowList: ['203.0.113.7'] }, 'oktaIpAllowList: "203.0.113.7" is not a CIDR'],
    [{ logRetentionDays: 10 }, 'logRetentionDays: must be one of'],
  ])('refuses %j naming the setting', (overrides, expected) => {
    expect(settingProblems(overrides).join('\n')).toContain(expected);
  });

  it('refuses at synth a routing config that would place calls from a sender ID', () => {
    // Act
    const problems = settingProblems({
      defaultOriginationIdentity: { sms: 'ACMEMFA', voice: 'ACMEMFA' },
      originationIdentities: {
        GB: { sms: 'ACMEMFA', voice: 'arn:aws:sms-voice:eu-west-2:123456789012:sender-id/ACMEMFA/GB' },
      },
    });

    // Assess
    expect(problems).toEqual([
      expect.stringContaining('defaultOriginationIdentity: voice: "ACMEMFA" is a sender ID'),
      expect.stringContaining(
        'originationIdentities: GB: voice: "arn:aws:sms-voice:eu-west-2:123456789012:sender-id/ACMEMFA/GB" is a sender ID',
      ),
    ]);
  });

  it('refuses a sender ID for calls given on the command line as JSON', () => {
    expect(settingProblems({ originationIdentities: '{"GB":{"voice":"ACMEMFA"}}' }).join('\n')).toContain(
      'originationIdentities: GB: voice: "ACMEMFA" is a sender ID',
    );
  });

  it('reads identities per channel, from cdk.json objects or command-line JSON', () => {
    // Act
    const settings = readSettings(
      settingsReader({
        defaultOriginationIdentity: '{"sms":"ACMEMFA","voice":"+12065550100"}',
        originationIdentities: { gb: { sms: 'ACMEMFA', voice: '+447700900123' }, MX: '+525555550100' },
      }),
    );

    // Assess
    expect(settings.defaultOriginationIdentity).toEqual({ sms: 'ACMEMFA', voice: '+12065550100' });
    expect(settings.originationIdentities).toEqual({
      GB: { sms: 'ACMEMFA', voice: '+447700900123' },
      MX: '+525555550100',
    });
  });

  it('accepts a sender ID as a plain identity: it is used for SMS only', () => {
    expect(settingProblems({ originationIdentities: { GB: 'ACMEMFA' } })).toEqual([]);
  });

  it('refuses a deployment that could send from no identity at all', () => {
    expect(settingProblems({ defaultOriginationIdentity: '', originationIdentities: {} })).toContain(
      'defaultOriginationIdentity: set it, or originationIdentities, or notify (AWS-managed senders), or nothing can be sent',
    );
  });

  it('reports every invalid setting at once, one per line', () => {
    // Act
    const error = (() => {
      try {
        readSettings(settingsReader({ deadlineMs: 5, alarmEmail: 'x', logRetentionDays: 2 }));
      } catch (caught) {
        return caught as SettingsError;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(SettingsError);
    expect(error?.problems).toHaveLength(3);
    expect(error?.message).toMatch(
      /^Invalid deploy settings.*\n {2}- deadlineMs.*\n {2}- alarmEmail.*\n {2}- logRetentionDays/,
    );
  });

  it('accepts every kind of origination identity End User Messaging takes', () => {
    for (const identity of [
      '+447700900123',
      'OKTAMFA',
      `pool-${'a'.repeat(32)}`,
      'arn:aws:sms-voice:eu-west-1:123456789012:phone-number/phone-0123456789abcdef0123456789abcdef',
    ]) {
      expect(settingProblems({ defaultOriginationIdentity: identity })).toEqual([]);
    }
  });
});

describe('isCidr', () => {
  it.each(['203.0.113.0/24', '198.51.100.7/32', '2001:db8::/32', '2001:db8:0:0:0:0:0:1/128'])(
    'accepts %s',
    (cidr) => {
      expect(isCidr(cidr)).toBe(true);
    },
  );

  it.each(['203.0.113.0', '256.0.0.0/8', '10.0.0.0/33', '2001:db8::/129', 'fe80:::1/64', 'abc/24'])(
    'refuses %s',
    (cidr) => {
      expect(isCidr(cidr)).toBe(false);
    },
  );
});

describe('readSettings: abuse guard and provider protection', () => {
  it('applies the guard defaults of DESIGN.md when cdk.json leaves them as shipped or absent', () => {
    // Prepare
    const defaults = {
      numberPer10Minutes: 5,
      numberPer24Hours: 15,
      userPerHour: 10,
      ipPerHour: 20,
      prefixPerHour: 20,
      blockedAnswer: 'error',
      refusedNumberTypes: ['PREMIUM_RATE', 'SHARED_COST'],
    };

    // Act
    const shipped = readSettings(settingsReader());
    const absent = readSettings(settingsReader({ abuseGuard: undefined }));

    // Assess
    expect(shipped.abuseGuard).toEqual(defaults);
    expect(absent.abuseGuard).toEqual(defaults);
    expect(cdkJsonContext.abuseGuard).toEqual(defaults);
    expect(shipped.smsProtectMode).toBeUndefined();
    expect(shipped.maxPricePerMessage).toBeUndefined();
  });

  it('keeps the defaults for the limits a partial abuseGuard object leaves out, as -c on the command line gives it', () => {
    // Act
    const settings = readSettings(
      settingsReader({ abuseGuard: '{"ipPerHour":50,"prefixPerHour":0,"blockedAnswer":"pretend-sent"}' }),
    );

    // Assess
    expect(settings.abuseGuard).toMatchObject({
      numberPer10Minutes: 5,
      ipPerHour: 50,
      prefixPerHour: 0,
      blockedAnswer: 'pretend-sent',
      refusedNumberTypes: ['PREMIUM_RATE', 'SHARED_COST'],
    });
  });

  it('reads refusedNumberTypes as a list of libphonenumber types, upper-cased, and an empty list as none', () => {
    expect(
      readSettings(settingsReader({ abuseGuard: { refusedNumberTypes: ['premium_rate', 'VOIP'] } }))
        .abuseGuard.refusedNumberTypes,
    ).toEqual(['PREMIUM_RATE', 'VOIP']);
    expect(
      readSettings(settingsReader({ abuseGuard: { refusedNumberTypes: [] } })).abuseGuard.refusedNumberTypes,
    ).toEqual([]);
    expect(
      readSettings(settingsReader({ abuseGuard: { refusedNumberTypes: 'SHARED_COST,UAN' } })).abuseGuard
        .refusedNumberTypes,
    ).toEqual(['SHARED_COST', 'UAN']);
  });

  it.each([
    [{ abuseGuard: '{oops' }, 'abuseGuard: is not a valid JSON object'],
    [{ abuseGuard: ['x'] }, 'abuseGuard: must be a JSON object'],
    [{ abuseGuard: { ipPerHour: -1 } }, 'abuseGuard.ipPerHour: must be an integer from 0'],
    [{ abuseGuard: { numberPer10Minutes: 2.5 } }, 'abuseGuard.numberPer10Minutes: must be an integer from 0'],
    [{ abuseGuard: { userPerHour: 'ten' } }, 'abuseGuard.userPerHour: must be an integer from 0'],
    [{ abuseGuard: { numberPer24Hours: 10_000_001 } }, 'abuseGuard.numberPer24Hours: must be an integer'],
    [
      { abuseGuard: { blockedAnswer: 'silent' } },
      'abuseGuard.blockedAnswer: must be one of error, pretend-sent',
    ],
    [{ abuseGuard: { refusedNumberTypes: ['PREMIUM'] } }, 'abuseGuard.refusedNumberTypes: "PREMIUM" is not'],
    [{ abuseGuard: { refusedNumberTypes: 3 } }, 'abuseGuard.refusedNumberTypes: must be a list'],
    [{ abuseGuard: { perMinute: 3 } }, 'abuseGuard.perMinute: is not an abuse guard setting'],
    [{ smsProtectMode: 'BLOCK' }, 'smsProtectMode: must be FILTER, MONITOR or empty'],
    [{ maxPricePerMessage: '0' }, 'maxPricePerMessage: must be a price in US dollars'],
    [{ maxPricePerMessage: '-0.10' }, 'maxPricePerMessage: must be a price in US dollars'],
    [{ maxPricePerMessage: '0.1234567' }, 'maxPricePerMessage: must be a price in US dollars'],
    [{ maxPricePerMessage: '12.00' }, 'maxPricePerMessage: must be a price in US dollars'],
    [{ maxPricePerMessage: 'cheap' }, 'maxPricePerMessage: must be a price in US dollars'],
  ])('refuses %j naming the setting', (overrides, expected) => {
    expect(settingProblems(overrides).join('\n')).toContain(expected);
  });

  it('reads smsProtectMode case-insensitively, empty as absent', () => {
    expect(readSettings(settingsReader({ smsProtectMode: 'filter' })).smsProtectMode).toBe('FILTER');
    expect(readSettings(settingsReader({ smsProtectMode: ' MONITOR ' })).smsProtectMode).toBe('MONITOR');
    expect(readSettings(settingsReader({ smsProtectMode: '' })).smsProtectMode).toBeUndefined();
  });

  it.each([
    ['0.10', '0.10'],
    [0.1, '0.10'],
    ['1', '1.00'],
    [2, '2.00'],
    ['0.00581', '0.00581'],
    ['10.00', '10.00'],
  ])('writes maxPricePerMessage %j the way End User Messaging takes MaxPrice: %s', (value, expected) => {
    expect(readSettings(settingsReader({ maxPricePerMessage: value })).maxPricePerMessage).toBe(expected);
  });
});

describe('receipts and conversion settings', () => {
  it('leaves conversion off by default: no Log Streaming source, no event hook, the default thresholds', () => {
    // Act
    const settings = readSettings(settingsReader());

    // Assess
    expect(settings.oktaEventSourceName).toBeUndefined();
    expect(settings.oktaEventHook).toBe(false);
    expect(settings.lowConversion).toEqual({ minSends: 20, maxRate: 0.1, denyHours: 12 });
    expect(settings.lowConversion).toEqual(LOW_CONVERSION_DEFAULTS);
  });

  it("accepts Okta Log Streaming's partner event source name", () => {
    const settings = readSettings(
      settingsReader({ oktaEventSourceName: ' aws.partner/okta.com/acme-prod/okta-phone-mfa ' }),
    );
    expect(settings.oktaEventSourceName).toBe('aws.partner/okta.com/acme-prod/okta-phone-mfa');
    expect(readSettings(settingsReader({ oktaEventSourceName: '' })).oktaEventSourceName).toBeUndefined();
  });

  it.each([
    ['another partner', 'aws.partner/example.com/acme/okta-phone-mfa'],
    ['no event source name', 'aws.partner/okta.com/acme'],
    ['a space', 'aws.partner/okta.com/acme/okta phone'],
    ['an event bus name', 'okta-events'],
    ['too long', `aws.partner/okta.com/acme/${'x'.repeat(240)}`],
  ])('refuses an oktaEventSourceName with %s, naming the format', (_name, value) => {
    expect(settingProblems({ oktaEventSourceName: value })).toEqual([
      expect.stringMatching(
        /^oktaEventSourceName: must be Okta Log Streaming's partner event source, aws\.partner\/okta\.com\/<org>\/<name>/,
      ),
    ]);
  });

  it('reads oktaEventHook as a boolean, from cdk.json or the command line', () => {
    expect(readSettings(settingsReader({ oktaEventHook: true })).oktaEventHook).toBe(true);
    expect(readSettings(settingsReader({ oktaEventHook: 'true' })).oktaEventHook).toBe(true);
    expect(readSettings(settingsReader({ oktaEventHook: ' FALSE ' })).oktaEventHook).toBe(false);
    expect(settingProblems({ oktaEventHook: 'yes' })).toEqual([
      'oktaEventHook: must be true or false, got "yes"',
    ]);
    expect(settingProblems({ oktaEventHook: 1 })).toEqual(['oktaEventHook: must be true or false, got 1']);
  });

  it("reads oktaTelephonyHookId as an optional Okta id, and refuses the hook's URL", () => {
    expect(readSettings(settingsReader({})).oktaTelephonyHookId).toBeUndefined();
    expect(
      readSettings(settingsReader({ oktaTelephonyHookId: 'cal3ughy17pylLxQB357' })).oktaTelephonyHookId,
    ).toBe('cal3ughy17pylLxQB357');
    expect(
      settingProblems({
        oktaTelephonyHookId: 'https://acme.okta.com/api/v1/inlineHooks/cal3ughy17pylLxQB357',
      }),
    ).toHaveLength(1);
  });

  it('reads lowConversion keys on their own, each defaulting, from an object or its JSON', () => {
    expect(readSettings(settingsReader({ lowConversion: { maxRate: 0.05 } })).lowConversion).toEqual({
      minSends: 20,
      maxRate: 0.05,
      denyHours: 12,
    });
    expect(
      readSettings(settingsReader({ lowConversion: '{"minSends":"50","maxRate":"0","denyHours":24}' }))
        .lowConversion,
    ).toEqual({ minSends: 50, maxRate: 0, denyHours: 24 });
  });

  it('refuses lowConversion values that would deny every prefix or never expire, naming each key', () => {
    // Act
    const problems = settingProblems({
      lowConversion: { minSends: 0, maxRate: 1, denyHours: 169, minConversions: 3 },
    });

    // Assess
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^lowConversion\.minConversions: is not a low-conversion setting/),
        expect.stringMatching(/^lowConversion\.minSends: must be an integer from 1 to/),
        expect.stringMatching(
          /^lowConversion\.maxRate: must be a share of used codes from 0 up to \(not including\) 1/,
        ),
        'lowConversion.denyHours: must be an integer from 1 to 168, got 169',
      ]),
    );
    expect(problems).toHaveLength(4);
    expect(settingProblems({ lowConversion: { maxRate: 'low' } })).toEqual([
      expect.stringMatching(/^lowConversion\.maxRate: /),
    ]);
    expect(settingProblems({ lowConversion: '[1]' })).toEqual([
      expect.stringMatching(/^lowConversion: must be a JSON object/),
    ]);
  });

  it('refuses alarm countries that are not ISO codes, not allowed, or more than 20', () => {
    expect(settingProblems({ alarmCountries: ['USA'] })).toEqual([
      expect.stringMatching(/^alarmCountries: "USA" is not an ISO 3166-1 alpha-2 code/),
      expect.stringMatching(/^alarmCountries: "USA" is not in allowedCountries/),
    ]);
    expect(settingProblems({ allowedCountries: ['US'], alarmCountries: ['GB'] })).toEqual([
      expect.stringMatching(/^alarmCountries: "GB" is not in allowedCountries: no code is ever sent there/),
    ]);
    const countries = 'AA AB AC AD AE AF AG AH AI AJ AK AL AM AN AO AP AQ AR AS AT AU'.split(' ');
    expect(settingProblems({ allowedCountries: ['*'], alarmCountries: countries })).toEqual([
      expect.stringMatching(/^alarmCountries: names 21 countries; at most 20/),
    ]);
    expect(settingProblems({ allowedCountries: ['*'], alarmCountries: ['gb', 'GB'] })).toEqual([]);
  });

  it('lists the new settings among the context keys the app reads', () => {
    expect(SETTING_KEYS).toEqual(
      expect.arrayContaining(['oktaEventSourceName', 'oktaEventHook', 'lowConversion']),
    );
  });
});

describe('ordered origination identities and the voice fallback', () => {
  const pool = 'arn:aws:sms-voice:eu-west-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef';
  const phone =
    'arn:aws:sms-voice:eu-west-1:123456789012:phone-number/phone-0123456789abcdef0123456789abcdef';

  it('accepts ordered lists per country and per channel, from cdk.json or as JSON on the command line', () => {
    // Act
    const fromJson = readSettings(
      settingsReader({
        defaultOriginationIdentity: [' +12065550100 ', '+12065550101'],
        originationIdentities: { GB: { sms: ['ACMEMFA', '+447400123456'], voice: '+447400123456' } },
      }),
    );
    const fromCli = readSettings(
      settingsReader({
        defaultOriginationIdentity: '["+12065550100","+12065550101"]',
        originationIdentities: '{"US":["pool-0123456789abcdef0123456789abcdef","+12065550100"]}',
      }),
    );

    // Assess
    expect(fromJson.defaultOriginationIdentity).toEqual(['+12065550100', '+12065550101']);
    expect(fromJson.originationIdentities.GB).toEqual({
      sms: ['ACMEMFA', '+447400123456'],
      voice: '+447400123456',
    });
    expect(fromCli.defaultOriginationIdentity).toEqual(['+12065550100', '+12065550101']);
    expect(fromCli.originationIdentities.US).toEqual([
      'pool-0123456789abcdef0123456789abcdef',
      '+12065550100',
    ]);
  });

  it('refuses a list with a repeat, a sender ID for calls or more identities than fit the deadline', () => {
    // Act
    const problems = settingProblems({
      defaultOriginationIdentity: ['+12065550100', '+12065550100'],
      originationIdentities: {
        GB: { voice: ['+447400123456', 'ACMEMFA'] },
        US: ['+12065550100', '+12065550101', '+12065550102', '+12065550103'],
      },
    });

    // Assess
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('defaultOriginationIdentity: "+12065550100" is listed twice'),
        expect.stringContaining('originationIdentities: GB: voice: "ACMEMFA" is a sender ID'),
        expect.stringContaining('originationIdentities: US: lists 4 identities'),
      ]),
    );
  });

  it('scopes sending to every ARN of the lists', () => {
    // Act
    const { template } = synthStack({
      defaultOriginationIdentity: [pool, phone],
      originationIdentities: { GB: { sms: [phone], voice: pool } },
    });

    // Assess
    const messaging = iamStatements(template).find((s) =>
      asList(s.Action as string[]).includes('sms-voice:SendTextMessage'),
    )!;
    const resources = asList(messaging.Resource).map((r) => JSON.stringify(r));
    expect(resources).toContain(JSON.stringify(pool));
    expect(resources).toContain(JSON.stringify(phone));
    expect(resources.join()).not.toMatch(/phone-number\/\*|pool\/\*|sender-id\/\*/);
  });

  it('leaves the voice fallback off by default and turns it on with true or "true"', () => {
    expect(readSettings(settingsReader()).voiceFallback).toBe(false);
    expect(readSettings(settingsReader({ voiceFallback: true })).voiceFallback).toBe(true);
    expect(readSettings(settingsReader({ voiceFallback: 'true' })).voiceFallback).toBe(true);
    expect(settingProblems({ voiceFallback: 'yes' })).toEqual([
      expect.stringContaining('voiceFallback: must be true or false'),
    ]);
  });

  it('reads carrierLookup and refusedLineTypes, refusing line types without the lookup and MOBILE', () => {
    expect(readSettings(settingsReader())).toMatchObject({ carrierLookup: 'off', refusedLineTypes: [] });
    expect(
      readSettings(settingsReader({ carrierLookup: 'enrolment', refusedLineTypes: 'invalid,OTHER' })),
    ).toMatchObject({ carrierLookup: 'enrolment', refusedLineTypes: ['INVALID', 'OTHER'] });
    expect(settingProblems({ carrierLookup: 'always' }).join()).toContain(
      'carrierLookup: must be off or enrolment',
    );
    expect(settingProblems({ refusedLineTypes: ['OTHER'] }).join()).toContain(
      'needs carrierLookup: enrolment',
    );
    expect(settingProblems({ carrierLookup: 'enrolment', refusedLineTypes: ['MOBILE'] }).join()).toContain(
      'MOBILE would refuse almost every enrolment',
    );
    expect(settingProblems({ carrierLookup: 'enrolment', refusedLineTypes: ['VOIP'] }).join()).toContain(
      '"VOIP" is not one of MOBILE, LANDLINE, OTHER, INVALID',
    );
  });

  it('gives the hook CARRIER_LOOKUP, REFUSED_LINE_TYPES and CarrierLookup only with the lookup on', () => {
    const off = synthStack();
    const on = synthStack({ carrierLookup: 'enrolment', refusedLineTypes: ['INVALID', 'OTHER'] });
    const actions = (synth: ReturnType<typeof synthStack>) =>
      iamStatements(synth.template)
        .flatMap((statement) => asList(statement.Action))
        .filter((action) => action === 'sms-voice:CarrierLookup');
    expect(functionByPath(off, '/DeliverOtp/').props.Environment.Variables).not.toHaveProperty(
      'CARRIER_LOOKUP',
    );
    expect(functionByPath(on, '/DeliverOtp/').props.Environment.Variables).toMatchObject({
      CARRIER_LOOKUP: 'enrolment',
      REFUSED_LINE_TYPES: 'INVALID,OTHER',
    });
    expect(actions(off)).toEqual([]);
    expect(actions(on)).toEqual(['sms-voice:CarrierLookup']);
  });

  it('escalates resends by default, takes same, and refuses anything else', () => {
    expect(readSettings(settingsReader()).resendPolicy).toBe('escalate');
    expect(readSettings(settingsReader({ resendPolicy: 'SAME' })).resendPolicy).toBe('same');
    expect(settingProblems({ resendPolicy: 'rotate' })).toEqual([
      expect.stringContaining('resendPolicy: must be escalate or same'),
    ]);
  });

  it("sets the hook's VOICE_FALLBACK only when the fallback is on", () => {
    // Act
    const off = functionByPath(synthStack(), '/DeliverOtp/').props.Environment.Variables;
    const on = functionByPath(synthStack({ voiceFallback: true }), '/DeliverOtp/').props.Environment
      .Variables;

    // Assess
    expect(off).not.toHaveProperty('VOICE_FALLBACK');
    expect(on).toMatchObject({ VOICE_FALLBACK: 'true' });
  });
});
