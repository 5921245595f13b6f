/**
 * `npm run abuse` reads and edits the guard's table with the real SDK against dynalite, exactly as against the
 * local stack, and never prints a full number: not in the table, not in --json, not in an error.
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { abuseCli, LOCAL_ABUSE_TABLE, noteProblem, parseDuration, parseTarget } from '../../../cli/abuse.js';
import { type CliIo, UsageError } from '../../../cli/common.js';
import {
  localDynamoClient,
  pkSkTable,
  type RunningDynalite,
  startDynalite,
  waitActive,
} from '../../../local/dynalite.js';
import { DynamoAbuseStore } from '../../../src/adapters/abuse-store.js';
import { ConfigError, loadHookConfig } from '../../../src/config.js';
import {
  AbuseGuard,
  DEFAULT_ABUSE_LIMITS,
  DEFAULT_REFUSED_NUMBER_TYPES,
  VELOCITY_RULES,
} from '../../../src/domain/abuse-guard.js';
import { slotAttribute, windowSlot } from '../../../src/domain/abuse-table.js';
import type { DeliveryRequest } from '../../../src/domain/hook-request.js';
import { INVALID_ABUSE_LIMITS } from '../../helpers/abuse-env.js';

const NUMBER = '+14155550123';
/** The guard's prefix key of NUMBER: the number without its last 3 digits. */
const NUMBER_PREFIX = '+14155550';
const MASKED = '+1 *******123';
const NOW = new Date('2026-01-05T10:03:00.000Z');
const at = (offsetSeconds: number) => () => new Date(NOW.getTime() + offsetSeconds * 1000);

let dynalite: RunningDynalite;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let table: string;
let counter = 0;

function capture(
  interactive = false,
  answer = '',
): CliIo & { stdout: string[]; stderr: string[]; asked: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const asked: string[] = [];
  return {
    stdout,
    stderr,
    asked,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    interactive,
    ask: async (question) => {
      asked.push(question);
      return answer;
    },
  };
}

const run = (
  argv: string[],
  options: { io?: ReturnType<typeof capture>; env?: Record<string, string>; now?: () => Date } = {},
) => {
  const io = options.io ?? capture();
  return abuseCli(
    [...argv, '--table', table, '--endpoint', dynalite.endpoint],
    io,
    options.env ?? {},
    options.now ?? (() => NOW),
  ).then((code) => ({ code, io, out: io.stdout.join('\n'), err: io.stderr.join('\n') }));
};

const json = async (argv: string[], options: Parameters<typeof run>[1] = {}) => {
  const result = await run([...argv, '--json'], options);
  expect(result.io.stdout).toHaveLength(1);
  return JSON.parse(result.io.stdout[0]!);
};

/** The abuse table as the spec defines it (pk S + sk S; TTL on expiresAt, which dynalite does not enforce). */
async function createAbuseTable(name: string): Promise<void> {
  await client.send(new CreateTableCommand(pkSkTable(name)));
  await waitActive(client, name);
}

/** Counts `times` requests the way the guard does: one UpdateItem per key, ADD to every window's bucket. */
async function count(kind: 'number' | 'prefix', value: string, times: number, when = NOW): Promise<void> {
  const nowSeconds = Math.floor(when.getTime() / 1000);
  const windows = VELOCITY_RULES.filter((rule) => rule.kind === kind).map((rule) => rule.windowSeconds);
  const names = Object.fromEntries(
    windows.map((w, i) => [`#w${i}`, slotAttribute(w, windowSlot(w, nowSeconds))]),
  );
  await doc.send(
    new UpdateCommand({
      TableName: table,
      Key: { pk: `count#${kind}#${value}`, sk: 'counters' },
      UpdateExpression: `ADD ${windows.map((_, i) => `#w${i} :n`).join(', ')} SET expiresAt = :exp`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':n': times, ':exp': nowSeconds + Math.max(...windows) },
    }),
  );
}

const stored = async (pk: string, sk: string) =>
  (await doc.send(new GetCommand({ TableName: table, Key: { pk, sk } }))).Item;

beforeAll(async () => {
  dynalite = await startDynalite();
  client = localDynamoClient(dynalite.endpoint);
  doc = DynamoDBDocumentClient.from(client);
});

afterAll(async () => {
  await dynalite.close();
});

beforeEach(async () => {
  counter += 1;
  table = `cli-abuse-${counter}`;
  await createAbuseTable(table);
});

describe('npm run abuse -- status', () => {
  it('shows a number with no entry and no counters as sent, against the default limits', async () => {
    // Act
    const report = await json(['status', NUMBER]);
    const people = await run(['status', NUMBER]);

    // Assess
    expect(report).toMatchObject({
      target: { kind: 'number', shown: MASKED, country: 'US' },
      verdict: 'ok',
      reasons: [],
      entries: [],
    });
    expect(report.counters.map((row: { reason: string; count: number; limit: number }) => row)).toMatchObject(
      [
        { key: 'number', reason: 'number_10m', count: 0, limit: 5, requestTypes: 'all' },
        { key: 'number', reason: 'number_24h', count: 0, limit: 15, requestTypes: 'all' },
        { key: 'prefix', reason: 'prefix_1h', count: 0, limit: 20, requestTypes: 'pre-enrollment' },
      ],
    );
    expect(people.code).toBe(0);
    expect(people.out).toContain(`${MASKED}  US`);
    expect(people.out).toContain('Next request: sent');
    expect(people.out).toMatch(/its prefix +1 h +0 +20 +prefix_1h +pre-enrollment/);
  });

  it('counts the current 10 minutes alone, and the 24 hours as they roll: falling when their oldest counted hour leaves', async () => {
    // Prepare: 9 requests in the previous 10-minute window (the hour before), 6 in this one
    await count('number', NUMBER, 9, new Date(NOW.getTime() - 600_000));
    await count('number', NUMBER, 6);

    // Act
    const report = await json(['status', NUMBER]);

    // Assess
    const [tenMinutes, day] = report.counters;
    expect(tenMinutes).toMatchObject({
      count: 6,
      limit: 5,
      tripped: true,
      resetsAt: '2026-01-05T10:10:00.000Z',
    });
    expect(day).toMatchObject({ count: 15, limit: 15, tripped: true, resetsAt: '2026-01-06T09:00:00.000Z' });
    expect(report).toMatchObject({ verdict: 'limited', reasons: ['number_10m', 'number_24h'] });
  });

  it('shows a limit at its count as tripped: the guard counts the next request first, then compares', async () => {
    // Prepare
    await count('number', NUMBER, 4);
    const under = await json(['status', NUMBER]);
    await count('number', NUMBER, 1);

    // Act
    const at = await json(['status', NUMBER]);

    // Assess
    expect(under.verdict).toBe('ok');
    expect(at).toMatchObject({ verdict: 'limited', reasons: ['number_10m'] });
  });

  it("shows the number's prefix counters, which refuse pre-enrollment only", async () => {
    // Prepare
    await count('prefix', NUMBER_PREFIX, 20);

    // Act
    const report = await json(['status', NUMBER]);
    const people = await run(['status', NUMBER]);

    // Assess
    expect(report).toMatchObject({ verdict: 'limited', reasons: ['prefix_1h'] });
    expect(report.counters[2]).toMatchObject({ key: 'prefix', count: 20, tripped: true });
    expect(people.out).toContain(
      'Next request: refused for pre-enrollment (prefix_1h); other request types are sent',
    );
  });

  it('reads the limits from ABUSE_* in the shell, where 0 turns a limit off', async () => {
    // Prepare
    await count('number', NUMBER, 6);
    const env = { ABUSE_NUMBER_PER_10_MINUTES: '0', ABUSE_NUMBER_PER_24_HOURS: '100' };

    // Act
    const report = await json(['status', NUMBER], { env });
    const people = await run(['status', NUMBER], { env });

    // Assess
    expect(report.counters[0]).toMatchObject({ limit: 0, tripped: false });
    expect(report.counters[1]).toMatchObject({ limit: 100, tripped: false });
    expect(report.verdict).toBe('ok');
    expect(people.out).toMatch(/number +10 min +6 +off/);
    await expect(run(['status', NUMBER], { env: { ABUSE_PREFIX_PER_HOUR: 'lots' } })).rejects.toThrow(
      /ABUSE_PREFIX_PER_HOUR must be a whole number/,
    );
  });

  it('refuses premium-rate numbers by default, and follows ABUSE_REFUSED_NUMBER_TYPES', async () => {
    // Act
    const premium = await json(['status', '+19005550123']);
    const none = await json(['status', '+19005550123'], { env: { ABUSE_REFUSED_NUMBER_TYPES: '' } });

    // Assess
    expect(premium).toMatchObject({
      target: { type: 'PREMIUM_RATE', shown: '+1 *******123' },
      verdict: 'refused',
      reasons: ['number_type'],
    });
    expect(none.verdict).toBe('ok');
  });

  it('shows a prefix as given, the deny entries covering it, and only a count of the entries under it', async () => {
    // Prepare
    await run(['deny', '+1415', '--note', 'pumping, INC-42']);
    await run(['deny', '+1415555']);
    await run(['allow', NUMBER]);
    await count('prefix', '+1415555', 3);

    // Act
    const report = await json(['status', '+1415555']);
    const people = await run(['status', '+1415555']);

    // Assess
    expect(report).toMatchObject({
      target: { kind: 'prefix', shown: '+1415555' },
      verdict: 'denied',
      reasons: ['denied_prefix'],
      under: { allow: 1, deny: 0 },
    });
    expect(report.entries.map((entry: { entry: string }) => entry.entry)).toEqual(['+1415', '+1415555']);
    expect(report.counters).toMatchObject([{ key: 'prefix', count: 3, limit: 20 }]);
    expect(people.out).toContain('Under this prefix: 1 allow and 0 deny entries');
    expect(people.out).toMatch(/deny +\+1415 +no expiry +"pumping, INC-42"/);
  });

  it('defaults to the local table with a local endpoint and no --table', async () => {
    // Prepare
    await createAbuseTable(LOCAL_ABUSE_TABLE).catch(() => undefined);
    const io = capture();

    // Act
    const code = await abuseCli(
      ['status', NUMBER, '--endpoint', dynalite.endpoint, '--json'],
      io,
      {},
      () => NOW,
    );

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(io.stdout[0]!).table).toBe(LOCAL_ABUSE_TABLE);
    await expect(abuseCli(['status', NUMBER], capture(), {})).rejects.toThrow(/ABUSE_TABLE_NAME/);
  });
});

describe('npm run abuse -- allow and deny', () => {
  it('allow-lists a number with an expiry and a note, stored as the spec says', async () => {
    // Act
    const { code, out } = await run(['allow', NUMBER, '--for', '7d', '--note', 'on-call phone']);

    // Assess
    expect(code).toBe(0);
    expect(await stored('list', `allow#${NUMBER}`)).toEqual({
      pk: 'list',
      sk: `allow#${NUMBER}`,
      createdAt: NOW.toISOString(),
      expiresAt: Math.floor(NOW.getTime() / 1000) + 7 * 86_400,
      note: 'on-call phone',
    });
    expect(out).toContain(
      `Allow-listed ${MASKED} (number), until 2026-01-12T10:03:00.000Z, note "on-call phone".`,
    );
    expect(out).toContain('Next request: sent: allow-listed, the velocity limits are skipped');
  });

  it('lets an allow-listed number past its velocity limits, not past its number type', async () => {
    // Prepare
    await count('number', NUMBER, 50);
    await run(['allow', NUMBER]);
    const io = capture();

    // Act
    const report = await json(['status', NUMBER]);
    await run(['allow', '+19005550123'], { io });

    // Assess
    expect(report).toMatchObject({ verdict: 'allow-listed', reasons: [] });
    expect(report.counters[0]).toMatchObject({ count: 50, tripped: true });
    expect(io.stderr.join()).toContain('(PREMIUM_RATE) is refused whatever the lists say');
  });

  it('denies a number: deny wins over allow, and allow says so', async () => {
    // Prepare
    await run(['deny', NUMBER, '--note', 'reported stolen']);
    const io = capture();

    // Act
    await run(['allow', NUMBER], { io });
    const report = await json(['status', NUMBER]);

    // Assess
    expect(io.stderr.join()).toContain(
      'A deny entry still matches (this number), and deny always wins over allow.',
    );
    expect(report).toMatchObject({ verdict: 'denied', reasons: ['denied_number'] });
    expect(report.entries).toMatchObject([
      { list: 'allow', entry: 'this number', match: 'number', expired: false },
      { list: 'deny', entry: 'this number', match: 'number', expired: false, note: 'reported stolen' },
    ]);
  });

  it('denies a prefix: a number under it is refused, and the prefix is described by its length beside the mask', async () => {
    // Prepare
    const denied = await json(['deny', NUMBER_PREFIX, '--for', '12h']);

    // Act
    const report = await json(['status', NUMBER]);
    const people = await run(['status', NUMBER]);

    // Assess
    expect(denied).toMatchObject({ action: 'deny', target: { kind: 'prefix', shown: NUMBER_PREFIX } });
    expect(report).toMatchObject({ verdict: 'denied', reasons: ['denied_prefix'] });
    expect(report.entries).toMatchObject([
      { list: 'deny', entry: 'its first 8 digits', match: 'prefix', expiresAt: '2026-01-05T22:03:00.000Z' },
    ]);
    expect(people.out).toMatch(/deny +its first 8 digits +until 2026-01-05T22:03:00.000Z/);
    expect(`${JSON.stringify(report)}\n${people.out}`).not.toContain(NUMBER_PREFIX);
  });

  it('ignores an entry past its expiry, before TTL deletes it, and shows it as expired', async () => {
    // Prepare
    await run(['deny', NUMBER, '--for', '1h']);
    await run(['allow', '+14155550124', '--for', '30m']);

    // Act
    const deniedNow = await json(['status', NUMBER]);
    const later = await json(['status', NUMBER], { now: at(3601) });
    const allowLater = await json(['status', '+14155550124'], { now: at(1801) });
    const people = await run(['status', NUMBER], { now: at(3601) });

    // Assess
    expect(deniedNow.verdict).toBe('denied');
    expect(later).toMatchObject({ verdict: 'ok', entries: [{ list: 'deny', expired: true }] });
    expect(allowLater).toMatchObject({ verdict: 'ok', entries: [{ list: 'allow', expired: true }] });
    expect(people.out).toMatch(/deny +this number +expired 2026-01-05T11:03:00.000Z/);
  });

  it('asks before denying a whole country code, and refuses without a terminal unless --yes', async () => {
    // Act
    const noTty = await run(['deny', '+44']);
    const declined = await run(['deny', '+44'], { io: capture(true, 'no') });
    const confirmed = await run(['deny', '+44'], { io: capture(true, 'deny') });
    const forced = await run(['deny', '+7', '--yes']);

    // Assess
    expect(noTty.code).toBe(1);
    expect(noTty.err).toContain('add --yes');
    expect(declined.out).toBe('Nothing denied.');
    expect(confirmed.io.asked[0]).toContain('Type "deny" to confirm');
    expect(await stored('list', 'deny#+44')).toBeDefined();
    expect(forced.code).toBe(0);
    expect(await stored('list', 'deny#+7')).toBeDefined();
  });

  it('reads a valid number as a prefix with --prefix, and masks it all the same', async () => {
    // Act: +4930901820 is a valid Berlin number and a prefix of longer ones
    const report = await json(['deny', '+4930901820', '--prefix']);
    const under = await json(['status', '+4930901820123']);

    // Assess
    expect(report.target).toMatchObject({ kind: 'prefix', shown: '+49 *****820' });
    expect(under).toMatchObject({ verdict: 'denied', reasons: ['denied_prefix'] });
    expect(JSON.stringify([report, under])).not.toMatch(/4930901820/);
  });
});

describe('npm run abuse -- reset', () => {
  it('refuses without a terminal unless --yes, and resets nothing', async () => {
    // Prepare
    await count('number', NUMBER, 3);

    // Act
    const { code, err } = await run(['reset', NUMBER]);

    // Assess
    expect(code).toBe(1);
    expect(err).toContain('add --yes');
    expect(await stored(`count#number#${NUMBER}`, 'counters')).toBeDefined();
  });

  it('deletes the counters only after the operator types "reset", and keeps the entries without --lists', async () => {
    // Prepare
    await count('number', NUMBER, 7);
    await run(['deny', NUMBER]);
    const declined = capture(true, 'y');
    const confirmed = capture(true, 'reset');

    // Act
    await run(['reset', NUMBER], { io: declined });
    const kept = await stored(`count#number#${NUMBER}`, 'counters');
    await run(['reset', NUMBER], { io: confirmed });

    // Assess
    expect(declined.stdout).toEqual(['Nothing reset.']);
    expect(kept).toBeDefined();
    expect(confirmed.asked[0]).toBe(`Reset the counters of ${MASKED}? Type "reset" to confirm: `);
    expect(confirmed.stdout[0]).toBe(`Reset ${MASKED}: deleted its counters.`);
    expect(await stored(`count#number#${NUMBER}`, 'counters')).toBeUndefined();
    expect(await stored('list', `deny#${NUMBER}`)).toBeDefined();
  });

  it('with --lists also deletes the entries of exactly that number, and says what still denies it', async () => {
    // Prepare
    await run(['allow', NUMBER]);
    await run(['deny', NUMBER]);
    await run(['deny', NUMBER_PREFIX]);

    // Act
    const report = await json(['reset', NUMBER, '--lists', '--yes']);
    const people = await run(['reset', NUMBER, '--lists', '--yes']);

    // Assess
    expect(report).toMatchObject({
      action: 'reset',
      deleted: ['allow entry', 'deny entry'],
      verdict: 'denied',
    });
    expect(await stored('list', `allow#${NUMBER}`)).toBeUndefined();
    expect(await stored('list', `deny#${NUMBER}`)).toBeUndefined();
    expect(await stored('list', `deny#${NUMBER_PREFIX}`)).toBeDefined();
    expect(people.out).toContain(`Nothing to reset for ${MASKED}: no counters nor entries.`);
    expect(people.err).toContain('Still denied by a deny entry (its first 8 digits)');
  });

  it("resets a prefix's counters and its deny entry, and points a number at its shared prefix counters", async () => {
    // Prepare
    await count('prefix', NUMBER_PREFIX, 25);
    await count('number', NUMBER, 1);
    await run(['deny', NUMBER_PREFIX]);
    const numberReset = await run(['reset', NUMBER, '--yes']);

    // Act
    const prefixReset = await json(['reset', NUMBER_PREFIX, '--lists', '--yes']);

    // Assess
    expect(numberReset.err).toContain("Its prefix's counters (prefix_1h) are shared with other numbers");
    expect(prefixReset).toMatchObject({
      target: { kind: 'prefix', shown: NUMBER_PREFIX },
      deleted: ['counters', 'deny entry'],
      verdict: 'ok',
    });
    expect(await stored(`count#prefix#${NUMBER_PREFIX}`, 'counters')).toBeUndefined();
  });
});

describe('npm run abuse never prints a full number', () => {
  it('in any command, as a table or as JSON, nor any prefix of it beyond the country code', async () => {
    // Prepare
    await count('number', NUMBER, 6);
    await count('prefix', NUMBER_PREFIX, 21);
    const runs = [
      ['status', NUMBER],
      ['allow', NUMBER, '--for', '1d', '--note', 'tester'],
      ['deny', NUMBER, '--note', 'lost'],
      ['status', NUMBER],
      ['reset', NUMBER, '--lists', '--yes'],
      ['allow', '+1 (415) 555-0123'],
    ];
    const printed: string[] = [];

    // Act
    for (const argv of runs) {
      for (const extra of [[], ['--json']]) {
        const { out, err } = await run([...argv, ...extra]);
        printed.push(out, err);
      }
    }

    // Assess
    const all = printed.join('\n');
    expect(all).toContain(MASKED);
    const digitGroups = all.replace(/\D+/g, ' ');
    expect(digitGroups).not.toMatch(/4155550|14155/);
    expect(all).not.toContain(NUMBER_PREFIX);
  });

  it('in a usage error about its argument', async () => {
    // Act and assess: a 15-digit number that is not valid, and one without "+"
    const args = ['+141555501239999', '14155550123', '+1-415-555-0123x'];
    const errors = await Promise.all(
      args.map((arg) =>
        run(['status', arg]).then(
          () => '',
          (error: Error) => error.message,
        ),
      ),
    );
    for (const [i, message] of errors.entries()) {
      expect(message).not.toBe('');
      expect(message.replace(/\D+/g, '')).not.toContain(args[i]!.replace(/\D+/g, '').slice(0, 10));
    }
  });
});

describe('argument checks', () => {
  it.each([
    [['allow', '+1415555'], /allow takes a valid number/],
    [['status', '+'], /neither a valid E\.164 number nor a prefix/],
    [['status', '4155550123'], /starting with \+/],
    [['status'], /Give an E\.164 number/],
    [['deny', NUMBER, '--for', '3 days'], /--for must be like/],
    [['deny', NUMBER, '--for', '400d'], /at most 366d/],
    [['deny', NUMBER, '--note', 'call +1 415 555 0199 first'], /must not hold a phone number/],
    [['deny', NUMBER, '--note', 'badge 7712345'], /run of 7 or more digits/],
    [['status', NUMBER, '--note', 'x'], /only work with allow and deny/],
    [['status', NUMBER, '--lists'], /--lists only works with reset/],
    [['block', NUMBER], /Unknown command "block"/],
    [['status', NUMBER, '+1415'], /takes one number or prefix/],
  ])('refuses %j', async (argv, message) => {
    await expect(run(argv)).rejects.toThrow(UsageError);
    await expect(run(argv)).rejects.toThrow(message);
  });

  it('writes nothing when an argument is refused', async () => {
    await expect(run(['deny', NUMBER, '--note', 'from 4155550199'])).rejects.toThrow(UsageError);
    expect(await stored('list', `deny#${NUMBER}`)).toBeUndefined();
  });

  it('reads numbers as the hook does and prefixes as "+" and 1 to 14 digits', () => {
    expect(parseTarget('+1 (415) 555-0123')).toEqual({ kind: 'number', value: NUMBER, country: 'US' });
    expect(parseTarget('+1415555')).toEqual({ kind: 'prefix', value: '+1415555' });
    expect(parseTarget(NUMBER, true)).toEqual({ kind: 'prefix', value: NUMBER });
    // Not a valid number (555 is no area code): a prefix, as the hook would never count or send to it.
    expect(parseTarget('+15555550123')).toEqual({ kind: 'prefix', value: '+15555550123' });
  });

  it.each([
    ['30m', 1800],
    ['12h', 43_200],
    ['7d', 604_800],
    ['2w', 1_209_600],
  ])('reads --for %s as %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each([
    'on-call phone, Jane (SRE)',
    'ticket INC-4242, until 2026-02-01',
    'blocked 2026-01-05T10:00:00Z by the pumping alarm',
  ])('accepts the note %j', (note) => {
    expect(noteProblem(note)).toBeUndefined();
  });
});

describe('npm run abuse and the guard read the table alike', () => {
  const guardAt = (when: Date) => {
    const store = new DynamoAbuseStore(client, table, { now: () => when.getTime(), listMaxAgeSeconds: 0 });
    return new AbuseGuard({
      counters: store,
      lists: store,
      settings: { limits: { ...DEFAULT_ABUSE_LIMITS }, refusedNumberTypes: DEFAULT_REFUSED_NUMBER_TYPES },
      now: () => when.getTime(),
    });
  };
  const request = (eventId: string) =>
    ({
      idempotencyKey: eventId,
      eventId,
      requestId: `req-${eventId}`,
      requestType: 'com.okta.user.telephony.pre-enrollment',
      channel: 'sms',
      phone: NUMBER,
      country: 'US',
      rawPhone: NUMBER,
      userId: `user-${eventId}`,
      clientIp: '203.0.113.10',
      otpCode: '123456',
      ttlSeconds: 300,
    }) as DeliveryRequest;

  it("shows the guard's own counts, and says the next request is refused exactly when the guard refuses it", async () => {
    // Prepare: 5 requests, the default limit per 10 minutes
    const guard = guardAt(NOW);
    for (let i = 1; i <= 5; i += 1) expect((await guard.check(request(`e${i}`))).verdict).toBe('allow');

    // Act
    const before = await json(['status', NUMBER]);
    const sixth = await guard.check(request('e6'));

    // Assess
    expect(before.counters[0]).toMatchObject({ reason: 'number_10m', count: 5, tripped: true });
    expect(before.counters[2]).toMatchObject({ reason: 'prefix_1h', count: 5, tripped: false });
    expect(before).toMatchObject({ verdict: 'limited', reasons: ['number_10m'] });
    expect(sixth).toMatchObject({ verdict: 'refuse', reason: 'number_10m' });
  });

  it('writes entries the guard applies: an allow, a deny prefix over it, and its expiry', async () => {
    // Prepare
    await run(['allow', NUMBER]);
    await run(['deny', NUMBER_PREFIX, '--for', '1h']);

    // Act
    const denied = await guardAt(NOW).check(request('d1'));
    const afterExpiry = await guardAt(new Date(NOW.getTime() + 3601_000)).check(request('d2'));

    // Assess
    expect(denied).toMatchObject({ verdict: 'refuse', reason: 'denied_prefix' });
    expect(afterExpiry).toEqual({ verdict: 'allow', allowListed: true });
  });

  it("reads the guard's buckets and prefix item, and reset deletes the very item the guard counts in", async () => {
    // Prepare: 3 requests at 10:03; the next 10-minute bucket starts at 10:10, 420 s later
    const guard = guardAt(NOW);
    for (let i = 1; i <= 3; i += 1) await guard.check(request(`p${i}`));

    // Act
    const prefix = await json(['status', NUMBER_PREFIX]);
    const nextBucket = await json(['status', NUMBER], { now: at(420) });
    const reset = await json(['reset', NUMBER, '--yes']);
    await guard.check(request('p4'));
    const after = await json(['status', NUMBER]);

    // Assess
    expect(prefix.counters).toMatchObject([{ key: 'prefix', reason: 'prefix_1h', count: 3 }]);
    expect(nextBucket.counters).toMatchObject([
      { reason: 'number_10m', count: 0, resetsAt: '2026-01-05T10:20:00.000Z' },
      { reason: 'number_24h', count: 3 },
      { reason: 'prefix_1h', count: 3 },
    ]);
    expect(reset).toMatchObject({ deleted: ['counters'] });
    expect(after.counters).toMatchObject([
      { reason: 'number_10m', count: 1 },
      { reason: 'number_24h', count: 1 },
      { reason: 'prefix_1h', count: 4 },
    ]);
  });

  it('skips a list item the guard skips: an empty deny entry denies nothing in either', async () => {
    // Prepare: not an entry any tool writes, but one a hand edit could leave
    await doc.send(new PutCommand({ TableName: table, Item: { pk: 'list', sk: 'deny#' } }));

    // Act
    const report = await json(['status', NUMBER]);
    const verdict = await guardAt(NOW).check(request('m1'));

    // Assess
    expect(report).toMatchObject({ verdict: 'ok', reasons: [], entries: [] });
    expect(verdict).toEqual({ verdict: 'allow', allowListed: false });
  });

  describe('reads ABUSE_* as the hook reads its own', () => {
    const hookEnv = {
      TEMPLATES_TABLE_NAME: 't',
      IDEMPOTENCY_TABLE_NAME: 'i',
      DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/1/dlq',
      FINGERPRINT_KEY_SECRET: 'okta-phone-mfa/fingerprint-key',
      ABUSE_TABLE_NAME: 'abuse',
    };

    it('shows the limits and number types a hook with this environment applies', async () => {
      // Prepare: the hook reads 1e1 as 10 and trims; a toll-free number, refused only by this setting
      const env = {
        ABUSE_NUMBER_PER_10_MINUTES: '1e1',
        ABUSE_NUMBER_PER_24_HOURS: ' 30 ',
        ABUSE_PREFIX_PER_HOUR: '0',
        ABUSE_REFUSED_NUMBER_TYPES: 'premium_rate, toll_free',
      };
      const { limits, refusedNumberTypes } = loadHookConfig({ ...hookEnv, ...env }).abuse;

      // Act
      const report = await json(['status', NUMBER], { env });
      const tollFree = await json(['status', '+18005550123'], { env });

      // Assess
      expect(report.counters.map((row: { limit: number }) => row.limit)).toEqual([
        limits.numberPer10Minutes,
        limits.numberPer24Hours,
        limits.prefixPerHour,
      ]);
      expect(refusedNumberTypes).toEqual(['PREMIUM_RATE', 'TOLL_FREE']);
      expect(tollFree).toMatchObject({
        target: { type: 'TOLL_FREE' },
        verdict: 'refused',
        reasons: ['number_type'],
      });
    });

    it.each(INVALID_ABUSE_LIMITS)('refuses %s=%s where the hook would fail to start', async (name, value) => {
      expect(() => loadHookConfig({ ...hookEnv, [name]: value })).toThrow(ConfigError);
      await expect(run(['status', NUMBER], { env: { [name]: value } })).rejects.toThrow(UsageError);
      await expect(run(['status', NUMBER], { env: { [name]: value } })).rejects.toThrow(
        new RegExp(`^${name} `),
      );
    });
  });
});

describe('npm run abuse and the low-conversion deny', () => {
  /** The sweep's entry for a prefix whose codes went unused (written by the sweep's own function). */
  async function lowConversionDeny(prefix: string, hours = 12): Promise<void> {
    const { putLowConversionDeny } = await import('../../../src/adapters/abuse-store.js');
    await putLowConversionDeny(client, table, prefix, {
      expiresAt: Math.floor(NOW.getTime() / 1000) + hours * 3600,
      createdAt: NOW,
    });
  }

  it('shows the low-conversion reason in status, for the prefix and for a number under it', async () => {
    // Prepare
    await lowConversionDeny(NUMBER_PREFIX);

    // Act
    const prefix = await json(['status', NUMBER_PREFIX]);
    const number = await run(['status', NUMBER]);

    // Assess
    expect(prefix).toMatchObject({
      verdict: 'denied',
      reasons: ['denied_prefix', 'low-conversion'],
      entries: [
        { list: 'deny', reason: 'low-conversion', expiresAt: '2026-01-05T22:03:00.000Z', expired: false },
      ],
    });
    expect(number.out).toContain('refused (denied_prefix, low-conversion)');
    expect(number.out).toContain('automatic: few codes used for many sent; reset lifts it');
    expect(number.out).not.toContain(NUMBER);
    expect(number.out).not.toContain(NUMBER_PREFIX);
  });

  it('lifts it with reset of the prefix or of a number under it, without --lists', async () => {
    // Prepare
    await lowConversionDeny(NUMBER_PREFIX);

    // Act
    const byNumber = await json(['reset', NUMBER, '--yes']);
    await lowConversionDeny(NUMBER_PREFIX);
    const byPrefix = await json(['reset', NUMBER_PREFIX, '--yes']);

    // Assess
    expect(byNumber).toMatchObject({ deleted: ["its prefix's low-conversion deny"], verdict: 'ok' });
    expect(byPrefix).toMatchObject({ deleted: ['low-conversion deny'], verdict: 'ok' });
    expect(await stored('list', `deny#${NUMBER_PREFIX}`)).toBeUndefined();
  });

  it("keeps an operator's deny entry on reset without --lists, and the sweep never replaces it", async () => {
    // Prepare
    await run(['deny', NUMBER_PREFIX, '--note', 'pumping seen']);
    await lowConversionDeny(NUMBER_PREFIX);

    // Act
    const reset = await run(['reset', NUMBER_PREFIX, '--yes']);

    // Assess
    expect(await stored('list', `deny#${NUMBER_PREFIX}`)).toMatchObject({ note: 'pumping seen' });
    expect((await stored('list', `deny#${NUMBER_PREFIX}`))?.expiresAt).toBeUndefined();
    expect(reset.err).toContain('Still denied by a deny entry');
  });
});
