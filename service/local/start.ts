/**
 * `npm start [-- --port N] [--persist DIR] [--pretty]`: the whole Okta → AWS flow on 127.0.0.1, no AWS account.
 * `PORT` works as `--port`. Stops on SIGINT/SIGTERM within two seconds.
 */
import '../../scripts/require-node24.cjs';
import { parseArgs } from 'node:util';
import { PersistDirInUseError } from './persist-lock.js';
import { PortInUseError, startLocalStack } from './stack.js';

const USAGE = 'usage: npm start [-- --port 3000] [--persist DIR] [--pretty] [--messaging-latency 80-150]';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function options() {
  try {
    const { values } = parseArgs({
      options: {
        port: { type: 'string' },
        persist: { type: 'string' },
        pretty: { type: 'boolean', default: false },
        'messaging-latency': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const rawPort = values.port ?? process.env.PORT ?? '3000';
    const port = Number(rawPort);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      fail(`Invalid port "${rawPort}" (PORT or --port)`);
    let messagingLatency: { minMs: number; maxMs: number } | undefined;
    if (values['messaging-latency']) {
      const match = /^(\d+)(?:-(\d+))?$/.exec(values['messaging-latency']);
      if (!match) fail('--messaging-latency takes MIN-MAX in ms, e.g. 80-150');
      messagingLatency = { minMs: Number(match[1]), maxMs: Number(match[2] ?? match[1]) };
    }
    return { port, persistDir: values.persist, pretty: values.pretty, messagingLatency };
  } catch (error) {
    return fail(`${(error as Error).message}\n${USAGE}`);
  }
}

const settings = options();
let stack: Awaited<ReturnType<typeof startLocalStack>>;
try {
  stack = await startLocalStack({
    port: settings.port,
    ...(settings.persistDir ? { persistDir: settings.persistDir } : {}),
    ...(settings.messagingLatency ? { messagingLatency: settings.messagingLatency } : {}),
    pretty: settings.pretty,
    log: (line) => process.stdout.write(`${line}\n`),
  });
} catch (error) {
  if (error instanceof PortInUseError || error instanceof PersistDirInUseError) fail(error.message);
  fail(`The local stack failed to start: ${(error as Error).message}`);
}

const basic = Buffer.from(`${stack.clientId}:${stack.clientSecret}`).toString('base64');
process.stdout.write(
  [
    '',
    `okta-phone-mfa local stack ready on ${stack.baseUrl}`,
    `  hook           POST ${stack.hookUrl}`,
    `  outbox         ${stack.baseUrl}/   (SMS and voice "delivered", receipts, codes used, DLQ, faults)`,
    `  okta events    POST ${stack.baseUrl}/_local/okta-events   sweep  POST ${stack.baseUrl}/_local/sweep`,
    `  issuer         ${stack.issuer}`,
    `  client id      ${stack.clientId}`,
    `  client secret  ${stack.clientSecret}`,
    `  scope          ${stack.scope}   audience ${stack.audience}`,
    `  data           ${settings.persistDir ? `persisted in ${settings.persistDir}` : 'in memory'}`,
    `  okta API       ${stack.baseUrl}/api/v1/...   Authorization: SSWS ${stack.okta.apiToken}`,
    '',
    'Connect the local Okta to the stack as you would your org (a telephony hook with OAuth, Okta keeps the key):',
    `  OKTA_API_TOKEN=${stack.okta.apiToken} npm run okta:connect -- --org ${stack.baseUrl} --hook-url ${stack.hookUrl} --events event-hook`,
    '  (then send goes through the hook it made: the local Okta gets the token and calls the hook)',
    '',
    'First delivery (in another terminal):',
    `  npm run okta -- send --url ${stack.baseUrl} --phone +14155550100 --channel sms --locale es-MX`,
    'Then the user types the code, and its story:',
    `  npm run okta -- verify --url ${stack.baseUrl} --event-id <eventId printed by send>`,
    `  npm run trace -- <eventId> --endpoint ${stack.baseUrl}`,
    'Or by hand:',
    `  curl -s -u ${stack.clientId}:${stack.clientSecret} -d grant_type=client_credentials ${stack.tokenUrl}`,
    `  (Authorization: Basic ${basic})`,
    '',
    'Ctrl+C stops everything.',
    '',
  ].join('\n'),
);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${signal}: stopping the local stack\n`);
  // Hard stop if a part does not close in time: the contract is "gone within 2 s".
  setTimeout(() => process.exit(0), 1_500).unref();
  stack.close().then(
    () => process.exit(0),
    () => process.exit(0),
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
