/**
 * `npm run okta -- send --phone +14155550100 --channel sms|voice [--locale es-MX] [--request-type mfa-verification]
 * [--event-id X] [--repeat N [--new-event-ids]]`: acts as Okta does. Gets an access token with client credentials,
 * posts a payload shaped exactly like Okta's documented sample (from contracts/fixtures/) and prints the status, the
 * answer and the elapsed time. `--repeat N` alone is Okta retrying one event; with `--new-event-ids` each repeat is a
 * new event to the same number (a user asking again, or a script pumping one number), one line per answer with its
 * refusal reason, so that the abuse guard's limits show. With `--url` it can point at a deployed stage, with
 * `--token` or with Okta client credentials (`--issuer`, `--client-id`, `--client-secret`, or OKTA_ISSUER /
 * OKTA_CLIENT_ID / OKTA_CLIENT_SECRET). The OTP and the token are never printed; the phone number is masked.
 *
 * `npm run okta -- verify --event-id X` plays the user typing the code of that event: it finds the message in the
 * local outbox (`Context.eventId`), and posts Okta's System Log event `user.authentication.auth_via_mfa` (SUCCESS,
 * the user who asked, the factor of the message's channel) to `POST /_local/okta-events`, as Okta Log Streaming
 * would deliver it; then prints the message's feedback (RECEIVED once the handler marked it).
 */
import '../../scripts/require-node24.cjs';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { loadFixture, type OktaHookRequestFixture } from '../../contracts/fixtures/index.js';
import { messageKey } from '../src/domain/message-table.js';
import { AUTH_VIA_MFA } from '../src/domain/okta-log-event.js';
import { isPretendSentTransaction } from '../src/domain/okta-response.js';
import { maskPhone } from '../src/domain/redact.js';
import { LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET, LOCAL_SCOPE } from './issuer.js';
import { LOCAL_TABLES } from './names.js';
import { LOCAL_OKTA_API_TOKEN } from './okta/management-api.js';
import { TokenProvider } from './okta-tokens.js';

const USAGE = `usage: npm run okta -- send --phone +14155550100 --channel sms|voice [options]
       npm run okta -- verify --event-id ID [--url URL] [--user-id ID] [--factor F] [--outcome R]
  --locale es-MX              Okta's messageProfile.locale (default EN-US)
  --request-type TYPE         pre-enrollment | mfa-verification | account-unlock | password-reset
  --event-id ID               reuse an eventId (an Okta retry); default: a new one
  --repeat N                  send the same request N times, one after another (Okta's retry)
  --new-event-ids             with --repeat: each request is a new Okta event (new eventId, request id and code)
                              to the same number, one line per answer with the refusal reason: shows the abuse
                              guard's limits (e.g. --repeat 8: the 6th is refused with NUMBER_10M)
  --url URL                   local stack base URL or a deployed HookUrl (default http://127.0.0.1:\${PORT:-3000})
  --token JWT                 bearer token to send as is
  --issuer URL --client-id ID --client-secret SECRET [--scope SCOPE]
                              get a token from this Okta authorization server (default: the local one)

verify: the user types the code of --event-id (local stack only): Okta's System Log event
user.authentication.auth_via_mfa goes to POST /_local/okta-events, and the message's feedback is printed
  --event-id ID               the eventId of the send (printed by send; Context.eventId in the outbox)
  --user-id ID                actor.id (default: the user the messages table holds for that message)
  --factor F                  debugData.factor (default SMS_FACTOR for a text, CALL_FACTOR for a call)
  --outcome R                 outcome.result (default SUCCESS)`;

/** Okta's factor for each outbox channel (`debugContext.debugData.factor` of `auth_via_mfa`). */
const FACTOR_OF_CHANNEL: Record<string, string> = { SMS: 'SMS_FACTOR', VOICE: 'CALL_FACTOR' };

const REQUEST_TYPES = ['pre-enrollment', 'mfa-verification', 'account-unlock', 'password-reset'];

/** The CLI was used wrongly; the message says how. */
class UsageError extends Error {}

/** Builds a hook request like Okta's documented sample, with a fresh code and ids. */
export function buildHookRequest(input: {
  phone: string;
  channel: 'sms' | 'voice';
  locale: string;
  requestType: string;
  eventId?: string;
  now?: Date;
}): OktaHookRequestFixture {
  const payload = loadFixture(
    input.channel === 'sms' ? 'request-sms-mfa-verification' : 'request-call-mfa-verification-en',
  );
  const now = input.now ?? new Date();
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  payload.eventId = input.eventId ?? randomBytes(16).toString('base64url');
  payload.eventTime = now.toISOString();
  payload.requestType = `com.okta.user.telephony.${input.requestType}`;
  payload.data.context.request.id = `req${randomBytes(12).toString('base64url')}`;
  Object.assign(payload.data.messageProfile, {
    msgTemplate: `Your verification code is ${code}`,
    phoneNumber: input.phone,
    otpExpires: new Date(now.getTime() + 5 * 60_000).toISOString(),
    deliveryChannel: input.channel === 'sms' ? 'SMS' : 'CALL',
    otpCode: code,
    locale: input.locale,
  });
  return payload;
}

/**
 * The requests of one `send`: Okta's retry repeats one event as it is; with `newEventIds`, each request is a new
 * event (its own eventId, request id and code) to the same number.
 *
 * @param input - as for {@link buildHookRequest}
 * @param repeat - how many requests
 * @param newEventIds - a new event per request
 */
export function buildHookRequests(
  input: Parameters<typeof buildHookRequest>[0],
  repeat: number,
  newEventIds: boolean,
): OktaHookRequestFixture[] {
  if (!newEventIds) {
    const payload = buildHookRequest(input);
    return Array.from({ length: repeat }, () => payload);
  }
  return Array.from({ length: repeat }, () => buildHookRequest(input));
}

/**
 * One line for one answer: Okta's status (and a transaction id that says the guard pretended to send), or the error
 * reasons. Codes and numbers are not in Okta's answers; the line holds none.
 *
 * @param status - HTTP status
 * @param text - the body
 * @returns whether it is a success, the outcome in a word or two (for the tally), and the line
 */
export function summarizeAnswer(
  status: number,
  text: string,
): { ok: boolean; outcome: string; line: string } {
  let body: {
    commands?: Array<{ value?: Array<{ status?: string; transactionId?: string }> }>;
    error?: { errorSummary?: string; errorCauses?: Array<{ reason?: string; errorSummary?: string }> };
  };
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, outcome: `HTTP ${status}`, line: `HTTP ${status}, not JSON` };
  }
  if (body.error) {
    const causes = (body.error.errorCauses ?? []).map(
      (cause) => `${cause.reason ?? '?'}${cause.errorSummary ? ` (${cause.errorSummary})` : ''}`,
    );
    return {
      ok: false,
      outcome: (body.error.errorCauses ?? []).map((cause) => cause.reason ?? '?').join('+') || 'error',
      line: `HTTP ${status} error: ${causes.length > 0 ? causes.join('; ') : (body.error.errorSummary ?? '?')}`,
    };
  }
  const value = body.commands?.[0]?.value?.[0];
  const blocked = isPretendSentTransaction(value?.transactionId) ? ' (refused by the guard, not sent)' : '';
  return {
    ok: status >= 200 && status < 300 && value?.status !== undefined,
    outcome: `${value?.status ?? `HTTP ${status}`}${blocked ? ', not sent' : ''}`,
    line: `HTTP ${status} ${value?.status ?? 'no status'}${blocked}`,
  };
}

/**
 * Okta's System Log event for a user who entered an MFA code (`user.authentication.auth_via_mfa`), shaped like
 * Okta's LogEvent object: `uuid`, `published`, `eventType`, `actor` (the user), `outcome.result`,
 * `debugContext.debugData.factor`, and the usual context. It carries no phone number and no code.
 *
 * @param input - the user, the factor (`SMS_FACTOR`, `CALL_FACTOR`, …), the outcome, the time
 */
export function buildMfaVerifiedEvent(input: {
  userId: string;
  factor: string;
  outcome?: 'SUCCESS' | 'FAILURE';
  login?: string;
  now?: Date;
}): Record<string, unknown> {
  const now = input.now ?? new Date();
  const requestId = `req${randomBytes(12).toString('base64url')}`;
  const user = {
    id: input.userId,
    type: 'User',
    ...(input.login ? { alternateId: input.login } : {}),
    displayName: input.login ?? input.userId,
    detailEntry: null,
  };
  return {
    uuid: randomUUID(),
    published: now.toISOString(),
    eventType: AUTH_VIA_MFA,
    version: '0',
    severity: 'INFO',
    displayMessage: 'Authentication of user via MFA',
    actor: user,
    client: { ipAddress: '203.0.113.10', zone: 'null', device: 'Computer' },
    outcome: {
      result: input.outcome ?? 'SUCCESS',
      reason: input.outcome === 'FAILURE' ? 'INVALID_CREDENTIALS' : null,
    },
    target: [user],
    transaction: { type: 'WEB', id: requestId, detail: {} },
    debugContext: {
      debugData: {
        factor: input.factor,
        requestId,
        requestUri: '/idp/idx/challenge/answer',
        url: '/idp/idx/challenge/answer',
      },
    },
    authenticationContext: {
      authenticationStep: 0,
      externalSessionId: `trs${randomBytes(12).toString('base64url')}`,
    },
  };
}

/** The hook URL and where tokens come from, from `--url` (a base URL gets `/hook` appended). */
function endpoints(url: string): { hookUrl: string; localIssuer: string } {
  const parsed = new URL(url);
  const base = parsed.origin;
  const hookUrl = /\/hook\/?$/.test(parsed.pathname)
    ? parsed.href
    : `${base}${parsed.pathname.replace(/\/$/, '')}/hook`;
  return { hookUrl, localIssuer: `${base}/oauth2/default` };
}

/** Where the CLI writes (tests pass their own). */
type Out = (text: string) => void;
const stdout: Out = (text) => process.stdout.write(text);

async function send(argv: string[], out: Out): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      phone: { type: 'string' },
      channel: { type: 'string' },
      locale: { type: 'string', default: 'EN-US' },
      'request-type': { type: 'string', default: 'mfa-verification' },
      'event-id': { type: 'string' },
      repeat: { type: 'string', default: '1' },
      'new-event-ids': { type: 'boolean', default: false },
      url: { type: 'string' },
      token: { type: 'string' },
      issuer: { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      scope: { type: 'string', default: LOCAL_SCOPE },
    },
    strict: true,
  });
  if (!values.phone) throw new UsageError('--phone is required');
  const channel = values.channel?.toLowerCase();
  if (channel !== 'sms' && channel !== 'voice') throw new UsageError('--channel must be sms or voice');
  const requestType = values['request-type'] ?? 'mfa-verification';
  if (!REQUEST_TYPES.includes(requestType))
    throw new UsageError(`--request-type must be one of ${REQUEST_TYPES.join(', ')}`);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 1000)
    throw new UsageError('--repeat must be 1..1000');
  const newEventIds = values['new-event-ids'] ?? false;
  if (newEventIds && values['event-id'])
    throw new UsageError('--new-event-ids gives every request its own eventId: leave out --event-id');

  const { hookUrl, localIssuer } = endpoints(values.url ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}`);
  let token = values.token;
  // Connected with npm run okta:connect: the local Okta calls the hook it made, with its own token, as Okta would.
  const viaHook =
    !token && !values.issuer && !process.env.OKTA_ISSUER ? await localTelephonyHook(hookUrl) : undefined;
  if (!token && !viaHook) {
    const localHost = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(hookUrl).hostname);
    const issuer = values.issuer ?? process.env.OKTA_ISSUER ?? (localHost ? localIssuer : undefined);
    if (!issuer)
      throw new UsageError('For a deployed --url give --token, or --issuer with client credentials');
    const local = issuer === localIssuer;
    const clientId =
      values['client-id'] ?? process.env.OKTA_CLIENT_ID ?? (local ? LOCAL_CLIENT_ID : undefined);
    const clientSecret =
      values['client-secret'] ?? process.env.OKTA_CLIENT_SECRET ?? (local ? LOCAL_CLIENT_SECRET : undefined);
    if (!clientId || !clientSecret) {
      throw new UsageError('For a non-local issuer give --client-id and --client-secret (or --token)');
    }
    token = await new TokenProvider({
      kind: 'client-credentials',
      tokenUrl: `${issuer.replace(/\/$/, '')}/v1/token`,
      clientId,
      clientSecret,
      scope: values.scope ?? LOCAL_SCOPE,
    }).token();
  }

  const payloads = buildHookRequests(
    {
      phone: values.phone,
      channel,
      locale: values.locale ?? 'EN-US',
      requestType,
      ...(values['event-id'] ? { eventId: values['event-id'] } : {}),
    },
    repeat,
    newEventIds,
  );
  const first = payloads[0]!;
  out(
    `${viaHook ? `Okta (local) → inline hook "${viaHook.name}" → ` : ''}POST ${hookUrl}  ${channel} ${first.data.messageProfile.locale} ${maskPhone(values.phone)} ${requestType} ${newEventIds ? `${repeat} new events` : `eventId=${first.eventId}`}\n`,
  );
  let failures = 0;
  const outcomes = new Map<string, number>();
  for (let attempt = 1; attempt <= repeat; attempt += 1) {
    const payload = payloads[attempt - 1]!;
    const started = performance.now();
    const response = await fetch(viaHook ? viaHook.executeUrl : hookUrl, {
      method: 'POST',
      headers: {
        authorization: viaHook ? `SSWS ${LOCAL_OKTA_API_TOKEN}` : `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    const elapsed = Math.round(performance.now() - started);
    if (newEventIds) {
      const { ok, outcome, line } = summarizeAnswer(response.status, text);
      if (!ok) failures += 1;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      out(`#${attempt} eventId=${payload.eventId} ${line} in ${elapsed} ms\n`);
      continue;
    }
    let pretty = text;
    let okta: { error?: unknown } | undefined;
    try {
      okta = JSON.parse(text) as { error?: unknown };
      pretty = JSON.stringify(okta, null, 2);
    } catch {
      okta = undefined;
    }
    if (!response.ok || !okta || okta.error) failures += 1;
    const label = repeat > 1 ? `#${attempt} ` : '';
    out(`${label}HTTP ${response.status} in ${elapsed} ms\n${pretty}\n`);
  }
  if (newEventIds) {
    const counts = [...outcomes.entries()].map(([outcome, n]) => `${n} ${outcome}`).join(', ');
    out(`${repeat} new events: ${counts}\n`);
  }
  return failures === 0 ? 0 : 1;
}

/**
 * The local Okta's active telephony inline hook for this hook URL, if `npm run okta:connect` made one: `send` then
 * goes through its `execute` (the local Okta gets the token and calls the hook, as Okta does at a sign-in).
 */
async function localTelephonyHook(
  hookUrl: string,
): Promise<{ name: string; executeUrl: string } | undefined> {
  const url = new URL(hookUrl);
  if (!['127.0.0.1', 'localhost'].includes(url.hostname)) return undefined;
  try {
    const response = await fetch(`${url.origin}/api/v1/inlineHooks?type=com.okta.telephony.provider`, {
      headers: { authorization: `SSWS ${LOCAL_OKTA_API_TOKEN}`, accept: 'application/json' },
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) return undefined;
    const hooks = (await response.json()) as Array<{
      id: string;
      name: string;
      status: string;
      channel?: { config?: { uri?: string } };
    }>;
    const active = hooks.find((h) => h.status === 'ACTIVE' && h.channel?.config?.uri === hookUrl);
    return active
      ? { name: active.name, executeUrl: `${url.origin}/api/v1/inlineHooks/${active.id}/execute` }
      : undefined;
  } catch {
    return undefined;
  }
}

/** The user id the messages table holds for a message, read through the local stack's DynamoDB endpoint. */
async function userIdFromTable(base: string, messageId: string): Promise<string | undefined> {
  const client = new DynamoDBClient({
    endpoint: base,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    const { Item } = await DynamoDBDocumentClient.from(client).send(
      new GetCommand({ TableName: LOCAL_TABLES.messages, Key: messageKey(messageId), ConsistentRead: true }),
    );
    return typeof Item?.userId === 'string' ? Item.userId : undefined;
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

type OutboxEntry = {
  messageId: string;
  channel: string;
  Context?: { eventId?: string };
  DestinationPhoneNumber?: string;
  feedback?: string | null;
};

async function outboxMessages(base: string): Promise<OutboxEntry[]> {
  const response = await fetch(`${base}/_local/outbox`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET ${base}/_local/outbox answered HTTP ${response.status}`);
  return ((await response.json()) as { messages: OutboxEntry[] }).messages;
}

async function verify(argv: string[], out: Out): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'event-id': { type: 'string' },
      url: { type: 'string' },
      'user-id': { type: 'string' },
      factor: { type: 'string' },
      outcome: { type: 'string', default: 'SUCCESS' },
    },
    strict: true,
  });
  const eventId = values['event-id'];
  if (!eventId) throw new UsageError('--event-id is required: the eventId the code was sent for');
  const outcome = values.outcome?.toUpperCase();
  if (outcome !== 'SUCCESS' && outcome !== 'FAILURE')
    throw new UsageError('--outcome must be SUCCESS or FAILURE');
  const base = new URL(values.url ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}`).origin;

  const matching = (await outboxMessages(base)).filter((m) => m.Context?.eventId === eventId);
  const message = matching.at(-1);
  if (!message) {
    process.stderr.write(
      `No message in the outbox of ${base} for eventId ${eventId}: send one first (npm run okta -- send …), or the outbox was emptied
`,
    );
    return 1;
  }
  const factor = values.factor?.toUpperCase() ?? FACTOR_OF_CHANNEL[message.channel] ?? 'SMS_FACTOR';
  let userId = values['user-id'];
  let userNote = '';
  if (!userId) {
    userId = await userIdFromTable(base, message.messageId);
    if (!userId) {
      // What `send` always sends: the user of Okta's documented sample.
      userId = loadFixture('request-sms-mfa-verification').data.userProfile?.userId ?? 'unknown';
      userNote = ' (not in the messages table: the sample user `send` uses)';
    }
  }
  const event = buildMfaVerifiedEvent({ userId, factor, outcome });
  out(
    `POST ${base}/_local/okta-events  ${AUTH_VIA_MFA} ${outcome} ${factor} actor ${userId}${userNote}, message ${message.messageId} to ${maskPhone(message.DestinationPhoneNumber ?? '')}
`,
  );
  const started = performance.now();
  const response = await fetch(`${base}/_local/okta-events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const elapsed = Math.round(performance.now() - started);
  if (!response.ok) {
    out(`HTTP ${response.status} in ${elapsed} ms: ${text}
`);
    return 1;
  }
  // The route answers after the handler ran: the feedback is there now, or it will not be.
  const after = (await outboxMessages(base)).find((m) => m.messageId === message.messageId);
  const feedback = after?.feedback ?? null;
  out(`HTTP ${response.status} in ${elapsed} ms; message ${message.messageId} feedback ${feedback ?? 'none'}
`);
  const expected = outcome === 'SUCCESS' && factor === FACTOR_OF_CHANNEL[message.channel];
  return expected && feedback !== 'RECEIVED' ? 1 : 0;
}

/**
 * Runs the CLI.
 *
 * @param argv - arguments after the script name
 * @param out - where answers go (stdout)
 * @returns the exit code: 0 when every answer is a success
 */
export async function main(argv: string[], out: Out = stdout): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'send' && command !== 'verify') {
    process.stderr.write(`${USAGE}\n`);
    return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
  }
  try {
    return command === 'send' ? await send(rest, out) : await verify(rest, out);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
      return 2;
    }
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    process.stderr.write(`${(error as Error).message}${cause ? ` (${cause})` : ''}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('okta-cli.ts')) {
  process.exitCode = await main(process.argv.slice(2));
}
