/**
 * load/budget.json, the budget's single source: absolute latencies for a deployed stage, ratios over a floor
 * measured in the same run for the local stack, and their translation into Artillery's `ensure` checks.
 */
import { readFileSync } from 'node:fs';

/** Limits a run is judged by: latencies in ms (time to first byte at the load generator), error rate a fraction. */
export type Budget = { description: string; p95Ms: number; p99Ms: number; maxErrorRate: number };

/**
 * A budget relative to the floor: the same arrival rate against a trivial endpoint of the same server (no
 * authorizer, no handler), measured in the same run. The stack's p95 may be `p95OverFloor` times the floor's
 * p95 (likewise p99), plus the messaging stand-in's slowest answer, which the floor does not wait for. A floor
 * below `floorMinMs` counts as `floorMinMs`: a sub-millisecond loopback answer would make any ratio meaningless.
 */
export type FloorBudget = {
  description: string;
  p95OverFloor: number;
  p99OverFloor: number;
  floorMinMs: number;
  maxErrorRate: number;
};

/** One entry of the file. */
export type BudgetSpec = Budget | FloorBudget;

/** The file's shape. */
export type BudgetFile = { oktaTimeoutMs: number; budgets: Record<string, BudgetSpec> };

/** The budget file next to this folder. */
export const BUDGET_FILE = new URL('../budget.json', import.meta.url);

/** Whether a budget is judged against a floor. */
export function isFloorBudget(budget: BudgetSpec): budget is FloorBudget {
  return 'p95OverFloor' in budget;
}

/**
 * Reads one budget by name.
 *
 * @param name - e.g. `deployed`, `local`, `local-zero-latency`
 * @param file - the file's content (tests); by default load/budget.json
 */
export function loadBudget(
  name: string,
  file: BudgetFile = JSON.parse(readFileSync(BUDGET_FILE, 'utf8')) as BudgetFile,
): BudgetSpec & { name: string; oktaTimeoutMs: number } {
  const budget = file.budgets[name];
  if (!budget) {
    throw new Error(
      `No budget "${name}" in load/budget.json (have: ${Object.keys(file.budgets).join(', ')})`,
    );
  }
  if (isFloorBudget(budget)) {
    for (const key of ['p95OverFloor', 'p99OverFloor', 'floorMinMs'] as const) {
      if (!(budget[key] > 0)) throw new Error(`Budget "${name}": ${key} must be a positive number`);
    }
  }
  return { ...budget, name, oktaTimeoutMs: file.oktaTimeoutMs };
}

/** The floor's own figures: Artillery's `http.response_time` over its run, in ms. */
export type Floor = {
  p50?: number;
  p95: number;
  p99: number;
  max?: number;
  requests: number;
  errors: number;
};

/**
 * The limits of this run: an absolute budget as it is; a floor budget resolved against the floor measured in the
 * same run. Either way p95 and p99 stay under Okta's timeout, which no ratio can lift.
 *
 * @param budget - from {@link loadBudget}
 * @param floor - the floor measured in this run; required for a floor budget
 * @param standInMaxMs - the messaging stand-in's slowest answer (local runs), added to a floor budget's limits
 */
export function resolveBudget(
  budget: BudgetSpec & { name: string; oktaTimeoutMs: number },
  floor?: Floor,
  standInMaxMs = 0,
): Budget & { name: string; oktaTimeoutMs: number; floor?: Floor & { p95Over: number; p99Over: number } } {
  const cap = (ms: number) => Math.min(Math.round(ms), budget.oktaTimeoutMs);
  if (!isFloorBudget(budget)) {
    return { ...budget, p95Ms: cap(budget.p95Ms), p99Ms: cap(budget.p99Ms) };
  }
  if (!floor) throw new Error(`Budget "${budget.name}" is judged against a floor, and none was measured`);
  const base = (ms: number) => Math.max(ms, budget.floorMinMs);
  return {
    name: budget.name,
    description: budget.description,
    oktaTimeoutMs: budget.oktaTimeoutMs,
    maxErrorRate: budget.maxErrorRate,
    p95Ms: cap(budget.p95OverFloor * base(floor.p95) + standInMaxMs),
    p99Ms: cap(budget.p99OverFloor * base(floor.p99) + standInMaxMs),
    floor: { ...floor, p95Over: budget.p95OverFloor, p99Over: budget.p99OverFloor },
  };
}

/**
 * How the stack compares to its floor: the ratio of its latencies, less the stand-in's latency, over the floor's
 * (the figure a floor budget limits), for the report.
 *
 * @param stack - the stack's p95 and p99 (ms)
 * @param floor - the floor's
 * @param floorMinMs - the smallest floor a ratio is taken over
 * @param standInMaxMs - the messaging stand-in's slowest answer
 */
export function overFloor(
  stack: { p95: number; p99: number },
  floor: Floor,
  floorMinMs: number,
  standInMaxMs = 0,
): { p95: number; p99: number } {
  const ratio = (ms: number, floorMs: number) =>
    Number((Math.max(0, ms - standInMaxMs) / Math.max(floorMs, floorMinMs)).toFixed(2));
  return { p95: ratio(stack.p95, floor.p95), p99: ratio(stack.p99, floor.p99) };
}

/**
 * Checks of the floor run itself: it answered every request, so that its figures are a floor and not an outage.
 *
 * @param floor - the floor's figures
 * @param expected - requests its phases should have made
 */
export function checkFloor(floor: Floor | undefined, expected: number) {
  const ok = floor !== undefined && floor.errors === 0 && floor.requests >= Math.floor(expected * 0.9);
  return {
    name: 'floor measured (same arrival rate, trivial endpoint, same server)',
    ok,
    detail: floor
      ? `${floor.requests} requests (${expected} expected), ${floor.errors} errors, p95 ${floor.p95} ms, p99 ${floor.p99} ms`
      : 'no floor figures',
  };
}

/**
 * Artillery's `config.ensure` for resolved limits. Conditions rather than `thresholds`, which test strictly below
 * the value; `maxErrorRate` is Artillery's own, a percentage of virtual users that did not complete (the
 * processor fails a user on any answer Okta would not accept).
 *
 * @param budget - the run's limits (from {@link resolveBudget})
 */
export function ensureConfig(budget: Budget) {
  return {
    conditions: [
      { expression: `http.response_time.p95 <= ${budget.p95Ms}`, strict: true },
      { expression: `http.response_time.p99 <= ${budget.p99Ms}`, strict: true },
    ],
    maxErrorRate: budget.maxErrorRate * 100,
  };
}
