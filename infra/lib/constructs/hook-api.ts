import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BEARER_VALIDATION_EXPRESSION } from '../../../service/src/domain/bearer.js';
import { GATEWAY_RESPONSES, gatewayResponseTemplate } from '../../../service/src/domain/gateway-responses.js';
import { apiGatewayModelSchema } from '../../../service/src/domain/okta-hook-schema.js';
import { toCdkJsonSchema } from '../json-schema.js';
import { oktaSafeStageThrottle } from '../okta-traffic.js';

/** Properties of {@link HookApi}. */
export interface HookApiProps {
  /** The TOKEN authorizer function (its `live` alias). */
  readonly authorizer: lambda.IFunction;
  /** The delivery function (its `live` alias). */
  readonly hook: lambda.IFunction;
  /** Retention of the access and execution log groups. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Key that encrypts the execution log group. The construct adds the key policy statement that lets CloudWatch
   * Logs use it for `API-Gateway-Execution-Logs_*` groups of this account and region.
   */
  readonly logKey: kms.IKey;
  /**
   * Stage name (part of the HookUrl).
   * @default 'prod'
   */
  readonly stageName?: string;
  /**
   * Steady-state requests per second the stage accepts before answering 429. The stage sees all of Okta's traffic,
   * so the default is Okta's documented peak (50,000 sign-ins in 15 minutes: 55.6 requests/s) times a burst factor
   * of 2, rounded up to the next 50 (okta-traffic.ts).
   * @default 150
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst the stage accepts (the token bucket's size): two seconds of the steady rate.
   * @default 300
   */
  readonly throttlingBurstLimit?: number;
}

/**
 * The regional REST API Okta calls: `POST /hook` behind a Lambda TOKEN authorizer (decisions cached 300 s per
 * token), a request validator whose model is the service's own payload schema, stage throttling above Okta's peak,
 * JSON access logs, execution logs without data trace (bodies carry the OTP) in a KMS-encrypted log group with
 * retention that the stack owns, X-Ray tracing, and every API Gateway answer (401, 403, 400, 413, 429, 5xx) in
 * Okta's error format (service/src/domain/gateway-responses.ts).
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
  /** The execution log group (`API-Gateway-Execution-Logs_{restApiId}/{stageName}`). */
  public readonly executionLogGroup: logs.LogGroup;

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

    const stageName = props.stageName ?? 'prod';
    const throttle = oktaSafeStageThrottle();
    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: 'okta-phone-mfa-hook',
      description: 'Okta telephony inline hook (OTP delivery through AWS End User Messaging)',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Execution logs need the account's API Gateway CloudWatch role; a fresh account has none. It is an
      // account-wide setting other APIs may rely on, so it outlives this stack.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName,
        throttlingRateLimit: props.throttlingRateLimit ?? throttle.rateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit ?? throttle.burstLimit,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat,
        loggingLevel: apigateway.MethodLoggingLevel.INFO,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
      },
    });
    this.stage = this.api.deploymentStage;

    // API Gateway writes execution logs to this name and creates the group itself, without retention or a key, if it
    // does not exist when the first log line is written. Created here, before the stage, it is ours.
    const executionLogGroupName = `API-Gateway-Execution-Logs_${this.api.restApiId}/${stageName}`;
    this.executionLogGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: executionLogGroupName,
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage.node.addDependency(this.executionLogGroup);
    const stack = Stack.of(this);
    props.logKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsEncryptApiGatewayExecutionLogs',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            // Not this API's id: the key would then depend on the API, and the API's log group on the key.
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: 'API-Gateway-Execution-Logs_*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

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

    // Every answer API Gateway gives without the hook (a refused token, a firewall block, a body the model rejects,
    // throttling, an integration failure) is an Okta error object, valid JSON for any message API Gateway puts in
    // it. Status codes stay API Gateway's. The model's field-level detail is in the execution log, not the answer.
    for (const spec of GATEWAY_RESPONSES) {
      // BAD_REQUEST_BODY keeps its first id: under a new logical id, CloudFormation would put the new response and
      // then delete the old resource, which resets that response type to API Gateway's default.
      this.api.addGatewayResponse(spec.type === 'BAD_REQUEST_BODY' ? 'InvalidBody' : spec.type, {
        type: apigateway.ResponseType.of(spec.type),
        templates: { 'application/json': gatewayResponseTemplate(spec) },
      });
    }

    this.hookUrl = this.api.urlForPath('/hook');
  }

  /**
   * Adds the optional Okta event hook route: `GET /okta-events` (Okta's one-time verification, which echoes the
   * `x-okta-verification-challenge` header) and `POST /okta-events` (batches of System Log events), both to the
   * verification function. No authorizer: Okta's event hooks authenticate with a static header secret, not an OAuth
   * token, and the function checks it against Secrets Manager before reading anything. The stage's WAF, throttling
   * and logs apply as to `/hook`.
   *
   * @param handler - the verification function
   * @returns the two methods and the route's URL
   */
  public addEventHookRoute(handler: lambda.IFunction): {
    methods: apigateway.Method[];
    url: string;
  } {
    const resource = this.api.root.addResource(EVENT_HOOK_PATH.slice(1));
    const integration = new apigateway.LambdaIntegration(handler);
    const methods = (['GET', 'POST'] as const).map((verb) =>
      resource.addMethod(verb, integration, { authorizationType: apigateway.AuthorizationType.NONE }),
    );
    return { methods, url: this.api.urlForPath(EVENT_HOOK_PATH) };
  }
}

/** The Okta event hook route (setting `oktaEventHook`). */
export const EVENT_HOOK_PATH = '/okta-events';
