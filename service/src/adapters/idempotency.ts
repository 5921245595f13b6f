import { createHash } from 'node:crypto';
import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyInconsistentStateError,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import type { DeliveryOutcome } from '../domain/deliver.js';
import {
  DuplicateInFlightError,
  IdempotencyKeyReusedError,
  type IdempotencyPort,
  IdempotencyStoreUnavailableError,
} from '../domain/exactly-once.js';
import type { DeliveryRequest } from '../domain/hook-request.js';

/**
 * Powertools' DynamoDB persistence layer with a per-request record lifetime: a record lives exactly as long as
 * the OTP it guards (`otpExpires`), not one fixed TTL. Powertools computes the expiry synchronously at the start
 * of each save, so setting it just before is safe even with concurrent requests in one process.
 *
 * The `validation` attribute is Powertools' MD5 of the request's `fingerprint`, a keyed digest (HMAC) of number
 * and code. A request without one (the fingerprint key could not be read) is saved with no `validation` at all:
 * storing an unkeyed digest of a 6-digit code would let anyone who reads the table recover the code. Such a
 * record, and such a request, skip the payload check: a replay gets the stored answer, never a second send.
 */
export class OtpIdempotencyStore extends DynamoDBPersistenceLayer {
  /** True while saving a request that has no fingerprint. */
  #unkeyed = false;

  public override saveInProgress(data: JSONValue, remainingTimeInMillis?: number): Promise<void> {
    return this.#savingFor(data, () => super.saveInProgress(data, remainingTimeInMillis));
  }

  public override saveSuccess(data: JSONValue, result: JSONValue): Promise<void> {
    return this.#savingFor(data, () => super.saveSuccess(data, result));
  }

  /**
   * The record's key, as Powertools builds it with `eventKeyJmesPath: 'idempotencyKey'` (its default MD5 of the JSON
   * of the key), byte for byte, without a JMESPath search each of the two or three times a delivery asks for it.
   * Anything that is not a request with a key goes to Powertools.
   */
  protected override getHashedIdempotencyKey(data: JSONValue): string {
    const key = (data as Partial<DeliveryRequest> | null)?.idempotencyKey;
    if (typeof key !== 'string' || key === '') return super.getHashedIdempotencyKey(data);
    return `${this.idempotencyKeyPrefix}#${createHash('md5').update(JSON.stringify(key)).digest('base64')}`;
  }

  /** Powertools asks this while it builds a record: off for a request without a fingerprint. */
  public override isPayloadValidationEnabled(): boolean {
    return !this.#unkeyed && super.isPayloadValidationEnabled();
  }

  /** Checks the fingerprint only when both sides have one: without the key there is nothing to compare. */
  public override processExistingRecord(
    storedDataRecord: IdempotencyRecord,
    processedData: JSONValue | IdempotencyRecord,
  ): IdempotencyRecord {
    const request = processedData as Partial<DeliveryRequest> | null;
    const isRequest = typeof request?.idempotencyKey === 'string';
    if (isRequest && (!request?.fingerprint || !storedDataRecord.payloadHash)) return storedDataRecord;
    return super.processExistingRecord(storedDataRecord, processedData);
  }

  /**
   * Runs `save` with the request's lifetime and, for a request without a fingerprint, with validation off; then
   * restores both. Powertools reads them synchronously when the save starts, before its first await.
   */
  #savingFor(data: JSONValue, save: () => Promise<void>): Promise<void> {
    const request = data as Partial<DeliveryRequest> | null;
    const ttl = request?.ttlSeconds;
    const configured = this.expiresAfterSeconds;
    if (typeof ttl === 'number' && ttl > 0) this.expiresAfterSeconds = ttl;
    this.#unkeyed = typeof request?.fingerprint !== 'string';
    try {
      return save();
    } finally {
      this.expiresAfterSeconds = configured;
      this.#unkeyed = false;
    }
  }
}

/**
 * The {@link IdempotencyPort} on Powertools idempotency and DynamoDB: keyed on `idempotencyKey` (eventId, else
 * request id), validated on the request's fingerprint so a reused key with another code is refused, never
 * replayed. Powertools' errors become the domain's.
 */
export class PowertoolsIdempotency implements IdempotencyPort {
  readonly #config: IdempotencyConfig;
  readonly #once: (
    request: DeliveryRequest,
    deliver: () => Promise<DeliveryOutcome>,
  ) => Promise<DeliveryOutcome>;

  /**
   * @param client - DynamoDB client with deadline-bound calls
   * @param tableName - Powertools-schema table (`id`, `expiration`, `status`, `data`, `in_progress_expiration`)
   */
  constructor(client: DynamoDBClient, tableName: string) {
    const persistenceStore = new OtpIdempotencyStore({ tableName, awsSdkV3Client: client });
    this.#config = new IdempotencyConfig({
      eventKeyJmesPath: 'idempotencyKey',
      payloadValidationJmesPath: 'fingerprint',
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: 600,
    });
    this.#once = makeIdempotent(
      async (_request: DeliveryRequest, deliver: () => Promise<DeliveryOutcome>) => deliver(),
      { persistenceStore, config: this.#config, dataIndexArgument: 0 },
    );
  }

  /** Powertools bounds an in-flight record by the invocation's remaining time: without it, a crash blocks the key. */
  public registerContext(context: Context): void {
    this.#config.registerLambdaContext(context);
  }

  public async once(
    request: DeliveryRequest,
    deliver: () => Promise<DeliveryOutcome>,
  ): Promise<DeliveryOutcome> {
    try {
      return await this.#once(request, deliver);
    } catch (error) {
      if (
        error instanceof IdempotencyAlreadyInProgressError ||
        error instanceof IdempotencyInconsistentStateError
      ) {
        throw new DuplicateInFlightError(error.message, { cause: error });
      }
      if (error instanceof IdempotencyValidationError) {
        throw new IdempotencyKeyReusedError(error.message, { cause: error });
      }
      if (error instanceof IdempotencyPersistenceLayerError) {
        const cause = error.cause instanceof Error ? error.cause.name : error.name;
        throw new IdempotencyStoreUnavailableError(cause, { cause: error });
      }
      throw error;
    }
  }
}
