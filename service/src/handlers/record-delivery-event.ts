/**
 * End User Messaging delivery events → the messages table. The configuration set's event destination is an SNS topic
 * subscribed by this function; each record's `Sns.Message` is one End User Messaging v2 event.
 *
 * Idempotent per receipt (SNS delivers at least once): the receipt id (`delivery-receipt.ts`) joins the message item
 * under a condition, so a redelivery counts nothing again and leaves no second DLQ record. SNS invokes Lambda
 * asynchronously: a record that fails makes the invocation throw, and Lambda's async retries (twice, then the stack's
 * on-failure destination, the event-failures queue with its alarm) run the whole batch again; the records
 * already recorded are then duplicates and are skipped. SNS sends one record per invocation in practice, so a batch
 * failure is a record failure.
 */
import type { Context, SNSEvent } from 'aws-lambda';
import { eventDbClient, eventSqsClient } from '../adapters/aws-clients.js';
import { SqsReceiptDeadLetters } from '../adapters/dead-letter-queue.js';
import type { StoredMessage } from '../adapters/message-items.js';
import { DynamoReceiptStore } from '../adapters/message-receipts.js';
import { loadReceiptConfig } from '../config.js';
import {
  type DeliveryReceipt,
  parseDeliveryReceipt,
  timeToHandsetMs,
  UnreadableReceiptError,
} from '../domain/delivery-receipt.js';
import { buildReceiptDlqRecord, type ReceiptDlqRecord } from '../domain/dlq-record.js';
import { emitMetric, emitMetrics, logger, MetricName, MetricUnit, metrics } from '../powertools/index.js';

/** Port: where a final failure receipt's record goes. Throws when it could not be written (the record is retried). */
export interface ReceiptDeadLetters {
  write(record: ReceiptDlqRecord): Promise<void>;
}

/** What the handler needs; module-level in Lambda, injected by the tests. */
export type ReceiptDeps = { store: DynamoReceiptStore; deadLetters: ReceiptDeadLetters; now?: () => Date };

/** What became of one receipt (tests, logs). */
export type ReceiptOutcome = 'recorded' | 'duplicate' | 'unreadable';

/**
 * Records one receipt: the item, the metrics, and for a final failure exactly one DLQ record.
 *
 * @param message - the SNS record's `Message`
 * @param deps - store and DLQ
 */
export async function recordReceipt(message: string, deps: ReceiptDeps): Promise<ReceiptOutcome> {
  let receipt: DeliveryReceipt;
  try {
    receipt = parseDeliveryReceipt(message);
  } catch (error) {
    if (!(error instanceof UnreadableReceiptError)) throw error;
    // Retrying cannot make it readable: dropped, loudly.
    logger.warn('Delivery event not read', { reason: error.message });
    return 'unreadable';
  }
  const { duplicate, message: item } = await deps.store.recordReceipt(receipt);
  const country = receipt.country ?? item.country ?? 'unknown';
  const fields = {
    messageId: receipt.messageId,
    eventId: receipt.eventId ?? item.eventId,
    channel: receipt.channel,
    country,
    status: receipt.status,
    eventType: receipt.eventType,
    isFinal: receipt.isFinal,
    deliveryStatus: item.deliveryStatus,
    knownMessage: item.sentAt !== undefined,
  };
  if (duplicate) {
    logger.info('Delivery receipt already recorded; not counted again', fields);
  } else {
    // One count per message, its final receipt: the delivery rate divides messages by messages, however many
    // intermediate receipts (TEXT_SUCCESSFUL before TEXT_DELIVERED, a call's ringing) a carrier sends.
    if (receipt.isFinal) {
      emitMetric(MetricName.OtpReceipt, { channel: receipt.channel, status: receipt.status });
      emitMetric(MetricName.OtpReceipt, { channel: receipt.channel, status: receipt.status, country });
      // The denominator of "Codes not delivered", whatever the status: by channel, and by channel and country.
      emitMetric(MetricName.FinalReceipt, { channel: receipt.channel });
      emitMetric(MetricName.FinalReceipt, { channel: receipt.channel, country });
    }
    const ms = timeToHandsetMs(receipt);
    if (ms !== undefined) {
      emitMetrics({ channel: receipt.channel }, [[MetricName.TimeToHandset, ms, MetricUnit.Milliseconds]]);
    }
    if (item.sentAt === undefined) {
      // A message the hook did not remember (its write failed, or another sender uses the configuration set).
      logger.info('Delivery receipt for a message the hook did not remember; recorded on its own', fields);
    } else {
      logger.info('Delivery receipt recorded', {
        ...fields,
        ...(ms === undefined ? {} : { timeToHandsetMs: ms }),
      });
    }
  }
  if (receipt.finalFailure) await deadLetterOnce(receipt, item, deps, country);
  return duplicate ? 'duplicate' : 'recorded';
}

/** The DLQ record of a final failure, unless the item says it was written (a redelivery after the write). */
async function deadLetterOnce(
  receipt: DeliveryReceipt,
  item: StoredMessage,
  deps: ReceiptDeps,
  country: string,
): Promise<void> {
  if (item.dlqReceiptIds?.has(receipt.receiptId)) return;
  const eventId = receipt.eventId ?? item.eventId;
  const record = buildReceiptDlqRecord(
    {
      ...(eventId ? { eventId } : {}),
      messageId: receipt.messageId,
      receiptId: receipt.receiptId,
      channel: receipt.channel,
      country,
      ...(item.phone ? { phone: item.phone } : {}),
      status: receipt.status,
      eventType: receipt.eventType,
      ...(receipt.messageStatusDescription ? { description: receipt.messageStatusDescription } : {}),
    },
    deps.now?.() ?? new Date(),
  );
  // Claim, then write: a duplicate of this receipt running beside this one finds the claim and leaves the record to us.
  // (Another invocation's fresh claim throws: this one fails and is retried, never skipped unproven.)
  const claim = await deps.store.claimDeadLetter(receipt.messageId, receipt.receiptId);
  if (claim === undefined) {
    logger.info('Final failure receipt already dead-lettered', { messageId: receipt.messageId, eventId });
    return;
  }
  try {
    await deps.deadLetters.write(record);
  } catch (error) {
    // Released so that SNS's retry writes the record at once; if this fails too, the claim's lease runs out.
    await deps.store.releaseDeadLetter(receipt.messageId, receipt.receiptId, claim).catch(() => {});
    throw error;
  }
  await deps.store.markDeadLettered(receipt.messageId, receipt.receiptId);
  // Not the hook's "New DLQ records" (Okta got SUCCESSFUL for this code): the rate alarm "Codes not delivered".
  emitMetric(MetricName.ReceiptDeadLettered, { channel: receipt.channel });
  emitMetric(MetricName.ReceiptDeadLettered, { channel: receipt.channel, country });
  logger.warn('Message not delivered: final failure receipt dead-lettered', {
    messageId: receipt.messageId,
    eventId,
    channel: receipt.channel,
    country,
    status: receipt.status,
  });
}

/**
 * Handles one SNS event. Every record is tried; if any failed, the invocation throws after the others were recorded,
 * so the retry finds those as duplicates.
 *
 * @param event - SNS event
 * @param deps - store and DLQ
 */
export async function handleReceipts(event: SNSEvent, deps: ReceiptDeps): Promise<ReceiptOutcome[]> {
  const outcomes: ReceiptOutcome[] = [];
  const failures: unknown[] = [];
  for (const record of event.Records ?? []) {
    try {
      outcomes.push(await recordReceipt(record.Sns?.Message ?? '', deps));
    } catch (error) {
      failures.push(error);
      logger.error('Delivery receipt not recorded; the invocation fails so it is retried', {
        snsMessageId: record.Sns?.MessageId,
        error: error as Error,
      });
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(
      failures,
      `${failures.length} of ${event.Records.length} delivery receipts not recorded`,
    );
  }
  return outcomes;
}

let defaults: ReceiptDeps | undefined;

/** Built on the first invocation, so importing the module (the local stack, tests) needs no environment. */
function defaultDeps(): ReceiptDeps {
  if (!defaults) {
    const config = loadReceiptConfig();
    defaults = {
      store: new DynamoReceiptStore(eventDbClient(config), config.messagesTableName),
      deadLetters: new SqsReceiptDeadLetters(eventSqsClient(config), config.dlqUrl),
    };
  }
  return defaults;
}

/**
 * The Lambda handler subscribed to the configuration set's SNS topic.
 *
 * @param event - SNS event; each record's `Sns.Message` is one End User Messaging v2 event JSON
 * @param context - Lambda context
 */
export const handler = async (event: SNSEvent, context: Context): Promise<void> => {
  logger.addContext(context);
  metrics.captureColdStartMetric();
  await handleReceipts(event, defaultDeps());
};
