import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DeliveryRequest } from '../domain/hook-request.js';

/**
 * Powertools' DynamoDB persistence layer with a per-request record lifetime: a record lives exactly as long as
 * the OTP it guards (`otpExpires`), not one fixed TTL. Powertools computes the expiry synchronously at the start
 * of each save, so setting it just before is safe even with concurrent requests in one process.
 */
export class OtpIdempotencyStore extends DynamoDBPersistenceLayer {
  public override saveInProgress(data: JSONValue, remainingTimeInMillis?: number): Promise<void> {
    return this.#withLifetimeOf(data, () => super.saveInProgress(data, remainingTimeInMillis));
  }

  public override saveSuccess(data: JSONValue, result: JSONValue): Promise<void> {
    return this.#withLifetimeOf(data, () => super.saveSuccess(data, result));
  }

  /** Runs `save` with the request's lifetime, then restores the configured one (Powertools checks it per call). */
  #withLifetimeOf(data: JSONValue, save: () => Promise<void>): Promise<void> {
    const ttl = (data as Partial<DeliveryRequest> | null)?.ttlSeconds;
    const configured = this.expiresAfterSeconds;
    if (typeof ttl === 'number' && ttl > 0) this.expiresAfterSeconds = ttl;
    try {
      return save();
    } finally {
      this.expiresAfterSeconds = configured;
    }
  }
}

/**
 * The idempotency store and config of the delivery: keyed on `idempotencyKey` (eventId, else request id),
 * validated on a digest of phone and code so a reused key with another code is refused, never replayed.
 *
 * @param client - DynamoDB client with deadline-sized timeouts
 * @param tableName - Powertools-schema table (`id`, `expiration`, `status`, `data`, `in_progress_expiration`)
 */
export function createIdempotency(client: DynamoDBClient, tableName: string) {
  const persistenceStore = new OtpIdempotencyStore({ tableName, awsSdkV3Client: client });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'idempotencyKey',
    payloadValidationJmesPath: 'fingerprint',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: 600,
  });
  return { persistenceStore, config };
}
