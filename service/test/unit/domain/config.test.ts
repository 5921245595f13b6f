// Configuration is read once and fails at cold start with a message that names the setting.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadAuthorizerConfig, loadHookConfig } from '../../../src/config.js';

const hookEnv = {
  TEMPLATES_TABLE_NAME: 't',
  IDEMPOTENCY_TABLE_NAME: 'i',
  DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/1/dlq',
  FINGERPRINT_KEY_SECRET: 'okta-phone-mfa/fingerprint-key',
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

  it.each(['TEMPLATES_TABLE_NAME', 'IDEMPOTENCY_TABLE_NAME', 'DLQ_URL', 'FINGERPRINT_KEY_SECRET'])(
    'names the missing %s',
    (name) => {
      expect(() => loadHookConfig({ ...hookEnv, [name]: '' })).toThrowError(
        new ConfigError(`${name} is required but not set`),
      );
    },
  );

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

  it('reads DEFAULT_PHONE_REGION as an upper-case ISO country, and none by default', () => {
    expect(loadHookConfig(hookEnv).defaultPhoneRegion).toBeUndefined();
    expect(loadHookConfig({ ...hookEnv, DEFAULT_PHONE_REGION: 'us' }).defaultPhoneRegion).toBe('US');
  });
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
