import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
} from 'jose';

/** Okta's JWKS could not be fetched (timeout, network, non-200, junk) and no cached key matched. */
export class JwksUnavailableError extends Error {
  public override readonly name = 'JwksUnavailableError';
}

function isUnavailable(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  if (error instanceof TypeError) return true; // fetch() network failure
  return error instanceof errors.JOSEError && /JSON Web Key Set HTTP response/.test(error.message);
}

/** Options of {@link createKeyResolver}. */
export type KeyResolverOptions = { jwksUri: string; timeoutMs: number; cooldownMs: number };

/**
 * Okta's signing keys, from `{issuer}/v1/keys`, created once per cold start so the cache survives invocations.
 * jose caches the set for 10 minutes and refetches on an unknown `kid` at most once per cooldown, so a flood of
 * random kids cannot hammer Okta. On top of that, when Okta's JWKS is unreachable the last good set keeps
 * verifying (and is used without asking again until the cooldown passes), so an Okta outage of the keys endpoint
 * does not lock everyone out.
 *
 * @param options - JWKS URI, fetch timeout (≤ 1,500 ms) and cooldown
 */
export function createKeyResolver(options: KeyResolverOptions) {
  const remote = createRemoteJWKSet(new URL(options.jwksUri), {
    timeoutDuration: options.timeoutMs,
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: 10 * 60_000,
  });
  let lastGood: { jwks: JSONWebKeySet; local: ReturnType<typeof createLocalJWKSet>; at: number } | undefined;
  let unavailableUntil = 0;

  const fromCache = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    if (!lastGood) throw new JwksUnavailableError('Okta JWKS is unreachable and no keys are cached');
    try {
      return await lastGood.local(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) {
        throw new JwksUnavailableError('Okta JWKS is unreachable and no cached key matches the token');
      }
      throw error;
    }
  };

  return async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
    if (Date.now() < unavailableUntil) return fromCache(header, token);
    try {
      const key = await remote(header, token);
      if (!lastGood || Date.now() - lastGood.at > 60_000) {
        const jwks = remote.jwks();
        if (jwks) lastGood = { jwks, local: createLocalJWKSet(jwks), at: Date.now() };
      }
      return key;
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      unavailableUntil = Date.now() + options.cooldownMs;
      return fromCache(header, token);
    }
  };
}
