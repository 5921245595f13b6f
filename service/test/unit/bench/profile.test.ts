// Principle: the profile breakdown says whose code spends a warm delivery's CPU, so every frame lands in the right
// package, Node's own work counts for whoever called it, and waiting is never counted as CPU.
import { describe, expect, it } from 'vitest';
import { breakdown, type CpuProfile, formatBreakdown, groupOf, packageOf } from '../../../bench/profile.js';

const ROOT = 'file:///work/main';
const frame = (functionName: string, url: string, lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
});

/**
 * (root) ─┬─ handler (ours) ─┬─ scrubText (ours) ── JSON.stringify-like native (Node)
 *         │                  └─ send (@smithy) ── writev (Node, no url)
 *         ├─ printLog (Powertools)
 *         ├─ parse (libphonenumber-js)
 *         ├─ (garbage collector)
 *         └─ (idle)
 */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 6, 7, 8, 9] },
    { id: 2, callFrame: frame('handler', `${ROOT}/service/src/handlers/deliver-otp.ts`), children: [3, 4] },
    { id: 3, callFrame: frame('scrubText', `${ROOT}/service/src/domain/redact.ts`, 140), children: [10] },
    {
      id: 4,
      callFrame: frame('send', `${ROOT}/node_modules/@smithy/core/dist-cjs/index.js`, 10),
      children: [5],
    },
    { id: 5, callFrame: frame('writev', '') },
    {
      id: 6,
      callFrame: frame('printLog', `${ROOT}/node_modules/@aws-lambda-powertools/logger/lib/esm/Logger.js`),
    },
    { id: 7, callFrame: frame('parse', `${ROOT}/node_modules/libphonenumber-js/es6/parse.js`) },
    { id: 8, callFrame: frame('(garbage collector)', '') },
    { id: 9, callFrame: frame('(idle)', '') },
    { id: 10, callFrame: frame('replace', 'node:internal/util') },
  ],
  startTime: 0,
  endTime: 20_000,
  // 20 samples: handler 1, scrubText 2, native under scrubText 1, send 4, writev 2, printLog 2, parse 1, GC 2, idle 5.
  samples: [2, 3, 3, 10, 4, 4, 4, 4, 5, 5, 6, 6, 7, 8, 8, 9, 9, 9, 9, 9],
  timeDeltas: Array.from({ length: 20 }, (_, i) => (i === 8 ? 50_000 : 1_000)),
};

describe('CPU profile breakdown', () => {
  it('names the package of a node_modules path, scoped or not', () => {
    expect(packageOf(`${ROOT}/node_modules/@smithy/core/dist-cjs/index.js`)).toBe('@smithy/core');
    expect(packageOf(`${ROOT}/node_modules/a/node_modules/jose/dist/x.js`)).toBe('jose');
    expect(packageOf(`${ROOT}/service/src/x.ts`)).toBeUndefined();
  });

  it('groups frames: ours, Powertools, the AWS SDK, Node and V8, other packages, idle', () => {
    expect(groupOf('deliverOtp', `${ROOT}/service/src/domain/deliver.ts`)).toBe('ours');
    expect(groupOf('x', `${ROOT}/service/local/stack.ts`)).toBe('ours');
    expect(groupOf('x', `${ROOT}/service/bench/bench.ts`)).toBe('other');
    expect(groupOf('x', `${ROOT}/node_modules/@aws-lambda-powertools/metrics/lib/esm/Metrics.js`)).toBe(
      'powertools',
    );
    expect(groupOf('x', `${ROOT}/node_modules/@aws-sdk/client-dynamodb/dist-cjs/index.js`)).toBe('aws-sdk');
    expect(groupOf('x', `${ROOT}/node_modules/@smithy/signature-v4/dist-cjs/index.js`)).toBe('aws-sdk');
    expect(groupOf('x', `${ROOT}/node_modules/@aws-crypto/crc32/build/main/index.js`)).toBe('aws-sdk');
    expect(groupOf('createHmac', 'node:crypto')).toBe('node');
    expect(groupOf('(garbage collector)', '')).toBe('node');
    expect(groupOf('x', `${ROOT}/node_modules/jose/dist/webapi/jwt/verify.js`)).toBe('other');
    expect(groupOf('(idle)', '')).toBe('idle');
  });

  it('counts samples (not time deltas) per group, shares over the CPU samples only', () => {
    const result = breakdown(profile);
    const group = (name: string) => result.groups.find((g) => g.group === name)!;

    expect(result.samples).toBe(20);
    expect(result.cpuSamples).toBe(15);
    expect(group('ours')).toMatchObject({ samples: 3, cpuShare: 0.2 });
    expect(group('aws-sdk')).toMatchObject({ samples: 4, cpuShare: Number((4 / 15).toFixed(4)) });
    expect(group('powertools')).toMatchObject({ samples: 2 });
    expect(group('other')).toMatchObject({ samples: 1 });
    expect(group('node')).toMatchObject({ samples: 5 });
    expect(group('idle')).toMatchObject({ samples: 5, cpuShare: 0, withCalleesShare: 0 });
  });

  it("charges Node's own frames to their nearest caller that is not Node's; root-level ones stay Node's", () => {
    const result = breakdown(profile);
    const group = (name: string) => result.groups.find((g) => g.group === name)!;

    // ours: 3 own + the native call under scrubText; the SDK: 4 own + 2 writev; Node keeps only the GC.
    expect(group('ours').withCalleesShare).toBe(Number((4 / 15).toFixed(4)));
    expect(group('aws-sdk').withCalleesShare).toBe(Number((6 / 15).toFixed(4)));
    expect(group('node').withCalleesShare).toBe(Number((2 / 15).toFixed(4)));
    const total = result.groups.reduce((sum, g) => sum + g.withCalleesShare, 0);
    expect(total).toBeCloseTo(1, 3);
  });

  it('lists the top functions of each group, merged across call paths, with where they are', () => {
    const twice: CpuProfile = {
      ...profile,
      nodes: [
        ...profile.nodes.map((n) => (n.id === 6 ? { ...n, children: [11] } : n)),
        { id: 11, callFrame: frame('scrubText', `${ROOT}/service/src/domain/redact.ts`, 140) },
      ],
      samples: [...profile.samples!.slice(0, 19), 11],
      timeDeltas: profile.timeDeltas!,
    };

    const ours = breakdown(twice, 1).groups.find((g) => g.group === 'ours')!;

    expect(ours.top).toEqual([
      {
        name: 'scrubText',
        where: 'service/src/domain/redact.ts:141',
        group: 'ours',
        samples: 3,
        cpuShare: 0.1875,
      },
    ]);
  });

  it('prints each group with its share and its share of the measured CPU per delivery', () => {
    const text = formatBreakdown(breakdown(profile), 3);

    expect(text).toContain('15 CPU samples (5 more idle); 3 ms CPU per delivery');
    expect(text).toMatch(/ours \(service\/\)\s+20\.0 %\s+0\.600\s+26\.7 %\s+0\.800 ms/);
    expect(text).toMatch(/@aws-sdk \/ @smithy\s+26\.7 %\s+0\.800\s+40\.0 %\s+1\.200 ms/);
    expect(text).not.toContain('idle (waiting');
  });
});
