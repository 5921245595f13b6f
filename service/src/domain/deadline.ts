/**
 * One time budget per request. Okta waits 3 s; every downstream call gets only what is left, so the handler
 * always answers before Okta gives up.
 */
export class Deadline {
  readonly #startedAt: number;

  /**
   * @param budgetMs - total budget (default 2,500 ms, always < 3,000)
   * @param now - clock, for tests
   * @param alreadySpentMs - time the request had spent before this handler started (API Gateway, the authorizer)
   */
  constructor(
    public readonly budgetMs: number,
    private readonly now: () => number = () => performance.now(),
    alreadySpentMs = 0,
  ) {
    this.#startedAt = now() - alreadySpentMs;
  }

  /**
   * A budget that started when API Gateway received the request (`requestContext.requestTimeEpoch`), so the
   * authorizer's time and the gateway's count against Okta's 3 s too. Without a usable epoch the budget starts now.
   * A receipt time in the future (clock skew between API Gateway and Lambda) counts as now; one further back than
   * the whole budget still leaves the handler nothing, which is what Okta's clock says too.
   *
   * @param budgetMs - total budget
   * @param receivedAtEpochMs - `requestContext.requestTimeEpoch`, when the event has one
   * @param nowEpochMs - wall clock, for tests
   */
  static since(budgetMs: number, receivedAtEpochMs: unknown, nowEpochMs = Date.now()): Deadline {
    const spent =
      typeof receivedAtEpochMs === 'number' && Number.isFinite(receivedAtEpochMs)
        ? Math.max(0, nowEpochMs - receivedAtEpochMs)
        : 0;
    return new Deadline(budgetMs, undefined, spent);
  }

  /** Milliseconds since the request started. */
  elapsedMs(): number {
    return this.now() - this.#startedAt;
  }

  /** Milliseconds left, never negative. */
  remainingMs(): number {
    return Math.max(0, this.budgetMs - this.elapsedMs());
  }

  /**
   * An AbortSignal that fires when the budget, less `reserveMs`, is spent. The reserve keeps time for what must
   * happen after a failed call: the DLQ write and the answer to Okta.
   *
   * @param reserveMs - time to keep back
   */
  signal(reserveMs = 0): AbortSignal {
    return AbortSignal.timeout(Math.max(1, Math.floor(this.remainingMs() - reserveMs)));
  }
}

/**
 * `work`'s value, or `late` once `ms` have passed, whichever comes first; the timer is cleared either way. `work` goes
 * on after a late answer: what it does then is the caller's to ignore (or to share, if it caches its result).
 *
 * @param work - what is waited for
 * @param ms - the longest wait (negative = none)
 * @param late - the answer when time is up
 */
export async function within<T, L>(work: Promise<T>, ms: number, late: L): Promise<T | L> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeUp = new Promise<L>((resolve) => {
    timer = setTimeout(() => resolve(late), Math.max(0, Math.floor(ms)));
  });
  try {
    return await Promise.race([work, timeUp]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
