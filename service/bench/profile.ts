/**
 * CPU profiles for `npm run bench -- --profile`: record one with the inspector, and reduce it to self time by
 * package (ours, Powertools, the AWS SDK, Node) and the top functions of each.
 */
import { Session } from 'node:inspector/promises';

/** The parts of a V8 CPU profile (`Profiler.Profile`) the breakdown reads. */
export type CpuProfile = {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
    hitCount?: number;
    children?: number[];
  }>;
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
};

/** Where a function's code comes from. `idle` is time the thread waited, not CPU. */
export type Group = 'ours' | 'powertools' | 'aws-sdk' | 'node' | 'other' | 'idle';

export const GROUP_LABELS: Record<Group, string> = {
  ours: 'ours (service/)',
  powertools: 'Powertools',
  'aws-sdk': '@aws-sdk / @smithy',
  node: 'Node internals, GC, V8',
  other: 'other packages',
  idle: 'idle (waiting for I/O)',
};

/** The package a `node_modules` URL belongs to (`@scope/name` or `name`), or undefined. */
export function packageOf(url: string): string | undefined {
  const at = url.lastIndexOf('/node_modules/');
  if (at < 0) return undefined;
  const [first, second] = url.slice(at + '/node_modules/'.length).split('/');
  return first?.startsWith('@') ? `${first}/${second}` : first;
}

/**
 * The group of one call frame.
 *
 * @param functionName - V8's name; `(idle)`, `(garbage collector)`, `(program)` and `(root)` are V8's own
 * @param url - the script's URL: `node:…` and empty for Node's and V8's own code, `file://…` otherwise
 */
export function groupOf(functionName: string, url: string): Group {
  if (functionName === '(idle)') return 'idle';
  if (url === '' || url.startsWith('node:') || !url.includes('/')) return 'node';
  if (url.includes('/service/bench/')) return 'other';
  const pkg = packageOf(url);
  if (pkg === undefined) return /\/service\/(src|local)\//.test(url) ? 'ours' : 'other';
  if (pkg.startsWith('@aws-lambda-powertools/')) return 'powertools';
  if (pkg.startsWith('@aws-sdk/') || pkg.startsWith('@smithy/') || pkg.startsWith('@aws-crypto/')) {
    return 'aws-sdk';
  }
  return 'other';
}

/** One function's self time: its samples, and their share of the samples that were not idle. */
export type FunctionTime = { name: string; where: string; group: Group; samples: number; cpuShare: number };

/** Samples by group (and their share of the CPU samples, idle left out) and the top functions of each. */
export type Breakdown = {
  samples: number;
  cpuSamples: number;
  groups: Array<{
    group: Group;
    samples: number;
    cpuShare: number;
    /** The share with the Node and V8 work it called (a sample in Node's code counts for its nearest caller). */
    withCalleesShare: number;
    top: FunctionTime[];
  }>;
};

/** A short place for a frame: `package/path:line`, or the path under the repository for ours. */
function whereOf(url: string, line: number): string {
  const at = url.lastIndexOf('/node_modules/');
  const path = at >= 0 ? url.slice(at + '/node_modules/'.length) : url.replace(/^.*?\/(service\/)/, '$1');
  return path && line > 0 ? `${path}:${line + 1}` : path;
}

/**
 * Reduces a profile to self samples per function, summed by group. Samples are counted, not weighed by their time
 * deltas: a sample that comes late because the process was off the CPU (two cores shared with the backends) would
 * otherwise charge that wait to whatever function was on the stack.
 *
 * @param profile - a V8 CPU profile
 * @param topPerGroup - how many functions to keep per group
 */
export function breakdown(profile: CpuProfile, topPerGroup = 5): Breakdown {
  const hits = new Map<number, number>();
  if (profile.samples?.length) {
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  } else {
    for (const node of profile.nodes) hits.set(node.id, node.hitCount ?? 0);
  }
  // Node's own frames (a socket write, JSON.stringify, a hash) count for the nearest caller that is not Node's.
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const callerGroup = new Map<number, Group>();
  const attributed = (id: number): Group => {
    const known = callerGroup.get(id);
    if (known) return known;
    const node = byId.get(id)!;
    const own = groupOf(node.callFrame.functionName, node.callFrame.url);
    const parent = parentOf.get(id);
    const group = own !== 'node' || parent === undefined ? own : attributed(parent);
    callerGroup.set(id, group);
    return group;
  };
  const withCallees = new Map<Group, number>();
  for (const [id, count] of hits) {
    if (count > 0) withCallees.set(attributed(id), (withCallees.get(attributed(id)) ?? 0) + count);
  }
  // The same function appears as many nodes (one per call path): merge them.
  const functions = new Map<string, FunctionTime>();
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    if (count === 0) continue;
    const { functionName, url, lineNumber, columnNumber = 0 } = node.callFrame;
    const key = `${functionName}\u0000${url}\u0000${lineNumber}\u0000${columnNumber}`;
    const entry = functions.get(key) ?? {
      name: functionName || '(anonymous)',
      where: whereOf(url, lineNumber),
      group: groupOf(functionName, url),
      samples: 0,
      cpuShare: 0,
    };
    entry.samples += count;
    functions.set(key, entry);
  }
  const all = [...functions.values()];
  const samples = all.reduce((sum, f) => sum + f.samples, 0);
  const cpuSamples = all.filter((f) => f.group !== 'idle').reduce((sum, f) => sum + f.samples, 0);
  const share = (count: number) => (cpuSamples === 0 ? 0 : Number((count / cpuSamples).toFixed(4)));
  const order: Group[] = ['ours', 'powertools', 'aws-sdk', 'node', 'other', 'idle'];
  const groups = order.map((group) => {
    const members = all.filter((f) => f.group === group).sort((a, b) => b.samples - a.samples);
    const count = members.reduce((sum, f) => sum + f.samples, 0);
    return {
      group,
      samples: count,
      cpuShare: group === 'idle' ? 0 : share(count),
      withCalleesShare: group === 'idle' ? 0 : share(withCallees.get(group) ?? 0),
      top: members.slice(0, topPerGroup).map((f) => ({ ...f, cpuShare: share(f.samples) })),
    };
  });
  return { samples, cpuSamples, groups };
}

/**
 * The breakdown as text: one line per group (its share of the CPU samples, and that share of the measured CPU per
 * delivery), then its top functions.
 *
 * @param result - from {@link breakdown}
 * @param cpuMsPerDelivery - CPU per delivery measured over the same loop (process.cpuUsage), to turn shares into ms
 */
export function formatBreakdown(result: Breakdown, cpuMsPerDelivery: number): string {
  const ms = (cpuShare: number) => (cpuShare * cpuMsPerDelivery).toFixed(3).padStart(6);
  const pct = (cpuShare: number) => `${(cpuShare * 100).toFixed(1)} %`.padStart(7);
  const idle = result.groups.find((g) => g.group === 'idle')?.samples ?? 0;
  const lines = [
    `${result.cpuSamples} CPU samples (${idle} more idle); ${cpuMsPerDelivery} ms CPU per delivery, by package:`,
    `  ${''.padEnd(24)} ${'self'.padStart(7)}  ${'ms'.padStart(6)}   ${'with the Node work it calls'}`,
  ];
  for (const { group, cpuShare, withCalleesShare, top } of result.groups) {
    if (group === 'idle') continue;
    lines.push(
      `  ${GROUP_LABELS[group].padEnd(24)} ${pct(cpuShare)}  ${ms(cpuShare)}   ${pct(withCalleesShare)}  ${ms(withCalleesShare)} ms`,
    );
    for (const f of top) lines.push(`      ${pct(f.cpuShare)}  ${ms(f.cpuShare)}  ${f.name}  ${f.where}`);
  }
  return lines.join('\n');
}

/**
 * Runs `fn` under the V8 sampling profiler of this process and resolves its profile.
 *
 * @param fn - the work to profile
 * @param intervalUs - sampling interval in microseconds
 */
export async function profiled(fn: () => Promise<void>, intervalUs = 250): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await session.post('Profiler.start');
    await fn();
    const { profile } = await session.post('Profiler.stop');
    return profile as CpuProfile;
  } finally {
    session.disconnect();
  }
}
