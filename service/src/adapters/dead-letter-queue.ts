import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Deadline } from '../domain/deadline.js';
import type { DeadLetterSink } from '../domain/deliver.js';
import type { DlqRecord } from '../domain/dlq-record.js';
import { emitMetric, logger, MetricName } from '../powertools/index.js';

/** The DLQ write may run this close to the deadline, but gets at least `DLQ_MIN_MS`. */
const DLQ_RESERVE_MS = 50;
const DLQ_MIN_MS = 150;

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
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: JSON.stringify(record),
          MessageAttributes: {
            reason: { DataType: 'String', StringValue: record.error.reason },
            channel: { DataType: 'String', StringValue: record.channel },
          },
        }),
        { abortSignal: AbortSignal.timeout(timeoutMs) },
      );
    } catch (error) {
      emitMetric(MetricName.DlqWriteFailed);
      logger.error('DLQ write failed; the record follows', {
        dlqRecord: record,
        dlqError: error instanceof Error ? error.name : String(error),
      });
    }
  }
}
