/**
 * The idempotency policy of a delivery: one code per Okta event, whatever arrives twice and whatever is down.
 * The store behind {@link IdempotencyPort} (Powertools on DynamoDB in AWS) is an adapter; the rules are here.
 */
import { type Deadline, sleep } from './deadline.js';
import { type DeliveryDeps, type DeliveryOutcome, deliverOtp, failDelivery } from './deliver.js';
import { UndeliverableError } from './errors.js';
import type { DeliveryRequest } from './hook-request.js';
import { commandsAnswer } from './okta-response.js';

/** Another invocation holds the key and has not finished. */
export class DuplicateInFlightError extends Error {
  public override readonly name = 'DuplicateInFlightError';
}

/** The key was used before with another payload (another number or code). */
export class IdempotencyKeyReusedError extends Error {
  public override readonly name = 'IdempotencyKeyReusedError';
}

/** The store could not be read or written; `causeName` says why (e.g. `TimeoutError`). */
export class IdempotencyStoreUnavailableError extends Error {
  public override readonly name = 'IdempotencyStoreUnavailableError';
  constructor(
    public readonly causeName: string,
    options?: { cause?: unknown },
  ) {
    super(`The idempotency store is unavailable (${causeName})`, options);
  }
}

/**
 * Port: the idempotency store. `once` runs `deliver` at most once per `request.idempotencyKey` and resolves its
 * outcome, or the stored outcome of an earlier run. It throws {@link DuplicateInFlightError},
 * {@link IdempotencyKeyReusedError} or {@link IdempotencyStoreUnavailableError}; the last one also when the store
 * fails after `deliver` ran (the caller knows whether it did).
 */
export interface IdempotencyPort {
  once(request: DeliveryRequest, deliver: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome>;
}

type Recent = { fingerprint: string | undefined; expiresAt: number; outcome: Promise<DeliveryOutcome> };

/**
 * What this container delivered recently, for as long as each code lives: the fallback that keeps a duplicate from
 * sending again while the store is unreachable. Bounded; the oldest entries go first.
 */
export class RecentDeliveries {
  readonly #entries = new Map<string, Recent>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  remember(request: DeliveryRequest, outcome: Promise<DeliveryOutcome>): void {
    this.#entries.delete(request.idempotencyKey);
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(request.idempotencyKey, {
      fingerprint: request.fingerprint,
      expiresAt: this.now() + request.ttlSeconds * 1000,
      outcome,
    });
  }

  find(key: string): Recent | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

/** Dependencies of {@link deliverExactlyOnce}. */
export type ExactlyOnceDeps = DeliveryDeps & {
  idempotency: IdempotencyPort;
  recent: RecentDeliveries;
  /** How often a duplicate looks again for the first request's outcome. @default 40 */
  pollMs?: number;
};

/** A delivery's outcome and how it came about. */
export type ExactlyOnceResult = {
  outcome: DeliveryOutcome;
  /** Answered without sending: a duplicate. */
  replay: boolean;
  /** Set when the store failed; `delivered` says whether the code went out all the same. */
  storeUnavailable?: { causeName: string; delivered: boolean };
};

function pendingOutcome(request: DeliveryRequest, deadline: Deadline): DeliveryOutcome {
  const answer = commandsAnswer('PENDING', request.idempotencyKey, {
    channel: request.channel,
    ...(request.country ? { country: request.country } : {}),
    durationMs: deadline.elapsedMs(),
  });
  return { answer, outcome: 'pending', channel: request.channel, attempts: 0 };
}

/** Resolves the outcome, or undefined when the deadline (less one poll) comes first. */
async function outcomeBefore(
  outcome: Promise<DeliveryOutcome>,
  deadline: Deadline,
  pollMs: number,
): Promise<DeliveryOutcome | undefined> {
  const timeUp = sleep(Math.max(0, deadline.remainingMs() - pollMs * 2)).then(() => undefined);
  return Promise.race([outcome, timeUp]);
}

/**
 * Delivers at most once per idempotency key:
 * - a duplicate of a finished request gets the stored answer, and nothing is sent;
 * - a duplicate of one still in flight waits for it until the deadline, then answers PENDING;
 * - a key reused with another number or code is refused (Okta error object, DLQ record), never replayed;
 * - when the store is down, the code is delivered anyway (a sign-in beats a theoretical duplicate), unless this
 *   container already delivered the same event, whose outcome is then the answer.
 *
 * @param request - the validated request
 * @param deps - the delivery's ports, the idempotency store and the container's recent deliveries
 * @param deadline - the request's budget
 */
export async function deliverExactlyOnce(
  request: DeliveryRequest,
  deps: ExactlyOnceDeps,
  deadline: Deadline,
): Promise<ExactlyOnceResult> {
  const pollMs = deps.pollMs ?? 40;
  let run: Promise<DeliveryOutcome> | undefined;
  // The guard counts beside the idempotency claim: one stage for both, not two. A request that turns out not to be
  // delivered here (a replay, a duplicate in flight, a reused key) gets its counts back before it is answered.
  const judged = deps.guard.check(request);
  judged.catch(() => undefined);
  const guarded: DeliveryDeps = { ...deps, guard: { check: () => judged } };
  const notDelivered = async <T>(result: T): Promise<T> => {
    if (!run) await judged.then(() => deps.guard.giveBack?.(request)).catch(() => undefined);
    return result;
  };
  const deliver = () => {
    run = deliverOtp(request, guarded, deadline);
    deps.recent.remember(request, run);
    return run;
  };
  for (;;) {
    try {
      const outcome = await deps.idempotency.once(request, deliver);
      return notDelivered({ outcome, replay: run === undefined });
    } catch (error) {
      if (error instanceof DuplicateInFlightError) {
        if (deadline.remainingMs() > pollMs * 2) {
          await sleep(pollMs);
          continue;
        }
        return notDelivered({ outcome: pendingOutcome(request, deadline), replay: true });
      }
      if (error instanceof IdempotencyKeyReusedError) {
        const refused = new UndeliverableError(
          'idempotency_key_reused',
          'The idempotency key was reused with another payload',
        );
        return notDelivered({ outcome: await failDelivery(request, refused, deps, deadline), replay: false });
      }
      if (!(error instanceof IdempotencyStoreUnavailableError)) throw error;
      const storeUnavailable = { causeName: error.causeName };
      // The store failed after the send: the outcome stands (a failed delivery rethrows its own error).
      if (run)
        return {
          outcome: await run,
          replay: false,
          storeUnavailable: { ...storeUnavailable, delivered: true },
        };
      const earlier = deps.recent.find(request.idempotencyKey);
      if (earlier && earlier.fingerprint !== request.fingerprint) {
        const refused = new UndeliverableError(
          'idempotency_key_reused',
          'The idempotency key was reused with another payload',
        );
        const outcome = await failDelivery(request, refused, deps, deadline);
        return notDelivered({
          outcome,
          replay: false,
          storeUnavailable: { ...storeUnavailable, delivered: false },
        });
      }
      if (earlier) {
        const outcome =
          (await outcomeBefore(earlier.outcome, deadline, pollMs)) ?? pendingOutcome(request, deadline);
        return notDelivered({
          outcome,
          replay: true,
          storeUnavailable: { ...storeUnavailable, delivered: false },
        });
      }
      const outcome = await deliver();
      return { outcome, replay: false, storeUnavailable: { ...storeUnavailable, delivered: true } };
    }
  }
}
