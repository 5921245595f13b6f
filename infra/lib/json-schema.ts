import type { JsonSchema } from 'aws-cdk-lib/aws-apigateway';

/** JSON Schema keywords that CDK's `JsonSchema` spells without the `$`. */
const DOLLAR_KEYWORDS: Record<string, string> = { $schema: 'schema', $ref: 'ref', $id: 'id' };

/** Keywords whose value is a map of name → sub-schema (the names are data, not keywords). */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', 'dependencies']);

/**
 * Converts a plain JSON Schema (draft-04) into CDK's `JsonSchema` shape, which CDK renders back to the same JSON
 * for the API Gateway model. The service's schema stays the single source: this only renames `$`-keywords.
 *
 * @param schema - e.g. `apiGatewayModelSchema()` from the service
 */
export function toCdkJsonSchema(schema: Record<string, unknown>): JsonSchema {
  return convert(schema) as JsonSchema;
}

function convert(node: unknown, isSchemaMap = false): unknown {
  if (Array.isArray(node)) return node.map((item) => convert(item));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => {
      if (isSchemaMap) return [key, convert(value)];
      return [DOLLAR_KEYWORDS[key] ?? key, convert(value, SCHEMA_MAPS.has(key))];
    }),
  );
}
