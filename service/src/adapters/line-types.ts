/**
 * Line types from the carrier: End User Messaging `CarrierLookup` at enrolment, kept in the messages table under the
 * keyed digest of the number (never the number) for {@link LINE_TYPE_RETENTION_DAYS}.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CarrierLookupCommand, type PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  LINE_TYPE_RETENTION_DAYS,
  LINE_TYPES,
  type LineType,
  type LineTypeSource,
} from '../domain/line-type.js';
import { lineTypeKey } from '../domain/message-table.js';
import { messagesDocClient } from './message-items.js';

const isLineType = (value: unknown): value is LineType => (LINE_TYPES as readonly unknown[]).includes(value);

/** {@link LineTypeSource} on `CarrierLookup` and the messages table. */
export class CarrierLineTypes implements LineTypeSource {
  readonly #doc: DynamoDBDocumentClient;

  /**
   * @param messaging - the End User Messaging client
   * @param dynamo - the hook's DynamoDB client
   * @param tableName - the messages table
   * @param now - clock, ms
   */
  constructor(
    private readonly messaging: PinpointSMSVoiceV2Client,
    dynamo: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {
    this.#doc = messagesDocClient(dynamo);
  }

  public async stored(numberDigest: string, waitMs: number): Promise<LineType | undefined> {
    const { Item } = await this.#doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: lineTypeKey(numberDigest),
        ProjectionExpression: 'lineType, expiresAt',
      }),
      { abortSignal: AbortSignal.timeout(Math.max(1, Math.floor(waitMs))) },
    );
    // DynamoDB's TTL deletes late: a type past its time is asked again.
    if (!Item || (typeof Item.expiresAt === 'number' && Item.expiresAt * 1000 <= this.now()))
      return undefined;
    return isLineType(Item.lineType) ? Item.lineType : undefined;
  }

  /** One lookup (paid), then the answer kept; the write's failure loses only the keeping. */
  public async lookup(phone: string, numberDigest: string, waitMs: number): Promise<LineType | undefined> {
    const abortSignal = AbortSignal.timeout(Math.max(1, Math.floor(waitMs)));
    const answer = await this.messaging.send(new CarrierLookupCommand({ PhoneNumber: phone }), {
      abortSignal,
    });
    const lineType = isLineType(answer.PhoneNumberType) ? answer.PhoneNumberType : undefined;
    if (!lineType) return undefined;
    const now = this.now();
    await this.#doc
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: lineTypeKey(numberDigest),
          UpdateExpression: 'SET lineType = :type, checkedAt = :at, expiresAt = :expires',
          ExpressionAttributeValues: {
            ':type': lineType,
            ':at': now,
            ':expires': Math.floor(now / 1000) + LINE_TYPE_RETENTION_DAYS * 86_400,
          },
        }),
        { abortSignal },
      )
      .catch(() => undefined);
    return lineType;
  }
}
