/**
 * Runs inside a function's worker thread: sets nothing itself (the worker's environment is the function's), imports
 * the handler once (the cold start), then answers invocations from the parent thread.
 *
 * Invocations overlap here, as they do in one Lambda Managed Instances environment, so the host does what Lambda's
 * runtime does there: each invocation runs inside its own InvokeStore context (AsyncLocalStorage), which is where
 * Powertools keeps per-invocation state (the logger's Lambda context, the metrics buffer) when
 * `AWS_LAMBDA_MAX_CONCURRENCY` is set. Without it, one invocation's request id showed on another's log lines.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import { lambdaContext } from '../lambda-context.js';
import type { HostRequest, HostResponse } from './protocol.js';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const { handlerUrl, functionName } = workerData as { handlerUrl: string; functionName: string };
const port = parentPort!;

// Before the handler loads, as the runtime creates it before the function's init code runs.
const invokeStore = await InvokeStore.getInstanceAsync();

const module = (await import(handlerUrl)) as { handler?: Handler };
if (typeof module.handler !== 'function') throw new Error(`${handlerUrl} exports no handler`);
const handler = module.handler;

port.on('message', (request: HostRequest) => {
  const context = {
    ...lambdaContext(functionName, request.timeoutMs),
    awsRequestId: request.requestId,
  };
  invokeStore
    .run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: request.requestId }, () =>
      handler(request.event, context),
    )
    .then(
      (result) => port.postMessage({ id: request.id, ok: true, result } satisfies HostResponse),
      (error: unknown) =>
        port.postMessage({
          id: request.id,
          ok: false,
          error: {
            name: error instanceof Error ? error.name : 'Error',
            message: error instanceof Error ? error.message : String(error),
          },
        } satisfies HostResponse),
    );
});
port.postMessage({ ready: true });
