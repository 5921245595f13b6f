/**
 * A validator for the small JSON Schema subset the hook schema uses (`type` object/string, `required`,
 * `properties`, `enum`, `minLength`, `maxLength`, `pattern`). A general validator (Ajv) compiles its meta-schema and
 * generated code on every cold start; interpreting this subset directly costs microseconds per request and nothing
 * at start-up. Keywords outside the subset are refused when the validator is built, so the schema cannot silently
 * grow past what is checked.
 */

/** One failed rule: where, and why. */
export type SchemaViolation = {
  /** Dotted path of the value at fault (`data.messageProfile.otpCode`); empty for the root. */
  path: string;
  keyword: 'type' | 'required' | 'enum' | 'minLength' | 'maxLength' | 'pattern';
  /** For `required`: the missing property. For `enum`: the allowed values. */
  missingProperty?: string;
  allowedValues?: readonly unknown[];
  message: string;
};

type Schema = {
  type?: 'object' | 'string';
  required?: readonly string[];
  properties?: Readonly<Record<string, Schema>>;
  enum?: readonly unknown[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  title?: string;
};

const SUPPORTED = new Set([
  'type',
  'required',
  'properties',
  'enum',
  'minLength',
  'maxLength',
  'pattern',
  'title',
]);

type Compiled = (value: unknown, path: string, out: SchemaViolation[]) => void;

function compileNode(schema: Schema, where: string): Compiled {
  for (const key of Object.keys(schema)) {
    if (!SUPPORTED.has(key)) throw new Error(`Unsupported schema keyword "${key}" at ${where || '(root)'}`);
  }
  const pattern = schema.pattern === undefined ? undefined : new RegExp(schema.pattern, 'u');
  const properties = Object.entries(schema.properties ?? {}).map(
    ([name, child]) => [name, compileNode(child, where ? `${where}.${name}` : name)] as const,
  );
  return (value, path, out) => {
    if (schema.type === 'object') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        out.push({ path, keyword: 'type', message: 'must be object' });
        return;
      }
      const record = value as Record<string, unknown>;
      for (const name of schema.required ?? []) {
        if (record[name] === undefined) {
          out.push({
            path,
            keyword: 'required',
            missingProperty: name,
            message: `must have required property '${name}'`,
          });
        }
      }
      for (const [name, check] of properties) {
        if (record[name] !== undefined) check(record[name], path ? `${path}.${name}` : name, out);
      }
      return;
    }
    if (schema.type === 'string' && typeof value !== 'string') {
      out.push({ path, keyword: 'type', message: 'must be string' });
      return;
    }
    if (schema.enum && !schema.enum.includes(value)) {
      out.push({
        path,
        keyword: 'enum',
        allowedValues: schema.enum,
        message: 'must be equal to one of the allowed values',
      });
    }
    if (typeof value !== 'string') return;
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength) {
      out.push({
        path,
        keyword: 'minLength',
        message: `must NOT have fewer than ${schema.minLength} characters`,
      });
    }
    if (schema.maxLength !== undefined && length > schema.maxLength) {
      out.push({
        path,
        keyword: 'maxLength',
        message: `must NOT have more than ${schema.maxLength} characters`,
      });
    }
    if (pattern && !pattern.test(value)) {
      out.push({ path, keyword: 'pattern', message: `must match pattern "${schema.pattern}"` });
    }
  };
}

/**
 * Builds a validator for `schema`.
 *
 * @param schema - a JSON Schema within the supported subset
 * @returns a function giving every violation (empty when valid)
 */
export function compileSchema(schema: object): (value: unknown) => SchemaViolation[] {
  const check = compileNode(schema as Schema, '');
  return (value) => {
    const out: SchemaViolation[] = [];
    check(value, '', out);
    return out;
  };
}
