// Property: whatever arrives as a hook body, the parser answers with a valid delivery request or a HookPayloadError
// (HTTP 400): never another exception (a 500), and never a request that breaks what the delivery relies on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRequestFixtures } from '../../../../contracts/fixtures/index.js';
import { HookPayloadError } from '../../../src/domain/errors.js';
import { type DeliveryRequest, parseHookRequest } from '../../../src/domain/hook-request.js';
import { fuzz } from './runs.js';

const fixtures = loadRequestFixtures().map((f) => f.payload as unknown as Record<string, unknown>);

/** Every path to a leaf or an object inside a payload, e.g. `data.messageProfile.phoneNumber`. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return [prefix, ...Object.entries(value).flatMap(([key, child]) => paths(child, [...prefix, key]))];
}

/**
 * Sets (or, with `undefined`, deletes) the value at `path`; the root path replaces the whole payload. A path an
 * earlier edit took away is left alone.
 */
function edit(payload: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(payload) as Record<string, unknown>;
  let node: unknown = copy;
  for (const key of path.slice(0, -1)) {
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  if (!node || typeof node !== 'object' || Array.isArray(node)) return copy;
  const last = path.at(-1) as string;
  const parent = node as Record<string, unknown>;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
}

/** Okta's payloads with one to three fields replaced by anything JSON can hold, or deleted. */
const mutatedPayload = fc
  .constantFrom(...fixtures)
  .chain((base) =>
    fc
      .array(
        fc.tuple(
          fc.constantFrom(...paths(base)),
          fc.oneof(
            fc.constant(undefined),
            fc.jsonValue(),
            fc.string(),
            fc.string({ unit: 'binary' }),
            fc.stringMatching(/^[+0-9 ().-]{0,40}$/),
          ),
        ),
        { minLength: 1, maxLength: 3 },
      )
      .map((edits) => edits.reduce<unknown>((payload, [path, value]) => edit(payload, path, value), base)),
  );

/** A body as it may come over the wire: a mutated payload, any JSON, or any text. */
const anyBody = fc.oneof(
  { weight: 6, arbitrary: mutatedPayload.map((payload) => JSON.stringify(payload) ?? '') },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
);

function assertDeliverable(request: DeliveryRequest): void {
  expect(['sms', 'voice']).toContain(request.channel);
  expect(request.idempotencyKey.length).toBeGreaterThan(0);
  expect(request.ttlSeconds).toBeGreaterThanOrEqual(60);
  expect(request.ttlSeconds).toBeLessThanOrEqual(24 * 3600);
  if (request.phone !== undefined) {
    expect(request.phone).toMatch(/^\+[1-9]\d{6,14}$/);
    expect(request.country).toMatch(/^[A-Z]{2}$/);
  } else {
    expect(request.country).toBeUndefined();
  }
}

describe('parseHookRequest, for any body', () => {
  it('returns a deliverable request or throws HookPayloadError, and nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(anyBody, async (body) => {
        try {
          assertDeliverable(await parseHookRequest(body));
        } catch (error) {
          if (!(error instanceof HookPayloadError)) throw error;
          expect(error.problems.length).toBeGreaterThan(0);
        }
      }),
      fuzz,
    );
  });

  it('never repeats the code in what it says about a bad payload', async () => {
    await fc.assert(
      // Codes as Okta sends them, 6 to 10 digits: an alphanumeric one can be a word of the schema's own messages
      // ("call" in "SMS, CALL, Voice call or voice"), which no redaction could tell from the code.
      fc.asyncProperty(mutatedPayload, fc.stringMatching(/^\d{6,10}$/), async (payload, code) => {
        const withCode = edit(payload, ['data', 'messageProfile', 'otpCode'], code);
        const error = await parseHookRequest(JSON.stringify(withCode)).catch((e: unknown) => e);
        if (error instanceof HookPayloadError) {
          expect(JSON.stringify(error.problems) + error.message).not.toContain(code);
        }
      }),
      fuzz,
    );
  });
});
