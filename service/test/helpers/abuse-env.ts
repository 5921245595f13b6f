/**
 * `ABUSE_*` values the hook refuses to start with, one per limit variable: the config's tests and the abuse tool's
 * (which must refuse exactly what the hook refuses) read the same list.
 */
export const INVALID_ABUSE_LIMITS: Array<[string, string]> = [
  ['ABUSE_NUMBER_PER_10_MINUTES', '-1'],
  ['ABUSE_NUMBER_PER_24_HOURS', 'many'],
  ['ABUSE_USER_PER_HOUR', '2.5'],
  ['ABUSE_IP_PER_HOUR', '10000000'],
  ['ABUSE_PREFIX_PER_HOUR', '1e3x'],
  ['ABUSE_REFUSED_NUMBER_TYPES', 'PREMIUM_RATE,EXPENSIVE'],
];
