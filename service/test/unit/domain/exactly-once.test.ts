// The idempotency policy, with no Lambda plumbing: an in-memory store behind the port, fake sender and DLQ. One code
// per Okta event whatever arrives twice, and whatever part is down.
import { describe, expect, it } from 'vitest';
import { loadFixture, type OktaHookRequestFixture } from '../../../../contracts/fixtures/index.js';
import type { AbuseVerdict } from '../../../src/domain/abuse-guard.js';
import { Deadline } from '../../../src/domain/deadline.js';
import type { DeliveryOutcome, OutboundMessage } from '../../../src/domain/deliver.js';
import type { DlqRecord } from '../../../src/domain/dlq-record.js';
import {
  DuplicateInFlightError,
  deliverExactlyOnce,
  type ExactlyOnceDeps,
  IdempotencyKeyReusedError,
  type IdempotencyPort,
  IdempotencyStoreUnavailableError,
  RecentDeliveries,
} from '../../../src/domain/exactly-once.js';
import { fingerprintKeyFrom, fingerprintOf } from '../../../src/domain/fingerprint.js';
import { type DeliveryRequest, parseHookRequest } from '../../../src/domain/hook-request.js';

/** The store's behaviour for the next calls: run the delivery, or fail the way a store can. */
type StoreMode = 'ok' | 'in-flight' | 'reused' | 'down' | 'down-after-send';

class FakeStore implements IdempotencyPort {
  public mode: StoreMode = 'ok';
  readonly #done = new Map<string, DeliveryOutcome>();

  async once(request: DeliveryRequest, deliver: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
    if (this.mode === 'in-flight') throw new DuplicateInFlightError('in progress');
    if (this.mode === 'reused') throw new IdempotencyKeyReusedError('payload differs');
    if (this.mode === 'down') throw new IdempotencyStoreUnavailableError('TimeoutError');
    const stored = this.#done.get(request.idempotencyKey);
    if (stored) return stored;
    const outcome = await deliver();
    if (this.mode === 'down-after-send') throw new IdempotencyStoreUnavailableError('TimeoutError');
    this.#done.set(request.idempotencyKey, outcome);
    return outcome;
  }
}

function setup() {
  const sent: OutboundMessage[] = [];
  const deadLetters: DlqRecord[] = [];
  const store = new FakeStore();
  /** What the abuse guard answers next, how often it was asked, and how often it gave a request's counts back. */
  const guard = {
    verdict: { verdict: 'allow', allowListed: false } as AbuseVerdict,
    checks: 0,
    givenBack: 0,
  };
  const deps: ExactlyOnceDeps = {
    templates: {
      templates: async () => new Map(),
      routing: async () => ({
        defaultOriginationIdentity: '+12065550100',
        originationIdentities: {},
        allowedCountries: ['US'],
      }),
    },
    sender: {
      send: async (message) => {
        sent.push(message);
        return { messageId: `message-${sent.length}`, attempts: 1 };
      },
    },
    deadLetters: { write: async (record) => void deadLetters.push(record) },
    defaultLocale: 'en',
    guard: {
      check: async () => {
        guard.checks += 1;
        return guard.verdict;
      },
      giveBack: async () => {
        guard.givenBack += 1;
      },
    },
    idempotency: store,
    recent: new RecentDeliveries(),
    pollMs: 10,
  };
  return { sent, deadLetters, store, deps, guard };
}

const fingerprintKey = fingerprintKeyFrom('k'.repeat(32));

async function request(edit?: (p: OktaHookRequestFixture) => void): Promise<DeliveryRequest> {
  const p = loadFixture('request-sms-mfa-verification');
  p.data.messageProfile.otpExpires = new Date(Date.now() + 300_000).toISOString();
  edit?.(p);
  // With its keyed fingerprint, as the handler hands it on.
  const parsed = await parseHookRequest(JSON.stringify(p));
  return { ...parsed, fingerprint: fingerprintOf(parsed, fingerprintKey) };
}

const statusOf = (outcome: DeliveryOutcome) =>
  'commands' in outcome.answer.body ? outcome.answer.body.commands[0]?.value[0]?.status : 'ERROR';

describe('deliverExactlyOnce', () => {
  it('sends once and answers a duplicate with the stored outcome', async () => {
    // Prepare
    const { sent, deps } = setup();
    const first = await request();

    // Act
    const a = await deliverExactlyOnce(first, deps, new Deadline(1_000));
    const b = await deliverExactlyOnce(first, deps, new Deadline(1_000));

    // Assess
    expect(sent).toHaveLength(1);
    expect([a.replay, b.replay]).toEqual([false, true]);
    expect(b.outcome.messageId).toBe(a.outcome.messageId);
  });

  it('waits for a duplicate still in flight until its deadline, then answers PENDING without sending', async () => {
    // Prepare
    const { sent, store, deps } = setup();
    store.mode = 'in-flight';

    // Act
    const started = performance.now();
    const result = await deliverExactlyOnce(await request(), deps, new Deadline(200));

    // Assess
    expect(statusOf(result.outcome)).toBe('PENDING');
    expect(result.replay).toBe(true);
    expect(sent).toHaveLength(0);
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('refuses a key reused with another payload with an error answer and one DLQ record', async () => {
    // Prepare
    const { sent, deadLetters, store, deps } = setup();
    store.mode = 'reused';

    // Act
    const result = await deliverExactlyOnce(await request(), deps, new Deadline(1_000));

    // Assess
    expect(result.outcome.reason).toBe('idempotency_key_reused');
    expect(sent).toHaveLength(0);
    expect(deadLetters).toHaveLength(1);
  });

  it('delivers when the store is down, and says so', async () => {
    // Prepare
    const { sent, store, deps } = setup();
    store.mode = 'down';

    // Act
    const result = await deliverExactlyOnce(await request(), deps, new Deadline(1_000));

    // Assess
    expect(statusOf(result.outcome)).toBe('SUCCESSFUL');
    expect(sent).toHaveLength(1);
    expect(result.storeUnavailable).toEqual({ causeName: 'TimeoutError', delivered: true });
  });

  it('keeps the outcome and does not send again when the store fails after the send', async () => {
    // Prepare
    const { sent, store, deps } = setup();
    store.mode = 'down-after-send';

    // Act
    const result = await deliverExactlyOnce(await request(), deps, new Deadline(1_000));

    // Assess
    expect(sent).toHaveLength(1);
    expect(result).toMatchObject({ replay: false, storeUnavailable: { delivered: true } });
  });

  it('answers a duplicate from what this container delivered while the store is down, without a second send', async () => {
    // Prepare
    const { sent, store, deps } = setup();
    const first = await request();
    store.mode = 'down';
    const a = await deliverExactlyOnce(first, deps, new Deadline(1_000));

    // Act
    const b = await deliverExactlyOnce(first, deps, new Deadline(1_000));

    // Assess
    expect(sent).toHaveLength(1);
    expect(b).toMatchObject({ replay: true, storeUnavailable: { delivered: false } });
    expect(b.outcome.messageId).toBe(a.outcome.messageId);
  });

  it('refuses, while the store is down, an event this container delivered with another code', async () => {
    // Prepare
    const { sent, deadLetters, store, deps } = setup();
    store.mode = 'down';
    await deliverExactlyOnce(await request(), deps, new Deadline(1_000));

    // Act
    const other = await request((p) => {
      p.data.messageProfile.otpCode = '111111';
    });
    const result = await deliverExactlyOnce(other, deps, new Deadline(1_000));

    // Assess
    expect(result.outcome.reason).toBe('idempotency_key_reused');
    expect(sent).toHaveLength(1);
    expect(deadLetters).toHaveLength(1);
  });
});

describe('the abuse guard in the delivery', () => {
  const refused: AbuseVerdict = {
    verdict: 'refuse',
    reason: 'number_10m',
    reasons: ['number_10m', 'user_1h'],
  };

  it('answers a refused request with an error object, sends nothing and dead-letters nothing', async () => {
    // Prepare
    const { sent, deadLetters, deps, guard } = setup();
    guard.verdict = refused;

    // Act
    const { outcome } = await deliverExactlyOnce(await request(), deps, new Deadline(1_000));

    // Assess
    expect(outcome).toMatchObject({
      outcome: 'blocked',
      reason: 'number_10m',
      blockedReasons: ['number_10m', 'user_1h'],
      attempts: 0,
      answer: {
        statusCode: 200,
        body: {
          error: {
            errorSummary: 'The one-time passcode was not sent',
            errorCauses: [{ reason: 'NUMBER_10M', location: 'data.messageProfile.phoneNumber' }],
          },
        },
      },
    });
    expect(sent).toEqual([]);
    expect(deadLetters).toEqual([]);
  });

  it('answers SUCCESSFUL with transactionId blocked-<key> and sends nothing with blockedAnswer pretend-sent', async () => {
    // Prepare
    const { sent, deadLetters, deps, guard } = setup();
    guard.verdict = refused;
    const r = await request();

    // Act
    const { outcome } = await deliverExactlyOnce(
      r,
      { ...deps, blockedAnswer: 'pretend-sent' },
      new Deadline(1_000),
    );

    // Assess
    const body = outcome.answer.body as { commands: Array<{ value: Array<Record<string, string>> }> };
    const action = body.commands[0]!.value[0]!;
    expect(action).toMatchObject({ status: 'SUCCESSFUL', transactionId: `blocked-${r.idempotencyKey}` });
    expect(JSON.parse(action.transactionMetadata!)).toMatchObject({ blocked: 'number_10m', channel: 'sms' });
    expect(outcome.outcome).toBe('blocked');
    expect(sent.length + deadLetters.length).toBe(0);
  });

  it('asks the guard beside the claim and gives a replay its counts back: the duplicate of a refused request gets the stored refusal', async () => {
    // Prepare
    const { deps, guard, sent } = setup();
    guard.verdict = refused;
    const r = await request();
    const first = await deliverExactlyOnce(r, deps, new Deadline(1_000));
    guard.verdict = { verdict: 'allow', allowListed: false };

    // Act
    const again = await deliverExactlyOnce(r, deps, new Deadline(1_000));

    // Assess: the second check ran beside the claim; the replay's counts went back, nothing was sent
    expect(guard.checks).toBe(2);
    expect(guard.givenBack).toBe(1);
    expect(again).toMatchObject({ replay: true, outcome: first.outcome });
    expect(sent).toEqual([]);
  });

  it('keeps the counts of a delivered request', async () => {
    const { deps, guard, sent } = setup();
    await deliverExactlyOnce(await request(), deps, new Deadline(1_000));
    expect(sent).toHaveLength(1);
    expect(guard.givenBack).toBe(0);
  });

  it('answers a number that is not one as invalid, whatever the guard said', async () => {
    const { deps, guard } = setup();
    guard.verdict = refused;
    const { outcome } = await deliverExactlyOnce(
      await request((p) => (p.data.messageProfile.phoneNumber = 'abc')),
      deps,
      new Deadline(1_000),
    );
    expect(outcome.reason).toBe('invalid_phone_number');
  });

  it('delivers when the guard is unavailable and marks the outcome with the cause', async () => {
    // Prepare
    const { sent, deps, guard } = setup();
    guard.verdict = { verdict: 'unavailable', causeName: 'TimeoutError' };

    // Act
    const { outcome } = await deliverExactlyOnce(await request(), deps, new Deadline(1_000));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'delivered', guardUnavailable: 'TimeoutError' });
    expect(sent).toHaveLength(1);
  });

  it('answers a refusal even for a destination routing would refuse, so pumping leaves no DLQ record', async () => {
    // Prepare: routing allows only US; the number is British.
    const { deadLetters, deps, guard } = setup();
    guard.verdict = refused;

    // Act
    const { outcome } = await deliverExactlyOnce(
      await request((p) => (p.data.messageProfile.phoneNumber = '+447700123456')),
      deps,
      new Deadline(1_000),
    );

    // Assess
    expect(outcome.outcome).toBe('blocked');
    expect(deadLetters).toEqual([]);
  });
});

describe('RecentDeliveries', () => {
  it('forgets a delivery when its code expires, and the oldest first when full', async () => {
    // Prepare
    let now = 0;
    const recent = new RecentDeliveries(2, () => now);
    const outcome = Promise.resolve({} as DeliveryOutcome);
    const a = { ...(await request()), idempotencyKey: 'a', ttlSeconds: 60 };

    // Act
    recent.remember(a, outcome);
    recent.remember({ ...a, idempotencyKey: 'b' }, outcome);
    recent.remember({ ...a, idempotencyKey: 'c' }, outcome);

    // Assess
    expect(recent.find('a')).toBeUndefined();
    expect(recent.find('b')).toBeDefined();
    now = 60_000;
    expect(recent.find('c')).toBeUndefined();
  });
});
