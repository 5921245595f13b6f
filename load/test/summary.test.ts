// Principle: people look at the summary rather than read it, so it must draw the budget and stand alone.
import { describe, expect, it } from 'vitest';
import type { OutboxMessage } from '../lib/checks.js';
import {
  computeFigures,
  computeFunnel,
  funnelLine,
  niceCeiling,
  percentile,
  renderSummary,
} from '../lib/summary.js';
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

  it('shows the funnel from request to code used, by channel, with the receipts by status', () => {
    // Prepare: 40 requests (one an error), 39 sends of which 4 calls, one still ringing; 10 played, 9 marked.
    const entries = journal().map((e, i) => (i % 13 === 0 ? { ...e, channel: 'voice' as const } : e));
    const outbox: OutboxMessage[] = entries
      .filter((e) => e.outcome === 'successful')
      .map((e, i) => ({
        messageId: e.transactionId ?? `m${e.eventId}`,
        channel: e.channel === 'voice' ? 'VOICE' : 'SMS',
        events: [
          {
            eventType:
              e.channel === 'voice' ? (i === 0 ? 'VOICE_RINGING' : 'VOICE_COMPLETED') : 'TEXT_DELIVERED',
            eventTimestamp: 0,
          },
        ],
        feedback: i < 9 ? ('RECEIVED' as const) : null,
      }));
    const played = outbox.slice(0, 10).map((m) => ({
      eventId: m.messageId,
      messageId: m.messageId,
      userId: '00u1',
      channel: m.channel === 'VOICE' ? ('voice' as const) : ('sms' as const),
    }));

    // Act
    const funnel = computeFunnel({
      journal: entries,
      outbox,
      plan: { share: 0.3, eligible: 33, expired: 0, played },
      undelivered: 1,
    });
    const html = renderSummary({
      title: 'run',
      target: 'local',
      startedAt: 'now',
      machine: '2 cores',
      phases,
      budget: { name: 'local', description: '', p95Ms: 200, p99Ms: 250, maxErrorRate: 0 },
      figures: computeFigures(entries, phases),
      ensure: [],
      checks: [],
      passed: true,
      funnel,
    });

    // Assess
    expect(funnel.requested).toEqual({ total: 40, sms: 36, voice: 4 });
    expect(funnel.successful).toEqual({ total: 39, sms: 35, voice: 4 });
    expect(funnel.sent).toEqual({ total: 39, sms: 35, voice: 4 });
    expect(funnel.receipts).toEqual([
      { status: 'TEXT_DELIVERED', total: 35, sms: 35, voice: 0 },
      { status: 'VOICE_COMPLETED', total: 3, sms: 0, voice: 3 },
    ]);
    expect(funnel.noReceipt).toEqual({ total: 1, sms: 0, voice: 1 });
    expect(funnel.played).toEqual({ total: 10, sms: 9, voice: 1 });
    expect(funnel.received).toEqual({ total: 9, sms: 8, voice: 1 });
    expect(funnelLine(funnel)).toBe(
      '40 requested → 39 answered SUCCESSFUL → 39 sent → receipts TEXT_DELIVERED 35, VOICE_COMPLETED 3, none 1 → 10 played → 9 RECEIVED',
    );
    expect(html).toContain('Funnel: requested → answered SUCCESSFUL → sent → receipt → played → RECEIVED');
    expect(html).toMatch(/<td>answered SUCCESSFUL<\/td><td>39<\/td><td>35<\/td><td>4<\/td><td>97\.5 %<\/td>/);
    expect(html).toMatch(
      /<td>receipt TEXT_DELIVERED<\/td><td>35<\/td><td>35<\/td><td>0<\/td><td>89\.7 %<\/td>/,
    );
    expect(html).toMatch(/<tr class="missing"><td>no final receipt<\/td><td>1<\/td>/);
    expect(html).toMatch(
      /<td>RECEIVED \(PutMessageFeedback\)<\/td><td>9<\/td><td>8<\/td><td>1<\/td><td>90 %<\/td>/,
    );
    expect(html).toContain('30 % of the 33 sign-ins answered SUCCESSFUL');
    expect(html).toContain('1 events were not delivered to the handler');
    expect(html).not.toMatch(/<script|https?:\/\/(?!127)/);
  });

  it('has no funnel without the outbox (a run against a target)', () => {
    const html = renderSummary({
      title: 'run',
      target: 'https://x.example/hook',
      startedAt: 'now',
      machine: '2 cores',
      phases,
      budget: { name: 'deployed', description: '', p95Ms: 1000, p99Ms: 1500, maxErrorRate: 0.001 },
      figures: computeFigures(journal(), phases),
      ensure: [],
      checks: [],
      passed: true,
    });

    expect(html).not.toContain('Funnel');
  });
});
