/**
 * Okta System Log events the verification handler reads (Okta Log Streaming to EventBridge, or an Okta event hook).
 *
 * - `user.authentication.auth_via_mfa`: the user entered a factor; outcome SUCCESS with
 *   `debugContext.debugData.factor` `SMS_FACTOR` / `CALL_FACTOR` means the code we sent was used. `actor.id` is the
 *   Okta user id. No phone number in it.
 * - `user.mfa.factor.activate`: an enrolment finished; outcome SUCCESS for a phone factor means the enrolment code we
 *   sent was used (enrolment verification logs this, not `auth_via_mfa`). The user is the `User` target, else the
 *   actor (an admin may enrol a user); the factor comes from `debugData.factor` when Okta gives it, else from the
 *   factor target's name ("SMS Authentication", "Voice Call Authentication"). An activation whose factor cannot be
 *   read is ignored, never guessed. Without it every enrolment code would look unused, and a prefix of new hires'
 *   phones would look like pumping to the low-conversion deny.
 * - `inline_hook.executed`: Okta logs it with outcome FAILURE when it did not get a response from an inline hook in
 *   time, or got a status other than 2xx (Okta's inline hook docs: "Review the System Log for errors of type
 *   `inline_hook.executed`"); for the telephony hook that means Okta sent the code through its own providers.
 * - `inline_hook.response.processed`: Okta got a response but it held an error object or could not be processed;
 *   with outcome FAILURE it is also a failover to Okta's providers.
 *
 * No AWS imports: the infra's EventBridge rule pattern imports {@link OKTA_EVENT_TYPES}.
 */

/** The MFA success event type. */
export const AUTH_VIA_MFA = 'user.authentication.auth_via_mfa';
/** A factor enrolment completed (the enrolment code was used). */
export const FACTOR_ACTIVATE = 'user.mfa.factor.activate';
/** Okta called an inline hook and got no answer in time, or a non-2xx one (outcome FAILURE). */
export const INLINE_HOOK_EXECUTED = 'inline_hook.executed';
/** Okta processed an inline hook's answer; FAILURE when it held an error object or was unusable. */
export const INLINE_HOOK_RESPONSE_PROCESSED = 'inline_hook.response.processed';

/** Every System Log `eventType` the verification handler reads (the EventBridge rule's `detail.eventType`). */
export const OKTA_EVENT_TYPES: readonly string[] = [
  AUTH_VIA_MFA,
  FACTOR_ACTIVATE,
  INLINE_HOOK_EXECUTED,
  INLINE_HOOK_RESPONSE_PROCESSED,
];

/** The Okta factors that map to our channels. */
const FACTOR_CHANNEL: Record<string, 'sms' | 'voice'> = { SMS_FACTOR: 'sms', CALL_FACTOR: 'voice' };

/** The fields of a System Log event the handler reads (Okta's LogEvent object); the rest is ignored. */
export type OktaLogEvent = {
  uuid?: string;
  published?: string;
  eventType?: string;
  actor?: { id?: string; type?: string };
  outcome?: { result?: string; reason?: string | null };
  debugContext?: { debugData?: Record<string, unknown> };
  target?: Array<{ id?: string; type?: string; displayName?: string }>;
};

/** What one System Log event means to us. `publishedMs`: the event's `published`, when it is a date. */
export type OktaEventMeaning =
  | {
      kind: 'verified';
      uuid: string | undefined;
      userId: string;
      channel: 'sms' | 'voice';
      publishedMs: number;
    }
  | {
      kind: 'hook-failure';
      uuid: string | undefined;
      failure: 'timeout' | 'error';
      eventType: string;
      publishedMs?: number;
    }
  | {
      kind: 'ignored';
      uuid: string | undefined;
      eventType: string | undefined;
      why: string;
      publishedMs?: number;
    };

/**
 * Okta's ids (a user `00u…`, an event's uuid) are short letters, digits and dashes. Anything else (a field of kilobytes,
 * a key DynamoDB would refuse) is not an id of Okta's: the event is ignored, never thrown on.
 */
const OKTA_EVENT_ID = /^[A-Za-z0-9_-]{1,100}$/;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** A string that is an id as Okta makes them, else undefined. */
const idOf = (value: unknown) => {
  const text = str(value);
  return text !== undefined && OKTA_EVENT_ID.test(text) ? text : undefined;
};

/** `published` (ISO 8601) as epoch ms, when it is one. */
function publishedOf(value: unknown): number | undefined {
  const text = str(value);
  if (text === undefined || text.length > 40) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A phone factor's name in a target's `displayName` or `type` (`SMS Authentication`, `Voice Call Authentication`). */
function channelOfFactorName(name: string): 'sms' | 'voice' | undefined {
  if (/\bsms\b/i.test(name)) return 'sms';
  if (/\b(voice|call)\b/i.test(name)) return 'voice';
  return undefined;
}

/** The channel and user of a factor activation, when the event names a phone factor. */
function activation(
  event: Record<string, unknown>,
): { channel: 'sms' | 'voice'; userId: string } | undefined {
  const debugData =
    isRecord(event.debugContext) && isRecord(event.debugContext.debugData)
      ? event.debugContext.debugData
      : {};
  const targets = Array.isArray(event.target) ? event.target.filter(isRecord) : [];
  const factor = str(debugData.factor)?.toUpperCase();
  // The factor Okta names decides: an e-mail, push or TOTP factor is never a phone code, whatever a target is called.
  // Only an event that names no factor falls back to the factor target's name.
  const channel =
    factor !== undefined
      ? FACTOR_CHANNEL[factor]
      : targets
          .filter((t) => str(t.type) !== 'User')
          .map((t) => channelOfFactorName(`${str(t.displayName) ?? ''} ${str(t.type) ?? ''}`.slice(0, 200)))
          .find((found) => found !== undefined);
  const user = targets.find((t) => str(t.type) === 'User');
  const userId = user ? idOf(user.id) : isRecord(event.actor) ? idOf(event.actor.id) : undefined;
  return channel && userId ? { channel, userId } : undefined;
}

/** Okta's words for a timeout in the outcome reason of an `inline_hook.executed` FAILURE. */
const TIMEOUT_WORDS = /time[\s_-]?d?\s?out|timed out|timeout/i;

/** A System Log target that is an inline hook (its `type`, however Okta spells it: `InlineHook`, `inline_hook`). */
const INLINE_HOOK_TARGET = /^inline[\s_-]?hook$/i;

/**
 * Whether an inline hook event is about another inline hook of the org than `hookId`: it names an inline hook among
 * its targets and that is not ours. Okta logs `inline_hook.*` for every inline hook (registration, token, SAML, …);
 * a registration hook timing out must not page the telephony hook's on-call. An event that names no inline hook
 * (no target, or only others: a user, an app) cannot be told apart and counts: our own failures are never silenced
 * by a guess.
 */
function aboutAnotherHook(event: Record<string, unknown>, hookId: string | undefined): boolean {
  if (!hookId || !Array.isArray(event.target)) return false;
  const hooks = event.target.filter(
    (target) => isRecord(target) && INLINE_HOOK_TARGET.test(str(target.type) ?? ''),
  );
  return hooks.length > 0 && !hooks.some((target) => str(target.id) === hookId);
}

/**
 * Classifies one System Log event. Never throws: whatever the event is, a meaning comes back.
 *
 * @param event - the `detail` of an EventBridge event, or one of an event hook's `data.events[]`
 * @param options - `telephonyHookId`: the telephony inline hook's Okta id (`OKTA_TELEPHONY_HOOK_ID`); when set,
 *   inline hook events about the org's other hooks are ignored
 */
export function classifyOktaEvent(
  event: unknown,
  options: { telephonyHookId?: string } = {},
): OktaEventMeaning {
  if (!isRecord(event))
    return { kind: 'ignored', uuid: undefined, eventType: undefined, why: 'not an object' };
  const uuid = idOf(event.uuid);
  const rawType = str(event.eventType);
  const eventType = rawType !== undefined && rawType.length <= 100 ? rawType : undefined;
  const publishedMs = publishedOf(event.published);
  const when = publishedMs === undefined ? {} : { publishedMs };
  if (event.uuid !== undefined && uuid === undefined) {
    return { kind: 'ignored', uuid, eventType, why: 'uuid is not an Okta id', ...when };
  }
  const outcome = isRecord(event.outcome) ? event.outcome : {};
  const result = str(outcome.result)?.toUpperCase();
  const ignored = (why: string): OktaEventMeaning => ({ kind: 'ignored', uuid, eventType, why, ...when });
  if (eventType === AUTH_VIA_MFA || eventType === FACTOR_ACTIVATE) {
    if (result !== 'SUCCESS') return ignored(`outcome ${result?.slice(0, 20) ?? 'missing'}`);
    let used: { channel: 'sms' | 'voice'; userId: string } | undefined;
    if (eventType === AUTH_VIA_MFA) {
      const debugData =
        isRecord(event.debugContext) && isRecord(event.debugContext.debugData)
          ? event.debugContext.debugData
          : {};
      const factor = str(debugData.factor)?.toUpperCase();
      const channel = factor ? FACTOR_CHANNEL[factor] : undefined;
      if (!channel) return ignored(`factor ${factor?.slice(0, 40) ?? 'missing'}`);
      const userId = isRecord(event.actor) ? idOf(event.actor.id) : undefined;
      if (!userId) return ignored('no actor id, or not an Okta id');
      used = { channel, userId };
    } else {
      used = activation(event);
      if (!used) return ignored('no phone factor or user named');
    }
    // Without a date the event cannot be placed after the send of any code: it credits none.
    if (publishedMs === undefined) return ignored('no published date');
    return { kind: 'verified', uuid, ...used, publishedMs };
  }
  if (eventType === INLINE_HOOK_EXECUTED || eventType === INLINE_HOOK_RESPONSE_PROCESSED) {
    if (result !== 'FAILURE') return ignored(`outcome ${result?.slice(0, 20) ?? 'missing'}`);
    if (aboutAnotherHook(event, options.telephonyHookId)) return ignored('another inline hook');
    const reason = str(outcome.reason) ?? '';
    const failure = eventType === INLINE_HOOK_EXECUTED && TIMEOUT_WORDS.test(reason) ? 'timeout' : 'error';
    return { kind: 'hook-failure', uuid, failure, eventType, ...when };
  }
  return ignored('event type not read');
}
