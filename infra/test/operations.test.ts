/**
 * Every alarm leads on-call somewhere real: the runbook section its description cites exists and says what users
 * experience, what to open first, the likely causes, the actions and how to confirm recovery; and no alarm section
 * is left without an alarm.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeAlarm } from '../../dashboards/alarms.js';
import { HOOK_FAILURE_REASONS, REQUEST_FAULT_REASONS } from '../../service/src/domain/failure-class.js';
import { synthStack } from './helpers.js';

const runbook = readFileSync(new URL('../../dashboards/RUNBOOK.md', import.meta.url), 'utf8');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

/** Each `## ` section of the runbook, by anchor, with its text up to the next one. */
const sections = new Map(
  [...runbook.matchAll(/^## (.+)$/gm)].map((m, i, all) => [
    anchorOf(m[1]!),
    runbook.slice(m.index, all[i + 1]?.index ?? undefined),
  ]),
);

/** Sections that are read from other sections, not opened from an alarm. */
const NOT_AN_ALARM = /^Not an alarm of its own/m;

type Described = { name: string; description: string; anchor: string };
let alarms: Described[] = [];

beforeAll(() => {
  // trafficAlarm "page" (the default) and a conversion signal create every alarm there is.
  const { template } = synthStack({ oktaEventHook: true });
  alarms = [
    ...Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => ({
      name: a.Properties.AlarmName as string,
      description: a.Properties.AlarmDescription as string,
    })),
    ...Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm')).map((a) => ({
      name: a.Properties.AlarmName as string,
      description: a.Properties.AlarmDescription as string,
    })),
  ].map((a) => ({ ...a, anchor: /RUNBOOK\.md#([a-z0-9-]+)/.exec(a.description)?.[1] ?? '' }));
});

describe('alarm descriptions and the runbook', () => {
  it('cite a runbook section that exists, for every alarm', () => {
    expect(alarms.length).toBeGreaterThan(19);
    for (const { name, anchor } of alarms) expect([...sections.keys()], name).toContain(anchor);
  });

  it("give each alarm its own section (one per kind: a per-country alarm shares its kind's)", () => {
    const kinds = new Map<string, string>();
    for (const { name, anchor } of alarms) {
      const kind = name
        .replace(/-(total|[a-z]{2})$/, '')
        .replace(
          /-(record-delivery-event|record-verification|sweep-messages)-errors$/,
          '-event-function-errors',
        );
      const other = [...kinds].find(([k, a]) => a === anchor && k !== kind);
      expect(other, `${name} shares ${anchor} with ${other?.[0]}`).toBeUndefined();
      kinds.set(kind, anchor);
    }
  });

  it('leave no alarm section without the alarm that opens it', () => {
    const cited = new Set(alarms.map((a) => a.anchor));
    for (const [anchor, text] of sections) {
      if (!NOT_AN_ALARM.test(text)) expect(cited, anchor).toContain(anchor);
    }
  });

  it('give every section what users experience, what to open first and how to confirm recovery', () => {
    for (const [anchor, text] of sections) {
      expect(text, anchor).toMatch(/^- \*\*Users:\*\* \S/m);
      expect(text, anchor).toMatch(/^- \*\*Open:\*\* \S/m);
      expect(text, anchor).toMatch(/^- \*\*Confirm recovery:\*\* \S/m);
    }
  });

  it('give each alarm section its likely causes and actions', () => {
    for (const { anchor } of alarms) {
      if (anchor === 'otp-delivery-degraded') continue;
      const text = sections.get(anchor)!;
      expect(text, anchor).toMatch(/^- \*\*Likely causes/m);
      expect(text, anchor).toMatch(/^- \*\*Actions:\*\* \S/m);
    }
  });

  it('link only to sections that exist', () => {
    for (const [, target] of runbook.matchAll(/\]\(#([a-z0-9-]+)\)/g)) {
      expect([...sections.keys()], target).toContain(target);
    }
  });

  it('list the request-fault reasons exactly as the failure-rate alarm leaves them out', () => {
    // Prepare
    const paragraph = /\*\*Failure reasons in two classes\*\*[\s\S]+?\n\n/.exec(runbook)![0];
    const requests = /_The request's_: ([^:]+):/.exec(paragraph)![1]!;
    const listed = [...requests.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);

    // Assess
    expect(listed.sort()).toEqual([...REQUEST_FAULT_REASONS].sort());
    for (const reason of HOOK_FAILURE_REASONS) expect(paragraph, reason).toContain(`\`${reason}\``);
  });

  it('explain Okta fallback behaviour once, up front', () => {
    // Okta's 2026 hook reference: no retry; a timeout, a non-200 or an error object sends the code through Okta.
    expect(runbook).toMatch(/does not retry it/);
    expect(runbook).toMatch(/\*\*or an answer with Okta's error object\*\*/);
    expect(runbook).toMatch(/its own providers/);
  });

  it('fit CloudWatch 1,024-character limit', () => {
    for (const { name, description } of alarms) expect(description.length, name).toBeLessThanOrEqual(1024);
  });

  it('render anchors the way GitHub does', () => {
    expect(describeAlarm({ users: 'u', firstCheck: 'c', runbookSection: 'API 5xx' })).toContain(
      'Runbook: dashboards/RUNBOOK.md#api-5xx ("API 5xx")',
    );
  });
});
