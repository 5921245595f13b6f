/**
 * The messages table for unit tests, created in dynalite from the shared schema (`MESSAGES_TABLE`), plus a reader of
 * every item (to prove what is stored, and what is not).
 */
import { CreateTableCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { messagesTableDefinition } from '../../../local/dynalite.js';

/**
 * Creates a messages table from the one definition the local stack uses (`messagesTableDefinition`).
 *
 * @param client - a dynalite client
 * @param name - table name
 */
export async function createMessagesTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(new CreateTableCommand(messagesTableDefinition(name)));
}

/** Every item of a table, unmarshalled. */
export async function allItems(client: DynamoDBClient, name: string): Promise<Array<Record<string, any>>> {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: name }));
  return Items.map((item) => unmarshall(item));
}
