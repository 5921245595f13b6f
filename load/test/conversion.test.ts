// Principle: a played verification is the event Okta would log for that very user and factor, and which sign-ins
// are played is fixed by the run's seed, whatever order the answers came in.
import { describe, expect, it } from 'vitest';
import { classifyOktaEvent } from '../../service/src/domain/okta-log-event.js';
import type { OutboxMessage } from '../lib/checks.js';
import {
  planVerifications,
  playVerifications,
  type Verification,
  verificationEvent,
  waitForReceipts,
} from '../lib/conversion.js';
import type { JournalEntry } from '../processors/journal.js';
import { CODE_LIFETIME_MS } from '../processors/traffic.js';

const T0 = 1_700_000_000_000;

const answer = (i: number, over: Partial<JournalEntry> = {}): JournalEntry => ({
  at: T0 + i * 10,
  eventId: `e${i}`,
  retry: false,
  channel: i % 5 === 0 ? 'voice' : 'sms',
  requestType: 'mfa-verification',
  userId: `00u${String(i).padStart(17, '0')}`,
  stream: 'normal',
  outcome: 'successful',
  status: 200,
  ms: 5,
  transactionId: `m${i}`,
  ...over,
});

describe('played verifications', () => {
  it('plays the share of the sign-ins answered SUCCESSFUL, chosen by the seed, once per event', () => {
    // Prepare
    const journal = [
      ...Array.from({ length: 100 }, (_, i) => answer(i)),
      answer(3, { retry: true }),
      answer(200, { requestType: 'pre-enrollment' }),
      answer(201, { stream: 'attack' }),
      answer(202, { outcome: 'error', transactionId: undefined, reason: 'PROVIDER_ERROR' }),
      answer(203, { outcome: 'pending' }),
    ];

    // Act
    const plan = planVerifications(journal, 0.3, 'seed', T0);
    const shuffled = planVerifications([...journal].reverse(), 0.3, 'seed', T0);
    const other = planVerifications(journal, 0.3, 'another seed', T0);

    // Assess
    expect(plan).toMatchObject({ share: 0.3, eligible: 100, expired: 0 });
    expect(plan.played).toHaveLength(30);
    expect(new Set(plan.played.map((v) => v.eventId)).size).toBe(30);
    expect(plan.played.every((v) => Number(v.eventId.slice(1)) < 100)).toBe(true);
    expect(new Set(shuffled.played.map((v) => v.eventId))).toEqual(
      new Set(plan.played.map((v) => v.eventId)),
    );
    expect(new Set(other.played.map((v) => v.eventId))).not.toEqual(
      new Set(plan.played.map((v) => v.eventId)),
    );
    const first = plan.played[0]!;
    expect(first).toEqual({
      eventId: first.eventId,
      messageId: `m${first.eventId.slice(1)}`,
      userId: `00u${first.eventId.slice(1).padStart(17, '0')}`,
      channel: Number(first.eventId.slice(1)) % 5 === 0 ? 'voice' : 'sms',
    });
  });

  it('plays none with a share of 0, all with 1, and skips codes that expired before the run got to them', () => {
    // Prepare
    const journal = Array.from({ length: 10 }, (_, i) => answer(i));
    const late = T0 + CODE_LIFETIME_MS - 15_000 + 45;

    // Assess
    expect(planVerifications(journal, 0, 's', T0).played).toEqual([]);
    expect(planVerifications(journal, 1, 's', T0).played).toHaveLength(10);
    // Requested at T0 + i*10 - 5: the first five have less than 15 s left at `late`.
    expect(planVerifications(journal, 1, 's', late)).toMatchObject({ eligible: 10, expired: 5 });
  });

  it("builds Okta's auth_via_mfa SUCCESS for the request's user and the factor of its channel", () => {
    // Prepare
    const sms: Verification = {
      eventId: 'e1',
      messageId: 'm1',
      userId: '00uabcdefghijklmnopq',
      channel: 'sms',
    };

    // Act
    const text = verificationEvent(sms);
    const call = verificationEvent({ ...sms, channel: 'voice' });

    // Assess
    expect(text).toMatchObject({
      eventType: 'user.authentication.auth_via_mfa',
      actor: { id: '00uabcdefghijklmnopq', type: 'User' },
      outcome: { result: 'SUCCESS' },
      debugContext: { debugData: { factor: 'SMS_FACTOR' } },
    });
    expect(classifyOktaEvent(text)).toMatchObject({ kind: 'verified', userId: sms.userId, channel: 'sms' });
    expect(classifyOktaEvent(call)).toMatchObject({ kind: 'verified', userId: sms.userId, channel: 'voice' });
  });

  it('posts the events in batches to /_local/okta-events and counts what the handler did not take', async () => {
    // Prepare
    const verifications = Array.from({ length: 60 }, (_, i) => ({
      eventId: `e${i}`,
      messageId: `m${i}`,
      userId: `00u${i}`,
      channel: 'sms' as const,
    }));
    const posts: Array<{ url: string; events: Array<{ actor: { id: string } }> }> = [];
    const post = (async (url: string, init: RequestInit) => {
      const events = JSON.parse(String(init.body));
      posts.push({ url, events });
      if (posts.length === 2) return Response.json({ delivered: events.length, failed: 1 }, { status: 502 });
      if (posts.length === 3) throw new TypeError('fetch failed');
      return Response.json({ delivered: events.length, failed: 0 });
    }) as typeof fetch;

    // Act
    const result = await playVerifications('http://127.0.0.1:1', verifications, post);

    // Assess
    expect(posts.map((p) => p.events.length)).toEqual([25, 25, 10]);
    expect(posts.every((p) => p.url === 'http://127.0.0.1:1/_local/okta-events')).toBe(true);
    expect(posts.flatMap((p) => p.events.map((e) => e.actor.id)).sort()).toEqual(
      verifications.map((v) => v.userId).sort(),
    );
    expect(result).toMatchObject({ posted: 60, undelivered: 11 });
    expect([...result.errors].sort()).toEqual([
      'HTTP 502: 1 of 25 events failed in the handler',
      'fetch failed',
    ]);
  });

  it('waits for the last receipts, and gives up after the bound', async () => {
    // Prepare
    const message = (events: string[]): OutboxMessage => ({
      messageId: 'm1',
      channel: 'SMS',
      events: events.map((eventType) => ({ eventType, eventTimestamp: 0 })),
    });
    let reads = 0;
    const arriving = async () => [message(++reads >= 3 ? ['TEXT_DELIVERED'] : [])];
    const never = async () => [message([])];

    // Act
    const done = await waitForReceipts(arriving, 2_000, 5);
    const stuck = await waitForReceipts(never, 30, 5);

    // Assess
    expect(done.complete).toBe(true);
    expect(reads).toBe(3);
    expect(stuck.complete).toBe(false);
    expect(stuck.waitedMs).toBeGreaterThanOrEqual(30);
  });
});
