import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BEARER_VALIDATION_EXPRESSION } from '../../../service/src/domain/bearer.js';
import { apiGatewayModelSchema } from '../../../service/src/domain/okta-hook-schema.js';
import { toCdkJsonSchema } from '../json-schema.js';

/** Properties of {@link HookApi}. */
export interface HookApiProps {
  /** The TOKEN authorizer function (its `live` alias). */
  readonly authorizer: lambda.IFunction;
  /** The delivery function (its `live` alias). */
  readonly hook: lambda.IFunction;
  /** Retention of the access log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Stage name (part of the HookUrl).
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Steady-state requests per second the stage accepts before answering 429.
   * @default 100
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst the stage accepts.
   * @default 200
   */
  readonly throttlingBurstLimit?: number;
}

/**
 * The regional REST API Okta calls: `POST /hook` behind a Lambda TOKEN authorizer (decisions cached 300 s per
 * token), a request validator whose model is the service's own payload schema, stage throttling, JSON access
 * logs, execution logs without data trace (bodies carry the OTP) and X-Ray tracing.
 */
export class HookApi extends Construct {
  /** The REST API. */
  public readonly api: apigateway.RestApi;
  /** The deployed stage. */
  public readonly stage: apigateway.Stage;
  /** The URL to give Okta. */
  public readonly hookUrl: string;
  /** The access log group. */
  public readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HookApiProps) {
    super(scope, id);

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // One JSON object per request; no headers (the bearer token) and no body (the OTP).
    const accessLogFormat = apigateway.AccessLogFormat.custom(
      JSON.stringify({
        requestId: '$context.requestId',
        extendedRequestId: '$context.extendedRequestId',
        requestTime: '$context.requestTimeEpoch',
        ip: '$context.identity.sourceIp',
        userAgent: '$context.identity.userAgent',
        httpMethod: '$context.httpMethod',
        resourcePath: '$context.resourcePath',
        status: '$context.status',
        responseLength: '$context.responseLength',
        responseLatency: '$context.responseLatency',
        integrationLatency: '$context.integration.latency',
        integrationStatus: '$context.integration.status',
        authorizerStatus: '$context.authorizer.status',
        authorizerLatency: '$context.authorizer.latency',
        authorizerError: '$context.authorizer.error',
        clientId: '$context.authorizer.clientId',
        wafStatus: '$context.waf.status',
        errorType: '$context.error.responseType',
        errorMessage: '$context.error.message',
        xrayTraceId: '$context.xrayTraceId',
      }),
    );

    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: 'okta-phone-mfa-hook',
      description: 'Okta telephony inline hook (OTP delivery through AWS End User Messaging)',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Execution logs need the account's API Gateway CloudWatch role; a fresh account has none. It is an
      // account-wide setting other APIs may rely on, so it outlives this stack.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stageName ?? 'prod',
        throttlingRateLimit: props.throttlingRateLimit ?? 100,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 200,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat,
        loggingLevel: apigateway.MethodLoggingLevel.INFO,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
      },
    });
    this.stage = this.api.deploymentStage;

    const authorizer = new apigateway.TokenAuthorizer(this, 'OktaTokenAuthorizer', {
      authorizerName: 'okta-oauth2',
      handler: props.authorizer,
      identitySource: apigateway.IdentitySource.header('Authorization'),
      validationRegex: BEARER_VALIDATION_EXPRESSION,
      resultsCacheTtl: Duration.seconds(300),
    });

    const model = this.api.addModel('OktaHookRequest', {
      modelName: 'OktaTelephonyHookRequest',
      contentType: 'application/json',
      description: 'Generated from service/src/domain/okta-hook-schema.ts',
      schema: toCdkJsonSchema(apiGatewayModelSchema()),
    });
    const validator = this.api.addRequestValidator('BodyValidator', {
      requestValidatorName: 'hook-body',
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    this.api.root.addResource('hook').addMethod('POST', new apigateway.LambdaIntegration(props.hook), {
      authorizer,
      authorizationType: apigateway.AuthorizationType.CUSTOM,
      requestValidator: validator,
      requestModels: { 'application/json': model },
      // Declared so the validator refuses a request without it even if the authorizer's cache were bypassed.
      requestParameters: { 'method.request.header.Authorization': true },
    });

    // A body the model rejects is answered in Okta's error format, like the handler's own 400s.
    this.api.addGatewayResponse('InvalidBody', {
      type: apigateway.ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      templates: {
        'application/json': JSON.stringify({
          error: {
            errorSummary: 'The request body is not an Okta telephony hook request',
            errorCauses: [
              {
                errorSummary: '$context.error.validationErrorString',
                reason: 'INVALID_REQUEST',
                location: 'body',
              },
            ],
          },
        }),
      },
    });

    this.hookUrl = this.api.urlForPath('/hook');
  }
}
