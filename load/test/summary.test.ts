// Principle: people look at the summary rather than read it, so it must draw the budget and stand alone.
import { describe, expect, it } from 'vitest';
import { computeFigures, niceCeiling, percentile, renderSummary } from '../lib/summary.js';
import type { JournalEntry } from '../processors/journal.js';

const phases = [
  { name: 'warm-up', duration: 2, arrivalRate: 1 },
  { name: 'sustained', duration: 2, arrivalRate: 5 },
];

function journal(): JournalEntry[] {
  const t0 = 1_700_000_000_000;
  const entries: JournalEntry[] = [];
  for (let i = 0; i < 40; i++) {
    const ms = i === 39 ? 900 : 10 + i;
    entries.push({
      at: t0 + i * 100 + ms,
      eventId: `e${i}`,
      retry: false,
      channel: 'sms',
      stream: 'normal',
      outcome: i === 38 ? 'error' : 'successful',
      status: 200,
      ms,
      ...(i === 38 ? { reason: 'PROVIDER_ERROR' } : {}),
    });
  }
  return entries;
}

describe('summary', () => {
  it('rounds axis maxima up to values whose quarters read cleanly', () => {
    expect([30, 62.5, 312.5, 1000, 1001, 0].map(niceCeiling)).toEqual([40, 80, 400, 1000, 2000, 4]);
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);

    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([], 99)).toBe(0);
  });

  it('splits the sustained phase from the warm-up and counts errors by reason', () => {
    const figures = computeFigures(journal(), phases);

    expect(figures.overall.count).toBe(40);
    expect(figures.sustained.count).toBe(20);
    expect(figures.sustained.max).toBe(900);
    expect(figures.errorsByReason).toEqual({ PROVIDER_ERROR: 1 });
    expect(figures.seconds.length).toBeGreaterThanOrEqual(4);
  });

  it('renders a self-contained page with the budget line and every verdict', () => {
    // Prepare
    const figures = computeFigures(journal(), phases);

    // Act
    const html = renderSummary({
      title: 'run',
      target: 'local',
      startedAt: 'now',
      machine: '2 cores',
      phases,
      budget: { name: 'local', description: '', p95Ms: 200, p99Ms: 250, maxErrorRate: 0 },
      figures,
      ensure: [{ name: 'budget: p99', ok: true, detail: '' }],
      checks: [{ name: 'one send per event', ok: false, detail: '1 sent twice' }],
      passed: false,
    });

    // Assess
    expect(html).toContain('budget p99 250ms');
    expect(html).toContain('FAIL');
    expect(html).toContain('one send per event');
    expect(html).not.toMatch(/<script|https?:\/\/(?!127)/);
    expect(html).toContain('normal (sign-ins)');
    expect(html).not.toContain('attack (pumping)');
  });

  it('shows the sign-ins and the attack side by side: sends, refusals by reason, latency', () => {
    // Prepare
    const attack: JournalEntry[] = Array.from({ length: 30 }, (_, i) => ({
      at: 1_700_000_000_000 + i * 100 + 5,
      eventId: `a${i}`,
      retry: false,
      channel: 'sms',
      stream: 'attack',
      status: 200,
      ms: 5,
      ...(i < 20
        ? { outcome: 'successful' as const, transactionId: `m${i}` }
        : { outcome: 'blocked' as const, reason: i < 28 ? 'PREFIX_1H' : 'IP_1H' }),
    }));
    const figures = computeFigures([...journal(), ...attack], phases);

    // Act
    const html = renderSummary({
      title: 'pumping run',
      target: 'local',
      startedAt: 'now',
      machine: '2 cores',
      phases,
      budget: { name: 'local', description: '', p95Ms: 200, p99Ms: 250, maxErrorRate: 0 },
      figures,
      ensure: [],
      checks: [],
      passed: true,
      attack: { prefix: '+44791112', limit: 20, sendsToPrefix: 20 },
    });

    // Assess
    expect(figures.streams.normal.requests).toBe(40);
    expect(figures.streams.attack).toMatchObject({
      requests: 30,
      sends: 20,
      refusals: { PREFIX_1H: 8, IP_1H: 2 },
    });
    expect(figures.overall.blocked).toBe(10);
    expect(html).toContain('attack (pumping)');
    expect(html).toContain('PREFIX_1H: 8');
    expect(html).toContain('+44791112xxx');
    expect(html).toContain('attack refused by the guard');
  });

  it("draws the floor's line beside the stack's and says what the limits came from", () => {
    // Prepare
    const figures = computeFigures(journal(), phases);
    const input = {
      title: 'run',
      target: 'local',
      startedAt: 'now',
      machine: '2 cores',
      phases,
      budget: { name: 'local', description: '', p95Ms: 230, p99Ms: 450, maxErrorRate: 0 },
      messagingLatency: { minMs: 80, maxMs: 150 },
      figures,
      ensure: [],
      checks: [],
      passed: true,
    };

    // Act
    const withFloor = renderSummary({
      ...input,
      floor: {
        p50: 2,
        p95: 8,
        p99: 15,
        max: 40,
        requests: 1500,
        errors: 0,
        p95Over: 10,
        p99Over: 20,
        stackOverFloor: { p95: 3.1, p99: 5.2 },
      },
    });
    const without = renderSummary(input);

    // Assess
    expect(withFloor).toContain('floor p99 15ms');
    expect(withFloor).toMatch(
      /<tr class="floor"><td>floor \(Artillery, trivial endpoint, same rate\)<\/td><td>1500<\/td><td><\/td><td>2<\/td><td>8<\/td><td>15<\/td><td>40<\/td><td>0<\/td>/,
    );
    expect(withFloor).toContain(
      "10 × the floor's p95 and 20 × its p99, plus the stand-in's slowest answer (150 ms)",
    );
    expect(withFloor).toContain("3.1 × the floor's p95 and 5.2 × its p99");
    expect(without).not.toContain('floor');
  });
});
