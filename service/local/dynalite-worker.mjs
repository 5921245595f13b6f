// dynalite in a worker thread of its own, for the local stack: DynamoDB's work (request validation, expression
// parsing, LevelDB) runs beside the stack's main thread, which serves the gateway and the other stand-ins, as
// DynamoDB is a service of its own in AWS. The stack's faults reach it through shared memory (read at each request,
// so a fault set before a call is in force for that call): see `startDynaliteThread` in dynalite.ts.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite');

/**
 * @type {{ persistDir?: string, faults: Int32Array, tables: string[],
 *   iam?: { roles: object, keySchemas: object, faults: Int32Array, faultBytes: Uint8Array } }}
 */
const { persistDir, faults, tables, iam } = workerData;

// The local IAM (TypeScript, shared with the stack's main thread): each function's calls against its role's policy.
let authorizeCall;
let dynamoRequests;
if (iam) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ authorizeCall } = await import(new URL('./iam/local-iam.ts', import.meta.url).href));
  ({ dynamoRequests } = await import(new URL('./iam/dynamodb-requests.ts', import.meta.url).href));
}

/** The `iam` faults as last read from shared memory: [version, byte length] then the JSON. */
let iamFaults = { version: -1, list: [] };
function currentIamFaults() {
  // A seqlock: the bytes are read again if the version moved while they were copied (a fault set meanwhile).
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const version = Atomics.load(iam.faults, 0);
    if (version === iamFaults.version) return iamFaults.list;
    const length = Atomics.load(iam.faults, 1);
    const text = Buffer.from(iam.faultBytes.slice(0, length)).toString('utf8');
    if (Atomics.load(iam.faults, 0) !== version) continue;
    try {
      iamFaults = { version, list: text ? JSON.parse(text) : [] };
    } catch {
      continue;
    }
    return iamFaults.list;
  }
  return iamFaults.list;
}

/** What each function's calls were allowed: function → set of `action resource` (for `GET /_local/iam`). */
const used = new Map();

/** AccessDenied as DynamoDB answers it (HTTP 400, JSON 1.0), or nothing when IAM allows the call. */
function refusal(req, body) {
  if (!iam) return undefined;
  let input;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined; // dynalite answers the malformed body itself
  }
  const target = String(req.headers['x-amz-target'] ?? '');
  const requests = dynamoRequests(target, input, iam.keySchemas);
  const decision = authorizeCall(iam.roles, currentIamFaults(), req.headers.authorization, requests);
  if (decision.allowed) {
    if (decision.function) {
      const calls = used.get(decision.function) ?? new Set();
      for (const request of requests) calls.add(`${request.action} ${request.resource}`);
      used.set(decision.function, calls);
    }
    return undefined;
  }
  parentPort.postMessage({ denied: `${decision.function}: AccessDeniedException: ${decision.message}` });
  return decision.message;
}

const server = dynalite({
  createTableMs: 0,
  deleteTableMs: 0,
  updateTableMs: 0,
  ...(persistDir ? { path: persistDir } : {}),
});
const [serve] = server.listeners('request');
server.removeAllListeners('request');
// The same tables without the faults, for the harness to seed and inspect (tests, the stack itself).
const direct = createServer(serve);
// dynalite's handler rethrows a request stream's error (a client that aborts mid-body): that is the client's
// problem, not a reason for the tables' thread to die.
process.on('uncaughtException', (error) => {
  parentPort.postMessage({ problem: `dynalite: ${error?.message ?? error}` });
});
server.on('request', (req, res) => {
  const latencyMs = Atomics.load(faults, 0);
  const unavailable = Atomics.load(faults, 1);
  if (latencyMs === 0 && unavailable === 0 && !iam) return serve(req, res);
  // A fault is set, or IAM checks the call: read the body to know the table, then hand dynalite a replay of it.
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    const denied = refusal(req, body);
    if (denied) {
      res.writeHead(400, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': `local-${Date.now().toString(36)}`,
      });
      return void res.end(
        JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', Message: denied }),
      );
    }
    if (unavailable !== 0) {
      let table;
      try {
        table = JSON.parse(body.toString('utf8')).TableName;
      } catch {
        table = undefined;
      }
      const index = tables.indexOf(table);
      // "Unreachable": the connection drops, as with a network fault; the other tables stay up.
      if (index >= 0 && (unavailable & (1 << index)) !== 0) return void req.socket.destroy();
    }
    // A slow table still does the work, even for a client that gave up waiting: a timed-out write may land.
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs).unref());
    const replay = Object.assign(new PassThrough(), {
      headers: req.headers,
      method: req.method,
      url: req.url,
    });
    serve(replay, res);
    replay.end(body);
  });
});
const listening = (s) => new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s.address().port)));
const [port, directPort] = await Promise.all([listening(server), listening(direct)]);
parentPort.postMessage({
  endpoint: `http://127.0.0.1:${port}`,
  directEndpoint: `http://127.0.0.1:${directPort}`,
});
parentPort.on('message', (message) => {
  if (message === 'iam-usage') {
    parentPort.postMessage({
      iamUsage: Object.fromEntries([...used].map(([fn, calls]) => [fn, [...calls]])),
    });
    return;
  }
  if (message !== 'close') return;
  direct.closeAllConnections();
  direct.close();
  server.closeAllConnections?.();
  // dynalite's close also closes its LevelDB store (a persisted one is flushed).
  server.close(() => parentPort.close());
});
