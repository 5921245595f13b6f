/**
 * `npm run templates` manages templates and routing with the real SDK against any DynamoDB endpoint: here
 * dynalite, exactly as against the local stack.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../cli/common.js';
import { templatesCli, validateItem } from '../../../cli/templates.js';
import {
  createTables,
  localDynamoClient,
  type RunningDynalite,
  startDynalite,
} from '../../../local/dynalite.js';
import { defaultTemplateItems } from '../../../src/adapters/template-seed.js';
import { captureIo } from '../../helpers/cli-io.js';

let dynalite: RunningDynalite;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let table: string;
let counter = 0;
const dirs: string[] = [];

const capture = captureIo;

const run = (argv: string[], io = capture()) =>
  templatesCli([...argv, '--table', table, '--endpoint', dynalite.endpoint], io, {}).then((code) => ({
    code,
    io,
  }));

const storedValue = async (pk: string, sk: string) =>
  (await doc.send(new GetCommand({ TableName: table, Key: { pk, sk } }))).Item?.value;

beforeAll(async () => {
  dynalite = await startDynalite();
  client = localDynamoClient(dynalite.endpoint);
  doc = DynamoDBDocumentClient.from(client);
});

afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await dynalite.close();
});

beforeEach(async () => {
  counter += 1;
  table = `cli-templates-${counter}`;
  await createTables(client, { templatesTable: table, idempotencyTable: `cli-idem-${counter}` });
});

describe('npm run templates', () => {
  it('imports the repository defaults, then lists templates and config', async () => {
    // Act
    const imported = await run(['import', 'service/templates']);
    const listed = await run(['list']);

    // Assess
    expect(imported.code).toBe(0);
    expect(imported.io.stdout.join()).toContain(`Imported ${defaultTemplateItems().length} item(s)`);
    expect(listed.io.stdout).toHaveLength(defaultTemplateItems().length);
    expect(listed.io.stdout.some((line) => /^template +sms#es-mx +Tu código/.test(line))).toBe(true);
    expect(listed.io.stdout.some((line) => /^config +allowedCountries +\["US"/.test(line))).toBe(true);
  });

  it("keeps an operator's edit on import unless --overwrite is given", async () => {
    // Prepare
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { pk: 'template', sk: 'sms#en', value: { body: 'ACME {{otp}}' } },
      }),
    );

    // Act
    const kept = await run(['import', 'service/templates']);

    // Assess
    expect(kept.io.stdout.join()).toMatch(/kept 1 existing \(use --overwrite/);
    expect(await storedValue('template', 'sms#en')).toEqual({ body: 'ACME {{otp}}' });
    await run(['import', 'service/templates', '--overwrite']);
    expect(await storedValue('template', 'sms#en')).toEqual(
      defaultTemplateItems().find((i) => i.sk === 'sms#en')?.value,
    );
  });

  it('gets one value as JSON, inferring the partition from the key', async () => {
    // Prepare
    await run(['import', 'service/templates']);

    // Act
    const template = await run(['get', 'voice#es-mx']);
    const config = await run(['get', 'allowedCountries']);

    // Assess
    expect(JSON.parse(template.io.stdout.join('\n'))).toMatchObject({ voiceId: 'MIA' });
    expect(JSON.parse(config.io.stdout.join('\n'))).toContain('MX');
  });

  it('puts a checked value, from the command line or a file', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'tpl-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'value.json'), JSON.stringify({ body: 'Bonjour {{otp}}', voiceId: 'LEA' }));

    // Act
    const inline = await run(['put', 'sms#fr-ca', '{"body":"Votre code: {{otp}}"}']);
    const fromFile = await run(['put', 'voice#fr-ca', '--file', join(dir, 'value.json')]);

    // Assess
    expect([inline.code, fromFile.code]).toEqual([0, 0]);
    expect(await storedValue('template', 'sms#fr-ca')).toEqual({ body: 'Votre code: {{otp}}' });
    expect(await storedValue('template', 'voice#fr-ca')).toEqual({ body: 'Bonjour {{otp}}', voiceId: 'LEA' });
  });

  it('refuses a template without {{otp}} and writes nothing', async () => {
    // Act
    const { code, io } = await run(['put', 'sms#en', '{"body":"Hello"}']);

    // Assess
    expect(code).toBe(1);
    expect(io.stderr.join()).toContain('must contain {{otp}}');
    expect(await storedValue('template', 'sms#en')).toBeUndefined();
  });

  it('refuses a template whose only placeholder is not the code, such as {{OTP}}', async () => {
    // Act
    const { code, io } = await run(['put', 'voice#en', '{"body":"Your code is {{OTP}}","voiceId":"JOANNA"}']);

    // Assess
    expect(code).toBe(1);
    expect(io.stderr.join()).toContain('voice#en: body must contain {{otp}}');
    expect(await storedValue('template', 'voice#en')).toBeUndefined();
  });

  it('refuses routing that would place calls from a sender ID, and writes nothing', async () => {
    // Act
    const { code, io } = await run([
      'put',
      'originationIdentities',
      '{"GB":{"sms":"ACMEMFA","voice":"ACMEMFA"}}',
    ]);

    // Assess
    expect(code).toBe(1);
    expect(io.stderr.join()).toContain('originationIdentities: GB: voice: "ACMEMFA" is a sender ID');
    expect(await storedValue('config', 'originationIdentities')).toBeUndefined();
  });

  it('writes per-channel routing: a sender ID for SMS, a phone number for calls', async () => {
    // Prepare
    const routing = { GB: { sms: 'ACMEMFA', voice: '+447700900123' }, MX: '+525555550100' };

    // Act
    const { code } = await run(['put', 'originationIdentities', JSON.stringify(routing)]);

    // Assess
    expect(code).toBe(0);
    expect(await storedValue('config', 'originationIdentities')).toEqual(routing);
  });

  it('says after a routing edit that the table is routing’s only source, which deploys never overwrite', async () => {
    // Act
    const routing = await run(['put', 'allowedCountries', '["US","MX"]']);
    const template = await run(['put', 'sms#fr-ca', '{"body":"Votre code: {{otp}}"}']);
    const imported = await run(['import', 'service/templates']);

    // Assess
    expect(routing.code).toBe(0);
    expect(routing.io.stdout.join('\n')).toMatch(
      /routing lives in this table only: deploys never overwrite it/i,
    );
    expect(template.io.stdout.join('\n')).not.toMatch(/routing/i);
    // The import keeps the edited item and writes the missing routing ones: the same note.
    expect(imported.io.stdout.join('\n')).toMatch(/routing lives in this table only/i);
    expect(await storedValue('config', 'allowedCountries')).toEqual(['US', 'MX']);
  });

  it('imports nothing when any file has an invalid item', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'tpl-'));
    dirs.push(dir);
    writeFileSync(
      join(dir, 'sms.json'),
      JSON.stringify({ en: { body: 'ok {{otp}}' }, de: { body: 'kein Code' } }),
    );

    // Act
    const { code, io } = await run(['import', dir]);

    // Assess
    expect(code).toBe(1);
    expect(io.stderr.join('\n')).toContain('sms#de: body must contain {{otp}}');
    expect(await storedValue('template', 'sms#en')).toBeUndefined();
  });

  it('names a wrong key or a missing table as a usage error', async () => {
    await expect(run(['get', 'email#en'])).rejects.toThrow(UsageError);
    await expect(run(['get', 'senderIds'])).rejects.toThrow(/not a config key/);
    await expect(templatesCli(['list'], capture(), {})).rejects.toThrow(/TEMPLATES_TABLE_NAME/);
  });
});

describe('validateItem', () => {
  it('writes ordered identity lists, first choice first, as given', async () => {
    // Prepare
    const routing = {
      US: [`pool-${'c3'.repeat(16)}`, '+12065550100'],
      GB: { sms: ['ACMEMFA', '+447700900123'], voice: '+447700900123' },
    };

    // Act
    const { code } = await run(['put', 'originationIdentities', JSON.stringify(routing)]);

    // Assess
    expect(code).toBe(0);
    expect(await storedValue('config', 'originationIdentities')).toEqual(routing);
  });

  it('refuses an identity list with a repeat, and writes nothing', async () => {
    // Act
    const { code, io } = await run([
      'put',
      'originationIdentities',
      '{"US":["+12065550100","+12065550100"]}',
    ]);

    // Assess
    expect(code).toBe(1);
    expect(io.stderr.join()).toContain('originationIdentities: US: "+12065550100" is listed twice');
    expect(await storedValue('config', 'originationIdentities')).toBeUndefined();
  });

  it.each([
    [
      { pk: 'config', sk: 'originationIdentities', value: { US: [] } },
      'originationIdentities: US: an empty list',
    ],
    [
      { pk: 'config', sk: 'defaultOriginationIdentity', value: { voice: ['+12065550100', 'ACMEMFA'] } },
      'defaultOriginationIdentity: voice: "ACMEMFA" is a sender ID',
    ],
    [
      {
        pk: 'config',
        sk: 'originationIdentities',
        value: { US: { sms: ['+12065550100', '+12065550101', '+12065550102', '+12065550103'] } },
      },
      'originationIdentities: US: sms: lists 4 identities; at most 3',
    ],
    [{ pk: 'template', sk: 'voice#en', value: { body: '{{otp}}', voiceId: 'joanna' } }, 'voiceId must be'],
    [
      { pk: 'template', sk: 'sms#en', value: { body: '{{otp}}', voiceId: 'JOANNA' } },
      'voiceId only applies to voice',
    ],
    [{ pk: 'config', sk: 'allowedCountries', value: ['us'] }, 'upper-case ISO country codes'],
    [{ pk: 'config', sk: 'originationIdentities', value: { mx: '+52' } }, 'upper-case ISO country'],
    [{ pk: 'config', sk: 'defaultOriginationIdentity', value: '' }, 'non-empty string'],
    [{ pk: 'template', sk: 'sms#en', value: { body: 'Code {{OTP}}' } }, 'body must contain {{otp}}'],
    [
      { pk: 'config', sk: 'defaultOriginationIdentity', value: { sms: 'ACMEMFA', voice: 'ACMEMFA' } },
      'defaultOriginationIdentity: voice: "ACMEMFA" is a sender ID',
    ],
    [
      { pk: 'config', sk: 'originationIdentities', value: { GB: { voice: 'ACMEMFA' } } },
      'originationIdentities: GB: voice: "ACMEMFA" is a sender ID',
    ],
    [
      { pk: 'config', sk: 'originationIdentities', value: { US: 'not valid!' } },
      'originationIdentities: US: "not valid!" is not',
    ],
  ] as const)('refuses %j', (item, problem) => {
    expect(validateItem(item as never).join()).toContain(problem);
  });

  it.each([
    { pk: 'template', sk: 'sms#en', value: { body: 'Code {{ otp }}' } },
    { pk: 'config', sk: 'defaultOriginationIdentity', value: 'ACMEMFA' },
    { pk: 'config', sk: 'defaultOriginationIdentity', value: { sms: 'ACMEMFA', voice: '+12065550100' } },
    { pk: 'config', sk: 'originationIdentities', value: { GB: 'ACMEMFA', DE: { voice: '+4930901820' } } },
    { pk: 'config', sk: 'originationIdentities', value: { US: ['+12065550100', '+12065550101'] } },
    { pk: 'config', sk: 'defaultOriginationIdentity', value: ['ACMEMFA', '+12065550100'] },
  ] as const)('accepts %j', (item) => {
    expect(validateItem(item as never)).toEqual([]);
  });
});
