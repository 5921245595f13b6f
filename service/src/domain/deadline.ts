/**
 * One time budget per request. Okta waits 3 s; every downstream call gets only what is left, so the handler
 * always answers before Okta gives up.
 */
export class Deadline {
  readonly #startedAt: number;

  /**
   * @param budgetMs - total budget from handler start (default 2,500 ms, always < 3,000)
   * @param now - clock, for tests
   */
  constructor(
    public readonly budgetMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#startedAt = now();
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
