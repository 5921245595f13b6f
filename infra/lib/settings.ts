import type { NumberType } from 'libphonenumber-js';
import { TRAFFIC_ALARM_MODES, type TrafficAlarmMode } from '../../dashboards/alarms.js';
import { DEFAULT_LOW_CONVERSION, OKTA_ID } from '../../service/src/config.js';
import {
  type AbuseLimits,
  DEFAULT_ABUSE_LIMITS,
  DEFAULT_REFUSED_NUMBER_TYPES,
  NUMBER_TYPES,
} from '../../service/src/domain/abuse-guard.js';
import {
  ABUSE_LIMIT_VARIABLES,
  BLOCKED_ANSWERS,
  type BlockedAnswer,
  MAX_ABUSE_LIMIT,
} from '../../service/src/domain/abuse-settings.js';
import { isPhoneRegion } from '../../service/src/domain/phone.js';
import {
  type OriginationIdentitySetting,
  originationIdentityProblems,
} from '../../service/src/domain/routing.js';

/**
 * Deploy settings: read from CDK context (defaults in `cdk.json`, overrides with `-c key=value`) and validated at
 * synth, so a typo fails `cdk synth` with a message naming the setting instead of failing a sign-in later.
 *
 * Values given on the command line arrive as strings: lists accept a JSON array or a comma-separated string,
 * maps a JSON object, numbers a numeric string.
 */

export { BLOCKED_ANSWERS, type BlockedAnswer };

/**
 * End User Messaging's AIT (SMS pumping) screening for the allowed countries' SMS, which AWS bills per message on
 * top of the SMS price: `MONITOR` sends everything and reports what it would block, `FILTER` blocks it.
 */
export const SMS_PROTECT_MODES = ['FILTER', 'MONITOR'] as const;
/** One of {@link SMS_PROTECT_MODES}. */
export type SmsProtectMode = (typeof SMS_PROTECT_MODES)[number];

/** The guard's velocity limits (DESIGN.md, "Abuse guard"): requests per key and window; 0 turns a limit off. */
export const ABUSE_LIMITS = Object.keys(ABUSE_LIMIT_VARIABLES) as (keyof AbuseLimits)[];
/** One of {@link ABUSE_LIMITS}. */
export type AbuseLimit = keyof AbuseLimits;

/** The abuse guard's settings (context key `abuseGuard`, an object; keys left out keep their default). */
export type AbuseGuardSettings = Record<AbuseLimit, number> & {
  /** `error` (Okta's error object: Okta may deliver through its own providers) or `pretend-sent` (nobody sends). */
  blockedAnswer: BlockedAnswer;
  /** libphonenumber number types never sent to; empty = none. */
  refusedNumberTypes: NumberType[];
};

/** The product's defaults, the guard's own (DESIGN.md's table); cdk.json writes them out. */
export const ABUSE_GUARD_DEFAULTS: AbuseGuardSettings = {
  ...DEFAULT_ABUSE_LIMITS,
  blockedAnswer: 'error',
  refusedNumberTypes: [...DEFAULT_REFUSED_NUMBER_TYPES],
};

/** The largest `maxPricePerMessage`, in US dollars: far above any OTP's price, well inside MaxPrice's format. */
export const MAX_PRICE_CEILING_USD = 10;

/**
 * The conversion-aware fraud signal (context key `lowConversion`, an object; keys left out keep their default): a
 * number prefix with at least `minSends` settled codes in an hour of which at most `maxRate` were used is denied for
 * `denyHours` through the abuse guard's deny list. Only deployed when conversion is measured (`oktaEventSourceName`
 * or `oktaEventHook`).
 */
export type LowConversionSettings = {
  /** Settled codes of one prefix in one hour before its conversion rate is judged. */
  minSends: number;
  /** Highest share of used codes (0 to 1) that still counts as "almost no conversions". */
  maxRate: number;
  /** How long the deny-list entry lasts, in hours. */
  denyHours: number;
};

/**
 * The defaults. `minSends` 20 is the guard's own `prefixPerHour`: a prefix that reaches it in an hour is already
 * unusual, and 20 settled codes make a rate a fact rather than chance. `maxRate` 0.1: real users type most codes
 * they ask for, while nobody reads a pumped message, so pumping converts at about 0. `denyHours` 12: an attack
 * campaign outlasts an hour, and on-call lifts a wrong denial with `npm run abuse -- reset <prefix>`.
 */
export const LOW_CONVERSION_DEFAULTS: LowConversionSettings = DEFAULT_LOW_CONVERSION;

/** `oktaEventSourceName`: Okta Log Streaming's partner event source (`aws.partner/okta.com/<org>/<name>`). */
export const OKTA_EVENT_SOURCE = /^aws\.partner\/okta\.com\/[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/;

/** The validated settings of one deployment. */
export type Settings = {
  /** Okta authorization server issuer, e.g. `https://acme.okta.com/oauth2/default`. */
  oktaIssuer: string;
  /** Audience of the authorization server (`aud` of the access token). */
  oktaAudience: string;
  /** Custom scope Okta requests for the hook (`scp`). */
  requiredScope: string;
  /**
   * Okta client ids (`cid`) allowed to call the hook, or `["*"]` for any client of the issuer. Required: no default
   * in cdk.json, so a deployment that leaves it out fails synth instead of admitting every client.
   */
  allowedClientIds: string[];
  /**
   * Origination identity for countries (and channels) without their own; undefined = per-country only. One
   * identity, or one per channel (`{ sms, voice }`); a sender ID serves SMS only.
   */
  defaultOriginationIdentity?: OriginationIdentitySetting;
  /**
   * ISO 3166-1 alpha-2 country → origination identity (phone number, sender ID, pool id or ARN), or identities per
   * channel (`{ "sms": "ACMEMFA", "voice": "+442079460123" }`). Voice never uses a sender ID.
   */
  originationIdentities: Record<string, OriginationIdentitySetting>;
  /**
   * ISO countries the hook may send to, or `["*"]`: seeded into the templates table, and the country rules of the
   * stack's End User Messaging protect configuration (allowed; every other country blocked).
   */
  allowedCountries: string[];
  /**
   * The operator's own End User Messaging configuration set (name or ARN), used as it is; undefined = the stack
   * creates one that uses its protect configuration. Either way every send names it and the protect configuration.
   */
  configurationSetName?: string;
  /** ISO country for numbers Okta sends without a country code (the hook's `DEFAULT_PHONE_REGION`); undefined = none. */
  defaultPhoneRegion?: string;
  /** The hook's whole-request budget in ms (Okta waits 3 s). */
  deadlineMs: number;
  /** Provisioned concurrency on each function's `live` alias; 0 = on demand. */
  provisionedConcurrency: number;
  /** E-mail subscribed to the alarm topic; undefined = subscribe yourself. */
  alarmEmail?: string;
  /** CIDRs allowed to reach the API (Okta's published ranges); empty = no IP allow-list. */
  oktaIpAllowList: string[];
  /** Retention of every log group, in days (a CloudWatch Logs retention value). */
  logRetentionDays: number;
  /**
   * The alarm on the hook's traffic stopping (Okta failing over to its own providers): `page` through "OTP delivery
   * degraded", `notify` on its own, or `off`.
   */
  trafficAlarm: TrafficAlarmMode;
  /** The abuse guard's limits, answer and refused number types. */
  abuseGuard: AbuseGuardSettings;
  /**
   * End User Messaging's AIT screening for SMS to the allowed countries, billed extra per message; undefined = none
   * (the protect configuration only allows and blocks countries).
   */
  smsProtectMode?: SmsProtectMode;
  /**
   * Most the hook pays for one SMS, or one minute of a call, in US dollars (`MaxPrice` / `MaxPricePerMinute`,
   * e.g. `"0.10"`); undefined = no limit per message.
   */
  maxPricePerMessage?: string;
  /**
   * Okta Log Streaming's partner event source (`aws.partner/okta.com/<org>/<name>`): the stack associates an event
   * bus with it and sends Okta's MFA and inline hook events to the verification function; undefined = no rule.
   */
  oktaEventSourceName?: string;
  /** A `GET`/`POST /okta-events` route for an Okta event hook (orgs without Log Streaming); default false. */
  oktaEventHook: boolean;
  /**
   * The telephony inline hook's Okta id (`cal…`, the end of its requests' `source`): `OktaHookFailure` and the
   * "Okta is failing over" alarm then count only this hook's failures, not the org's other inline hooks'.
   */
  oktaTelephonyHookId?: string;
  /**
   * An SMS to a number the numbering plan says is a landline goes out as a voice call instead, and Okta is told in
   * `transactionMetadata` (the hook's `VOICE_FALLBACK`).
   * @default false
   */
  voiceFallback: boolean;
  /** The conversion-aware fraud signal's thresholds. */
  lowConversion: LowConversionSettings;
};

/** The context keys this app reads. */
export const SETTING_KEYS = [
  'oktaIssuer',
  'oktaAudience',
  'requiredScope',
  'allowedClientIds',
  'defaultOriginationIdentity',
  'originationIdentities',
  'allowedCountries',
  'configurationSetName',
  'defaultPhoneRegion',
  'deadlineMs',
  'provisionedConcurrency',
  'alarmEmail',
  'oktaIpAllowList',
  'logRetentionDays',
  'trafficAlarm',
  'abuseGuard',
  'smsProtectMode',
  'maxPricePerMessage',
  'oktaEventSourceName',
  'oktaEventHook',
  'oktaTelephonyHookId',
  'lowConversion',
  'voiceFallback',
] as const satisfies readonly (keyof Settings)[];

/** One or more settings are invalid; the message lists every problem, one per line. */
export class SettingsError extends Error {
  public override readonly name = 'SettingsError';
  constructor(public readonly problems: string[]) {
    super(
      `Invalid deploy settings (CDK context, see cdk.json and README "Deploy"):\n  - ${problems.join('\n  - ')}`,
    );
  }
}

/** Retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const SMS_VOICE_ARN = /^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:(phone-number|pool|sender-id)\/.+$/;
const COUNTRY = /^[A-Z]{2}$/;
const CLIENT_ID = /^[A-Za-z0-9_-]{1,100}$/;
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const CONFIGURATION_SET =
  /^([A-Za-z0-9_-]{1,64}|arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:configuration-set\/[A-Za-z0-9_-]+)$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** True when `value` is an End User Messaging ARN (IAM can then be scoped to it). */
export function isSmsVoiceArn(value: string): boolean {
  return SMS_VOICE_ARN.test(value);
}

/** True for an IPv4 or IPv6 CIDR with an explicit prefix length (what WAF IP sets take). */
export function isCidr(value: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (v4) {
    const octets = v4.slice(1, 5).map(Number);
    return octets.every((o) => o <= 255) && Number(v4[5]) <= 32 && Number(v4[5]) >= 1;
  }
  const v6 = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(value);
  if (!v6?.[1]?.includes(':')) return false;
  const prefix = Number(v6[2]);
  if (prefix < 1 || prefix > 128) return false;
  const parts = v6[1].split('::');
  if (parts.length > 2) return false;
  const groups = parts.flatMap((p) => (p ? p.split(':') : []));
  return (
    groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g)) &&
    (parts.length === 2 ? groups.length < 8 : groups.length === 8)
  );
}

type Reader = (key: string) => unknown;

class Collector {
  public readonly problems: string[] = [];
  constructor(public readonly read: Reader) {}

  public fail(key: string, message: string): undefined {
    this.problems.push(`${key}: ${message}`);
    return undefined;
  }

  /** A trimmed string, or undefined when absent or blank. */
  public text(key: string): string | undefined {
    const raw = this.read(key);
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string') return this.fail(key, `must be a string, got ${JSON.stringify(raw)}`);
    return raw.trim() || undefined;
  }

  public requiredText(key: string, example: string): string {
    const raw = this.read(key);
    const value = this.text(key);
    if (value === undefined && (raw === undefined || raw === null || typeof raw === 'string')) {
      this.fail(key, `is required (e.g. "${example}")`);
    }
    return value ?? '';
  }

  public list(key: string): string[] {
    const raw = this.read(key);
    if (raw === undefined || raw === null || raw === '') return [];
    let value: unknown = raw;
    if (typeof raw === 'string') {
      if (raw.trim().startsWith('[')) {
        try {
          value = JSON.parse(raw);
        } catch {
          return this.fail(key, `is not a valid JSON array: ${raw}`) ?? [];
        }
      } else {
        value = raw.split(',');
      }
    }
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      return this.fail(key, `must be a list of strings, got ${JSON.stringify(raw)}`) ?? [];
    }
    return value.map((v) => v.trim()).filter(Boolean);
  }

  /**
   * Origination identities (a string, or a `{ sms, voice }` object; from the command line a JSON object), each
   * checked by the domain's rule: a problem is reported as `key: [prefix: ]problem`.
   */
  public identity(
    key: string,
    raw: unknown,
    prefix = '',
    optional = true,
  ): OriginationIdentitySetting | undefined {
    let value = typeof raw === 'string' ? raw.trim() : raw;
    if (optional && (value === undefined || value === null || value === '')) return undefined;
    // From the command line an object or an ordered list comes as its JSON.
    if (typeof value === 'string' && (value.startsWith('{') || value.startsWith('['))) {
      try {
        value = JSON.parse(value);
      } catch {
        return this.fail(key, `${prefix}is not valid JSON: ${value}`);
      }
    }
    const trimmed = (list: unknown): unknown =>
      typeof list === 'string' ? list.trim() : Array.isArray(list) ? list.map(trimmed) : list;
    value =
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trimmed(v)]))
        : trimmed(value);
    const problems = originationIdentityProblems(value);
    for (const problem of problems) this.fail(key, `${prefix}${problem}`);
    if (problems.length > 0) return undefined;
    return value as OriginationIdentitySetting;
  }

  /** A JSON object (or the JSON of one, from the command line); empty when absent. */
  public object(key: string): Record<string, unknown> {
    const raw = this.read(key);
    if (raw === undefined || raw === null || raw === '') return {};
    let value: unknown = raw;
    if (typeof raw === 'string') {
      try {
        value = JSON.parse(raw);
      } catch {
        return this.fail(key, `is not a valid JSON object: ${raw}`) ?? {};
      }
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      return this.fail(key, `must be a JSON object, got ${JSON.stringify(raw)}`) ?? {};
    }
    return value as Record<string, unknown>;
  }

  public integer(key: string, fallback: number, min: number, max: number): number {
    return this.integerValue(key, this.read(key), fallback, min, max);
  }

  /** {@link integer} for a value already read (a key of an object setting, named `object.key`). */
  public integerValue(key: string, raw: unknown, fallback: number, min: number, max: number): number {
    if (raw === undefined || raw === null || raw === '') return fallback;
    const value = typeof raw === 'string' ? Number(raw.trim()) : raw;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return (
        this.fail(key, `must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`) ?? fallback
      );
    }
    return value;
  }
}

function validIssuer(c: Collector): string {
  const raw = c.requiredText('oktaIssuer', 'https://acme.okta.com/oauth2/default');
  if (!raw) return '';
  try {
    const url = new URL(raw);
    if (url.protocol !== 'https:') return c.fail('oktaIssuer', `must be an https URL, got "${raw}"`) ?? '';
    if (url.search || url.hash)
      return c.fail('oktaIssuer', `must not have a query or fragment: "${raw}"`) ?? '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return c.fail('oktaIssuer', `must be an absolute URL, got "${raw}"`) ?? '';
  }
}

/** `abuseGuard`: an object (JSON from the command line) whose keys each default on their own. */
function validAbuseGuard(c: Collector): AbuseGuardSettings {
  const raw = c.object('abuseGuard');
  const known = new Set<string>([...ABUSE_LIMITS, 'blockedAnswer', 'refusedNumberTypes']);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) {
      c.fail(`abuseGuard.${key}`, `is not an abuse guard setting (${[...known].join(', ')})`);
    }
  }
  const limits = Object.fromEntries(
    ABUSE_LIMITS.map((limit) => [
      limit,
      c.integerValue(`abuseGuard.${limit}`, raw[limit], ABUSE_GUARD_DEFAULTS[limit], 0, MAX_ABUSE_LIMIT),
    ]),
  ) as Record<AbuseLimit, number>;

  let blockedAnswer = ABUSE_GUARD_DEFAULTS.blockedAnswer;
  if (raw.blockedAnswer !== undefined && raw.blockedAnswer !== null && raw.blockedAnswer !== '') {
    const answer = typeof raw.blockedAnswer === 'string' ? raw.blockedAnswer.trim().toLowerCase() : '';
    if ((BLOCKED_ANSWERS as readonly string[]).includes(answer)) blockedAnswer = answer as BlockedAnswer;
    else {
      c.fail(
        'abuseGuard.blockedAnswer',
        `must be one of ${BLOCKED_ANSWERS.join(', ')}, got ${JSON.stringify(raw.blockedAnswer)}`,
      );
    }
  }

  let refusedNumberTypes = [...ABUSE_GUARD_DEFAULTS.refusedNumberTypes];
  const types = raw.refusedNumberTypes;
  if (types !== undefined && types !== null) {
    const list =
      typeof types === 'string' ? types.split(',') : Array.isArray(types) ? (types as unknown[]) : undefined;
    if (!list?.every((t) => typeof t === 'string')) {
      c.fail(
        'abuseGuard.refusedNumberTypes',
        `must be a list of number types (${NUMBER_TYPES.join(', ')}), got ${JSON.stringify(types)}`,
      );
    } else {
      const named = (list as string[]).map((t) => t.trim().toUpperCase()).filter(Boolean);
      for (const type of named) {
        if (!(NUMBER_TYPES as readonly string[]).includes(type)) {
          c.fail(
            'abuseGuard.refusedNumberTypes',
            `"${type}" is not a libphonenumber number type (${NUMBER_TYPES.join(', ')})`,
          );
        }
      }
      refusedNumberTypes = [...new Set(named)] as NumberType[];
    }
  }
  return { ...limits, blockedAnswer, refusedNumberTypes };
}

/**
 * `maxPricePerMessage`: US dollars above 0 and at most {@link MAX_PRICE_CEILING_USD}, with at most 5 decimals,
 * written as End User Messaging's `MaxPrice` takes it (digits, a point, 2 to 5 decimals: `"0.10"`).
 */
function validMaxPrice(c: Collector): string | undefined {
  const raw = c.read('maxPricePerMessage');
  if (raw === undefined || raw === null || raw === '') return undefined;
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (text === '') return undefined;
  const match = /^(\d{1,2})(?:\.(\d{1,5}))?$/.exec(text);
  const value = Number(text);
  if (!match || !(value > 0) || value > MAX_PRICE_CEILING_USD) {
    return c.fail(
      'maxPricePerMessage',
      `must be a price in US dollars above 0 and at most ${MAX_PRICE_CEILING_USD.toFixed(2)}, with at most 5 decimals (e.g. "0.10"), got ${JSON.stringify(raw)}`,
    );
  }
  return `${match[1]}.${(match[2] ?? '').padEnd(2, '0')}`;
}

/** `oktaEventSourceName`: absent, or the partner event source Okta Log Streaming created. */
function validOktaEventSource(c: Collector): string | undefined {
  const name = c.text('oktaEventSourceName');
  if (name === undefined) return undefined;
  if (!OKTA_EVENT_SOURCE.test(name) || name.length > 256) {
    return c.fail(
      'oktaEventSourceName',
      `must be Okta Log Streaming's partner event source, aws.partner/okta.com/<org>/<name> (letters, digits, ".", "_", "-"; at most 256 characters), got "${name}"`,
    );
  }
  return name;
}

/** `oktaTelephonyHookId`: absent, or an Okta inline hook id. */
function validOktaHookId(c: Collector): string | undefined {
  const id = c.text('oktaTelephonyHookId');
  if (id === undefined) return undefined;
  if (!OKTA_ID.test(id)) {
    return c.fail(
      'oktaTelephonyHookId',
      `must be the telephony inline hook's Okta id (letters and digits, the end of .../api/v1/inlineHooks/<id>), got "${id}"`,
    );
  }
  return id;
}

/** A boolean setting: true or false (or "true"/"false" from the command line); default false. */
function validFlag(c: Collector, key: string): boolean {
  const raw = c.read(key);
  if (raw === undefined || raw === null || raw === '') return false;
  if (typeof raw === 'boolean') return raw;
  const text = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
  if (text === 'true' || text === 'false') return text === 'true';
  c.fail(key, `must be true or false, got ${JSON.stringify(raw)}`);
  return false;
}

/** `lowConversion`: an object whose keys each default on their own. */
function validLowConversion(c: Collector): LowConversionSettings {
  const raw = c.object('lowConversion');
  const known = Object.keys(LOW_CONVERSION_DEFAULTS);
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      c.fail(`lowConversion.${key}`, `is not a low-conversion setting (${known.join(', ')})`);
    }
  }
  const minSends = c.integerValue(
    'lowConversion.minSends',
    raw.minSends,
    LOW_CONVERSION_DEFAULTS.minSends,
    1,
    MAX_ABUSE_LIMIT,
  );
  const denyHours = c.integerValue(
    'lowConversion.denyHours',
    raw.denyHours,
    LOW_CONVERSION_DEFAULTS.denyHours,
    1,
    168,
  );
  let maxRate = LOW_CONVERSION_DEFAULTS.maxRate;
  if (raw.maxRate !== undefined && raw.maxRate !== null && raw.maxRate !== '') {
    const value = typeof raw.maxRate === 'string' ? Number(raw.maxRate.trim()) : raw.maxRate;
    // Below 1: at 1 every prefix with enough sends would be denied, however many of its codes were used.
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
      c.fail(
        'lowConversion.maxRate',
        `must be a share of used codes from 0 up to (not including) 1, e.g. 0.1, got ${JSON.stringify(raw.maxRate)}`,
      );
    } else maxRate = value;
  }
  return { minSends, maxRate, denyHours };
}

/**
 * Reads and validates every setting. All problems are reported at once.
 *
 * @param read - a context reader, e.g. `(key) => app.node.tryGetContext(key)`
 * @throws {SettingsError} listing every invalid setting
 */
export function readSettings(read: Reader): Settings {
  const c = new Collector(read);

  const oktaIssuer = validIssuer(c);
  const oktaAudience = c.requiredText('oktaAudience', 'api://okta-phone-mfa');
  const requiredScope = c.text('requiredScope') ?? 'okta.telephony.send';
  if (!SCOPE.test(requiredScope))
    c.fail('requiredScope', `must be one OAuth scope token, got "${requiredScope}"`);

  // Required, with "any client" spelled out as ["*"]: an empty list used to mean any client, so a forgotten setting
  // opened the hook to every client of the authorization server.
  const allowedClientIds = c.list('allowedClientIds');
  if (allowedClientIds.length === 0 && !c.problems.some((p) => p.startsWith('allowedClientIds:'))) {
    c.fail(
      'allowedClientIds',
      'is required: list the Okta client id(s) (cid) allowed to call the hook, e.g. ["0oa1b2c3d4e5f6g7h8i9"], or ["*"] to allow any client of the issuer',
    );
  }
  if (allowedClientIds.includes('*') && allowedClientIds.length > 1) {
    c.fail('allowedClientIds', '"*" allows any client; give ["*"] alone, or list only client ids');
  }
  for (const id of allowedClientIds) {
    if (id !== '*' && !CLIENT_ID.test(id)) c.fail('allowedClientIds', `"${id}" is not an Okta client id`);
  }

  const defaultOriginationIdentity = c.identity(
    'defaultOriginationIdentity',
    read('defaultOriginationIdentity'),
  );

  const originationIdentities: Record<string, OriginationIdentitySetting> = {};
  for (const [country, setting] of Object.entries(c.object('originationIdentities'))) {
    const iso = country.trim().toUpperCase();
    if (!COUNTRY.test(iso)) {
      c.fail('originationIdentities', `"${country}" is not an ISO 3166-1 alpha-2 code`);
      continue;
    }
    const identity = c.identity('originationIdentities', setting, `${iso}: `, false);
    if (identity !== undefined) originationIdentities[iso] = identity;
  }

  const allowedCountries = c.list('allowedCountries').map((x) => x.toUpperCase());
  if (allowedCountries.length === 0) {
    c.fail('allowedCountries', 'must list at least one ISO country code, or ["*"] for all');
  }
  for (const country of allowedCountries) {
    if (country !== '*' && !COUNTRY.test(country)) {
      c.fail('allowedCountries', `"${country}" is not an ISO 3166-1 alpha-2 code or "*"`);
    }
  }
  // Only when none was given: an invalid identity is already reported on its own.
  const routingProblem = c.problems.some((p) =>
    /^(defaultOriginationIdentity|originationIdentities):/.test(p),
  );
  if (!defaultOriginationIdentity && Object.keys(originationIdentities).length === 0 && !routingProblem) {
    c.fail('defaultOriginationIdentity', 'set it, or originationIdentities, or nothing can be sent');
  }

  const configurationSetName = c.text('configurationSetName');
  if (configurationSetName && !CONFIGURATION_SET.test(configurationSetName)) {
    c.fail('configurationSetName', `"${configurationSetName}" is not a configuration set name or ARN`);
  }

  // The hook's own rule (service/src/config.ts reads DEFAULT_PHONE_REGION with it at cold start).
  const defaultPhoneRegion = c.text('defaultPhoneRegion')?.toUpperCase();
  if (defaultPhoneRegion && !isPhoneRegion(defaultPhoneRegion)) {
    c.fail(
      'defaultPhoneRegion',
      `"${defaultPhoneRegion}" is not an ISO 3166-1 alpha-2 country code such as US`,
    );
  }

  // Same bounds as the hook's DEADLINE_MS (service/src/config.ts): always under Okta's 3 s.
  const deadlineMs = c.integer('deadlineMs', 2500, 100, 2900);
  const provisionedConcurrency = c.integer('provisionedConcurrency', 0, 0, 1000);

  const alarmEmail = c.text('alarmEmail');
  if (alarmEmail && !EMAIL.test(alarmEmail)) c.fail('alarmEmail', `"${alarmEmail}" is not an e-mail address`);

  const oktaIpAllowList = c.list('oktaIpAllowList');
  for (const cidr of oktaIpAllowList) {
    if (!isCidr(cidr)) c.fail('oktaIpAllowList', `"${cidr}" is not a CIDR such as 203.0.113.0/24`);
  }

  const logRetentionDays = c.integer('logRetentionDays', 30, 1, 3653);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    c.fail('logRetentionDays', `must be one of ${LOG_RETENTION_DAYS.join(', ')}; got ${logRetentionDays}`);
  }

  const trafficAlarm = (c.text('trafficAlarm')?.toLowerCase() ?? 'page') as TrafficAlarmMode;
  if (!TRAFFIC_ALARM_MODES.includes(trafficAlarm)) {
    c.fail('trafficAlarm', `must be one of ${TRAFFIC_ALARM_MODES.join(', ')}, got "${trafficAlarm}"`);
  }

  const abuseGuard = validAbuseGuard(c);

  const smsProtectMode = c.text('smsProtectMode')?.toUpperCase() as SmsProtectMode | undefined;
  if (smsProtectMode && !SMS_PROTECT_MODES.includes(smsProtectMode)) {
    c.fail('smsProtectMode', `must be FILTER, MONITOR or empty (no AIT screening), got "${smsProtectMode}"`);
  }

  const maxPricePerMessage = validMaxPrice(c);
  const oktaEventSourceName = validOktaEventSource(c);
  const oktaEventHook = validFlag(c, 'oktaEventHook');
  const oktaTelephonyHookId = validOktaHookId(c);
  const lowConversion = validLowConversion(c);
  const voiceFallback = validFlag(c, 'voiceFallback');

  if (c.problems.length > 0) throw new SettingsError(c.problems);
  return {
    oktaIssuer,
    oktaAudience,
    requiredScope,
    allowedClientIds,
    ...(defaultOriginationIdentity ? { defaultOriginationIdentity } : {}),
    originationIdentities,
    allowedCountries,
    ...(configurationSetName ? { configurationSetName } : {}),
    ...(defaultPhoneRegion ? { defaultPhoneRegion } : {}),
    deadlineMs,
    provisionedConcurrency,
    ...(alarmEmail ? { alarmEmail } : {}),
    oktaIpAllowList,
    logRetentionDays,
    trafficAlarm,
    abuseGuard,
    ...(smsProtectMode ? { smsProtectMode } : {}),
    ...(maxPricePerMessage ? { maxPricePerMessage } : {}),
    ...(oktaEventSourceName ? { oktaEventSourceName } : {}),
    oktaEventHook,
    ...(oktaTelephonyHookId ? { oktaTelephonyHookId } : {}),
    lowConversion,
    voiceFallback,
  };
}
