/**
 * `npm run okta:connect -- --org https://acme.okta.com --outputs cdk-outputs.json` connects an Okta org to the
 * deployed stack in one command: the authorization server, scope, hook key, API Services app, access policy and
 * rule, and the telephony inline hook with OAuth (private key JWT: Okta keeps the key), found or created by name; it
 * prints the `-c` settings for `npm run deploy`, and has Okta call the hook to prove the token path.
 * `npm run okta:disconnect -- --org …` deactivates and removes what connect made, and nothing else.
 *
 * The management credential: `OKTA_API_TOKEN` (an SSWS API token; its admin's roles apply), or an OAuth service app
 * with private key JWT (`OKTA_CLIENT_ID` and `OKTA_PRIVATE_KEY`, a PEM or a JWK, or `--private-key-file`) granted the
 * scopes in `MANAGEMENT_SCOPES`. Neither is ever printed.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { scopeProblem } from '../src/domain/okta-scope.js';
import { type CliIo, isLocalEndpoint, runMain, terminalIo, UsageError } from './common.js';
import {
  CONNECT_DEFAULTS,
  type Connection,
  ConnectStop,
  connect,
  type DeploySettings,
  disconnect,
  EVENT_HOOK_EVENT_TYPES,
  type Step,
} from './okta/connection.js';
import {
  MANAGEMENT_SCOPES,
  type ManagementCredential,
  OktaCallError,
  OktaManagement,
} from './okta/management.js';
import { proveThroughOkta } from './okta/proof.js';

/** Printed with `--help` and on a usage error. */
export const USAGE = `Usage: npm run okta:connect -- --org <url> [--outputs <file> | --hook-url <url>] [options]
       npm run okta:disconnect -- --org <url> [--auth-server <id>] [--name <base>] [--plan] [--json]

Connects an Okta org to the stack, found or created by name (a second run changes nothing): an authorization server
(or --auth-server), its scope, a hook key, an API Services app (private key JWT with the hook key; DPoP off), an
access policy and client-credentials rule for the app, and the telephony inline hook with OAuth. Prints the -c
settings for npm run deploy, then has Okta call the hook (execute, connection-check number: nothing is sent).

Credential (never printed): OKTA_API_TOKEN (SSWS API token), or OKTA_CLIENT_ID with OKTA_PRIVATE_KEY (PEM or JWK) or
--private-key-file, an OAuth service app granted ${MANAGEMENT_SCOPES.join(', ')}.

Options:
  --org <url>               the Okta org, e.g. https://acme.okta.com (the local Okta: http://127.0.0.1:3000)
  --outputs <file>          cdk deploy --outputs-file: HookUrl, the event hook's URL and secret, the settings deployed
  --stack <name>            the stack in the outputs file (default: the only one)
  --hook-url <url>          the hook URL (stack output HookUrl), instead of --outputs
  --auth-server <id>        reuse this authorization server (e.g. default) instead of a dedicated one
  --auth private-key|secret how the hook authenticates to the token endpoint (default private-key: no secret exists)
  --name <base>             base of every object's name (default ${CONNECT_DEFAULTS.name})
  --audience <aud>          a new server's audience (default ${CONNECT_DEFAULTS.audience})
  --scope <scope>           the scope (default ${CONNECT_DEFAULTS.scope})
  --replace-active-hook     deactivate another active telephony hook instead of stopping
  --events event-hook|log-stream
                            event-hook: Okta's event hook to OktaEventHookUrl with the secret of
                            OktaEventHookSecretArn (${EVENT_HOOK_EVENT_TYPES.join(', ')}), verified;
                            log-stream: an EventBridge log stream to --aws-account, --aws-region
                            (--event-source-name, default the base name)
  --plan                    only read, and print what would be created, updated or left
  --no-check                skip the proof through Okta
  --json                    print the ids made or found, and the settings, as JSON`;

type Env = Record<string, string | undefined>;

/** The management credential from the environment (or `--private-key-file`). */
export function credentialFrom(env: Env, privateKeyFile?: string): ManagementCredential {
  if (env.OKTA_API_TOKEN) return { kind: 'api-token', token: env.OKTA_API_TOKEN };
  const privateKey = privateKeyFile ? readFileSync(privateKeyFile, 'utf8') : env.OKTA_PRIVATE_KEY;
  if (env.OKTA_CLIENT_ID && privateKey) {
    const trimmed = privateKey.trim();
    return {
      kind: 'private-key',
      clientId: env.OKTA_CLIENT_ID,
      privateKey: trimmed.startsWith('{') ? (JSON.parse(trimmed) as Record<string, unknown>) : trimmed,
      ...(env.OKTA_KEY_ID ? { keyId: env.OKTA_KEY_ID } : {}),
    };
  }
  throw new UsageError(
    'No Okta management credential: set OKTA_API_TOKEN (an API token), or OKTA_CLIENT_ID with OKTA_PRIVATE_KEY (or --private-key-file) for an OAuth service app',
  );
}

/** What the stack's outputs file says (`cdk deploy --outputs-file`). */
export type StackOutputs = {
  hookUrl?: string;
  eventHookUrl?: string;
  eventHookSecretArn?: string;
  deployed?: DeploySettings;
};

/** Reads a `cdk deploy --outputs-file` file. */
export function readOutputs(file: string, stack?: string): StackOutputs {
  const all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string>>;
  const names = Object.keys(all);
  const name = stack ?? (names.length === 1 ? names[0] : undefined);
  if (!name || !all[name]) {
    throw new UsageError(`${file} has the stacks ${names.join(', ') || '(none)'}: name one with --stack`);
  }
  const o = all[name];
  const deployed =
    o.OktaIssuer && o.OktaAudience && o.RequiredScope && o.AllowedClientIds
      ? {
          oktaIssuer: o.OktaIssuer,
          oktaAudience: o.OktaAudience,
          requiredScope: o.RequiredScope,
          allowedClientIds: o.AllowedClientIds.split(',').map((id) => id.trim()),
        }
      : undefined;
  return {
    ...(o.HookUrl ? { hookUrl: o.HookUrl } : {}),
    ...(o.OktaEventHookUrl ? { eventHookUrl: o.OktaEventHookUrl } : {}),
    ...(o.OktaEventHookSecretArn ? { eventHookSecretArn: o.OktaEventHookSecretArn } : {}),
    ...(deployed ? { deployed } : {}),
  };
}

/** The value of the event hook's secret, from Secrets Manager (the local stack's stand-in for a local org). */
async function eventHookSecret(secretId: string, org: string, env: Env): Promise<string> {
  const local = isLocalEndpoint(org);
  const region =
    /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):/.exec(secretId)?.[1] ?? env.AWS_REGION ?? 'us-east-1';
  const client = new SecretsManagerClient({
    region,
    ...(local ? { endpoint: org, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  try {
    const secret = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!secret.SecretString) throw new Error(`The secret ${secretId} has no string value`);
    return secret.SecretString;
  } finally {
    client.destroy();
  }
}

const SYMBOL: Record<Step['action'], string> = {
  create: '+',
  update: '~',
  leave: '=',
  activate: '~',
  deactivate: '-',
  delete: '-',
  verify: '~',
};

function stepLine(step: Step, plan: boolean): string {
  const verb = plan
    ? `would ${step.action}`
    : {
        leave: 'left as is',
        create: 'created',
        update: 'updated',
        activate: 'activated',
        deactivate: 'deactivated',
        delete: 'deleted',
        verify: 'verified',
      }[step.action];
  return `${SYMBOL[step.action]} ${step.object} "${step.name}"${step.id ? ` (${step.id})` : ''}: ${verb}${step.note ? `, ${step.note}` : ''}`;
}

/** The `-c` settings of `npm run deploy`. */
export function deployCommand(settings: DeploySettings): string {
  return [
    'npm run deploy --',
    `-c oktaIssuer=${settings.oktaIssuer}`,
    `-c oktaAudience=${settings.oktaAudience}`,
    `-c requiredScope=${settings.requiredScope}`,
    `-c allowedClientIds=${settings.allowedClientIds.join(',')}`,
  ].join(' \\\n    ');
}

/**
 * `okta:connect` and `okta:disconnect`.
 *
 * @param argv - `connect|disconnect` and the flags
 * @param io - output
 * @param env - environment (the credential)
 */
export async function oktaConnectCli(
  argv: string[],
  io: CliIo = terminalIo,
  env: Env = process.env,
): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'connect' && command !== 'disconnect') throw new UsageError('Say connect or disconnect');
  const { values } = parseArgs({
    args: rest,
    options: {
      org: { type: 'string' },
      outputs: { type: 'string' },
      stack: { type: 'string' },
      'hook-url': { type: 'string' },
      'auth-server': { type: 'string' },
      auth: { type: 'string', default: 'private-key' },
      name: { type: 'string', default: CONNECT_DEFAULTS.name },
      audience: { type: 'string', default: CONNECT_DEFAULTS.audience },
      scope: { type: 'string', default: CONNECT_DEFAULTS.scope },
      'replace-active-hook': { type: 'boolean', default: false },
      events: { type: 'string' },
      'aws-account': { type: 'string' },
      'aws-region': { type: 'string' },
      'event-source-name': { type: 'string' },
      'private-key-file': { type: 'string' },
      plan: { type: 'boolean', default: false },
      'no-check': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const org = values.org?.replace(/\/+$/, '');
  if (!org || (!/^https:\/\/[^/]+$/.test(org) && !isLocalEndpoint(org))) {
    throw new UsageError(
      '--org must be the org URL, e.g. https://acme.okta.com (or the local Okta, http://127.0.0.1:3000)',
    );
  }
  const scopeIssue = scopeProblem(values.scope);
  if (scopeIssue) throw new UsageError(`--scope: ${scopeIssue}`);
  if (values.auth !== 'private-key' && values.auth !== 'secret')
    throw new UsageError('--auth is private-key or secret');
  const okta = new OktaManagement(org, credentialFrom(env, values['private-key-file']));
  const local = isLocalEndpoint(org);

  try {
    if (command === 'disconnect') {
      const steps = await disconnect(okta, {
        name: values.name,
        scope: values.scope,
        ...(values['auth-server'] ? { authServerId: values['auth-server'] } : {}),
        plan: values.plan,
      });
      if (values.json) io.out(JSON.stringify({ steps }));
      else if (steps.length === 0) io.out(`Nothing named ${values.name} in ${org}: nothing to remove.`);
      else for (const step of steps) io.out(stepLine(step, values.plan));
      if (local && !values.plan && steps.length > 0) {
        // The local counterpart of redeploying without them: the stack trusts its own default server again.
        await fetch(`${org}/_local/settings`, { method: 'DELETE' });
        if (!values.json) io.out('The local stack trusts its default authorization server again.');
      } else if (!values.plan && steps.length > 0 && !values.json) {
        io.out(
          "Okta now delivers codes through its own providers. The stack still trusts the removed server's tokens until you redeploy it with other settings (or destroy it).",
        );
      }
      return 0;
    }

    const outputs: StackOutputs = values.outputs ? readOutputs(values.outputs, values.stack) : {};
    const hookUrl = values['hook-url'] ?? outputs.hookUrl ?? undefined;
    let eventHook: { url: string; secret: () => Promise<string> } | undefined;
    let logStream: { accountId: string; region: string; eventSourceName: string } | undefined;
    if (values.events === 'event-hook') {
      const url = outputs.eventHookUrl ?? (local ? `${org}/okta-events` : undefined);
      const secretId = outputs.eventHookSecretArn ?? (local ? 'okta-phone-mfa/event-hook-secret' : undefined);
      if (!url || !secretId) {
        throw new UsageError(
          '--events event-hook needs the stack deployed with -c oktaEventHook=true and its --outputs file',
        );
      }
      eventHook = { url, secret: () => eventHookSecret(secretId, org, env) };
    } else if (values.events === 'log-stream') {
      const accountId = values['aws-account'];
      const region = values['aws-region'] ?? env.AWS_REGION;
      if (!accountId || !/^\d{12}$/.test(accountId) || !region) {
        throw new UsageError(
          '--events log-stream needs --aws-account (12 digits) and --aws-region, where the stack is',
        );
      }
      logStream = { accountId, region, eventSourceName: values['event-source-name'] ?? values.name };
    } else if (values.events !== undefined) {
      throw new UsageError('--events is event-hook or log-stream');
    }

    const connection = await connect(okta, {
      name: values.name,
      audience: values.audience,
      scope: values.scope,
      ...(values['auth-server'] ? { authServerId: values['auth-server'] } : {}),
      auth: values.auth,
      ...(hookUrl ? { hookUrl } : {}),
      replaceActiveHook: values['replace-active-hook'],
      ...(eventHook ? { eventHook } : {}),
      ...(logStream ? { logStream } : {}),
      plan: values.plan,
    });

    // The local stack: the settings take effect now, as a deploy with them would (DESIGN.md, the local Okta).
    let deployed = outputs.deployed;
    let appliedLocally = false;
    if (local && !values.plan && connection.settings) {
      const applied = await fetch(`${org}/_local/settings`, {
        method: 'POST',
        body: JSON.stringify(connection.settings),
      });
      // 404: a local Okta without the local stack behind it (nothing to apply to).
      if (!applied.ok && applied.status !== 404) {
        throw new Error(`The local stack refused the settings: ${await applied.text()}`);
      }
      if (applied.ok) {
        deployed = (await applied.json()) as DeploySettings;
        appliedLocally = true;
      }
    }

    let proof: Awaited<ReturnType<typeof proveThroughOkta>> | undefined;
    if (!values.plan && !values['no-check'] && connection.ids.inlineHookId && connection.settings) {
      proof = await proveThroughOkta(okta, connection.ids.inlineHookId, connection.settings, deployed);
    }
    report(io, connection, {
      plan: values.plan,
      json: values.json,
      local: appliedLocally,
      hookUrl,
      logStream,
      proof,
    });
    return proof && !proof.ok ? 1 : 0;
  } catch (error) {
    if (error instanceof ConnectStop) {
      io.err(error.message);
      return 1;
    }
    if (error instanceof OktaCallError) {
      io.err(explainOktaError(error));
      return 1;
    }
    throw error;
  }
}

/** An Okta refusal, said for an admin. */
export function explainOktaError(error: OktaCallError): string {
  const lines = [`Okta refused ${error.call}: ${error.errorCode ?? `HTTP ${error.status}`} ${error.summary}`];
  for (const cause of error.causes) lines.push(`  - ${cause}`);
  if (error.errorCode === 'E0000015') {
    lines.push(
      'Custom authorization servers need Okta API Access Management: use --auth-server default, or add the licence.',
    );
  } else if (error.status === 401 || error.errorCode === 'E0000005') {
    lines.push(
      'The management credential was not accepted: check OKTA_API_TOKEN (or the service app, its key and its granted scopes).',
    );
  } else if (error.status === 403) {
    lines.push(
      "The credential's admin lacks a role for this: a Super Administrator, or a custom role covering hooks, apps and authorization servers.",
    );
  } else if (error.status === 429) {
    lines.push(
      "Okta's rate limit held after several waits: run again in a minute (a second run picks up where this one stopped).",
    );
  }
  return lines.join('\n');
}

function report(
  io: CliIo,
  connection: Connection,
  context: {
    plan: boolean;
    json: boolean;
    local: boolean;
    hookUrl: string | undefined;
    logStream: { accountId: string; region: string; eventSourceName: string } | undefined;
    proof: Awaited<ReturnType<typeof proveThroughOkta>> | undefined;
  },
): void {
  if (context.json) {
    io.out(
      JSON.stringify({
        ids: connection.ids,
        settings: connection.settings ?? null,
        steps: connection.steps,
        check: context.proof ?? null,
      }),
    );
    return;
  }
  for (const step of connection.steps) io.out(stepLine(step, context.plan));
  if (context.plan) {
    io.out(
      connection.steps.every((s) => s.action === 'leave')
        ? 'Nothing to change.'
        : 'Run without --plan to make these changes.',
    );
    return;
  }
  if (!context.hookUrl)
    io.out('No inline hook: pass --outputs (after npm run deploy) or --hook-url to create it.');
  if (connection.settings) {
    io.out('');
    io.out(
      context.local
        ? 'Applied to the local stack (as this deploy would):'
        : 'Deploy the stack with these settings:',
    );
    io.out(`  ${deployCommand(connection.settings)}`);
  }
  if (context.logStream) {
    io.out('');
    io.out(
      `In AWS (account ${context.logStream.accountId}, ${context.logStream.region}) EventBridge → Partner event sources now lists aws.partner/okta.com/…/${context.logStream.eventSourceName}: deploy with -c oktaEventSourceName=<that name>, which associates it.`,
    );
  }
  if (context.proof) {
    io.out('');
    for (const line of context.proof.lines) io.out(line);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runMain(() => oktaConnectCli(process.argv.slice(2)), USAGE);
}
