/** Messages between the local gateway and a function's worker thread. */

/** One invocation. */
export type HostRequest = { id: number; requestId: string; event: unknown; timeoutMs: number };

/** Its outcome: the handler's result, or what it threw (name and message only). */
export type HostResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; message: string } };
