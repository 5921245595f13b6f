/**
 * dynalite (the DynamoDB API over HTTP, on LevelDB) for the local stack, the tests and the benchmark, plus the
 * tables the service needs, created and seeded with the real SDK.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TemplateItem } from '../src/adapters/template-seed.js';
import { MESSAGES_TABLE } from '../src/domain/message-table.js';
import type { LocalFunctionName } from './function-env.js';
import type { KeySchemas } from './iam/dynamodb-requests.js';
import type { IamFault } from './iam/local-iam.js';
import type { LocalRole } from './iam/stack-policies.js';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => import('node:http').Server;

/** A running dynalite. */
export type RunningDynalite = { endpoint: string; close(): Promise<void> };

/**
 * Starts dynalite on 127.0.0.1.
 *
 * @param options - `port` (0 = a free one), `persistDir` (LevelDB folder; in memory when omitted)
 */
export async function startDynalite(
  options: { port?: number; persistDir?: string } = {},
): Promise<RunningDynalite> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.persistDir ? { path: options.persistDir } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** The DynamoDB faults the local stack can set (`POST /_local/faults`). */
export type DynamoFaults = {
  /** Each request waits this long before dynalite does its work. */
  latencyMs?: number;
  /** Requests naming these tables lose their connection, as with a network fault. */
  unavailableTables?: readonly string[];
};

/** dynalite in a worker thread, with faults. */
export type DynaliteThread = RunningDynalite & {
  /** The same tables without the faults (nor IAM): for the harness (tests, seeding) to read and write whatever is set. */
  directEndpoint: string;
  setFaults(faults: DynamoFaults): void;
  /** The actions taken away from functions' roles (the `iam` fault), in force from the next call. */
  setIamFaults(faults: readonly IamFault[]): void;
  /** What each function's DynamoDB calls were allowed so far: function → `action resource` lines. */
  iamUsage(): Promise<Record<string, string[]>>;
};

/** Bytes of shared memory for the `iam` faults' JSON: a handful of `{function, deny}` pairs. */
const IAM_FAULT_BYTES = 8192;

/**
 * Starts dynalite in a worker thread of its own (`dynalite-worker.mjs`): the local stack's DynamoDB work then runs
 * beside its main thread (the gateway and the other stand-ins) rather than on it. Faults are written to memory the
 * worker shares and reads at each request, so a fault is in force from the call after `setFaults` returns.
 *
 * @param options - `persistDir` (LevelDB folder; in memory when omitted); `tables`, the tables a fault may make
 *   unavailable (at most 31)
 */
export async function startDynaliteThread(options: {
  persistDir?: string;
  tables: readonly string[];
  /** Told when the thread reports a problem or exits on its own (the stack logs it). */
  onProblem?: (text: string) => void;
  /** Told of each call the local IAM refused (the stack logs it). */
  onDenied?: (text: string) => void;
  /**
   * Each local function's role and the tables' key schemas: the thread then authorizes every call signed by a local
   * function's credentials against its role (`iam/local-iam.ts`), as DynamoDB does in AWS.
   */
  iam?: { roles: Record<LocalFunctionName, LocalRole>; keySchemas: KeySchemas };
}): Promise<DynaliteThread> {
  // [latencyMs, bit mask of unavailable tables (by index in `tables`)]
  const faults = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  // [version, byte length], then the `iam` faults' JSON
  const iamFaults = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  const iamFaultBytes = new Uint8Array(new SharedArrayBuffer(IAM_FAULT_BYTES));
  const worker = new Worker(new URL('./dynalite-worker.mjs', import.meta.url), {
    workerData: {
      persistDir: options.persistDir,
      faults,
      tables: [...options.tables],
      ...(options.iam ? { iam: { ...options.iam, faults: iamFaults, faultBytes: iamFaultBytes } } : {}),
    },
  });
  let closing = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const { endpoint, directEndpoint } = await new Promise<{ endpoint: string; directEndpoint: string }>(
    (resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      void exited.then(() => reject(new Error("dynalite's worker exited before it listened")));
    },
  );
  const usageWaiters: Array<(usage: Record<string, string[]>) => void> = [];
  worker.on(
    'message',
    (message: { problem?: string; denied?: string; iamUsage?: Record<string, string[]> }) => {
      if (message.problem) options.onProblem?.(message.problem);
      if (message.denied) options.onDenied?.(message.denied);
      if (message.iamUsage) usageWaiters.shift()?.(message.iamUsage);
    },
  );
  worker.on('error', (error) => options.onProblem?.(`dynalite's thread failed: ${error.message}`));
  void exited.then(() => {
    if (!closing) options.onProblem?.("dynalite's thread exited: every DynamoDB call will now fail");
  });
  return {
    endpoint,
    directEndpoint,
    setFaults(next) {
      let mask = 0;
      for (const table of next.unavailableTables ?? []) {
        const index = options.tables.indexOf(table);
        if (index >= 0) mask |= 1 << index;
      }
      Atomics.store(faults, 0, Math.max(0, Math.round(next.latencyMs ?? 0)));
      Atomics.store(faults, 1, mask);
    },
    iamUsage() {
      return new Promise((resolve) => {
        usageWaiters.push(resolve);
        worker.postMessage('iam-usage');
      });
    },
    setIamFaults(next) {
      const bytes = Buffer.from(JSON.stringify(next), 'utf8');
      if (bytes.length > IAM_FAULT_BYTES) throw new Error('Too many iam faults');
      iamFaultBytes.set(bytes);
      Atomics.store(iamFaults, 1, bytes.length);
      // The version last: the thread reads the bytes only once it sees a new version.
      Atomics.add(iamFaults, 0, 1);
    },
    async close() {
      closing = true;
      worker.postMessage('close');
      // A worker that does not finish closing in time is stopped.
      const timer = setTimeout(() => void worker.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A DynamoDB client for a local endpoint, with dummy credentials (dynalite ignores them). */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/**
 * The definition of an on-demand table keyed on `pk` (partition) and `sk` (sort), both strings: the templates table
 * and the abuse guard's table (whose TTL on `expiresAt` dynalite does not enforce).
 *
 * @param name - table name (dynalite needs ≥ 3 characters)
 */
export function pkSkTable(name: string): ConstructorParameters<typeof CreateTableCommand>[0] {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
  };
}

/**
 * The messages table as the infra defines it (`MESSAGES_TABLE`): `pk`/`sk`, the `byEvent` index (Okta event id) and
 * the sparse `pending` index (`sweepBucket`, `codeExpiresAt`), both projecting everything. dynalite does not expire
 * its TTL attribute.
 *
 * @param name - table name
 */
export function messagesTableDefinition(name: string): ConstructorParameters<typeof CreateTableCommand>[0] {
  const { byEvent, pending } = MESSAGES_TABLE.indexes;
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: MESSAGES_TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: MESSAGES_TABLE.sortKey, AttributeType: 'S' },
      { AttributeName: byEvent.partitionKey, AttributeType: 'S' },
      { AttributeName: pending.partitionKey, AttributeType: 'S' },
      { AttributeName: pending.sortKey, AttributeType: 'N' },
    ],
    KeySchema: [
      { AttributeName: MESSAGES_TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: MESSAGES_TABLE.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: byEvent.name,
        KeySchema: [{ AttributeName: byEvent.partitionKey, KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: pending.name,
        KeySchema: [
          { AttributeName: pending.partitionKey, KeyType: 'HASH' },
          { AttributeName: pending.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/**
 * Creates the templates table (`pk`, `sk`), the Powertools idempotency table (`id`) and, when named, the abuse
 * guard's table (`pk`, `sk`; its TTL attribute `expiresAt` is not expired by dynalite) and the messages table
 * ({@link messagesTableDefinition}), on demand, if absent.
 *
 * @param client - DynamoDB client
 * @param names - table names (dynalite needs ≥ 3 characters)
 */
/**
 * Resolves once the table is ACTIVE: dynalite moves a new table from CREATING on a timer (even at `createTableMs: 0`),
 * and refuses item calls on it until then, as DynamoDB does; on a loaded machine the first call can come first.
 *
 * @param client - DynamoDB client
 * @param table - the table's name
 */
export async function waitActive(client: DynamoDBClient, table: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Table ${table} did not become ACTIVE`);
}

export async function createTables(
  client: DynamoDBClient,
  names: { templatesTable: string; idempotencyTable: string; abuseTable?: string; messagesTable?: string },
): Promise<void> {
  const create = async (input: ConstructorParameters<typeof CreateTableCommand>[0]) => {
    try {
      await client.send(new CreateTableCommand(input));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    await waitActive(client, String(input?.TableName));
  };
  await Promise.all([
    create(pkSkTable(names.templatesTable)),
    create({
      TableName: names.idempotencyTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
    ...(names.abuseTable ? [create(pkSkTable(names.abuseTable))] : []),
    ...(names.messagesTable ? [create(messagesTableDefinition(names.messagesTable))] : []),
  ]);
}

/**
 * Writes items into the templates table (overwriting: for local seeding and tests only; the deploy-time seeder
 * never overwrites).
 *
 * @param client - DynamoDB client
 * @param table - templates table name
 * @param items - items `{ pk, sk, value }`
 */
export async function seedTemplates(
  client: DynamoDBClient,
  table: string,
  items: TemplateItem[],
): Promise<void> {
  const doc = DynamoDBDocumentClient.from(client);
  for (let i = 0; i < items.length; i += 25) {
    await doc.send(
      new BatchWriteCommand({
        RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
}
