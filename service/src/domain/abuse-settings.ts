/**
 * The abuse guard's settings and their defaults, apart from its rules (`abuse-guard.ts`) so that reading the
 * configuration does not load libphonenumber's full metadata: the authorizer reads the same config module.
 */
import type { NumberType as PhoneLibNumberType } from 'libphonenumber-js';

/** The velocity refusals, in the order that decides which one is the reason when several trip. */
export const VELOCITY_REASONS = ['number_10m', 'number_24h', 'user_1h', 'ip_1h', 'prefix_1h'] as const;

/** Why the guard refused a request: the `reason` metric dimension, and Okta's errorCauses reason upper-cased. */
export const ABUSE_REASONS = [
  ...VELOCITY_REASONS,
  'denied_number',
  'denied_prefix',
  'number_type',
  // The carrier's line type is one `refusedLineTypes` refuses at enrolment (domain/line-type.ts).
  'line_type',
] as const;

export type VelocityReason = (typeof VELOCITY_REASONS)[number];
export type AbuseReason = (typeof ABUSE_REASONS)[number];

/** How Okta is answered for a request the guard refused (`ABUSE_BLOCKED_ANSWER`, setting `blockedAnswer`). */
export const BLOCKED_ANSWERS = ['error', 'pretend-sent'] as const;
/** One of {@link BLOCKED_ANSWERS}. */
export type BlockedAnswer = (typeof BLOCKED_ANSWERS)[number];

/** The velocity limits; 0 turns one off. */
export type AbuseLimits = {
  numberPer10Minutes: number;
  numberPer24Hours: number;
  userPerHour: number;
  ipPerHour: number;
  prefixPerHour: number;
};

/** The product's defaults (DESIGN.md, "Abuse guard"). */
export const DEFAULT_ABUSE_LIMITS: Readonly<AbuseLimits> = {
  numberPer10Minutes: 5,
  numberPer24Hours: 15,
  userPerHour: 10,
  ipPerHour: 20,
  prefixPerHour: 20,
};

/** The hook's environment variable of each limit (`service/src/config.ts`, the CDK stack, `npm run abuse`). */
export const ABUSE_LIMIT_VARIABLES: Readonly<Record<keyof AbuseLimits, string>> = {
  numberPer10Minutes: 'ABUSE_NUMBER_PER_10_MINUTES',
  numberPer24Hours: 'ABUSE_NUMBER_PER_24_HOURS',
  userPerHour: 'ABUSE_USER_PER_HOUR',
  ipPerHour: 'ABUSE_IP_PER_HOUR',
  prefixPerHour: 'ABUSE_PREFIX_PER_HOUR',
};

/** No limit is set above this: a million codes to one key is not a limit. */
export const MAX_ABUSE_LIMIT = 1_000_000;

/** A number type as libphonenumber names it (`PREMIUM_RATE`…). */
export type NumberType = NonNullable<PhoneLibNumberType>;

/** The number types libphonenumber tells apart, for the `ABUSE_REFUSED_NUMBER_TYPES` setting. */
export const NUMBER_TYPES: readonly NumberType[] = [
  'PREMIUM_RATE',
  'SHARED_COST',
  'TOLL_FREE',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
  'FIXED_LINE',
  'MOBILE',
  'FIXED_LINE_OR_MOBILE',
];

/** Refused by default: the types a pumping attacker earns a share of the termination fee on. */
export const DEFAULT_REFUSED_NUMBER_TYPES: readonly NumberType[] = ['PREMIUM_RATE', 'SHARED_COST'];
