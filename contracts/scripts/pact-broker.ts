/**
 * `npm run pact:publish` and `npm run pact:can-i-deploy`: talk to a Pact Broker over its HTTP API when
 * `PACT_BROKER_BASE_URL` is set. Without a broker both say so and exit 0: the committed pact files and the
 * provider verification in `npm run test:contracts` are the gate, and CI never needs a broker.
 *
 *   publish                      PUT every file in contracts/pacts/ as the consumer version (the git commit)
 *   can-i-deploy [--pacticipant NAME] [--version V] [--environment ENV]
 *                                ask the broker's matrix whether that version may go to ENV (default production)
 *
 * Environment: PACT_BROKER_BASE_URL, PACT_BROKER_TOKEN (bearer) or PACT_BROKER_USERNAME / PACT_BROKER_PASSWORD,
 * GIT_COMMIT (else GITHUB_SHA, else `git rev-parse HEAD`), GIT_BRANCH (else GITHUB_REF_NAME, else the checkout's),
 * PACT_ENVIRONMENT.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { committedPactsDir, PACTICIPANTS } from '../pact-settings.js';

type Env = Record<string, string | undefined>;
type Io = { out: (line: string) => void; err: (line: string) => void };

const consoleIo: Io = { out: (line) => console.log(line), err: (line) => console.error(line) };

function git(args: string[]): string | undefined {
  try {
    return (
      execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/** The version every pacticipant in this repository publishes under: the git commit. */
export function versionOf(env: Env): string | undefined {
  return env.GIT_COMMIT ?? env.GITHUB_SHA ?? git(['rev-parse', 'HEAD']);
}

function branchOf(env: Env): string | undefined {
  return env.GIT_BRANCH ?? env.GITHUB_REF_NAME ?? git(['branch', '--show-current']);
}

function authHeaders(env: Env): Record<string, string> {
  if (env.PACT_BROKER_TOKEN) return { authorization: `Bearer ${env.PACT_BROKER_TOKEN}` };
  if (env.PACT_BROKER_USERNAME) {
    const basic = Buffer.from(`${env.PACT_BROKER_USERNAME}:${env.PACT_BROKER_PASSWORD ?? ''}`).toString(
      'base64',
    );
    return { authorization: `Basic ${basic}` };
  }
  return {};
}

async function broker(env: Env, method: string, path: string, body?: unknown): Promise<Response> {
  const base = (env.PACT_BROKER_BASE_URL ?? '').replace(/\/+$/, '');
  return fetch(`${base}${path}`, {
    method,
    headers: {
      accept: 'application/hal+json, application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...authHeaders(env),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
}

const segment = encodeURIComponent;

async function publish(env: Env, io: Io): Promise<number> {
  const version = versionOf(env);
  if (!version) {
    io.err('No version to publish under: set GIT_COMMIT (or run inside the git checkout).');
    return 1;
  }
  const branch = branchOf(env);
  const files = readdirSync(committedPactsDir).filter((file) => file.endsWith('.json'));
  for (const file of files) {
    const pact = JSON.parse(readFileSync(join(committedPactsDir, file), 'utf8')) as {
      consumer: { name: string };
      provider: { name: string };
    };
    const consumer = pact.consumer.name;
    const response = await broker(
      env,
      'PUT',
      `/pacts/provider/${segment(pact.provider.name)}/consumer/${segment(consumer)}/version/${segment(version)}`,
      pact,
    );
    if (!response.ok) {
      io.err(`Publishing ${file} failed: HTTP ${response.status} ${await response.text()}`);
      return 1;
    }
    if (branch) {
      const tagged = await broker(
        env,
        'PUT',
        `/pacticipants/${segment(consumer)}/branches/${segment(branch)}/versions/${segment(version)}`,
        {},
      );
      if (!tagged.ok) io.err(`Recording branch ${branch} for ${consumer} failed: HTTP ${tagged.status}`);
    }
    io.out(`Published ${file} as ${consumer} ${version}${branch ? ` (branch ${branch})` : ''}.`);
  }
  return 0;
}

async function canIDeploy(args: string[], env: Env, io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      pacticipant: { type: 'string', default: PACTICIPANTS.provider },
      version: { type: 'string' },
      environment: { type: 'string' },
    },
  });
  const version = values.version ?? versionOf(env);
  const environment = values.environment ?? env.PACT_ENVIRONMENT ?? 'production';
  if (!version) {
    io.err('No version to ask about: pass --version or set GIT_COMMIT.');
    return 1;
  }
  const query = new URLSearchParams({
    'q[][pacticipant]': values.pacticipant,
    'q[][version]': version,
    latestby: 'cvp',
    environment,
  });
  const response = await broker(env, 'GET', `/matrix?${query.toString()}`);
  if (!response.ok) {
    io.err(`The broker answered HTTP ${response.status}: ${await response.text()}`);
    return 1;
  }
  const { summary } = (await response.json()) as {
    summary?: { deployable?: boolean | null; reason?: string };
  };
  const verdict = summary?.deployable === true ? 'Yes' : 'No';
  io.out(
    `Can I deploy ${values.pacticipant} ${version} to ${environment}? ${verdict}. ${summary?.reason ?? ''}`.trim(),
  );
  return summary?.deployable === true ? 0 : 1;
}

/**
 * Runs one command.
 *
 * @param argv - `publish` or `can-i-deploy` and its options
 * @param env - environment (the broker settings)
 * @param io - output
 * @returns the exit code
 */
export async function pactBroker(
  argv: string[],
  env: Env = process.env,
  io: Io = consoleIo,
): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'publish' && command !== 'can-i-deploy') {
    io.err(
      'Usage: pact-broker.ts publish | can-i-deploy [--pacticipant NAME] [--version V] [--environment ENV]',
    );
    return 2;
  }
  if (!env.PACT_BROKER_BASE_URL) {
    io.out(
      `PACT_BROKER_BASE_URL is not set, so there is no Pact Broker to ${command === 'publish' ? 'publish to' : 'ask'}: skipping. ` +
        'Nothing is wrong: the pact files in contracts/pacts/ and `npm run test:contracts` are the contract check, and CI needs no broker.',
    );
    return 0;
  }
  return command === 'publish' ? publish(env, io) : canIDeploy(rest, env, io);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await pactBroker(process.argv.slice(2));
}
