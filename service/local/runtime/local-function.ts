import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { HostRequest, HostResponse } from './protocol.js';

/** A function invocation that failed: the handler threw, timed out, or the function could not start. */
export class InvocationError extends Error {
  public override readonly name = 'InvocationError';
  constructor(
    public readonly kind: 'handler' | 'timeout' | 'crashed',
    /** For `handler`: what the handler threw (`Unauthorized` from an authorizer). */
    public readonly errorMessage: string,
  ) {
    super(`${kind}: ${errorMessage}`);
  }
}

/** Settings of {@link LocalFunction}. */
export type LocalFunctionOptions = {
  /** e.g. `deliver-otp`: the log prefix and the context's `functionName`. */
  name: string;
  /** The handler module (a `file:` URL to a `.ts` file exporting `handler`). */
  handlerUrl: URL;
  /** The function's environment (merged over the parent's, as Lambda merges over its runtime's). */
  env: Record<string, string>;
  /** The function timeout. */
  timeoutMs: number;
  /** Receives each line the function writes to stdout or stderr. */
  onLine: (functionName: string, line: string, stream: 'stdout' | 'stderr') => void;
};

function splitLines(stream: Readable, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim()) onLine(line);
      newline = pending.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (pending.trim()) onLine(pending);
  });
}

/**
 * One local "Lambda": the real handler module loaded in its own worker thread, so it has its own module state,
 * environment (read once at cold start) and stdout, as a separate function would. Invocations run concurrently, each
 * in its own InvokeStore context (see function-host.ts).
 */
export class LocalFunction {
  readonly name: string;
  readonly timeoutMs: number;
  #worker?: Worker;
  #nextId = 1;
  #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #failure?: string;
  readonly #options: LocalFunctionOptions;

  constructor(options: LocalFunctionOptions) {
    this.name = options.name;
    this.timeoutMs = options.timeoutMs;
    this.#options = options;
  }

  /** Starts the worker and waits for the handler module to load (the cold start's init phase). */
  async start(): Promise<void> {
    const worker = new Worker(new URL('./function-worker.mjs', import.meta.url), {
      workerData: {
        hostUrl: new URL('./function-host.ts', import.meta.url).href,
        handlerUrl: this.#options.handlerUrl.href,
        functionName: this.name,
      },
      // Invocations overlap in this one environment, as in Lambda Managed Instances: the variable tells Powertools
      // to keep per-invocation state in the host's InvokeStore. Its value (a concurrency cap) is not enforced here.
      env: { ...process.env, ...this.#options.env, AWS_LAMBDA_MAX_CONCURRENCY: '64' },
      stdout: true,
      stderr: true,
    });
    this.#worker = worker;
    splitLines(worker.stdout, (line) => this.#options.onLine(this.name, line, 'stdout'));
    splitLines(worker.stderr, (line) => this.#options.onLine(this.name, line, 'stderr'));
    worker.unref();
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        this.#fail(error.message);
        reject(new Error(`${this.name} failed to start: ${error.message}`));
      };
      worker.once('error', onError);
      worker.once('message', () => {
        worker.off('error', onError);
        worker.on('error', (error) => this.#fail(error.message));
        worker.on('message', (message: HostResponse) => this.#settle(message));
        resolve();
      });
    });
    worker.on('exit', () => this.#fail('the function exited'));
  }

  /** True once the handler module has loaded and the worker is alive. */
  ready(): boolean {
    return this.#worker !== undefined && this.#failure === undefined;
  }

  /**
   * Invokes the handler with an event and a Lambda-like context.
   *
   * @param event - the event
   * @returns the handler's result; throws {@link InvocationError} when it threw, timed out or crashed
   */
  invoke<T>(event: unknown): Promise<T> {
    const worker = this.#worker;
    if (!worker || this.#failure) {
      return Promise.reject(new InvocationError('crashed', this.#failure ?? 'not started'));
    }
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        this.#options.onLine(
          this.name,
          `Task timed out after ${(this.timeoutMs / 1000).toFixed(2)} seconds`,
          'stderr',
        );
        reject(new InvocationError('timeout', 'Task timed out'));
      }, this.timeoutMs);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      const request: HostRequest = { id, requestId: randomUUID(), event, timeoutMs: this.timeoutMs };
      worker.postMessage(request);
    });
  }

  /** Stops the worker; pending invocations fail. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#fail('the function was stopped');
    await worker?.terminate();
  }

  #settle(message: HostResponse): void {
    const pending = this.#pending.get(message.id);
    if (!pending) return; // timed out already
    this.#pending.delete(message.id);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new InvocationError('handler', message.error.message));
  }

  #fail(reason: string): void {
    this.#failure ??= reason;
    for (const pending of this.#pending.values()) pending.reject(new InvocationError('crashed', reason));
    this.#pending.clear();
  }
}
