/**
 * Runs inside a function's worker thread: sets nothing itself (the worker's environment is the function's), imports
 * the handler once (the cold start), then answers invocations from the parent thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lambdaContext } from '../lambda-context.js';
import type { HostRequest, HostResponse } from './protocol.js';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const { handlerUrl, functionName } = workerData as { handlerUrl: string; functionName: string };
const port = parentPort!;

const module = (await import(handlerUrl)) as { handler?: Handler };
if (typeof module.handler !== 'function') throw new Error(`${handlerUrl} exports no handler`);
const handler = module.handler;

port.on('message', (request: HostRequest) => {
  const context = {
    ...lambdaContext(functionName, request.timeoutMs),
    awsRequestId: request.requestId,
  };
  handler(request.event, context).then(
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
