/**
 * The stack pins every resource and property the "Infra and operations" issue names. Each test reads the
 * synthesized CloudFormation, not the CDK objects: that template is what reaches AWS.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAuthorizerConfig, loadHookConfig } from '../../service/src/config.js';
import { apiGatewayModelSchema } from '../../service/src/domain/okta-hook-schema.js';
import { DENY_REASONS } from '../../service/src/domain/token-rules.js';
import { asList, iamStatements, synthStack } from './helpers.js';

type Synth = ReturnType<typeof synthStack>;
let defaults: Synth;

beforeAll(() => {
  defaults = synthStack();
});

/** `{ Ref: <logical id starting with prefix> }`, for vitest matchers. */
const ref = (logicalIdPrefix: string) => ({ Ref: expect.stringMatching(new RegExp(`^${logicalIdPrefix}`)) });
/** The same, for CDK template matchers. */
const cfnRef = (logicalIdPrefix: string) => ({ Ref: Match.stringLikeRegexp(`^${logicalIdPrefix}`) });

function logicalId(synth: Synth, type: string, pathPart: string): string {
  const found = Object.entries(synth.template.findResources(type)).find(([, r]) =>
    String(r.Metadata?.['aws:cdk:path'] ?? '').includes(pathPart),
  );
  if (!found) throw new Error(`No ${type} under ${pathPart}`);
  return found[0];
}

function functionByPath(synth: Synth, pathPart: string) {
  const id = logicalId(synth, 'AWS::Lambda::Function', pathPart);
  return { id, props: synth.template.findResources('AWS::Lambda::Function')[id]!.Properties };
}

describe('edge: AWS WAF', () => {
  it('puts a REGIONAL web ACL with the managed rule sets, a rate rule and a body-size rule on the stage', () => {
    // Assess
    defaults.template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: Match.arrayWith([
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesAmazonIpReputationList' },
          },
        }),
        Match.objectLike({
          Name: 'RatePerIp',
          Action: { Block: {} },
          Statement: {
            RateBasedStatement: { AggregateKeyType: 'IP', Limit: 3000, EvaluationWindowSec: 300 },
          },
        }),
        Match.objectLike({
          Name: 'HookBodySize',
          Action: { Block: {} },
          Statement: {
            SizeConstraintStatement: {
              FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
              ComparisonOperator: 'GT',
              Size: 8192,
            },
          },
        }),
        Match.objectLike({
          Name: 'AWSManagedRulesCommonRuleSet',
          Statement: {
            ManagedRuleGroupStatement: {
              VendorName: 'AWS',
              Name: 'AWSManagedRulesCommonRuleSet',
              RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
            },
          },
        }),
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' },
          },
        }),
      ]),
    });
    defaults.template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([`/stages/`])]) }),
      WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FirewallWebAcl'), 'Arn'] },
    });
  });

  it('has no IP allow-list rule unless oktaIpAllowList is set', () => {
    defaults.template.resourceCountIs('AWS::WAFv2::IPSet', 0);
    const rules = Object.values(defaults.template.findResources('AWS::WAFv2::WebACL'))[0]!.Properties.Rules;
    expect(rules.map((r: { Name: string }) => r.Name)).not.toContain('OktaIpAllowList');
  });

  it("blocks every address outside Okta's ranges, IPv4 and IPv6, when oktaIpAllowList is set", () => {
    // Act
    const { template } = synthStack({ oktaIpAllowList: ['203.0.113.0/24', '2001:db8::/32'] });

    // Assess
    template.hasResourceProperties('AWS::WAFv2::IPSet', {
      IPAddressVersion: 'IPV4',
      Addresses: ['203.0.113.0/24'],
    });
    template.hasResourceProperties('AWS::WAFv2::IPSet', {
      IPAddressVersion: 'IPV6',
      Addresses: ['2001:db8::/32'],
    });
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'OktaIpAllowList',
          Priority: 0,
          Action: { Block: {} },
          Statement: { NotStatement: { Statement: { OrStatement: { Statements: Match.anyValue() } } } },
        }),
      ]),
    });
  });

  it('logs to a KMS-encrypted aws-waf-logs-* group with the Authorization header redacted', () => {
    defaults.template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-'),
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OperationsKey'), 'Arn'] },
      RetentionInDays: 30,
    });
    const logging = Object.values(defaults.template.findResources('AWS::WAFv2::LoggingConfiguration'))[0]!
      .Properties;
    expect(JSON.stringify(logging.LogDestinationConfigs)).toMatch(/:log-group:aws-waf-logs-OktaPhoneMfa"/);
    expect(logging.RedactedFields).toEqual([{ SingleHeader: { Name: 'authorization' } }]);
  });
});

describe('edge: API Gateway', () => {
  it('is a regional REST API with POST /hook behind the TOKEN authorizer and the request validator', () => {
    defaults.template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    defaults.template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'hook' });
    defaults.template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: cfnRef('HookApiOktaTokenAuthorizer'),
      RequestValidatorId: Match.anyValue(),
      RequestModels: { 'application/json': Match.anyValue() },
      Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
    });
    defaults.template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
  });

  it('authorizes with a TOKEN authorizer on Authorization, validating "Bearer <jwt>", cached 300 s', () => {
    // Prepare
    const authorizer = Object.values(defaults.template.findResources('AWS::ApiGateway::Authorizer'))[0]!
      .Properties;
    const regex = new RegExp(authorizer.IdentityValidationExpression);

    // Assess
    expect(authorizer).toMatchObject({
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
    });
    expect(regex.test('Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe(true);
    expect(regex.test('bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe(true);
    expect(regex.test('BEARER eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe(true);
    expect(regex.test('Basic dXNlcjpwYXNz')).toBe(false);
    expect(regex.test('Bearer not-a-jwt')).toBe(false);
  });

  it("generates the request model from the service's payload schema, not a copy", () => {
    const model = Object.values(defaults.template.findResources('AWS::ApiGateway::Model'))[0]!.Properties;
    expect(model.ContentType).toBe('application/json');
    expect(model.Schema).toEqual(apiGatewayModelSchema());
    // Any string passes the model: an undeliverable number is the Lambda's to answer (200, error object, DLQ).
    expect(model.Schema.properties.data.properties.messageProfile.properties.phoneNumber).toEqual({
      type: 'string',
    });
  });

  it('throttles the stage, writes JSON access logs and execution logs without data trace, and traces with X-Ray', () => {
    // Prepare
    const stage = Object.values(defaults.template.findResources('AWS::ApiGateway::Stage'))[0]!.Properties;
    const format = JSON.parse(stage.AccessLogSetting.Format);

    // Assess
    expect(stage.TracingEnabled).toBe(true);
    expect(stage.MethodSettings).toEqual([
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        LoggingLevel: 'INFO',
        DataTraceEnabled: false,
        ThrottlingRateLimit: 100,
        ThrottlingBurstLimit: 200,
      }),
    ]);
    expect(stage.AccessLogSetting.DestinationArn).toBeDefined();
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    expect(JSON.stringify(format)).not.toMatch(/header|body/i);
  });

  it('answers a body the model rejects in Okta error format', () => {
    defaults.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_BODY',
      StatusCode: '400',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"errorCauses"') },
    });
  });

  it('outputs HookUrl and what operators need', () => {
    const outputs = defaults.template.findOutputs('*');
    for (const name of [
      'HookUrl',
      'TemplatesTableName',
      'IdempotencyTableName',
      'DeadLetterQueueUrl',
      'AlarmTopicArn',
      'DashboardUrl',
      'HookFunctionName',
      'AuthorizerFunctionName',
      'WebAclArn',
    ]) {
      expect(outputs).toHaveProperty(name);
    }
    expect(JSON.stringify(outputs.HookUrl!.Value)).toContain('/hook');
  });
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
        'JWT_ALGORITHMS',
        'JWKS_TIMEOUT_MS',
        'JWKS_COOLDOWN_MS',
      ].sort(),
    );
    expect(authorizer).toMatchObject({
      OKTA_ISSUER: 'https://example.okta.com/oauth2/default',
      OKTA_AUDIENCE: 'api://okta-phone-mfa',
      REQUIRED_SCOPE: 'okta.telephony.send',
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
        'DEFAULT_ORIGINATION_IDENTITY',
        'ORIGINATION_IDENTITIES',
        'ALLOWED_COUNTRIES',
      ].sort(),
    );
    expect(hook).toMatchObject({
      TEMPLATES_TABLE_NAME: ref('TemplatesTable'),
      IDEMPOTENCY_TABLE_NAME: ref('IdempotencyTable'),
      DLQ_URL: ref('DeadLetterQueue'),
      FINGERPRINT_KEY_SECRET: ref('FingerprintKeySecret'),
      DEADLINE_MS: '2500',
    });
  });

  it('passes optional settings through to the functions when set', () => {
    // Act
    const synth = synthStack({
      allowedClientIds: ['0oa1', '0oa2'],
      configurationSetName: 'otp-events',
      defaultPhoneRegion: 'us',
    });

    // Assess
    expect(functionByPath(synth, '/Authorizer/').props.Environment.Variables.ALLOWED_CLIENT_IDS).toBe(
      '0oa1,0oa2',
    );
    expect(functionByPath(synth, '/DeliverOtp/').props.Environment.Variables).toMatchObject({
      CONFIGURATION_SET_NAME: 'otp-events',
      DEFAULT_PHONE_REGION: 'US',
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

describe('least privilege', () => {
  it('grants no IAM statement a "*" action', () => {
    const actions = iamStatements(defaults.template).flatMap((s) => asList(s.Action as string | string[]));
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) {
      expect(action).not.toBe('*');
      expect(action).not.toMatch(/:\*$/);
    }
  });

  it('attaches no AWS managed policy to any Lambda role', () => {
    for (const [id, role] of Object.entries(defaults.template.findResources('AWS::IAM::Role'))) {
      if (id.startsWith('HookApiCloudWatchRole')) continue;
      expect(role.Properties.ManagedPolicyArns ?? []).toEqual([]);
    }
  });

  it('lets the hook read templates, read and write idempotency records, send to the DLQ with its key, and send SMS/voice', () => {
    // Prepare
    const policyId = logicalId(defaults, 'AWS::IAM::Policy', '/DeliverOtp/Role/');
    const statements = defaults.template.findResources('AWS::IAM::Policy')[policyId]!.Properties
      .PolicyDocument.Statement as Array<{
      Action: string | string[];
      Resource: unknown;
    }>;
    const on = (prefix: string) =>
      statements.filter((s) => JSON.stringify(s.Resource).includes(prefix)).flatMap((s) => asList(s.Action));

    // Assess
    expect(on('TemplatesTable')).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:GetItem']));
    expect(on('TemplatesTable')).not.toEqual(expect.arrayContaining(['dynamodb:PutItem']));
    expect(on('IdempotencyTable')).toEqual(
      expect.arrayContaining([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ]),
    );
    expect(on('DeadLetterQueue')).toContain('sqs:SendMessage');
    expect(on('DeadLetterKey')).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:GenerateDataKey*']));
    const messaging = statements.find((s) => asList(s.Action).includes('sms-voice:SendTextMessage'))!;
    expect(asList(messaging.Action).sort()).toEqual([
      'sms-voice:SendTextMessage',
      'sms-voice:SendVoiceMessage',
    ]);
  });

  it('scopes SMS and voice sending to the configured identities when they are ARNs', () => {
    // Prepare
    const phone =
      'arn:aws:sms-voice:eu-west-1:123456789012:phone-number/phone-0123456789abcdef0123456789abcdef';
    const pool = 'arn:aws:sms-voice:eu-west-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef';

    // Act
    const { template } = synthStack({
      defaultOriginationIdentity: phone,
      originationIdentities: { GB: pool },
      configurationSetName: 'otp-events',
    });

    // Assess
    const messaging = iamStatements(template).find((s) =>
      asList(s.Action as string[]).includes('sms-voice:SendTextMessage'),
    )!;
    const resources = asList(messaging.Resource).map((r) => JSON.stringify(r));
    expect(resources).toContain(JSON.stringify(phone));
    expect(resources).toContain(JSON.stringify(pool));
    expect(resources.join()).toContain('configuration-set/otp-events');
    expect(resources.join()).not.toMatch(/phone-number\/\*|pool\/\*|sender-id\/\*/);
  });

  it('limits account-wide sending to origination identity types when identities are numbers or sender ids', () => {
    const messaging = iamStatements(defaults.template).find((s) =>
      asList(s.Action as string[]).includes('sms-voice:SendTextMessage'),
    )!;
    const resources = asList(messaging.Resource).map((r) => JSON.stringify(r));
    expect(resources).toHaveLength(4);
    for (const type of ['phone-number/*', 'pool/*', 'sender-id/*', 'opt-out-list/*']) {
      expect(resources.some((r) => r.includes(`:sms-voice:eu-west-1:123456789012:${type}`))).toBe(true);
    }
  });

  it('lets the seeder only PutItem on the templates table', () => {
    const policyId = logicalId(defaults, 'AWS::IAM::Policy', '/TemplatesSeed/');
    const statements =
      defaults.template.findResources('AWS::IAM::Policy')[policyId]!.Properties.PolicyDocument.Statement;
    const dynamo = statements.filter((s: { Action: string | string[] }) =>
      asList(s.Action).some((a) => a.startsWith('dynamodb:')),
    );
    expect(dynamo).toHaveLength(1);
    expect(dynamo[0].Action).toBe('dynamodb:PutItem');
    expect(JSON.stringify(dynamo[0].Resource)).toContain('TemplatesTable');
  });
});

describe('data: DynamoDB, seed, DLQ', () => {
  it('keeps templates and config in an on-demand pk/sk table with PITR, deletion protection and RETAIN', () => {
    defaults.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      }),
    });
  });

  it('keeps idempotency records in an on-demand table keyed on id with TTL on expiration', () => {
    defaults.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  it('seeds default templates plus the routing from the settings, through the custom resource', () => {
    // Act
    const { template } = synthStack({
      originationIdentities: { MX: '+525555550100' },
      allowedCountries: ['MX'],
    });

    // Assess
    const seed = Object.values(template.findResources('Custom::TemplatesSeed'))[0]!.Properties;
    const items = JSON.parse(seed.ItemsJson) as Array<{ pk: string; sk: string; value: unknown }>;
    expect(seed.TableName).toEqual(ref('TemplatesTable'));
    expect(seed.ServiceToken).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^TemplatesSeedSeederFunction/), 'Arn'],
    });
    expect(items).toContainEqual({
      pk: 'template',
      sk: 'sms#en',
      value: expect.objectContaining({ body: expect.any(String) }),
    });
    expect(items).toContainEqual({
      pk: 'template',
      sk: 'voice#es-mx',
      value: expect.objectContaining({ voiceId: expect.any(String) }),
    });
    expect(items.filter((i) => i.pk === 'config')).toEqual([
      { pk: 'config', sk: 'defaultOriginationIdentity', value: '+12065550100' },
      { pk: 'config', sk: 'originationIdentities', value: { MX: '+525555550100' } },
      { pk: 'config', sk: 'allowedCountries', value: ['MX'] },
    ]);
  });

  it('encrypts the DLQ with a rotating customer-managed key, enforces TLS and keeps messages 14 days', () => {
    defaults.template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetterKey'), 'Arn'] },
      MessageRetentionPeriod: 1_209_600,
    });
    defaults.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      Description: Match.stringLikeRegexp('dead-letter'),
    });
    defaults.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('secrets: the fingerprint key', () => {
  /** Every IAM statement with the logical id of the policy that holds it. */
  function statementsByPolicy(synth: Synth) {
    return Object.entries(synth.template.findResources('AWS::IAM::Policy')).flatMap(([id, policy]) =>
      (
        policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>
      ).map((statement) => ({
        policyId: id,
        actions: asList(statement.Action),
        resource: JSON.stringify(statement.Resource),
      })),
    );
  }

  it('generates a 64-character key at deploy and encrypts it with a rotating customer-managed key', () => {
    // Prepare
    const secret = Object.values(defaults.template.findResources('AWS::SecretsManager::Secret'));

    // Assess
    expect(secret).toHaveLength(1);
    expect(secret[0]!.Properties).toMatchObject({
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
      KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^FingerprintSecretKey/), 'Arn'] },
    });
    expect(secret[0]!.Properties.SecretString).toBeUndefined();
    defaults.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      Description: Match.stringLikeRegexp('fingerprint key'),
    });
  });

  it('lets only the hook function read it, and decrypt it only through Secrets Manager', () => {
    // Prepare
    const hookPolicy = logicalId(defaults, 'AWS::IAM::Policy', '/DeliverOtp/Role/');
    const hookRole = logicalId(defaults, 'AWS::IAM::Role', '/DeliverOtp/Role');
    const onSecret = statementsByPolicy(defaults).filter((s) => s.resource.includes('FingerprintKeySecret'));
    const keyPolicy = Object.entries(defaults.template.findResources('AWS::KMS::Key')).find(([id]) =>
      id.startsWith('FingerprintSecretKey'),
    )![1].Properties.KeyPolicy.Statement as Array<Record<string, any>>;
    // Beyond the account's own statements (which delegate to IAM), the roles the key policy names.
    const toRoles = keyPolicy.filter((s) => s.Principal?.AWS?.['Fn::GetAtt']);

    // Assess
    expect(onSecret.map((s) => s.policyId)).toEqual([hookPolicy]);
    expect(onSecret.flatMap((s) => s.actions).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    defaults.template.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
    expect(toRoles).toEqual([
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Principal: { AWS: { 'Fn::GetAtt': [hookRole, 'Arn'] } },
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      }),
    ]);
    const keyInIam = statementsByPolicy(defaults).filter((s) => s.resource.includes('FingerprintSecretKey'));
    expect(keyInIam).toEqual([]);
  });

  it('names the secret to the hook as FINGERPRINT_KEY_SECRET, and to no other function', () => {
    // Prepare
    const functions = Object.entries(defaults.template.findResources('AWS::Lambda::Function'));

    // Assess
    const holders = functions
      .filter(([, fn]) => JSON.stringify(fn.Properties.Environment ?? {}).includes('FingerprintKeySecret'))
      .map(([id]) => id);
    expect(holders).toEqual([functionByPath(defaults, '/DeliverOtp/').id]);
    expect(
      functionByPath(defaults, '/DeliverOtp/').props.Environment.Variables.FINGERPRINT_KEY_SECRET,
    ).toEqual(ref('FingerprintKeySecret'));
    expect(defaults.template.findOutputs('FingerprintKeySecretArn')).toHaveProperty(
      'FingerprintKeySecretArn',
    );
  });
});

describe('operations', () => {
  it('notifies through a KMS-encrypted, TLS-only SNS topic, with an e-mail subscription when alarmEmail is set', () => {
    defaults.template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OperationsKey'), 'Arn'] },
    });
    defaults.template.resourceCountIs('AWS::SNS::Subscription', 0);
    defaults.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny' })]) },
    });

    const { template } = synthStack({ alarmEmail: 'oncall@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('lets CloudWatch alarms and Logs use the operations key', () => {
    defaults.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'logs.eu-west-1.amazonaws.com' } }),
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('has the alarms the runbook covers, each saying what users see, what to check and where the runbook is', () => {
    // Prepare
    const alarms = Object.values(defaults.template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties,
    );
    const names = alarms.map((a) => a.AlarmName);

    // Assess
    expect(names.sort()).toEqual(
      [
        'OktaPhoneMfa-api-5xx',
        'OktaPhoneMfa-authorizer-denials-spike',
        'OktaPhoneMfa-delivery-failure-rate',
        'OktaPhoneMfa-dlq-not-empty',
        'OktaPhoneMfa-hook-errors',
        'OktaPhoneMfa-hook-latency-p99',
        'OktaPhoneMfa-lambda-throttles',
        'OktaPhoneMfa-waf-blocked-spike',
      ].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm.AlarmDescription).toMatch(
        /^Users: .+\nFirst check: .+\nRunbook: dashboards\/RUNBOOK\.md#[a-z0-9-]+ /,
      );
    }
  });

  it('alarms on one visible DLQ message and on p99 hook duration above 2,000 ms', () => {
    defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'OktaPhoneMfa-dlq-not-empty',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'OktaPhoneMfa-hook-latency-p99',
      MetricName: 'Duration',
      Namespace: 'AWS/Lambda',
      ExtendedStatistic: 'p99',
      Threshold: 2000,
    });
  });

  it('computes the delivery failure rate with metric math over failed and delivered totals', () => {
    // Prepare
    const alarm = Object.values(defaults.template.findResources('AWS::CloudWatch::Alarm')).find(
      (a) => a.Properties.AlarmName === 'OktaPhoneMfa-delivery-failure-rate',
    )!.Properties;
    const expression = alarm.Metrics.find((m: { Expression?: string }) => m.Expression);
    const metricNames = alarm.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat).map(
      (m: { MetricStat: { Metric: { MetricName: string } } }) => m.MetricStat.Metric.MetricName,
    );

    // Assess
    expect(expression.Expression).toContain('100 * FILL(failed, 0) / (FILL(delivered, 0) + FILL(failed, 0))');
    expect(metricNames.sort()).toEqual(['OtpDeliveredTotal', 'OtpDeliveryFailedTotal']);
    expect(alarm.Threshold).toBe(5);
    defaults.template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.OtpDeliveryFailed >= 1 }',
      MetricTransformations: [
        Match.objectLike({ MetricName: 'OtpDeliveryFailedTotal', MetricValue: '$.OtpDeliveryFailed' }),
      ],
    });
  });

  it('rolls the user-facing alarms up into the composite "OTP delivery degraded", which pages', () => {
    // Prepare
    const composite = Object.values(defaults.template.findResources('AWS::CloudWatch::CompositeAlarm'))[0]!
      .Properties;
    const rule = JSON.stringify(composite.AlarmRule);

    // Assess
    expect(composite.AlarmName).toBe('OktaPhoneMfa-otp-delivery-degraded');
    expect(composite.AlarmActions).toHaveLength(1);
    for (const child of [
      'DeliveryFailureRate',
      'HookLatencyP99',
      'HookErrors',
      'LambdaThrottles',
      'Api5xx',
    ]) {
      expect(rule).toContain(`Operations${child}`);
    }
    expect(rule).not.toContain('WafBlockedSpike');
  });

  it('draws one dashboard with every row and the 3 s and deadline annotations', () => {
    // Prepare
    defaults.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(
      Object.values(defaults.template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties
        .DashboardBody,
    );

    // Assess
    for (const row of [
      'Traffic and outcomes by channel',
      'Latency',
      'Failures by reason, channel and country',
      'Authorizer denials by reason',
      'DLQ depth and age',
      'Lambda',
      'WAF',
      'DynamoDB',
    ]) {
      expect(body).toContain(`## ${row}`);
    }
    expect(body).toMatch(/\\"value\\":3000,\\"label\\":\\"Okta's 3 s timeout/);
    expect(body).toMatch(/\\"value\\":2500,\\"label\\":\\"deadline 2500 ms/);
  });

  it('explains every reason the authorizer denies with in the denials row', () => {
    // Prepare
    const body = JSON.stringify(
      Object.values(defaults.template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties
        .DashboardBody,
    );
    const row = body.slice(body.indexOf('## Authorizer denials by reason'));
    // The row's markdown ends at its closing quote; its escaped line break would glue to the first word.
    const text = row.slice(0, row.indexOf('\\"')).replace(/\\+n/g, ' ');

    // Assess
    for (const reason of DENY_REASONS) expect(text).toMatch(new RegExp(`\\b${reason}\\b`));
  });

  it('saves the on-call Logs Insights queries', () => {
    const names = Object.values(defaults.template.findResources('AWS::Logs::QueryDefinition')).map(
      (q) => q.Properties.Name,
    );
    expect(names.sort()).toEqual([
      'okta-phone-mfa/cold-starts',
      'okta-phone-mfa/errors-by-reason',
      'okta-phone-mfa/one-request-by-event-id',
      'okta-phone-mfa/slowest-requests',
    ]);
  });
});

describe('cdk-nag', () => {
  it.each([
    ['the defaults', {}],
    [
      'ARN identities, an IP allow-list, provisioned concurrency and an alarm e-mail',
      {
        defaultOriginationIdentity:
          'arn:aws:sms-voice:eu-west-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef',
        oktaIpAllowList: ['203.0.113.0/24'],
        provisionedConcurrency: 1,
        alarmEmail: 'oncall@example.com',
      },
    ],
  ])('finds nothing unacknowledged with %s', (_name, overrides) => {
    const { app } = synthStack(overrides, { nag: true });
    expect(() => app.synth({ force: true })).not.toThrow();
  });
});
