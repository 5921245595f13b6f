import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import type { HookConfig } from '../config.js';

/**
 * Retries throttling, transient and 5xx errors a bounded number of times with short, jittered backoff.
 * The SDK's standard strategy backs off up to seconds on throttling; here the request's deadline (an
 * AbortSignal on every call) is the real limit, so backoff stays in tens of milliseconds.
 */
export class BoundedRetryStrategy implements RetryStrategyV2 {
  constructor(
    private readonly maxAttempts: number,
    private readonly baseDelayMs = 25,
  ) {}

  public async acquireInitialRetryToken(): Promise<RetryToken> {
    return { getRetryCount: () => 0, getRetryDelay: () => 0 };
  }

  public async refreshRetryTokenForRetry(token: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const count = token.getRetryCount() + 1;
    if (count >= this.maxAttempts || info.errorType === 'CLIENT_ERROR') throw new Error('No retry');
    const delay = Math.round(this.baseDelayMs * 2 ** (count - 1) * (0.5 + Math.random()));
    return { getRetryCount: () => count, getRetryDelay: () => delay };
  }

  public recordSuccess(): void {}
}

/** The SDK clients of the delivery Lambda, each with timeouts that fit the deadline budget. */
export type HookClients = {
  templatesDb: DynamoDBClient;
  idempotencyDb: DynamoDBClient;
  messaging: PinpointSMSVoiceV2Client;
  sqs: SQSClient;
};

/**
 * Creates the clients once per cold start. Endpoints come from configuration only: locally they point at the
 * stand-ins, in AWS they are unset.
 *
 * @param config - the hook's configuration
 */
export function createHookClients(config: HookConfig): HookClients {
  const region = config.region;
  const db = (requestTimeout: number) =>
    new DynamoDBClient({
      region,
      ...(config.endpoints.dynamodb ? { endpoint: config.endpoints.dynamodb } : {}),
      maxAttempts: 2,
      retryStrategy: new BoundedRetryStrategy(2),
      requestHandler: { connectionTimeout: 200, requestTimeout },
    });
  return {
    templatesDb: db(400),
    idempotencyDb: db(400),
    messaging: new PinpointSMSVoiceV2Client({
      region,
      ...(config.endpoints.smsVoice ? { endpoint: config.endpoints.smsVoice } : {}),
      maxAttempts: 3,
      retryStrategy: new BoundedRetryStrategy(3),
      requestHandler: { connectionTimeout: 300, requestTimeout: 1500 },
    }),
    sqs: new SQSClient({
      region,
      ...(config.endpoints.sqs ? { endpoint: config.endpoints.sqs } : {}),
      maxAttempts: 2,
      retryStrategy: new BoundedRetryStrategy(2),
      requestHandler: { connectionTimeout: 200, requestTimeout: 300 },
    }),
  };
}
