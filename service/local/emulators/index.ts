export { AwsError, awsJsonHandler, listen, readBody } from './aws-json.js';
export {
  MessagingEmulator,
  type MessagingFault,
  type OutboxMessage,
  type ReceiptListener,
  startMessagingEmulator,
} from './messaging.js';
export {
  buildReceipt,
  DEFAULT_RECEIPT_DELAY_MS,
  type MessagingEvent,
  RECEIPT_STATUSES,
  type ReceiptFault,
  type ReceiptStatus,
  receiptPlan,
  SMS_RECEIPT_STATUSES,
  VOICE_RECEIPT_STATUSES,
} from './receipts.js';
export {
  generateSecretValue,
  SecretsManagerEmulator,
  type SecretsManagerFault,
  startSecretsManagerEmulator,
} from './secrets-manager.js';
export { type QueueMessage, SqsEmulator, startSqsEmulator } from './sqs.js';
