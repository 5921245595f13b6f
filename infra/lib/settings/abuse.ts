import type { NumberType } from 'libphonenumber-js';
import { DEFAULT_LOW_CONVERSION } from '../../../service/src/config.js';
import {
  type AbuseLimits,
  DEFAULT_ABUSE_LIMITS,
  DEFAULT_REFUSED_NUMBER_TYPES,
  NUMBER_TYPES,
} from '../../../service/src/domain/abuse-guard.js';
import {
  ABUSE_LIMIT_VARIABLES,
  BLOCKED_ANSWERS,
  type BlockedAnswer,
  MAX_ABUSE_LIMIT,
} from '../../../service/src/domain/abuse-settings.js';
import type { Collector } from './reader.js';

export { BLOCKED_ANSWERS, type BlockedAnswer };

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

/** Who is refused a code: the abuse guard's limits and lists, and the low-conversion signal that feeds them. */
export type AbuseSettings = {
  /** The abuse guard's limits, answer and refused number types. */
  abuseGuard: AbuseGuardSettings;
  /** The conversion-aware fraud signal's thresholds. */
  lowConversion: LowConversionSettings;
};

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
 * Reads and validates the abuse settings; problems go to `c`.
 *
 * @param c - the collector of every group's problems
 */
export function readAbuseSettings(c: Collector): AbuseSettings {
  const abuseGuard = validAbuseGuard(c);
  const lowConversion = validLowConversion(c);
  return { abuseGuard, lowConversion };
}
