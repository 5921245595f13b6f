/**
 * Both functions, their environment and aliases (`ServiceFunction`).
 * Each test reads the synthesized CloudFormation, not the CDK objects: that template is what reaches AWS.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAuthorizerConfig, loadHookConfig } from '../../service/src/config.js';
import { functionByPath, logicalId, ref, type Synth, synthStack } from './helpers.js';

let defaults: Synth;

beforeAll(() => {
  defaults = synthStack();
});

describe('compute: Lambda', () => {
  it('runs both handlers on nodejs24.x, arm64, with X-Ray and an explicit log group with retention', () => {
    for (const path of ['/Authorizer/', '/DeliverOtp/']) {
      const { props } = functionByPath(defaults, path);
      expect(props).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: {
          LogGroup: {
            Ref: expect.stringMatching(
              path.includes('Authorizer') ? /^AuthorizerLogGroup/ : /^DeliverOtpLogGroup/,
            ),
          },
        },
      });
      expect(props.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
    defaults.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    for (const group of Object.values(defaults.template.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays).toBe(30);
    }
  });

  it('traces every function with X-Ray, created after the role that allows it (Lambda checks at creation)', () => {
    for (const path of ['/Authorizer/', '/DeliverOtp/', '/TemplatesSeed/Seeder/']) {
      // Prepare
      const id = logicalId(defaults, 'AWS::Lambda::Function', path);
      const fn = defaults.template.findResources('AWS::Lambda::Function')[id]!;
      const roleId = logicalId(defaults, 'AWS::IAM::Role', `${path}Role/`);
      const role = defaults.template.findResources('AWS::IAM::Role')[roleId]!;

      // Assess
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties.Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
      expect(fn.DependsOn).toContain(roleId);
      expect(JSON.stringify(role.Properties.Policies)).toContain('xray:PutTraceSegments');
    }
  });

  it('sizes memory and sets the hook timeout above the deadline and below API Gateway 29 s', () => {
    // Prepare
    const hook = functionByPath(defaults, '/DeliverOtp/').props;
    const authorizer = functionByPath(defaults, '/Authorizer/').props;

    // Assess
    expect(hook.MemorySize).toBe(512);
    expect(authorizer.MemorySize).toBe(256);
    expect(hook.Timeout * 1000).toBeGreaterThan(Number(hook.Environment.Variables.DEADLINE_MS));
    expect(hook.Timeout).toBeLessThan(29);
    expect(authorizer.Timeout).toBeLessThan(29);
  });

  it('gives each function an environment its configuration accepts at cold start', () => {
    // Prepare: CloudFormation references stand in as plausible values of their kind.
    const resolved = (variables: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(variables).map(([name, value]) => [
          name,
          typeof value === 'string'
            ? value
            : name.endsWith('_URL')
              ? 'https://sqs.eu-west-1.amazonaws.com/1/q'
              : 'ref',
        ]),
      );
    const hook = resolved(functionByPath(defaults, '/DeliverOtp/').props.Environment.Variables);
    const authorizer = resolved(functionByPath(defaults, '/Authorizer/').props.Environment.Variables);

    // Act + Assess
    expect(() => loadHookConfig(hook)).not.toThrow();
    expect(() => loadAuthorizerConfig(authorizer)).not.toThrow();
  });

  it('sets exactly the environment the service config reads', () => {
    // Prepare
    const hook = functionByPath(defaults, '/DeliverOtp/').props.Environment.Variables;
    const authorizer = functionByPath(defaults, '/Authorizer/').props.Environment.Variables;
    const common = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'NODE_OPTIONS'];

    // Assess
    expect(Object.keys(authorizer).sort()).toEqual(
      [
        ...common,
        'OKTA_ISSUER',
        'OKTA_AUDIENCE',
        'REQUIRED_SCOPE',
        'ALLOWED_CLIENT_IDS',
        'JWT_ALGORITHMS',
        'JWKS_TIMEOUT_MS',
        'JWKS_COOLDOWN_MS',
      ].sort(),
    );
    expect(authorizer).toMatchObject({
      OKTA_ISSUER: 'https://example.okta.com/oauth2/default',
      OKTA_AUDIENCE: 'api://okta-phone-mfa',
      REQUIRED_SCOPE: 'phone-mfa.send',
      ALLOWED_CLIENT_IDS: '*',
      POWERTOOLS_SERVICE_NAME: 'okta-phone-mfa',
      POWERTOOLS_METRICS_NAMESPACE: 'OktaPhoneMfa',
    });
    expect(Object.keys(hook).sort()).toEqual(
      [
        ...common,
        'TEMPLATES_TABLE_NAME',
        'IDEMPOTENCY_TABLE_NAME',
        'DLQ_URL',
        'FINGERPRINT_KEY_SECRET',
        'DEADLINE_MS',
        'TEMPLATES_MAX_AGE_SECONDS',
        'DEFAULT_LOCALE',
        // Every send names the configuration set and the protect configuration (ProviderProtection).
        'CONFIGURATION_SET_NAME',
        'PROTECT_CONFIGURATION_ID',
        // The abuse guard: its table and every limit, always set from the validated settings.
        'ABUSE_TABLE_NAME',
        'ABUSE_NUMBER_PER_10_MINUTES',
        'ABUSE_NUMBER_PER_24_HOURS',
        'ABUSE_USER_PER_HOUR',
        'ABUSE_IP_PER_HOUR',
        'ABUSE_PREFIX_PER_HOUR',
        'ABUSE_BLOCKED_ANSWER',
        'ABUSE_REFUSED_NUMBER_TYPES',
        // Receipts and conversion: each send is remembered in the messages table, and asks for feedback where
        // conversion is measured.
        'MESSAGES_TABLE_NAME',
        'CONVERSION',
      ].sort(),
    );
    expect(hook).toMatchObject({
      TEMPLATES_TABLE_NAME: ref('TemplatesTable'),
      IDEMPOTENCY_TABLE_NAME: ref('IdempotencyTable'),
      ABUSE_TABLE_NAME: ref('AbuseTable'),
      MESSAGES_TABLE_NAME: ref('MessagesTable'),
      CONFIGURATION_SET_NAME: ref('ProviderProtectionConfigurationSet'),
      DLQ_URL: ref('DeadLetterQueue'),
      FINGERPRINT_KEY_SECRET: ref('FingerprintKeySecret'),
      DEADLINE_MS: '2500',
    });
  });

  it('lets the authorizer accept exactly the listed Okta clients', () => {
    // Act
    const synth = synthStack({ allowedClientIds: ['0oa1', '0oa2'] });

    // Assess
    const env = functionByPath(synth, '/Authorizer/').props.Environment.Variables;
    expect(env.ALLOWED_CLIENT_IDS).toBe('0oa1,0oa2');
    expect(loadAuthorizerConfig(env).allowedClientIds).toEqual(['0oa1', '0oa2']);
  });

  it('passes ["*"] to the authorizer as *, which it reads as any client of the issuer', () => {
    // Act
    const synth = synthStack({ allowedClientIds: ['*'] });

    // Assess
    const env = functionByPath(synth, '/Authorizer/').props.Environment.Variables;
    expect(env.ALLOWED_CLIENT_IDS).toBe('*');
    expect(loadAuthorizerConfig(env).allowedClientIds).toEqual([]);
  });

  it('fails synth naming allowedClientIds when a deployment does not set it', () => {
    expect(() => synthStack({ allowedClientIds: undefined })).toThrow(/allowedClientIds: is required/);
  });

  it('passes optional settings through to the functions when set', () => {
    // Act
    const synth = synthStack({
      configurationSetName: 'otp-events',
      defaultPhoneRegion: 'us',
      maxPricePerMessage: '0.10',
    });

    // Assess
    expect(functionByPath(synth, '/DeliverOtp/').props.Environment.Variables).toMatchObject({
      CONFIGURATION_SET_NAME: 'otp-events',
      DEFAULT_PHONE_REGION: 'US',
      MAX_PRICE_PER_MESSAGE: '0.10',
    });
  });

  it('routes API Gateway to a live alias, with no provisioned concurrency by default', () => {
    defaults.template.resourceCountIs('AWS::Lambda::Alias', 2);
    defaults.template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'live',
      ProvisionedConcurrencyConfig: Match.absent(),
    });
  });

  it('puts provisioned concurrency on the live aliases when configured', () => {
    const { template } = synthStack({ provisionedConcurrency: 3 });
    const aliases = Object.values(template.findResources('AWS::Lambda::Alias'));
    expect(aliases).toHaveLength(2);
    for (const alias of aliases) {
      expect(alias.Properties.ProvisionedConcurrencyConfig).toEqual({ ProvisionedConcurrentExecutions: 3 });
    }
  });
});
