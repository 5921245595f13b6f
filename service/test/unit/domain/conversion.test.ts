// The conversion rules without DynamoDB: how a settled code counts, what the sweep does with each message, which Okta
// event can be about which code, the order of a deny, and settlement resumed after it stopped at each step (the store
// is an in-memory fake that keeps the adapter's promises: each write once, tokens recognised).
import { describe, expect, it } from 'vitest';
import {
  countDecision,
  countedFor,
  creditVerification,
  eventIsAboutCode,
  finishSettlement,
  judgePrefix,
  type LatestPointer,
  lowConversion,
  messageToken,
  type PrefixHour,
  RECREDIT_WINDOW_SECONDS,
  type SettleWrite,
  type SettlingMessage,
  SIGNAL_WAIT_SECONDS,
  settleMessage,
  settlementIsFinal,
  signalCovers,
  sweepAction,
  type VerificationStore,
} from '../../../src/domain/conversion.js';
import { type MessageFeedback, VERIFICATION_GRACE_SECONDS } from '../../../src/domain/message-table.js';

const NOW = Date.UTC(2026, 11, 1, 10, 30);
const SETTINGS = { minSends: 20, maxRate: 0.1, denyHours: 12 };

const message = (edit: Partial<SettlingMessage> = {}): SettlingMessage => ({
  messageId: 'm-1',
  requestType: 'com.okta.user.telephony.mfa-verification',
  channel: 'sms',
  country: 'US',
  prefix: '+14155550',
  sentAt: NOW - 10 * 60_000,
  codeExpiresAt: Math.floor((NOW - 5 * 60_000) / 1000),
  sweepBucket: 'pending#2026-12-01T10',
  ...edit,
});

/** The messages table as the adapter promises it, in memory; `failOn` throws once at a named step. */
class FakeStore implements VerificationStore {
  messages = new Map<string, SettlingMessage & { settledBy?: string }>();
  counters = new Map<string, PrefixHour & { seen: Set<string>; used: Set<string> }>();
  pointers = new Map<string, LatestPointer>();
  handled = new Set<string>();
  failOn: Set<'count' | 'finish' | 'mark'> = new Set();
  calls: string[] = [];

  #fail(step: 'count' | 'finish' | 'mark') {
    this.calls.push(step);
    if (this.failOn.delete(step)) throw new Error(`injected: ${step}`);
  }

  async message(id: string) {
    const found = this.messages.get(id);
    return found ? { ...found } : undefined;
  }

  async settle(id: string, feedback: MessageFeedback, token: string): Promise<SettleWrite> {
    const m = this.messages.get(id);
    if (!m || m.sentAt === undefined) return { kind: 'unknown' };
    if (!m.feedback || m.settledBy === token || (feedback === 'RECEIVED' && m.feedback === 'FAILED')) {
      Object.assign(m, { feedback, settledBy: token });
      return { kind: 'settled', message: { ...m } };
    }
    return { kind: 'found', message: { ...m } };
  }

  async count(prefix: string, sentAtMs: number, token: string, outcome: MessageFeedback) {
    this.#fail('count');
    const key = `${prefix}#${new Date(sentAtMs).toISOString().slice(0, 13)}`;
    const c = this.counters.get(key) ?? { settled: 0, converted: 0, seen: new Set(), used: new Set() };
    this.counters.set(key, c);
    if (!c.seen.has(token)) {
      c.seen.add(token);
      c.settled += 1;
      if (outcome === 'RECEIVED') {
        c.used.add(token);
        c.converted += 1;
      }
    } else if (outcome === 'RECEIVED' && !c.used.has(token)) {
      c.used.add(token);
      c.converted += 1;
    }
    return { settled: c.settled, converted: c.converted, ...(c.deniedAt ? { deniedAt: c.deniedAt } : {}) };
  }

  async finish(
    id: string,
    step: {
      feedback: MessageFeedback;
      countedAs: SettlingMessage['countedAs'];
      feedbackPut: MessageFeedback;
      final: boolean;
    },
  ) {
    this.#fail('finish');
    const m = this.messages.get(id);
    if (!m || m.feedback !== step.feedback) return;
    Object.assign(m, { countedAs: step.countedAs, feedbackPut: step.feedbackPut });
    if (step.final) {
      delete m.prefix;
      delete m.sweepBucket;
    }
  }

  async markPrefixDenied() {
    this.#fail('mark');
    return true;
  }

  async latest(userId: string, channel: string) {
    return this.pointers.get(`${userId}#${channel}`);
  }

  async eventHandled(uuid: string) {
    return this.handled.has(uuid);
  }

  async markEventHandled(uuid: string) {
    this.handled.add(uuid);
  }
}

function deps(store = new FakeStore()) {
  const feedback: Array<[string, MessageFeedback]> = [];
  return {
    store,
    feedback: {
      put: async (id: string, fb: MessageFeedback) => {
        feedback.push([id, fb]);
        return { ok: true };
      },
    },
    puts: feedback,
    now: () => NOW,
  };
}

const counter = (store: FakeStore) => [...store.counters.values()][0];

describe('how a settled code counts', () => {
  it('counts a used code, an unused one only with Okta evidence past its expiry, and never an undelivered one', () => {
    const expiryMs = (message().codeExpiresAt as number) * 1000;
    expect(countDecision(message(), 'RECEIVED', undefined)).toEqual({
      outcome: 'RECEIVED',
      countedAs: 'RECEIVED',
    });
    expect(countDecision(message(), 'FAILED', expiryMs)).toEqual({ outcome: 'FAILED', countedAs: 'FAILED' });
    expect(countDecision(message(), 'FAILED', expiryMs - 1)).toEqual({ countedAs: 'FAILED:unjudged' });
    expect(countDecision(message(), 'FAILED', undefined)).toEqual({ countedAs: 'FAILED:unjudged' });
    expect(
      countDecision(
        message({ deliveryFinal: true, deliveryStatus: 'carrier_unreachable' }),
        'FAILED',
        expiryMs,
      ),
    ).toEqual({ countedAs: 'FAILED:undelivered' });
  });

  it('never counts password resets, account unlocks, or a message without a prefix', () => {
    for (const requestType of [
      'com.okta.user.telephony.password-reset',
      'com.okta.user.telephony.account-unlock',
    ]) {
      expect(countDecision(message({ requestType }), 'RECEIVED', NOW)).toEqual({
        countedAs: 'RECEIVED:uncounted',
      });
    }
    expect(countDecision(message({ prefix: undefined }), 'FAILED', NOW)).toEqual({
      countedAs: 'FAILED:uncounted',
    });
    expect(countedFor('FAILED:unjudged')).toBe('FAILED');
  });

  it('judges the rate at the thresholds, and never with the signal off', () => {
    expect(lowConversion({ settled: 20, converted: 2 }, SETTINGS)).toBe(true);
    expect(lowConversion({ settled: 20, converted: 3 }, SETTINGS)).toBe(false);
    expect(lowConversion({ settled: 19, converted: 0 }, SETTINGS)).toBe(false);
    expect(lowConversion({ settled: 500, converted: 0 }, { ...SETTINGS, minSends: 0 })).toBe(false);
  });
});

describe("the sweep's choice", () => {
  const expiry = message().codeExpiresAt as number;
  const covered = expiry * 1000;

  it('settles an expired code once Okta is heard from past its expiry, and waits for Okta before that', () => {
    expect(sweepAction(message(), NOW, covered)).toBe('settle');
    expect(sweepAction(message(), NOW, covered - 1)).toBe('defer');
    expect(sweepAction(message(), NOW, undefined)).toBe('defer');
  });

  it('stops waiting for Okta after the signal wait, and then settles (without counting)', () => {
    const waited = (expiry + VERIFICATION_GRACE_SECONDS + SIGNAL_WAIT_SECONDS) * 1000;
    expect(sweepAction(message(), waited - 1, undefined)).toBe('defer');
    expect(sweepAction(message(), waited, undefined)).toBe('settle');
  });

  it('resumes an unfinished settlement, leaves a FAILED in its re-credit window, and drops it after', () => {
    const failed = message({ feedback: 'FAILED', countedAs: 'FAILED', feedbackPut: 'FAILED' });
    const windowEnd = (expiry + VERIFICATION_GRACE_SECONDS + RECREDIT_WINDOW_SECONDS) * 1000;
    expect(sweepAction(message({ feedback: 'FAILED' }), NOW, covered)).toBe('resume');
    expect(
      sweepAction(
        message({ feedback: 'RECEIVED', countedAs: 'FAILED', feedbackPut: 'FAILED' }),
        NOW,
        covered,
      ),
    ).toBe('resume');
    expect(sweepAction(failed, windowEnd - 1, covered)).toBe('none');
    expect(sweepAction(failed, windowEnd, covered)).toBe('resume');
    expect(settlementIsFinal(failed, 'FAILED', windowEnd)).toBe(true);
  });

  it('needs no evidence to settle a code that is never counted', () => {
    const reset = message({ requestType: 'com.okta.user.telephony.password-reset' });
    expect(sweepAction(reset, NOW, undefined)).toBe('settle');
  });
});

describe('which code an Okta event is about', () => {
  const code = { sentAt: NOW, codeExpiresAt: Math.floor(NOW / 1000) + 300 };

  it('is about a code it was published after (less two seconds of skew) and before the code expired (plus the grace)', () => {
    expect(eventIsAboutCode(NOW + 20_000, code)).toBe(true);
    expect(eventIsAboutCode(NOW - 2_000, code)).toBe(true);
    expect(eventIsAboutCode(NOW - 2_001, code)).toBe(false);
    expect(eventIsAboutCode((code.codeExpiresAt + VERIFICATION_GRACE_SECONDS) * 1000, code)).toBe(true);
    expect(eventIsAboutCode((code.codeExpiresAt + VERIFICATION_GRACE_SECONDS) * 1000 + 1, code)).toBe(false);
    expect(signalCovers(undefined, 1)).toBe(false);
  });

  it('credits the latest code once per event uuid, and not a code sent after the event', async () => {
    // Prepare
    const d = deps();
    d.store.messages.set('m-1', message({ sentAt: NOW - 60_000 }));
    d.store.pointers.set('00uA#sms', {
      messageId: 'm-1',
      sentAt: NOW - 60_000,
      codeExpiresAt: Math.floor(NOW / 1000),
    });
    const event = { uuid: 'e-1', userId: '00uA', channel: 'sms' as const, publishedMs: NOW - 30_000 };

    // Act
    const first = await creditVerification(event, d);
    const again = await creditVerification(event, d);
    const before = await creditVerification({ ...event, uuid: 'e-2', publishedMs: NOW - 90_000 }, d);

    // Assess
    expect(first.kind).toBe('settled');
    expect(again.kind).toBe('duplicate');
    expect(before).toEqual({ kind: 'not-about-code', messageId: 'm-1' });
    expect(counter(d.store)).toMatchObject({ settled: 1, converted: 1 });
  });
});

describe('a settlement that stops between its steps', () => {
  it.each(['count', 'finish'] as const)(
    'is finished exactly once by a retry when the %s step fails',
    async (step) => {
      // Prepare
      const d = deps();
      d.store.messages.set('m-1', message());
      d.store.failOn.add(step);
      const covered = (message().codeExpiresAt as number) * 1000;

      // Act
      await expect(settleMessage('m-1', 'FAILED', d, covered)).rejects.toThrow('injected');
      const retry = await settleMessage('m-1', 'FAILED', d, covered);
      const third = await settleMessage('m-1', 'FAILED', d, covered);

      // Assess
      expect(retry.kind).toBe('resumed');
      expect(third.kind).toBe('already');
      expect(counter(d.store)).toMatchObject({ settled: 1, converted: 0 });
      expect(d.store.messages.get('m-1')).toMatchObject({
        feedback: 'FAILED',
        countedAs: 'FAILED',
        feedbackPut: 'FAILED',
      });
    },
  );

  it('re-credits a FAILED with a late RECEIVED: converted once, End User Messaging told, final', async () => {
    // Prepare
    const d = deps();
    d.store.messages.set('m-1', message());
    const covered = (message().codeExpiresAt as number) * 1000;
    await settleMessage('m-1', 'FAILED', d, covered);

    // Act
    const late = await settleMessage('m-1', 'RECEIVED', d, undefined);

    // Assess
    expect(late).toMatchObject({ kind: 'settled', recredited: true });
    expect(counter(d.store)).toMatchObject({ settled: 1, converted: 1 });
    expect(d.puts).toEqual([
      ['m-1', 'FAILED'],
      ['m-1', 'RECEIVED'],
    ]);
    expect(d.store.messages.get('m-1')?.prefix).toBeUndefined();
  });

  it('finishes without writing again when nothing is left to do', async () => {
    // Prepare
    const d = deps();
    const done = message({
      feedback: 'RECEIVED',
      countedAs: 'RECEIVED',
      feedbackPut: 'RECEIVED',
      prefix: undefined,
      sweepBucket: undefined,
    });

    // Act
    await finishSettlement(done, d, undefined);

    // Assess
    expect(d.store.calls).toEqual([]);
    expect(d.puts).toEqual([]);
  });
});

describe('a low-conversion deny', () => {
  it('writes the deny entry before the mark, so a failure between them leaves a deny written, not a deny lost', async () => {
    // Prepare
    const store = new FakeStore();
    store.failOn.add('mark');
    const entries: string[] = [];
    const denyList = {
      denyLowConversion: async (prefix: string) => {
        entries.push(prefix);
      },
    };

    // Act
    const judged = judgePrefix(
      '+4479001',
      NOW,
      { settled: 20, converted: 1 },
      {
        store,
        denyList,
        settings: SETTINGS,
        now: () => NOW,
      },
    );

    // Assess
    await expect(judged).rejects.toThrow('injected');
    expect(entries).toEqual(['+4479001']);
  });

  it('denies once per prefix and hour, and leaves a converting prefix alone', async () => {
    const store = new FakeStore();
    const deny = (_written: boolean) => ({ denyLowConversion: async () => {} });
    const base = { store, settings: SETTINGS, now: () => NOW };
    expect(
      await judgePrefix('+1', NOW, { settled: 20, converted: 5 }, { ...base, denyList: deny(true) }),
    ).toEqual({
      kind: 'fine',
    });
    expect(
      await judgePrefix(
        '+1',
        NOW,
        { settled: 20, converted: 0, deniedAt: NOW },
        { ...base, denyList: deny(true) },
      ),
    ).toEqual({ kind: 'already-denied' });
    expect(
      await judgePrefix('+1', NOW, { settled: 20, converted: 0 }, { ...base, denyList: deny(true) }),
    ).toMatchObject({
      kind: 'denied',
      expiresAt: Math.floor(NOW / 1000) + 12 * 3600,
    });
    expect(messageToken('m-1')).toHaveLength(12);
  });
});
