// Property: a registered secret (a code, Okta's message, a token) never survives scrubbing, wherever it sits in a
// string or a log line and whatever surrounds it, including the scrubber's own markers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { phoneLibraryPlan } from '../../../src/domain/phone.js';
import { redactingReplacer, SecretSet, scrubText } from '../../../src/domain/redact.js';
import { fuzz } from './runs.js';

/** Secrets as they come (codes, messages, tokens), and ones that collide with what the scrubber writes. */
const secret = fc.oneof(
  fc.stringMatching(/^[0-9]{4,8}$/),
  fc.stringMatching(/^[0-9A-Za-z]{4,12}$/),
  fc.string({ minLength: 4, maxLength: 40 }),
  fc.constantFrom('REDACTED', 'dact', 'Acted', 'TOKEN', 'oken', '1234', '0123', '5550', '***1'),
);

/** Text around a secret: anything, numbers and phone-like runs included. */
const around = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.stringMatching(/^[+0-9 ().-]{0,20}$/),
  fc.constantFrom(
    '[REDACTED]',
    '[TOKEN]',
    'eyJhbGciOi.eyJzdWIiOi.sig',
    '+1 415 555 0123',
    'arn:aws:sqs:us-east-1:123456789012:q',
  ),
);

const lower = (text: string) => text.toLowerCase();

describe('scrubText, for any secret in any text', () => {
  it('leaves no occurrence of the secret, in any case', () => {
    fc.assert(
      fc.property(secret, around, around, fc.boolean(), (value, before, after, upper) => {
        const text = `${before}${upper ? value.toUpperCase() : value}${after}`;
        expect(lower(scrubText(text, [value]))).not.toContain(lower(value));
      }),
      fuzz,
    );
  });
});

describe('redactingReplacer, for any secret anywhere in a log line', () => {
  /**
   * The line's own keys (`message`, an error's `name`, `stack`…) are not data: a "secret" spelled like one of them
   * would be found in every line and tell nothing, so such secrets are left out.
   */
  const structural = 'message fields noise name stack cause';
  const dataSecret = secret.filter((value) => !structural.includes(value.toLowerCase()));

  /** A log line's fields with the secret placed in a string, a key or a number, at some depth. */
  const line = fc.tuple(
    dataSecret,
    fc.jsonValue({ maxDepth: 4 }),
    fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }),
  );

  it('serialises a line that holds no occurrence of the secret', () => {
    fc.assert(
      fc.property(line, fc.constantFrom('value', 'key', 'error'), ([value, noise, path], where) => {
        let leaf: unknown =
          where === 'key'
            ? { [`k${value}`]: 1 }
            : where === 'error'
              ? new Error(`failed ${value}`)
              : `x ${value} y`;
        for (const key of path.reverse()) leaf = { [key]: leaf, noise };
        const set = new SecretSet([value]);
        const json = JSON.stringify(
          { message: 'm', fields: leaf, noise },
          redactingReplacer(() => set, phoneLibraryPlan),
        );
        expect(lower(json)).not.toContain(lower(value));
      }),
      fuzz,
    );
  });
});

describe('SecretSet.remove, for any secrets and any text', () => {
  /** What the set removed before it searched ASCII text with indexOf: one case-insensitive pattern, longest first. */
  const byPattern = (values: string[], text: string) => {
    const kept = [...new Set(values.filter((v) => v.length >= 4))].sort((a, b) => b.length - a.length);
    if (!kept.length) return text;
    const marker = kept.some((v) => '[redacted]'.includes(v.toLowerCase())) ? '[***]' : '[REDACTED]';
    const pattern = new RegExp(kept.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gi');
    return text.replace(pattern, marker);
  };
  const ascii = fc.stringMatching(/^[\x20-\x7e]{0,30}$/);

  it('removes exactly what the case-insensitive pattern removed, in ASCII text and in any other', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(secret, ascii), { minLength: 1, maxLength: 3 }),
        fc.array(fc.oneof(around, ascii), { maxLength: 3 }),
        fc.nat(),
        fc.boolean(),
        (values, parts, pick, upper) => {
          // Text made of the secrets (in either case) and what surrounds them, so that matches are common.
          const chosen = values[pick % values.length]!;
          const text = [
            ...parts,
            upper ? chosen.toUpperCase() : chosen,
            ...parts.slice().reverse(),
            chosen,
          ].join('');
          expect(new SecretSet(values).remove(text)).toBe(byPattern(values, text));
        },
      ),
      fuzz,
    );
  });
});
