// Property: whatever Okta's System Log (or anyone posting to the event hook) sends, the verification handler reads it
// or ignores it: it never throws (a throw is a retry, then the failure queue, then a redelivered batch), and it never
// hands DynamoDB an id it would refuse (a key over DynamoDB's limits). Runs against dynalite, which enforces them.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDynamoClient, type RunningDynalite, startDynalite } from '../../../local/dynalite.js';
import { DynamoSettlementStore } from '../../../src/adapters/message-settlement.js';
import { classifyOktaEvent } from '../../../src/domain/okta-log-event.js';
import { handleOktaEvent, type VerificationDeps } from '../../../src/handlers/record-verification.js';
import { OutputCapture } from '../../helpers/output-capture.js';
import { createMessagesTable } from '../adapters/messages-table-setup.js';
import { fuzz } from './runs.js';

const TABLE = 'messages-okta-fuzz';
const output = new OutputCapture();
let db: RunningDynalite;

beforeAll(async () => {
  db = await startDynalite();
  await createMessagesTable(localDynamoClient(db.endpoint), TABLE);
  output.start();
});
afterAll(async () => {
  output.stop();
  await db?.close();
});

const published = () => new Date().toISOString();

/** Okta's LogEvent shapes the handler reads. */
const bases = () => [
  {
    uuid: randomUUID(),
    published: published(),
    eventType: 'user.authentication.auth_via_mfa',
    actor: { id: '00uFuzz00001', type: 'User' },
    outcome: { result: 'SUCCESS' },
    debugContext: { debugData: { factor: 'SMS_FACTOR' } },
  },
  {
    uuid: randomUUID(),
    published: published(),
    eventType: 'user.mfa.factor.activate',
    actor: { id: '00uFuzz00001', type: 'User' },
    outcome: { result: 'SUCCESS' },
    target: [
      { id: '00uFuzz00001', type: 'User' },
      { type: 'Factor', displayName: 'SMS Authentication' },
    ],
  },
  {
    uuid: randomUUID(),
    published: published(),
    eventType: 'inline_hook.executed',
    outcome: { result: 'FAILURE', reason: 'Inline hook call timed out' },
    target: [{ id: 'cal3ughy17pylLxQB357', type: 'InlineHook' }],
  },
];

const FIELDS = [
  ['uuid'],
  ['published'],
  ['eventType'],
  ['actor'],
  ['actor', 'id'],
  ['outcome', 'result'],
  ['outcome', 'reason'],
  ['debugContext', 'debugData', 'factor'],
  ['debugContext'],
  ['target'],
] as const;

function withField(event: Record<string, unknown>, path: readonly string[], value: unknown) {
  const copy = structuredClone(event) as Record<string, any>;
  let node = copy;
  for (const key of path.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {};
    node = node[key];
  }
  node[path.at(-1) as string] = value;
  return copy;
}

/** Values that broke handlers before: huge strings, ids DynamoDB refuses, odd types. */
const anyValue = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.integer({ min: 1_500, max: 4_000 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom('', ' ', 'SMS_FACTOR', 'CALL_FACTOR', 'EMAIL_FACTOR', 'SUCCESS', '2026-13-45T99:99:99Z'),
);

const anyEvent = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fc.nat({ max: 2 }),
        fc.array(fc.tuple(fc.constantFrom(...FIELDS), anyValue), { minLength: 1, maxLength: 3 }),
      )
      .map(([i, edits]) =>
        edits.reduce<Record<string, unknown>>(
          (event, [path, value]) => withField(event, path, value),
          bases()[i] as Record<string, unknown>,
        ),
      ),
  },
  { weight: 1, arbitrary: fc.jsonValue() },
);

describe('handleOktaEvent, for any event', () => {
  it('reads or ignores it, never throwing, and credits only ids as Okta makes them', async () => {
    const client = localDynamoClient(db.endpoint);
    const deps: VerificationDeps = {
      store: new DynamoSettlementStore(client, TABLE),
      feedback: { put: async () => ({ ok: true }) } as unknown as VerificationDeps['feedback'],
      header: 'authorization',
    };
    await fc.assert(
      fc.asyncProperty(anyEvent, async (event) => {
        const meaning = classifyOktaEvent(event);
        if (meaning.kind === 'verified') {
          expect(meaning.userId).toMatch(/^[A-Za-z0-9_-]{1,100}$/);
          expect(Number.isFinite(meaning.publishedMs)).toBe(true);
        }
        if (meaning.uuid !== undefined) expect(meaning.uuid).toMatch(/^[A-Za-z0-9_-]{1,100}$/);
        await expect(handleOktaEvent(event, deps)).resolves.toBeTypeOf('string');
      }),
      fuzz,
    );
  });
});
