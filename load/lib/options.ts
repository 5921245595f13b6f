/**
 * Command line of `load/run.ts`: which stack, which phases, which budget, and the traffic mix.
 */
import { parseArgs } from 'node:util';
import { LATENCY_PROFILES } from '../../service/bench/latency.js';

/** One Artillery phase. */
export type Phase = { name: string; duration: number; arrivalRate: number; rampTo?: number };

/**
 * Which traffic: `inline-hook`, an org's sign-ins (`scenarios/inline-hook.yml`); `pumping`, the same with an SMS
 * pumping attack beside it (`scenarios/pumping.yml`, local stack only: its checks read the outbox).
 */
export const SCENARIOS = ['inline-hook', 'pumping'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Everything a run needs to know. */
export type RunOptions = {
  /** `local` starts its own stack; `remote` loads a stack that is already running (a stage, or `npm start`). */
  mode: 'local' | 'remote';
  smoke: boolean;
  scenario: Scenario;
  /** The hook URL (remote). */
  target?: string;
  phases: Phase[];
  /** Latency of the messaging stand-in (local). */
  messagingLatency: { minMs: number; maxMs: number };
  /**
   * `--latency production` (local): DynamoDB held 4 ms a call and End User Messaging 60 ms (service/bench/latency.ts),
   * so the figures are what production waits for. 0 by default.
   */
  dynamoLatencyMs: number;
  /** The latency profile's name, for the report. */
  latency: 'default' | 'production';
  /** Name of the budget in load/budget.json. */
  budget: string;
  voiceShare: number;
  undeliverableShare: number;
  /**
   * Local: the share of the sign-ins answered SUCCESSFUL whose user then types the code (the run posts Okta's
   * `auth_via_mfa` SUCCESS for them after the load); 0 remotely.
   */
  verifyShare: number;
  destinations: string[];
  /** Remote: send to the generated numbers, as local runs do (a stage whose messaging is a stand-in). */
  fixtureNumbers: boolean;
  /** Remote: refuse a run estimated to send more than this many requests (each one a billed message). */
  maxRequests: number;
  reportsDir: string;
};

/** Wrong options; the message says which and how. */
export class UsageError extends Error {
  public override readonly name = 'UsageError';
}

export const USAGE = `usage:
  npm run load:local [-- options]                 start the local stack and load it
  npm run load -- --target <HookUrl> [options]    load a deployed stage (or a running npm start)
  npm run load:smoke                              short local run for CI (< 60 s, its floor included)
options:
  --scenario NAME        inline-hook (default): an org's sign-ins; pumping: the same beside an SMS pumping
                         attack on one number prefix (local only)
  --warmup 10s@10        warm-up: duration@arrivals per second (0 = none)
  --ramp 10s             ramp from the warm-up rate to the sustained rate (0 = none)
  --sustain 60s@100      sustained phase: duration@arrivals per second
  --messaging-latency 80-150   local: the End User Messaging stand-in's latency in ms (0 = answers at once)
  --latency production         local: every stand-in call as slow as the service's (DynamoDB 4 ms, End User
                               Messaging 60 ms: service/bench/latency.ts)
  --budget NAME          a budget of load/budget.json (default: deployed, local or local-zero-latency)
  --voice-share 0.2      share of voice calls
  --undeliverable 0.005  share of requests to a country the stack refuses (exercises the DLQ)
  --verify-share 0.3     local: share of the sign-ins answered SUCCESSFUL whose user types the code (Okta's
                         auth_via_mfa SUCCESS, posted after the load; 0 = none)
  --destinations +1...,+1...   remote: destination numbers (End User Messaging simulator numbers)
  --fixture-numbers      remote: generated numbers, a new one per request (the stage's messaging is a stand-in)
  --max-requests 5000    remote: refuse runs estimated above this many requests (spend guard)`;

/**
 * Share of the sign-ins whose user types the code (`--verify-share`): enough played verifications to exercise the
 * verification handler, and plenty of messages left unplayed to check that none of them is marked used.
 */
export const DEFAULT_VERIFY_SHARE = 0.3;

const DEFAULT_PHASES = {
  local: { warmup: '10s@10', ramp: '10s', sustain: '60s@100' },
  smoke: { warmup: '3s@5', ramp: '4s', sustain: '12s@25' },
  remote: { warmup: '30s@1', ramp: '60s', sustain: '120s@10' },
};

function seconds(text: string, flag: string): number {
  const match = /^(\d+)(s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--${flag}: expected a duration such as 30s or 2m, got "${text}"`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

/**
 * Parses `30s@10` (duration at a rate) or `0`.
 *
 * @returns undefined for `0`
 */
export function durationAtRate(text: string, flag: string): { duration: number; rate: number } | undefined {
  if (text.trim() === '0') return undefined;
  const [duration, rate] = text.split('@');
  const value = Number(rate);
  if (rate === undefined || !(value > 0)) {
    throw new UsageError(`--${flag}: expected DURATION@RATE such as 30s@10, got "${text}"`);
  }
  return { duration: seconds(duration!, flag), rate: value };
}

/**
 * A phase at a steady rate. A whole rate is written as a ramp from the rate to itself: Artillery then schedules the
 * arrivals with timers (its ramp ticker), where a plain `arrivalRate` phase uses a timer (nanotimer) that busy-waits
 * for the last 25 ms before each arrival, which is all the time from 40 arrivals a second: a whole core at 100/s,
 * taken from the stack on the same machine. A fractional rate stays a plain phase (the ramp ticker rounds each
 * second's arrivals down), and so does a phase of one second or less (a one-period ramp sends all at once).
 *
 * @param name - the phase's name
 * @param duration - seconds
 * @param rate - arrivals per second
 */
export function steadyPhase(name: string, duration: number, rate: number): Phase {
  // A ramp of one second or less sends its arrivals at once (Artillery computes no tick for a single period).
  return Number.isInteger(rate) && duration > 1
    ? { name, duration, arrivalRate: rate, rampTo: rate }
    : { name, duration, arrivalRate: rate };
}

/**
 * Builds the warm-up, ramp and sustained phases.
 *
 * @param warmup - `DURATION@RATE` or `0`
 * @param ramp - `DURATION` or `0`
 * @param sustain - `DURATION@RATE`
 */
export function buildPhases(warmup: string, ramp: string, sustain: string): Phase[] {
  const warm = durationAtRate(warmup, 'warmup');
  const steady = durationAtRate(sustain, 'sustain');
  if (!steady) throw new UsageError('--sustain cannot be 0: it is the phase the budget is about');
  const rampSeconds = ramp.trim() === '0' ? 0 : seconds(ramp, 'ramp');
  const phases: Phase[] = [];
  if (warm) phases.push(steadyPhase('warm-up', warm.duration, warm.rate));
  if (rampSeconds > 0) {
    phases.push({
      name: 'ramp',
      duration: rampSeconds,
      arrivalRate: warm?.rate ?? 1,
      rampTo: steady.rate,
    });
  }
  phases.push(steadyPhase('sustained', steady.duration, steady.rate));
  return phases;
}

/** Expected number of virtual users (Okta requests) the phases create. */
export function expectedArrivals(phases: Phase[]): number {
  return Math.round(
    phases.reduce((sum, p) => sum + (p.duration * (p.arrivalRate + (p.rampTo ?? p.arrivalRate))) / 2, 0),
  );
}

function share(text: string, flag: string): number {
  const value = Number(text);
  if (!(value >= 0 && value <= 1)) throw new UsageError(`--${flag}: expected a share between 0 and 1`);
  return value;
}

/**
 * Parses the runner's arguments.
 *
 * @param argv - arguments after the script name
 * @param reportsDir - where reports go
 */
export function parseOptions(argv: string[], reportsDir: string): RunOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        local: { type: 'boolean', default: false },
        smoke: { type: 'boolean', default: false },
        scenario: { type: 'string', default: 'inline-hook' },
        target: { type: 'string' },
        warmup: { type: 'string' },
        ramp: { type: 'string' },
        sustain: { type: 'string' },
        'messaging-latency': { type: 'string', default: '80-150' },
        latency: { type: 'string' },
        budget: { type: 'string' },
        'voice-share': { type: 'string', default: '0.2' },
        undeliverable: { type: 'string' },
        'verify-share': { type: 'string' },
        destinations: { type: 'string' },
        'fixture-numbers': { type: 'boolean', default: false },
        'max-requests': { type: 'string', default: '5000' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) throw new UsageError('');
  const smoke = values.smoke === true;
  const target = values.target as string | undefined;
  if (!values.local && !smoke && !target) throw new UsageError('--target <HookUrl> is required');
  if ((values.local || smoke) && target)
    throw new UsageError('--target and --local/--smoke exclude each other');
  const mode = target ? 'remote' : 'local';
  if (target) {
    try {
      new URL(target);
    } catch {
      throw new UsageError(`--target: "${target}" is not a URL (use the stack's HookUrl output)`);
    }
  }

  const latency = /^(\d+)(?:-(\d+))?$/.exec(String(values['messaging-latency']));
  if (!latency) throw new UsageError('--messaging-latency takes MIN-MAX in ms, e.g. 80-150, or 0');
  let messagingLatency = { minMs: Number(latency[1]), maxMs: Number(latency[2] ?? latency[1]) };
  const profileName = values.latency as string | undefined;
  if (profileName !== undefined && profileName !== 'production') {
    throw new UsageError(`--latency takes production, got "${profileName}"`);
  }
  if (profileName && mode === 'remote')
    throw new UsageError('--latency needs the local stack: AWS has its own');
  const profile = profileName ? LATENCY_PROFILES.production : undefined;
  if (profile) messagingLatency = { minMs: profile.messaging, maxMs: profile.messaging };

  const defaults = DEFAULT_PHASES[smoke ? 'smoke' : mode];
  const phases = buildPhases(
    (values.warmup as string) ?? defaults.warmup,
    (values.ramp as string) ?? defaults.ramp,
    (values.sustain as string) ?? defaults.sustain,
  );
  const budget =
    (values.budget as string | undefined) ??
    (mode === 'remote' ? 'deployed' : messagingLatency.maxMs === 0 ? 'local-zero-latency' : 'local');
  const destinations = String(values.destinations ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  for (const number of destinations) {
    if (!/^\+[1-9]\d{6,14}$/.test(number)) throw new UsageError(`--destinations: "${number}" is not E.164`);
  }
  const scenario = String(values.scenario) as Scenario;
  if (!SCENARIOS.includes(scenario)) {
    throw new UsageError(`--scenario: expected one of ${SCENARIOS.join(', ')}, got "${scenario}"`);
  }
  if (scenario === 'pumping' && mode === 'remote') {
    throw new UsageError(
      '--scenario pumping needs the local stack (npm run load:local): its checks count the sends in the outbox',
    );
  }
  if (mode === 'remote' && values['verify-share'] !== undefined) {
    throw new UsageError(
      '--verify-share needs the local stack (npm run load:local): it posts to /_local/okta-events and reads the outbox',
    );
  }
  const maxRequests = Number(values['max-requests']);
  if (!(maxRequests > 0)) throw new UsageError('--max-requests: expected a positive number');

  return {
    mode,
    smoke,
    scenario,
    ...(target ? { target } : {}),
    phases,
    messagingLatency,
    dynamoLatencyMs: profile?.dynamodb ?? 0,
    latency: profile ? 'production' : 'default',
    budget,
    voiceShare: share(String(values['voice-share']), 'voice-share'),
    // Locally a few refused requests exercise "every failure has its DLQ record"; a stage's allowed countries
    // are its own, so remote runs refuse nothing unless asked.
    undeliverableShare: share(
      String(values.undeliverable ?? (mode === 'local' ? '0.005' : '0')),
      'undeliverable',
    ),
    verifyShare:
      mode === 'local' ? share(String(values['verify-share'] ?? DEFAULT_VERIFY_SHARE), 'verify-share') : 0,
    destinations,
    fixtureNumbers: values['fixture-numbers'] === true,
    maxRequests,
    reportsDir,
  };
}
