/**
 * The messages table for unit tests, created in dynalite from the shared schema (`MESSAGES_TABLE`), plus a reader of
 * every item (to prove what is stored, and what is not).
 */
import { CreateTableCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { MESSAGES_TABLE } from '../../../src/domain/message-table.js';

/**
 * Creates a messages table: `pk`/`sk`, GSIs `byEvent` (`eventId`) and `pending` (`sweepBucket`, `codeExpiresAt` N).
 *
 * @param client - a dynalite client
 * @param name - table name
 */
export async function createMessagesTable(client: DynamoDBClient, name: string): Promise<void> {
  const { byEvent, pending } = MESSAGES_TABLE.indexes;
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: MESSAGES_TABLE.partitionKey, AttributeType: 'S' },
        { AttributeName: MESSAGES_TABLE.sortKey, AttributeType: 'S' },
        { AttributeName: byEvent.partitionKey, AttributeType: 'S' },
        { AttributeName: pending.partitionKey, AttributeType: 'S' },
        { AttributeName: pending.sortKey, AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: MESSAGES_TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: MESSAGES_TABLE.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: byEvent.name,
          KeySchema: [{ AttributeName: byEvent.partitionKey, KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: pending.name,
          KeySchema: [
            { AttributeName: pending.partitionKey, KeyType: 'HASH' },
            { AttributeName: pending.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
}

/** Every item of a table, unmarshalled. */
export async function allItems(client: DynamoDBClient, name: string): Promise<Array<Record<string, any>>> {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: name }));
  return Items.map((item) => unmarshall(item));
}
