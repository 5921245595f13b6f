/**
 * What a call to the main thread's stand-ins asks IAM for, as each service authorizes it (the service authorization
 * reference's resource types per action): End User Messaging's sends (the origination identity, the configuration
 * set and the protect configuration it names, the opt-out list) and message feedback (the message), SQS (the queue),
 * Secrets Manager (the secret).
 */
import { notifyConfigurationOf } from '../../src/domain/notify.js';
import { originationIdentityKind } from '../../src/domain/routing.js';
import type { IamRequest } from './policy.js';
import { LOCAL_ACCOUNT, LOCAL_REGION, localArn } from './stack-policies.js';

/** An origination identity as the resource End User Messaging authorizes a send against. */
function identityArn(identity: string, destinationCountry?: string): string {
  if (identity.startsWith('arn:')) return identity;
  switch (originationIdentityKind(identity)) {
    case 'phone-number':
      return localArn.smsVoice(`phone-number/${identity}`);
    case 'pool':
      return localArn.smsVoice(`pool/${identity}`);
    default:
      return localArn.smsVoice(`sender-id/${identity}/${destinationCountry ?? 'XX'}`);
  }
}

/** A configuration set or protect configuration, by name, id or ARN. */
const namedArn = (type: string, value: string) =>
  value.startsWith('arn:') ? value : localArn.smsVoice(`${type}/${value}`);

/**
 * The IAM requests of an End User Messaging SMS & voice v2 call.
 *
 * @param target - `PinpointSMSVoiceV2.SendTextMessage`, …
 * @param input - the request's JSON
 */
export function smsVoiceRequests(target: string, input: Record<string, any>): IamRequest[] {
  const operation = target.split('.').pop() ?? '';
  const action = `sms-voice:${operation}`;
  if (operation === 'SendTextMessage' || operation === 'SendVoiceMessage') {
    const resources = [
      identityArn(String(input.OriginationIdentity ?? '')),
      // Every send is also authorized against the identity's opt-out list.
      localArn.smsVoice('opt-out-list/Default'),
      ...(typeof input.ConfigurationSetName === 'string'
        ? [namedArn('configuration-set', input.ConfigurationSetName)]
        : []),
      ...(typeof input.ProtectConfigurationId === 'string'
        ? [namedArn('protect-configuration', input.ProtectConfigurationId)]
        : []),
    ];
    return resources.map((resource) => ({ action, resource }));
  }
  if (operation === 'SendNotifyTextMessage' || operation === 'SendNotifyVoiceMessage') {
    // The configuration (by id or ARN) and the configuration set the send names (service authorization reference).
    const configuration = String(input.NotifyConfigurationId ?? '');
    const id = notifyConfigurationOf(configuration) ?? configuration;
    return [
      id.startsWith('arn:') ? id : localArn.smsVoice(`notify-configuration/${id}`),
      ...(typeof input.ConfigurationSetName === 'string'
        ? [namedArn('configuration-set', input.ConfigurationSetName)]
        : []),
    ].map((resource) => ({ action, resource }));
  }
  if (operation === 'PutMessageFeedback') {
    return [{ action, resource: localArn.smsVoice(`message/${String(input.MessageId ?? '')}`) }];
  }
  return [{ action, resource: '*' }];
}

/**
 * The IAM requests of an SQS call (the queue, by the name at the end of its URL).
 *
 * @param target - `AmazonSQS.SendMessage`, …
 * @param input - the request's JSON
 */
export function sqsRequests(target: string, input: Record<string, any>): IamRequest[] {
  const action = `sqs:${target.split('.').pop() ?? ''}`;
  const name =
    typeof input.QueueUrl === 'string'
      ? input.QueueUrl.split('/').pop()
      : typeof input.QueueName === 'string'
        ? input.QueueName
        : undefined;
  return [
    { action, resource: name ? localArn.queue(name) : `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:*` },
  ];
}

/**
 * The IAM requests of a Secrets Manager call (the secret's ARN).
 *
 * @param target - `secretsmanager.GetSecretValue`, …
 * @param input - the request's JSON
 * @param arnOf - the secret's ARN by its name or ARN
 */
export function secretsRequests(
  target: string,
  input: Record<string, any>,
  arnOf: (secretId: string) => string,
): IamRequest[] {
  const action = `secretsmanager:${target.split('.').pop() ?? ''}`;
  const secretId = typeof input.SecretId === 'string' ? input.SecretId : '';
  return [{ action, resource: secretId ? arnOf(secretId) : '*' }];
}
