/**
 * Principle: `npm run okta:connect` is a consumer of Okta's management API, and Okta never runs our tests, so the
 * contract is written from Okta's documented examples (its API reference and the responses Okta's Terraform provider
 * recorded): every call the tool makes, driven through the tool's own client (`OktaManagement`, on Okta's Node SDK)
 * against the Pact mock server, with matchers only on what the tool reads. Object ids come from the provider
 * state (`fromProviderState`), so the verification against the local Okta uses the objects its states made. The
 * API token is a sample; the verification swaps in the local Okta's.
 */
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { beforeAll, describe, expect, it } from 'vitest';
import { appJwkOf, EVENT_HOOK_EVENT_TYPES } from '../../service/cli/okta/connection.js';
import { OktaCallError, OktaManagement } from '../../service/cli/okta/management.js';
import { connectionCheckPayload } from '../../service/cli/okta/proof.js';
import {
  generatedPactsDir,
  MANAGEMENT_STATES,
  MANAGEMENT_PACT_FILE as PACT_FILE,
  PACTICIPANTS,
  SAMPLE_API_TOKEN,
  SAMPLE_OTP_CODE,
} from '../pact-settings.js';
import { comparePactFile, DRIFT_HINT, startRegenerating } from './pact-drift.js';

const { eachLike, fromProviderState, like, regex, string } = MatchersV3;

const SERVER_ID = 'ausa1b2c3d4e5f6g7h8i';
const CLIENT_ID = '0oaa1b2c3d4e5f6g7h8i';
const HOOK_KEY_ID = 'HKYa1b2c3d4e5f6g7h8i';
const KEY_ID = '902775a2-49fc-4ebc-90ea-b15b9b30440b';
const POLICY_ID = '00pa1b2c3d4e5f6g7h8i';
const INLINE_HOOK_ID = 'cala1b2c3d4e5f6g7h8i';
const EVENT_HOOK_ID = 'whoa1b2c3d4e5f6g7h8i';
const ORG = 'https://acme.okta.com';
const HOOK_URL = 'https://hooks.example.com/prod/hook';

/** Okta's JWK of a hook key, as Okta shows it (`alg: "RSA"`, `use: null`). */
const HOOK_KEY_JWK = {
  kty: 'RSA',
  alg: 'RSA',
  kid: KEY_ID,
  use: null,
  e: 'AQAB',
  n: 'u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_IzW7yWR7QkrmBL7jTKEn5u-qKhbwKfBstIs-bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW_VDL5AaWTg0nLVkjRo9z-40RQzuVaE8AkAFmxZzow3x-VJYKdjykkJ0iT9wCS0DRTXu269V264Vf_3jvredZiKRkgwlL9xNAwxXFg0x_XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC-9aGVd-Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmw',
};

const okId = (prefix: string, example: string) => regex(`^${prefix}[A-Za-z0-9]+$`, example);

const pact = new PactV4({
  consumer: PACTICIPANTS.connectTool,
  provider: PACTICIPANTS.oktaManagement,
  dir: generatedPactsDir,
  logLevel: 'warn',
});

/** The headers of every call: the API token, and JSON. */
const auth = { Authorization: regex('^SSWS \\S+$', `SSWS ${SAMPLE_API_TOKEN}`) };
const json = { 'Content-Type': regex('^application/json', 'application/json') };

/** The tool's client against the mock server. */
const client = (url: string) => new OktaManagement(url, { kind: 'api-token', token: SAMPLE_API_TOKEN });

/** A provider-state expression, `${name}`: the value the provider state gives under that name. */
const ref = (name: string) => `$${'{'}${name}}`;

/** A path whose ids the provider state gives (`${authServerId}` and the like), with an example. */
const statePath = (expression: string, example: string) => fromProviderState(expression, example);

const serverBody = {
  id: fromProviderState(`${ref('authServerId')}`, SERVER_ID),
  name: string('okta-phone-mfa'),
  audiences: eachLike('api://okta-phone-mfa'),
  issuer: regex('^https?://\\S+/oauth2/\\S+$', `${ORG}/oauth2/${SERVER_ID}`),
  status: regex('^(ACTIVE|INACTIVE)$', 'ACTIVE'),
};

beforeAll(() => startRegenerating(PACT_FILE));

describe('okta:connect → Okta management API', () => {
  it('finds no authorization server by that name, and creates it', async () => {
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.emptyOrg)
      .uponReceiving('a search for the authorization server okta-phone-mfa')
      .withRequest('GET', '/api/v1/authorizationServers', (request) => {
        request.query({ q: 'okta-phone-mfa' }).headers(auth);
      })
      .willRespondWith(200, (response) => {
        response.headers(json).jsonBody([]);
      })
      .executeTest(async (mock) => {
        expect(await client(mock.url).listAuthorizationServers('okta-phone-mfa')).toEqual([]);
      });
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.emptyOrg)
      .uponReceiving('the creation of the authorization server okta-phone-mfa')
      .withRequest('POST', '/api/v1/authorizationServers', (request) => {
        request.headers({ ...auth, ...json }).jsonBody({
          name: 'okta-phone-mfa',
          description: 'Issues the tokens Okta calls the okta-phone-mfa telephony hook with',
          audiences: ['api://okta-phone-mfa'],
        });
      })
      .willRespondWith(201, (response) => {
        response.headers(json).jsonBody({ ...serverBody, id: okId('aus', SERVER_ID) });
      })
      .executeTest(async (mock) => {
        const made = await client(mock.url).createAuthorizationServer({
          name: 'okta-phone-mfa',
          description: 'Issues the tokens Okta calls the okta-phone-mfa telephony hook with',
          audiences: ['api://okta-phone-mfa'],
        });
        expect(made).toMatchObject({ id: SERVER_ID, issuer: `${ORG}/oauth2/${SERVER_ID}` });
      });
  });

  it('creates the scope (implicit consent), and meets the refusal of a reserved name', async () => {
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.server)
      .uponReceiving('the scopes of the authorization server')
      .withRequest(
        'GET',
        statePath(
          `/api/v1/authorizationServers/${ref('authServerId')}/scopes`,
          `/api/v1/authorizationServers/${SERVER_ID}/scopes`,
        ),
        (request) => {
          request.headers(auth);
        },
      )
      .willRespondWith(200, (response) => {
        response.headers(json).jsonBody([]);
      })
      .executeTest(async (mock) => {
        expect(await client(mock.url).listScopes(SERVER_ID)).toEqual([]);
      });
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.server)
      .uponReceiving('the creation of the scope phone-mfa.send')
      .withRequest(
        'POST',
        statePath(
          `/api/v1/authorizationServers/${ref('authServerId')}/scopes`,
          `/api/v1/authorizationServers/${SERVER_ID}/scopes`,
        ),
        (request) => {
          request.headers({ ...auth, ...json }).jsonBody({
            name: 'phone-mfa.send',
            description: "Lets Okta's telephony inline hook call okta-phone-mfa",
            consent: 'IMPLICIT',
            metadataPublish: 'NO_CLIENTS',
          });
        },
      )
      .willRespondWith(201, (response) => {
        response
          .headers(json)
          .jsonBody({ id: okId('scp', 'scpa1b2c3d4e5f6g7h8i'), name: string('phone-mfa.send') });
      })
      .executeTest(async (mock) => {
        const made = await client(mock.url).createScope(SERVER_ID, {
          name: 'phone-mfa.send',
          description: "Lets Okta's telephony inline hook call okta-phone-mfa",
        });
        expect(made.name).toBe('phone-mfa.send');
      });
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.server)
      .uponReceiving('the creation of a scope by a name Okta reserves')
      .withRequest(
        'POST',
        statePath(
          `/api/v1/authorizationServers/${ref('authServerId')}/scopes`,
          `/api/v1/authorizationServers/${SERVER_ID}/scopes`,
        ),
        (request) => {
          request.headers({ ...auth, ...json }).jsonBody({
            name: 'okta.telephony.send',
            description: "Lets Okta's telephony inline hook call okta-phone-mfa",
            consent: 'IMPLICIT',
            metadataPublish: 'NO_CLIENTS',
          });
        },
      )
      .willRespondWith(400, (response) => {
        response.headers(json).jsonBody({
          errorCode: 'E0000001',
          errorSummary: string('Api validation failed: OAuth2Scope'),
          errorCauses: eachLike({ errorSummary: string('name: reserved by Okta') }),
        });
      })
      .executeTest(async (mock) => {
        const refused = await client(mock.url)
          .createScope(SERVER_ID, {
            name: 'okta.telephony.send',
            description: "Lets Okta's telephony inline hook call okta-phone-mfa",
          })
          .catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(OktaCallError);
        expect(refused).toMatchObject({ status: 400, errorCode: 'E0000001' });
      });
  });

  it('creates the hook key, whose private key Okta keeps, and reads its public JWK', async () => {
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.emptyOrg)
      .uponReceiving('the hook keys')
      .withRequest('GET', '/api/v1/hook-keys', (request) => {
        request.headers(auth);
      })
      .willRespondWith(200, (response) => {
        response.headers(json).jsonBody([]);
      })
      .executeTest(async (mock) => {
        expect(await client(mock.url).listHookKeys()).toEqual([]);
      });
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.emptyOrg)
      .uponReceiving('the creation of the hook key okta-phone-mfa')
      .withRequest('POST', '/api/v1/hook-keys', (request) => {
        request.headers({ ...auth, ...json }).jsonBody({ name: 'okta-phone-mfa' });
      })
      .willRespondWith(200, (response) => {
        response.headers(json).jsonBody({
          id: okId('HKY', HOOK_KEY_ID),
          keyId: string(KEY_ID),
          name: string('okta-phone-mfa'),
          _embedded: {
            kty: 'RSA',
            kid: string(KEY_ID),
            e: string(HOOK_KEY_JWK.e),
            n: string(HOOK_KEY_JWK.n),
          },
        });
      })
      .executeTest(async (mock) => {
        const made = await client(mock.url).createHookKey('okta-phone-mfa');
        expect(made).toMatchObject({
          id: HOOK_KEY_ID,
          keyId: KEY_ID,
          _embedded: { kty: 'RSA', kid: KEY_ID },
        });
      });
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.hookKey)
      .uponReceiving("the hook key's public JWK")
      .withRequest(
        'GET',
        statePath(`/api/v1/hook-keys/public/${ref('keyId')}`, `/api/v1/hook-keys/public/${KEY_ID}`),
        (request) => {
          request.headers(auth);
        },
      )
      .willRespondWith(200, (response) => {
        response.headers(json).jsonBody({
          kty: 'RSA',
          kid: fromProviderState(`${ref('keyId')}`, KEY_ID),
          e: string(HOOK_KEY_JWK.e),
          n: string(HOOK_KEY_JWK.n),
        });
      })
      .executeTest(async (mock) => {
        expect(await client(mock.url).publicHookKey(KEY_ID)).toMatchObject({
          kty: 'RSA',
          kid: KEY_ID,
          e: 'AQAB',
        });
      });
  });

  it('creates the API Services app: private key JWT with the hook key, client credentials only, DPoP off', async () => {
    const jwk = appJwkOf(HOOK_KEY_JWK);
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.emptyOrg)
      .uponReceiving('a search for the app okta-phone-mfa hook')
      .withRequest('GET', '/api/v1/apps', (request) => {
        request.query({ q: 'okta-phone-mfa hook' }).headers(auth);
      })
      .willRespondWith(200, (response) => {
        response.headers(json).jsonBody([]);
      })
      .executeTest(async (mock) => {
        expect(await client(mock.url).listApps('okta-phone-mfa hook')).toEqual([]);
      });
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.emptyOrg)
      .uponReceiving('the creation of the app okta-phone-mfa hook')
      .withRequest('POST', '/api/v1/apps', (request) => {
        request
          .query({ activate: 'true' })
          .headers({ ...auth, ...json })
          .jsonBody({
            name: 'oidc_client',
            label: 'okta-phone-mfa hook',
            signOnMode: 'OPENID_CONNECT',
            credentials: {
              oauthClient: { autoKeyRotation: true, token_endpoint_auth_method: 'private_key_jwt' },
            },
            settings: {
              oauthClient: {
                application_type: 'service',
                dpop_bound_access_tokens: false,
                grant_types: ['client_credentials'],
                jwks: { keys: [jwk] },
                response_types: ['token'],
              },
            },
          });
      })
      .willRespondWith(200, (response) => {
        response.headers(json).jsonBody({
          id: okId('0oa', CLIENT_ID),
          label: string('okta-phone-mfa hook'),
          status: string('ACTIVE'),
          credentials: {
            oauthClient: { client_id: okId('0oa', CLIENT_ID), token_endpoint_auth_method: 'private_key_jwt' },
          },
        });
      })
      .executeTest(async (mock) => {
        const app = await client(mock.url).createServiceApp('okta-phone-mfa hook', jwk);
        expect(app).toMatchObject({ id: CLIENT_ID, status: 'ACTIVE' });
      });
  });

  it('creates the access policy for the app alone, and its client-credentials rule for the scope', async () => {
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.serverAndApp)
      .uponReceiving('the access policies of the authorization server')
      .withRequest(
        'GET',
        statePath(
          `/api/v1/authorizationServers/${ref('authServerId')}/policies`,
          `/api/v1/authorizationServers/${SERVER_ID}/policies`,
        ),
        (request) => {
          request.headers(auth);
        },
      )
      .willRespondWith(200, (response) => {
        response.headers(json).jsonBody([]);
      })
      .executeTest(async (mock) => {
        expect(await client(mock.url).listPolicies(SERVER_ID)).toEqual([]);
      });
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.serverAndApp)
      .uponReceiving('the creation of the access policy okta-phone-mfa')
      .withRequest(
        'POST',
        statePath(
          `/api/v1/authorizationServers/${ref('authServerId')}/policies`,
          `/api/v1/authorizationServers/${SERVER_ID}/policies`,
        ),
        (request) => {
          request.headers({ ...auth, ...json }).jsonBody({
            type: 'OAUTH_AUTHORIZATION_POLICY',
            name: 'okta-phone-mfa',
            description: 'Only the okta-phone-mfa hook app, only client credentials for phone-mfa.send',
            priority: 1,
            conditions: { clients: { include: [fromProviderState(`${ref('clientId')}`, CLIENT_ID)] } },
          });
        },
      )
      .willRespondWith(201, (response) => {
        response.headers(json).jsonBody({
          id: okId('00p', POLICY_ID),
          name: string('okta-phone-mfa'),
          status: string('ACTIVE'),
          conditions: { clients: { include: eachLike(fromProviderState(`${ref('clientId')}`, CLIENT_ID)) } },
          type: 'OAUTH_AUTHORIZATION_POLICY',
        });
      })
      .executeTest(async (mock) => {
        const made = await client(mock.url).createPolicy(SERVER_ID, {
          name: 'okta-phone-mfa',
          description: 'Only the okta-phone-mfa hook app, only client credentials for phone-mfa.send',
          clientId: CLIENT_ID,
        });
        expect(made).toMatchObject({ id: POLICY_ID, conditions: { clients: { include: [CLIENT_ID] } } });
      });
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.policy)
      .uponReceiving('the creation of the client-credentials rule')
      .withRequest(
        'POST',
        statePath(
          `/api/v1/authorizationServers/${ref('authServerId')}/policies/${ref('policyId')}/rules`,
          `/api/v1/authorizationServers/${SERVER_ID}/policies/${POLICY_ID}/rules`,
        ),
        (request) => {
          request.headers({ ...auth, ...json }).jsonBody({
            type: 'RESOURCE_ACCESS',
            name: 'okta-phone-mfa client credentials',
            priority: 1,
            conditions: {
              people: { groups: { include: ['EVERYONE'] } },
              grantTypes: { include: ['client_credentials'] },
              scopes: { include: ['phone-mfa.send'] },
            },
            actions: {
              token: {
                accessTokenLifetimeMinutes: 60,
                refreshTokenLifetimeMinutes: 0,
                refreshTokenWindowMinutes: 10080,
              },
            },
          });
        },
      )
      .willRespondWith(201, (response) => {
        response.headers(json).jsonBody({
          id: okId('0pr', '0pra1b2c3d4e5f6g7h8i'),
          name: string('okta-phone-mfa client credentials'),
          status: string('ACTIVE'),
          type: 'RESOURCE_ACCESS',
        });
      })
      .executeTest(async (mock) => {
        const made = await client(mock.url).createRule(SERVER_ID, POLICY_ID, {
          name: 'okta-phone-mfa client credentials',
          scope: 'phone-mfa.send',
        });
        expect(made.status).toBe('ACTIVE');
      });
  });

  it('creates the telephony inline hook with OAuth (private key JWT, the hook key, the client, the scope)', async () => {
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.emptyOrg)
      .uponReceiving('the telephony inline hooks')
      .withRequest('GET', '/api/v1/inlineHooks', (request) => {
        request.query({ type: 'com.okta.telephony.provider' }).headers(auth);
      })
      .willRespondWith(200, (response) => {
        response.headers(json).jsonBody([]);
      })
      .executeTest(async (mock) => {
        expect(await client(mock.url).listTelephonyHooks()).toEqual([]);
      });
    const config = {
      uri: HOOK_URL,
      method: 'POST',
      headers: [],
      authType: 'private_key_jwt',
      clientId: fromProviderState(`${ref('clientId')}`, CLIENT_ID),
      tokenUrl: fromProviderState(`${ref('tokenUrl')}`, `${ORG}/oauth2/${SERVER_ID}/v1/token`),
      scope: 'phone-mfa.send',
      hookKeyId: fromProviderState(`${ref('hookKeyId')}`, HOOK_KEY_ID),
    };
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.allButHook)
      .uponReceiving('the creation of the telephony inline hook okta-phone-mfa')
      .withRequest('POST', '/api/v1/inlineHooks', (request) => {
        request.headers({ ...auth, ...json }).jsonBody({
          name: 'okta-phone-mfa',
          type: 'com.okta.telephony.provider',
          version: '1.0.0',
          channel: { type: 'OAUTH', version: '1.0.0', config },
        });
      })
      .willRespondWith(200, (response) => {
        response.headers(json).jsonBody({
          id: okId('cal', INLINE_HOOK_ID),
          status: 'ACTIVE',
          name: string('okta-phone-mfa'),
          type: 'com.okta.telephony.provider',
          channel: {
            type: 'OAUTH',
            config: {
              uri: string(HOOK_URL),
              authType: 'private_key_jwt',
              hookKeyId: fromProviderState(`${ref('hookKeyId')}`, HOOK_KEY_ID),
            },
          },
        });
      })
      .executeTest(async (mock) => {
        const made = await client(mock.url).createInlineHook({
          name: 'okta-phone-mfa',
          type: 'com.okta.telephony.provider',
          version: '1.0.0',
          channel: {
            type: 'OAUTH',
            version: '1.0.0',
            config: {
              ...config,
              clientId: CLIENT_ID,
              tokenUrl: `${ORG}/oauth2/${SERVER_ID}/v1/token`,
              hookKeyId: HOOK_KEY_ID,
            },
          },
        });
        expect(made).toMatchObject({ id: INLINE_HOOK_ID, status: 'ACTIVE' });
      });
  });

  it("has Okta call the hook with the connection-check number, and reads the hook's answer", async () => {
    const payload = connectionCheckPayload(ORG, INLINE_HOOK_ID, new Date('2026-12-08T10:00:00.000Z'));
    const profile = payload.data.messageProfile;
    const pactPayload = structuredClone(payload) as Record<string, any>;
    // Generated per call: never a fixed code in the pact.
    pactPayload.eventId = string('connectionCheckSampleEventId');
    pactPayload.source = string(payload.source);
    pactPayload.data.context.request.id = string('checkSampleRequestId');
    pactPayload.data.messageProfile.otpCode = regex('^[0-9]{6}$', SAMPLE_OTP_CODE);
    pactPayload.data.messageProfile.msgTemplate = like(`Your verification code is ${SAMPLE_OTP_CODE}`);
    profile.otpCode = SAMPLE_OTP_CODE;
    profile.msgTemplate = `Your verification code is ${SAMPLE_OTP_CODE}`;
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.connected)
      .uponReceiving('an execution of the telephony inline hook for the connection-check number')
      .withRequest(
        'POST',
        statePath(
          `/api/v1/inlineHooks/${ref('inlineHookId')}/execute`,
          `/api/v1/inlineHooks/${INLINE_HOOK_ID}/execute`,
        ),
        (request) => {
          request.headers({ ...auth, ...json }).jsonBody(pactPayload);
        },
      )
      .willRespondWith(200, (response) => {
        response.headers(json).jsonBody({
          commands: [
            {
              type: 'com.okta.telephony.action',
              value: [
                {
                  status: 'SUCCESSFUL',
                  transactionId: regex('^check-\\S+$', 'check-connectionCheckSampleEventId'),
                },
              ],
            },
          ],
        });
      })
      .executeTest(async (mock) => {
        const answer = await client(mock.url).executeInlineHook(INLINE_HOOK_ID, payload);
        expect(answer.commands[0].value[0]).toMatchObject({ status: 'SUCCESSFUL' });
      });
  });

  it('creates the event hook for the eligible event types, and has Okta verify it', async () => {
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.emptyOrg)
      .uponReceiving('the creation of the event hook okta-phone-mfa events')
      .withRequest('POST', '/api/v1/eventHooks', (request) => {
        request.headers({ ...auth, ...json }).jsonBody({
          name: 'okta-phone-mfa events',
          description: 'Okta System Log events for the okta-phone-mfa conversion loop',
          events: { type: 'EVENT_TYPE', items: EVENT_HOOK_EVENT_TYPES },
          channel: {
            type: 'HTTP',
            version: '1.0.0',
            config: {
              uri: 'https://hooks.example.com/prod/okta-events',
              headers: [],
              authScheme: { type: 'HEADER', key: 'Authorization', value: like('sample-event-hook-secret') },
            },
          },
        });
      })
      .willRespondWith(200, (response) => {
        response.headers(json).jsonBody({
          id: okId('who', EVENT_HOOK_ID),
          status: 'ACTIVE',
          verificationStatus: 'UNVERIFIED',
          name: string('okta-phone-mfa events'),
        });
      })
      .executeTest(async (mock) => {
        const made = await client(mock.url).createEventHook({
          name: 'okta-phone-mfa events',
          description: 'Okta System Log events for the okta-phone-mfa conversion loop',
          events: { type: 'EVENT_TYPE', items: EVENT_HOOK_EVENT_TYPES },
          channel: {
            type: 'HTTP',
            version: '1.0.0',
            config: {
              uri: 'https://hooks.example.com/prod/okta-events',
              headers: [],
              authScheme: { type: 'HEADER', key: 'Authorization', value: 'sample-event-hook-secret' },
            },
          },
        });
        expect(made).toMatchObject({ id: EVENT_HOOK_ID, verificationStatus: 'UNVERIFIED' });
      });
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.eventHookUnverified)
      .uponReceiving('the verification of the event hook')
      .withRequest(
        'POST',
        statePath(
          `/api/v1/eventHooks/${ref('eventHookId')}/lifecycle/verify`,
          `/api/v1/eventHooks/${EVENT_HOOK_ID}/lifecycle/verify`,
        ),
        (request) => {
          request.headers(auth);
        },
      )
      .willRespondWith(200, (response) => {
        response.headers(json).jsonBody({ id: okId('who', EVENT_HOOK_ID), verificationStatus: 'VERIFIED' });
      })
      .executeTest(async (mock) => {
        expect(await client(mock.url).verifyEventHook(EVENT_HOOK_ID)).toMatchObject({
          verificationStatus: 'VERIFIED',
        });
      });
  });

  it('creates the AWS EventBridge log stream', async () => {
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.emptyOrg)
      .uponReceiving('the creation of the log stream okta-phone-mfa')
      .withRequest('POST', '/api/v1/logStreams', (request) => {
        request.headers({ ...auth, ...json }).jsonBody({
          type: 'aws_eventbridge',
          name: 'okta-phone-mfa',
          settings: { accountId: '123456789012', eventSourceName: 'okta-phone-mfa', region: 'eu-west-1' },
        });
      })
      .willRespondWith(200, (response) => {
        response
          .headers(json)
          .jsonBody({ id: okId('0oa', '0oaa1b2c3d4e5f6g7h8j'), status: 'ACTIVE', type: 'aws_eventbridge' });
      })
      .executeTest(async (mock) => {
        const made = await client(mock.url).createLogStream({
          name: 'okta-phone-mfa',
          accountId: '123456789012',
          region: 'eu-west-1',
          eventSourceName: 'okta-phone-mfa',
        });
        expect(made.status).toBe('ACTIVE');
      });
  });

  it('disconnects: deactivates the hook, then deletes it (Okta deletes only an inactive hook)', async () => {
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.connected)
      .uponReceiving('the deactivation of the telephony inline hook')
      .withRequest(
        'POST',
        statePath(
          `/api/v1/inlineHooks/${ref('inlineHookId')}/lifecycle/deactivate`,
          `/api/v1/inlineHooks/${INLINE_HOOK_ID}/lifecycle/deactivate`,
        ),
        (request) => {
          request.headers(auth);
        },
      )
      .willRespondWith(200, (response) => {
        response.headers(json).jsonBody({ id: okId('cal', INLINE_HOOK_ID), status: 'INACTIVE' });
      })
      .executeTest(async (mock) => {
        await client(mock.url).deactivateInlineHook(INLINE_HOOK_ID);
      });
    await pact
      .addInteraction()
      .given(MANAGEMENT_STATES.inactiveHook)
      .uponReceiving('the deletion of the inactive telephony inline hook')
      .withRequest(
        'DELETE',
        statePath(`/api/v1/inlineHooks/${ref('inlineHookId')}`, `/api/v1/inlineHooks/${INLINE_HOOK_ID}`),
        (request) => {
          request.headers(auth);
        },
      )
      .willRespondWith(204)
      .executeTest(async (mock) => {
        await client(mock.url).deleteInlineHook(INLINE_HOOK_ID);
      });
  });
});

describe('the committed Okta management API pact', () => {
  it('matches what the consumer tests generate', () => {
    const { committed, regenerated } = comparePactFile(PACT_FILE);
    expect(regenerated, DRIFT_HINT).toEqual(committed);
  });
});
