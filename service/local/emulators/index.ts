export { AwsError, awsJsonHandler, listen, readBody } from './aws-json.js';
export {
  MessagingEmulator,
  type MessagingFault,
  type OutboxMessage,
  startMessagingEmulator,
} from './messaging.js';
export { type QueueMessage, SqsEmulator, startSqsEmulator } from './sqs.js';
