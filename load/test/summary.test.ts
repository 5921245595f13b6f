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
});
