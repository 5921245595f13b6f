import type { KeyObject } from 'node:crypto';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { within } from '../domain/deadline.js';
import { FingerprintKeyError, fingerprintKeyFrom } from '../domain/fingerprint.js';

/** How long Powertools may cache the secret: longer than any Lambda environment lives, so one read per cold start. */
const KEY_MAX_AGE_SECONDS = 24 * 3600;

/** After a failed read, serve requests without a key for this long before asking Secrets Manager again. */
const RETRY_AFTER_FAILURE_MS = 5_000;

/** Why a request got no key: the read outlived its wait, failed (`errorName` says how), or held too short a key. */
export type FingerprintKeyMissReason = 'timeout' | 'error' | 'invalid';

/** The key, or why there is none for this request. */
export type FingerprintKeyLookup =
  | { key: KeyObject }
  | { key?: undefined; reason: FingerprintKeyMissReason; errorName?: string };

type Failure = { at: number; reason: FingerprintKeyMissReason; errorName: string };

function failureOf(error: unknown, at: number): Failure {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const errorName = cause instanceof Error ? cause.name : 'Error';
  return { at, reason: cause instanceof FingerprintKeyError ? 'invalid' : 'error', errorName };
}

/**
 * The fingerprint key from AWS Secrets Manager, through Powertools Parameters' SecretsProvider: read lazily on the
 * first request of a cold start, then held for the life of the environment (a warm request costs nothing).
 *
 * - Each request waits at most `waitMs` for the read (the handler sizes it from the deadline); a read that outlives
 *   its wait keeps going, and serves the next request when it lands.
 * - Concurrent requests share one read.
 * - After a failure, requests go without a key for a few seconds rather than each paying for a read that is likely
 *   to fail too; then the next request tries again.
 *
 * Why lazily and not at init (top-level await): Okta's 3 s run through a cold start's init as well, and a read at
 * init is bounded by nothing but the SDK's timeouts, while here the first request decides how long it can afford to
 * wait (the bundle is CommonJS besides, which has no top-level await). The cost is one Secrets Manager round trip
 * on the first request of each environment, inside that request's budget.
 */
export class SecretsManagerFingerprintKey {
  readonly #provider: SecretsProvider;
  #key: KeyObject | undefined;
  #pending: Promise<KeyObject> | undefined;
  #failure: Failure | undefined;

  /**
   * @param client - Secrets Manager client with short timeouts and few attempts
   * @param secretId - the secret's name or ARN (`FINGERPRINT_KEY_SECRET`)
   * @param options - `retryAfterFailureMs` (default 5 s) and a clock, for tests
   */
  constructor(
    client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly options: { retryAfterFailureMs?: number; now?: () => number } = {},
  ) {
    this.#provider = new SecretsProvider({ awsSdkV3Client: client });
  }

  /**
   * The key, or why this request has none.
   *
   * @param waitMs - the longest this request may wait for a read in flight
   */
  public async get(waitMs: number): Promise<FingerprintKeyLookup> {
    if (this.#key) return { key: this.#key };
    const now = this.options.now ?? Date.now;
    const failure = this.#failure;
    if (
      !this.#pending &&
      failure &&
      now() - failure.at < (this.options.retryAfterFailureMs ?? RETRY_AFTER_FAILURE_MS)
    ) {
      return { reason: failure.reason, errorName: failure.errorName };
    }
    this.#pending ??= this.#read(now);
    const read = this.#pending.then(
      (key): FingerprintKeyLookup => ({ key }),
      (): FingerprintKeyLookup => {
        const last = this.#failure ?? failureOf(undefined, now());
        return { reason: last.reason, errorName: last.errorName };
      },
    );
    return within(read, waitMs, { reason: 'timeout' } as FingerprintKeyLookup);
  }

  async #read(now: () => number): Promise<KeyObject> {
    try {
      const value = await this.#provider.get(this.secretId, { maxAge: KEY_MAX_AGE_SECONDS });
      if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
        throw new FingerprintKeyError('The fingerprint key secret has no value');
      }
      this.#key = fingerprintKeyFrom(value);
      this.#failure = undefined;
      return this.#key;
    } catch (error) {
      this.#failure = failureOf(error, now());
      throw error;
    } finally {
      this.#pending = undefined;
    }
  }
}
