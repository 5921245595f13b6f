/**
 * Every alarm leads on-call somewhere real: the runbook section its description cites exists, and says what users
 * experience, what to open, the likely causes and the actions.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeAlarm } from '../../dashboards/alarms.js';
import { synthStack } from './helpers.js';

const runbook = readFileSync(new URL('../../dashboards/RUNBOOK.md', import.meta.url), 'utf8');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const anchors = new Set(
  [...runbook.matchAll(/^## (.+)$/gm)].map((m) =>
    m[1]!
      .toLowerCase()
      .replace(/[^a-z0-9 -]/g, '')
      .replace(/ /g, '-'),
  ),
);

function section(anchor: string): string {
  const heading = [...runbook.matchAll(/^## (.+)$/gm)].find(
    (m) =>
      m[1]!
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-') === anchor,
  )!;
  const start = heading.index!;
  const next = runbook.indexOf('\n## ', start + 1);
  return runbook.slice(start, next === -1 ? undefined : next);
}

let descriptions: string[] = [];

beforeAll(() => {
  const { template } = synthStack();
  descriptions = [
    ...Object.values(template.findResources('AWS::CloudWatch::Alarm')),
    ...Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm')),
  ].map((alarm) => alarm.Properties.AlarmDescription as string);
});

describe('alarm descriptions and the runbook', () => {
  it('cite a runbook section that exists, for every alarm', () => {
    expect(descriptions).toHaveLength(9);
    for (const description of descriptions) {
      const anchor = /RUNBOOK\.md#([a-z0-9-]+)/.exec(description)?.[1];
      expect(anchors, description).toContain(anchor);
    }
  });

  it('give each alarm section users, what to open, and what to do', () => {
    for (const description of descriptions) {
      const anchor = /RUNBOOK\.md#([a-z0-9-]+)/.exec(description)![1]!;
      const text = section(anchor);
      expect(text, anchor).toMatch(/\*\*Users:\*\*/);
      expect(text, anchor).toMatch(/\*\*Open:\*\*/);
      if (anchor !== 'otp-delivery-degraded') {
        expect(text, anchor).toMatch(/\*\*Likely causes/);
        expect(text, anchor).toMatch(/\*\*Actions:\*\*/);
      }
    }
  });

  it('explain Okta fallback behaviour once, up front', () => {
    // Okta's 2026 hook reference: no retry; a timeout, a non-200 or an error object sends the code through Okta.
    expect(runbook).toMatch(/does not retry it/);
    expect(runbook).toMatch(/\*\*or an answer with Okta's error object\*\*/);
    expect(runbook).toMatch(/its own providers/);
  });

  it('fit CloudWatch 1,024-character limit', () => {
    for (const description of descriptions) expect(description.length).toBeLessThanOrEqual(1024);
  });

  it('render anchors the way GitHub does', () => {
    expect(describeAlarm({ users: 'u', firstCheck: 'c', runbookSection: 'API 5xx' })).toContain(
      'Runbook: dashboards/RUNBOOK.md#api-5xx ("API 5xx")',
    );
  });
});
