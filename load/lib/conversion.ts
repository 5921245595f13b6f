/**
 * Receipts and conversion under load (local runs): after the load, a share of the sign-ins answered SUCCESSFUL play
 * the user typing the code. For each, Okta's System Log event `user.authentication.auth_via_mfa` (SUCCESS, the
 * request's user, the factor of its channel) goes to the stack's `POST /_local/okta-events`, which hands it to the
 * real `record-verification` handler as Okta Log Streaming's EventBridge event would, and answers once it ran. The
 * runner then waits, bounded, for the last delivery receipts and checks them and the messages' feedback in the outbox.
 *
 * Played after the load, not during it: the budget is the hook's latency, and Artillery's `ensure` judges every
 * request of the scenario (a verification posted from a virtual user would be counted in `http.response_time` and in
 * the error rate), while the verification handler, a Lambda of its own on AWS, would share the local stack's cores
 * with the hook during the measurement. The price: a played code is used a little later than a user would use it,
 * so a run longer than the codes' lifetime (5 minutes) plays only the sign-ins whose code still lives (`expired`).
 */
import { createHmac } from 'node:crypto';
import { buildMfaVerifiedEvent } from '../../service/local/okta-cli.js';
import type { JournalEntry } from '../processors/journal.js';
import { CODE_LIFETIME_MS } from '../processors/traffic.js';
import { hasFinalReceipt, type Outbox } from './checks.js';

/** Okta's factor of each channel (`debugContext.debugData.factor` of `auth_via_mfa`). */
export const FACTOR_OF_CHANNEL = { sms: 'SMS_FACTOR', voice: 'CALL_FACTOR' } as const;

/**
 * The request types whose code the run plays: sign-ins (`mfa-verification`), where Okta logs `auth_via_mfa` when
 * the user enters the code. Enrolments, resets and unlocks are sent and receipted like the rest, never played.
 */
export const PLAYED_REQUEST_TYPES: ReadonlySet<string> = new Set(['mfa-verification']);

/** A code is played only while it has at least this long to live when the run gets to it. */
const EXPIRY_MARGIN_MS = 15_000;

/** One played verification: the send and whom Okta's event names. */
export type Verification = {
  eventId: string;
  /** The SUCCESSFUL answer's `transactionId`: the End User Messaging MessageId, the outbox's `messageId`. */
  messageId: string;
  /** `data.userProfile.userId` of the request: the event's `actor.id`. */
  userId: string;
  channel: 'sms' | 'voice';
};

/** Which verifications a run plays. */
export type VerificationPlan = {
  share: number;
  /** Sign-ins of the normal stream answered SUCCESSFUL (unique events): what the share is of. */
  eligible: number;
  /** Chosen, but their code had (nearly) expired by the time the run played them: not played. */
  expired: number;
  played: Verification[];
};

/** A number in [0, 1) fixed by the seed and the event: which events are chosen does not depend on the order. */
function draw(seed: string, eventId: string): number {
  return createHmac('sha256', seed).update(`verify#${eventId}`).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * Chooses the verifications to play: `round(share × eligible)` of the normal stream's sign-ins answered SUCCESSFUL,
 * by a draw from the seed, less those whose code no longer lives at `now`.
 *
 * @param journal - every answer seen
 * @param share - `--verify-share`
 * @param seed - the run's seed
 * @param now - when they are played, ms since the epoch
 */
export function planVerifications(
  journal: JournalEntry[],
  share: number,
  seed: string,
  now = Date.now(),
): VerificationPlan {
  const firstAnswer = new Map<string, JournalEntry>();
  for (const entry of journal) {
    if (entry.stream === 'attack' || entry.outcome !== 'successful') continue;
    if (!entry.transactionId || !entry.userId || !PLAYED_REQUEST_TYPES.has(entry.requestType ?? '')) continue;
    if (!firstAnswer.has(entry.eventId)) firstAnswer.set(entry.eventId, entry);
  }
  const candidates = [...firstAnswer.values()]
    .map((entry) => ({ entry, draw: draw(seed, entry.eventId) }))
    .sort((a, b) => a.draw - b.draw)
    .slice(0, Math.round(share * firstAnswer.size));
  const played: Verification[] = [];
  let expired = 0;
  for (const { entry } of candidates) {
    const requestedAt = entry.at - (entry.ms ?? 0);
    if (requestedAt + CODE_LIFETIME_MS - EXPIRY_MARGIN_MS < now) {
      expired += 1;
      continue;
    }
    played.push({
      eventId: entry.eventId,
      messageId: entry.transactionId!,
      userId: entry.userId!,
      channel: entry.channel,
    });
  }
  return { share, eligible: firstAnswer.size, expired, played };
}

/** Okta's `auth_via_mfa` SUCCESS for a played verification (the same builder as `npm run okta -- verify`). */
export function verificationEvent(verification: Verification, now?: Date): Record<string, unknown> {
  return buildMfaVerifiedEvent({
    userId: verification.userId,
    factor: FACTOR_OF_CHANNEL[verification.channel],
    ...(now ? { now } : {}),
  });
}

/** What playing the verifications came to. */
export type PlayResult = {
  /** Events posted. */
  posted: number;
  /** Events the stack did not deliver to the handler, or whose handler failed (after its retries). */
  undelivered: number;
  /** Why, in a few words each (an HTTP status, a network error), at most a few. */
  errors: string[];
  ms: number;
};

/** Events per `POST /_local/okta-events` (the route takes at most 100) and requests in flight at once. */
const BATCH = 25;
const CONCURRENCY = 4;

/**
 * Posts each verification's event to the local stack's `POST /_local/okta-events`, in batches, a few at once. The
 * route answers after the handler ran for each event of its batch: 200, or 502 with `failed` when some failed.
 *
 * @param baseUrl - the local stack, `http://127.0.0.1:PORT`
 * @param verifications - what to play
 * @param post - `fetch` (tests pass their own)
 */
export async function playVerifications(
  baseUrl: string,
  verifications: Verification[],
  post: typeof fetch = fetch,
): Promise<PlayResult> {
  const started = performance.now();
  const batches: Verification[][] = [];
  for (let at = 0; at < verifications.length; at += BATCH) batches.push(verifications.slice(at, at + BATCH));
  let undelivered = 0;
  const errors: string[] = [];
  const note = (error: string) => {
    if (errors.length < 3 && !errors.includes(error)) errors.push(error);
  };
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      try {
        const response = await post(`${baseUrl}/_local/okta-events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(batch.map((v) => verificationEvent(v))),
          signal: AbortSignal.timeout(60_000),
        });
        const body = (await response.json().catch(() => ({}))) as { delivered?: number; failed?: number };
        if (response.status === 200 || response.status === 502) {
          const failed = typeof body.failed === 'number' ? body.failed : batch.length;
          undelivered += failed;
          if (failed)
            note(`HTTP ${response.status}: ${failed} of ${batch.length} events failed in the handler`);
        } else {
          undelivered += batch.length;
          note(`HTTP ${response.status}`);
        }
      } catch (error) {
        undelivered += batch.length;
        note((error as Error).name === 'TimeoutError' ? 'timed out' : (error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, batches.length) }, worker));
  return {
    posted: verifications.length,
    undelivered,
    errors,
    ms: Math.round(performance.now() - started),
  };
}

/**
 * Waits until every send in the outbox has its final receipt, or `timeoutMs` has passed.
 *
 * @param read - reads the outbox
 * @param timeoutMs - the longest wait
 * @param intervalMs - between reads
 * @returns whether every send has its final receipt, and how long it took
 */
export async function waitForReceipts(
  read: () => Promise<Outbox>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<{ complete: boolean; waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    const outbox = await read();
    const waitedMs = Date.now() - started;
    if (outbox.every(hasFinalReceipt)) return { complete: true, waitedMs };
    if (waitedMs >= timeoutMs) return { complete: false, waitedMs };
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, timeoutMs - waitedMs)));
  }
}
