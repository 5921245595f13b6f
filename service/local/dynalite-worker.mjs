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

/** @type {{ persistDir?: string, faults: Int32Array, tables: string[] }} */
const { persistDir, faults, tables } = workerData;

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
  if (latencyMs === 0 && unavailable === 0) return serve(req, res);
  // A fault is set: read the body to know the table, then hand dynalite a replay of the request.
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
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
  if (message !== 'close') return;
  direct.closeAllConnections();
  direct.close();
  server.closeAllConnections?.();
  // dynalite's close also closes its LevelDB store (a persisted one is flushed).
  server.close(() => parentPort.close());
});
