/**
 * The load runner: `npm run load:local`, `npm run load -- --target <HookUrl>`, `npm run load:smoke`.
 *
 * Starts the local stack (local runs), runs `scenarios/inline-hook.yml` with Artillery under the phases and the
 * budget asked for; for local runs, plays a share of the sign-ins' users typing their code (after the load, see
 * lib/conversion.ts), waits for the last delivery receipts and checks correctness from the outbox (sends, receipts,
 * feedback), the DLQ and the stack's output; and writes
 * `load/reports/<timestamp>.json` and `.html`. Exits non-zero when the budget or a check fails.
 */
import '../scripts/require-node24.cjs';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, setPriority, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { localTokenSource, TokenProvider, tokenSourceFromEnv } from '../service/local/okta-tokens.js';
import { type LocalStack, startLocalStack } from '../service/local/stack.js';
import { DEFAULT_ABUSE_LIMITS } from '../service/src/domain/abuse-guard.js';
import {
  checkFloor,
  ensureConfig,
  type Floor,
  isFloorBudget,
  loadBudget,
  overFloor,
  resolveBudget,
} from './lib/budget.js';
import { type CheckResult, type Dlq, type Outbox, runChecks } from './lib/checks.js';
import { planVerifications, playVerifications, waitForReceipts } from './lib/conversion.js';
import {
  expectedArrivals,
  parseOptions,
  type RunOptions,
  type Scenario,
  steadyPhase,
  USAGE,
  UsageError,
} from './lib/options.js';
import {
  computeFigures,
  computeFunnel,
  type Funnel,
  funnelLine,
  renderSummary,
  type StreamFigures,
} from './lib/summary.js';
import { readJournal } from './processors/journal.js';
import { attackPrefix, attackSendLimit } from './processors/pumping.js';
import { numberOf } from './processors/traffic.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const SCENARIO_FILES: Record<Scenario, string> = {
  'inline-hook': here('./scenarios/inline-hook.yml'),
  pumping: here('./scenarios/pumping.yml'),
};
const FLOOR_SCENARIO = here('./scenarios/floor.yml');
/** The longest floor run, in seconds. */
const FLOOR_MAX_S = 30;
const ARTILLERY = fileURLToPath(import.meta.resolve('artillery/package.json')).replace(
  /package\.json$/,
  'bin/run',
);
const REPORTS = here('./reports/');
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** After the load, the longest wait for the last delivery receipts (the stand-in emits them ~200 ms after a send). */
const RECEIPT_WAIT_MS = 10_000;

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function machine(): string {
  return `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
}

/** Environment of the Artillery process: the processor's settings, and no stray Okta credentials locally. */
function artilleryEnv(options: RunOptions, seed: string, journal: string, localTokenUrl?: string) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ARTILLERY_DISABLE_TELEMETRY: 'true',
    LOAD_RUN_SEED: seed,
    LOAD_JOURNAL: journal,
    LOAD_VOICE_SHARE: String(options.voiceShare),
    LOAD_UNDELIVERABLE_SHARE: String(options.undeliverableShare),
    LOAD_DESTINATIONS: options.destinations.join(','),
  };
  if (localTokenUrl) {
    env.LOAD_LOCAL_TOKEN_URL = localTokenUrl;
    // The local stack trusts only its own issuer: a developer's real Okta settings must not win.
    if (options.mode === 'local') {
      for (const key of Object.keys(env)) if (key.startsWith('OKTA_')) delete env[key];
    }
  }
  return env;
}

/** Runs Artillery, echoing its output (unless `quiet`); resolves its exit code and the `ensure` verdicts it printed. */
function runArtillery(
  args: string[],
  env: NodeJS.ProcessEnv,
  quiet = false,
): Promise<{ code: number; ensure: CheckResult[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ARTILLERY, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // The load generator shares the machine with the local stack; in production it would not. At a lower priority it
    // takes the CPU the stack leaves (measured at 75/s: p95 312 ms at nice 10, 1,173 ms at equal priority). Its
    // arrivals no longer busy-wait (see steadyPhase), so what it takes is its own work.
    if (child.pid) setPriority(child.pid, 10);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (!quiet) process.stdout.write(chunk);
      out += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips Artillery's colours
      const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
      const ensure = [...plain.matchAll(/^\s*(ok|fail): (.+)$/gm)].map((m) => ({
        // Artillery words its own check as `maxErrorRate < N`; it tests <= N % of virtual users.
        name: `budget: ${m[2]!.trim().replace(/^maxErrorRate < (.+)$/, 'error rate <= $1 % of Okta requests')}`,
        ok: m[1] === 'ok',
        detail: 'Artillery ensure',
      }));
      resolve({ code: code ?? 1, ensure });
    });
  });
}

/** One line per stream: answers, sends, the guard's refusals by reason, latency. */
function streamLines(figures: ReturnType<typeof computeFigures>): string {
  const line = (name: string, f: StreamFigures) => {
    const refusals = Object.entries(f.refusals)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ');
    return `\n${name}: ${f.requests} answers, ${f.sends} sends, guard refusals ${refusals || '0'}, ${f.errors} errors, p50 ${f.p50} ms, p95 ${f.p95} ms, p99 ${f.p99} ms`;
  };
  const { normal, attack } = figures.streams;
  return `${line('Normal stream', normal)}${attack ? line('Attack stream', attack) : ''}\n`;
}

/**
 * The floor: the stack run's sustained arrival rate against the local stack's trivial endpoint (no authorizer, no
 * handler), on the same server, before the stack is loaded. Resolves Artillery's whole-run `http.response_time`.
 */
async function measureFloor(
  origin: string,
  phases: RunOptions['phases'],
  env: NodeJS.ProcessEnv,
  rawFile: string,
): Promise<{ floor?: Floor; expected: number }> {
  const sustained = phases.find((p) => p.name === 'sustained') ?? phases[phases.length - 1]!;
  // The same rate for as long, up to FLOOR_MAX_S: enough answers for a p99, without doubling a long run.
  const duration = Math.min(sustained.duration, FLOOR_MAX_S);
  const floorPhases = [steadyPhase('floor', duration, sustained.arrivalRate)];
  process.stdout.write(`Floor: ${duration} s at ${sustained.arrivalRate}/s against ${origin}/_local/floor\n`);
  await runArtillery(
    [
      'run',
      FLOOR_SCENARIO,
      '--target',
      origin,
      '--output',
      rawFile,
      '--overrides',
      JSON.stringify({ config: { phases: floorPhases } }),
    ],
    env,
    true,
  );
  const expected = expectedArrivals(floorPhases);
  try {
    const raw = JSON.parse(readFileSync(rawFile, 'utf8'));
    const rt = raw?.aggregate?.summaries?.['http.response_time'];
    const counters = raw?.aggregate?.counters ?? {};
    rmSync(rawFile, { force: true });
    if (typeof rt?.p95 !== 'number' || typeof rt?.p99 !== 'number') return { expected };
    const floor: Floor = {
      p50: rt.median ?? rt.p50,
      p95: rt.p95,
      p99: rt.p99,
      max: rt.max,
      requests: counters['http.responses'] ?? 0,
      errors:
        (counters['vusers.failed'] ?? 0) +
        ((counters['http.responses'] ?? 0) - (counters['http.codes.200'] ?? 0)),
    };
    process.stdout.write(
      `Floor: ${floor.requests} answers, p50 ${floor.p50} ms, p95 ${floor.p95} ms, p99 ${floor.p99} ms, max ${floor.max} ms, ${floor.errors} errors\n\n`,
    );
    return { floor, expected };
  } catch {
    return { expected };
  }
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/**
 * The guard's enrolment limits the local stack runs with: its defaults, unless this process's environment (which
 * the stack's functions inherit) sets them.
 */
function enrolmentLimits(): { prefixPerHour: number; ipPerHour: number } {
  const setting = (name: string, fallback: number) => {
    const raw = process.env[name]?.trim();
    return raw ? Number(raw) : fallback;
  };
  return {
    prefixPerHour: setting('ABUSE_PREFIX_PER_HOUR', DEFAULT_ABUSE_LIMITS.prefixPerHour),
    ipPerHour: setting('ABUSE_IP_PER_HOUR', DEFAULT_ABUSE_LIMITS.ipPerHour),
  };
}

/** Safety checks of a run against a deployed stage: real numbers and real money. */
function guardRemote(options: RunOptions, target: URL): void {
  if (LOCAL_HOSTS.has(target.hostname)) return;
  if (!options.destinations.length && !options.fixtureNumbers) {
    fail(
      'A deployed stage sends real messages. Pass --destinations with End User Messaging simulator numbers ' +
        '(see load/README.md), or --fixture-numbers if the stage sends through a stand-in.',
      2,
    );
  }
  const estimate = expectedArrivals(options.phases);
  if (estimate > options.maxRequests) {
    fail(`These phases send about ${estimate} requests, above --max-requests ${options.maxRequests}.`, 2);
  }
  process.stdout.write(`About ${estimate} Okta requests (each one a billed message) to ${target.origin}\n`);
}

async function main(): Promise<number> {
  let options: RunOptions;
  try {
    options = parseOptions(process.argv.slice(2), REPORTS);
  } catch (error) {
    if (error instanceof UsageError) fail(`${error.message ? `${error.message}\n` : ''}${USAGE}`, 2);
    throw error;
  }
  const budgetSpec = loadBudget(options.budget);
  if (isFloorBudget(budgetSpec) && options.mode !== 'local') {
    fail(
      `Budget "${budgetSpec.name}" is judged against a floor, which only a local run measures (npm run load:local); against a target, pick --budget deployed`,
      2,
    );
  }
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  mkdirSync(REPORTS, { recursive: true });
  const files = {
    json: `${REPORTS}${stamp}.json`,
    html: `${REPORTS}${stamp}.html`,
    raw: `${REPORTS}${stamp}.artillery.json`,
    journal: `${REPORTS}${stamp}.events.ndjson`,
    floor: `${REPORTS}${stamp}.floor.json`,
  };
  const seed = randomBytes(16).toString('hex');
  const output: string[] = [];
  let stack: LocalStack | undefined;
  let hookUrl: URL;
  let localTokenUrl: string | undefined;

  if (options.mode === 'local') {
    stack = await startLocalStack({
      port: 0,
      messagingLatency: options.messagingLatency,
      log: (line) => output.push(line),
    });
    // `--latency production`: every DynamoDB call the functions make held as long as the service's.
    if (options.dynamoLatencyMs > 0) {
      stack.setFaults({ dynamodb: { mode: 'latency', latencyMs: options.dynamoLatencyMs } });
    }
    hookUrl = new URL(stack.hookUrl);
    localTokenUrl = stack.tokenUrl;
  } else {
    hookUrl = new URL(options.target!);
    guardRemote(options, hookUrl);
    if (LOCAL_HOSTS.has(hookUrl.hostname)) localTokenUrl = `${hookUrl.origin}/oauth2/default/v1/token`;
  }

  try {
    // Fail fast on credentials, before Artillery starts (a bad secret would otherwise fail every user).
    const env = artilleryEnv(options, seed, files.journal, localTokenUrl);
    await new TokenProvider(
      tokenSourceFromEnv(env, localTokenUrl ? localTokenSource(localTokenUrl) : undefined),
    ).token();

    // A floor budget is a ratio over the floor, measured here, first, on the same server: the stack's limits of
    // this run follow from it. Only the local stack has the floor's endpoint; a deployed stage keeps absolute limits.
    const floorCheck: CheckResult[] = [];
    let floor: Floor | undefined;
    if (isFloorBudget(budgetSpec)) {
      const measured = await measureFloor(hookUrl.origin, options.phases, env, files.floor);
      floor = measured.floor;
      floorCheck.push(checkFloor(floor, measured.expected));
      if (!floor) floor = { p95: budgetSpec.floorMinMs, p99: budgetSpec.floorMinMs, requests: 0, errors: 0 };
    }
    // What the stand-ins add to a delivery: the send, and with a latency profile the warm path's two DynamoDB stages.
    const standIns = stack ? options.messagingLatency.maxMs + 2 * options.dynamoLatencyMs : 0;
    const budget = resolveBudget(budgetSpec, floor, standIns);

    process.stdout.write(
      `Load run ${stamp}${options.scenario === 'pumping' ? ' (scenario pumping)' : ''}: ${hookUrl.href}, budget "${budget.name}" (p95 <= ${budget.p95Ms} ms, p99 <= ${budget.p99Ms} ms${
        budget.floor
          ? ` = ${budget.floor.p95Over} and ${budget.floor.p99Over} x the floor's p95 and p99${standIns ? ` + the stand-ins' ${standIns} ms` : ''}`
          : ''
      }, errors <= ${budget.maxErrorRate * 100} %)${
        stack
          ? `, messaging stand-in ${options.messagingLatency.minMs}-${options.messagingLatency.maxMs} ms${options.dynamoLatencyMs ? `, DynamoDB ${options.dynamoLatencyMs} ms a call (latency ${options.latency})` : ''}`
          : ''
      }\n`,
    );
    const overrides = {
      config: {
        phases: options.phases,
        variables: { hookPath: hookUrl.pathname },
        ensure: ensureConfig(budget),
      },
    };
    const { code, ensure } = await runArtillery(
      [
        'run',
        SCENARIO_FILES[options.scenario],
        '--target',
        hookUrl.origin,
        '--output',
        files.raw,
        '--overrides',
        JSON.stringify(overrides),
      ],
      env,
    );

    const journal = readJournal(files.journal);
    const figures = computeFigures(journal, options.phases);
    let checks: CheckResult[] = [];
    let attack: { prefix: string; limit: number; sendsToPrefix?: number } | undefined;
    let funnel: Funnel | undefined;
    if (stack) {
      const base = stack.baseUrl;
      // The users typing their code, and the last receipts: after the load, so neither is in the hook's measurement.
      const plan = planVerifications(journal, options.verifyShare, seed);
      const [played, receipts] = await Promise.all([
        playVerifications(base, plan.played),
        waitForReceipts(
          () => getJson<{ messages: Outbox }>(`${base}/_local/outbox`).then((o) => o.messages),
          RECEIPT_WAIT_MS,
        ),
      ]);
      process.stdout.write(
        `\nConversion: played ${played.posted} of the ${plan.eligible} sign-ins answered SUCCESSFUL (--verify-share ${options.verifyShare}${
          plan.expired ? `; ${plan.expired} chosen had an expired code` : ''
        }) in ${(played.ms / 1000).toFixed(1)} s${played.undelivered ? `, ${played.undelivered} not delivered (${played.errors.join('; ')})` : ''}; receipts ${
          receipts.complete ? 'all final' : 'still missing'
        } ${(receipts.waitedMs / 1000).toFixed(1)} s after the load\n`,
      );
      const [outbox, dlq] = await Promise.all([
        getJson<{ messages: Outbox }>(`${base}/_local/outbox`),
        getJson<{ messages: Dlq }>(`${base}/_local/dlq`),
      ]);
      // Every number the run used, recomputed from the seed (the journal holds none), and every number sent to.
      const phoneNumbers = new Set(
        journal.map((e) => numberOf(seed, e.eventId, e.stream ?? 'normal', e.undeliverable === true)),
      );
      for (const message of outbox.messages) {
        if (message.DestinationPhoneNumber) phoneNumbers.add(message.DestinationPhoneNumber);
      }
      if (options.scenario === 'pumping') {
        const prefix = attackPrefix(seed);
        attack = {
          prefix,
          limit: attackSendLimit(enrolmentLimits()),
          sendsToPrefix: outbox.messages.filter((m) => m.DestinationPhoneNumber?.startsWith(prefix)).length,
        };
      }
      checks = runChecks({
        journal,
        outbox: outbox.messages,
        dlq: dlq.messages,
        output,
        seed,
        phoneNumbers: [...phoneNumbers],
        ...(attack ? { attack: { ...attack, budget, normal: figures.streams.normal } } : {}),
        conversion: {
          played: plan.played,
          undelivered: played.undelivered,
          receiptWaitMs: receipts.waitedMs,
        },
      });
      funnel = computeFunnel({ journal, outbox: outbox.messages, plan, undelivered: played.undelivered });
    }
    if (!journal.length) checks.push({ name: 'answers seen', ok: false, detail: 'the journal is empty' });
    checks.unshift(...floorCheck);

    let raw: any;
    try {
      raw = JSON.parse(readFileSync(files.raw, 'utf8'));
    } catch {
      raw = undefined;
    }
    const rt = raw?.aggregate?.summaries?.['http.response_time'];
    const counters = raw?.aggregate?.counters ?? {};
    const passed = code === 0 && ensure.every((c) => c.ok) && checks.every((c) => c.ok);
    const ratios =
      budget.floor && isFloorBudget(budgetSpec) && typeof rt?.p95 === 'number' && typeof rt?.p99 === 'number'
        ? overFloor({ p95: rt.p95, p99: rt.p99 }, budget.floor, budgetSpec.floorMinMs, standIns)
        : undefined;
    const summary = {
      title: `okta-phone-mfa load ${options.smoke ? 'smoke ' : ''}run ${stamp}`,
      target: stack ? `local stack (${hookUrl.href})` : hookUrl.href,
      startedAt: startedAt.toISOString(),
      machine: machine(),
      phases: options.phases,
      budget,
      ...(stack ? { messagingLatency: options.messagingLatency } : {}),
      figures,
      artillery: {
        p95: rt?.p95,
        p99: rt?.p99,
        max: rt?.max,
        requests: counters['http.requests'],
        vusersFailed: counters['vusers.failed'] ?? 0,
      },
      ...(budget.floor ? { floor: { ...budget.floor, ...(ratios ? { stackOverFloor: ratios } : {}) } } : {}),
      ensure,
      checks,
      passed,
      ...(attack ? { attack } : {}),
      ...(funnel ? { funnel } : {}),
    };
    writeFileSync(files.html, renderSummary(summary));
    writeFileSync(
      files.json,
      `${JSON.stringify({ ...summary, artilleryExitCode: code, options: { ...options, reportsDir: undefined }, artilleryReport: raw }, null, 2)}\n`,
    );
    rmSync(files.raw, { force: true });
    rmSync(files.journal, { force: true });
    rmSync(files.floor, { force: true });

    process.stdout.write(
      `\nCorrectness checks:${stack ? '' : " none (they need the local stack's outbox, DLQ and output: npm run load:local)"}\n`,
    );
    for (const check of checks)
      process.stdout.write(`  ${check.ok ? 'ok' : 'FAIL'}: ${check.name}: ${check.detail}\n`);
    process.stdout.write(
      `${streamLines(figures)}${funnel ? `Funnel: ${funnelLine(funnel)}\n` : ''}\nSustained ${figures.sustained.durationS} s: ${figures.sustained.rate} answers/s, p50 ${figures.sustained.p50} ms, p95 ${figures.sustained.p95} ms, p99 ${figures.sustained.p99} ms, max ${figures.sustained.max} ms, ${figures.sustained.errors} errors\n` +
        `Whole run (Artillery): p95 ${rt?.p95} ms, p99 ${rt?.p99} ms, ${counters['vusers.failed'] ?? 0} failed users\n` +
        (budget.floor
          ? `Floor (Artillery): p95 ${budget.floor.p95} ms, p99 ${budget.floor.p99} ms; the stack${standIns ? ` less the stand-ins' ${standIns} ms` : ''} over it: p95 ${ratios?.p95 ?? '?'}x (<= ${budget.floor.p95Over}), p99 ${ratios?.p99 ?? '?'}x (<= ${budget.floor.p99Over})\n`
          : '') +
        `${passed ? 'PASS' : 'FAIL'}  report: ${files.json}\n      summary: ${files.html}\n`,
    );
    return passed ? 0 : 1;
  } finally {
    await stack?.close();
  }
}

const began = Date.now();
main().then(
  (code) => {
    process.stdout.write(`(${((Date.now() - began) / 1000).toFixed(1)} s in all)\n`);
    process.exit(code);
  },
  (error: unknown) => fail(`The load run failed: ${(error as Error).message}`),
);
