/**
 * The Okta management API calls `okta:connect` and `okta:disconnect` make, through Okta's Node SDK
 * (`@okta/okta-sdk-nodejs`): its client authenticates (an SSWS API token, or an OAuth service app with a private key),
 * follows `Link: rel="next"` pagination, and backs off on 429 by `X-Rate-Limit-Reset`. Written by hand, on the SDK's
 * own authenticated HTTP client, only where the SDK lacks it: the hook key's public JWK (Okta's answer shape differs
 * from the SDK's model), and the models' loose typing (the OAuth inline hook channel, JWKs with `use: "sig"`), cast
 * here once.
 */
import { Client, DefaultRequestExecutor, OktaApiError } from '@okta/okta-sdk-nodejs';

// biome-ignore lint/suspicious/noExplicitAny: Okta's JSON objects, read field by field as Okta documents them
type Json = Record<string, any>;

/** How the tool reaches an org's management API. */
export type ManagementCredential =
  | { kind: 'api-token'; token: string }
  | { kind: 'private-key'; clientId: string; privateKey: string | Json; keyId?: string };

/** The scopes an OAuth service app needs for every call the tool makes. */
export const MANAGEMENT_SCOPES = [
  'okta.authorizationServers.manage',
  'okta.apps.manage',
  'okta.inlineHooks.manage',
  'okta.eventHooks.manage',
  'okta.logStreams.manage',
];

/** Retries on 429 (each waits until Okta's `X-Rate-Limit-Reset`). */
const MAX_RETRIES = 4;

/** An Okta error, as the tool reports it: status, code, summary and causes. */
export class OktaCallError extends Error {
  public override readonly name = 'OktaCallError';
  constructor(
    readonly call: string,
    readonly status: number,
    readonly errorCode: string | undefined,
    readonly summary: string,
    readonly causes: readonly string[],
  ) {
    super(
      `${call}: HTTP ${status}${errorCode ? ` ${errorCode}` : ''} ${summary}${causes.length ? ` (${causes.join('; ')})` : ''}`,
    );
  }
}

/** Every item of an SDK collection (it follows `Link: rel="next"` page by page). */
async function all<T>(collection: AsyncIterable<T | null>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of collection) if (item !== null) items.push(item);
  return items;
}

/** Plain JSON of an SDK model (its own fields only). */
const plain = (value: unknown): Json => JSON.parse(JSON.stringify(value ?? {}));

/** The management API of one org. */
export class OktaManagement {
  readonly orgUrl: string;
  readonly #client: Client;

  constructor(orgUrl: string, credential: ManagementCredential) {
    this.orgUrl = orgUrl.replace(/\/+$/, '');
    const common = {
      orgUrl: this.orgUrl,
      // Nothing cached: the tool reads what others changed a moment ago.
      cacheMiddleware: null,
      requestExecutor: new DefaultRequestExecutor({ maxRetries: MAX_RETRIES, requestTimeout: 60_000 }),
    };
    this.#client =
      credential.kind === 'api-token'
        ? new Client({ ...common, token: credential.token })
        : new Client({
            ...common,
            authorizationMode: 'PrivateKey',
            clientId: credential.clientId,
            scopes: MANAGEMENT_SCOPES,
            privateKey: credential.privateKey,
            ...(credential.keyId ? { keyId: credential.keyId } : {}),
          });
  }

  /** Runs one call; an Okta error becomes an {@link OktaCallError} naming the call. */
  async #call<T>(call: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof OktaApiError) {
        throw new OktaCallError(
          call,
          error.status,
          String(error.errorCode),
          error.errorSummary,
          (error.errorCauses ?? []).map((cause) => String(cause.errorSummary)),
        );
      }
      const status = (error as { status?: number }).status;
      if (typeof status === 'number')
        throw new OktaCallError(call, status, undefined, (error as Error).message, []);
      throw error;
    }
  }

  // ---- authorization servers ----

  listAuthorizationServers(q: string): Promise<Json[]> {
    return this.#call('list authorization servers', async () =>
      (await all(await this.#client.authorizationServerApi.listAuthorizationServers({ q }))).map(plain),
    );
  }

  getAuthorizationServer(id: string): Promise<Json> {
    return this.#call(`get authorization server ${id}`, async () =>
      plain(await this.#client.authorizationServerApi.getAuthorizationServer({ authServerId: id })),
    );
  }

  createAuthorizationServer(server: {
    name: string;
    description: string;
    audiences: string[];
  }): Promise<Json> {
    return this.#call('create authorization server', async () =>
      plain(
        await this.#client.authorizationServerApi.createAuthorizationServer({
          authorizationServer: server as never,
        }),
      ),
    );
  }

  deactivateAuthorizationServer(id: string): Promise<void> {
    return this.#call(`deactivate authorization server ${id}`, () =>
      this.#client.authorizationServerApi.deactivateAuthorizationServer({ authServerId: id }),
    );
  }

  deleteAuthorizationServer(id: string): Promise<void> {
    return this.#call(`delete authorization server ${id}`, () =>
      this.#client.authorizationServerApi.deleteAuthorizationServer({ authServerId: id }),
    );
  }

  deleteScopeOf(serverId: string, scopeId: string): Promise<void> {
    return this.#call(`delete scope ${scopeId}`, () =>
      this.#client.authorizationServerApi.deleteOAuth2Scope({ authServerId: serverId, scopeId }),
    );
  }

  listScopes(serverId: string): Promise<Json[]> {
    return this.#call('list scopes', async () =>
      (await all(await this.#client.authorizationServerApi.listOAuth2Scopes({ authServerId: serverId }))).map(
        plain,
      ),
    );
  }

  createScope(serverId: string, scope: { name: string; description: string }): Promise<Json> {
    return this.#call(`create scope ${scope.name}`, async () =>
      plain(
        await this.#client.authorizationServerApi.createOAuth2Scope({
          authServerId: serverId,
          oAuth2Scope: { ...scope, consent: 'IMPLICIT', metadataPublish: 'NO_CLIENTS' } as never,
        }),
      ),
    );
  }

  listPolicies(serverId: string): Promise<Json[]> {
    return this.#call('list access policies', async () =>
      (
        await all(
          await this.#client.authorizationServerApi.listAuthorizationServerPolicies({
            authServerId: serverId,
          }),
        )
      ).map(plain),
    );
  }

  createPolicy(
    serverId: string,
    policy: { name: string; description: string; clientId: string },
  ): Promise<Json> {
    return this.#call(`create access policy ${policy.name}`, async () =>
      plain(
        await this.#client.authorizationServerApi.createAuthorizationServerPolicy({
          authServerId: serverId,
          policy: {
            type: 'OAUTH_AUTHORIZATION_POLICY',
            name: policy.name,
            description: policy.description,
            priority: 1,
            conditions: { clients: { include: [policy.clientId] } },
          } as never,
        }),
      ),
    );
  }

  deletePolicy(serverId: string, policyId: string): Promise<void> {
    return this.#call(`delete access policy ${policyId}`, () =>
      this.#client.authorizationServerApi.deleteAuthorizationServerPolicy({
        authServerId: serverId,
        policyId,
      }),
    );
  }

  listRules(serverId: string, policyId: string): Promise<Json[]> {
    return this.#call('list policy rules', async () =>
      (
        await all(
          await this.#client.authorizationServerApi.listAuthorizationServerPolicyRules({
            authServerId: serverId,
            policyId,
          }),
        )
      ).map(plain),
    );
  }

  createRule(serverId: string, policyId: string, rule: { name: string; scope: string }): Promise<Json> {
    return this.#call(`create policy rule ${rule.name}`, async () =>
      plain(
        await this.#client.authorizationServerApi.createAuthorizationServerPolicyRule({
          authServerId: serverId,
          policyId,
          policyRule: {
            type: 'RESOURCE_ACCESS',
            name: rule.name,
            priority: 1,
            conditions: {
              grantTypes: { include: ['client_credentials'] },
              scopes: { include: [rule.scope] },
              people: { groups: { include: ['EVERYONE'] } },
            },
            actions: {
              token: {
                accessTokenLifetimeMinutes: 60,
                refreshTokenLifetimeMinutes: 0,
                refreshTokenWindowMinutes: 10080,
              },
            },
          } as never,
        }),
      ),
    );
  }

  deleteRule(serverId: string, policyId: string, ruleId: string): Promise<void> {
    return this.#call(`delete policy rule ${ruleId}`, () =>
      this.#client.authorizationServerApi.deleteAuthorizationServerPolicyRule({
        authServerId: serverId,
        policyId,
        ruleId,
      }),
    );
  }

  // ---- hook keys ----

  listHookKeys(): Promise<Json[]> {
    return this.#call('list hook keys', async () =>
      (await all(await this.#client.hookKeyApi.listHookKeys())).map(plain),
    );
  }

  createHookKey(name: string): Promise<Json> {
    return this.#call(`create hook key ${name}`, async () =>
      plain(await this.#client.hookKeyApi.createHookKey({ keyRequest: { name } as never })),
    );
  }

  deleteHookKey(id: string): Promise<void> {
    return this.#call(`delete hook key ${id}`, async () => {
      await this.#client.hookKeyApi.deleteHookKey({ hookKeyId: id });
    });
  }

  /**
   * The public JWK of a hook key (`GET /api/v1/hook-keys/public/{keyId}`), by hand: Okta answers it at the top level
   * (its API reference shows it under `_embedded`), and the SDK's model would drop one or the other. Both are read.
   */
  publicHookKey(keyId: string): Promise<Json> {
    return this.#call(`get the public key of hook key ${keyId}`, async () => {
      const body = (await this.#client.http.getJson(
        `${this.orgUrl}/api/v1/hook-keys/public/${encodeURIComponent(keyId)}`,
      )) as Json;
      return (body._embedded ?? body) as Json;
    });
  }

  // ---- applications ----

  listApps(q: string): Promise<Json[]> {
    return this.#call('list applications', async () =>
      (await all(await this.#client.applicationApi.listApplications({ q }))).map(plain),
    );
  }

  /** An API Services app: `private_key_jwt` with `jwk`, or `client_secret_post` without. */
  createServiceApp(label: string, jwk: Json | undefined): Promise<Json> {
    return this.#call(`create application ${label}`, async () =>
      plain(
        await this.#client.applicationApi.createApplication({
          activate: true,
          application: {
            name: 'oidc_client',
            label,
            signOnMode: 'OPENID_CONNECT',
            credentials: {
              oauthClient: {
                token_endpoint_auth_method: jwk ? 'private_key_jwt' : 'client_secret_post',
                autoKeyRotation: true,
              },
            },
            settings: {
              oauthClient: {
                application_type: 'service',
                grant_types: ['client_credentials'],
                response_types: ['token'],
                // Okta's inline hook token request carries no DPoP proof.
                dpop_bound_access_tokens: false,
                ...(jwk ? { jwks: { keys: [jwk] } } : {}),
              },
            },
          } as never,
        }),
      ),
    );
  }

  deactivateApp(id: string): Promise<void> {
    return this.#call(`deactivate application ${id}`, () =>
      this.#client.applicationApi.deactivateApplication({ appId: id }),
    );
  }

  deleteApp(id: string): Promise<void> {
    return this.#call(`delete application ${id}`, () =>
      this.#client.applicationApi.deleteApplication({ appId: id }),
    );
  }

  // ---- inline hooks ----

  listTelephonyHooks(): Promise<Json[]> {
    return this.#call('list telephony inline hooks', async () =>
      (
        await all(await this.#client.inlineHookApi.listInlineHooks({ type: 'com.okta.telephony.provider' }))
      ).map(plain),
    );
  }

  createInlineHook(hook: Json): Promise<Json> {
    return this.#call(`create inline hook ${hook.name}`, async () =>
      plain(await this.#client.inlineHookApi.createInlineHook({ inlineHook: hook as never })),
    );
  }

  replaceInlineHook(id: string, hook: Json): Promise<Json> {
    return this.#call(`update inline hook ${id}`, async () =>
      plain(
        await this.#client.inlineHookApi.replaceInlineHook({ inlineHookId: id, inlineHook: hook as never }),
      ),
    );
  }

  activateInlineHook(id: string): Promise<void> {
    return this.#call(`activate inline hook ${id}`, async () => {
      await this.#client.inlineHookApi.activateInlineHook({ inlineHookId: id });
    });
  }

  deactivateInlineHook(id: string): Promise<void> {
    return this.#call(`deactivate inline hook ${id}`, async () => {
      await this.#client.inlineHookApi.deactivateInlineHook({ inlineHookId: id });
    });
  }

  deleteInlineHook(id: string): Promise<void> {
    return this.#call(`delete inline hook ${id}`, () =>
      this.#client.inlineHookApi.deleteInlineHook({ inlineHookId: id }),
    );
  }

  /** Okta calls the hook with `payload` and answers what the hook answered. */
  executeInlineHook(id: string, payload: Json): Promise<Json> {
    return this.#call(`execute inline hook ${id}`, async () =>
      plain(
        await this.#client.inlineHookApi.executeInlineHook({
          inlineHookId: id,
          payloadData: payload as never,
        }),
      ),
    );
  }

  // ---- event hooks and log streams ----

  listEventHooks(): Promise<Json[]> {
    return this.#call('list event hooks', async () =>
      (await all(await this.#client.eventHookApi.listEventHooks())).map(plain),
    );
  }

  createEventHook(hook: Json): Promise<Json> {
    return this.#call(`create event hook ${hook.name}`, async () =>
      plain(await this.#client.eventHookApi.createEventHook({ eventHook: hook as never })),
    );
  }

  verifyEventHook(id: string): Promise<Json> {
    return this.#call(`verify event hook ${id}`, async () =>
      plain(await this.#client.eventHookApi.verifyEventHook({ eventHookId: id })),
    );
  }

  deactivateEventHook(id: string): Promise<void> {
    return this.#call(`deactivate event hook ${id}`, async () => {
      await this.#client.eventHookApi.deactivateEventHook({ eventHookId: id });
    });
  }

  deleteEventHook(id: string): Promise<void> {
    return this.#call(`delete event hook ${id}`, async () => {
      await this.#client.eventHookApi.deleteEventHook({ eventHookId: id });
    });
  }

  listLogStreams(): Promise<Json[]> {
    return this.#call('list log streams', async () =>
      (
        await all(await this.#client.logStreamApi.listLogStreams({ filter: 'type eq "aws_eventbridge"' }))
      ).map(plain),
    );
  }

  createLogStream(stream: {
    name: string;
    accountId: string;
    region: string;
    eventSourceName: string;
  }): Promise<Json> {
    return this.#call(`create log stream ${stream.name}`, async () =>
      plain(
        await this.#client.logStreamApi.createLogStream({
          instance: {
            type: 'aws_eventbridge',
            name: stream.name,
            settings: {
              accountId: stream.accountId,
              region: stream.region,
              eventSourceName: stream.eventSourceName,
            },
          } as never,
        }),
      ),
    );
  }

  deactivateLogStream(id: string): Promise<void> {
    return this.#call(`deactivate log stream ${id}`, async () => {
      await this.#client.logStreamApi.deactivateLogStream({ logStreamId: id });
    });
  }

  deleteLogStream(id: string): Promise<void> {
    return this.#call(`delete log stream ${id}`, async () => {
      await this.#client.logStreamApi.deleteLogStream({ logStreamId: id });
    });
  }
}
