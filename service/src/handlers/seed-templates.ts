/**
 * CloudFormation custom resource (`Custom::TemplatesSeed`): writes the default templates and routing config into
 * the templates table at deploy, each item only if its key is absent. An operator's edit is never overwritten, and
 * deleting the stack deletes nothing (the table is retained).
 *
 * The table is routing's only source: the hook reads it and nothing else (no deploy-time copy in its environment),
 * so the deploy settings' routing only fills a missing item. When a kept routing item differs from this deploy's
 * settings, the seeder says so (a WARN line and the `RoutingDiffers` attribute) instead of overwriting the edit.
 *
 * It answers CloudFormation itself (PUT to the pre-signed `ResponseURL`) and always answers, even on failure, so a
 * bad deploy fails in seconds instead of waiting an hour for CloudFormation's timeout.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { defaultTemplateItems, type TemplateItem } from '../adapters/template-seed.js';
import { logger } from '../powertools/index.js';

/** What one seeding run did. */
export type SeedResult = {
  written: number;
  kept: number;
  /** Sort keys of kept routing (`pk=config`) items whose stored value differs from the one seeded. */
  routingDiffers: string[];
};

/** JSON with object keys sorted: two values are the same setting when these strings are equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/**
 * Puts each item unless an item with its key already exists (`attribute_not_exists(pk)` on a pk+sk table checks
 * the exact key). A kept item comes back with the failed condition (`ReturnValuesOnConditionCheckFailure`, no read
 * and no extra permission), so a routing item that differs from the one seeded is named, and still kept.
 *
 * @param client - DynamoDB client
 * @param table - templates table name
 * @param items - items `{ pk, sk, value }`
 */
export async function seedIfAbsent(
  client: DynamoDBClient,
  table: string,
  items: TemplateItem[],
): Promise<SeedResult> {
  const result: SeedResult = { written: 0, kept: 0, routingDiffers: [] };
  for (const item of items) {
    try {
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: marshall(item, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      result.written += 1;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      result.kept += 1;
      // DynamoDB returns the stored item; a stand-in that does not (dynalite) leaves nothing to compare.
      const stored = error.Item ? unmarshall(error.Item).value : undefined;
      if (item.pk === 'config' && error.Item && canonical(stored) !== canonical(item.value)) {
        result.routingDiffers.push(item.sk);
      }
    }
  }
  return result;
}

/**
 * Reads the items from the resource properties (`ItemsJson`), or the repository defaults when absent.
 *
 * @param itemsJson - JSON array of `{ pk, sk, value }`
 */
export function parseItems(itemsJson: unknown): TemplateItem[] {
  if (itemsJson === undefined) return defaultTemplateItems();
  const items: unknown = typeof itemsJson === 'string' ? JSON.parse(itemsJson) : itemsJson;
  if (!Array.isArray(items)) throw new Error('ItemsJson must be a JSON array');
  for (const item of items) {
    if (
      !item ||
      typeof item !== 'object' ||
      (item.pk !== 'template' && item.pk !== 'config') ||
      typeof item.sk !== 'string' ||
      !item.sk ||
      item.value === undefined
    ) {
      throw new Error(
        `ItemsJson has an item that is not { pk: "template"|"config", sk, value }: ${JSON.stringify(item)}`,
      );
    }
  }
  return items as TemplateItem[];
}

/** Sends the custom resource response to CloudFormation's pre-signed URL. */
function respond(url: string, body: string): Promise<void> {
  const target = new URL(url);
  const send = target.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: 'PUT',
        // The URL is signed without a content type: sending one would invalidate the signature.
        headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode && res.statusCode < 300
            ? resolve()
            : reject(new Error(`Response PUT ${res.statusCode}`)),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('Response PUT timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

let client: DynamoDBClient | undefined;

/**
 * The custom resource handler.
 *
 * @param event - CloudFormation's Create/Update/Delete event; properties `TableName`, `ItemsJson`
 * @param context - Lambda context (its log stream is named in failure reasons)
 */
export const handler = async (event: CloudFormationCustomResourceEvent, context: Context): Promise<void> => {
  logger.addContext(context);
  const table = String(event.ResourceProperties.TableName ?? '');
  const physicalResourceId =
    event.RequestType === 'Create' ? `templates-seed:${table}` : event.PhysicalResourceId;
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'OK';
  let data: SeedResult = { written: 0, kept: 0, routingDiffers: [] };
  try {
    if (event.RequestType !== 'Delete') {
      if (!table) throw new Error('TableName is required');
      client ??= new DynamoDBClient({
        ...(process.env.DYNAMODB_ENDPOINT ? { endpoint: process.env.DYNAMODB_ENDPOINT } : {}),
      });
      data = await seedIfAbsent(client, table, parseItems(event.ResourceProperties.ItemsJson));
      logger.info('Templates seeded', { requestType: event.RequestType, table, ...data });
      if (data.routingDiffers.length > 0) {
        logger.warn(
          "The table's routing differs from this deploy's settings and is kept: the table is routing's only source",
          { table, keys: data.routingDiffers, see: 'npm run templates -- get <key>' },
        );
      }
    }
  } catch (error) {
    status = 'FAILED';
    reason =
      `${error instanceof Error ? error.message : String(error)} (log stream ${context.logStreamName})`.slice(
        0,
        1000,
      );
    logger.error('Seeding templates failed', { table, error: error as Error });
  }
  await respond(
    event.ResponseURL,
    JSON.stringify({
      Status: status,
      Reason: reason,
      PhysicalResourceId: physicalResourceId,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      Data: { Written: data.written, Kept: data.kept, RoutingDiffers: data.routingDiffers.join(',') },
    }),
  );
};
