// The hook's own schema validator agrees with Ajv (the reference implementation) on every fixture and on every
// kind of broken payload, and refuses keywords it does not implement.
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { loadFixture, loadRequestFixtures } from '../../../../contracts/fixtures/index.js';
import { oktaHookSchema } from '../../../src/domain/okta-hook-schema.js';
import { compileSchema } from '../../../src/domain/schema-validator.js';

const ours = compileSchema(oktaHookSchema);
const reference = new Ajv({ allErrors: true, strict: false }).compile(oktaHookSchema);

function referencePaths(value: unknown): string[] {
  reference(value);
  return (reference.errors ?? [])
    .map((e) => {
      const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
      const missing = (e.params as { missingProperty?: string }).missingProperty;
      return missing ? [path, missing].filter(Boolean).join('.') : path;
    })
    .sort();
}

function ourPaths(value: unknown): string[] {
  return ours(value)
    .map((v) => (v.missingProperty ? [v.path, v.missingProperty].filter(Boolean).join('.') : v.path))
    .sort();
}

/** Applies `edit` to the payload and returns it. */
const spoilt =
  (edit: (p: Record<string, any>) => void) =>
  (p: Record<string, any>): unknown => {
    edit(p);
    return p;
  };

const broken: Array<[string, (p: Record<string, any>) => unknown]> = [
  ['not an object', () => 'text'],
  ['an array', () => []],
  ['no data', (p) => ({ ...p, data: undefined })],
  ['data as a string', (p) => ({ ...p, data: 'x' })],
  ['a numeric otpCode', spoilt((p) => (p.data.messageProfile.otpCode = 627381))],
  ['an unknown channel', spoilt((p) => (p.data.messageProfile.deliveryChannel = 'fax'))],
  ['a long locale', spoilt((p) => (p.data.messageProfile.locale = 'x'.repeat(40)))],
  ['an empty request id', spoilt((p) => (p.data.context.request.id = ''))],
  [
    'several faults at once',
    spoilt((p) => {
      p.requestType = 'x';
      p.data.messageProfile = {};
    }),
  ],
];

describe('compileSchema', () => {
  it.each(loadRequestFixtures())('accepts the fixture $name, as Ajv does', ({ payload }) => {
    expect(ours(payload)).toEqual([]);
    expect(referencePaths(payload)).toEqual([]);
  });

  it.each(broken)('finds the same faults as Ajv in %s', (_, spoil) => {
    const value = spoil(loadFixture('request-sms-mfa-verification') as Record<string, any>);
    expect(ourPaths(value)).toEqual(referencePaths(value));
    expect(ourPaths(value).length).toBeGreaterThan(0);
  });

  it('refuses a schema keyword it does not implement', () => {
    expect(() => compileSchema({ type: 'object', additionalProperties: false })).toThrow(
      /additionalProperties/,
    );
  });
});
