// Principle: every phase and budget is chosen on the command line; a deployed stage is never loaded by accident.
import { describe, expect, it } from 'vitest';
import { ensureConfig, loadBudget, resolveBudget } from '../lib/budget.js';
import { buildPhases, expectedArrivals, parseOptions, steadyPhase, UsageError } from '../lib/options.js';

describe('options', () => {
  it('builds warm-up, ramp and sustained phases from the command line', () => {
    expect(buildPhases('10s@5', '20s', '1m@50')).toEqual([
      { name: 'warm-up', duration: 10, arrivalRate: 5, rampTo: 5 },
      { name: 'ramp', duration: 20, arrivalRate: 5, rampTo: 50 },
      { name: 'sustained', duration: 60, arrivalRate: 50, rampTo: 50 },
    ]);
    expect(buildPhases('0', '0', '30s@10')).toEqual([
      { name: 'sustained', duration: 30, arrivalRate: 10, rampTo: 10 },
    ]);
  });

  it('writes a whole steady rate as a ramp to itself (timer-scheduled arrivals), a fractional one as a plain phase', () => {
    // A plain arrivalRate phase busy-waits before each arrival; Artillery's ramp ticker uses timers.
    expect(steadyPhase('sustained', 60, 100)).toEqual({
      name: 'sustained',
      duration: 60,
      arrivalRate: 100,
      rampTo: 100,
    });
    // The ramp ticker rounds each second's arrivals down: 2.5/s would send 2.
    expect(steadyPhase('warm-up', 10, 2.5)).toEqual({ name: 'warm-up', duration: 10, arrivalRate: 2.5 });
    // A one-second ramp would send its arrivals in one burst
    expect(steadyPhase('short', 1, 50)).toEqual({ name: 'short', duration: 1, arrivalRate: 50 });
    expect(expectedArrivals([steadyPhase('a', 60, 100), steadyPhase('b', 10, 2.5)])).toBe(6000 + 25);
  });

  it('estimates the requests a run sends, ramps included', () => {
    expect(expectedArrivals(buildPhases('10s@5', '20s', '60s@50'))).toBe(50 + 550 + 3000);
  });

  it('keeps the smoke run short enough for CI', () => {
    const { phases } = parseOptions(['--smoke'], '/tmp');

    expect(phases.reduce((s, p) => s + p.duration, 0)).toBeLessThanOrEqual(20);
  });

  it('chooses the budget from the stack and the stand-in latency unless told', () => {
    expect(parseOptions(['--local'], '/tmp').budget).toBe('local');
    expect(parseOptions(['--local', '--messaging-latency', '0'], '/tmp').budget).toBe('local-zero-latency');
    expect(parseOptions(['--target', 'https://x.example/live/hook'], '/tmp').budget).toBe('deployed');
    expect(parseOptions(['--local', '--budget', 'deployed'], '/tmp').budget).toBe('deployed');
  });

  it('takes --latency production locally: End User Messaging 60 ms, DynamoDB 4 ms a call', () => {
    expect(parseOptions(['--local'], '/tmp')).toMatchObject({ latency: 'default', dynamoLatencyMs: 0 });
    expect(parseOptions(['--smoke', '--latency', 'production'], '/tmp')).toMatchObject({
      latency: 'production',
      dynamoLatencyMs: 4,
      messagingLatency: { minMs: 60, maxMs: 60 },
    });
    expect(() => parseOptions(['--local', '--latency', 'slow'], '/tmp')).toThrow(
      /--latency takes production/,
    );
    expect(() =>
      parseOptions(['--target', 'https://x.example/hook', '--latency', 'production'], '/tmp'),
    ).toThrow(/needs the local stack/);
  });

  it('refuses a run without a target, a malformed phase or a non-E.164 destination', () => {
    expect(() => parseOptions([], '/tmp')).toThrow(UsageError);
    expect(() => parseOptions(['--local', '--sustain', '60'], '/tmp')).toThrow(/DURATION@RATE/);
    expect(() =>
      parseOptions(['--target', 'https://x.example/hook', '--destinations', '555'], '/tmp'),
    ).toThrow(/E\.164/);
  });

  it('runs the pumping scenario only against the local stack, whose outbox its checks read', () => {
    expect(parseOptions(['--local'], '/tmp').scenario).toBe('inline-hook');
    expect(parseOptions(['--local', '--scenario', 'pumping'], '/tmp').scenario).toBe('pumping');
    expect(parseOptions(['--smoke', '--scenario', 'pumping'], '/tmp').scenario).toBe('pumping');
    expect(() => parseOptions(['--local', '--scenario', 'flood'], '/tmp')).toThrow(/inline-hook, pumping/);
    expect(() =>
      parseOptions(
        ['--target', 'https://x.example/hook', '--fixture-numbers', '--scenario', 'pumping'],
        '/tmp',
      ),
    ).toThrow(/local stack/);
  });

  it('plays the users typing their code on the local stack only, 30 % of the sign-ins unless told', () => {
    expect(parseOptions(['--local'], '/tmp').verifyShare).toBe(0.3);
    expect(parseOptions(['--smoke', '--verify-share', '0.5'], '/tmp').verifyShare).toBe(0.5);
    expect(parseOptions(['--local', '--verify-share', '0'], '/tmp').verifyShare).toBe(0);
    expect(
      parseOptions(['--target', 'https://x.example/hook', '--fixture-numbers'], '/tmp').verifyShare,
    ).toBe(0);
    expect(() => parseOptions(['--local', '--verify-share', '1.5'], '/tmp')).toThrow(/between 0 and 1/);
    expect(() =>
      parseOptions(
        ['--target', 'https://x.example/hook', '--fixture-numbers', '--verify-share', '0.3'],
        '/tmp',
      ),
    ).toThrow(/local stack/);
  });

  it('turns each budget of load/budget.json into ensure conditions', () => {
    const floor = { p95: 8, p99: 15, requests: 100, errors: 0 };
    for (const name of ['deployed', 'local', 'local-zero-latency']) {
      const budget = resolveBudget(loadBudget(name), floor, name === 'local' ? 150 : 0);
      const ensure = ensureConfig(budget);

      expect(budget.p95Ms).toBeLessThanOrEqual(budget.p99Ms);
      expect(budget.p99Ms).toBeLessThan(budget.oktaTimeoutMs);
      expect(ensure.conditions.map((c) => c.expression)).toEqual([
        `http.response_time.p95 <= ${budget.p95Ms}`,
        `http.response_time.p99 <= ${budget.p99Ms}`,
      ]);
      expect(ensure.maxErrorRate).toBeCloseTo(budget.maxErrorRate * 100);
    }
  });
});
