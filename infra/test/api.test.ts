/**
 * The REST API, its TOKEN authorizer, request model and stage (`HookApi`).
 * Each test reads the synthesized CloudFormation, not the CDK objects: that template is what reaches AWS.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderGatewayResponse } from '../../service/local/gateway/api-gateway.js';
import { GATEWAY_RESPONSES, type GatewayResponseType } from '../../service/src/domain/gateway-responses.js';
import { apiGatewayModelSchema } from '../../service/src/domain/okta-hook-schema.js';
import { cfnRef, logicalId, type Synth, synthStack } from './helpers.js';

let defaults: Synth;

// A synth takes seconds on a busy machine: more than vitest's default hook timeout.
beforeAll(() => {
  defaults = synthStack();
}, 60_000);

/**
 * What API Gateway does with a gateway response template: no VTL, only `$context` variables replaced.
 * `messageString` is documented as the quoted value of `message`; `message` and `responseType` go in raw. Any other
 * variable has no documented rendering (`validationErrorString` among them) and fails the test.
 */
function renderLikeApiGateway(
  template: string,
  error: { message: string | null; responseType: string },
): string {
  return template.replace(/\$context\.[A-Za-z.]+/g, (variable) => {
    switch (variable) {
      case '$context.error.messageString':
        if (error.message === null)
          throw new Error(`${variable} with a null message has no documented rendering`);
        return JSON.stringify(error.message);
      case '$context.error.message':
        return error.message ?? '';
      case '$context.error.responseType':
        return error.responseType;
      default:
        throw new Error(`${variable} has no documented rendering in a gateway response`);
    }
  });
}

/** Messages API Gateway might put in a response, including ones that break naive templates. */
const MESSAGES = [
  'Unauthorized',
  'User is not authorized to access this resource with an explicit deny',
  'Forbidden',
  'Invalid request body',
  'Request Too Long',
  'Too Many Requests',
  'Limit Exceeded',
  'Endpoint request timed out',
  'Internal server error',
  '',
  'a "quoted" message, a \\ backslash, </script>, a tab\tand a\nnewline',
  "ünïcødé ☎ \u2028 and 'single' quotes",
];

/** Types whose message API Gateway leaves null (`{"message": null}` by default). */
const NULL_MESSAGE_TYPES: GatewayResponseType[] = ['AUTHORIZER_FAILURE', 'AUTHORIZER_CONFIGURATION_ERROR'];

const gatewayResponses = (synth: Synth) =>
  Object.values(synth.template.findResources('AWS::ApiGateway::GatewayResponse')).map(
    (r) =>
      r.Properties as {
        ResponseType: GatewayResponseType;
        StatusCode?: string;
        ResponseTemplates: Record<string, string>;
      },
  );

const oktaErrorShape = (reason: string) => ({
  error: {
    errorSummary: expect.stringMatching(/\S/),
    errorCauses: [{ errorSummary: expect.any(String), reason, location: expect.stringMatching(/\S/) }],
  },
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
        ThrottlingRateLimit: 150,
        ThrottlingBurstLimit: 300,
      }),
    ]);
    expect(stage.AccessLogSetting.DestinationArn).toBeDefined();
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    expect(JSON.stringify(format)).not.toMatch(/header|body/i);
  });

  it("throttles the stage above Okta's peak: 50,000 sign-ins in 15 minutes, bursts twice the average", () => {
    const stage = Object.values(defaults.template.findResources('AWS::ApiGateway::Stage'))[0]!.Properties;
    const [settings] = stage.MethodSettings;
    const peakPerSecond = (50_000 / (15 * 60)) * 2;

    expect(peakPerSecond).toBeCloseTo(111.1, 1);
    expect(settings.ThrottlingRateLimit).toBeGreaterThanOrEqual(peakPerSecond);
    expect(settings.ThrottlingBurstLimit).toBeGreaterThanOrEqual(2 * peakPerSecond);
  });
});

describe("edge: API Gateway's own answers are Okta error objects", () => {
  it('customises every response type Okta can meet, keeping API Gateway status codes', () => {
    // Prepare
    const responses = gatewayResponses(defaults);

    // Assess
    expect(responses.map((r) => r.ResponseType).sort()).toEqual(
      [
        'UNAUTHORIZED',
        'ACCESS_DENIED',
        'WAF_FILTERED',
        'BAD_REQUEST_BODY',
        'BAD_REQUEST_PARAMETERS',
        'REQUEST_TOO_LARGE',
        'THROTTLED',
        'QUOTA_EXCEEDED',
        'AUTHORIZER_FAILURE',
        'AUTHORIZER_CONFIGURATION_ERROR',
        'INTEGRATION_FAILURE',
        'INTEGRATION_TIMEOUT',
        'DEFAULT_4XX',
        'DEFAULT_5XX',
      ].sort(),
    );
    for (const response of responses) {
      expect(response.StatusCode, response.ResponseType).toBeUndefined();
      expect(Object.keys(response.ResponseTemplates), response.ResponseType).toEqual(['application/json']);
    }
  });

  it('renders each template as valid JSON in Okta error format for any message, quotes and newlines included', () => {
    for (const { ResponseType: type, ResponseTemplates } of gatewayResponses(defaults)) {
      const template = ResponseTemplates['application/json']!;
      const messages = NULL_MESSAGE_TYPES.includes(type) ? [...MESSAGES, null] : MESSAGES;
      for (const message of messages) {
        // Act
        const rendered = renderLikeApiGateway(template, { message, responseType: type });

        // Assess
        const body = JSON.parse(rendered);
        expect(body, `${type} with ${JSON.stringify(message)}`).toEqual(oktaErrorShape(type));
        if (template.includes('$context.error.messageString')) {
          expect(body.error.errorCauses[0].errorSummary).toBe(message);
        }
      }
    }
  });

  it("answers a body the model rejects with API Gateway's message, not the validator's undocumented string", () => {
    // Prepare
    const invalidBody = gatewayResponses(defaults).find((r) => r.ResponseType === 'BAD_REQUEST_BODY')!;
    const template = invalidBody.ResponseTemplates['application/json']!;

    // Act
    const body = JSON.parse(
      renderLikeApiGateway(template, { message: 'Invalid request body', responseType: 'BAD_REQUEST_BODY' }),
    );

    // Assess
    expect(template).not.toContain('validationErrorString');
    expect(body).toEqual({
      error: {
        errorSummary: 'The request body is not an Okta telephony hook request',
        errorCauses: [{ errorSummary: 'Invalid request body', reason: 'BAD_REQUEST_BODY', location: 'body' }],
      },
    });
  });

  it('answers from the local gateway with the bodies the deployed templates render', () => {
    const deployed = new Map(gatewayResponses(defaults).map((r) => [r.ResponseType, r]));
    for (const spec of GATEWAY_RESPONSES) {
      for (const message of NULL_MESSAGE_TYPES.includes(spec.type) ? [null] : MESSAGES) {
        const template = deployed.get(spec.type)!.ResponseTemplates['application/json']!;
        expect(JSON.parse(renderGatewayResponse(spec.type, message)), spec.type).toEqual(
          JSON.parse(renderLikeApiGateway(template, { message, responseType: spec.type })),
        );
      }
    }
  });
});

describe('edge: API Gateway execution logs', () => {
  it('go to a log group the stack owns, named as API Gateway names it, with retention and the logs KMS key', () => {
    // Prepare
    const apiId = logicalId(defaults, 'AWS::ApiGateway::RestApi', '/HookApi/');
    const groupId = logicalId(defaults, 'AWS::Logs::LogGroup', '/HookApi/ExecutionLogs');
    const group = defaults.template.findResources('AWS::Logs::LogGroup')[groupId]!;

    // Assess
    expect(group.Properties).toEqual({
      LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: apiId }, '/prod']] },
      RetentionInDays: 30,
      KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^OperationsKey/), 'Arn'] },
      Tags: expect.any(Array),
    });
    expect(group.DeletionPolicy).toBe('Retain');
  });

  it('creates that group before the stage, so API Gateway never creates its own unencrypted one', () => {
    const groupId = logicalId(defaults, 'AWS::Logs::LogGroup', '/HookApi/ExecutionLogs');
    const [stage] = Object.values(defaults.template.findResources('AWS::ApiGateway::Stage'));
    expect(stage!.DependsOn).toEqual(expect.arrayContaining([groupId]));
  });

  it('lets CloudWatch Logs use the key for API Gateway execution log groups only', () => {
    const [key] = Object.values(defaults.template.findResources('AWS::KMS::Key')).filter((k) =>
      String(k.Properties.Description).includes('execution logs'),
    );
    const statement = key!.Properties.KeyPolicy.Statement.find(
      (s: { Sid?: string }) => s.Sid === 'CloudWatchLogsEncryptApiGatewayExecutionLogs',
    );
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
      Condition: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': expect.objectContaining({
            'Fn::Join': [
              '',
              expect.arrayContaining([expect.stringMatching(/:log-group:API-Gateway-Execution-Logs_\*$/)]),
            ],
          }),
        },
      },
    });
  });
});

describe('stack outputs', () => {
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
