/**
 * A local stand-in for the REST API in infra/lib/constructs/hook-api.ts: the WAF body-size rule, the TOKEN
 * authorizer (identity source `Authorization`, validation regex, decisions cached per token), IAM policy evaluation,
 * the request validator with the service's own schema, and the Lambda proxy integration, with API Gateway's own
 * error answers rendered from the same gateway response templates the deployed API has (Okta error objects).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda';
import { parseBearer } from '../../src/domain/bearer.js';
import {
  GATEWAY_MESSAGE_VARIABLE,
  GATEWAY_RESPONSES,
  type GatewayResponseType,
  gatewayResponseTemplate,
} from '../../src/domain/gateway-responses.js';
import { oktaHookSchema } from '../../src/domain/okta-hook-schema.js';
import { compileSchema } from '../../src/domain/schema-validator.js';
import { InvocationError, type LocalFunction } from '../runtime/local-function.js';
import { evaluatePolicy } from './policy.js';

/** Settings of {@link LocalApiGateway}. */
export type LocalApiGatewayOptions = {
  authorizer: LocalFunction;
  hook: LocalFunction;
  /** Authorizer decisions are cached per token this long (the infra's `resultsCacheTtl`). */
  authorizerCacheTtlSeconds?: number;
  /** Larger bodies are blocked, as the WAF rule `HookBodySize` blocks them (403). */
  maxBodyBytes?: number;
  stage?: string;
  apiId?: string;
  region?: string;
  accountId?: string;
  /** Receives one JSON access log line per request (no headers, no body). */
  onAccessLog?: (line: string) => void;
  /** Receives the body of every request the hook function answered, with its answer (the refusals list). */
  onHookAnswer?: (requestBody: string, answerBody: string) => void;
};

type CachedDecision = { expiresAt: number; result: APIGatewayAuthorizerResult };

/** How many tokens the authorizer cache holds before it drops the oldest. */
const CACHE_MAX_ENTRIES = 10_000;
/** API Gateway's integration timeout. */
const INTEGRATION_TIMEOUT_MS = 29_000;

const validateBody = compileSchema(oktaHookSchema);

/** The Okta event hook route's resource (the infra's `EVENT_HOOK_PATH`). */
const EVENT_HOOK_RESOURCE = '/okta-events';

/** What the gateway did with one request, for tests and the access log. */
export type GatewayStats = {
  authorizerInvocations: number;
  authorizerCacheHits: number;
  hookInvocations: number;
};

type Answer = { status: number; headers?: Record<string, string>; body: string; errorType?: string };

const TEMPLATES = new Map(GATEWAY_RESPONSES.map((spec) => [spec.type, gatewayResponseTemplate(spec)]));

/**
 * The body API Gateway sends for a gateway response: the deployed template with `$context.error.messageString`
 * replaced by the message as a JSON string, as API Gateway does (simple substitution, no VTL).
 *
 * @param type - the gateway response type
 * @param message - API Gateway's message for it (null for authorizer errors, whose templates do not use it)
 */
export function renderGatewayResponse(type: GatewayResponseType, message: string | null): string {
  const template = TEMPLATES.get(type);
  if (!template) throw new Error(`No gateway response for ${type}`);
  // A replacer function: a message holding `$&` or `$1` must not be read as a replacement pattern.
  return template.replaceAll(GATEWAY_MESSAGE_VARIABLE, () => JSON.stringify(message));
}

/** An answer of API Gateway's own: its status and `x-amzn-errortype`, the body from the gateway response. */
const gatewayError = (
  status: number,
  errorType: string,
  type: GatewayResponseType,
  message: string | null,
): Answer => ({ status, errorType, body: renderGatewayResponse(type, message) });

/** The local REST API: `POST /hook` only, like the deployed one. */
export class LocalApiGateway {
  readonly stage: string;
  readonly apiId: string;
  readonly region: string;
  readonly accountId: string;
  #options: LocalApiGatewayOptions;
  readonly #cache = new Map<string, CachedDecision>();
  readonly #stats: GatewayStats = { authorizerInvocations: 0, authorizerCacheHits: 0, hookInvocations: 0 };

  constructor(options: LocalApiGatewayOptions) {
    this.#options = options;
    this.stage = options.stage ?? 'local';
    this.apiId = options.apiId ?? 'localapi01';
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
  }

  /** The method ARN of `POST /hook`, as the authorizer event carries it. */
  methodArn(method = 'POST', path = 'hook'): string {
    return `arn:aws:execute-api:${this.region}:${this.accountId}:${this.apiId}/${this.stage}/${method}/${path}`;
  }

  stats(): GatewayStats {
    return { ...this.#stats };
  }

  /**
   * Runs a new authorizer from now on (a redeploy with other settings) and forgets the old one's cached decisions;
   * gives back the one it replaced.
   */
  replaceAuthorizer(authorizer: LocalFunction): LocalFunction {
    const previous = this.#options.authorizer;
    this.#options = { ...this.#options, authorizer };
    this.flushAuthorizerCache();
    return previous;
  }

  /** Forgets every cached authorizer decision (API Gateway's "flush authorizer cache"). */
  flushAuthorizerCache(): void {
    this.#cache.clear();
  }

  /**
   * Serves one `POST /hook`.
   *
   * @param req - the request (its body already read)
   * @param res - the response
   * @param body - the raw body; undefined when it exceeded the size limit
   */
  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): Promise<void> {
    await this.#serve(req, res, '/hook', (requestId, log) => this.#process(req, body, requestId, log));
  }

  /**
   * One request of any route, as API Gateway serves it: a request id, the access log line (its `requestTime`, API
   * Gateway's `requestTimeEpoch`, is when the request arrived, before any authorizer ran), the answer `produce` gives
   * (a 500 if it throws) with API Gateway's headers, then the line's status and latency.
   */
  async #serve(
    req: IncomingMessage,
    res: ServerResponse,
    resourcePath: string,
    produce: (requestId: string, log: Record<string, unknown>) => Promise<Answer>,
  ): Promise<void> {
    const started = performance.now();
    const requestId = randomUUID();
    const log: Record<string, unknown> = {
      requestId,
      requestTime: Date.now(),
      ip: req.socket.remoteAddress,
      httpMethod: req.method,
      resourcePath,
    };
    let answer: Answer;
    try {
      answer = await produce(requestId, log);
    } catch {
      answer = gatewayError(500, 'InternalServerErrorException', 'DEFAULT_5XX', 'Internal server error');
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...answer.headers,
      'x-amzn-requestid': requestId,
      'x-amz-apigw-id': requestId.slice(0, 16),
      ...(answer.errorType ? { 'x-amzn-errortype': answer.errorType } : {}),
    };
    if (!res.headersSent) {
      res.writeHead(answer.status, headers);
      res.end(answer.body);
    }
    log.status = answer.status;
    log.responseLatency = Math.round(performance.now() - started);
    if (answer.errorType) log.errorType = answer.errorType;
    this.#options.onAccessLog?.(JSON.stringify(log));
  }

  async #process(
    req: IncomingMessage,
    body: Buffer | undefined,
    requestId: string,
    log: Record<string, unknown>,
  ): Promise<Answer> {
    if (body === undefined) {
      log.wafStatus = 'BLOCK';
      return gatewayError(403, 'WAFBlocked', 'WAF_FILTERED', 'Forbidden');
    }
    const authorization = req.headers.authorization;
    // API Gateway checks the identity source and the validation regex itself, without invoking the authorizer.
    if (!authorization || !parseBearer(authorization)) {
      log.authorizerStatus = 401;
      return gatewayError(401, 'UnauthorizedException', 'UNAUTHORIZED', 'Unauthorized');
    }
    const methodArn = this.methodArn();
    const decision = await this.#authorize(authorization, methodArn, log);
    if ('status' in decision) return decision;
    const verdict = evaluatePolicy(decision.policyDocument, methodArn);
    if (verdict === 'deny') {
      log.authorizerStatus = 403;
      return gatewayError(
        403,
        'AccessDeniedException',
        'ACCESS_DENIED',
        'User is not authorized to access this resource with an explicit deny',
      );
    }
    if (verdict === 'no-match') {
      log.authorizerStatus = 403;
      return gatewayError(
        403,
        'AccessDeniedException',
        'ACCESS_DENIED',
        'User is not authorized to access this resource',
      );
    }
    log.authorizerStatus = 200;
    log.clientId = decision.context?.clientId;

    const text = body.toString('utf8');
    const invalid = this.#validate(text);
    if (invalid) return invalid;

    return this.#integrate(req, text, requestId, log, log.requestTime as number, {
      resource: '/hook',
      fn: this.#options.hook,
      authorizer: { ...decision.context, principalId: decision.principalId, integrationLatency: 0 },
    });
  }

  /**
   * Serves one request of the Okta event hook route (`GET`/`POST /okta-events`): no authorizer (the function checks
   * Okta's header secret), no body model, API Gateway's own 10 MB body limit rather than the hook's WAF rule.
   *
   * @param req - the request (its body already read)
   * @param res - the response
   * @param body - the raw body; undefined when it exceeded API Gateway's limit
   * @param fn - the verification function
   */
  async handleEventHook(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer | undefined,
    fn: LocalFunction,
  ): Promise<void> {
    await this.#serve(req, res, EVENT_HOOK_RESOURCE, async (requestId, log) => {
      if (req.method !== 'GET' && req.method !== 'POST') {
        return gatewayError(
          403,
          'MissingAuthenticationTokenException',
          'DEFAULT_4XX',
          'Missing Authentication Token',
        );
      }
      if (body === undefined) {
        return gatewayError(413, 'RequestTooLongException', 'REQUEST_TOO_LARGE', 'Request Too Long');
      }
      return this.#integrate(req, body.toString('utf8'), requestId, log, log.requestTime as number, {
        resource: EVENT_HOOK_RESOURCE,
        fn,
      });
    });
  }

  async #authorize(
    token: string,
    methodArn: string,
    log: Record<string, unknown>,
  ): Promise<APIGatewayAuthorizerResult | Answer> {
    const now = Date.now();
    const cached = this.#cache.get(token);
    if (cached && cached.expiresAt > now) {
      this.#stats.authorizerCacheHits += 1;
      log.authorizerCache = 'hit';
      return cached.result;
    }
    this.#cache.delete(token);
    this.#stats.authorizerInvocations += 1;
    const started = performance.now();
    const event: APIGatewayTokenAuthorizerEvent = { type: 'TOKEN', authorizationToken: token, methodArn };
    try {
      const result = await this.#options.authorizer.invoke<APIGatewayAuthorizerResult>(event);
      log.authorizerLatency = Math.round(performance.now() - started);
      if (!result || typeof result.principalId !== 'string' || !result.policyDocument) {
        log.authorizerStatus = 500;
        return gatewayError(500, 'AuthorizerConfigurationException', 'AUTHORIZER_CONFIGURATION_ERROR', null);
      }
      const ttl = (this.#options.authorizerCacheTtlSeconds ?? 300) * 1000;
      if (ttl > 0) {
        if (this.#cache.size >= CACHE_MAX_ENTRIES) {
          const oldest = this.#cache.keys().next().value;
          if (oldest !== undefined) this.#cache.delete(oldest);
        }
        this.#cache.set(token, { expiresAt: now + ttl, result });
      }
      return result;
    } catch (error) {
      log.authorizerLatency = Math.round(performance.now() - started);
      if (
        error instanceof InvocationError &&
        error.kind === 'handler' &&
        error.errorMessage === 'Unauthorized'
      ) {
        log.authorizerStatus = 401;
        return gatewayError(401, 'UnauthorizedException', 'UNAUTHORIZED', 'Unauthorized');
      }
      log.authorizerStatus = 500;
      log.authorizerError = error instanceof Error ? error.message : String(error);
      return gatewayError(500, 'AuthorizerFailureException', 'AUTHORIZER_FAILURE', null);
    }
  }

  /**
   * The request validator with the body model; answers with the infra's `BAD_REQUEST_BODY` gateway response, whose
   * message is API Gateway's "Invalid request body" (the field-level detail goes to the execution log there).
   */
  #validate(text: string): Answer | undefined {
    let valid: boolean;
    try {
      valid = validateBody(JSON.parse(text) as unknown).length === 0;
    } catch {
      valid = false;
    }
    if (valid) return undefined;
    return gatewayError(400, 'BadRequestException', 'BAD_REQUEST_BODY', 'Invalid request body');
  }

  async #integrate(
    req: IncomingMessage,
    body: string,
    requestId: string,
    log: Record<string, unknown>,
    receivedAt: number,
    route: { resource: string; fn: LocalFunction; authorizer?: Record<string, unknown> },
  ): Promise<Answer> {
    const method = req.method ?? 'POST';
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      const value = req.rawHeaders[i + 1]!;
      headers[name] = value;
      multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
    }
    const now = receivedAt;
    const event: APIGatewayProxyEvent = {
      resource: route.resource,
      path: route.resource,
      httpMethod: method,
      headers,
      multiValueHeaders,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      body: method === 'GET' ? null : body,
      isBase64Encoded: false,
      requestContext: {
        accountId: this.accountId,
        apiId: this.apiId,
        authorizer: route.authorizer ?? null,
        domainName: String(req.headers.host ?? '127.0.0.1'),
        domainPrefix: '127',
        extendedRequestId: requestId.slice(0, 16),
        httpMethod: method,
        identity: {
          accessKey: null,
          accountId: null,
          apiKey: null,
          apiKeyId: null,
          caller: null,
          clientCert: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          user: null,
          userAgent: String(req.headers['user-agent'] ?? ''),
          userArn: null,
        },
        path: `/${this.stage}${route.resource}`,
        protocol: `HTTP/${req.httpVersion}`,
        requestId,
        requestTime: new Date(now).toUTCString(),
        requestTimeEpoch: now,
        resourceId: route.resource === '/hook' ? 'hook01' : 'events',
        resourcePath: route.resource,
        stage: this.stage,
      },
    };
    if (route.fn === this.#options.hook) this.#stats.hookInvocations += 1;
    const started = performance.now();
    try {
      const result = await Promise.race([
        route.fn.invoke<APIGatewayProxyResult>(event),
        new Promise<'timeout'>((resolve) => setTimeout(resolve, INTEGRATION_TIMEOUT_MS, 'timeout').unref()),
      ]);
      log.integrationLatency = Math.round(performance.now() - started);
      if (result === 'timeout') {
        return gatewayError(504, 'IntegrationTimeout', 'INTEGRATION_TIMEOUT', 'Endpoint request timed out');
      }
      if (
        !result ||
        typeof result.statusCode !== 'number' ||
        (result.body !== undefined && typeof result.body !== 'string')
      ) {
        log.integrationStatus = 200;
        return gatewayError(502, 'InternalServerErrorException', 'DEFAULT_5XX', 'Internal server error');
      }
      log.integrationStatus = 200;
      if (route.fn === this.#options.hook) this.#options.onHookAnswer?.(body, result.body ?? '');
      const out: Record<string, string> = {};
      for (const [name, value] of Object.entries(result.headers ?? {}))
        out[name.toLowerCase()] = String(value);
      return { status: result.statusCode, headers: out, body: result.body ?? '' };
    } catch {
      log.integrationLatency = Math.round(performance.now() - started);
      log.integrationStatus = 500;
      return gatewayError(502, 'InternalServerErrorException', 'DEFAULT_5XX', 'Internal server error');
    }
  }
}
