/**
 * `npm run dlq -- stats|peek`: on-call's view of the dead-letter queue, against AWS SQS or the local stack.
 *
 * Reading never deletes: peeked messages are received with a zero visibility timeout, so they stay in the queue.
 * `peek --delete` deletes exactly the messages it printed, after a typed confirmation on a terminal; without a
 * terminal it refuses unless `--yes` is given. DLQ records are redacted (masked phone, no code) when written;
 * what the tool prints is scrubbed again.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { phoneLibraryPlan } from '../src/domain/phone.js';
import { redactingReplacer, SecretSet, scrubText } from '../src/domain/redact.js';
import { type CliIo, clientConfig, runMain, terminalIo, UsageError } from './common.js';

/** Printed with `--help` and on a usage error. */
export const USAGE = `Usage: npm run dlq -- <command> [options]

Commands:
  stats                     queue depth, and the waiting records grouped by reason, channel and country
  peek [--limit N]          print up to N records (default 10); they stay in the queue
  peek --limit N --delete   print them, then delete exactly those after you type "delete"
                            (without a terminal: refuses unless --yes)

Options:
  --queue-url <url>   the DLQ (env DLQ_URL; stack output DeadLetterQueueUrl)
  --endpoint <url>    SQS endpoint (env SQS_ENDPOINT), e.g. an SQS emulator
  --local [<url>]     the local stack instead of SQS (default http://127.0.0.1:\${PORT:-3000}): reads /_local/dlq
  --region <region>   AWS region (env AWS_REGION, default us-east-1)
  --json              print records as JSON lines`;

/** A DLQ message as the CLI handles it. */
export type DlqMessage = { messageId: string; body: string; receiptHandle?: string; receivedAt?: string };

/** Where the records come from. */
export interface DlqSource {
  /** Queue depth, where known. */
  depth(): Promise<{ visible: number; inFlight: number } | undefined>;
  /** Up to `limit` distinct messages, left in the queue unless `hold` (then hidden until deleted or released). */
  receive(limit: number, hold: boolean): Promise<DlqMessage[]>;
  /** Deletes exactly these messages. */
  delete(messages: DlqMessage[]): Promise<number>;
  /** Makes held messages visible again. */
  release(messages: DlqMessage[]): Promise<void>;
}

/** SQS, through the SDK. */
export class SqsDlqSource implements DlqSource {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  public async depth(): Promise<{ visible: number; inFlight: number }> {
    const { Attributes = {} } = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  }

  public async receive(limit: number, hold: boolean): Promise<DlqMessage[]> {
    const seen = new Map<string, DlqMessage>();
    // SQS returns a sample per call; with a zero visibility timeout the same messages can come back, so stop after
    // two rounds that bring nothing new.
    let idleRounds = 0;
    while (seen.size < limit && idleRounds < 2) {
      const { Messages = [] } = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.min(10, limit - seen.size),
          VisibilityTimeout: hold ? 120 : 0,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['SentTimestamp'],
        }),
      );
      const before = seen.size;
      for (const message of Messages) {
        if (message.MessageId && !seen.has(message.MessageId) && seen.size < limit) {
          seen.set(message.MessageId, toDlqMessage(message));
        }
      }
      idleRounds = seen.size === before ? idleRounds + 1 : 0;
    }
    return [...seen.values()];
  }

  public async delete(messages: DlqMessage[]): Promise<number> {
    // One DeleteMessage per record: on-call volumes are small, and SQS emulators implement it where they may not
    // implement the batch call.
    let deleted = 0;
    for (const message of messages) {
      await this.client.send(
        new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.receiptHandle! }),
      );
      deleted += 1;
    }
    return deleted;
  }

  public async release(messages: DlqMessage[]): Promise<void> {
    for (const message of messages) {
      try {
        await this.client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: this.queueUrl,
            ReceiptHandle: message.receiptHandle!,
            VisibilityTimeout: 0,
          }),
        );
      } catch {
        // Best effort: held messages reappear by themselves when the 120 s hold ends.
      }
    }
  }
}

function toDlqMessage(message: Message): DlqMessage {
  const sent = message.Attributes?.SentTimestamp;
  return {
    messageId: message.MessageId!,
    body: message.Body ?? '',
    ...(message.ReceiptHandle ? { receiptHandle: message.ReceiptHandle } : {}),
    ...(sent ? { receivedAt: new Date(Number(sent)).toISOString() } : {}),
  };
}

/** The local stack's `GET /_local/dlq` (all or nothing: it can only clear the whole queue). */
export class LocalStackDlqSource implements DlqSource {
  constructor(private readonly baseUrl: string) {}

  private async all(): Promise<DlqMessage[]> {
    const response = await fetch(`${this.baseUrl}/_local/dlq`);
    if (!response.ok) throw new Error(`GET ${this.baseUrl}/_local/dlq answered ${response.status}`);
    const { messages = [] } = (await response.json()) as { messages?: DlqMessage[] };
    return messages;
  }

  public async depth(): Promise<{ visible: number; inFlight: number }> {
    return { visible: (await this.all()).length, inFlight: 0 };
  }

  public async receive(limit: number): Promise<DlqMessage[]> {
    return (await this.all()).slice(0, limit);
  }

  public async delete(messages: DlqMessage[]): Promise<number> {
    const total = (await this.all()).length;
    if (messages.length < total) {
      throw new UsageError(
        `The local stack can only clear its whole DLQ (${total} messages): peek --limit ${total} --delete`,
      );
    }
    const response = await fetch(`${this.baseUrl}/_local/dlq`, { method: 'DELETE' });
    if (!response.ok) throw new Error(`DELETE ${this.baseUrl}/_local/dlq answered ${response.status}`);
    return total;
  }

  public async release(): Promise<void> {}
}

type Parsed = {
  reason: string;
  channel: string;
  country: string;
  eventId: string;
  phone: string;
  timestamp: string;
  message: string;
};

// Records are scrubbed when written; the tool scrubs what it prints again (phone numbers, tokens), for records an
// older writer left in the queue, which keeps them for up to 14 days across deployments.
const printable = (value: unknown) => scrubText(String(value));
const scrubbing = redactingReplacer(() => SecretSet.EMPTY, phoneLibraryPlan);

/** A record's JSON as printed by `--json`: every string scrubbed, the shape unchanged. */
function printableBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), scrubbing);
  } catch {
    return scrubText(body);
  }
}

function parse(message: DlqMessage): Parsed {
  try {
    const record = JSON.parse(message.body);
    return {
      reason: printable(record.error?.reason ?? record.error?.name ?? 'unknown'),
      channel: printable(record.channel ?? 'unknown'),
      country: printable(record.country ?? 'unknown'),
      eventId: printable(record.eventId ?? '-'),
      phone: printable(record.phone ?? '-'),
      timestamp: printable(record.timestamp ?? message.receivedAt ?? '-'),
      message: printable(record.error?.message ?? ''),
    };
  } catch {
    return {
      reason: 'unparseable',
      channel: '?',
      country: '?',
      eventId: '-',
      phone: '-',
      timestamp: '-',
      message: '',
    };
  }
}

function countBy(records: Parsed[], key: keyof Parsed): string {
  const counts = new Map<string, number>();
  for (const record of records) counts.set(record[key], (counts.get(record[key]) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([value, count]) => `${value} ${count}`)
    .join(', ');
}

/**
 * Runs the CLI.
 *
 * @param argv - arguments after the script name
 * @param io - output and prompts
 * @param env - environment
 * @param sourceFor - builds the source (tests substitute it)
 * @returns the exit code
 */
export async function dlqCli(
  argv: string[],
  io: CliIo = terminalIo,
  env: Record<string, string | undefined> = process.env,
  sourceFor?: (values: Record<string, unknown>) => DlqSource,
): Promise<number> {
  const args = argv.map((arg, i) =>
    arg === '--local' && (argv[i + 1] ?? '--').startsWith('-') ? '--local=' : arg,
  );
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'queue-url': { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      local: { type: 'string' },
      limit: { type: 'string', default: '10' },
      delete: { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    io.out(USAGE);
    return values.help ? 0 : 2;
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError('--limit must be 1 to 1000');
  if (values.delete && command !== 'peek') throw new UsageError('--delete only works with peek');

  const source = sourceFor
    ? sourceFor(values)
    : values.local !== undefined
      ? new LocalStackDlqSource((values.local || `http://127.0.0.1:${env.PORT ?? 3000}`).replace(/\/$/, ''))
      : (() => {
          const queueUrl = values['queue-url'] ?? env.DLQ_URL;
          if (!queueUrl) throw new UsageError('No queue: pass --queue-url, set DLQ_URL, or use --local');
          return new SqsDlqSource(new SQSClient(clientConfig(values, env, 'SQS_ENDPOINT')), queueUrl);
        })();

  switch (command) {
    case 'stats': {
      const depth = await source.depth();
      if (depth) io.out(`Visible: ${depth.visible}  In flight (being read elsewhere): ${depth.inFlight}`);
      const sample = (await source.receive(Math.max(limit, 100), false)).map(parse);
      if (sample.length === 0) {
        io.out('No records waiting.');
        return 0;
      }
      io.out(`Of ${sample.length} record(s) read:`);
      io.out(`  by reason:  ${countBy(sample, 'reason')}`);
      io.out(`  by channel: ${countBy(sample, 'channel')}`);
      io.out(`  by country: ${countBy(sample, 'country')}`);
      const times = sample
        .map((r) => r.timestamp)
        .filter((t) => t !== '-')
        .sort();
      if (times.length > 0) io.out(`  oldest ${times[0]}, newest ${times[times.length - 1]}`);
      return 0;
    }
    case 'peek': {
      const messages = await source.receive(limit, values.delete);
      for (const message of messages) {
        const r = parse(message);
        io.out(
          values.json
            ? printableBody(message.body)
            : `${r.timestamp}  ${r.reason.padEnd(24)} ${r.channel.padEnd(6)} ${r.country.padEnd(4)} ${r.phone.padEnd(16)} eventId=${r.eventId}  ${r.message}`,
        );
      }
      io.out(`${messages.length} record(s)${values.delete ? '' : ', left in the queue'}.`);
      if (!values.delete || messages.length === 0) return 0;

      if (!values.yes) {
        if (!io.interactive) {
          await source.release(messages);
          io.err(
            'Refusing to delete without a terminal to confirm on; add --yes to delete non-interactively.',
          );
          return 1;
        }
        const answer = await io.ask(
          `Delete these ${messages.length} record(s) for good? Type "delete" to confirm: `,
        );
        if (answer.trim() !== 'delete') {
          await source.release(messages);
          io.out('Nothing deleted.');
          return 0;
        }
      }
      const deleted = await source.delete(messages);
      io.out(`Deleted ${deleted} record(s).`);
      return deleted === messages.length ? 0 : 1;
    }
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runMain(() => dlqCli(process.argv.slice(2)), USAGE);
}
