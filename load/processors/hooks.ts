/**
 * Artillery processor of `scenarios/inline-hook.yml` and `scenarios/pumping.yml`: builds each Okta hook request,
 * signs it with a bearer token, and judges each answer as Okta would (and, for the pumping attack's requests, as
 * the abuse guard should). Every hook is callback style: an async hook that returns a value fails every virtual
 * user while Artillery still exits 0.
 *
 * Configuration comes from the environment (the runner, `load/run.ts`, sets it):
 * `LOAD_RUN_SEED`, `LOAD_JOURNAL`, `LOAD_VOICE_SHARE`, `LOAD_UNDELIVERABLE_SHARE`, `LOAD_DESTINATIONS`,
 * `LOAD_LOCAL_TOKEN_URL`, and the token variables of `service/local/okta-tokens.ts`.
 */
import { randomBytes } from 'node:crypto';
import { localTokenSource, TokenProvider, tokenSourceFromEnv } from '../../service/local/okta-tokens.js';
import { judge } from './answers.js';
import { appendJournal, type JournalEntry } from './journal.js';
import { buildAttackRequest, buildHookRequest, type HookRequest, type TrafficMix } from './traffic.js';

type Next = (error?: Error) => void;
type Emitter = { emit(type: string, name: string, value?: number): void };
type Context = { vars: Record<string, any> };
type RequestParams = { json?: unknown; headers?: Record<string, string>; [key: string]: unknown };
type Response = { statusCode: number; body?: unknown; timings?: { phases?: { firstByte?: number } } };

const env = process.env;
// Without the runner's seed the codes are still random per worker, only not recomputable afterwards.
const seed = env.LOAD_RUN_SEED ?? randomBytes(16).toString('hex');
const journal = env.LOAD_JOURNAL;
const mix: TrafficMix = {
  voiceShare: Number(env.LOAD_VOICE_SHARE ?? 0.2),
  undeliverableShare: Number(env.LOAD_UNDELIVERABLE_SHARE ?? 0),
  destinations: env.LOAD_DESTINATIONS?.split(',')
    .map((n) => n.trim())
    .filter(Boolean),
};
const localTokenUrl = env.LOAD_LOCAL_TOKEN_URL;
const tokens = new TokenProvider(
  tokenSourceFromEnv(env, localTokenUrl ? localTokenSource(localTokenUrl) : undefined),
);

async function sign(req: RequestParams, request: HookRequest): Promise<void> {
  const token = await tokens.token();
  req.json = request.body;
  req.headers = { ...req.headers, authorization: `Bearer ${token}` };
}

/**
 * `beforeRequest`: a new OTP request from Okta (fresh eventId, mix of channels, locales and request types).
 */
export function oktaRequest(req: RequestParams, ctx: Context, ee: Emitter, next: Next): void {
  const request = buildHookRequest(mix, seed);
  ctx.vars.hook = { request, retry: false };
  ee.emit('counter', `hook.requests.${request.channel}`, 1);
  sign(req, request).then(() => next(), next);
}

/**
 * `beforeRequest`: one request of the pumping attack (`scenarios/pumping.yml`): an SMS enrolment of a new user to
 * a number of the attacked prefix, from one of a few client IPs.
 */
export function attackRequest(req: RequestParams, ctx: Context, ee: Emitter, next: Next): void {
  const request = buildAttackRequest(seed);
  ctx.vars.hook = { request, retry: false };
  ee.emit('counter', 'hook.requests.attack', 1);
  sign(req, request).then(() => next(), next);
}

/**
 * `beforeRequest`: Okta's retry of the VU's previous request: the same body, so the same eventId and code.
 */
export function oktaRetry(req: RequestParams, ctx: Context, ee: Emitter, next: Next): void {
  const previous = ctx.vars.hook as { request: HookRequest; transactionId?: string } | undefined;
  if (!previous) {
    next(new Error('oktaRetry needs an oktaRequest before it'));
    return;
  }
  ctx.vars.hook = { ...previous, retry: true };
  ee.emit('counter', 'hook.retries', 1);
  sign(req, previous.request).then(() => next(), next);
}

/** The request type (without Okta's prefix) and user id of a request, for the journal. */
function who(request: HookRequest): Pick<JournalEntry, 'requestType' | 'userId'> {
  const userId = request.body.data.userProfile?.userId;
  return {
    requestType: request.body.requestType.replace(/^com\.okta\.user\.telephony\./, ''),
    ...(userId ? { userId } : {}),
  };
}

/**
 * `afterResponse`: judges the answer, journals it, and fails the VU on an error so that it counts against the
 * budget's error rate (`vusers.failed`, `errors.<reason>`).
 */
export function oktaJudges(_req: RequestParams, res: Response, ctx: Context, ee: Emitter, next: Next): void {
  const state = ctx.vars.hook as { request: HookRequest; retry: boolean; transactionId?: string };
  let verdict = judge(res.statusCode, res.body, state.request.expect);
  // A retry of a delivered request must get the first answer back: another transactionId means a second send.
  if (
    state.retry &&
    state.transactionId &&
    verdict.outcome === 'successful' &&
    verdict.transactionId !== state.transactionId
  ) {
    verdict = { outcome: 'error', reason: 'retry_sent_again' };
  }
  if (!state.retry && verdict.transactionId) state.transactionId = verdict.transactionId;
  const entry: JournalEntry = {
    at: Date.now(),
    eventId: state.request.eventId,
    retry: state.retry,
    channel: state.request.channel,
    ...who(state.request),
    stream: state.request.stream,
    ...(state.request.expect === 'undeliverable' ? { undeliverable: true as const } : {}),
    outcome: verdict.outcome,
    status: res.statusCode,
    ...(typeof res.timings?.phases?.firstByte === 'number' ? { ms: res.timings.phases.firstByte } : {}),
    ...(verdict.transactionId ? { transactionId: verdict.transactionId } : {}),
    ...(verdict.reason ? { reason: verdict.reason } : {}),
  };
  appendJournal(journal, entry);
  ee.emit('counter', `hook.answers.${verdict.outcome}`, 1);
  next(verdict.outcome === 'error' ? new Error(`hook ${verdict.reason}`) : undefined);
}

/** `onError` (scenario level): journals transport errors (timeouts, refused connections). */
export function transportError(
  error: Error & { code?: string },
  _req: RequestParams,
  ctx: Context,
  _ee: Emitter,
  next: Next,
): void {
  const state = ctx.vars.hook as { request: HookRequest; retry: boolean } | undefined;
  if (state) {
    appendJournal(journal, {
      at: Date.now(),
      eventId: state.request.eventId,
      retry: state.retry,
      channel: state.request.channel,
      ...who(state.request),
      stream: state.request.stream,
      ...(state.request.expect === 'undeliverable' ? { undeliverable: true as const } : {}),
      outcome: 'error',
      status: 0,
      reason: error.code ?? error.name,
    });
  }
  next();
}
