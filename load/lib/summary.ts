/**
 * Figures and the one-page summary of a run: latency percentiles per second with the budget drawn across,
 * answers per second and errors, the funnel from request to code used (local runs), and every check's verdict. Self-contained HTML with inline SVG: no script, no
 * network, opens from the file system or a CI artifact.
 */
import { isGuardReason } from '../processors/answers.js';
import type { JournalEntry } from '../processors/journal.js';
import type { Budget, Floor } from './budget.js';
import { type CheckResult, finalReceipt, type Outbox } from './checks.js';
import type { Verification, VerificationPlan } from './conversion.js';
import type { Phase } from './options.js';

/** Latency figures over some answers, ms. */
export type Latency = { count: number; p50: number; p95: number; p99: number; max: number };

/** One second of the run. */
export type Second = {
  t: number;
  answers: number;
  errors: number;
  rejected: number;
  /** Attack requests refused by the guard. */
  blocked: number;
  p50: number;
  p95: number;
  p99: number;
};

/**
 * One stream of the run (the org's sign-ins, or the pumping attack): its latency, its sends (unique events
 * answered SUCCESSFUL), the guard's refusals by reason, and its errors (a normal request the guard refused is one).
 */
export type StreamFigures = Latency & {
  requests: number;
  sends: number;
  refusals: Record<string, number>;
  errors: number;
};

/** Figures of a run, from its journal. */
export type RunFigures = {
  /** First answer's send time, ms since the epoch. */
  startedAt: number;
  seconds: Second[];
  overall: Latency & { errors: number; rejected: number; blocked: number; retries: number; rate: number };
  /** The sustained phase only (its start known from the phases). */
  sustained: Latency & { errors: number; rate: number; durationS: number };
  errorsByReason: Record<string, number>;
  /** The normal stream always; the attack stream in a pumping run. */
  streams: { normal: StreamFigures; attack?: StreamFigures };
};

/**
 * Nearest-rank percentile of sorted values.
 *
 * @param sorted - ascending
 * @param p - 0..100
 */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function latency(values: number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? 0,
  };
}

/**
 * Figures of one stream.
 *
 * @param entries - the stream's answers
 */
export function streamFigures(entries: JournalEntry[]): StreamFigures {
  const refusals: Record<string, number> = {};
  for (const e of entries) {
    if (!isGuardReason(e.reason) || (e.outcome !== 'blocked' && e.outcome !== 'error')) continue;
    refusals[e.reason!] = (refusals[e.reason!] ?? 0) + 1;
  }
  return {
    ...latency(entries.flatMap((e) => (e.ms === undefined ? [] : [e.ms]))),
    requests: entries.length,
    sends: new Set(entries.filter((e) => e.outcome === 'successful').map((e) => e.eventId)).size,
    refusals,
    errors: entries.filter((e) => e.outcome === 'error').length,
  };
}

/**
 * Computes a run's figures from its journal.
 *
 * @param journal - every answer seen
 * @param phases - the phases run, to find the sustained one
 */
export function computeFigures(journal: JournalEntry[], phases: Phase[]): RunFigures {
  const sent = (e: JournalEntry) => e.at - (e.ms ?? 0);
  const startedAt = journal.length ? Math.min(...journal.map(sent)) : Date.now();
  const buckets = new Map<number, JournalEntry[]>();
  for (const entry of journal) {
    const t = Math.floor((entry.at - startedAt) / 1000);
    const list = buckets.get(t) ?? [];
    list.push(entry);
    buckets.set(t, list);
  }
  const last = Math.max(-1, ...buckets.keys());
  const seconds: Second[] = [];
  for (let t = 0; t <= last; t++) {
    const list = buckets.get(t) ?? [];
    const l = latency(list.flatMap((e) => (e.ms === undefined ? [] : [e.ms])));
    seconds.push({
      t,
      answers: list.length,
      errors: list.filter((e) => e.outcome === 'error').length,
      rejected: list.filter((e) => e.outcome === 'rejected').length,
      blocked: list.filter((e) => e.outcome === 'blocked').length,
      p50: l.p50,
      p95: l.p95,
      p99: l.p99,
    });
  }
  const sustainedOffset = phases.slice(0, -1).reduce((sum, p) => sum + p.duration, 0) * 1000;
  const sustainedEntries = journal.filter((e) => sent(e) >= startedAt + sustainedOffset);
  const sustainedDuration = phases[phases.length - 1]?.duration ?? 0;
  const errors = journal.filter((e) => e.outcome === 'error');
  const errorsByReason: Record<string, number> = {};
  for (const e of errors)
    errorsByReason[e.reason ?? 'unknown'] = (errorsByReason[e.reason ?? 'unknown'] ?? 0) + 1;
  const spanS = Math.max(1, (Math.max(...journal.map((e) => e.at), startedAt) - startedAt) / 1000);
  const attack = journal.filter((e) => e.stream === 'attack');
  return {
    startedAt,
    seconds,
    overall: {
      ...latency(journal.flatMap((e) => (e.ms === undefined ? [] : [e.ms]))),
      errors: errors.length,
      rejected: journal.filter((e) => e.outcome === 'rejected').length,
      blocked: attack.filter((e) => e.outcome === 'blocked').length,
      retries: journal.filter((e) => e.retry).length,
      rate: Math.round((journal.length / spanS) * 10) / 10,
    },
    sustained: {
      ...latency(sustainedEntries.flatMap((e) => (e.ms === undefined ? [] : [e.ms]))),
      errors: sustainedEntries.filter((e) => e.outcome === 'error').length,
      rate: Math.round((sustainedEntries.length / Math.max(1, sustainedDuration)) * 10) / 10,
      durationS: sustainedDuration,
    },
    errorsByReason,
    streams: {
      normal: streamFigures(journal.filter((e) => e.stream !== 'attack')),
      ...(attack.length ? { attack: streamFigures(attack) } : {}),
    },
  };
}

/** A count, whole and by channel. */
export type ChannelCounts = { total: number; sms: number; voice: number };

/**
 * A local run's funnel, from Okta's request to the code used: unique events requested and answered SUCCESSFUL (the
 * journal), messages sent and their final receipts by status (the outbox), verifications played, and messages
 * marked RECEIVED (the outbox's feedback).
 */
export type Funnel = {
  requested: ChannelCounts;
  successful: ChannelCounts;
  sent: ChannelCounts;
  /** Sends by final receipt (`TEXT_DELIVERED`, `VOICE_COMPLETED`, …), largest first. */
  receipts: Array<{ status: string } & ChannelCounts>;
  /** Sends without a final receipt when the run looked. */
  noReceipt: ChannelCounts;
  played: ChannelCounts;
  received: ChannelCounts;
  /** What the played ones are a share of, and what kept some from being played or marked. */
  verification: { share: number; eligible: number; expired: number; undelivered: number };
};

const counts = (channels: Array<'sms' | 'voice'>): ChannelCounts => ({
  total: channels.length,
  sms: channels.filter((c) => c === 'sms').length,
  voice: channels.filter((c) => c === 'voice').length,
});

const outboxChannel = (channel: string | undefined): 'sms' | 'voice' =>
  channel?.toUpperCase() === 'VOICE' ? 'voice' : 'sms';

/**
 * The funnel of a local run.
 *
 * @param input - the journal, the outbox after the run, the verification plan, and the events not delivered
 */
export function computeFunnel(input: {
  journal: JournalEntry[];
  outbox: Outbox;
  plan: Pick<VerificationPlan, 'share' | 'eligible' | 'expired'> & { played: Verification[] };
  undelivered?: number;
}): Funnel {
  const channelOf = new Map<string, 'sms' | 'voice'>();
  const successful = new Map<string, 'sms' | 'voice'>();
  for (const e of input.journal) {
    channelOf.set(e.eventId, e.channel);
    if (e.outcome === 'successful') successful.set(e.eventId, e.channel);
  }
  const byStatus = new Map<string, Array<'sms' | 'voice'>>();
  const none: Array<'sms' | 'voice'> = [];
  for (const m of input.outbox) {
    const status = finalReceipt(m);
    if (!status) none.push(outboxChannel(m.channel));
    else byStatus.set(status, [...(byStatus.get(status) ?? []), outboxChannel(m.channel)]);
  }
  return {
    requested: counts([...channelOf.values()]),
    successful: counts([...successful.values()]),
    sent: counts(input.outbox.map((m) => outboxChannel(m.channel))),
    receipts: [...byStatus]
      .map(([status, channels]) => ({ status, ...counts(channels) }))
      .sort((a, b) => b.total - a.total || a.status.localeCompare(b.status)),
    noReceipt: counts(none),
    played: counts(input.plan.played.map((v) => v.channel)),
    received: counts(
      input.outbox.filter((m) => m.feedback === 'RECEIVED').map((m) => outboxChannel(m.channel)),
    ),
    verification: {
      share: input.plan.share,
      eligible: input.plan.eligible,
      expired: input.plan.expired,
      undelivered: input.undelivered ?? 0,
    },
  };
}

/** The funnel in one line, for the console. */
export function funnelLine(funnel: Funnel): string {
  const receipts = [
    ...funnel.receipts.map((r) => `${r.status} ${r.total}`),
    ...(funnel.noReceipt.total ? [`none ${funnel.noReceipt.total}`] : []),
  ];
  return `${funnel.requested.total} requested → ${funnel.successful.total} answered SUCCESSFUL → ${funnel.sent.total} sent → receipts ${
    receipts.join(', ') || 'none'
  } → ${funnel.played.total} played → ${funnel.received.total} RECEIVED`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The smallest of 1, 2, 4, 6 or 8 times a power of ten that is at least `value`, so four gridlines read cleanly. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 4;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 4, 6, 8, 10].find((m) => m * power >= value)!;
  return Math.max(4, step * power);
}

const W = 900;
const H = 260;
const PAD = { left: 56, right: 140, top: 16, bottom: 32 };

function axes(maxX: number, maxY: number, unit: string, phases: Phase[]): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const parts: string[] = [];
  // Phase bands: the budget is about the sustained phase.
  let at = 0;
  for (const phase of phases) {
    const x = PAD.left + (at / maxX) * plotW;
    const w = (phase.duration / maxX) * plotW;
    if (phase.name !== 'sustained') {
      parts.push(`<rect x="${x}" y="${PAD.top}" width="${w}" height="${plotH}" fill="#f1f3f5"/>`);
    }
    parts.push(`<text x="${x + 4}" y="${PAD.top + 12}" class="muted">${escapeHtml(phase.name)}</text>`);
    at += phase.duration;
  }
  for (let i = 0; i <= 4; i++) {
    const y = PAD.top + plotH - (i / 4) * plotH;
    const value = Math.round((maxY * i) / 4);
    parts.push(`<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y}" y2="${y}" stroke="#dee2e6"/>`);
    parts.push(
      `<text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end" class="muted">${value}${unit}</text>`,
    );
  }
  const step = Math.max(5, Math.ceil(maxX / 10 / 5) * 5);
  for (let s = 0; s <= maxX; s += step) {
    const x = PAD.left + (s / maxX) * plotW;
    parts.push(`<text x="${x}" y="${H - 10}" text-anchor="middle" class="muted">${s}s</text>`);
  }
  return parts.join('');
}

function polyline(points: Array<[number, number]>, maxX: number, maxY: number, colour: string, width = 2) {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const d = points
    .map(
      ([x, y]) =>
        `${(PAD.left + (x / maxX) * plotW).toFixed(1)},${(PAD.top + plotH - (Math.min(y, maxY) / maxY) * plotH).toFixed(1)}`,
    )
    .join(' ');
  return `<polyline points="${d}" fill="none" stroke="${colour}" stroke-width="${width}" stroke-linejoin="round"/>`;
}

function latencyChart(figures: RunFigures, budget: Budget, phases: Phase[], floor?: Floor): string {
  const secs = figures.seconds.filter((s) => s.answers > 0);
  const maxX = Math.max(
    1,
    figures.seconds.length,
    phases.reduce((sum, p) => sum + p.duration, 0),
  );
  const observed = Math.max(0, ...secs.map((s) => s.p99));
  const maxY = niceCeiling(Math.max(observed, budget.p99Ms * 1.25));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const yOf = (value: number) => PAD.top + plotH - (value / maxY) * plotH;
  // The p95 label goes below the p99 one when the two lines are too close for both to be read.
  const p95LabelShift = Math.max(0, 14 - (yOf(budget.p95Ms) - yOf(budget.p99Ms)));
  const budgetLine = (value: number, label: string, colour: string, labelShift = 0) => {
    const y = yOf(value);
    return `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y}" y2="${y}" stroke="${colour}" stroke-width="2" stroke-dasharray="6 4"/><text x="${PAD.left + plotW + 6}" y="${y + 4 + labelShift}" fill="${colour}">${label}</text>`;
  };
  const series = (key: 'p50' | 'p95' | 'p99', colour: string) =>
    polyline(
      secs.map((s) => [s.t + 0.5, s[key]]),
      maxX,
      maxY,
      colour,
    );
  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Latency percentiles per second against the budget">
${axes(maxX, maxY, 'ms', phases)}
${budgetLine(budget.p99Ms, `budget p99 ${budget.p99Ms}ms`, '#c92a2a')}
${budgetLine(budget.p95Ms, `budget p95 ${budget.p95Ms}ms`, '#e67700', p95LabelShift)}${
  floor
    ? budgetLine(floor.p99, `floor p99 ${floor.p99}ms`, '#495057', yOf(0) - yOf(floor.p99) < 14 ? -10 : 0)
    : ''
}
${series('p50', '#1c7ed6')}${series('p95', '#f08c00')}${series('p99', '#e03131')}
</svg>
<p class="legend"><span style="color:#1c7ed6">━ p50</span> <span style="color:#f08c00">━ p95</span> <span style="color:#e03131">━ p99</span> per second · dashed: the budget${
    floor
      ? ', and in grey the floor (the same arrival rate against a trivial endpoint of the same server)'
      : ''
  }</p>`;
}

function rateChart(figures: RunFigures, phases: Phase[]): string {
  const maxX = Math.max(
    1,
    figures.seconds.length,
    phases.reduce((sum, p) => sum + p.duration, 0),
  );
  const maxY = niceCeiling(Math.max(...figures.seconds.map((s) => s.answers), 0) * 1.15);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const barW = Math.max(1, plotW / maxX - 1);
  const bars = figures.seconds
    .map((s) => {
      const x = PAD.left + (s.t / maxX) * plotW;
      const bar = (value: number, base: number, colour: string) => {
        if (!value) return '';
        const h = (value / maxY) * plotH;
        const y = PAD.top + plotH - ((base + value) / maxY) * plotH;
        return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${colour}"/>`;
      };
      const ok = s.answers - s.errors - s.rejected - s.blocked;
      return (
        bar(ok, 0, '#adb5bd') +
        bar(s.rejected, ok, '#fab005') +
        bar(s.blocked, ok + s.rejected, '#7048e8') +
        bar(s.errors, ok + s.rejected + s.blocked, '#e03131')
      );
    })
    .join('');
  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="Answers and errors per second">
${axes(maxX, maxY, '/s', phases)}${bars}
</svg>
<p class="legend"><span style="color:#868e96">■ answers accepted by Okta</span> <span style="color:#f59f00">■ refused as designed (undeliverable)</span>${
    figures.streams.attack ? ' <span style="color:#7048e8">■ attack refused by the guard</span>' : ''
  } <span style="color:#e03131">■ errors</span> per second</p>`;
}

/** What the summary shows. */
export type SummaryInput = {
  title: string;
  target: string;
  startedAt: string;
  machine: string;
  phases: Phase[];
  budget: Budget & { name: string };
  messagingLatency?: { minMs: number; maxMs: number };
  figures: RunFigures;
  /** Artillery's own whole-run figures (what `ensure` judged). */
  artillery?: { p95?: number; p99?: number; max?: number; requests?: number; vusersFailed?: number };
  ensure: CheckResult[];
  checks: CheckResult[];
  passed: boolean;
  /**
   * The floor measured before the stack (local runs with a floor budget): Artillery's figures for the same arrival
   * rate against the trivial endpoint, the budget's ratios, and the stack's own ratios over it.
   */
  floor?: Floor & { p95Over: number; p99Over: number; stackOverFloor?: { p95: number; p99: number } };
  /** A pumping run: the attacked prefix, the guard's limit for it, and the sends to it in the outbox. */
  attack?: { prefix: string; limit: number; sendsToPrefix?: number };
  /** A local run: from request to code used. */
  funnel?: Funnel;
};

const percent = (part: number, whole: number) =>
  whole ? `${Math.round((part / whole) * 1000) / 10} %` : '–';

function funnelTable(funnel: Funnel): string {
  const top = Math.max(1, funnel.requested.total);
  const row = (label: string, c: ChannelCounts, before: number | undefined, className = '') =>
    `<tr${className ? ` class="${className}"` : ''}><td>${label}</td><td>${c.total}</td><td>${c.sms}</td><td>${c.voice}</td><td>${
      before === undefined ? '' : percent(c.total, before)
    }</td><td class="barcell"><div class="bar" style="width:${((c.total / top) * 100).toFixed(1)}%"></div></td></tr>`;
  const v = funnel.verification;
  const notes = [
    v.expired ? `${v.expired} chosen were not played: their code had expired by the end of the run` : '',
    v.undelivered ? `${v.undelivered} events were not delivered to the handler` : '',
  ].filter(Boolean);
  return `<h2>Funnel: requested → answered SUCCESSFUL → sent → receipt → played → RECEIVED</h2>
<table class="figures funnel"><tr><th>step</th><th>all</th><th>SMS</th><th>voice</th><th>of the step before</th><th></th></tr>
${row('requested (unique eventIds)', funnel.requested, undefined)}
${row('answered SUCCESSFUL', funnel.successful, funnel.requested.total)}
${row('sent (outbox)', funnel.sent, funnel.successful.total)}
${funnel.receipts.map((r) => row(`receipt ${escapeHtml(r.status)}`, r, funnel.sent.total, 'receipt')).join('\n')}
${funnel.noReceipt.total ? row('no final receipt', funnel.noReceipt, funnel.sent.total, 'missing') : ''}
${row('played (the user typed the code)', funnel.played, funnel.sent.total)}
${row('RECEIVED (PutMessageFeedback)', funnel.received, funnel.played.total)}
</table>
<p>Played: ${Math.round(v.share * 1000) / 10} % of the ${v.eligible} sign-ins answered SUCCESSFUL, after the load: Okta's <code>user.authentication.auth_via_mfa</code> SUCCESS for the request's user and factor, posted to <code>/_local/okta-events</code>${
    notes.length ? `; ${notes.join('; ')}` : ''
  }. Receipts and played are shares of the sends. Messages not played stay without feedback until their code expires (then the sweep sets FAILED).</p>`;
}

function streamsTable(input: SummaryInput): string {
  const { normal, attack } = input.figures.streams;
  const reasons = (refusals: Record<string, number>) => {
    const list = Object.entries(refusals).sort((a, b) => b[1] - a[1]);
    return list.length ? list.map(([r, n]) => `${escapeHtml(r)}: ${n}`).join('<br>') : '0';
  };
  const row = (name: string, f: StreamFigures) =>
    `<tr><td>${name}</td><td>${f.requests}</td><td>${f.sends}</td><td>${reasons(f.refusals)}</td><td>${f.errors}</td><td>${f.p50}</td><td>${f.p95}</td><td>${f.p99}</td><td>${f.max}</td></tr>`;
  const prefix = input.attack
    ? `<p>Attacked prefix <code>${escapeHtml(input.attack.prefix)}xxx</code>: ${
        input.attack.sendsToPrefix ?? '?'
      } sends to it in the outbox, where the guard's limits allow at most ${input.attack.limit} in an hour.</p>`
    : '';
  return `<h2>Streams: sign-ins${attack ? ' and the attack' : ''}</h2>
<table class="figures"><tr><th></th><th>answers</th><th>sends</th><th>guard refusals</th><th>errors</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>
${row('normal (sign-ins)', normal)}
${attack ? row('attack (pumping)', attack) : ''}
</table>
${prefix}`;
}

/**
 * Renders the run's one-page HTML summary.
 *
 * @param input - the run's figures, budget and verdicts
 */
export function renderSummary(input: SummaryInput): string {
  const f = input.figures;
  const row = (c: CheckResult) =>
    `<tr><td class="${c.ok ? 'ok' : 'fail'}">${c.ok ? '✔ pass' : '✘ FAIL'}</td><td>${escapeHtml(c.name)}</td><td>${escapeHtml(c.detail)}</td></tr>`;
  const reasons = Object.entries(f.errorsByReason)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${escapeHtml(r)}: ${n}`)
    .join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:960px;color:#212529}
h1{font-size:20px;margin:0 0 4px}.verdict{font-size:28px;font-weight:700;margin:8px 0}
.pass{color:#2b8a3e}.failed{color:#c92a2a}.muted{fill:#868e96;font-size:11px;color:#868e96}
svg{width:100%;height:auto;font-size:12px}table{border-collapse:collapse;width:100%;margin:8px 0 16px}
td,th{border-bottom:1px solid #e9ecef;padding:4px 8px;text-align:left;vertical-align:top}
.ok{color:#2b8a3e;white-space:nowrap}.fail{color:#c92a2a;font-weight:700;white-space:nowrap}.legend{margin:0 0 16px}
.figures td:nth-child(n+2){text-align:right;font-variant-numeric:tabular-nums}
.funnel .barcell{width:30%}.bar{background:#74c0fc;height:10px;min-width:1px}.funnel .receipt td:first-child{padding-left:24px}
.funnel .missing td{color:#c92a2a;font-weight:700}.funnel .missing .bar{background:#e03131}
</style></head><body>
<h1>${escapeHtml(input.title)}</h1>
<div class="muted">${escapeHtml(input.target)} · ${escapeHtml(input.startedAt)} · ${escapeHtml(input.machine)}${
    input.messagingLatency
      ? ` · messaging stand-in ${input.messagingLatency.minMs}–${input.messagingLatency.maxMs} ms`
      : ''
  }</div>
<div class="verdict ${input.passed ? 'pass' : 'failed'}">${input.passed ? 'PASS' : 'FAIL'}: budget “${escapeHtml(input.budget.name)}” p95 ≤ ${input.budget.p95Ms} ms, p99 ≤ ${input.budget.p99Ms} ms, errors ≤ ${input.budget.maxErrorRate * 100} %</div>
${
  input.floor
    ? `<p>Limits of this run: ${input.floor.p95Over} × the floor's p95 and ${input.floor.p99Over} × its p99${
        input.messagingLatency?.maxMs
          ? `, plus the stand-in's slowest answer (${input.messagingLatency.maxMs} ms)`
          : ''
      }, within Okta's 3 s.${
        input.floor.stackOverFloor
          ? ` The stack${input.messagingLatency?.maxMs ? ' less the stand-in' : ''} ran at ${input.floor.stackOverFloor.p95} × the floor's p95 and ${input.floor.stackOverFloor.p99} × its p99.`
          : ''
      }</p>`
    : ''
}
<h2>Latency per second (time to first byte)</h2>
${latencyChart(f, input.budget, input.phases, input.floor)}
<h2>Answers and errors per second</h2>
${rateChart(f, input.phases)}
<h2>Figures</h2>
<table class="figures"><tr><th></th><th>answers</th><th>rate /s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th><th>errors</th></tr>
<tr><td>whole run</td><td>${f.overall.count}</td><td>${f.overall.rate}</td><td>${f.overall.p50}</td><td>${f.overall.p95}</td><td>${f.overall.p99}</td><td>${f.overall.max}</td><td>${f.overall.errors}</td></tr>
<tr><td>sustained phase (${f.sustained.durationS} s)</td><td>${f.sustained.count}</td><td>${f.sustained.rate}</td><td>${f.sustained.p50}</td><td>${f.sustained.p95}</td><td>${f.sustained.p99}</td><td>${f.sustained.max}</td><td>${f.sustained.errors}</td></tr>
${
  input.artillery
    ? `<tr><td>Artillery (what ensure judged)</td><td>${input.artillery.requests ?? ''}</td><td></td><td></td><td>${input.artillery.p95 ?? ''}</td><td>${input.artillery.p99 ?? ''}</td><td>${input.artillery.max ?? ''}</td><td>${input.artillery.vusersFailed ?? 0} VUs failed</td></tr>`
    : ''
}${
  input.floor
    ? `<tr class="floor"><td>floor (Artillery, trivial endpoint, same rate)</td><td>${input.floor.requests}</td><td></td><td>${input.floor.p50 ?? ''}</td><td>${input.floor.p95}</td><td>${input.floor.p99}</td><td>${input.floor.max ?? ''}</td><td>${input.floor.errors}</td></tr>`
    : ''
}
</table>
<p>Retries (same eventId): ${f.overall.retries} · refused as designed: ${f.overall.rejected}${
    f.streams.attack ? ` · attack requests refused by the guard: ${f.overall.blocked}` : ''
  }${reasons ? ` · errors by reason: ${reasons}` : ''}</p>
${streamsTable(input)}
${input.funnel ? funnelTable(input.funnel) : ''}
<h2>Checks</h2>
<table>${[...input.ensure, ...input.checks].map(row).join('\n')}</table>
<p class="muted">Phases: ${input.phases
    .map(
      (p) =>
        `${escapeHtml(p.name)} ${p.duration} s at ${p.arrivalRate}${p.rampTo !== undefined && p.rampTo !== p.arrivalRate ? `→${p.rampTo}` : ''}/s`,
    )
    .join(', ')}. Latency is Artillery's <code>http.response_time</code> (time to first byte) per answer.</p>
</body></html>
`;
}
