/**
 * What a DynamoDB call asks IAM for: its action (`dynamodb:<Operation>`), the table or index it touches as an ARN,
 * and the condition key `dynamodb:LeadingKeys` (the partition key values of the items it reads or writes), read from
 * the request as DynamoDB's own authorization reads it.
 */
import type { IamRequest } from './policy.js';
import { localArn } from './stack-policies.js';

/** The partition key attribute of each table and of its indexes. */
export type KeySchemas = Readonly<
  Record<string, { partitionKey: string; indexes?: Readonly<Record<string, string>> }>
>;

type AttributeValue = { S?: string; N?: string; B?: string };

const scalarOf = (value: AttributeValue | undefined) => value?.S ?? value?.N ?? value?.B;

/** The partition key value a Query's key condition names (`pk = :pk`, `#pk = :v`), or its legacy `KeyConditions`. */
function queriedPartition(body: Record<string, any>, partitionKey: string): string | undefined {
  const names: Record<string, string> = body.ExpressionAttributeNames ?? {};
  const values: Record<string, AttributeValue> = body.ExpressionAttributeValues ?? {};
  const expression = typeof body.KeyConditionExpression === 'string' ? body.KeyConditionExpression : '';
  for (const match of expression.matchAll(/([#\w.]+)\s*=\s*(:\w+)/g)) {
    const name = match[1]!.startsWith('#') ? names[match[1]!] : match[1];
    if (name === partitionKey) return scalarOf(values[match[2]!]);
  }
  const legacy = body.KeyConditions?.[partitionKey]?.AttributeValueList?.[0];
  return scalarOf(legacy);
}

/**
 * The IAM requests of one DynamoDB call.
 *
 * @param target - `X-Amz-Target` (`DynamoDB_20120810.GetItem`)
 * @param body - the request's JSON
 * @param schemas - the tables' key schemas (for `dynamodb:LeadingKeys`)
 */
export function dynamoRequests(target: string, body: Record<string, any>, schemas: KeySchemas): IamRequest[] {
  const operation = target.split('.').pop() ?? '';
  const action = `dynamodb:${operation}`;
  const schemaOf = (table: string) => schemas[table];
  const request = (table: string, leading: Array<string | undefined>, index?: string): IamRequest => {
    const keys = leading.filter((value): value is string => value !== undefined);
    return {
      action,
      resource: `${localArn.table(table)}${index ? `/index/${index}` : ''}`,
      ...(keys.length > 0 ? { context: { 'dynamodb:LeadingKeys': keys } } : {}),
    };
  };
  const table = typeof body.TableName === 'string' ? body.TableName : undefined;
  const pk = table ? schemaOf(table)?.partitionKey : undefined;
  switch (operation) {
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem':
      return table ? [request(table, [pk ? scalarOf(body.Key?.[pk]) : undefined])] : [];
    case 'PutItem':
      return table ? [request(table, [pk ? scalarOf(body.Item?.[pk]) : undefined])] : [];
    case 'Query': {
      if (!table) return [];
      const index = typeof body.IndexName === 'string' ? body.IndexName : undefined;
      const key = index ? schemaOf(table)?.indexes?.[index] : pk;
      return [request(table, [key ? queriedPartition(body, key) : undefined], index)];
    }
    case 'Scan':
      return table
        ? [request(table, [], typeof body.IndexName === 'string' ? body.IndexName : undefined)]
        : [];
    case 'BatchWriteItem':
    case 'BatchGetItem':
      return Object.entries((body.RequestItems ?? {}) as Record<string, any>).map(([name, items]) => {
        const key = schemaOf(name)?.partitionKey;
        const records: Array<Record<string, AttributeValue>> =
          operation === 'BatchGetItem'
            ? (items?.Keys ?? [])
            : (Array.isArray(items) ? items : []).map(
                (item: any) => item?.PutRequest?.Item ?? item?.DeleteRequest?.Key ?? {},
              );
        return request(
          name,
          records.map((record) => (key ? scalarOf(record[key]) : undefined)),
        );
      });
    default:
      return [{ action, resource: table ? localArn.table(table) : '*' }];
  }
}
