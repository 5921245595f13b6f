// Templates through Powertools Parameters against real DynamoDB (dynalite): one Query per partition per maxAge,
// and the last good copy keeps serving when the table goes away.
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createTables,
  localDynamoClient,
  type RunningDynalite,
  seedTemplates,
  startDynalite,
} from '../../../local/dynalite.js';
import { defaultTemplateItems } from '../../../src/adapters/template-seed.js';
import { DynamoTemplateSource } from '../../../src/adapters/templates.js';

let db: RunningDynalite;
const TABLE = 'templates-test';

beforeAll(async () => {
  db = await startDynalite();
  const client = localDynamoClient(db.endpoint);
  await createTables(client, { templatesTable: TABLE, idempotencyTable: 'idempotency-test' });
  await seedTemplates(client, TABLE, defaultTemplateItems());
});
afterAll(async () => {
  await db?.close();
});

describe('DynamoTemplateSource', () => {
  it('reads every shipped template and the routing config from the table', async () => {
    // Prepare
    const source = new DynamoTemplateSource(localDynamoClient(db.endpoint), TABLE, 300);

    // Act
    const templates = await source.templates();
    const routing = await source.routing();

    // Assess
    for (const locale of ['en', 'es', 'fr', 'de', 'it', 'pt', 'ja', 'zh']) {
      expect(templates?.get(`sms#${locale}`)?.body).toContain('{{otp}}');
      expect(templates?.get(`voice#${locale}`)?.voiceId).toMatch(/^[A-Z]+$/);
    }
    expect(routing?.allowedCountries).toContain('US');
    expect(routing?.defaultOriginationIdentity).toBeTruthy();
  });

  it('serves warm reads from the cache: no DynamoDB call until maxAge passes', async () => {
    // Prepare
    const client = localDynamoClient(db.endpoint);
    const send = vi.spyOn(client, 'send');
    const source = new DynamoTemplateSource(client, TABLE, 300);
    await source.templates();
    const callsAfterWarmUp = send.mock.calls.length;

    // Act
    for (let i = 0; i < 100; i += 1) await source.templates();

    // Assess
    expect(callsAfterWarmUp).toBe(1);
    expect(send.mock.calls.length).toBe(1);
  });

  it('sees an edit after maxAge', async () => {
    // Prepare
    const client = localDynamoClient(db.endpoint);
    const source = new DynamoTemplateSource(client, TABLE, 1);
    await source.templates();
    await client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: marshall({ pk: 'template', sk: 'sms#nl', value: { body: 'Uw code is {{otp}}' } }),
      }),
    );
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2_000 });

    // Act
    const templates = await source.templates();
    vi.useRealTimers();

    // Assess
    expect(templates?.get('sms#nl')?.body).toBe('Uw code is {{otp}}');
  });

  it('keeps serving the cached copy when the table becomes unreachable', async () => {
    // Prepare
    const other = await startDynalite();
    const client = localDynamoClient(other.endpoint);
    await createTables(client, { templatesTable: TABLE, idempotencyTable: 'idempotency-test' });
    await seedTemplates(client, TABLE, defaultTemplateItems());
    const source = new DynamoTemplateSource(client, TABLE, 1);
    const warm = await source.templates();
    await other.close();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2_000 });

    // Act
    const templates = await source.templates();
    const routing = await source.routing();
    vi.useRealTimers();

    // Assess
    expect(templates).toBe(warm);
    expect(routing).toBeUndefined();
  });

  it('keeps routing by the last routing it read from the table, edits included, when the table becomes unreachable', async () => {
    // Prepare: an operator's edit (npm run templates) is in the table before the outage.
    const other = await startDynalite();
    const client = localDynamoClient(other.endpoint);
    await createTables(client, { templatesTable: TABLE, idempotencyTable: 'idempotency-test' });
    await seedTemplates(client, TABLE, [
      ...defaultTemplateItems().filter((item) => item.sk !== 'defaultOriginationIdentity'),
      { pk: 'config', sk: 'defaultOriginationIdentity', value: { sms: 'ACMEMFA', voice: '+12065550177' } },
    ]);
    const source = new DynamoTemplateSource(client, TABLE, 1);
    const warm = await source.routing();
    await other.close();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2_000 });

    // Act
    const routing = await source.routing();
    vi.useRealTimers();

    // Assess
    expect(routing).toBe(warm);
    expect(routing?.defaultOriginationIdentity).toEqual({ sms: 'ACMEMFA', voice: '+12065550177' });
  });

  it('answers undefined with a cold cache and an unreachable table', async () => {
    const source = new DynamoTemplateSource(localDynamoClient('http://127.0.0.1:9'), TABLE, 300);
    expect(await source.templates()).toBeUndefined();
  });
});
