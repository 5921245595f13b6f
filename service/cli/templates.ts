/**
 * `npm run templates -- list|get|put|import`: reads and edits the message templates and routing config in the
 * templates table, with the AWS SDK, against a deployed table or the local stack's dynalite.
 *
 * The hook caches the table for TEMPLATES_MAX_AGE_SECONDS (5 minutes): edits reach every warm function within it.
 * The table is routing's only source: deploys write a routing item only where it is missing, and the hook keeps
 * no deploy-time copy, so an edit here holds until the next edit here.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type TemplateItem, templateItemsFrom } from '../src/adapters/template-seed.js';
import { templateCarriesCode } from '../src/domain/render.js';
import { originationIdentityProblems } from '../src/domain/routing.js';
import { type CliIo, clientConfig, runMain, terminalIo, UsageError } from './common.js';

/** Printed with `--help` and on a usage error. */
export const USAGE = `Usage: npm run templates -- <command> [options]

Commands:
  list [--pk template|config]      every item (key and a one-line summary)
  get <sk>                         one item's value as JSON; sk is e.g. sms#es-mx, voice#en, allowedCountries
  put <sk> <json> | --file <f>     write one item (replaces it); the value is checked first
  import <dir> [--overwrite]       load sms.json, voice.json and config.json from <dir> (the format of
                                   service/templates/); keeps existing items unless --overwrite

Routing (defaultOriginationIdentity, originationIdentities, allowedCountries) lives in this table only: a deploy
writes a routing item only where it is missing and never overwrites one, and the hook reads nothing else.

Options:
  --table <name>      templates table (env TEMPLATES_TABLE_NAME; stack output TemplatesTableName)
  --endpoint <url>    DynamoDB endpoint, e.g. the local stack's dynalite (env DYNAMODB_ENDPOINT)
  --region <region>   AWS region (env AWS_REGION, default us-east-1)
  --json              list: print JSON lines instead of a table`;

const CONFIG_KEYS = ['defaultOriginationIdentity', 'originationIdentities', 'allowedCountries'] as const;

/** Printed after routing is written: where routing lives, so nobody expects a deploy to change or undo it. */
const ROUTING_NOTE =
  'Routing lives in this table only: deploys never overwrite it (the deploy settings fill a missing item only), ' +
  'and a function that cannot read the table keeps the last routing it read.';

/** Printed after an identity is written: the hook's IAM grant is sized from the deploy settings. */
const IDENTITY_NOTE =
  'If the deploy settings name every origination identity by ARN, the hook may send only from those: ' +
  'add a new identity there too and deploy.';

/** The table key of a sort key: `channel#locale` is a template, a bare name is a config item. */
export function keyOf(sk: string): { pk: TemplateItem['pk']; sk: string } {
  if (sk.includes('#')) {
    const [channel, locale, ...rest] = sk.split('#');
    if (
      rest.length > 0 ||
      (channel !== 'sms' && channel !== 'voice') ||
      !/^[a-z]{2,3}(-[a-z0-9]{2,8})?$/.test(locale ?? '')
    ) {
      throw new UsageError(
        `"${sk}" is not a template key: use sms#<locale> or voice#<locale>, locale like en or es-mx`,
      );
    }
    return { pk: 'template', sk };
  }
  if (!(CONFIG_KEYS as readonly string[]).includes(sk)) {
    throw new UsageError(`"${sk}" is not a config key: use one of ${CONFIG_KEYS.join(', ')}`);
  }
  return { pk: 'config', sk };
}

/**
 * Checks a value before it is written: a template the hook could not render, or routing it could not use, would
 * only show up as failed sign-ins.
 *
 * @returns problems, empty when the value is valid
 */
export function validateItem(item: TemplateItem): string[] {
  const { sk, value } = item;
  if (item.pk === 'template') {
    if (!value || typeof value !== 'object' || Array.isArray(value))
      return [`${sk}: value must be { "body": "…" }`];
    const { body, voiceId, ...extra } = value as Record<string, unknown>;
    const problems: string[] = [];
    if (typeof body !== 'string' || !body.trim()) problems.push(`${sk}: body must be a non-empty string`);
    // The same check the hook applies: a stored template without the code would be skipped at every send.
    else if (!templateCarriesCode(body))
      problems.push(`${sk}: body must contain {{otp}} or users get no code`);
    else if (body.length > 1600) problems.push(`${sk}: body is longer than 1,600 characters`);
    if (voiceId !== undefined && (typeof voiceId !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(voiceId))) {
      problems.push(`${sk}: voiceId must be an End User Messaging VoiceId in upper case, e.g. JOANNA`);
    }
    if (voiceId !== undefined && sk.startsWith('sms#'))
      problems.push(`${sk}: voiceId only applies to voice#… templates`);
    if (Object.keys(extra).length > 0)
      problems.push(`${sk}: unknown fields ${Object.keys(extra).join(', ')}`);
    return problems;
  }
  switch (sk) {
    case 'defaultOriginationIdentity':
      if (typeof value === 'string' && !value.trim()) return [`${sk}: must be a non-empty string`];
      return originationIdentityProblems(value).map((problem) => `${sk}: ${problem}`);
    case 'originationIdentities':
      if (
        !value ||
        typeof value !== 'object' ||
        Array.isArray(value) ||
        !Object.keys(value).every((country) => /^[A-Z]{2}$/.test(country))
      ) {
        return [
          `${sk}: must be an object of upper-case ISO country → identity or ordered list, e.g. {"MX":"+525555550100"}, {"US":["pool-…","+12065550100"]} or {"GB":{"sms":["ACMEMFA","+447700900123"],"voice":"+442079460123"}}`,
        ];
      }
      return Object.entries(value).flatMap(([country, setting]) =>
        originationIdentityProblems(setting).map((problem) => `${sk}: ${country}: ${problem}`),
      );
    case 'allowedCountries':
      return Array.isArray(value) &&
        value.length > 0 &&
        value.every((c) => typeof c === 'string' && (c === '*' || /^[A-Z]{2}$/.test(c)))
        ? []
        : [`${sk}: must be a list of upper-case ISO country codes, or ["*"]`];
    default:
      return [`${sk}: unknown config key`];
  }
}

/**
 * Items from template files in the `service/templates/` format: `sms.json` and `voice.json` (locale → value) and
 * `config.json` (key → value). Missing files are skipped.
 *
 * @param dir - the folder
 */
export async function itemsFromDirectory(dir: string): Promise<TemplateItem[]> {
  const read = async (name: string): Promise<Record<string, unknown> | undefined> => {
    try {
      return JSON.parse(await readFile(join(dir, name), 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new UsageError(`${join(dir, name)}: ${(error as Error).message}`);
    }
  };
  const [sms, voice, config] = await Promise.all([read('sms.json'), read('voice.json'), read('config.json')]);
  if (!sms && !voice && !config) throw new UsageError(`${dir} has none of sms.json, voice.json, config.json`);
  return templateItemsFrom({ sms, voice, config });
}

function summary(item: TemplateItem): string {
  const value = item.value as Record<string, unknown>;
  const text =
    item.pk === 'template'
      ? `${value.voiceId ? `[${value.voiceId}] ` : ''}${String(value.body ?? '')}`
      : JSON.stringify(item.value);
  return text.length > 90 ? `${text.slice(0, 87)}...` : text;
}

/**
 * Runs the CLI.
 *
 * @param argv - arguments after the script name
 * @param io - output and prompts
 * @param env - environment (table, endpoint, region defaults)
 * @returns the exit code
 */
export async function templatesCli(
  argv: string[],
  io: CliIo = terminalIo,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      pk: { type: 'string' },
      file: { type: 'string' },
      overwrite: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    io.out(USAGE);
    return values.help ? 0 : 2;
  }
  const table = values.table ?? env.TEMPLATES_TABLE_NAME;
  if (!table) throw new UsageError('No table: pass --table or set TEMPLATES_TABLE_NAME');
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient(clientConfig(values, env, 'DYNAMODB_ENDPOINT')),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );

  const put = async (item: TemplateItem, overwrite: boolean): Promise<boolean> => {
    try {
      await doc.send(
        new PutCommand({
          TableName: table,
          Item: item,
          ...(overwrite ? {} : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  };

  switch (command) {
    case 'list': {
      if (values.pk && values.pk !== 'template' && values.pk !== 'config') {
        throw new UsageError('--pk must be template or config');
      }
      const partitions = values.pk ? [values.pk] : ['template', 'config'];
      for (const pk of partitions) {
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await doc.send(
            new QueryCommand({
              TableName: table,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': pk },
              ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            }),
          );
          for (const item of (page.Items ?? []) as TemplateItem[]) {
            io.out(
              values.json
                ? JSON.stringify(item)
                : `${item.pk.padEnd(8)} ${item.sk.padEnd(28)} ${summary(item)}`,
            );
          }
          startKey = page.LastEvaluatedKey;
        } while (startKey);
      }
      return 0;
    }
    case 'get': {
      const [sk] = args;
      if (!sk) throw new UsageError('get needs a key, e.g. sms#en');
      const found = await doc.send(new GetCommand({ TableName: table, Key: keyOf(sk) }));
      if (!found.Item) {
        io.err(`No item ${sk} in ${table}`);
        return 1;
      }
      io.out(JSON.stringify(found.Item.value, null, 2));
      return 0;
    }
    case 'put': {
      const [sk, json] = args;
      if (!sk) throw new UsageError('put needs a key and a JSON value (or --file)');
      const source = values.file ? await readFile(values.file, 'utf8') : json;
      if (source === undefined) throw new UsageError('put needs a JSON value or --file <path>');
      let value: unknown;
      try {
        value = JSON.parse(source);
      } catch {
        throw new UsageError(`The value is not JSON: ${source}`);
      }
      const item = { ...keyOf(sk), value } as TemplateItem;
      const problems = validateItem(item);
      if (problems.length > 0) {
        for (const problem of problems) io.err(problem);
        return 1;
      }
      await put(item, true);
      io.out(`Wrote ${item.pk} ${item.sk} to ${table} (warm functions pick it up within 5 minutes)`);
      if (item.pk === 'config') io.out(ROUTING_NOTE);
      if (item.pk === 'config' && item.sk !== 'allowedCountries') io.out(IDENTITY_NOTE);
      return 0;
    }
    case 'import': {
      const [dir] = args;
      if (!dir) throw new UsageError('import needs a folder, e.g. service/templates');
      const items = await itemsFromDirectory(dir);
      const problems = items.flatMap((item) => [...keyProblems(item), ...validateItem(item)]);
      if (problems.length > 0) {
        for (const problem of problems) io.err(problem);
        io.err('Nothing imported.');
        return 1;
      }
      let written = 0;
      let kept = 0;
      for (const item of items) {
        if (await put(item, values.overwrite)) written += 1;
        else kept += 1;
      }
      io.out(
        `Imported ${written} item(s) into ${table}; kept ${kept} existing${kept > 0 && !values.overwrite ? ' (use --overwrite to replace them)' : ''}`,
      );
      if (items.some((item) => item.pk === 'config')) io.out(ROUTING_NOTE);
      return 0;
    }
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

function keyProblems(item: TemplateItem): string[] {
  try {
    keyOf(item.sk);
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runMain(() => templatesCli(process.argv.slice(2)), USAGE);
}
