// Boots one local "Lambda" in a worker thread: registers tsx (the handlers are TypeScript) and loads the host.
// A worker per function gives each its own module graph, environment and cold start, as separate Lambdas have.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.hostUrl);
