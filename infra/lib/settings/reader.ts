import {
  type OriginationIdentitySetting,
  originationIdentityProblems,
} from '../../../service/src/domain/routing.js';

/**
 * What every settings group reads with: the context reader, the {@link Collector} that gathers problems instead of
 * throwing at the first, the error that lists them, and the validators more than one group (or the stack) uses.
 *
 * Values given on the command line arrive as strings: lists accept a JSON array or a comma-separated string,
 * maps a JSON object, numbers a numeric string.
 */

/** Reads one context key, e.g. `(key) => app.node.tryGetContext(key)`; undefined when absent. */
export type Reader = (key: string) => unknown;

/** One or more settings are invalid; the message lists every problem, one per line. */
export class SettingsError extends Error {
  public override readonly name = 'SettingsError';
  constructor(public readonly problems: string[]) {
    super(
      `Invalid deploy settings (CDK context, see cdk.json and README "Deploy"):\n  - ${problems.join('\n  - ')}`,
    );
  }
}

const SMS_VOICE_ARN =
  /^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:(phone-number|pool|sender-id|notify-configuration)\/.+$/;

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

/**
 * Reads settings and collects their problems as `key: message`, so one synth reports every invalid setting at once.
 * Each reader returns a usable fallback after a failure, so reading goes on.
 */
export class Collector {
  /** The problems so far, in the order they were found. */
  public readonly problems: string[] = [];
  constructor(public readonly read: Reader) {}

  /** Records a problem with `key`; returns undefined, so a reader can `return c.fail(…) ?? fallback`. */
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

  /** {@link text} that must be given: absent or blank is a problem naming `example`; empty after a problem. */
  public requiredText(key: string, example: string): string {
    const raw = this.read(key);
    const value = this.text(key);
    if (value === undefined && (raw === undefined || raw === null || typeof raw === 'string')) {
      this.fail(key, `is required (e.g. "${example}")`);
    }
    return value ?? '';
  }

  /** A list of trimmed, non-blank strings (a JSON array or a comma-separated string); empty when absent. */
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

  /** An integer from `min` to `max` (or its numeric string); `fallback` when absent or invalid. */
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

/**
 * A boolean setting: true or false (or "true"/"false" from the command line); default false.
 *
 * @param c - the collector a problem goes to
 * @param key - the context key
 */
export function validFlag(c: Collector, key: string): boolean {
  const raw = c.read(key);
  if (raw === undefined || raw === null || raw === '') return false;
  if (typeof raw === 'boolean') return raw;
  const text = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
  if (text === 'true' || text === 'false') return text === 'true';
  c.fail(key, `must be true or false, got ${JSON.stringify(raw)}`);
  return false;
}
