/**
 * load/budget.json, the budget's single source, and its translation into Artillery's `ensure` checks.
 */
import { readFileSync } from 'node:fs';

/** One budget: latencies in ms (time to first byte at the load generator), error rate as a fraction. */
export type Budget = { description: string; p95Ms: number; p99Ms: number; maxErrorRate: number };

/** The file's shape. */
export type BudgetFile = { oktaTimeoutMs: number; budgets: Record<string, Budget> };

/** The budget file next to this folder. */
export const BUDGET_FILE = new URL('../budget.json', import.meta.url);

/**
 * Reads one budget by name.
 *
 * @param name - e.g. `deployed`, `local`, `local-zero-latency`
 */
export function loadBudget(name: string): Budget & { name: string; oktaTimeoutMs: number } {
  const file = JSON.parse(readFileSync(BUDGET_FILE, 'utf8')) as BudgetFile;
  const budget = file.budgets[name];
  if (!budget) {
    throw new Error(
      `No budget "${name}" in load/budget.json (have: ${Object.keys(file.budgets).join(', ')})`,
    );
  }
  return { ...budget, name, oktaTimeoutMs: file.oktaTimeoutMs };
}

/**
 * Artillery's `config.ensure` for a budget. Conditions rather than `thresholds`, which test strictly below
 * the value; `maxErrorRate` is Artillery's own, a percentage of virtual users that did not complete (the
 * processor fails a user on any answer Okta would not accept).
 *
 * @param budget - the budget
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
