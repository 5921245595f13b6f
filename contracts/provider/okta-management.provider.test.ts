/**
 * Principle: the pact `okta:connect` has with Okta's management API is written from Okta's documented examples; the
 * local Okta is verified against it, so the stand-in the tool's tests run against answers as the pact (that is, as
 * Okta documents) says. The provider states are made through the local Okta's own org, or through the tool itself
 * (connect, disconnect) where a state is "what connect makes"; each hands the ids it made to the requests
 * (`fromProviderState`). A request filter swaps the pact's sample API token for the local Okta's.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Verifier } from '@pact-foundation/pact';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appJwkOf, CONNECT_DEFAULTS, connect, disconnect } from '../../service/cli/okta/connection.js';
import { OktaManagement } from '../../service/cli/okta/management.js';
import { type LocalStack, startLocalStack } from '../../service/local/stack.js';
import {
  committedPactsDir,
  logsDir,
  MANAGEMENT_PACT_FILE,
  MANAGEMENT_STATES,
  PACTICIPANTS,
} from '../pact-settings.js';
import type { RequestFilter } from './provider-states.js';

let stack: LocalStack;
let okta: OktaManagement;

beforeAll(async () => {
  mkdirSync(logsDir, { recursive: true });
  stack = await startLocalStack({ port: 0, sweepIntervalMs: 0 });
  okta = new OktaManagement(stack.baseUrl, { kind: 'api-token', token: stack.okta.apiToken });
});

afterAll(() => stack?.close());

const base = { ...CONNECT_DEFAULTS, auth: 'private-key' as const, replaceActiveHook: true, plan: false };

/** Nothing of connect's in the org: what `okta:disconnect` leaves. */
async function clean(): Promise<void> {
  await disconnect(okta, { name: base.name, scope: base.scope, plan: false });
}

/** The server with its scope and the hook app (with the hook key's public JWK), made through the org. */
async function serverAndApp(): Promise<{ authServerId: string; clientId: string }> {
  await clean();
  const org = stack.okta.org;
  const server = org.createServer({ name: base.name, audiences: [base.audience] });
  org.createScope(String(server.id), {
    name: base.scope,
    consent: 'IMPLICIT',
    metadataPublish: 'NO_CLIENTS',
  });
  const key = org.createHookKey({ name: base.name });
  const app = org.createApp(
    {
      name: 'oidc_client',
      label: `${base.name} hook`,
      signOnMode: 'OPENID_CONNECT',
      credentials: { oauthClient: { token_endpoint_auth_method: 'private_key_jwt' } },
      settings: {
        oauthClient: {
          application_type: 'service',
          grant_types: ['client_credentials'],
          jwks: { keys: [appJwkOf(key._embedded as Record<string, unknown>)] },
        },
      },
    },
    true,
  );
  return { authServerId: String(server.id), clientId: String(app.id) };
}

/** Everything connect makes, the hook to the stack, and the stack trusting its tokens. */
async function connected(): Promise<{ inlineHookId: string }> {
  await clean();
  const made = await connect(okta, { ...base, hookUrl: stack.hookUrl });
  if (made.settings) await stack.applySettings(made.settings);
  return { inlineHookId: String(made.ids.inlineHookId) };
}

/** The setup of every state the pact names; each returns the ids its requests use. */
function stateHandlers(): Record<string, () => Promise<Record<string, string>>> {
  const org = () => stack.okta.org;
  return {
    [MANAGEMENT_STATES.emptyOrg]: async () => {
      await clean();
      return {};
    },
    [MANAGEMENT_STATES.server]: async () => {
      await clean();
      return { authServerId: String(org().createServer({ name: base.name, audiences: [base.audience] }).id) };
    },
    [MANAGEMENT_STATES.hookKey]: async () => {
      await clean();
      return { keyId: String(org().createHookKey({ name: base.name }).keyId) };
    },
    [MANAGEMENT_STATES.serverAndApp]: serverAndApp,
    [MANAGEMENT_STATES.policy]: async () => {
      const { authServerId, clientId } = await serverAndApp();
      const policy = org().createPolicy(authServerId, {
        type: 'OAUTH_AUTHORIZATION_POLICY',
        name: base.name,
        conditions: { clients: { include: [clientId] } },
      });
      return { authServerId, clientId, policyId: String(policy.id) };
    },
    [MANAGEMENT_STATES.allButHook]: async () => {
      await clean();
      const made = await connect(okta, base);
      return {
        clientId: String(made.ids.clientId),
        hookKeyId: String(made.ids.hookKeyId),
        tokenUrl: `${made.settings?.oktaIssuer}/v1/token`,
      };
    },
    [MANAGEMENT_STATES.connected]: connected,
    [MANAGEMENT_STATES.inactiveHook]: async () => {
      const { inlineHookId } = await connected();
      org().setInlineHookStatus(inlineHookId, 'INACTIVE');
      return { inlineHookId };
    },
    [MANAGEMENT_STATES.eventHookUnverified]: async () => {
      await clean();
      const hook = org().createEventHook({
        name: `${base.name} events`,
        events: { type: 'EVENT_TYPE', items: ['user.authentication.auth_via_mfa'] },
        channel: {
          type: 'HTTP',
          version: '1.0.0',
          config: {
            uri: stack.eventHookUrl,
            authScheme: {
              type: 'HEADER',
              key: 'Authorization',
              value: String(stack.secretsManager.value(stack.eventHookSecretName)),
            },
          },
        },
      });
      return { eventHookId: String(hook.id) };
    },
  };
}

/** Swaps the pact's sample API token for the local Okta's. */
const apiTokenFilter: RequestFilter = (req, _res, next) => {
  if (req.headers.authorization?.startsWith('SSWS '))
    req.headers.authorization = `SSWS ${stack.okta.apiToken}`;
  next();
};

describe('the local Okta honours the pact okta:connect has with Okta', () => {
  it('has a state handler for every provider state the pact names', () => {
    const pact = JSON.parse(readFileSync(join(committedPactsDir, MANAGEMENT_PACT_FILE), 'utf8')) as {
      interactions: Array<{ providerStates?: Array<{ name: string }> }>;
    };
    const named = new Set(pact.interactions.flatMap((i) => (i.providerStates ?? []).map((s) => s.name)));
    expect(new Set(Object.keys(stateHandlers()))).toEqual(named);
  });

  it('answers every call the pact pins', async () => {
    const output = await new Verifier({
      provider: PACTICIPANTS.oktaManagement,
      providerBaseUrl: stack.baseUrl,
      pactUrls: [join(committedPactsDir, MANAGEMENT_PACT_FILE)],
      logLevel: 'warn',
      logFile: join(logsDir, 'provider-verification-okta-management.log'),
      failIfNoPactsFound: true,
      stateHandlers: Object.fromEntries(
        Object.entries(stateHandlers()).map(([state, setup]) => [state, { setup: () => setup() }]),
      ),
      requestFilter: apiTokenFilter,
    }).verifyProvider();

    expect(output).toBeDefined();
  });
});
