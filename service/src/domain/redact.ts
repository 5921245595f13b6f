/**
 * Redaction rules shared by the logger, the DLQ record, the operator tools and the local stack's output.
 * The OTP code, Okta's rendered message and bearer tokens are secrets; phone numbers are personal data.
 */
import { phoneLibraryPlan, readDestination } from './phone.js';

/** What a registered secret becomes. */
export const REDACTED = '[REDACTED]';
/** The marker for a secret that is part of `[REDACTED]`: no letters or digits, so no code is part of it. */
const SAFE_MARKER = '[***]';

/** What a JWT becomes. */
export const TOKEN = '[TOKEN]';

/** Shorter values are not removed: a 3-character "secret" would blank ordinary text. */
const MIN_SECRET_LENGTH = 4;

/** A masked number shows at most this many of its last digits. */
const MAX_SHOWN_DIGITS = 3;

/** E.164: at most 15 digits, country code included. */
const MAX_PHONE_DIGITS = 15;

/** Fewest digits read as a number: with `+` (Niue has 4 national digits), and without (a 10-digit national number). */
const MIN_DIGITS_WITH_PLUS = 7;
const MIN_DIGITS_WITHOUT_PLUS = 10;

const SECRET_KEYS = new Set([
  'otpcode',
  'otp',
  'token',
  'authorization',
  'authorizationtoken',
  'password',
  'secret',
  'clientsecret',
  'msgtemplate',
  'messagebody',
  'body',
]);

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A character outside ASCII. */
const NON_ASCII = /[^\p{ASCII}]/u;

/**
 * A set of exact values to remove (longest first, so Okta's message goes whole rather than leaving its text around
 * a removed code). Matching ignores case: a locale or an id may come back lower-cased.
 *
 * A set lives for one request (it holds that request's code), so it is built cheaply: ASCII text, which is nearly
 * every string of a log line, is searched with `indexOf` on lower-cased copies, which for ASCII is exactly what a
 * case-insensitive pattern matches (without the `u` flag a non-ASCII character never matches an ASCII one). Other
 * text goes through one case-insensitive pattern, compiled the first time such text comes: compiling it for every
 * request cost more than all the rest of its log line.
 */
export class SecretSet {
  /** No secrets. */
  static readonly EMPTY = new SecretSet([]);

  readonly #values: readonly string[];
  /** The values lower-cased, in the same order; only the ASCII ones (the others cannot be in ASCII text). */
  readonly #asciiLower: ReadonlyArray<string | undefined>;
  #pattern: RegExp | undefined;
  readonly #marker: string;

  /**
   * @param values - the secrets; empty, missing and too-short values are ignored
   */
  constructor(values: Iterable<string | undefined>) {
    const kept = new Set<string>();
    for (const value of values) if (value && value.length >= MIN_SECRET_LENGTH) kept.add(value);
    this.#values = [...kept].sort((a, b) => b.length - a.length);
    this.#asciiLower = this.#values.map((value) => (NON_ASCII.test(value) ? undefined : value.toLowerCase()));
    // A secret that is part of the marker itself (a code "DACT") would come back with it: use one it cannot be in.
    const inMarker = this.#values.some((value) => REDACTED.toLowerCase().includes(value.toLowerCase()));
    this.#marker = inMarker ? SAFE_MARKER : REDACTED;
  }

  /** How many secrets the set removes. */
  get size(): number {
    return this.#values.length;
  }

  /** The secrets, longest first. */
  values(): readonly string[] {
    return this.#values;
  }

  /**
   * Replaces every occurrence of every secret with `[REDACTED]` (or `[***]` when a secret is part of that word):
   * from left to right, the longest secret where several start at the same place.
   *
   * @param text - any text
   */
  remove(text: string): string {
    if (this.#values.length === 0) return text;
    if (NON_ASCII.test(text)) return this.#removeByPattern(text);
    const lower = text.toLowerCase();
    let out = '';
    let from = 0;
    for (;;) {
      let at = -1;
      let length = 0;
      for (const value of this.#asciiLower) {
        if (value === undefined) continue;
        const found = lower.indexOf(value, from);
        // Longest first: at the same place, the first found (the longest) stays.
        if (found >= 0 && (at < 0 || found < at)) {
          at = found;
          length = value.length;
        }
      }
      if (at < 0) return from === 0 ? text : out + text.slice(from);
      out += text.slice(from, at) + this.#marker;
      from = at + length;
    }
  }

  #removeByPattern(text: string): string {
    this.#pattern ??= new RegExp(this.#values.map(escapeRegex).join('|'), 'gi');
    this.#pattern.lastIndex = 0;
    return this.#pattern.test(text) ? text.replace(this.#pattern, this.#marker) : text;
  }
}

/** The country calling code and national number of a phone number. */
export type NumberSplit = { countryCode: string; national: string };

/**
 * How masking reads a phone number: `+` and digits split into country calling code and national number, or nothing
 * when it cannot be read; with `mustBeValid`, only a valid number is read.
 */
export type NumberingPlan = (e164: string, mustBeValid: boolean) => NumberSplit | undefined;

/**
 * The country calling codes in use (the ITU's assignments, as libphonenumber's metadata lists them; a unit test
 * compares the two). They are prefix-free: no code starts another.
 */
const COUNTRY_CALLING_CODES = new Set(
  (
    '1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 ' +
    '86 90 91 92 93 94 95 98 211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 ' +
    '237 238 239 240 241 242 243 244 245 246 247 248 249 250 251 252 253 254 255 256 257 258 260 261 262 263 264 265 ' +
    '266 267 268 269 290 291 297 298 299 350 351 352 353 354 355 356 357 358 359 370 371 372 373 374 375 376 377 378 ' +
    '380 381 382 383 385 386 387 389 420 421 423 500 501 502 503 504 505 506 507 508 509 590 591 592 593 594 595 596 ' +
    '597 598 599 670 672 673 674 675 676 677 678 679 680 681 682 683 685 686 687 688 689 690 691 692 850 852 853 855 ' +
    '856 880 886 960 961 962 963 964 965 966 967 968 970 971 972 973 974 975 976 977 992 993 994 995 996 998'
  ).split(' '),
);

/** libphonenumber's bounds of a national number that can be read at all. */
const MIN_NATIONAL_DIGITS = 2;
const MAX_NATIONAL_DIGITS = 17;

/**
 * The numbering plan without libphonenumber's metadata: the country calling code by the table of codes, the rest as
 * the national number. It cannot tell a valid number, so digits without `+` are never read as one (masked
 * conservatively instead). The logger uses it: a function that never parses numbers (the authorizer) then does not
 * load libphonenumber. For a `+` number it splits as libphonenumber does, except that a national prefix written in
 * it (`+49 (0) 30…`) counts among the national digits.
 */
export const callingCodePlan: NumberingPlan = (e164, mustBeValid) => {
  if (mustBeValid) return undefined;
  for (let length = 1; length <= 3; length += 1) {
    const countryCode = e164.slice(1, 1 + length);
    if (!COUNTRY_CALLING_CODES.has(countryCode)) continue;
    const national = e164.slice(1 + length);
    if (national.length < MIN_NATIONAL_DIGITS || national.length > MAX_NATIONAL_DIGITS) return undefined;
    return { countryCode, national };
  }
  return undefined;
};

/**
 * The country code and national number of a phone number; `guessedFrom`, when no `+` was given, is how many digits
 * the number was read from (the guessed country code counts as shown).
 */
type Split = NumberSplit & { guessedFrom?: number };

function split(digits: string, plus: boolean, plan: NumberingPlan): Split | undefined {
  if (digits.length > MAX_PHONE_DIGITS + 2) return undefined;
  if (plus) return plan(`+${digits}`, false);
  // Without `+` the country code is a guess (Okta may drop the `+`; `00` is the international prefix): only a
  // valid number is read.
  const read = plan(`+${digits}`, true);
  if (read) return { ...read, guessedFrom: digits.length };
  const international = digits.startsWith('00') ? plan(`+${digits.slice(2)}`, true) : undefined;
  return international && { ...international, guessedFrom: digits.length - 2 };
}

/**
 * Masks a phone number: the country code and at most the last 3 digits stay, and at least half of the national
 * digits are hidden whatever the numbering plan: `+14155550123` → `+1 *******123`, `+4512345678` → `+45 *****678`,
 * `+50051234` (Falklands, 5 national digits) → `+500 ***34`. The country code and national number come from
 * libphonenumber; without a `+`, the digits are read as an international number only when that is a valid one, and
 * then the country code counts among the digits shown. What it cannot read is masked conservatively: no country
 * code, at most the last 2 digits (`9876543210` → `********10`).
 *
 * @param phone - a phone number, with or without `+`, spaces, dashes, dots or brackets
 * @param plan - how to read it: libphonenumber's metadata unless told ({@link callingCodePlan})
 */
export function maskPhone(phone: string, plan: NumberingPlan = phoneLibraryPlan): string {
  return maskNumber(phone, plan);
}

// The logger's path (scrub, maskRun, maskNumber) names no default plan: a default would bring libphonenumber into
// every bundle that logs.
function maskNumber(phone: string, plan: NumberingPlan): string {
  const digits = phone.replace(/\D/g, '');
  const read = split(digits, phone.trimStart().startsWith('+'), plan);
  if (!read) {
    // Unknown country code: whatever it is (at most 3 digits), 2 shown digits stay under half the national ones.
    // At most 12 stars: past that, they would tell the length of garbage for nothing.
    const shown = Math.min(2, Math.max(0, Math.floor((digits.length - 3) / 2)));
    const stars = Math.max(3, Math.min(digits.length - shown, 12));
    return `${'*'.repeat(stars)}${digits.slice(digits.length - shown)}`;
  }
  const { countryCode, national, guessedFrom } = read;
  let shown = Math.min(MAX_SHOWN_DIGITS, Math.floor(national.length / 2));
  // A guessed country code may be national digits in fact: with it, still no more than half of them are shown.
  if (guessedFrom !== undefined) {
    shown = Math.min(shown, Math.max(0, Math.floor(guessedFrom / 2) - countryCode.length));
  }
  return `+${countryCode} ${'*'.repeat(national.length - shown)}${national.slice(national.length - shown)}`;
}

/**
 * A number or a number prefix as the guard's tools show it: a whole valid number masked ({@link maskPhone}), a
 * prefix as given (it names a range of up to a thousand numbers, not a person, and the operator needs its digits to
 * deny or lift it).
 *
 * @param value - E.164 number or prefix
 */
export function maskIfNumber(value: string): string {
  return readDestination(value) ? maskPhone(value) : value;
}

// Ids that hold long digit runs and are never phone numbers: kept as they are (registered secrets inside them are
// still removed, by the pass before this one).
const UUID = String.raw`\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b`;
const ARN_ACCOUNT = String.raw`\barn:[\w-]+:[\w-]+:[\w-]*:\d{12}(?=[:/])`;
const ISO_TIME = String.raw`(?<!\d)\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?(?!\d)`;
const IPV4 = String.raw`(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])`;
const JWT = String.raw`\beyJ[\w-]+\.[\w-]+\.[\w-]*`;
// A run of digit groups, each separated by one space, dash or dot, or by brackets (`+1 (415) 555-0123`): every
// separator starts with a non-digit, so the pattern never backtracks. Not started inside a word or a mask; a run
// without `+` that ends glued to a letter is left alone too (see scrubText).
const SEPARATOR = String.raw`(?:\)[ .\-]?\(?|[ .\-]\(?|\()`;
const PHONE_RUN = String.raw`(?:(?<![\d*+])\+|(?<![\w*+]))\(?\d+(?:${SEPARATOR}\d+)*`;
const PATTERN = new RegExp(`(${JWT})|(${UUID}|${ARN_ACCOUNT}|${ISO_TIME}|${IPV4})|${PHONE_RUN}`, 'g');
// Every match holds a digit, or is a JWT: most strings (levels, messages, names) skip the pattern.
const MAY_MATCH = /\d|eyJ/;

function isPhone(text: string, digits: number): boolean {
  const min = text.startsWith('+') ? MIN_DIGITS_WITH_PLUS : MIN_DIGITS_WITHOUT_PLUS;
  return digits >= min && digits <= MAX_PHONE_DIGITS;
}

const digitCount = (text: string) => text.replace(/\D/g, '').length;

/**
 * Masks a run of digit groups. More than 15 digits is numbers side by side, or a number next to other digits (a
 * date, an amount): the groups are cut greedily into numbers of at most 15 digits, so none is left whole.
 */
function maskRun(run: string, plan: NumberingPlan): string {
  const total = digitCount(run);
  if (total <= MAX_PHONE_DIGITS) return isPhone(run, total) ? maskNumber(run, plan) : run;
  let out = '';
  let part = '';
  let partDigits = 0;
  let pending = '';
  const finish = () => (isPhone(part, partDigits) ? maskNumber(part, plan) : part);
  for (const token of run.match(/\d+|\D+/g) ?? []) {
    if (!/^\d/.test(token)) {
      if (partDigits === 0) part += token;
      else pending += token;
      continue;
    }
    if (partDigits > 0 && partDigits + token.length > MAX_PHONE_DIGITS) {
      out += finish() + pending;
      part = '';
      partDigits = 0;
    } else {
      part += pending;
    }
    pending = '';
    part += token;
    partDigits += token.length;
  }
  return out + finish() + pending;
}

/**
 * Scrubs one string: registered secrets become `[REDACTED]`, JWTs `[TOKEN]`, phone numbers are masked (see
 * {@link maskPhone}), also when written with spaces, dashes, dots or brackets. ARNs' account ids, UUIDs, ISO
 * timestamps and IPv4 addresses are left alone.
 *
 * @param text - the text to scrub
 * @param secrets - exact values to remove (the OTP of the current request, Okta's message, the bearer token)
 * @param plan - how to read numbers ({@link maskPhone})
 */
export function scrubText(
  text: string,
  secrets: SecretSet | Iterable<string> = SecretSet.EMPTY,
  plan: NumberingPlan = phoneLibraryPlan,
): string {
  return scrub(text, secrets instanceof SecretSet ? secrets : new SecretSet(secrets), plan);
}

function scrub(text: string, set: SecretSet, plan: NumberingPlan): string {
  const out = set.remove(text);
  if (!MAY_MATCH.test(out)) return out;
  let rewritten = false;
  const masked = out.replace(
    PATTERN,
    (match, jwt: string | undefined, kept: string | undefined, offset: number, whole: string) => {
      if (jwt) {
        rewritten = true;
        return TOKEN;
      }
      if (kept) return match;
      // Digits glued to a letter are part of an id (a hex trace id, a hash), unless they start with `+`.
      if (!match.startsWith('+') && /\w/.test(whole.charAt(offset + match.length))) return match;
      rewritten = true;
      return maskRun(match, plan);
    },
  );
  // What the masks wrote ("[TOKEN]", a number's last digits) can complete a secret with the text beside it.
  return rewritten && set.size > 0 ? set.remove(masked) : masked;
}

/** The fields of an error a log line keeps (the JSON of an `Error` is `{}`). */
function errorFields(error: Error): Record<string, unknown> {
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    ...(error.cause === undefined ? {} : { cause: error.cause }),
  };
}

/** The object, or a copy whose keys holding a secret are scrubbed (a replacer sees values, never keys). */
function withScrubbedKeys(value: Record<string, unknown>, set: SecretSet): Record<string, unknown> {
  if (set.size === 0) return value;
  const keys = Object.keys(value);
  if (keys.every((key) => set.remove(key) === key)) return value;
  return Object.fromEntries(keys.map((key) => [set.remove(key), value[key]]));
}

/**
 * A `JSON.stringify` replacer that redacts as it serialises, so a log line is walked once, by its own
 * serialisation: secret-named keys (otpCode, token, msgTemplate, …) become `[REDACTED]`, every string at any depth
 * is scrubbed ({@link scrubText}), a number holding a secret becomes `[REDACTED]`, and errors keep their name,
 * message and stack (scrubbed, like any string).
 *
 * @param secrets - read for each value: the secrets of the invocations in flight
 * @param plan - how to read numbers ({@link maskPhone}); the logger's is {@link callingCodePlan}
 */
export function redactingReplacer(
  secrets: () => SecretSet,
  plan: NumberingPlan,
): (key: string, value: unknown) => unknown {
  return (key, value) => {
    if (value === undefined || value === null) return value;
    if (key && SECRET_KEYS.has(key.toLowerCase())) return REDACTED;
    switch (typeof value) {
      case 'string':
        return scrub(value, secrets(), plan);
      case 'number':
      case 'bigint': {
        const set = secrets();
        if (set.size === 0) return value;
        const text = String(value);
        return set.remove(text) === text ? value : REDACTED;
      }
      case 'object': {
        if (value instanceof Error) return errorFields(value);
        return Array.isArray(value) ? value : withScrubbedKeys(value as Record<string, unknown>, secrets());
      }
      default:
        return value;
    }
  };
}

/**
 * Registry of secret values of the invocations in flight, consulted by the log formatter. A handler registers the
 * OTP and the token as soon as it reads them and releases them when it answers; concurrent invocations (the local
 * stack runs many in one process) each release only their own. The compiled {@link SecretSet} is rebuilt only
 * after a change, not per log line.
 */
export class SecretRegistry {
  readonly #secrets = new Map<string, number>();
  #current: SecretSet | undefined = SecretSet.EMPTY;

  /**
   * Adds a value that must never be written anywhere.
   *
   * @returns a function that releases this registration
   */
  register(value: string | undefined): () => void {
    if (!value) return () => {};
    this.#secrets.set(value, (this.#secrets.get(value) ?? 0) + 1);
    this.#current = undefined;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const count = (this.#secrets.get(value) ?? 1) - 1;
      if (count <= 0) this.#secrets.delete(value);
      else this.#secrets.set(value, count);
      this.#current = undefined;
    };
  }

  /** The current values, as an array: every reader sees all of them (an iterator would be spent by the first). */
  values(): readonly string[] {
    return [...this.#secrets.keys()];
  }

  /** The current values, compiled for scrubbing. */
  current(): SecretSet {
    this.#current ??= new SecretSet(this.#secrets.keys());
    return this.#current;
  }
}
