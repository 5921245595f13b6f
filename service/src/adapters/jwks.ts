/**
 * Okta's signing keys, from `{issuer}/v1/keys`: the JWKS adapter behind the domain's {@link KeyResolver} port.
 */
import {
  createLocalJWKSet,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from 'jose';
import { JwksUnavailableError, type KeyResolver, type VerificationKey } from '../domain/token-rules.js';

export { JwksUnavailableError };

/** How long a fetched key set is used before it is fetched again (a key Okta withdrew stops verifying). */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;

/** Options of {@link createKeyResolver}. */
export type KeyResolverOptions = {
  /** `{issuer}/v1/keys` */
  jwksUri: string;
  /** Per-fetch timeout (≤ 1,500 ms: the authorizer is on Okta's 3 s path). */
  timeoutMs: number;
  /** Least time between the starts of two fetches (`JWKS_COOLDOWN_MS`). */
  cooldownMs: number;
  /** @default {@link JWKS_CACHE_MAX_AGE_MS} */
  cacheMaxAgeMs?: number;
};

type KeySet = { lookup: ReturnType<typeof createLocalJWKSet>; fetchedAt: number };

/**
 * One GET of the JWKS. Whatever goes wrong on the way (network, timeout, non-200, not JSON, not a key set) is
 * {@link JwksUnavailableError}; nothing else is caught here, so a bug is not mistaken for an Okta outage.
 */
async function fetchKeySet(url: URL, timeoutMs: number): Promise<KeySet> {
  let jwks: JSONWebKeySet;
  try {
    const response = await fetch(url, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new JwksUnavailableError(`Okta JWKS answered HTTP ${response.status}`);
    }
    jwks = (await response.json()) as JSONWebKeySet;
  } catch (error) {
    if (error instanceof JwksUnavailableError) throw error;
    throw new JwksUnavailableError('Okta JWKS could not be fetched', { cause: error });
  }
  try {
    return { lookup: createLocalJWKSet(jwks), fetchedAt: Date.now() };
  } catch (error) {
    if (error instanceof errors.JWKSInvalid) {
      throw new JwksUnavailableError('Okta JWKS answer is not a key set', { cause: error });
    }
    throw error;
  }
}

/**
 * Okta's keys, created once per cold start so the cache survives invocations. Built on jose's local key set:
 *
 * - The set is cached for 10 minutes; a token whose `kid` is not in it makes the resolver fetch the JWKS again.
 * - One fetch at a time: concurrent callers share the fetch in flight.
 * - Fetches start at least `cooldownMs` apart. An unknown `kid` waits for the next fetch that starts after it
 *   arrived (at most `cooldownMs`) instead of being refused, so a key Okta publishes right after a fetch is
 *   accepted within the cooldown; a flood of random kids shares those fetches and costs one per cooldown.
 * - When Okta's JWKS is unreachable the last good set keeps verifying, and for a cooldown after a failed fetch no
 *   caller waits for another one.
 *
 * @param options - JWKS URI, fetch timeout, cooldown
 */
export function createKeyResolver(options: KeyResolverOptions): KeyResolver & { prefetch(): void } {
  const url = new URL(options.jwksUri);
  const cacheMaxAgeMs = options.cacheMaxAgeMs ?? JWKS_CACHE_MAX_AGE_MS;
  let keySet: KeySet | undefined;
  let started = 0; // fetches started, numbered 1, 2, …
  let settled = 0; // fetches finished, in order (one at a time)
  let lastStartedAt = Number.NEGATIVE_INFINITY;
  let lastFailed = false;
  let pending: Promise<void> | undefined;

  /** One fetch; a failed warm-up (`prefetching`) leaves no cooldown behind: the first token fetches at once. */
  const attempt = async (prefetching = false): Promise<void> => {
    const wait = lastStartedAt + options.cooldownMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    started += 1;
    const startedAt = Date.now();
    lastStartedAt = startedAt;
    try {
      keySet = await fetchKeySet(url, options.timeoutMs);
      lastFailed = false;
    } catch (error) {
      if (!(error instanceof JwksUnavailableError)) throw error;
      if (prefetching) lastStartedAt = Number.NEGATIVE_INFINITY;
      else lastFailed = true;
    } finally {
      settled += 1;
    }
  };

  /** Resolves once fetch number `n` (or a later one) has finished. */
  const fetched = async (n: number): Promise<void> => {
    while (settled < n) {
      pending ??= attempt().finally(() => {
        pending = undefined;
      });
      await pending;
    }
  };

  const recentlyFailed = () => lastFailed && Date.now() - lastStartedAt < options.cooldownMs;

  const lookup = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<VerificationKey> => {
    if (!keySet) throw new errors.JWKSNoMatchingKey('No keys fetched yet');
    return keySet.lookup(header, token);
  };

  const keyFor = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<VerificationKey> => {
    // A fetch numbered past this one started after the call arrived, so it sees any key published before then.
    const afterArrival = started + 1;
    if ((!keySet || Date.now() - keySet.fetchedAt >= cacheMaxAgeMs) && !recentlyFailed()) {
      await fetched(settled + 1); // the one in flight will do
    }
    try {
      return await lookup(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
    }
    // An unknown kid: Okta may have rotated its keys since the last fetch.
    if (!recentlyFailed()) await fetched(afterArrival);
    try {
      return await lookup(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey && lastFailed) {
        throw new JwksUnavailableError(
          keySet
            ? 'Okta JWKS is unreachable and no cached key matches the token'
            : 'Okta JWKS is unreachable and no keys are cached',
          { cause: error },
        );
      }
      throw error;
    }
  };

  /** Starts the first fetch (at init): the first token then waits on it, not on a fetch of its own. Never throws. */
  const prefetch = (): void => {
    if (keySet || pending) return;
    pending = attempt(true).finally(() => {
      pending = undefined;
    });
    void pending.catch(() => undefined);
  };

  return { keyFor, prefetch };
}
