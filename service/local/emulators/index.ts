export { AwsError, awsJsonHandler, listen, readBody } from './aws-json.js';
export {
  MessagingEmulator,
  type MessagingFault,
  type OutboxMessage,
  startMessagingEmulator,
} from './messaging.js';
export {
  generateSecretValue,
  SecretsManagerEmulator,
  type SecretsManagerFault,
  startSecretsManagerEmulator,
} from './secrets-manager.js';
export { type QueueMessage, SqsEmulator, startSqsEmulator } from './sqs.js';
