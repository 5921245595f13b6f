import { DynamoDBProvider } from '@aws-lambda-powertools/parameters/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TemplateSource } from '../domain/deliver.js';
import { type RoutingConfig, routingConfigFrom } from '../domain/routing.js';
import type { TemplateMap, TemplateValue } from '../domain/templates.js';
import { logger } from '../powertools/index.js';

/** After a failed read, serve the last good copy for this long before asking DynamoDB again. */
const RETRY_AFTER_FAILURE_MS = 5_000;

type Partition = 'template' | 'config';

/**
 * Templates and routing settings from the templates table, through Powertools Parameters' DynamoDBProvider.
 * Each partition is read with one Query (`getMultiple`) and cached for `maxAge` seconds, so a warm function never
 * reads DynamoDB per request and the cost does not grow with the table. When the table is unreachable, the last
 * good copy keeps serving (stale beats failing a sign-in); with a cold cache the answer is `undefined`.
 *
 * The table is routing's only source, so this last good copy is the hook's only fallback routing: it is the table
 * as last read, operators' edits included, never a deploy-time copy that an edit would have left behind.
 */
export class DynamoTemplateSource implements TemplateSource {
  readonly #provider: DynamoDBProvider;
  readonly #last = new Map<Partition, { raw: unknown; parsed: unknown }>();
  readonly #failedAt = new Map<Partition, number>();
  /** A read in flight per partition: the init's read and the first request's are one Query, not two. */
  readonly #reading = new Map<Partition, Promise<unknown>>();

  constructor(
    client: DynamoDBClient,
    tableName: string,
    private readonly maxAgeSeconds: number,
  ) {
    this.#provider = new DynamoDBProvider({
      tableName,
      keyAttr: 'pk',
      sortAttr: 'sk',
      valueAttr: 'value',
      awsSdkV3Client: client,
    });
  }

  public templates(): Promise<TemplateMap | undefined> {
    return this.#read('template', (items) => {
      const map = new Map<string, TemplateValue>();
      for (const [key, value] of Object.entries(items)) {
        const body = (value as { body?: unknown } | null)?.body;
        if (typeof body !== 'string' || !body.trim()) continue;
        const voiceId = (value as { voiceId?: unknown }).voiceId;
        map.set(key.toLowerCase(), {
          body,
          ...(typeof voiceId === 'string' ? { voiceId: voiceId.toUpperCase() } : {}),
        });
      }
      return map;
    });
  }

  public routing(): Promise<RoutingConfig | undefined> {
    return this.#read('config', routingConfigFrom);
  }

  #read<T>(partition: Partition, parse: (items: Record<string, unknown>) => T): Promise<T | undefined> {
    const inFlight = this.#reading.get(partition);
    if (inFlight) return inFlight as Promise<T | undefined>;
    const reading = this.#readOnce(partition, parse).finally(() => this.#reading.delete(partition));
    this.#reading.set(partition, reading);
    return reading;
  }

  async #readOnce<T>(
    partition: Partition,
    parse: (items: Record<string, unknown>) => T,
  ): Promise<T | undefined> {
    const last = this.#last.get(partition);
    const failedAt = this.#failedAt.get(partition);
    if (last && failedAt !== undefined && Date.now() - failedAt < RETRY_AFTER_FAILURE_MS)
      return last.parsed as T;
    try {
      const raw = await this.#provider.getMultiple(partition, { maxAge: this.maxAgeSeconds });
      this.#failedAt.delete(partition);
      // The provider returns its cached object while fresh: parse once per fetch, not per request.
      if (last && last.raw === raw) return last.parsed as T;
      const parsed = parse((raw ?? {}) as Record<string, unknown>);
      this.#last.set(partition, { raw, parsed });
      return parsed;
    } catch (error) {
      this.#failedAt.set(partition, Date.now());
      logger.warn('Templates table unreachable; serving the last good copy, if any', {
        partition,
        cached: last !== undefined,
        errorName: error instanceof Error ? error.name : String(error),
      });
      return last?.parsed as T | undefined;
    }
  }
}
