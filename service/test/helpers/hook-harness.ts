import { BatchWriteItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { vi } from 'vitest';
import {
  createTables,
  localDynamoClient,
  type RunningDynalite,
  seedTemplates,
  startDynalite,
} from '../../local/dynalite.js';
import {
  generateSecretValue,
  startMessagingEmulator,
  startSecretsManagerEmulator,
  startSqsEmulator,
} from '../../local/emulators/index.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { defaultTemplateItems } from '../../src/adapters/template-seed.js';

type DeliverOtp = typeof import('../../src/handlers/deliver-otp.js');

/** A hook answer as Okta would read it. */
export type Answer = { statusCode: number; body: any };

/**
 * The real `deliver-otp` handler wired to real parts on 127.0.0.1: dynalite for its three tables (templates,
 * idempotency, the abuse guard's, with the product's default limits), and the End User
 * Messaging and SQS stand-ins speaking AWS JSON 1.0 and Secrets Manager's speaking 1.1 (the fingerprint key), so the
 * SDK clients and their retries run for real.
 */
export class HookHarness {
  public db!: RunningDynalite;
  public messaging!: Awaited<ReturnType<typeof startMessagingEmulator>>;
  public sqs!: Awaited<ReturnType<typeof startSqsEmulator>>;
  /** Holds the fingerprint key under {@link HookHarness.fingerprintKeySecret}. */
  public secretsManager!: Awaited<ReturnType<typeof startSecretsManagerEmulator>>;
  /** The name of the fingerprint key's secret, and its value. */
  public readonly fingerprintKeySecret = 'okta-phone-mfa/fingerprint-key';
  public readonly fingerprintKey = generateSecretValue();
  /** The abuse guard's table (`ABUSE_TABLE_NAME`); {@link HookHarness.reset} empties it. */
  public readonly abuseTable = 'abuse';
  public module!: DeliverOtp;
  readonly #env: Record<string, string>;
  #extraKeys: string[] = [];

  constructor(env: Record<string, string> = {}) {
    this.#env = env;
  }

  async start(): Promise<this> {
    this.db = await startDynalite();
    const client = localDynamoClient(this.db.endpoint);
    await createTables(client, {
      templatesTable: 'templates',
      idempotencyTable: 'idempotency',
      abuseTable: this.abuseTable,
    });
    await seedTemplates(client, 'templates', defaultTemplateItems());
    this.messaging = await startMessagingEmulator();
    this.sqs = await startSqsEmulator();
    this.secretsManager = await startSecretsManagerEmulator({
      secrets: { [this.fingerprintKeySecret]: this.fingerprintKey },
    });
    await this.load();
    return this;
  }

  /** (Re)imports the handler with the harness environment: a cold start. */
  async load(env: Record<string, string> = {}): Promise<DeliverOtp> {
    vi.resetModules();
    for (const key of this.#extraKeys) delete process.env[key];
    this.#extraKeys = Object.keys(env);
    Object.assign(process.env, {
      TEMPLATES_TABLE_NAME: 'templates',
      IDEMPOTENCY_TABLE_NAME: 'idempotency',
      ABUSE_TABLE_NAME: this.abuseTable,
      DLQ_URL: this.sqs.queueUrl,
      DYNAMODB_ENDPOINT: this.db.endpoint,
      SMS_VOICE_ENDPOINT: this.messaging.endpoint,
      SQS_ENDPOINT: this.sqs.endpoint,
      SECRETS_MANAGER_ENDPOINT: this.secretsManager.endpoint,
      FINGERPRINT_KEY_SECRET: this.fingerprintKeySecret,
      DEADLINE_MS: '2500',
      TEMPLATES_MAX_AGE_SECONDS: '300',
      DEFAULT_LOCALE: 'en',
      ...this.#env,
      ...env,
    });
    this.module = await import('../../src/handlers/deliver-otp.js');
    return this.module;
  }

  async stop(): Promise<void> {
    await Promise.all([
      this.messaging?.close(),
      this.sqs?.close(),
      this.secretsManager?.close(),
      this.db?.close(),
    ]);
  }

  /** Invokes the handler as API Gateway's proxy integration would (`extra` adds to the event, e.g. `requestContext`). */
  async invoke(body: unknown, extra: Record<string, unknown> = {}): Promise<Answer> {
    const event = {
      ...extra,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
      httpMethod: 'POST',
      path: '/hook',
      resource: '/hook',
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEvent;
    const result = await this.module.handler(event, lambdaContext('deliver-otp'));
    return { statusCode: result.statusCode, body: JSON.parse(result.body) };
  }

  /** What the messaging stand-in accepted. */
  sent(): Array<Record<string, any>> {
    return this.messaging.emulator.outbox() as Array<Record<string, any>>;
  }

  /** What reached the dead-letter queue, parsed. */
  deadLetters(): Array<Record<string, any>> {
    return this.sqs.emulator.messages().map((m: { body: string }) => JSON.parse(m.body));
  }

  /** Empties the outbox, the DLQ and the abuse guard's table (counters and lists), and clears every fault. */
  async reset(): Promise<void> {
    this.messaging.emulator.clear();
    this.messaging.emulator.setFault(undefined);
    this.sqs.emulator.clear();
    this.secretsManager.emulator.setFault(undefined);
    await this.clearAbuseTable();
  }

  /** Deletes every item of the abuse guard's table: each test starts with no counts and no lists. */
  async clearAbuseTable(): Promise<void> {
    const client = localDynamoClient(this.db.endpoint);
    try {
      const { Items = [] } = await client.send(new ScanCommand({ TableName: this.abuseTable }));
      for (let i = 0; i < Items.length; i += 25) {
        const deletes = Items.slice(i, i + 25).map((item) => ({
          DeleteRequest: { Key: { pk: item.pk!, sk: item.sk! } },
        }));
        await client.send(new BatchWriteItemCommand({ RequestItems: { [this.abuseTable]: deletes } }));
      }
    } finally {
      client.destroy();
    }
  }
}
