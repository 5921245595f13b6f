import { type Stack, Token } from 'aws-cdk-lib';

/**
 * An ARN as cdk-nag prints it in a finding id: pseudo-parameter tokens appear as `<AWS::Region>` etc. For
 * `Validations.of(…).acknowledge({ id: 'AwsSolutions-IAM5[Resource::<this>]' })`.
 *
 * @param stack - the stack (its partition, region and account, tokens or not)
 * @param service - e.g. `sms-voice`
 * @param resource - e.g. `message/*`
 */
export function nagArn(stack: Stack, service: string, resource: string): string {
  const show = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
  return `arn:${show(stack.partition, 'Partition')}:${service}:${show(stack.region, 'Region')}:${show(stack.account, 'AccountId')}:${resource}`;
}
