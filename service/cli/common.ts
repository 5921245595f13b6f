/**
 * What the operator CLIs share: output, confirmation prompts, and AWS client settings from flags or the
 * environment (a 127.0.0.1 endpoint gets dummy credentials, so the local stack needs no AWS account).
 */
import { createInterface } from 'node:readline/promises';

/** Where a CLI writes and how it asks. Tests pass their own. */
export type CliIo = {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Whether a person can answer a prompt (stdin is a TTY). */
  interactive: boolean;
  /** Asks a question and returns the answer. */
  ask: (question: string) => Promise<string>;
};

/** The process's terminal. */
export const terminalIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  interactive: Boolean(process.stdin.isTTY),
  ask: async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  },
};

/** A mistake in how the CLI was called: printed with the usage, exit code 2. */
export class UsageError extends Error {
  public override readonly name = 'UsageError';
}

/**
 * Whether an endpoint is on this machine (the local stack, dynalite, an emulator).
 *
 * @param endpoint - e.g. `http://127.0.0.1:3000`
 */
export function isLocalEndpoint(endpoint: string | undefined): boolean {
  return endpoint ? /^https?:\/\/(127\.0\.0\.1|localhost)(:|\/|$)/.test(endpoint) : false;
}

/**
 * The table a CLI works on: `--table`, else its environment variable, else, against a local endpoint (`--endpoint`
 * or `DYNAMODB_ENDPOINT`), the local stack's table.
 *
 * @param flags - `--table`, `--endpoint`
 * @param env - environment
 * @param variable - the table's environment variable (`ABUSE_TABLE_NAME`, `MESSAGES_TABLE_NAME`)
 * @param localTable - the local stack's table of that name
 */
export function tableName(
  flags: { table?: string; endpoint?: string },
  env: Record<string, string | undefined>,
  variable: string,
  localTable: string,
): string | undefined {
  const endpoint = flags.endpoint ?? env.DYNAMODB_ENDPOINT;
  return flags.table ?? env[variable] ?? (isLocalEndpoint(endpoint) ? localTable : undefined);
}

/**
 * SDK client settings: region and endpoint from flags, else the environment. Local endpoints get dummy
 * credentials unless real ones are set.
 *
 * @param flags - `--region`, `--endpoint`
 * @param env - environment
 * @param endpointVariable - the service's endpoint variable (`DYNAMODB_ENDPOINT`, `SQS_ENDPOINT`)
 */
export function clientConfig(
  flags: { region?: string; endpoint?: string },
  env: Record<string, string | undefined>,
  endpointVariable: string,
): { region: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } } {
  const endpoint = flags.endpoint ?? env[endpointVariable];
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const local = isLocalEndpoint(endpoint);
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(local && !env.AWS_ACCESS_KEY_ID
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  };
}

/**
 * Runs a CLI's main function as the process entry point, mapping errors to exit codes.
 *
 * @param main - returns the exit code
 * @param usage - printed on a usage error
 */
export async function runMain(main: () => Promise<number>, usage: string): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${usage}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exitCode = 1;
  }
}
