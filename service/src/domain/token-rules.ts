/**
 * The token rules of the authorizer: what makes a bearer token Okta's access token for this hook (a `kid`, a
 * signature by one of Okta's keys, issuer, audience, expiry, the custom scope in `scp`, an allowed client), and the
 * stable reason each refusal is counted under. Claims must have the shapes a custom authorization server issues
 * them in (`aud` and `cid` strings, `scp` an array of strings, `iat` not in the future, a lifetime Okta allows):
 * a token Okta never mints is refused even when its signature verifies. Keys come through the {@link KeyResolver}
 * port; nothing here knows about Lambda, the network or logging.
 */
import {
  type CryptoKey,
  errors,
  type FlattenedJWSInput,
  type JWK,
  type JWSHeaderParameters,
  type JWTPayload,
  jwtVerify,
  type KeyObject,
} from 'jose';
import { parseBearer } from './bearer.js';

/**
 * Every reason a token can be refused with: the low-cardinality `reason` dimension of `AuthorizerDenied`.
 * `internal` is not the token's fault: it is a bug, logged at ERROR.
 *
 * The `…_shape` reasons, `issued_in_future` and `lifetime` name tokens Okta never issues from a custom
 * authorization server; with a valid signature they point at a token inline hook or a leaked key, not at a caller.
 */
export const DENY_REASONS = [
  'missing',
  'malformed',
  'missing_kid',
  'signature',
  'expired',
  'not_yet_valid',
  'issued_in_future',
  'lifetime',
  'issuer',
  'audience',
  'audience_shape',
  'scope',
  'scope_shape',
  'client',
  'client_shape',
  'unknown_key',
  'jwks_unavailable',
  'internal',
] as const;

/** Why a token was refused: the low-cardinality `reason` dimension of `AuthorizerDenied`. */
export type DenyReason = (typeof DENY_REASONS)[number];

/** A refused token, with its reason. */
export class TokenDeniedError extends Error {
  public override readonly name = 'TokenDeniedError';
  constructor(
    public readonly reason: DenyReason,
    message: string,
  ) {
    super(message);
  }
}

/** Okta's keys could not be had (timeout, network, non-200, junk) and no cached key matches the token. */
export class JwksUnavailableError extends Error {
  public override readonly name = 'JwksUnavailableError';
}

/** A public key jose can verify a signature with. */
export type VerificationKey = CryptoKey | KeyObject | JWK | Uint8Array;

/**
 * The port to Okta's signing keys (the JWKS adapter implements it; tests use an in-memory one).
 *
 * `keyFor` is only asked for a header that has a `kid` and an allowed `alg`. It resolves the key with that `kid`,
 * or rejects with jose's `errors.JWKSNoMatchingKey` when there is none, or with {@link JwksUnavailableError} when
 * the keys cannot be had. Anything else it throws is treated as a bug (`internal`).
 */
export interface KeyResolver {
  /**
   * The key a token was signed with.
   *
   * @param header - the token's JWS protected header (with `kid` and `alg`)
   * @param token - the token as a flattened JWS
   */
  keyFor(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<VerificationKey>;
}

/** What a token must satisfy (the authorizer's settings). */
export type TokenRules = {
  /** Okta authorization server issuer, exact. */
  issuer: string;
  /** Expected `aud`: one string, as a custom authorization server issues it. */
  audience: string;
  /** Custom scope that must be in the `scp` array. */
  requiredScope: string;
  /** Allowed `cid` values; empty allows any client of the issuer. */
  allowedClientIds: string[];
  /** Allowed JWS algorithms. */
  algorithms: string[];
  /** Clock skew tolerated on `exp`, `nbf` and `iat`. */
  clockToleranceSeconds: number;
  /** Longest `exp - iat` allowed: Okta's access policy rules allow 5 minutes to 24 hours. */
  maxTokenLifetimeSeconds: number;
};

/** A token that passed every rule. */
export type VerifiedToken = {
  /** The verified claims. */
  claims: JWTPayload;
  /** Okta's client id: the `cid` string, the only claim Okta names the client in (and a reserved one). */
  clientId: string;
  /** `sub` when it is a string, else empty. */
  subject: string;
};

/**
 * Reads the bearer token from `Authorization: Bearer <jwt>` (scheme case-insensitive).
 *
 * @param header - the header value
 * @throws TokenDeniedError `missing` or `malformed`
 */
export function bearerToken(header: string | undefined): string {
  if (!header?.trim()) throw new TokenDeniedError('missing', 'No Authorization header');
  const token = parseBearer(header);
  if (!token) throw new TokenDeniedError('malformed', 'Authorization is not "Bearer <jwt>"');
  return token;
}

/**
 * The scopes a token grants, read as Okta sends them: `scp`, a JSON array of strings. A space-separated `scp` or a
 * `scope` claim (RFC 8693 / RFC 9068 style) is not what a custom authorization server issues, and a `scope` claim
 * in an access token can only be an admin's custom claim, so neither grants anything.
 *
 * @param payload - verified claims
 * @returns the scopes, or `undefined` when `scp` is missing or not an array of strings
 */
export function scopesOf(payload: JWTPayload): string[] | undefined {
  const scp = payload.scp;
  if (!Array.isArray(scp) || !scp.every((scope) => typeof scope === 'string')) return undefined;
  return scp;
}

/**
 * Refuses claims Okta never issues in an access token from a custom authorization server: `aud` not one string,
 * `cid` not a non-empty string, `scp` not an array of strings, `iat` beyond the clock tolerance in the future, and a
 * lifetime (`exp - iat`) longer than the rules allow. Runs after jose has checked that `exp` and `iat` are numbers.
 *
 * @param payload - claims whose signature, issuer, audience and expiry jose has verified
 * @param rules - the clock tolerance and the longest lifetime
 * @param nowSeconds - the current time, in seconds since the epoch
 * @throws TokenDeniedError `audience_shape`, `client_shape`, `scope_shape`, `issued_in_future` or `lifetime`
 */
function assertOktaShapes(payload: JWTPayload, rules: TokenRules, nowSeconds: number): void {
  // jose accepts an array that merely contains the audience; Okta issues the server's one audience as a string.
  if (typeof payload.aud !== 'string') {
    throw new TokenDeniedError('audience_shape', 'Token aud is not a single string');
  }
  // String(['0oa1']) is '0oa1': an array must never reach the allow-list comparison.
  if (typeof payload.cid !== 'string' || payload.cid === '') {
    throw new TokenDeniedError('client_shape', 'Token cid is missing or not a string');
  }
  if (scopesOf(payload) === undefined) {
    throw new TokenDeniedError('scope_shape', 'Token scp is missing or not an array of strings');
  }
  const iat = payload.iat as number;
  const exp = payload.exp as number;
  if (iat > nowSeconds + rules.clockToleranceSeconds) {
    throw new TokenDeniedError('issued_in_future', 'Token iat is in the future beyond the clock tolerance');
  }
  if (exp - iat > rules.maxTokenLifetimeSeconds) {
    throw new TokenDeniedError('lifetime', 'Token lifetime (exp - iat) is longer than the maximum');
  }
}

/**
 * Why a verification failed, as a {@link DenyReason}. Token and key errors map to their reason; anything else
 * (a bug, in the rules or in a key resolver) is `internal`, never blamed on the token.
 *
 * @param error - what {@link verifyToken} or {@link bearerToken} threw
 */
export function denialReason(error: unknown): DenyReason {
  if (error instanceof TokenDeniedError) return error.reason;
  if (
    error instanceof JwksUnavailableError ||
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid
  ) {
    return 'jwks_unavailable';
  }
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'not_yet_valid';
    if (error.claim === 'iss') return 'issuer';
    if (error.claim === 'aud') return 'audience';
    return 'malformed';
  }
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown_key';
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JOSEAlgNotAllowed ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return 'signature';
  }
  // JWSInvalid, JWTInvalid, JOSENotSupported, JWKInvalid…: the token (or a key it names) is not usable.
  if (error instanceof errors.JOSEError) return 'malformed';
  return 'internal';
}

/**
 * Verifies one token against the rules, with the signing key from the port.
 *
 * @param token - compact JWS
 * @param rules - issuer, audience, scope, clients, algorithms, clock tolerance, longest lifetime
 * @param keys - the key-resolver port
 * @returns the verified claims, client id and subject
 * @throws TokenDeniedError, a jose error or {@link JwksUnavailableError}; map with {@link denialReason}
 */
export async function verifyToken(
  token: string,
  rules: TokenRules,
  keys: KeyResolver,
): Promise<VerifiedToken> {
  const { payload } = await jwtVerify(
    token,
    (header, jws) => {
      // Without a kid a one-key JWKS would match any token, and a rotation could not be told from a forgery.
      if (typeof header.kid !== 'string' || header.kid === '') {
        throw new TokenDeniedError('missing_kid', 'Token header has no kid');
      }
      return keys.keyFor(header, jws);
    },
    {
      issuer: rules.issuer,
      audience: rules.audience,
      algorithms: rules.algorithms,
      clockTolerance: rules.clockToleranceSeconds,
      // Okta always sets iat; jose then also checks that it is a number (else `malformed`, as for exp).
      requiredClaims: ['exp', 'iat', 'iss', 'aud'],
    },
  );
  assertOktaShapes(payload, rules, Math.floor(Date.now() / 1000));
  const clientId = payload.cid as string;
  if (!scopesOf(payload)?.includes(rules.requiredScope)) {
    throw new TokenDeniedError('scope', `Token lacks the scope ${rules.requiredScope}`);
  }
  if (rules.allowedClientIds.length > 0 && !rules.allowedClientIds.includes(clientId)) {
    throw new TokenDeniedError('client', 'Token client id is not allowed');
  }
  return { claims: payload, clientId, subject: typeof payload.sub === 'string' ? payload.sub : '' };
}
