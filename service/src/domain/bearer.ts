/**
 * `Authorization: Bearer <jwt>`, the scheme case-insensitive (RFC 6750). One expression serves three places: API
 * Gateway's identity validation (which refuses anything else with 401 before invoking the authorizer), the local
 * gateway that emulates it, and the authorizer itself.
 */
export const BEARER_VALIDATION_EXPRESSION =
  '^[Bb][Ee][Aa][Rr][Ee][Rr] +[-0-9A-Za-z_]+\\.[-0-9A-Za-z_]+\\.[-0-9A-Za-z_]*$';

const BEARER = new RegExp(BEARER_VALIDATION_EXPRESSION);

/**
 * The compact JWT from an Authorization header value, or undefined when it is not `Bearer <jwt>`.
 *
 * @param header - the header value
 */
export function parseBearer(header: string): string | undefined {
  const value = header.trim();
  return BEARER.test(value) ? value.slice(value.indexOf(' ')).trim() : undefined;
}
