import { createHash, randomUUID } from 'node:crypto';
import { AwsError, type AwsJsonAuthorizer, awsJsonHandler, listen } from './aws-json.js';

/** A message in the stand-in queue. */
export type QueueMessage = {
  messageId: string;
  body: string;
  receivedAt: string;
  receiptHandle: string;
  attributes?: unknown;
};

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/**
 * Amazon SQS stand-in for the dead-letter queue, over AWS JSON 1.0 (`AmazonSQS.*`): SendMessage (with the
 * `MD5OfMessageBody` the SDK verifies), ReceiveMessage, DeleteMessage, GetQueueAttributes, GetQueueUrl, PurgeQueue.
 */
export class SqsEmulator {
  #messages: QueueMessage[] = [];

  constructor(public readonly queueName = 'okta-phone-mfa-dlq') {}

  /** Every message in the queue, oldest first. */
  messages(): QueueMessage[] {
    return [...this.#messages];
  }

  clear(): void {
    this.#messages = [];
  }

  #queue(input: Record<string, any>): void {
    const url = String(input.QueueUrl ?? '');
    if (!url.endsWith(`/${this.queueName}`)) {
      throw new AwsError('AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
    }
  }

  #authorizer: AwsJsonAuthorizer | undefined;

  /** The local IAM: asked before each operation (see `local/iam/`); none = every call allowed. */
  setAuthorizer(authorizer: AwsJsonAuthorizer | undefined): void {
    this.#authorizer = authorizer;
  }

  readonly handle = awsJsonHandler(
    {
      'AmazonSQS.SendMessage': (input) => {
        this.#queue(input);
        if (typeof input.MessageBody !== 'string' || !input.MessageBody) {
          throw new AwsError('MissingParameter', 'The request must contain the parameter MessageBody.');
        }
        const message = {
          messageId: randomUUID(),
          body: input.MessageBody,
          receivedAt: new Date().toISOString(),
          receiptHandle: randomUUID(),
          ...(input.MessageAttributes ? { attributes: input.MessageAttributes } : {}),
        };
        this.#messages.push(message);
        return { MessageId: message.messageId, MD5OfMessageBody: md5(message.body) };
      },
      'AmazonSQS.ReceiveMessage': (input) => {
        this.#queue(input);
        const max = Math.min(Number(input.MaxNumberOfMessages ?? 1), 10);
        return {
          Messages: this.#messages.slice(0, max).map((m) => ({
            MessageId: m.messageId,
            ReceiptHandle: m.receiptHandle,
            MD5OfBody: md5(m.body),
            Body: m.body,
            Attributes: { SentTimestamp: String(Date.parse(m.receivedAt)) },
          })),
        };
      },
      'AmazonSQS.DeleteMessage': (input) => {
        this.#queue(input);
        this.#messages = this.#messages.filter((m) => m.receiptHandle !== input.ReceiptHandle);
        return {};
      },
      'AmazonSQS.GetQueueAttributes': (input) => {
        this.#queue(input);
        const oldest = this.#messages[0];
        return {
          Attributes: {
            ApproximateNumberOfMessages: String(this.#messages.length),
            ApproximateNumberOfMessagesNotVisible: '0',
            ...(oldest
              ? {
                  ApproximateAgeOfOldestMessage: String(
                    Math.floor((Date.now() - Date.parse(oldest.receivedAt)) / 1000),
                  ),
                }
              : {}),
          },
        };
      },
      'AmazonSQS.GetQueueUrl': (input) => {
        if (input.QueueName !== this.queueName) {
          throw new AwsError(
            'AWS.SimpleQueueService.NonExistentQueue',
            'The specified queue does not exist.',
          );
        }
        return { QueueUrl: `http://127.0.0.1/000000000000/${this.queueName}` };
      },
      'AmazonSQS.PurgeQueue': (input) => {
        this.#queue(input);
        this.clear();
        return {};
      },
    },
    '1.0',
    () => this.#authorizer,
  );
}

/**
 * Starts the SQS stand-in on its own port.
 *
 * @param options - `port` (0 = free), `queueName`
 */
export async function startSqsEmulator(options: { port?: number; queueName?: string } = {}) {
  const emulator = new SqsEmulator(options.queueName);
  const running = await listen(emulator.handle, options.port);
  return {
    endpoint: running.endpoint,
    queueUrl: `${running.endpoint}/000000000000/${emulator.queueName}`,
    emulator,
    close: running.close,
  };
}
