/**
 * The calls the local Okta makes, as Okta makes them: an inline hook's `execute` (an access token from the hook's
 * token URL, for an OAuth channel with a client assertion signed by the hook key Okta keeps, then the payload POSTed
 * to the hook, 3 s and one retry), an event hook's one-time verification GET, and the delivery of System Log events
 * to the verified event hooks subscribed to them.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { notFound, OktaApiError, validationFailed } from './api-error.js';
import type { LocalOktaOrg } from './org.js';

/** Okta's inline hook timeout, and its one retry. */
const HOOK_TIMEOUT_MS = 3000;
const HOOK_ATTEMPTS = 2;

type Json = Record<string, unknown>;

/** A call that got no answer in time, or no connection. */
class NoAnswer extends Error {
  constructor(
    readonly timedOut: boolean,
    message: string,
  ) {
    super(message);
  }
}

/** What one delivery of System Log events to an event hook did. */
export type EventHookDelivery = { eventHookId: string; status: number | 'no-answer'; events: number };

/** The local Okta's outbound calls. */
export class HookCaller {
  readonly #org: LocalOktaOrg;

  constructor(org: LocalOktaOrg) {
    this.#org = org;
  }

  /**
   * `POST /api/v1/inlineHooks/{id}/execute`: calls the hook with `payload` as Okta would, and answers what the hook
   * answered; Okta's errors when it could not get a token, got no answer, or the hook answered with an error.
   */
  async execute(hookId: string, payload: Json): Promise<unknown> {
    const hook = this.#org.inlineHook(hookId);
    if (!hook) throw notFound(hookId, 'InlineHook');
    if (hook.status !== 'ACTIVE') {
      throw validationFailed('inlineHook', 'status: Only an ACTIVE inline hook can be executed.');
    }
    const config = hook.channel.config;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    for (const header of (config.headers as Array<{ key: string; value: string }>) ?? []) {
      headers[header.key.toLowerCase()] = header.value;
    }
    if (hook.channel.type === 'HTTP' && hook.secret !== undefined) {
      headers[String(config.authSchemeKey).toLowerCase()] = hook.secret;
    }
    if (hook.channel.type === 'OAUTH') {
      headers.authorization = `Bearer ${await this.#accessToken(hook.id, config, hook.secret)}`;
    }
    let answer: { status: number; text: string };
    try {
      answer = await this.#call(String(config.uri), {
        method: 'POST',
        headers,
        body: JSON.stringify(payload),
      });
    } catch (error) {
      if (!(error instanceof NoAnswer)) throw error;
      throw error.timedOut
        ? new OktaApiError(504, 'E0000137', 'Okta did not receive a response from an inline hook.', [
            `${config.uri}: ${error.message}.`,
          ])
        : new OktaApiError(502, 'E0000134', 'Okta could not communicate correctly with an inline hook.', [
            `${config.uri}: ${error.message}.`,
          ]);
    }
    if (answer.status < 200 || answer.status > 299) {
      throw new OktaApiError(400, 'E0000135', 'An inline hook responded with an error.', [
        `The hook at ${config.uri} answered HTTP ${answer.status}: ${answer.text.slice(0, 200)}`,
      ]);
    }
    try {
      return JSON.parse(answer.text) as unknown;
    } catch {
      throw new OktaApiError(502, 'E0000134', 'Okta could not communicate correctly with an inline hook.', [
        `The hook at ${config.uri} answered a body that is not JSON.`,
      ]);
    }
  }

  /** `POST /api/v1/eventHooks/{id}/lifecycle/verify`: Okta's one-time GET with a challenge the hook echoes. */
  async verifyEventHook(hookId: string): Promise<Json> {
    const hook = this.#org.eventHook(hookId);
    if (!hook) throw notFound(hookId, 'EventHook');
    const challenge = randomUUID();
    const headers: Record<string, string> = { 'x-okta-verification-challenge': challenge };
    for (const header of hook.headers) headers[header.key.toLowerCase()] = header.value;
    if (hook.authKey && hook.authValue) headers[hook.authKey.toLowerCase()] = hook.authValue;
    let reason: string;
    try {
      const answer = await this.#call(hook.uri, { method: 'GET', headers });
      let echoed: unknown;
      try {
        echoed = (JSON.parse(answer.text) as Json).verification;
      } catch {
        echoed = undefined;
      }
      if (answer.status === 200 && echoed === challenge) return this.#org.markEventHookVerified(hookId);
      reason =
        answer.status === 200
          ? 'the answer did not echo the challenge as {"verification": "<challenge>"}'
          : `the hook answered HTTP ${answer.status}`;
    } catch (error) {
      if (!(error instanceof NoAnswer)) throw error;
      reason = error.message;
    }
    throw new OktaApiError(400, 'E0000001', 'Api validation failed: eventHook', [
      `Verification of ${hook.uri} failed: ${reason}.`,
    ]);
  }

  /**
   * Delivers System Log events to every active, verified event hook subscribed to their types, one request per hook
   * in Okta's event hook envelope, with the hook's header secret.
   */
  async deliverEvents(events: readonly Json[]): Promise<EventHookDelivery[]> {
    const byHook = new Map<string, Json[]>();
    for (const event of events) {
      for (const hook of this.#org.eventHooksFor(String(event.eventType))) {
        byHook.set(hook.id, [...(byHook.get(hook.id) ?? []), event]);
      }
    }
    const deliveries: EventHookDelivery[] = [];
    for (const [hookId, hookEvents] of byHook) {
      const hook = this.#org.eventHook(hookId);
      if (!hook) continue;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      for (const header of hook.headers) headers[header.key.toLowerCase()] = header.value;
      if (hook.authKey && hook.authValue) headers[hook.authKey.toLowerCase()] = hook.authValue;
      const envelope = {
        eventType: 'com.okta.event_hook',
        eventTypeVersion: '1.0',
        cloudEventsVersion: '0.1',
        source: `${this.#org.baseUrl}/api/v1/eventHooks/${hookId}`,
        eventId: randomUUID(),
        data: { events: hookEvents },
        eventTime: new Date().toISOString(),
        contentType: 'application/json',
      };
      try {
        const answer = await this.#call(hook.uri, {
          method: 'POST',
          headers,
          body: JSON.stringify(envelope),
        });
        deliveries.push({ eventHookId: hookId, status: answer.status, events: hookEvents.length });
      } catch (error) {
        if (!(error instanceof NoAnswer)) throw error;
        deliveries.push({ eventHookId: hookId, status: 'no-answer', events: hookEvents.length });
      }
    }
    return deliveries;
  }

  /** The hook's access token from its token URL, as Okta gets it (client credentials). */
  async #accessToken(hookId: string, config: Json, secret: string | undefined): Promise<string> {
    const tokenUrl = String(config.tokenUrl);
    const clientId = String(config.clientId);
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (typeof config.scope === 'string' && config.scope) form.set('scope', config.scope);
    if (config.authType === 'private_key_jwt') {
      const signer = this.#org.hookKeySigner(String(config.hookKeyId));
      if (!signer) {
        throw new OktaApiError(502, 'E0000134', 'Okta could not communicate correctly with an inline hook.', [
          `The hook key ${config.hookKeyId} of inline hook ${hookId} no longer exists.`,
        ]);
      }
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: signer.keyId })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(tokenUrl)
        .setIssuedAt()
        .setExpirationTime('5m')
        .setJti(randomUUID())
        .sign(signer.privateKey);
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set('client_assertion', assertion);
    } else {
      form.set('client_id', clientId);
      form.set('client_secret', secret ?? '');
    }
    let answer: { status: number; text: string };
    try {
      answer = await this.#call(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
      });
    } catch (error) {
      if (!(error instanceof NoAnswer)) throw error;
      throw new OktaApiError(502, 'E0000134', 'Okta could not communicate correctly with an inline hook.', [
        `The token endpoint ${tokenUrl}: ${error.message}.`,
      ]);
    }
    let body: Json = {};
    try {
      body = JSON.parse(answer.text) as Json;
    } catch {
      // Not JSON: reported below.
    }
    if (answer.status !== 200 || typeof body.access_token !== 'string') {
      const reason =
        typeof body.error === 'string'
          ? `${body.error}: ${body.error_description ?? ''}`
          : `HTTP ${answer.status}`;
      throw new OktaApiError(502, 'E0000134', 'Okta could not communicate correctly with an inline hook.', [
        `The token endpoint ${tokenUrl} refused the hook's client ${clientId}: ${reason}`,
      ]);
    }
    return body.access_token;
  }

  /** One call with Okta's timeout and one retry when no answer came. */
  async #call(
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string },
  ): Promise<{ status: number; text: string }> {
    let last: NoAnswer | undefined;
    for (let attempt = 0; attempt < HOOK_ATTEMPTS; attempt += 1) {
      try {
        const response = await fetch(url, { ...init, signal: AbortSignal.timeout(HOOK_TIMEOUT_MS) });
        return { status: response.status, text: await response.text() };
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        last = new NoAnswer(
          timedOut,
          timedOut
            ? `no answer within ${HOOK_TIMEOUT_MS / 1000} s (tried twice)`
            : `no connection (${(error as Error).message})`,
        );
      }
    }
    throw last ?? new NoAnswer(false, 'no connection');
  }
}
