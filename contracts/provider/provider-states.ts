/**
 * The provider states of the pacts, set up on the running local stack through its own routes (`/_local/faults`,
 * `/_local/outbox`, `/_local/dlq`, `/_local/refusals`, `POST /hook`) and its own tables, and the request filter that
 * gives every request that carries a token a fresh one from the stack's authorization server. Nothing here reaches
 * into the handlers: what the verification sees is what Okta would see.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BatchWriteItemCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { VerifierOptions } from '@pact-foundation/pact';
import { seedTemplates } from '../../service/local/dynalite.js';
import { TokenProvider } from '../../service/local/okta-tokens.js';
import type { LocalStack } from '../../service/local/stack.js';
import { defaultTemplateItems, type TemplateItem } from '../../service/src/adapters/template-seed.js';
import { DEFAULT_ABUSE_LIMITS } from '../../service/src/domain/abuse-guard.js';
import { loadFixture } from '../fixtures/index.js';
import { PROVIDER_STATES } from '../pact-settings.js';

/** The Verifier's state handlers, keyed by state sentence. */
type StateHandlers = NonNullable<VerifierOptions['stateHandlers']>;

/** The Verifier's request filter: an express middleware (express's types are not installed, so its shape here). */
export type RequestFilter = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

async function call(stack: LocalStack, method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  if (!response.ok)
    throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
}

/** Empties the abuse guard's table: no code counted against any number, user or address, no list entry. */
async function clearAbuseTable(stack: LocalStack, db: DynamoDBClient): Promise<void> {
  const { Items = [] } = await db.send(new ScanCommand({ TableName: stack.tables.abuse }));
  for (let i = 0; i < Items.length; i += 25) {
    const deletes = Items.slice(i, i + 25).map((item) => ({
      DeleteRequest: { Key: { pk: item.pk!, sk: item.sk! } },
    }));
    await db.send(new BatchWriteItemCommand({ RequestItems: { [stack.tables.abuse]: deletes } }));
  }
}

/**
 * Back to the shipped defaults: no faults, empty outbox, DLQ and refusals, nothing counted by the abuse guard, the
 * default templates and routing settings. Every state starts here, so no state depends on the one before it.
 */
export async function resetToDefaults(stack: LocalStack, db: DynamoDBClient): Promise<void> {
  await Promise.all([
    ...['/_local/faults', '/_local/outbox', '/_local/dlq', '/_local/refusals'].map((path) =>
      call(stack, 'DELETE', path),
    ),
    clearAbuseTable(stack, db),
  ]);
  await seedTemplates(db, stack.tables.templates, defaultTemplateItems());
}

/**
 * Spends a number's 10-minute allowance as Okta would: that many SMS codes to it, each a new Okta event through
 * `POST /hook` with a fresh token, then empties the outbox.
 */
async function reachNumberLimit(stack: LocalStack, phoneNumber: string): Promise<void> {
  for (let i = 0; i < DEFAULT_ABUSE_LIMITS.numberPer10Minutes; i += 1) {
    const payload = loadFixture('request-sms-mfa-verification');
    payload.eventId = `state-number-at-limit-${Date.now().toString(36)}-${i}`;
    payload.data.messageProfile.phoneNumber = phoneNumber;
    const answer = await fetch(stack.hookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await fetchAccessToken(stack)}`,
      },
      body: JSON.stringify(payload),
    });
    const body = (await answer.json()) as { commands?: unknown };
    if (!body.commands)
      throw new Error(`Code ${i + 1} to the number was not delivered: ${JSON.stringify(body)}`);
  }
  await call(stack, 'DELETE', '/_local/outbox');
}

/**
 * Sends the user a first code that the carrier cannot deliver (a `TEXT_CARRIER_UNREACHABLE` final receipt), and
 * waits until its receipt is recorded; the receipts go back to their default.
 */
async function sendFailedCode(stack: LocalStack, userId: string, phoneNumber: string): Promise<void> {
  await call(stack, 'POST', '/_local/faults', { receipts: { status: 'CARRIER_UNREACHABLE' } });
  const payload = loadFixture('request-sms-mfa-verification');
  payload.eventId = `state-previous-code-failed-${Date.now().toString(36)}`;
  payload.data.userProfile = { ...payload.data.userProfile, userId } as typeof payload.data.userProfile;
  payload.data.messageProfile.phoneNumber = phoneNumber;
  const answer = await fetch(stack.hookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await fetchAccessToken(stack)}` },
    body: JSON.stringify(payload),
  });
  const body = (await answer.json()) as { commands?: Array<{ value: Array<{ transactionId: string }> }> };
  const messageId = body.commands?.[0]?.value[0]?.transactionId;
  if (!messageId) throw new Error(`The first code was not sent: ${JSON.stringify(body)}`);
  await stack.messaging.settled();
  await call(stack, 'DELETE', '/_local/faults');
  await call(stack, 'DELETE', '/_local/outbox');
}

const defaults = (match: (item: TemplateItem) => boolean) => defaultTemplateItems().filter(match);

/**
 * One handler per provider state. The hook reads the templates table with `TEMPLATES_MAX_AGE_SECONDS=0` in the
 * verification stack, so a table change applies to the next request.
 *
 * @param stack - the running local stack
 * @param db - a DynamoDB client for the stack's tables
 */
export function stateHandlers(stack: LocalStack, db: DynamoDBClient): StateHandlers {
  return {
    [PROVIDER_STATES.accepting]: async () => {
      await resetToDefaults(stack, db);
    },
    [PROVIDER_STATES.spanishTemplates]: async () => {
      await resetToDefaults(stack, db);
      const spanish = defaults((item) => item.pk === 'template' && /#es(-|$)/.test(item.sk));
      if (spanish.length === 0) throw new Error('The shipped templates have no Spanish template');
      await seedTemplates(db, stack.tables.templates, spanish);
    },
    [PROVIDER_STATES.noKoreanTemplate]: async () => {
      await resetToDefaults(stack, db);
      const keys = ['sms#ko', 'sms#ko-kr', 'voice#ko', 'voice#ko-kr'].map((sk) => ({
        DeleteRequest: { Key: { pk: { S: 'template' }, sk: { S: sk } } },
      }));
      await db.send(new BatchWriteItemCommand({ RequestItems: { [stack.tables.templates]: keys } }));
    },
    [PROVIDER_STATES.providerFailing]: async () => {
      await resetToDefaults(stack, db);
      await call(stack, 'POST', '/_local/faults', { messaging: { mode: 'error' } });
    },
    [PROVIDER_STATES.numberRejected]: async () => {
      await resetToDefaults(stack, db);
      await call(stack, 'POST', '/_local/faults', { messaging: { mode: 'reject' } });
    },
    [PROVIDER_STATES.numberAtLimit]: async (params) => {
      await resetToDefaults(stack, db);
      const phoneNumber = (params as { phoneNumber?: unknown } | undefined)?.phoneNumber;
      if (typeof phoneNumber !== 'string') throw new Error('The state needs the parameter phoneNumber');
      await reachNumberLimit(stack, phoneNumber);
    },
    [PROVIDER_STATES.firstIdentityInactive]: async () => {
      await resetToDefaults(stack, db);
      const [routing] = defaults((item) => item.pk === 'config' && item.sk === 'originationIdentities');
      const us = (routing?.value as Record<string, unknown> | undefined)?.US;
      if (!Array.isArray(us) || us.length < 2 || typeof us[0] !== 'string') {
        throw new Error('The shipped routing gives the US no second origination identity to fail over to');
      }
      await call(stack, 'POST', '/_local/faults', {
        messaging: { mode: 'identity-inactive', identity: us[0] },
      });
    },
    [PROVIDER_STATES.onlyAwsSenders]: async () => {
      await resetToDefaults(stack, db);
      const [routing] = defaults((item) => item.pk === 'config' && item.sk === 'originationIdentities');
      const us = (routing?.value as Record<string, unknown> | undefined)?.US;
      const own = Array.isArray(us) ? us.filter((identity) => !String(identity).startsWith('notify:')) : [];
      if (!Array.isArray(us) || own.length === us.length) {
        throw new Error(
          'The shipped routing gives the US no AWS-managed senders (notify:<id>) to fail over to',
        );
      }
      await call(stack, 'POST', '/_local/faults', {
        messaging: { mode: 'identity-inactive', identity: own },
      });
    },
    [PROVIDER_STATES.previousCodeFailed]: async (params) => {
      await resetToDefaults(stack, db);
      const { userId, phoneNumber } = (params ?? {}) as { userId?: unknown; phoneNumber?: unknown };
      if (typeof userId !== 'string' || typeof phoneNumber !== 'string') {
        throw new Error('The state needs the parameters userId and phoneNumber');
      }
      await sendFailedCode(stack, userId, phoneNumber);
    },
    [PROVIDER_STATES.lineTypesFromCarrier]: async () => {
      await resetToDefaults(stack, db);
    },
    [PROVIDER_STATES.britainNotAllowed]: async () => {
      await resetToDefaults(stack, db);
      const [allowed] = defaults((item) => item.pk === 'config' && item.sk === 'allowedCountries');
      const countries = (allowed?.value as string[] | undefined) ?? [];
      await seedTemplates(db, stack.tables.templates, [
        { pk: 'config', sk: 'allowedCountries', value: countries.filter((country) => country !== 'GB') },
      ]);
    },
  };
}

/**
 * A token from the stack's authorization server, obtained as Okta obtains one: the client-credentials grant with
 * HTTP Basic client authentication.
 *
 * @param stack - the running local stack
 */
export function fetchAccessToken(stack: LocalStack): Promise<string> {
  return new TokenProvider({
    kind: 'client-credentials',
    tokenUrl: stack.tokenUrl,
    clientId: stack.clientId,
    clientSecret: stack.clientSecret,
    scope: stack.scope,
  }).token();
}

/**
 * Replaces the pact's sample token with a fresh one, so the real authorizer verifies a real signature. A request
 * the pact sends without a token stays without one.
 *
 * @param stack - the running local stack
 */
export function freshTokenFilter(stack: LocalStack): RequestFilter {
  return (req, _res, next) => {
    if (!req.headers.authorization) return next();
    fetchAccessToken(stack).then(
      (token) => {
        req.headers.authorization = `Bearer ${token}`;
        next();
      },
      (error: unknown) => next(error),
    );
  };
}
