/**
 * Okta's side of the telephony inline hook, as Okta's documentation describes it: POST the hook request as JSON with
 * an OAuth 2.0 bearer token, wait at most 3 seconds, and read only `commands[0].type`, `value[0].status`,
 * `value[0].transactionId` or `error.errorSummary` from the answer. The consumer pact test drives this client
 * against the Pact mock server, so the pact records what this code really sends and really reads.
 */

/** How long Okta waits for the hook before it gives up (and retries once). */
export const OKTA_TIMEOUT_MS = 3_000;

/** Okta's telephony action type in a success answer. */
export const TELEPHONY_ACTION = 'com.okta.telephony.action';

/** What Okta makes of the hook's answer. */
export type OktaReading =
  | { kind: 'action'; status: 'SUCCESSFUL' | 'PENDING' | 'FAILED'; transactionId: string; httpStatus: number }
  | { kind: 'error'; errorSummary: string; httpStatus: number }
  /** Not an answer Okta understands: Okta falls back to its own providers. */
  | { kind: 'unusable'; httpStatus: number };

/** Options of {@link OktaHookClient}. */
export type OktaHookClientOptions = {
  /** The hook URL, e.g. `https://…/prod/hook`. */
  hookUrl: string;
  /** Gets an access token from the org's authorization server; undefined sends no `Authorization` header. */
  accessToken: () => Promise<string | undefined>;
  /** @default 3000 */
  timeoutMs?: number;
};

const STATUSES = new Set(['SUCCESSFUL', 'PENDING', 'FAILED']);

/** Reads an answer the way Okta does: the telephony action first, else the error object. */
export function readOktaAnswer(httpStatus: number, body: unknown): OktaReading {
  const answer = (body ?? {}) as {
    commands?: Array<{ type?: unknown; value?: Array<{ status?: unknown; transactionId?: unknown }> }>;
    error?: { errorSummary?: unknown };
  };
  const command = answer.commands?.[0];
  const value = command?.value?.[0];
  if (
    command?.type === TELEPHONY_ACTION &&
    typeof value?.status === 'string' &&
    STATUSES.has(value.status) &&
    typeof value.transactionId === 'string'
  ) {
    return {
      kind: 'action',
      status: value.status as 'SUCCESSFUL' | 'PENDING' | 'FAILED',
      transactionId: value.transactionId,
      httpStatus,
    };
  }
  if (typeof answer.error?.errorSummary === 'string') {
    return { kind: 'error', errorSummary: answer.error.errorSummary, httpStatus };
  }
  return { kind: 'unusable', httpStatus };
}

/** Okta calling the telephony inline hook over HTTP. */
export class OktaHookClient {
  constructor(private readonly options: OktaHookClientOptions) {}

  /**
   * Sends one hook request and reads the answer.
   *
   * @param payload - the request body, serialised as JSON (a string is sent as is)
   */
  public async send(payload: unknown): Promise<OktaReading> {
    const token = await this.options.accessToken();
    const response = await fetch(this.options.hookUrl, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: typeof payload === 'string' ? payload : JSON.stringify(payload),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? OKTA_TIMEOUT_MS),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return readOktaAnswer(response.status, body);
  }
}
