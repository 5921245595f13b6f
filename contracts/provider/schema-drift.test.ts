/**
 * Principle: one schema, three readers, no drift. The delivery handler validates Okta's request with
 * `oktaHookSchema`; infra turns the same schema into API Gateway's request model (JSON Schema draft-04), which
 * rejects a body before the handler runs. If either stopped accepting one of Okta's documented payloads, Okta would
 * get a 400 for a real sign-in; so every fixture must pass both, and both must agree on broken payloads.
 */
import { Ajv } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { parseHookRequest } from '../../service/src/domain/hook-request.js';
import { apiGatewayModelSchema, oktaHookSchema } from '../../service/src/domain/okta-hook-schema.js';
import { compileSchema } from '../../service/src/domain/schema-validator.js';
import { loadRequestFixtures, type OktaHookRequestFixture } from '../fixtures/index.js';

/** Keywords of JSON Schema draft-04 that API Gateway models support (no `format`, no `$ref` to other models here). */
const DRAFT_04_KEYWORDS = new Set([
  '$schema',
  'title',
  'description',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
]);

/** Every keyword a schema uses, at any depth (property names under `properties` are not keywords). */
function keywordsOf(schema: unknown, out = new Set<string>()): Set<string> {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return out;
  for (const [key, value] of Object.entries(schema)) {
    out.add(key);
    if (key === 'properties') {
      for (const child of Object.values(value as Record<string, unknown>)) keywordsOf(child, out);
    } else if (key === 'items' || key === 'additionalProperties') {
      keywordsOf(value, out);
    }
  }
  return out;
}

const model = apiGatewayModelSchema();
// ajv-draft-04 is CommonJS: under nodenext its default import is the class itself at run time.
const Draft04 = AjvDraft04 as unknown as typeof import('ajv-draft-04').default;
const validateModel = new Draft04({ allErrors: true, strict: true }).compile(model);
const validateService = compileSchema(oktaHookSchema);
const validateAjv = new Ajv({ allErrors: true, strict: false }).compile(oktaHookSchema);
const fixtures = loadRequestFixtures();

describe("the service's payload schema", () => {
  it.each(fixtures.map((f) => [f.name, f.payload] as const))('accepts %s', async (_name, payload) => {
    expect(validateService(payload)).toEqual([]);
    await expect(parseHookRequest(JSON.stringify(payload))).resolves.toMatchObject({
      requestType: payload.requestType,
    });
  });
});

describe('the API Gateway request model generated from it', () => {
  it('is a draft-04 schema that uses only keywords API Gateway supports', () => {
    expect(model.$schema).toBe('http://json-schema.org/draft-04/schema#');
    expect([...keywordsOf(model)].filter((keyword) => !DRAFT_04_KEYWORDS.has(keyword))).toEqual([]);
  });

  it.each(fixtures.map((f) => [f.name, f.payload] as const))('accepts %s', (_name, payload) => {
    expect(validateModel(payload), JSON.stringify(validateModel.errors)).toBe(true);
  });
});

describe('the schema and the model', () => {
  const base = fixtures[0]!.payload;
  const broken: Array<[string, (p: OktaHookRequestFixture) => void]> = [
    [
      'a missing phone number',
      (p) => delete (p.data.messageProfile as Partial<typeof p.data.messageProfile>).phoneNumber,
    ],
    [
      'a missing OTP code',
      (p) => delete (p.data.messageProfile as Partial<typeof p.data.messageProfile>).otpCode,
    ],
    ['an unknown request type', (p) => (p.requestType = 'com.okta.user.telephony.unknown')],
    ['an unknown delivery channel', (p) => (p.data.messageProfile.deliveryChannel = 'EMAIL')],
    ['another event type', (p) => (p.eventType = 'com.okta.event_hook')],
    [
      'a phone number that is not a string',
      (p) => ((p.data.messageProfile as any).phoneNumber = 14155550123),
    ],
  ];

  it.each(broken)('both reject %s', (_name, breakIt) => {
    // Prepare
    const payload = structuredClone(base);
    breakIt(payload);

    // Act
    const verdicts = {
      service: validateService(payload).length === 0,
      ajv: validateAjv(payload),
      model: validateModel(payload),
    };

    // Assess
    expect(verdicts).toEqual({ service: false, ajv: false, model: false });
  });

  // An undeliverable number is a valid request: the Lambda answers it (200, Okta's error object, a DLQ record).
  it.each([['abc'], ['+'], [''], ['1'.repeat(40)], ['9876543210'], ['+1415CALLME']])(
    'both accept %j as a phoneNumber, so neither turns an undeliverable number into a 400',
    (phoneNumber) => {
      // Prepare
      const payload = structuredClone(base);
      payload.data.messageProfile.phoneNumber = phoneNumber;

      // Act
      const verdicts = {
        service: validateService(payload).length === 0,
        ajv: validateAjv(payload),
        model: validateModel(payload),
      };

      // Assess
      expect(verdicts).toEqual({ service: true, ajv: true, model: true });
    },
  );
});
