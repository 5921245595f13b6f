/**
 * `npm run abuse -- status|allow|deny|reset`: the abuse guard's operator tool. Reads and edits the guard's table
 * (allow and deny lists, velocity counters) with the AWS SDK, against a deployed table or the local stack.
 *
 * Numbers are never printed in full, in the table nor in `--json`: a valid number is masked like the logs mask it
 * (`+1 *******123`). A prefix that is not itself a valid number is a range, not someone's number (the hook only
 * counts and sends to valid numbers), so it is shown as given: the operator needs to read it to deny or lift it.
 * Next to a masked number, no prefix of it is shown in clear (the prefix and the last digits would spell the
 * number): a deny prefix that covers the number is described by its length.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { parsePhoneNumberFromString as parseWithTypes } from 'libphonenumber-js/max';
import { LOCAL_TABLES } from '../local/names.js';
import { abuseLimitsFrom, ConfigError, refusedNumberTypesFrom } from '../src/config.js';
import {
  type AbuseListSnapshot,
  denyCovers,
  isLive,
  listVerdict,
  NUMBER_TYPES,
  type NumberType,
  overLimit,
  refusedNumberType,
  VELOCITY_RULES,
  type VelocityReason,
  type VelocityRule,
} from '../src/domain/abuse-guard.js';
import { ABUSE_LIMIT_VARIABLES, MAX_ABUSE_LIMIT } from '../src/domain/abuse-settings.js';
import {
  type CounterKind,
  counterKey,
  LIST_PARTITIONS,
  type ListName,
  LOW_CONVERSION_REASON,
  listEntryKey,
  listEntryOf,
  lowConversionDenyKey,
  numberPrefix,
  PREFIX_DROPPED_DIGITS,
  windowCount,
  windowFallsAt,
} from '../src/domain/abuse-table.js';
import { readDestination } from '../src/domain/phone.js';
import { maskIfNumber, maskPhone, scrubText } from '../src/domain/redact.js';
import { type CliIo, clientConfig, runMain, tableName as tableOf, terminalIo, UsageError } from './common.js';

/** Printed with `--help` and on a usage error. */
export const USAGE = `Usage: npm run abuse -- <command> <E.164 number or prefix> [options]

Commands:
  status <number|prefix>        allowed or denied (by which entry, until when), and the counters of the current
                                windows against the limits; for a number, also its prefix's counters
  allow <number> [--for 7d] [--note "…"]
                                allow-list a number (testers, on-call phones): it skips the velocity limits,
                                not a deny entry nor the number-type rule
  deny <number|prefix> [--for 24h] [--note "…"]
                                never send to this number, or to any number starting with this prefix
  reset <number|prefix> [--lists] [--yes]
                                delete its counters and lift a low-conversion deny of it (or of a number's
                                prefix); with --lists also its own allow/deny entries; after you type "reset"
                                (without a terminal: refuses unless --yes)

A number is a valid E.164 number (+14155550100); a prefix is "+" and 1 to 14 digits (+1415555). The guard counts
a number's prefix as the number without its last 3 digits. A valid number is read as a number; add --prefix to
read it as a prefix. Numbers are masked in all output; a prefix that is not a valid number is shown as given.
The hook reads the lists again within about a minute.

Options:
  --table <name>      the abuse table (env ABUSE_TABLE_NAME; stack output AbuseTableName;
                      default okta-phone-mfa-abuse with a local --endpoint)
  --endpoint <url>    DynamoDB endpoint, e.g. the local stack http://127.0.0.1:3000 (env DYNAMODB_ENDPOINT)
  --region <region>   AWS region (env AWS_REGION, default us-east-1)
  --for <duration>    allow/deny: expire the entry after 30m, 12h, 7d or 2w (default: no expiry)
  --note <text>       allow/deny: why (at most 200 characters, no phone number or long digit run)
  --prefix            read the argument as a prefix even if it is a valid number
  --lists             reset: also delete the entries of exactly this number or prefix
  --yes               reset, or deny of a prefix of 1 to 3 digits: do not ask
  --json              print one JSON object instead of a table

Limits shown are ABUSE_NUMBER_PER_10_MINUTES, ABUSE_NUMBER_PER_24_HOURS, ABUSE_PREFIX_PER_HOUR and
ABUSE_REFUSED_NUMBER_TYPES from this shell, else the defaults: the deployed hook's settings may differ.`;

/** The local stack's abuse table. */
export const LOCAL_ABUSE_TABLE = LOCAL_TABLES.abuse;

/** A velocity limit with the value in force for this shell. */
export type LimitInForce = VelocityRule & { variable: string; limit: number };

/** A prefix this short is a whole country code (or most of one): denying it asks first. */
const BROAD_PREFIX_DIGITS = 3;

const MAX_NOTE_LENGTH = 200;

/** What the command is about: a number (E.164, valid) or a prefix (`+` and 1–14 digits). */
export type Target = { kind: 'number'; value: string; country: string } | { kind: 'prefix'; value: string };

/** An allow or deny entry as stored in the `list` partition. */
export type ListEntry = {
  list: ListName;
  value: string;
  createdAt?: string;
  expiresAt?: number;
  note?: string;
  /** Why the entry was made, when the service made it: `low-conversion` (the sweep's fraud signal). */
  reason?: string;
  /** The table key it is stored under (the operators' `list` partition, or the sweep's). */
  key?: { pk: string; sk: string };
};

/** The reason of the deny entries the sweep writes for prefixes whose codes go unused. */
export const LOW_CONVERSION = LOW_CONVERSION_REASON;

/**
 * Reads `ABUSE_*` with the hook's own config reader, so this shell's limits are read by the rules the deployed hook
 * reads its own by. A malformed one is a usage error, worded for the operator.
 */
function asHookReads<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ConfigError) || error.variable === undefined) throw error;
    throw new UsageError(
      error.variable === 'ABUSE_REFUSED_NUMBER_TYPES'
        ? `ABUSE_REFUSED_NUMBER_TYPES may only list ${NUMBER_TYPES.join(', ')}`
        : `${error.variable} must be a whole number up to ${MAX_ABUSE_LIMIT}, 0 to turn the limit off`,
    );
  }
}

/** The limits in force for this shell: `ABUSE_*` variables, else the guard's defaults, in the guard's order. */
export function limitsFrom(env: Record<string, string | undefined>): LimitInForce[] {
  const limits = asHookReads(() => abuseLimitsFrom(env));
  return VELOCITY_RULES.map((rule) => ({
    ...rule,
    variable: ABUSE_LIMIT_VARIABLES[rule.setting],
    limit: limits[rule.setting],
  }));
}

/** The refused number types for this shell: `ABUSE_REFUSED_NUMBER_TYPES` (empty = none), else the defaults. */
export function refusedTypesFrom(env: Record<string, string | undefined>): NumberType[] {
  return asHookReads(() => refusedNumberTypesFrom(env));
}

/**
 * Reads the command's argument. The message of a wrong one never repeats it: it may be a full number.
 *
 * @param arg - as typed; spaces, dashes, dots and brackets are ignored
 * @param asPrefix - read it as a prefix even if it is a valid number
 */
export function parseTarget(arg: string | undefined, asPrefix = false): Target {
  if (!arg) throw new UsageError('Give an E.164 number (+14155550100) or a prefix (+1415555)');
  const compact = arg.trim().replace(/[\s().-]/g, '');
  if (!compact.startsWith('+')) {
    throw new UsageError(
      'Give the number or prefix in E.164, starting with +, e.g. +14155550100 or +1415555',
    );
  }
  if (!asPrefix) {
    // The hook's own reading: a counted or sent number is always a valid one.
    const destination = readDestination(compact);
    if (destination) return { kind: 'number', value: destination.phone, country: destination.country };
  }
  if (/^\+\d{1,14}$/.test(compact)) return { kind: 'prefix', value: compact };
  throw new UsageError('The argument is neither a valid E.164 number nor a prefix ("+" and 1 to 14 digits)');
}

const UNIT_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * `--for`: a positive whole number of minutes, hours, days or weeks (`30m`, `12h`, `7d`, `2w`), at most a year.
 *
 * @returns seconds
 */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*([mhdw])$/i.exec(text.trim());
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2]!.toLowerCase()] ?? 0) : 0;
  if (!(seconds > 0)) throw new UsageError('--for must be like 30m, 12h, 7d or 2w');
  if (seconds > 366 * 86_400) throw new UsageError('--for is at most 366d: leave it out for no expiry');
  return seconds;
}

// Dates and times are the digit runs a note may hold ("blocked 2026-01-05 10:00").
const DATE_OR_TIME = /\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?Z?)?|\b\d{1,2}:\d{2}\b/g;
// Seven digits, possibly grouped: the shortest a number with its country code can be (see redact.ts).
const LONG_DIGIT_RUN = /\d(?:[\s().-]?\d){6,}/;

/**
 * Why a note cannot be stored, if it cannot. Notes are printed by `status`, so they must hold no phone number:
 * anything the log scrubber would mask, or any run of 7 or more digits (however grouped), is refused rather than
 * silently rewritten, so that what is stored is what the operator typed.
 */
export function noteProblem(note: string): string | undefined {
  if (note.length > MAX_NOTE_LENGTH) return `--note is longer than ${MAX_NOTE_LENGTH} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
  if (/[\u0000-\u001f\u007f]/.test(note)) return '--note must be one line of text';
  if (scrubText(note) !== note || LONG_DIGIT_RUN.test(note.replace(DATE_OR_TIME, ' '))) {
    return '--note must not hold a phone number or a run of 7 or more digits: describe it instead ("tester, Jane")';
  }
  return undefined;
}

const isValidNumber = (value: string) => readDestination(value) !== undefined;

/** How a stored value is shown on its own: a valid number masked, a prefix as given. */
export const shownValue = maskIfNumber;

/** The country calling code of a number. */
function countryCodeOf(number: string): string {
  return parseWithTypes(number)?.countryCallingCode ?? '';
}

/**
 * A deny entry that covers a masked number, described without spelling its digits: in clear it would complete the
 * masked number's last digits. A prefix no longer than the country code shows nothing the mask does not.
 */
function coveringPrefix(entry: string, masked: Target): string {
  const digits = entry.length - 1;
  if (entry === masked.value) return `this ${masked.kind}`;
  return digits <= countryCodeOf(masked.value).length ? entry : `its first ${digits} digits`;
}

const windowLabel = (seconds: number) =>
  seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;

const isoOf = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

/** One current-window counter against its limit. */
export type CounterRow = {
  key: CounterKind;
  window: string;
  windowSeconds: number;
  reason: VelocityReason;
  count: number;
  /** 0 = off. */
  limit: number;
  requestTypes: 'all' | 'pre-enrollment';
  resetsAt: string;
  /** The next request of those types would be refused (the guard counts it first, then compares). */
  tripped: boolean;
};

/** An entry as printed: never a full number. */
export type ShownEntry = {
  list: 'allow' | 'deny';
  /** The entry's value as shown, or how it relates to the masked target (`this number`, `its first 8 digits`). */
  entry: string;
  match: 'number' | 'prefix';
  createdAt?: string;
  expiresAt?: string;
  expired: boolean;
  note?: string;
  /** `low-conversion` for the sweep's automatic deny entries. */
  reason?: string;
};

/** `status` as `--json` prints it. */
export type StatusReport = {
  table: string;
  at: string;
  target: { kind: 'number' | 'prefix'; shown: string; country?: string; type?: string };
  /** What the guard would do with the next request, from the lists and these counters. */
  verdict: 'denied' | 'refused' | 'allow-listed' | 'limited' | 'ok';
  /** Refusal reasons of the next request, in the guard's order (velocity: per the rows' request types). */
  reasons: string[];
  entries: ShownEntry[];
  /** Entries of longer prefixes or numbers under a prefix: counted only, they may be numbers. */
  under?: { allow: number; deny: number };
  counters: CounterRow[];
};

/** The abuse table as the CLI reads and writes it (spec: `pk`/`sk`, `list` partition, `count#…` items). */
class AbuseTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    public readonly name: string,
  ) {}

  /** Every entry the guard applies: the operators' lists and the sweep's low-conversion denies. */
  async entries(): Promise<ListEntry[]> {
    const entries: ListEntry[] = [];
    for (const partition of LIST_PARTITIONS) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.doc.send(
          new QueryCommand({
            TableName: this.name,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': partition },
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          // The guard's reading of an entry: what it skips, this tool neither shows nor applies.
          const entry = listEntryOf(String(item.sk), partition);
          if (!entry) continue;
          entries.push({
            ...entry,
            key: { pk: String(item.pk), sk: String(item.sk) },
            ...(typeof item.createdAt === 'string' ? { createdAt: item.createdAt } : {}),
            ...(typeof item.expiresAt === 'number' ? { expiresAt: item.expiresAt } : {}),
            ...(typeof item.note === 'string' ? { note: item.note } : {}),
            ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
          });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }
    return entries;
  }

  async counters(kind: CounterKind, value: string): Promise<Record<string, unknown> | undefined> {
    const found = await this.doc.send(
      new GetCommand({
        TableName: this.name,
        Key: counterKey(kind, value),
        ConsistentRead: true,
      }),
    );
    return found.Item;
  }

  /** Writes an entry; whether it replaced one. */
  async put(entry: ListEntry): Promise<boolean> {
    const { list, value, ...attributes } = entry;
    const result = await this.doc.send(
      new PutCommand({
        TableName: this.name,
        Item: { ...listEntryKey(list, value), ...attributes },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return result.Attributes !== undefined;
  }

  /** Deletes one item (a key of `abuse-table.ts`); whether it existed. */
  async delete({ pk, sk }: { pk: string; sk: string }): Promise<boolean> {
    const result = await this.doc.send(
      new DeleteCommand({ TableName: this.name, Key: { pk, sk }, ReturnValues: 'ALL_OLD' }),
    );
    return result.Attributes !== undefined;
  }
}

const isActive = (entry: ListEntry, nowSeconds: number) => isLive(entry.expiresAt, nowSeconds);

/** The entries as the guard's store hands them to the guard. */
function snapshotOf(entries: readonly ListEntry[]): AbuseListSnapshot {
  return {
    allow: new Map(
      entries.filter((entry) => entry.list === 'allow').map((entry) => [entry.value, entry.expiresAt]),
    ),
    deny: entries.filter((entry) => entry.list === 'deny'),
  };
}

/**
 * Builds `status` from what the table holds: pure, so the rules read in one place.
 *
 * @param input - the target, all list entries, the counter items of the target (and a number's prefix), settings
 */
export function buildStatus(input: {
  table: string;
  target: Target;
  now: Date;
  entries: ListEntry[];
  counterItems: Partial<Record<'number' | 'prefix', Record<string, unknown> | undefined>>;
  env: Record<string, string | undefined>;
}): StatusReport {
  const { target, entries, now } = input;
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const masked = isValidNumber(target.value);
  const shownTarget = masked ? maskPhone(target.value) : target.value;

  const show = (entry: ListEntry): ShownEntry => ({
    list: entry.list,
    entry: masked ? coveringPrefix(entry.value, target) : shownValue(entry.value),
    match: entry.value === target.value && target.kind === 'number' ? 'number' : 'prefix',
    ...(entry.createdAt ? { createdAt: entry.createdAt } : {}),
    ...(entry.expiresAt !== undefined ? { expiresAt: isoOf(entry.expiresAt) } : {}),
    expired: !isActive(entry, nowSeconds),
    ...(entry.note ? { note: entry.note } : {}),
    ...(entry.reason ? { reason: entry.reason } : {}),
  });

  // A deny entry matches when the destination starts with it; an allow entry is one number.
  const matching = entries.filter((entry) =>
    entry.list === 'deny'
      ? denyCovers(entry.value, target.value)
      : target.kind === 'number' && entry.value === target.value,
  );
  const under = entries.filter(
    (entry) =>
      target.kind === 'prefix' && entry.value !== target.value && entry.value.startsWith(target.value),
  );

  const rows: CounterRow[] = [];
  for (const rule of limitsFrom(input.env)) {
    const applies = rule.kind === 'prefix' || (target.kind === 'number' && rule.kind === 'number');
    if (!applies) continue;
    const item = input.counterItems[rule.kind as 'number' | 'prefix'];
    const count = windowCount(item, rule.windowSeconds, nowSeconds);
    rows.push({
      key: rule.kind,
      window: windowLabel(rule.windowSeconds),
      windowSeconds: rule.windowSeconds,
      reason: rule.reason,
      count,
      limit: rule.limit,
      requestTypes: rule.preEnrollmentOnly ? 'pre-enrollment' : 'all',
      // A fixed window starts again at its end; the rolling 24 hours fall as their oldest counted hour leaves.
      resetsAt: isoOf(windowFallsAt(item, rule.windowSeconds, nowSeconds)),
      // The guard counts a request first, then refuses it when the count is over the limit.
      tripped: overLimit(count + 1, rule.limit),
    });
  }

  const activeDeny = matching.filter((entry) => entry.list === 'deny' && isActive(entry, nowSeconds));
  // The guard's own precedence of the lists (deny over allow, expiry). A prefix stands for the numbers under it:
  // any deny entry that covers it refuses them as a prefix, and no allow entry is a prefix's.
  const byList = listVerdict(target.value, snapshotOf(entries), nowSeconds);
  const type = target.kind === 'number' ? parseWithTypes(target.value)?.getType() : undefined;
  const refusedType =
    target.kind === 'number' ? refusedNumberType(target.value, refusedTypesFrom(input.env)) : undefined;

  // The guard's order: the number type (before any table is read), deny (over allow too), allow, velocity.
  let verdict: StatusReport['verdict'] = 'ok';
  let reasons: string[] = [];
  if (refusedType) {
    verdict = 'refused';
    reasons = ['number_type'];
  } else if (byList?.verdict === 'refuse') {
    verdict = 'denied';
    reasons = [target.kind === 'number' ? byList.reason : 'denied_prefix'];
    // The sweep's automatic deny says why: few of the prefix's codes were used in an hour.
    if (activeDeny.some((entry) => entry.reason === LOW_CONVERSION)) reasons.push(LOW_CONVERSION);
  } else if (byList?.verdict === 'allow' && target.kind === 'number') {
    verdict = 'allow-listed';
  } else if (rows.some((row) => row.tripped)) {
    verdict = 'limited';
    reasons = rows.filter((row) => row.tripped).map((row) => row.reason);
  }

  return {
    table: input.table,
    at: now.toISOString(),
    target: {
      kind: target.kind,
      shown: shownTarget,
      ...(target.kind === 'number' ? { country: target.country } : {}),
      ...(type ? { type } : {}),
    },
    verdict,
    reasons,
    entries: matching.map(show),
    ...(target.kind === 'prefix'
      ? {
          under: {
            allow: under.filter((entry) => entry.list === 'allow').length,
            deny: under.filter((entry) => entry.list === 'deny').length,
          },
        }
      : {}),
    counters: rows,
  };
}

/** Pads columns, two spaces apart. */
function columns(rows: string[][], indent = '  '): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) =>
    `${indent}${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd(),
  );
}

function verdictLine(report: StatusReport): string {
  switch (report.verdict) {
    case 'denied':
    case 'refused':
      return `refused (${report.reasons.join(', ')})`;
    case 'allow-listed':
      return 'sent: allow-listed, the velocity limits are skipped';
    case 'limited': {
      const rows = report.counters.filter((row) => row.tripped);
      return rows.every((row) => row.requestTypes === 'pre-enrollment')
        ? `refused for pre-enrollment (${report.reasons.join(', ')}); other request types are sent`
        : `refused (${report.reasons.join(', ')})`;
    }
    default:
      return 'sent (no entry applies, counters under the limits)';
  }
}

/** `status` for people. */
export function statusLines(report: StatusReport): string[] {
  const { target } = report;
  const lines = [
    `${target.shown}${target.country ? `  ${target.country}` : ''}${target.type ? `  ${target.type}` : ''}  (${target.kind}, table ${report.table}, ${report.at})`,
    `Next request: ${verdictLine(report)}`,
  ];
  if (report.entries.length === 0) lines.push('List entries: none');
  else {
    lines.push('List entries:');
    lines.push(
      ...columns(
        report.entries.map((entry) => [
          entry.list,
          entry.entry,
          entry.expiresAt ? `${entry.expired ? 'expired' : 'until'} ${entry.expiresAt}` : 'no expiry',
          entry.note ? `"${entry.note}"` : '',
          entry.reason === LOW_CONVERSION
            ? 'automatic: few codes used for many sent; reset lifts it'
            : entry.reason
              ? `reason ${entry.reason}`
              : '',
        ]),
      ),
    );
  }
  if (report.under && report.under.allow + report.under.deny > 0) {
    lines.push(
      `Under this prefix: ${report.under.allow} allow and ${report.under.deny} deny entries (not listed: they may be numbers)`,
    );
  }
  lines.push('Counters (current windows; limits from ABUSE_* in this shell, else the defaults):');
  lines.push(
    ...columns([
      ['key', 'window', 'count', 'limit', 'reason', 'applies to', 'resets at'],
      ...report.counters.map((row) => [
        row.key === 'prefix' && target.kind === 'number' ? 'its prefix' : row.key,
        row.window,
        `${row.count}${row.tripped ? ' !' : ''}`,
        row.limit === 0 ? 'off' : String(row.limit),
        row.reason,
        row.requestTypes,
        row.resetsAt,
      ]),
    ]),
  );
  if (report.counters.some((row) => row.tripped)) {
    lines.push(
      '! the next request of the types it applies to is refused (it is counted first, then compared)',
    );
  }
  if (target.kind === 'number') {
    lines.push(
      `Its prefix is the number without its last ${PREFIX_DROPPED_DIGITS} digits, shared by up to 1,000 numbers.`,
    );
  }
  return lines;
}

/** Asks for a typed word unless `--yes`; without a terminal, refuses. */
async function confirmed(
  io: CliIo,
  yes: boolean,
  question: string,
  word: string,
): Promise<boolean | 'no-tty'> {
  if (yes) return true;
  if (!io.interactive) return 'no-tty';
  return (await io.ask(`${question} Type "${word}" to confirm: `)).trim() === word;
}

/**
 * Runs the CLI.
 *
 * @param argv - arguments after the script name
 * @param io - output and prompts
 * @param env - environment (table, endpoint, region, limits)
 * @param now - the clock (tests set it)
 * @returns the exit code
 */
export async function abuseCli(
  argv: string[],
  io: CliIo = terminalIo,
  env: Record<string, string | undefined> = process.env,
  now: () => Date = () => new Date(),
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      for: { type: 'string' },
      note: { type: 'string' },
      prefix: { type: 'boolean', default: false },
      lists: { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, arg, ...extra] = positionals;
  if (values.help || !command) {
    io.out(USAGE);
    return values.help ? 0 : 2;
  }
  if (!['status', 'allow', 'deny', 'reset'].includes(command))
    throw new UsageError(`Unknown command "${command}"`);
  if (extra.length > 0) throw new UsageError(`${command} takes one number or prefix`);
  const target = parseTarget(arg, values.prefix);
  if ((values.for !== undefined || values.note !== undefined) && command !== 'allow' && command !== 'deny') {
    throw new UsageError('--for and --note only work with allow and deny');
  }
  if (values.lists && command !== 'reset') throw new UsageError('--lists only works with reset');
  const ttl = values.for === undefined ? undefined : parseDuration(values.for);
  if (values.note !== undefined) {
    const problem = noteProblem(values.note);
    if (problem) throw new UsageError(problem);
  }
  // A wrong ABUSE_* setting is a usage error before anything is read.
  limitsFrom(env);
  refusedTypesFrom(env);

  const tableName = tableOf(values, env, 'ABUSE_TABLE_NAME', LOCAL_ABUSE_TABLE);
  if (!tableName) throw new UsageError('No table: pass --table or set ABUSE_TABLE_NAME');
  const table = new AbuseTable(
    DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig(values, env, 'DYNAMODB_ENDPOINT')), {
      marshallOptions: { removeUndefinedValues: true },
    }),
    tableName,
  );

  const shown = maskIfNumber(target.value);
  // Belt and braces: whatever a later edit prints, the target number never goes out whole.
  const safe = (line: string) =>
    shown !== target.value
      ? line.split(target.value).join(shown).split(target.value.slice(1)).join(shown)
      : line;
  const out = (line: string) => io.out(safe(line));
  const err = (line: string) => io.err(safe(line));
  const print = (report: object, lines: string[]) => {
    if (values.json) out(JSON.stringify(report));
    else for (const line of lines) out(line);
  };
  const when = now();
  const nowSeconds = Math.floor(when.getTime() / 1000);

  const status = async () => {
    const prefixKey = target.kind === 'number' ? numberPrefix(target.value) : target.value;
    const [entries, numberItem, prefixItem] = await Promise.all([
      table.entries(),
      target.kind === 'number' ? table.counters('number', target.value) : Promise.resolve(undefined),
      table.counters('prefix', prefixKey),
    ]);
    return buildStatus({
      table: tableName,
      target,
      now: when,
      entries,
      counterItems: { number: numberItem, prefix: prefixItem },
      env,
    });
  };

  switch (command) {
    case 'status': {
      const report = await status();
      print(report, statusLines(report));
      return 0;
    }
    case 'allow':
    case 'deny': {
      if (command === 'allow' && target.kind !== 'number') {
        throw new UsageError('allow takes a valid number: a prefix can only be denied');
      }
      const digits = target.value.length - 1;
      if (command === 'deny' && target.kind === 'prefix' && digits <= BROAD_PREFIX_DIGITS) {
        const answer = await confirmed(
          io,
          values.yes,
          `${target.value} is a whole country code or most of one: every number starting with it is refused.`,
          'deny',
        );
        if (answer === 'no-tty') {
          err('Refusing to deny so broad a prefix without a terminal to confirm on; add --yes.');
          return 1;
        }
        if (!answer) {
          out('Nothing denied.');
          return 0;
        }
      }
      const entry: ListEntry = {
        list: command,
        value: target.value,
        createdAt: when.toISOString(),
        ...(ttl !== undefined ? { expiresAt: nowSeconds + ttl } : {}),
        ...(values.note !== undefined ? { note: values.note } : {}),
      };
      const replaced = await table.put(entry);
      const after = await status();
      const until = entry.expiresAt === undefined ? 'no expiry' : `until ${isoOf(entry.expiresAt)}`;
      const verb = command === 'allow' ? 'Allow-listed' : 'Denied';
      print(
        {
          action: command,
          table: tableName,
          target: after.target,
          ...(entry.expiresAt !== undefined ? { expiresAt: isoOf(entry.expiresAt) } : {}),
          ...(entry.note !== undefined ? { note: entry.note } : {}),
          replaced,
          verdict: after.verdict,
          reasons: after.reasons,
        },
        [
          `${verb} ${shown} (${target.kind}), ${until}${entry.note ? `, note "${entry.note}"` : ''}${replaced ? ', replacing the entry there was' : ''}.`,
          `Next request: ${verdictLine(after)}. The hook reads the lists again within about a minute.`,
        ],
      );
      if (command === 'allow' && after.verdict === 'denied') {
        const by = after.entries.filter((e) => e.list === 'deny' && !e.expired).map((e) => e.entry);
        err(`A deny entry still matches (${by.join(', ')}), and deny always wins over allow.`);
      }
      if (command === 'allow' && after.verdict === 'refused') {
        err(
          `Its number type (${after.target.type}) is refused whatever the lists say (ABUSE_REFUSED_NUMBER_TYPES).`,
        );
      }
      return 0;
    }
    case 'reset': {
      const what = `the counters${values.lists ? ' and the allow/deny entries' : ''} of ${shown}`;
      const answer = await confirmed(io, values.yes, `Reset ${what}?`, 'reset');
      if (answer === 'no-tty') {
        err('Refusing to reset without a terminal to confirm on; add --yes to reset non-interactively.');
        return 1;
      }
      if (!answer) {
        out('Nothing reset.');
        return 0;
      }
      const deleted: string[] = [];
      if (await table.delete(counterKey(target.kind, target.value))) deleted.push('counters');
      // The sweep's low-conversion deny is the service's own decision: reset lifts it, of the prefix itself or of a
      // number's prefix, without --lists.
      const ownPrefix = target.kind === 'number' ? numberPrefix(target.value) : target.value;
      const automatic = (await table.entries()).filter(
        (entry) => entry.list === 'deny' && entry.reason === LOW_CONVERSION && entry.value === ownPrefix,
      );
      for (const entry of automatic) {
        // Where it is stored: the sweep's partition, or the operators' where an earlier version of the sweep wrote it.
        if (await table.delete(entry.key ?? lowConversionDenyKey(entry.value))) {
          deleted.push(target.kind === 'number' ? "its prefix's low-conversion deny" : 'low-conversion deny');
        }
      }
      if (values.lists) {
        const lists = target.kind === 'number' ? (['allow', 'deny'] as const) : (['deny'] as const);
        for (const list of lists) {
          if (await table.delete(listEntryKey(list, target.value))) deleted.push(`${list} entry`);
        }
      }
      const after = await status();
      print(
        {
          action: 'reset',
          table: tableName,
          target: after.target,
          deleted,
          verdict: after.verdict,
          reasons: after.reasons,
        },
        [
          deleted.length > 0
            ? `Reset ${shown}: deleted its ${deleted.join(', ')}.`
            : `Nothing to reset for ${shown}: no counters${values.lists ? ' nor entries' : ''}.`,
          `Next request: ${verdictLine(after)}.`,
        ],
      );
      const stillDenied = after.entries.filter((e) => e.list === 'deny' && !e.expired);
      if (stillDenied.length > 0) {
        err(
          `Still denied by a deny entry (${stillDenied.map((e) => e.entry).join(', ')}): lift it with reset <that prefix, with +> --lists.`,
        );
      }
      const prefixRow = after.counters.find((row) => row.key === 'prefix' && row.tripped);
      if (target.kind === 'number' && prefixRow) {
        err(
          `Its prefix's counters (${prefixRow.reason}) are shared with other numbers and were kept: reset the number without its last ${PREFIX_DROPPED_DIGITS} digits to clear them.`,
        );
      }
      return 0;
    }
  }
  throw new UsageError(`Unknown command "${command}"`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runMain(() => abuseCli(process.argv.slice(2)), USAGE);
}
