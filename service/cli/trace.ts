/**
 * `npm run trace -- <eventId|messageId>`: one code's story, from the messages table, against a deployed stack
 * (`--table`, `--region`) or the local one (`--endpoint http://127.0.0.1:3000`): the hook request (when, request
 * type, channel, country, masked number), Okta's answer, the send (origination identity, message id), each delivery
 * receipt with its time, and whether the code was used; then the Logs Insights query for the same event.
 *
 * Never the code (the table never holds it), never the full number: the table holds it masked, and it is masked again
 * here whatever the table holds. The number prefix the table keeps for the settlement counters is never printed: with
 * the masked number's last digits it would spell the whole number.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { traceQuery } from '../../dashboards/queries/index.js';
import { LOCAL_TABLES } from '../local/names.js';
import { MESSAGE_SK, MESSAGES_TABLE, messageKey } from '../src/domain/message-table.js';
import { maskPhone } from '../src/domain/redact.js';
import { type CliIo, clientConfig, runMain, tableName, terminalIo, UsageError } from './common.js';

/** Printed with `--help` and on a usage error. */
export const USAGE = `Usage: npm run trace -- <eventId|messageId> [options]

One code's story: the hook request (time, request type, channel, country, masked number), Okta's answer, the send
(origination identity, message id), each delivery receipt with its time, whether the code was used, and the Logs
Insights query for the same event. Give Okta's eventId (System Log, DLQ record) or End User Messaging's message id
(Okta's transactionId). Messages are kept 7 days.

Options:
  --table <name>      the messages table (env MESSAGES_TABLE_NAME; stack output MessagesTableName;
                      default okta-phone-mfa-messages with a local --endpoint)
  --endpoint <url>    DynamoDB endpoint, e.g. the local stack http://127.0.0.1:3000 (env DYNAMODB_ENDPOINT)
  --region <region>   AWS region (env AWS_REGION, default us-east-1)
  --json              print one JSON object instead of the story`;

/** The local stack's messages table. */
export const LOCAL_MESSAGES_TABLE = LOCAL_TABLES.messages;

/** An Okta event id or an End User Messaging message id: letters, digits and `_:.-` (as `traceQuery` takes them). */
const ID = /^[A-Za-z0-9_:.-]{1,128}$/;

/** One receipt as the story shows it. */
export type StoryReceipt = {
  eventType: string;
  status: string;
  at: string;
  /** Milliseconds after the send. */
  afterSendMs?: number;
  isFinal: boolean;
  description?: string;
};

/** One message's story, as `--json` prints it. */
export type MessageStory = {
  messageId: string;
  eventId?: string;
  /** When the hook sent it (the hook request's time: the send is inside Okta's 3 s). */
  sentAt?: string;
  requestType?: string;
  channel?: string;
  country?: string;
  /** Masked. */
  phone?: string;
  /** Okta's `isResend` (2026.09): the user asked for the code again. */
  isResend?: boolean;
  /** Okta's `context.app.clientId` (2026.09): the app the user signed in to. */
  appClientId?: string;
  /** What the hook answered Okta: a message in the table was accepted, so SUCCESSFUL with its id. */
  oktaAnswer?: { status: 'SUCCESSFUL'; transactionId: string };
  send: { originationIdentity?: string; messageId: string };
  receipts: StoryReceipt[];
  /** The delivery status the receipts add up to (`delivered`, `carrier_unreachable`…), and whether it is final. */
  delivery?: { status: string; final: boolean };
  codeExpiresAt?: string;
  /** Whether the code was used: RECEIVED (typed), FAILED (expired unused), or not settled yet. */
  used: { state: 'yes' | 'no' | 'not yet' | 'unknown'; feedback?: string; at?: string; afterSendMs?: number };
};

/** What `trace` prints with `--json`. */
export type TraceReport = {
  table: string;
  id: string;
  /** How the id was found: as a message id, or as an Okta event id through the `byEvent` index. */
  foundBy: 'messageId' | 'eventId' | 'none';
  messages: MessageStory[];
  logsInsights: { query: string; logGroups: string[] };
};

/** The log groups the Logs Insights query runs over: the functions that log about a code. */
export const TRACE_LOG_GROUPS = [
  'deliver-otp',
  'record-delivery-event',
  'record-verification',
  'sweep-messages',
];

const MASKED = /^\+\d{1,3} \*+\d{0,3}$|^\*{3,}\d{0,2}$/;

/** A number as stored, masked again unless it already is (the table should only ever hold it masked). */
export function safePhone(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  return MASKED.test(value) ? value : maskPhone(value);
}

const iso = (ms: unknown) =>
  typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
const str = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

/**
 * One message's story from its item: pure, so what is shown (and what never is) reads in one place.
 *
 * @param item - the message item (`pk = message#…`, `sk = message`)
 */
export function storyOf(item: Record<string, unknown>): MessageStory {
  const messageId = str(item.messageId) ?? String(item.pk ?? '').replace(/^message#/, '');
  const sentAt = typeof item.sentAt === 'number' ? item.sentAt : undefined;
  const after = (ms: number) => (sentAt === undefined ? undefined : ms - sentAt);
  const receipts = (Array.isArray(item.receipts) ? (item.receipts as Array<Record<string, unknown>>) : [])
    .filter((r) => typeof r.eventType === 'string' && typeof r.eventTimestamp === 'number')
    .sort((a, b) => (a.eventTimestamp as number) - (b.eventTimestamp as number))
    .map((r): StoryReceipt => {
      const at = r.eventTimestamp as number;
      const afterSendMs = after(at);
      const description = str(r.messageStatusDescription);
      return {
        eventType: r.eventType as string,
        status: str(r.status) ?? (r.eventType as string).replace(/^(TEXT|VOICE)_/, '').toLowerCase(),
        at: new Date(at).toISOString(),
        ...(afterSendMs !== undefined ? { afterSendMs } : {}),
        isFinal: r.isFinal === true,
        ...(description ? { description } : {}),
      };
    });
  const codeExpiresAtMs = typeof item.codeExpiresAt === 'number' ? item.codeExpiresAt * 1000 : undefined;
  const feedback = str(item.feedback);
  const feedbackAt = typeof item.feedbackAt === 'number' ? item.feedbackAt : undefined;
  let used: MessageStory['used'];
  if (feedback === 'RECEIVED' || feedback === 'FAILED') {
    const afterSendMs = feedbackAt === undefined ? undefined : after(feedbackAt);
    used = {
      state: feedback === 'RECEIVED' ? 'yes' : 'no',
      feedback,
      ...(feedbackAt !== undefined ? { at: new Date(feedbackAt).toISOString() } : {}),
      ...(afterSendMs !== undefined ? { afterSendMs } : {}),
    };
  } else used = { state: sentAt === undefined ? 'unknown' : 'not yet' };
  const deliveryStatus = str(item.deliveryStatus);
  const phone = safePhone(item.phone);
  const identity = str(item.originationIdentity);
  return {
    messageId,
    ...(str(item.eventId) ? { eventId: item.eventId as string } : {}),
    ...(sentAt !== undefined ? { sentAt: new Date(sentAt).toISOString() } : {}),
    ...(str(item.requestType) ? { requestType: item.requestType as string } : {}),
    ...(str(item.channel) ? { channel: item.channel as string } : {}),
    ...(str(item.country) ? { country: item.country as string } : {}),
    ...(phone ? { phone } : {}),
    ...(typeof item.isResend === 'boolean' ? { isResend: item.isResend } : {}),
    ...(str(item.appClientId) ? { appClientId: item.appClientId as string } : {}),
    // Only the hook writes `sentAt`, and only after End User Messaging accepted the message.
    ...(sentAt !== undefined
      ? { oktaAnswer: { status: 'SUCCESSFUL' as const, transactionId: messageId } }
      : {}),
    send: { ...(identity ? { originationIdentity: identity } : {}), messageId },
    receipts,
    ...(deliveryStatus ? { delivery: { status: deliveryStatus, final: item.deliveryFinal === true } } : {}),
    ...(codeExpiresAtMs !== undefined ? { codeExpiresAt: iso(codeExpiresAtMs) } : {}),
    used,
  };
}

const ms = (value: number | undefined) =>
  value === undefined ? '' : ` (+${value.toLocaleString('en-US')} ms)`;

/** The story for people. */
export function storyLines(report: TraceReport, now: Date): string[] {
  const lines: string[] = [];
  for (const story of report.messages) {
    lines.push(`Message ${story.messageId}${story.eventId ? `  (Okta eventId ${story.eventId})` : ''}`);
    if (story.sentAt) {
      lines.push(
        `  hook request   ${story.sentAt}  ${[
          story.requestType,
          story.channel,
          story.country,
          story.phone,
          story.isResend ? 'resend (the user asked again)' : undefined,
          story.appClientId ? `app ${story.appClientId}` : undefined,
        ]
          .filter(Boolean)
          .join('  ')}`,
      );
    } else {
      lines.push(
        '  hook request   not recorded: only receipts are known (the hook could not write the message, or it is older)',
      );
    }
    lines.push(
      story.oktaAnswer
        ? `  Okta's answer  ${story.oktaAnswer.status}, transactionId ${story.oktaAnswer.transactionId} (the message id)`
        : "  Okta's answer  not recorded",
    );
    lines.push(
      `  send           from ${story.send.originationIdentity ?? '(identity not recorded)'}, message id ${story.send.messageId}`,
    );
    if (story.receipts.length === 0) lines.push('  receipts       none yet');
    story.receipts.forEach((receipt, i) => {
      lines.push(
        `  ${i === 0 ? 'receipts ' : '         '}      ${receipt.at}  ${receipt.eventType}${receipt.isFinal ? ' (final)' : ''}${ms(receipt.afterSendMs)}`,
      );
    });
    if (story.delivery) {
      lines.push(
        `  delivery       ${story.delivery.status}${story.delivery.final ? ' (final)' : ' (not final yet)'}`,
      );
    }
    const { used } = story;
    if (used.state === 'yes') {
      lines.push(`  code used      yes: RECEIVED${used.at ? ` at ${used.at}` : ''}${ms(used.afterSendMs)}`);
    } else if (used.state === 'no') {
      lines.push(
        `  code used      no: FAILED${used.at ? ` at ${used.at}` : ''}, the code expired unused (the sweep settled it)`,
      );
    } else if (used.state === 'not yet') {
      const expired = story.codeExpiresAt && Date.parse(story.codeExpiresAt) < now.getTime();
      lines.push(
        `  code used      not yet${story.codeExpiresAt ? `: the code ${expired ? 'expired' : 'expires'} at ${story.codeExpiresAt}${expired ? ', the sweep will set FAILED' : ''}` : ''}`,
      );
    } else lines.push('  code used      unknown');
    lines.push('');
  }
  lines.push(`Logs Insights (log groups of ${report.logsInsights.logGroups.join(', ')}):`);
  lines.push(...report.logsInsights.query.split('\n').map((line) => `  ${line}`));
  return lines;
}

/**
 * Runs the CLI.
 *
 * @param argv - arguments after the script name
 * @param io - output
 * @param env - environment (table, endpoint, region)
 * @param now - the clock
 * @returns the exit code: 0 found, 1 nothing found
 */
export async function traceCli(
  argv: string[],
  io: CliIo = terminalIo,
  env: Record<string, string | undefined> = process.env,
  now: () => Date = () => new Date(),
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const [id, ...extra] = positionals;
  if (!id) throw new UsageError('Give an Okta eventId or an End User Messaging message id');
  if (extra.length > 0) throw new UsageError('trace takes one eventId or message id');
  // Never echo something that may be a phone number.
  if (/^\+?[\d\s().-]{7,}$/.test(id)) {
    throw new UsageError(
      'That looks like a phone number: trace finds codes by Okta eventId or message id, never by number',
    );
  }
  if (!ID.test(id)) throw new UsageError('An eventId or message id is 1 to 128 letters, digits and _:.-');

  const table = tableName(values, env, 'MESSAGES_TABLE_NAME', LOCAL_MESSAGES_TABLE);
  if (!table)
    throw new UsageError(
      'No table: pass --table or set MESSAGES_TABLE_NAME (stack output MessagesTableName)',
    );

  const client = new DynamoDBClient(clientConfig(values, env, 'DYNAMODB_ENDPOINT'));
  const doc = DynamoDBDocumentClient.from(client);
  try {
    let foundBy: TraceReport['foundBy'] = 'none';
    let items: Array<Record<string, unknown>> = [];
    const byId = await doc.send(
      new GetCommand({ TableName: table, Key: messageKey(id), ConsistentRead: true }),
    );
    if (byId.Item) {
      foundBy = 'messageId';
      items = [byId.Item];
    } else {
      const { byEvent } = MESSAGES_TABLE.indexes;
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName: table,
            IndexName: byEvent.name,
            KeyConditionExpression: '#eventId = :eventId',
            ExpressionAttributeNames: { '#eventId': byEvent.partitionKey },
            ExpressionAttributeValues: { ':eventId': id },
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        // The user's latest-message pointer carries the event id too: only message items tell the story.
        items.push(...(page.Items ?? []).filter((item) => item.sk === MESSAGE_SK));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      if (items.length > 0) foundBy = 'eventId';
    }
    const when = now();
    const messages = items
      .map((item) => storyOf(item))
      .sort((a, b) => (a.sentAt ?? '').localeCompare(b.sentAt ?? ''));
    // Every function logs Okta's eventId beside the message id: the event's query finds the whole story, also the
    // hook's lines before the send. The saved "one-code-story" query is the same (dashboards/queries).
    const queryId = (foundBy === 'messageId' ? messages[0]?.eventId : undefined) ?? id;
    const report: TraceReport = {
      table,
      id,
      foundBy,
      messages,
      logsInsights: {
        query: ID.test(queryId) ? traceQuery(queryId) : traceQuery(id),
        logGroups: TRACE_LOG_GROUPS,
      },
    };
    if (values.json) io.out(JSON.stringify(report));
    if (foundBy === 'none') {
      if (!values.json) {
        io.err(
          `Nothing in ${table} for ${id}, as a message id or as an Okta eventId. The code may not have been sent ` +
            '(refused by the abuse guard, or failed: see npm run dlq), be older than 7 days, or be in another ' +
            'table or region. The logs may still tell:',
        );
        for (const line of storyLines(report, when)) io.out(line);
      }
      return 1;
    }
    if (!values.json) for (const line of storyLines(report, when)) io.out(line);
    return 0;
  } finally {
    client.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runMain(() => traceCli(process.argv.slice(2)), USAGE);
}
