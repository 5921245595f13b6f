/**
 * Okta System Log events the verification handler reads (Okta Log Streaming to EventBridge, or an Okta event hook).
 *
 * - `user.authentication.auth_via_mfa`: the user entered a factor; outcome SUCCESS with
 *   `debugContext.debugData.factor` `SMS_FACTOR` / `CALL_FACTOR` means the code we sent was used. `actor.id` is the
 *   Okta user id. No phone number in it.
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
/** Okta called an inline hook and got no answer in time, or a non-2xx one (outcome FAILURE). */
export const INLINE_HOOK_EXECUTED = 'inline_hook.executed';
/** Okta processed an inline hook's answer; FAILURE when it held an error object or was unusable. */
export const INLINE_HOOK_RESPONSE_PROCESSED = 'inline_hook.response.processed';

/** Every System Log `eventType` the verification handler reads (the EventBridge rule's `detail.eventType`). */
export const OKTA_EVENT_TYPES: readonly string[] = [
  AUTH_VIA_MFA,
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

/** What one System Log event means to us. */
export type OktaEventMeaning =
  | {
      kind: 'verified';
      uuid: string | undefined;
      userId: string;
      channel: 'sms' | 'voice';
      published?: string;
    }
  | { kind: 'hook-failure'; uuid: string | undefined; failure: 'timeout' | 'error'; eventType: string }
  | { kind: 'ignored'; uuid: string | undefined; eventType: string | undefined; why: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** Okta's words for a timeout in the outcome reason of an `inline_hook.executed` FAILURE. */
const TIMEOUT_WORDS = /time[\s_-]?d?\s?out|timed out|timeout/i;

/**
 * Classifies one System Log event. Never throws: whatever the event is, a meaning comes back.
 *
 * @param event - the `detail` of an EventBridge event, or one of an event hook's `data.events[]`
 */
export function classifyOktaEvent(event: unknown): OktaEventMeaning {
  if (!isRecord(event))
    return { kind: 'ignored', uuid: undefined, eventType: undefined, why: 'not an object' };
  const uuid = str(event.uuid);
  const eventType = str(event.eventType);
  const outcome = isRecord(event.outcome) ? event.outcome : {};
  const result = str(outcome.result)?.toUpperCase();
  if (eventType === AUTH_VIA_MFA) {
    if (result !== 'SUCCESS')
      return { kind: 'ignored', uuid, eventType, why: `outcome ${result ?? 'missing'}` };
    const debugData =
      isRecord(event.debugContext) && isRecord(event.debugContext.debugData)
        ? event.debugContext.debugData
        : {};
    const factor = str(debugData.factor)?.toUpperCase();
    const channel = factor ? FACTOR_CHANNEL[factor] : undefined;
    if (!channel) return { kind: 'ignored', uuid, eventType, why: `factor ${factor ?? 'missing'}` };
    const userId = isRecord(event.actor) ? str(event.actor.id) : undefined;
    if (!userId) return { kind: 'ignored', uuid, eventType, why: 'no actor id' };
    const published = str(event.published);
    return { kind: 'verified', uuid, userId, channel, ...(published ? { published } : {}) };
  }
  if (eventType === INLINE_HOOK_EXECUTED || eventType === INLINE_HOOK_RESPONSE_PROCESSED) {
    if (result !== 'FAILURE')
      return { kind: 'ignored', uuid, eventType, why: `outcome ${result ?? 'missing'}` };
    const reason = str(outcome.reason) ?? '';
    const failure = eventType === INLINE_HOOK_EXECUTED && TIMEOUT_WORDS.test(reason) ? 'timeout' : 'error';
    return { kind: 'hook-failure', uuid, failure, eventType };
  }
  return { kind: 'ignored', uuid, eventType, why: 'event type not read' };
}
