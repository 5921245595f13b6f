/**
 * Configuration, read from the environment once at cold start. A missing or malformed setting throws
 * a {@link ConfigError} that names the variable, so a bad deploy fails loudly on its first invocation.
 */

import type { CountryCode } from 'libphonenumber-js';
import {
  ABUSE_LIMIT_VARIABLES,
  type AbuseLimits,
  BLOCKED_ANSWERS,
  type BlockedAnswer,
  DEFAULT_ABUSE_LIMITS,
  DEFAULT_REFUSED_NUMBER_TYPES,
  MAX_ABUSE_LIMIT,
  NUMBER_TYPES,
  type NumberType,
} from './domain/abuse-settings.js';
import {
  CARRIER_LOOKUP_MODES,
  type CarrierLookupMode,
  LINE_TYPES,
  type LineType,
} from './domain/line-type.js';
import { NOTIFY_TIERS, type NotifyTier } from './domain/notify.js';
import { DEFAULT_REQUIRED_SCOPE, scopeProblem } from './domain/okta-scope.js';
import { isPhoneRegion } from './domain/phone.js';
import { RESEND_POLICIES, type ResendPolicy } from './domain/resend.js';

/** A setting is missing or malformed. */
export class ConfigError extends Error {
  public override readonly name = 'ConfigError';
  /**
   * @param message - names the variable
   * @param variable - the variable, where a caller reads the same settings for people (`npm run abuse` words its
   *   usage error for an operator, from the same rule)
   */
  constructor(
    message: string,
    public readonly variable?: string,
  ) {
    super(message);
  }
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is required but not set`);
  return value;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`, name);
  }
  return value;
}

function url(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return new URL(value).toString().replace(/\/$/, '');
  } catch {
    throw new ConfigError(`${name} must be an absolute URL, got "${value}"`);
  }
}

function list(env: Env, name: string): string[] {
  return (optional(env, name) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** Settings of the Lambda authorizer. */
export type AuthorizerConfig = {
  issuer: string;
  audience: string;
  jwksUri: string;
  requiredScope: string;
  /** Allowed `cid` values; empty = any client of the issuer (`ALLOWED_CLIENT_IDS=*`, or unset). */
  allowedClientIds: string[];
  algorithms: string[];
  jwksTimeoutMs: number;
  jwksCooldownMs: number;
  clockToleranceSeconds: number;
  /** Longest access-token lifetime (`exp - iat`) accepted, in seconds: Okta's maximum, 24 h, unless set lower. */
  maxTokenLifetimeSeconds: number;
};

/** Settings of the delivery Lambda. */
export type HookConfig = {
  region: string;
  templatesTableName: string;
  idempotencyTableName: string;
  /** Name or ARN of the Secrets Manager secret holding the key of the request fingerprint (an HMAC). */
  fingerprintKeySecret: string;
  dlqUrl: string;
  deadlineMs: number;
  templatesMaxAgeSeconds: number;
  defaultLocale: string;
  /** Region for numbers Okta sends without a country code (ISO 3166-1 alpha-2); none by default. */
  defaultPhoneRegion?: CountryCode;
  configurationSetName?: string;
  /** `PROTECT_CONFIGURATION_ID`: the stack's protect configuration (country rules), named on every send. */
  protectConfigurationId?: string;
  /** `MAX_PRICE_PER_MESSAGE`: most one SMS, or one minute of a call, may cost, in US dollars (`"0.10"`). */
  maxPricePerMessage?: string;
  /** The abuse guard (DESIGN.md, "Abuse guard"). */
  abuse: AbuseConfig;
  /** `VOICE_FALLBACK=true`: an SMS to a landline goes out as a call instead (off unless set). */
  voiceFallback: boolean;
  /**
   * `RESEND_POLICY` (`escalate` default, `same`): whether a resend of a code with no success receipt goes out from the
   * route's next identity (needs the messages table).
   */
  resendPolicy: ResendPolicy;
  /**
   * `NOTIFY_TIER` (`BASIC`, `ADVANCED`): the stack made a Notify configuration of this tier; AWS's templates are read
   * at init and only those the tier may use are chosen. Unset: templates are read at the first Notify send, if any.
   */
  notifyTier?: NotifyTier;
  /**
   * `CARRIER_LOOKUP` (`off` default, `enrolment`): at pre-enrollment the number's line type is read from its carrier
   * once and kept (needs the messages table); it decides the voice fallback and `REFUSED_LINE_TYPES`.
   */
  carrierLookup: CarrierLookupMode;
  /** `REFUSED_LINE_TYPES` (comma-separated, none by default): line types refused at enrolment, e.g. `INVALID,OTHER`. */
  refusedLineTypes: LineType[];
  /**
   * `MESSAGES_TABLE_NAME`: when set, sends carry `MessageFeedbackEnabled: true` and the hook remembers each sent
   * message (receipts and conversion, DESIGN.md "Delivery receipts and conversion"). Unset: neither.
   */
  messagesTableName?: string;
  /**
   * `CONVERSION` (default `true`): whether anything marks codes used (Okta Log Streaming or the event hook). With a
   * messages table and conversion, sends ask for message feedback and messages wait for the sweep; without it, the
   * hook keeps only what receipts need (no feedback request, no prefix, nothing to sweep).
   */
  conversion: boolean;
  endpoints: Endpoints;
};

/** Settings of the abuse guard; each limit 0 = off. */
export type AbuseConfig = {
  /** `ABUSE_TABLE_NAME`: the guard's own table (counters and lists). */
  tableName: string;
  limits: AbuseLimits;
  /** `ABUSE_REFUSED_NUMBER_TYPES`: libphonenumber types never sent to. */
  refusedNumberTypes: NumberType[];
  /** `ABUSE_BLOCKED_ANSWER`: Okta's error object, or SUCCESSFUL without a send. */
  blockedAnswer: BlockedAnswer;
};

/**
 * The velocity limits (`ABUSE_*`, each 0 = off, unset = the default). Exported so that `npm run abuse` shows the
 * limits a hook with this environment would apply, read by the hook's own rules rather than a copy that could drift.
 * Throws a {@link ConfigError} with the variable for the first malformed one.
 *
 * @param env - the hook's environment, or the operator's shell
 */
export function abuseLimitsFrom(env: Env): AbuseLimits {
  return Object.fromEntries(
    Object.entries(ABUSE_LIMIT_VARIABLES).map(([key, name]) => [
      key,
      integer(env, name, DEFAULT_ABUSE_LIMITS[key as keyof AbuseLimits], 0, MAX_ABUSE_LIMIT),
    ]),
  ) as AbuseLimits;
}

/**
 * `ABUSE_REFUSED_NUMBER_TYPES`: unset means the default types; set to an empty string, none. Exported for
 * `npm run abuse`, like {@link abuseLimitsFrom}.
 *
 * @param env - the hook's environment, or the operator's shell
 */
export function refusedNumberTypesFrom(env: Env): NumberType[] {
  const types =
    env.ABUSE_REFUSED_NUMBER_TYPES === undefined
      ? [...DEFAULT_REFUSED_NUMBER_TYPES]
      : list(env, 'ABUSE_REFUSED_NUMBER_TYPES').map((type) => type.toUpperCase());
  for (const type of types) {
    if (!(NUMBER_TYPES as readonly string[]).includes(type)) {
      throw new ConfigError(
        `ABUSE_REFUSED_NUMBER_TYPES may only list ${NUMBER_TYPES.join(', ')}, got "${type}"`,
        'ABUSE_REFUSED_NUMBER_TYPES',
      );
    }
  }
  return types as NumberType[];
}

/** The abuse guard's settings. */
function abuseConfig(env: Env): AbuseConfig {
  const limits = abuseLimitsFrom(env);
  const types = refusedNumberTypesFrom(env);
  const blockedAnswer = optional(env, 'ABUSE_BLOCKED_ANSWER') ?? 'error';
  if (!(BLOCKED_ANSWERS as readonly string[]).includes(blockedAnswer)) {
    throw new ConfigError(
      `ABUSE_BLOCKED_ANSWER must be ${BLOCKED_ANSWERS.map((a) => `"${a}"`).join(' or ')}, got "${blockedAnswer}"`,
    );
  }
  return {
    tableName: required(env, 'ABUSE_TABLE_NAME'),
    limits,
    refusedNumberTypes: types,
    blockedAnswer: blockedAnswer as BlockedAnswer,
  };
}

/**
 * `ALLOWED_CLIENT_IDS`: comma-separated Okta client ids, or `*` for any client of the issuer (what the stack writes
 * for `allowedClientIds: ["*"]`). Any client comes back as an empty list, the token rules' "no client check".
 */
function clientIds(env: Env): string[] {
  const ids = list(env, 'ALLOWED_CLIENT_IDS');
  if (!ids.includes('*')) return ids;
  if (ids.length > 1) {
    throw new ConfigError('ALLOWED_CLIENT_IDS: * allows any client; give it alone, or list only client ids');
  }
  return [];
}

/** `REQUIRED_SCOPE`, by Okta's rule for custom scope names: a reserved one Okta would never issue. */
function requiredScopeOf(env: Env): string {
  const scope = optional(env, 'REQUIRED_SCOPE') ?? DEFAULT_REQUIRED_SCOPE;
  const problem = scopeProblem(scope);
  if (problem) throw new ConfigError(`REQUIRED_SCOPE: ${problem}`);
  return scope;
}

/**
 * Reads and validates the authorizer's settings.
 *
 * @param env - defaults to `process.env`
 */
export function loadAuthorizerConfig(env: Env = process.env): AuthorizerConfig {
  const issuer = url('OKTA_ISSUER', required(env, 'OKTA_ISSUER')) as string;
  const algorithms = list(env, 'JWT_ALGORITHMS');
  const allowed = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256'];
  for (const alg of algorithms) {
    if (!allowed.includes(alg))
      throw new ConfigError(`JWT_ALGORITHMS may only list ${allowed.join(', ')}, got "${alg}"`);
  }
  return {
    issuer,
    audience: required(env, 'OKTA_AUDIENCE'),
    jwksUri: url('OKTA_JWKS_URI', optional(env, 'OKTA_JWKS_URI')) ?? `${issuer}/v1/keys`,
    requiredScope: requiredScopeOf(env),
    allowedClientIds: clientIds(env),
    algorithms: algorithms.length > 0 ? algorithms : ['RS256'],
    jwksTimeoutMs: integer(env, 'JWKS_TIMEOUT_MS', 1500, 50, 1500),
    // A token with an unknown kid waits up to this long for the next JWKS fetch, on Okta's 3 s path.
    jwksCooldownMs: integer(env, 'JWKS_COOLDOWN_MS', 2000, 500, 2500),
    clockToleranceSeconds: integer(env, 'CLOCK_TOLERANCE_SECONDS', 60, 0, 60),
    // Okta's access policy rules set an access token's lifetime from 5 minutes to 24 hours: a longer-lived token
    // is not Okta's. Set it to the rule's own lifetime to refuse anything longer than what the org configured.
    maxTokenLifetimeSeconds: integer(env, 'MAX_TOKEN_LIFETIME_SECONDS', 86_400, 300, 86_400),
  };
}

/**
 * Reads and validates the delivery Lambda's settings. Routing is not among them: the templates table is its only
 * source (a warm function keeps the last routing it read when the table is unreachable, and a cold one answers
 * Okta with an error object so Okta sends the code itself). A deploy-time copy in the environment would route by
 * other rules than the table's after any `npm run templates` edit; `DEFAULT_ORIGINATION_IDENTITY`,
 * `ORIGINATION_IDENTITIES` and `ALLOWED_COUNTRIES`, which earlier stacks set, are not read.
 *
 * @param env - defaults to `process.env`
 */
export function loadHookConfig(env: Env = process.env): HookConfig {
  const configurationSetName = optional(env, 'CONFIGURATION_SET_NAME');
  const protectConfigurationId = optional(env, 'PROTECT_CONFIGURATION_ID');
  // End User Messaging's MaxPrice format, as the stack writes maxPricePerMessage: digits, a point, decimals.
  const maxPricePerMessage = optional(env, 'MAX_PRICE_PER_MESSAGE');
  if (
    maxPricePerMessage !== undefined &&
    (!/^\d{0,2}\.\d{1,5}$/.test(maxPricePerMessage) || !(Number(maxPricePerMessage) > 0))
  ) {
    throw new ConfigError(
      `MAX_PRICE_PER_MESSAGE must be a price in US dollars above 0 like "0.10", got "${maxPricePerMessage}"`,
    );
  }
  const defaultPhoneRegion = optional(env, 'DEFAULT_PHONE_REGION')?.toUpperCase();
  if (defaultPhoneRegion !== undefined && !isPhoneRegion(defaultPhoneRegion)) {
    throw new ConfigError(
      `DEFAULT_PHONE_REGION must be an ISO 3166-1 alpha-2 country code like "US", got "${defaultPhoneRegion}"`,
    );
  }
  const conversion = flag(env, 'CONVERSION', true);
  const voiceFallback = flag(env, 'VOICE_FALLBACK', false);
  const notifyTier = optional(env, 'NOTIFY_TIER')?.toUpperCase();
  if (notifyTier !== undefined && !(NOTIFY_TIERS as readonly string[]).includes(notifyTier)) {
    throw new ConfigError(`NOTIFY_TIER must be ${NOTIFY_TIERS.join(' or ')}, got "${notifyTier}"`);
  }
  const carrierLookup = (optional(env, 'CARRIER_LOOKUP') ?? 'off').toLowerCase();
  if (!(CARRIER_LOOKUP_MODES as readonly string[]).includes(carrierLookup)) {
    throw new ConfigError(
      `CARRIER_LOOKUP must be ${CARRIER_LOOKUP_MODES.join(' or ')}, got "${carrierLookup}"`,
    );
  }
  const refusedLineTypes = (optional(env, 'REFUSED_LINE_TYPES') ?? '')
    .split(',')
    .map((type) => type.trim().toUpperCase())
    .filter(Boolean);
  for (const type of refusedLineTypes) {
    if (!(LINE_TYPES as readonly string[]).includes(type)) {
      throw new ConfigError(`REFUSED_LINE_TYPES must list ${LINE_TYPES.join(', ')}, got "${type}"`);
    }
  }
  const resendPolicy = (optional(env, 'RESEND_POLICY') ?? 'escalate').toLowerCase();
  if (!(RESEND_POLICIES as readonly string[]).includes(resendPolicy)) {
    throw new ConfigError(`RESEND_POLICY must be ${RESEND_POLICIES.join(' or ')}, got "${resendPolicy}"`);
  }
  const defaultLocale = (optional(env, 'DEFAULT_LOCALE') ?? 'en').toLowerCase();
  if (!/^[a-z]{2,3}(-[a-z0-9]{2,8})?$/.test(defaultLocale)) {
    throw new ConfigError(`DEFAULT_LOCALE must look like "en" or "es-mx", got "${defaultLocale}"`);
  }
  return {
    region: regionOf(env),
    templatesTableName: required(env, 'TEMPLATES_TABLE_NAME'),
    idempotencyTableName: required(env, 'IDEMPOTENCY_TABLE_NAME'),
    fingerprintKeySecret: required(env, 'FINGERPRINT_KEY_SECRET'),
    dlqUrl: url('DLQ_URL', required(env, 'DLQ_URL')) as string,
    deadlineMs: integer(env, 'DEADLINE_MS', 2500, 100, 2900),
    templatesMaxAgeSeconds: integer(env, 'TEMPLATES_MAX_AGE_SECONDS', 300, 0, 86_400),
    defaultLocale,
    ...(defaultPhoneRegion ? { defaultPhoneRegion } : {}),
    ...(configurationSetName ? { configurationSetName } : {}),
    ...(protectConfigurationId ? { protectConfigurationId } : {}),
    ...(maxPricePerMessage ? { maxPricePerMessage } : {}),
    abuse: abuseConfig(env),
    voiceFallback,
    resendPolicy: resendPolicy as ResendPolicy,
    ...(notifyTier ? { notifyTier: notifyTier as NotifyTier } : {}),
    carrierLookup: carrierLookup as CarrierLookupMode,
    refusedLineTypes: [...new Set(refusedLineTypes)] as LineType[],
    conversion,
    ...(optional(env, 'MESSAGES_TABLE_NAME')
      ? { messagesTableName: optional(env, 'MESSAGES_TABLE_NAME') }
      : {}),
    endpoints: endpointsOf(env),
  };
}

/** AWS endpoints of a function (the local stack points them at 127.0.0.1; unset in AWS). */
type Endpoints = { dynamodb?: string; smsVoice?: string; sqs?: string; secretsManager?: string };

function endpointsOf(env: Env): Endpoints {
  return {
    dynamodb: url('DYNAMODB_ENDPOINT', optional(env, 'DYNAMODB_ENDPOINT')),
    smsVoice: url('SMS_VOICE_ENDPOINT', optional(env, 'SMS_VOICE_ENDPOINT')),
    sqs: url('SQS_ENDPOINT', optional(env, 'SQS_ENDPOINT')),
    secretsManager: url('SECRETS_MANAGER_ENDPOINT', optional(env, 'SECRETS_MANAGER_ENDPOINT')),
  };
}

/** A `"true"`/`"false"` setting (any case), else `fallback` when unset. */
function flag(env: Env, name: string, fallback: boolean): boolean {
  const value = optional(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (value !== 'true' && value !== 'false') {
    throw new ConfigError(`${name} must be "true" or "false", got "${optional(env, name)}"`);
  }
  return value === 'true';
}

const regionOf = (env: Env) =>
  optional(env, 'AWS_REGION') ?? optional(env, 'AWS_DEFAULT_REGION') ?? 'us-east-1';

/** Settings of the receipt handler (`record-delivery-event`). */
export type ReceiptConfig = {
  region: string;
  /** `MESSAGES_TABLE_NAME` */
  messagesTableName: string;
  /** `DLQ_URL`: where a final failure receipt's record goes. */
  dlqUrl: string;
  endpoints: Endpoints;
};

/**
 * Reads the receipt handler's settings.
 *
 * @param env - defaults to `process.env`
 */
export function loadReceiptConfig(env: Env = process.env): ReceiptConfig {
  return {
    region: regionOf(env),
    messagesTableName: required(env, 'MESSAGES_TABLE_NAME'),
    dlqUrl: url('DLQ_URL', required(env, 'DLQ_URL')) as string,
    endpoints: endpointsOf(env),
  };
}

/** Settings of the verification handler (`record-verification`). */
export type VerificationConfig = {
  region: string;
  /** `MESSAGES_TABLE_NAME` */
  messagesTableName: string;
  /** `EVENT_HOOK_SECRET`: name or ARN of the Okta event hook's header secret; unset = the event hook route refuses all. */
  eventHookSecret?: string;
  /** `EVENT_HOOK_HEADER`: the header Okta sends the secret in (lower-cased). @default 'authorization' */
  eventHookHeader: string;
  /**
   * `OKTA_TELEPHONY_HOOK_ID`: the telephony inline hook's Okta id (the last part of the `source` of its requests,
   * `…/api/v1/inlineHooks/<id>`); when set, `OktaHookFailure` counts only that hook's failures. Unset = every inline
   * hook of the org.
   */
  telephonyHookId?: string;
  endpoints: Endpoints;
};

/** An Okta object id: letters and digits (`cal3ughy17pylLxQB357`). */
export const OKTA_ID = /^[A-Za-z0-9]{8,40}$/;

/**
 * Reads the verification handler's settings.
 *
 * @param env - defaults to `process.env`
 */
export function loadVerificationConfig(env: Env = process.env): VerificationConfig {
  const header = (optional(env, 'EVENT_HOOK_HEADER') ?? 'authorization').toLowerCase();
  if (!/^[a-z0-9-]+$/.test(header)) {
    throw new ConfigError(`EVENT_HOOK_HEADER must be an HTTP header name, got "${header}"`);
  }
  const eventHookSecret = optional(env, 'EVENT_HOOK_SECRET');
  const telephonyHookId = optional(env, 'OKTA_TELEPHONY_HOOK_ID');
  if (telephonyHookId !== undefined && !OKTA_ID.test(telephonyHookId)) {
    throw new ConfigError(
      `OKTA_TELEPHONY_HOOK_ID must be an Okta inline hook id (letters and digits), got "${telephonyHookId}"`,
    );
  }
  return {
    region: regionOf(env),
    messagesTableName: required(env, 'MESSAGES_TABLE_NAME'),
    ...(eventHookSecret ? { eventHookSecret } : {}),
    ...(telephonyHookId ? { telephonyHookId } : {}),
    eventHookHeader: header,
    endpoints: endpointsOf(env),
  };
}

/** The conversion-aware fraud signal's settings (issue 15, point 5). */
export type LowConversionConfig = {
  /** `LOW_CONVERSION_MIN_SENDS`: settled messages of a prefix in one hour before its rate is judged; 0 = off. */
  minSends: number;
  /** `LOW_CONVERSION_MAX_RATE`: at or under this share of codes used (0–1), the prefix is denied. */
  maxRate: number;
  /** `LOW_CONVERSION_DENY_HOURS`: how long the deny entry lasts. */
  denyHours: number;
};

/** Defaults of the fraud signal (README: why these). */
export const DEFAULT_LOW_CONVERSION: LowConversionConfig = { minSends: 20, maxRate: 0.1, denyHours: 12 };

/** Settings of the sweep (`sweep-messages`). */
export type SweepConfig = {
  region: string;
  /** `MESSAGES_TABLE_NAME` */
  messagesTableName: string;
  /** `ABUSE_TABLE_NAME`: where a low-conversion prefix's deny entry goes. */
  abuseTableName: string;
  lowConversion: LowConversionConfig;
  endpoints: Endpoints;
};

/**
 * Reads the sweep's settings.
 *
 * @param env - defaults to `process.env`
 */
export function loadSweepConfig(env: Env = process.env): SweepConfig {
  const rawRate = optional(env, 'LOW_CONVERSION_MAX_RATE');
  const maxRate = rawRate === undefined ? DEFAULT_LOW_CONVERSION.maxRate : Number(rawRate);
  if (!Number.isFinite(maxRate) || maxRate < 0 || maxRate >= 1) {
    throw new ConfigError(`LOW_CONVERSION_MAX_RATE must be a number from 0 to below 1, got "${rawRate}"`);
  }
  return {
    region: regionOf(env),
    messagesTableName: required(env, 'MESSAGES_TABLE_NAME'),
    abuseTableName: required(env, 'ABUSE_TABLE_NAME'),
    lowConversion: {
      minSends: integer(env, 'LOW_CONVERSION_MIN_SENDS', DEFAULT_LOW_CONVERSION.minSends, 0, MAX_ABUSE_LIMIT),
      maxRate,
      denyHours: integer(env, 'LOW_CONVERSION_DENY_HOURS', DEFAULT_LOW_CONVERSION.denyHours, 1, 24 * 30),
    },
    endpoints: endpointsOf(env),
  };
}
