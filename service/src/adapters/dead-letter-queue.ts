import { SendMessageCommand, type SendMessageCommandInput, type SQSClient } from '@aws-sdk/client-sqs';
import type { Deadline } from '../domain/deadline.js';
import type { DeadLetterSink } from '../domain/deliver.js';
import type { DlqRecord, ReceiptDlqRecord } from '../domain/dlq-record.js';
import { emitMetric, logger, MetricName } from '../powertools/index.js';

/** The DLQ write may run this close to the deadline, but gets at least `DLQ_MIN_MS`. */
const DLQ_RESERVE_MS = 50;
const DLQ_MIN_MS = 150;

/**
 * One DLQ message: the record as its body, and as attributes what the `dlq` tool and a subscriber filter on (the
 * reason, the channel and, for a receipt's record, its kind).
 */
function dlqMessage(queueUrl: string, record: DlqRecord | ReceiptDlqRecord): SendMessageCommandInput {
  return {
    QueueUrl: queueUrl,
    MessageBody: JSON.stringify(record),
    MessageAttributes: {
      reason: { DataType: 'String', StringValue: record.error.reason },
      channel: { DataType: 'String', StringValue: record.channel },
      ...('kind' in record ? { kind: { DataType: 'String', StringValue: record.kind } } : {}),
    },
  };
}

/**
 * SQS dead-letter queue adapter. One message per failed delivery; if SQS fails too, the same record is logged at
 * ERROR and `DlqWriteFailed` is counted, so nothing is lost.
 */
export class SqsDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  public async write(record: DlqRecord, deadline: Deadline): Promise<void> {
    const timeoutMs = Math.floor(Math.max(DLQ_MIN_MS, deadline.remainingMs() - DLQ_RESERVE_MS));
    try {
      await this.client.send(new SendMessageCommand(dlqMessage(this.queueUrl, record)), {
        abortSignal: AbortSignal.timeout(timeoutMs),
      });
      // What the alarm "New DLQ records" counts: the hook's records only, not the receipts' (see the receipt writer).
      emitMetric(MetricName.DeliveryDeadLettered);
    } catch (error) {
      emitMetric(MetricName.DlqWriteFailed);
      logger.error('DLQ write failed; the record follows', {
        dlqRecord: record,
        dlqError: error instanceof Error ? error.name : String(error),
      });
    }
  }
}

/**
 * The dead-letter queue for final failure receipts: unlike the hook's writer, a failure throws, so that SNS's retry
 * writes the record later (the receipt handler's port, `ReceiptDeadLetters`).
 */
export class SqsReceiptDeadLetters {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  public async write(record: ReceiptDlqRecord): Promise<void> {
    try {
      await this.client.send(new SendMessageCommand(dlqMessage(this.queueUrl, record)));
    } catch (error) {
      emitMetric(MetricName.DlqWriteFailed);
      throw error;
    }
  }
}
