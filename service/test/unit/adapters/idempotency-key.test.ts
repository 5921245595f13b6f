// The idempotency record's key without Powertools' JMESPath search: the same string Powertools builds for the
// request's `idempotencyKey`, byte for byte, so records written before and after the change match their replays.
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { OtpIdempotencyStore } from '../../../src/adapters/idempotency.js';

function configuredStore(): OtpIdempotencyStore {
  const store = new OtpIdempotencyStore({
    tableName: 'idempotency',
    awsSdkV3Client: new DynamoDBClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' }),
  });
  store.configure({
    config: new IdempotencyConfig({
      eventKeyJmesPath: 'idempotencyKey',
      payloadValidationJmesPath: 'fingerprint',
    }),
    functionName: 'deliver-otp',
  });
  return store;
}

type KeyOf = (data: unknown) => string;
const ours = (store: OtpIdempotencyStore): KeyOf =>
  (store as unknown as { getHashedIdempotencyKey: KeyOf }).getHashedIdempotencyKey.bind(store);
const powertools =
  (store: OtpIdempotencyStore): KeyOf =>
  (data) =>
    (
      BasePersistenceLayer.prototype as unknown as { getHashedIdempotencyKey: KeyOf }
    ).getHashedIdempotencyKey.call(store, data);

describe('the idempotency key', () => {
  it.each(['Xhb3K9pVlV_gJDl12WYS7NQ', 'evt-"quoted"-\\-ünïcödé-🙂', 'a'.repeat(512)])(
    'is the key Powertools builds for idempotencyKey %j',
    (idempotencyKey) => {
      // Prepare
      const store = configuredStore();
      const request = { idempotencyKey, fingerprint: 'f', otpCode: '123456', ttlSeconds: 300 };

      // Act
      const key = ours(store)(request);

      // Assess
      expect(key).toBe(powertools(store)(request));
      expect(key).toMatch(/deliver-otp#[A-Za-z0-9+/]{22}==$/);
    },
  );
});
