/**
 * Okta's telephony hook traffic, as the load test sends it: each request is one of Okta's documented payloads
 * (`contracts/fixtures/`) with a fresh `eventId`, a request type and locale drawn from a realistic mix, a new user,
 * number and client IP (`population.ts`: real sign-ins, as the abuse guard sees them), and an OTP derived from the
 * run's seed, so the runner can look for every code and number in the stack's output without the codes or numbers
 * ever being written down. The pumping scenario's attack requests (`pumping.ts`) are built here too.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { loadRequestFixtures, type OktaHookRequestFixture } from '../../contracts/fixtures/index.js';
import { clientIp, destinationFor, newUser } from './population.js';
import { attackIp, attackNumber, PRE_ENROLLMENT } from './pumping.js';
import { pick, type Weighted } from './random.js';

export { pick } from './random.js';

/** The knobs of the mix. */
export type TrafficMix = {
  /** Share of voice calls; the rest is SMS. @default 0.2 */
  voiceShare: number;
  /** Share of requests built to be refused (a destination country the stack does not allow). @default 0 */
  undeliverableShare: number;
  /** E.164 numbers to send to instead of the generated ones (simulator numbers on a real stage). */
  destinations?: readonly string[];
};

/** Which traffic a request belongs to: the sign-ins of an org, or the pumping scenario's attack. */
export type Stream = 'normal' | 'attack';

/**
 * What the answer should be: a delivery; Okta's error object for a refused country (with a DLQ record); or, for
 * an attack request, a delivery until the guard's limit and a guard refusal after it.
 */
export type Expectation = 'delivery' | 'undeliverable' | 'attack';

/** One request ready to send. */
export type HookRequest = {
  eventId: string;
  channel: 'sms' | 'voice';
  stream: Stream;
  expect: Expectation;
  body: OktaHookRequestFixture;
};

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

const SMS_CHANNELS = new Set(['sms']);

/** How long each code lives (`messageProfile.otpExpires` is this long after the request), as Okta's 5 minutes. */
export const CODE_LIFETIME_MS = 5 * 60_000;

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
 * The number a request was sent to, recomputed from the run's seed: what the runner searches the stack's output
 * for (the journal never holds a number).
 *
 * @param seed - the run's seed
 * @param eventId - the request's event id
 * @param stream - normal or attack
 * @param undeliverable - a normal request built to go to a refused country
 */
export function numberOf(seed: string, eventId: string, stream: Stream, undeliverable = false): string {
  if (stream === 'attack') return attackNumber(seed, eventId);
  return destinationFor(seed, eventId, undeliverable ? 'undeliverable' : 'deliverable');
}

/** What makes a fixture a fresh request. */
type Fresh = {
  eventId: string;
  requestType: string;
  locale: string;
  phone: string;
  ipAddress: string;
};

/** A fixture made into a fresh request: new ids, times, code and user, with the given number and client IP. */
function fromFixture(fixture: OktaHookRequestFixture, seed: string, fresh: Fresh): OktaHookRequestFixture {
  // A fresh deep copy: the cached fixture stays untouched.
  const body = structuredClone(fixture);
  const otp = otpFor(seed, fresh.eventId);
  const now = Date.now();
  const profile = body.data.messageProfile;
  body.data.userProfile ??= {};
  const user = body.data.userProfile;

  body.eventId = fresh.eventId;
  body.eventTime = new Date(now).toISOString();
  body.requestType = fresh.requestType;
  body.data.context.request.id = `req${randomBytes(12).toString('base64url')}`;
  body.data.context.request.ipAddress = fresh.ipAddress;
  Object.assign(user, newUser(user.firstName ?? 'Pat', user.lastName ?? 'Doe'));
  profile.otpCode = otp;
  profile.msgTemplate = `Your verification code is ${otp}`;
  profile.otpExpires = new Date(now + CODE_LIFETIME_MS).toISOString();
  profile.locale = fresh.locale;
  // Okta sends some numbers without their `+` (the pre-enrolment fixture): each fixture keeps its spelling.
  profile.phoneNumber = profile.phoneNumber.startsWith('+') ? fresh.phone : fresh.phone.slice(1);
  return body;
}

/**
 * Builds one of Okta's hook requests for the normal mix: a new user, number and client IP each time.
 *
 * @param mix - channel and failure shares, destination numbers
 * @param seed - the run's seed (see {@link otpFor} and {@link numberOf})
 * @param random - random source, injectable for tests
 */
export function buildHookRequest(
  mix: TrafficMix,
  seed: string,
  random: () => number = Math.random,
): HookRequest {
  const channel = random() < mix.voiceShare ? 'voice' : 'sms';
  const pool = fixtures()[channel];
  const fixture = pool[Math.floor(random() * pool.length)]!;
  const undeliverable = random() < mix.undeliverableShare;
  const eventId = newEventId();
  const phone =
    !undeliverable && mix.destinations?.length
      ? mix.destinations[Math.floor(random() * mix.destinations.length)]!
      : numberOf(seed, eventId, 'normal', undeliverable);
  const body = fromFixture(fixture, seed, {
    eventId,
    requestType: pick(REQUEST_TYPES, random()),
    locale: pick(LOCALES, random()),
    phone,
    ipAddress: clientIp(random),
  });
  return { eventId, channel, stream: 'normal', expect: undeliverable ? 'undeliverable' : 'delivery', body };
}

/**
 * Builds one request of the pumping attack: an SMS enrolment of a new user to a number of the attacked prefix,
 * from one of the attacker's few client IPs (`pumping.ts`).
 *
 * @param seed - the run's seed (it fixes the attacked prefix)
 * @param random - random source, injectable for tests
 */
export function buildAttackRequest(seed: string, random: () => number = Math.random): HookRequest {
  const pool = fixtures().sms;
  const fixture = pool[Math.floor(random() * pool.length)]!;
  const eventId = newEventId();
  const body = fromFixture(fixture, seed, {
    eventId,
    requestType: PRE_ENROLLMENT,
    locale: pick(LOCALES, random()),
    phone: attackNumber(seed, eventId),
    ipAddress: attackIp(random),
  });
  return { eventId, channel: 'sms', stream: 'attack', expect: 'attack', body };
}
