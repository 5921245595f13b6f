// Configuration is read once and fails at cold start with a message that names the setting.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadAuthorizerConfig, loadHookConfig } from '../../../src/config.js';
import { INVALID_ABUSE_LIMITS } from '../../helpers/abuse-env.js';

const hookEnv = {
  TEMPLATES_TABLE_NAME: 't',
  IDEMPOTENCY_TABLE_NAME: 'i',
  DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/1/dlq',
  FINGERPRINT_KEY_SECRET: 'okta-phone-mfa/fingerprint-key',
  ABUSE_TABLE_NAME: 'abuse',
};

describe('loadHookConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadHookConfig(hookEnv)).toMatchObject({
      deadlineMs: 2500,
      templatesMaxAgeSeconds: 300,
      defaultLocale: 'en',
      endpoints: {},
    });
  });

  it.each([
    'TEMPLATES_TABLE_NAME',
    'IDEMPOTENCY_TABLE_NAME',
    'DLQ_URL',
    'FINGERPRINT_KEY_SECRET',
    'ABUSE_TABLE_NAME',
  ])('names the missing %s', (name) => {
    expect(() => loadHookConfig({ ...hookEnv, [name]: '' })).toThrowError(
      new ConfigError(`${name} is required but not set`),
    );
  });

  it.each([
    ['DEADLINE_MS', '3000'],
    ['DEADLINE_MS', 'soon'],
    ['TEMPLATES_MAX_AGE_SECONDS', '-1'],
    ['DLQ_URL', 'not a url'],
    ['DEFAULT_LOCALE', 'english!'],
    ['SMS_VOICE_ENDPOINT', 'localhost'],
    ['SECRETS_MANAGER_ENDPOINT', 'localhost'],
    ['DEFAULT_PHONE_REGION', 'USA'],
    ['DEFAULT_PHONE_REGION', 'XX'],
  ])('refuses %s=%s naming it', (name, value) => {
    expect(() => loadHookConfig({ ...hookEnv, [name]: value })).toThrowError(new RegExp(`^${name} `));
  });

  it('reads RESEND_POLICY: escalate by default, same, and nothing else', () => {
    expect(loadHookConfig(hookEnv).resendPolicy).toBe('escalate');
    expect(loadHookConfig({ ...hookEnv, RESEND_POLICY: 'Same' }).resendPolicy).toBe('same');
    expect(() => loadHookConfig({ ...hookEnv, RESEND_POLICY: 'always' })).toThrowError(/^RESEND_POLICY /);
  });

  it('reads DEFAULT_PHONE_REGION as an upper-case ISO country, and none by default', () => {
    expect(loadHookConfig(hookEnv).defaultPhoneRegion).toBeUndefined();
    expect(loadHookConfig({ ...hookEnv, DEFAULT_PHONE_REGION: 'us' }).defaultPhoneRegion).toBe('US');
  });
});

describe('the abuse guard settings', () => {
  it('applies the product defaults of DESIGN.md', () => {
    expect(loadHookConfig(hookEnv).abuse).toEqual({
      tableName: 'abuse',
      limits: {
        numberPer10Minutes: 5,
        numberPer24Hours: 15,
        userPerHour: 10,
        ipPerHour: 20,
        prefixPerHour: 20,
      },
      refusedNumberTypes: ['PREMIUM_RATE', 'SHARED_COST'],
      blockedAnswer: 'error',
    });
  });

  it('reads every limit, 0 turning one off', () => {
    // Act
    const { abuse } = loadHookConfig({
      ...hookEnv,
      ABUSE_NUMBER_PER_10_MINUTES: '3',
      ABUSE_NUMBER_PER_24_HOURS: '0',
      ABUSE_USER_PER_HOUR: '7',
      ABUSE_IP_PER_HOUR: '100',
      ABUSE_PREFIX_PER_HOUR: '0',
    });

    // Assess
    expect(abuse.limits).toEqual({
      numberPer10Minutes: 3,
      numberPer24Hours: 0,
      userPerHour: 7,
      ipPerHour: 100,
      prefixPerHour: 0,
    });
  });

  it('reads the refused number types, upper-cased, and none from an empty setting', () => {
    expect(
      loadHookConfig({ ...hookEnv, ABUSE_REFUSED_NUMBER_TYPES: 'premium_rate, toll_free' }).abuse
        .refusedNumberTypes,
    ).toEqual(['PREMIUM_RATE', 'TOLL_FREE']);
    expect(loadHookConfig({ ...hookEnv, ABUSE_REFUSED_NUMBER_TYPES: '' }).abuse.refusedNumberTypes).toEqual(
      [],
    );
  });

  it('reads the pretend-sent answer', () => {
    expect(loadHookConfig({ ...hookEnv, ABUSE_BLOCKED_ANSWER: 'pretend-sent' }).abuse.blockedAnswer).toBe(
      'pretend-sent',
    );
  });

  it.each([...INVALID_ABUSE_LIMITS, ['ABUSE_BLOCKED_ANSWER', 'silent']])(
    'refuses %s=%s naming it',
    (name, value) => {
      expect(() => loadHookConfig({ ...hookEnv, [name]: value })).toThrowError(new RegExp(`^${name} `));
    },
  );
});

describe('routing', () => {
  it('reads no routing from the environment: the templates table is its only source', () => {
    // Prepare: what earlier stacks set on the hook, one value malformed: none of it is read any more.
    const env = {
      ...hookEnv,
      DEFAULT_ORIGINATION_IDENTITY: '{"sms":"ACMEMFA","voice":"+12065550100"}',
      ORIGINATION_IDENTITIES: '{oops',
      ALLOWED_COUNTRIES: 'GB,MX',
    };

    // Act
    const config = loadHookConfig(env);

    // Assess
    expect(config).not.toHaveProperty('fallbackRouting');
    expect(JSON.stringify(config)).not.toMatch(/ACMEMFA|12065550100|"GB"/);
  });
});

describe('loadAuthorizerConfig', () => {
  const env = { OKTA_ISSUER: 'https://acme.okta.com/oauth2/default/', OKTA_AUDIENCE: 'api://hook' };

  it('derives the JWKS URI from the issuer and defaults to RS256 only', () => {
    expect(loadAuthorizerConfig(env)).toMatchObject({
      issuer: 'https://acme.okta.com/oauth2/default',
      jwksUri: 'https://acme.okta.com/oauth2/default/v1/keys',
      algorithms: ['RS256'],
      jwksTimeoutMs: 1500,
      jwksCooldownMs: 2000,
      clockToleranceSeconds: 60,
    });
  });

  it("accepts tokens living up to Okta's maximum access-token lifetime, 24 h, unless set lower", () => {
    expect(loadAuthorizerConfig(env).maxTokenLifetimeSeconds).toBe(86_400);
    expect(loadAuthorizerConfig({ ...env, MAX_TOKEN_LIFETIME_SECONDS: '3600' }).maxTokenLifetimeSeconds).toBe(
      3_600,
    );
  });

  it('reads the client allow-list', () => {
    expect(loadAuthorizerConfig({ ...env, ALLOWED_CLIENT_IDS: 'a, b' }).allowedClientIds).toEqual(['a', 'b']);
  });

  it('requires phone-mfa.send by default, and refuses a scope Okta reserves, naming its rule', () => {
    expect(loadAuthorizerConfig(env).requiredScope).toBe('phone-mfa.send');
    expect(loadAuthorizerConfig({ ...env, REQUIRED_SCOPE: 'acme:telephony' }).requiredScope).toBe(
      'acme:telephony',
    );
    for (const reserved of ['okta.telephony.send', 'okta:send', 'okta', '*', 'OKTA.x']) {
      expect(() => loadAuthorizerConfig({ ...env, REQUIRED_SCOPE: reserved })).toThrow(
        /REQUIRED_SCOPE: ".+" is reserved by Okta: a custom scope may not start with "okta\." or "okta:", nor be "okta" or "\*"/,
      );
    }
    expect(() => loadAuthorizerConfig({ ...env, REQUIRED_SCOPE: 'two scopes' })).toThrow('not one scope');
  });

  it('reads ALLOWED_CLIENT_IDS=* as any client of the issuer, as the stack writes allowedClientIds ["*"]', () => {
    expect(loadAuthorizerConfig({ ...env, ALLOWED_CLIENT_IDS: ' * ' }).allowedClientIds).toEqual([]);
  });

  it('refuses ALLOWED_CLIENT_IDS mixing * with client ids, naming it', () => {
    expect(() => loadAuthorizerConfig({ ...env, ALLOWED_CLIENT_IDS: '*,0oa1' })).toThrowError(
      /^ALLOWED_CLIENT_IDS: \* allows any client/,
    );
  });

  it.each([
    ['OKTA_ISSUER', ''],
    ['OKTA_AUDIENCE', ''],
    ['JWKS_TIMEOUT_MS', '5000'],
    ['JWKS_COOLDOWN_MS', '30000'],
    ['JWKS_COOLDOWN_MS', '100'],
    ['CLOCK_TOLERANCE_SECONDS', '300'],
    ['MAX_TOKEN_LIFETIME_SECONDS', '86401'],
    ['MAX_TOKEN_LIFETIME_SECONDS', '299'],
    ['MAX_TOKEN_LIFETIME_SECONDS', '1d'],
    ['JWT_ALGORITHMS', 'HS256'],
  ])('refuses %s=%j naming it', (name, value) => {
    expect(() => loadAuthorizerConfig({ ...env, [name]: value })).toThrowError(new RegExp(name));
  });
});

describe('loadHookConfig: what every send names', () => {
  const env = { ...hookEnv, ABUSE_TABLE_NAME: 'abuse' };

  it('reads the price cap per message and the protect configuration the stack sets', () => {
    expect(
      loadHookConfig({ ...env, MAX_PRICE_PER_MESSAGE: '0.10', PROTECT_CONFIGURATION_ID: 'protect-abc' }),
    ).toMatchObject({ maxPricePerMessage: '0.10', protectConfigurationId: 'protect-abc' });
  });

  it('caps no price and names no protect configuration when neither is set', () => {
    const config = loadHookConfig(env);
    expect(config.maxPricePerMessage).toBeUndefined();
    expect(config.protectConfigurationId).toBeUndefined();
  });

  it.each(['0', '0.00', '1', '-0.10', '100.00', '0.123456', 'cheap'])(
    'refuses MAX_PRICE_PER_MESSAGE=%s, which End User Messaging would not take as MaxPrice',
    (value) => {
      expect(() => loadHookConfig({ ...env, MAX_PRICE_PER_MESSAGE: value })).toThrowError(
        /^MAX_PRICE_PER_MESSAGE must be a price in US dollars/,
      );
    },
  );
});
