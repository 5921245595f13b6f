/**
 * The REST API, its TOKEN authorizer, request model and stage (`HookApi`).
 * Each test reads the synthesized CloudFormation, not the CDK objects: that template is what reaches AWS.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiGatewayModelSchema } from '../../service/src/domain/okta-hook-schema.js';
import { cfnRef, type Synth, synthStack } from './helpers.js';

let defaults: Synth;

beforeAll(() => {
  defaults = synthStack();
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
