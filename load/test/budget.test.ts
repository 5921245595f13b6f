// Principle: the local stack is judged against a floor measured in the same run on the same machine, so that a
// slower VM moves the floor and the stack together, while Okta's 3 s stays absolute.
import { describe, expect, it } from 'vitest';
import {
  type BudgetFile,
  checkFloor,
  ensureConfig,
  isFloorBudget,
  loadBudget,
  overFloor,
  resolveBudget,
} from '../lib/budget.js';

const file: BudgetFile = {
  oktaTimeoutMs: 3000,
  budgets: {
    deployed: { description: 'stage', p95Ms: 1000, p99Ms: 1500, maxErrorRate: 0.001 },
    local: { description: 'stand-in', p95OverFloor: 4, p99OverFloor: 6, floorMinMs: 5, maxErrorRate: 0 },
    huge: {
      description: 'a ratio Okta cannot wait for',
      p95OverFloor: 500,
      p99OverFloor: 900,
      floorMinMs: 5,
      maxErrorRate: 0,
    },
    broken: { description: '', p95OverFloor: 0, p99OverFloor: 6, floorMinMs: 5, maxErrorRate: 0 },
  },
};

describe('floor budgets', () => {
  it('keeps an absolute budget as it is, floor or not', () => {
    const budget = resolveBudget(loadBudget('deployed', file), { p95: 50, p99: 80, requests: 10, errors: 0 });

    expect(budget).toMatchObject({ p95Ms: 1000, p99Ms: 1500, maxErrorRate: 0.001 });
    expect(budget.floor).toBeUndefined();
  });

  it("turns ratios into this run's limits: ratio × the floor, plus the stand-in's slowest answer", () => {
    const floor = { p95: 12, p99: 30, requests: 1200, errors: 0 };

    const zeroLatency = resolveBudget(loadBudget('local', file), floor);
    const standIn = resolveBudget(loadBudget('local', file), floor, 150);

    expect(zeroLatency).toMatchObject({ p95Ms: 48, p99Ms: 180 });
    expect(standIn).toMatchObject({ p95Ms: 198, p99Ms: 330 });
    expect(standIn.floor).toMatchObject({ p95: 12, p99: 30, p95Over: 4, p99Over: 6 });
  });

  it('moves the limits with the floor: a VM twice as slow gets limits twice as high', () => {
    const fast = resolveBudget(loadBudget('local', file), { p95: 10, p99: 20, requests: 1, errors: 0 });
    const slow = resolveBudget(loadBudget('local', file), { p95: 20, p99: 40, requests: 1, errors: 0 });

    expect(slow.p95Ms).toBe(fast.p95Ms * 2);
    expect(slow.p99Ms).toBe(fast.p99Ms * 2);
  });

  it('takes a sub-millisecond floor as floorMinMs, so a quiet loopback does not make every run fail', () => {
    const budget = resolveBudget(loadBudget('local', file), { p95: 0.4, p99: 0.9, requests: 1, errors: 0 });

    expect(budget).toMatchObject({ p95Ms: 20, p99Ms: 30 });
  });

  it("never lets a ratio lift a limit past Okta's 3 s", () => {
    const budget = resolveBudget(loadBudget('huge', file), { p95: 40, p99: 60, requests: 1, errors: 0 }, 150);

    expect(budget.p95Ms).toBe(3000);
    expect(budget.p99Ms).toBe(3000);
    expect(ensureConfig(budget).conditions.map((c) => c.expression)).toEqual([
      'http.response_time.p95 <= 3000',
      'http.response_time.p99 <= 3000',
    ]);
  });

  it('refuses to judge a floor budget without a floor, and a ratio that is not positive', () => {
    expect(() => resolveBudget(loadBudget('local', file))).toThrow(/floor/);
    expect(() => loadBudget('broken', file)).toThrow(/p95OverFloor must be a positive number/);
    expect(() => loadBudget('nope', file)).toThrow(/No budget "nope"/);
  });

  it("reports the stack's ratio over the floor, the stand-in's latency taken off", () => {
    const floor = { p95: 10, p99: 20, requests: 1, errors: 0 };

    expect(overFloor({ p95: 40, p99: 120 }, floor, 5)).toEqual({ p95: 4, p99: 6 });
    expect(overFloor({ p95: 190, p99: 270 }, floor, 5, 150)).toEqual({ p95: 4, p99: 6 });
    // Faster than the stand-in's slowest answer: the hook added nothing measurable.
    expect(overFloor({ p95: 120, p99: 140 }, floor, 5, 150)).toEqual({ p95: 0, p99: 0 });
    expect(overFloor({ p95: 20, p99: 20 }, { ...floor, p95: 1, p99: 2 }, 5)).toEqual({ p95: 4, p99: 4 });
  });

  it('accepts a floor only when it answered every request it was asked', () => {
    const good = { p95: 3, p99: 6, requests: 1200, errors: 0 };

    expect(checkFloor(good, 1200).ok).toBe(true);
    expect(checkFloor({ ...good, errors: 1 }, 1200).ok).toBe(false);
    expect(checkFloor({ ...good, requests: 600 }, 1200).ok).toBe(false);
    expect(checkFloor(undefined, 1200)).toMatchObject({ ok: false, detail: 'no floor figures' });
  });
});

describe('load/budget.json', () => {
  it("judges the local stack against the floor and a deployed stage in absolute terms, under Okta's 3 s", () => {
    const local = loadBudget('local');
    const zero = loadBudget('local-zero-latency');
    const deployed = loadBudget('deployed');

    expect(isFloorBudget(local) && isFloorBudget(zero)).toBe(true);
    expect(isFloorBudget(deployed)).toBe(false);
    expect(deployed.oktaTimeoutMs).toBe(3000);
    for (const budget of [local, zero]) {
      if (!isFloorBudget(budget)) continue;
      expect(budget.p95OverFloor).toBeLessThanOrEqual(budget.p99OverFloor);
      expect(budget.maxErrorRate).toBe(0);
    }
  });
});
