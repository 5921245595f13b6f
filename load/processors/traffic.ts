/**
 * Okta's telephony hook traffic, as the load test sends it: each request is one of Okta's documented payloads
 * (`contracts/fixtures/`) with a fresh `eventId`, a request type and locale drawn from a realistic mix, and an
 * OTP derived from the run's seed, so the runner can look for every code in the stack's output without the
 * codes ever being written down.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { loadRequestFixtures, type OktaHookRequestFixture } from '../../contracts/fixtures/index.js';

/** The knobs of the mix. */
export type TrafficMix = {
  /** Share of voice calls; the rest is SMS. @default 0.2 */
  voiceShare: number;
  /** Share of requests built to be refused (a destination country the stack does not allow). @default 0 */
  undeliverableShare: number;
  /** E.164 numbers to send to instead of the fixtures' fictional ones (simulator numbers on a real stage). */
  destinations?: readonly string[];
};

/** One request ready to send. */
export type HookRequest = {
  eventId: string;
  channel: 'sms' | 'voice';
  /** Built to be refused with an error object (and a DLQ record). */
  expectRejection: boolean;
  body: OktaHookRequestFixture;
};

/** Weighted choice. Kept close to what an Okta org sees: mostly sign-in, mostly English. */
type Weighted<T> = ReadonlyArray<readonly [T, number]>;

/** Request types: sign-in dominates; enrolment, resets and unlocks make up the rest. */
export const REQUEST_TYPES: Weighted<string> = [
  ['com.okta.user.telephony.mfa-verification', 70],
  ['com.okta.user.telephony.pre-enrollment', 12],
  ['com.okta.user.telephony.password-reset', 12],
  ['com.okta.user.telephony.account-unlock', 6],
];

/** Locales as Okta sends them (any case, with or without region); `ko-KR` has no template and falls back. */
export const LOCALES: Weighted<string> = [
  ['EN-US', 40],
  ['en', 10],
  ['es-MX', 12],
  ['es', 5],
  ['fr-FR', 8],
  ['de-DE', 6],
  ['pt-BR', 6],
  ['ja-JP', 5],
  ['it', 4],
  ['ko-KR', 4],
];

/** A valid mobile number in a country the default routing config does not allow (South Korea). */
export const UNDELIVERABLE_NUMBER = '+821055550123';

const SMS_CHANNELS = new Set(['sms']);

/**
 * Picks from a weighted list.
 *
 * @param items - `[value, weight]` pairs
 * @param random - a number in [0, 1)
 */
export function pick<T>(items: Weighted<T>, random: number = Math.random()): T {
  const total = items.reduce((sum, [, weight]) => sum + weight, 0);
  let at = random * total;
  for (const [value, weight] of items) {
    at -= weight;
    if (at < 0) return value;
  }
  return items[items.length - 1]![0];
}

/**
 * The OTP of an event, derived from the run's seed: the runner recomputes every code from the journal's event
 * ids to search the stack's output for them.
 *
 * @param seed - the run's secret seed
 * @param eventId - the event
 * @returns six digits
 */
export function otpFor(seed: string, eventId: string): string {
  const digest = createHmac('sha256', seed).update(eventId).digest();
  return String(digest.readUInt32BE(0) % 1_000_000).padStart(6, '0');
}

/** A fresh id shaped like Okta's (22 characters, URL-safe). */
export function newEventId(): string {
  return randomBytes(16).toString('base64url');
}

/** The request fixtures split by channel, loaded once per worker. */
let byChannel: { sms: OktaHookRequestFixture[]; voice: OktaHookRequestFixture[] } | undefined;

function fixtures() {
  if (!byChannel) {
    const all = loadRequestFixtures().map(({ payload }) => payload);
    const isSms = (p: OktaHookRequestFixture) =>
      SMS_CHANNELS.has(p.data.messageProfile.deliveryChannel.toLowerCase());
    byChannel = { sms: all.filter(isSms), voice: all.filter((p) => !isSms(p)) };
    if (!byChannel.sms.length || !byChannel.voice.length) {
      throw new Error('contracts/fixtures must hold at least one SMS and one voice request');
    }
  }
  return byChannel;
}

/**
 * Builds one of Okta's hook requests for the mix.
 *
 * @param mix - channel and failure shares, destination numbers
 * @param seed - the run's seed (see {@link otpFor})
 * @param random - random source, injectable for tests
 */
export function buildHookRequest(
  mix: TrafficMix,
  seed: string,
  random: () => number = Math.random,
): HookRequest {
  const channel = random() < mix.voiceShare ? 'voice' : 'sms';
  const pool = fixtures()[channel];
  // A fresh deep copy: the cached fixture stays untouched.
  const body = structuredClone(pool[Math.floor(random() * pool.length)]!);
  const eventId = newEventId();
  const otp = otpFor(seed, eventId);
  const now = Date.now();
  const expectRejection = random() < mix.undeliverableShare;
  const profile = body.data.messageProfile;

  body.eventId = eventId;
  body.eventTime = new Date(now).toISOString();
  body.requestType = pick(REQUEST_TYPES, random());
  body.data.context.request.id = `req${randomBytes(12).toString('base64url')}`;
  profile.otpCode = otp;
  profile.msgTemplate = `Your verification code is ${otp}`;
  profile.otpExpires = new Date(now + 5 * 60_000).toISOString();
  profile.locale = pick(LOCALES, random());
  if (expectRejection) profile.phoneNumber = UNDELIVERABLE_NUMBER;
  else if (mix.destinations?.length) {
    profile.phoneNumber = mix.destinations[Math.floor(random() * mix.destinations.length)]!;
  }
  return { eventId, channel, expectRejection, body };
}
