/**
 * The deploy-time seeder writes the default templates and routing where absent and never overwrites an operator's
 * edit: the table is routing's only source, and the seeder names the routing items a deploy's settings no longer
 * match. It always answers CloudFormation, so a failed seed fails the deploy in seconds.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTables,
  localDynamoClient,
  type RunningDynalite,
  startDynalite,
} from '../../../local/dynalite.js';
import { lambdaContext } from '../../../local/lambda-context.js';
import { defaultTemplateItems } from '../../../src/adapters/template-seed.js';
import { handler, parseItems, seedIfAbsent } from '../../../src/handlers/seed-templates.js';

let dynalite: RunningDynalite;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let cfn: Server;
let cfnUrl: string;
const responses: Array<{ headers: Record<string, unknown>; body: Record<string, unknown> }> = [];
let tableCounter = 0;
let table: string;

beforeAll(async () => {
  dynalite = await startDynalite();
  client = localDynamoClient(dynalite.endpoint);
  doc = DynamoDBDocumentClient.from(client);
  process.env.DYNAMODB_ENDPOINT = dynalite.endpoint;
  cfn = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      responses.push({ headers: req.headers, body: JSON.parse(body) });
      res.end();
    });
  });
  await new Promise<void>((resolve) => cfn.listen(0, '127.0.0.1', resolve));
  cfnUrl = `http://127.0.0.1:${(cfn.address() as AddressInfo).port}/response?signature=x`;
});

afterAll(async () => {
  delete process.env.DYNAMODB_ENDPOINT;
  await new Promise((resolve) => cfn.close(resolve));
  await dynalite.close();
});

beforeEach(async () => {
  responses.length = 0;
  tableCounter += 1;
  table = `templates-${tableCounter}`;
  await createTables(client, { templatesTable: table, idempotencyTable: `idempotency-${tableCounter}` });
});

function event(requestType: 'Create' | 'Update' | 'Delete', properties: Record<string, unknown>) {
  return {
    RequestType: requestType,
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:seed',
    ResponseURL: cfnUrl,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/OktaPhoneMfa/1',
    RequestId: 'req-1',
    LogicalResourceId: 'TemplatesSeed',
    ResourceType: 'Custom::TemplatesSeed',
    ResourceProperties: { ServiceToken: 'x', ...properties },
    ...(requestType === 'Create'
      ? {}
      : { PhysicalResourceId: `templates-seed:${table}`, OldResourceProperties: {} }),
  } as CloudFormationCustomResourceEvent;
}

describe('seedIfAbsent', () => {
  it('writes every default item into an empty table', async () => {
    // Act
    const result = await seedIfAbsent(client, table, defaultTemplateItems());

    // Assess
    expect(result).toEqual({ written: defaultTemplateItems().length, kept: 0, routingDiffers: [] });
    const { Item } = await doc.send(
      new GetCommand({ TableName: table, Key: { pk: 'template', sk: 'sms#es-mx' } }),
    );
    expect(Item?.value).toEqual(defaultTemplateItems().find((i) => i.sk === 'sms#es-mx')?.value);
  });

  it("never overwrites an operator's edit", async () => {
    // Prepare
    const edited = { body: 'ACME: your code is {{otp}}' };
    await doc.send(
      new PutCommand({ TableName: table, Item: { pk: 'template', sk: 'sms#en', value: edited } }),
    );

    // Act
    const result = await seedIfAbsent(client, table, defaultTemplateItems());

    // Assess
    expect(result.kept).toBe(1);
    const { Item } = await doc.send(
      new GetCommand({ TableName: table, Key: { pk: 'template', sk: 'sms#en' } }),
    );
    expect(Item?.value).toEqual(edited);
  });

  it('never overwrites routing edited with npm run templates, even when the deploy settings change', async () => {
    // Prepare: the first deploy seeds, then an operator re-routes Mexico in the table.
    await seedIfAbsent(client, table, [
      { pk: 'config', sk: 'originationIdentities', value: { MX: '+525555550100' } },
    ]);
    const edited = { MX: { sms: 'ACMEMFA', voice: '+525555550111' } };
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { pk: 'config', sk: 'originationIdentities', value: edited },
      }),
    );

    // Act: a later deploy with other routing settings.
    const result = await seedIfAbsent(client, table, [
      { pk: 'config', sk: 'originationIdentities', value: { MX: '+525555550199' } },
      { pk: 'config', sk: 'allowedCountries', value: ['MX'] },
    ]);

    // Assess
    expect(result).toMatchObject({ written: 1, kept: 1 });
    const { Item } = await doc.send(
      new GetCommand({ TableName: table, Key: { pk: 'config', sk: 'originationIdentities' } }),
    );
    expect(Item?.value).toEqual(edited);
  });

  it('names the routing items whose stored value differs from the deploy settings, and keeps them', async () => {
    // Prepare: DynamoDB answers a failed condition with the stored item (ReturnValuesOnConditionCheckFailure).
    // dynalite ignores that parameter, so DynamoDB's answer is played here.
    const stored: Record<string, unknown> = {
      allowedCountries: ['US', 'MX'],
      originationIdentities: { MX: '+525555550111' },
      defaultOriginationIdentity: { voice: '+12065550100', sms: 'ACMEMFA' },
      'sms#en': { body: 'ACME {{otp}}' },
    };
    const mocked = new DynamoDBClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const puts: PutItemCommandInput[] = [];
    mockClient(mocked)
      .on(PutItemCommand)
      .callsFake((input: PutItemCommandInput) => {
        puts.push(input);
        const { pk, sk } = unmarshall(input.Item!) as { pk: string; sk: string };
        if (!(sk in stored)) return {};
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: marshall({ pk, sk, value: stored[sk] }),
        });
      });

    // Act
    const result = await seedIfAbsent(mocked, table, [
      { pk: 'template', sk: 'sms#en', value: { body: 'Your code is {{otp}}' } },
      { pk: 'config', sk: 'defaultOriginationIdentity', value: { sms: 'ACMEMFA', voice: '+12065550100' } },
      { pk: 'config', sk: 'originationIdentities', value: { MX: '+525555550100' } },
      { pk: 'config', sk: 'allowedCountries', value: ['US', 'MX'] },
    ]);

    // Assess: same value in another key order is no difference; an edited template is not routing.
    expect(result).toEqual({ written: 0, kept: 4, routingDiffers: ['originationIdentities'] });
    expect(puts.every((put) => put.ConditionExpression === 'attribute_not_exists(pk)')).toBe(true);
    expect(puts.every((put) => put.ReturnValuesOnConditionCheckFailure === 'ALL_OLD')).toBe(true);
  });
});

describe('parseItems', () => {
  it('falls back to the repository defaults without ItemsJson', () => {
    expect(parseItems(undefined)).toEqual(defaultTemplateItems());
  });

  it('refuses an item without pk, sk and value', () => {
    expect(() => parseItems(JSON.stringify([{ pk: 'template', sk: 'sms#en' }]))).toThrow(/not \{ pk/);
  });
});

describe('handler', () => {
  it('seeds on Create and answers SUCCESS to the pre-signed URL with counts and a stable physical id', async () => {
    // Prepare
    const items = [{ pk: 'config', sk: 'allowedCountries', value: ['MX'] }];

    // Act
    await handler(
      event('Create', { TableName: table, ItemsJson: JSON.stringify(items) }),
      lambdaContext('seed'),
    );

    // Assess
    expect(responses).toHaveLength(1);
    expect(responses[0]!.headers['content-type']).toBe('');
    expect(responses[0]!.body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: `templates-seed:${table}`,
      RequestId: 'req-1',
      LogicalResourceId: 'TemplatesSeed',
      Data: { Written: 1, Kept: 0, RoutingDiffers: '' },
    });
  });

  it('adds new items on Update and keeps existing ones', async () => {
    // Prepare
    await handler(
      event('Create', {
        TableName: table,
        ItemsJson: JSON.stringify([{ pk: 'template', sk: 'sms#en', value: { body: 'a {{otp}}' } }]),
      }),
      lambdaContext('seed'),
    );
    const items = [
      { pk: 'template', sk: 'sms#en', value: { body: 'new default {{otp}}' } },
      { pk: 'template', sk: 'sms#fr', value: { body: 'code {{otp}}' } },
    ];

    // Act
    await handler(
      event('Update', { TableName: table, ItemsJson: JSON.stringify(items) }),
      lambdaContext('seed'),
    );

    // Assess
    expect(responses[1]!.body).toMatchObject({ Status: 'SUCCESS', Data: { Written: 1, Kept: 1 } });
    const { Item } = await doc.send(
      new GetCommand({ TableName: table, Key: { pk: 'template', sk: 'sms#en' } }),
    );
    expect(Item?.value).toEqual({ body: 'a {{otp}}' });
  });

  it('deletes nothing on Delete: the table and its edits outlive the stack', async () => {
    // Prepare
    await seedIfAbsent(client, table, defaultTemplateItems());

    // Act
    await handler(event('Delete', { TableName: table }), lambdaContext('seed'));

    // Assess
    expect(responses[0]!.body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: `templates-seed:${table}`,
    });
    const { Item } = await doc.send(
      new GetCommand({ TableName: table, Key: { pk: 'template', sk: 'sms#en' } }),
    );
    expect(Item).toBeDefined();
  });

  it('answers FAILED with the reason when seeding fails, instead of leaving CloudFormation waiting', async () => {
    // Act
    await handler(event('Create', { TableName: 'no-such-table' }), lambdaContext('seed'));

    // Assess
    expect(responses[0]!.body).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringMatching(/log stream/),
    });
  });
});
