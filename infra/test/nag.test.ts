/**
 * cdk-nag's AwsSolutions checks, with every acknowledgement reasoned.
 * Each test reads the synthesized CloudFormation, not the CDK objects: that template is what reaches AWS.
 */
import { describe, expect, it } from 'vitest';
import { synthStack } from './helpers.js';

describe('cdk-nag', () => {
  it.each([
    ['the defaults', {}],
    [
      'ARN identities, an IP allow-list, provisioned concurrency and an alarm e-mail',
      {
        defaultOriginationIdentity:
          'arn:aws:sms-voice:eu-west-1:123456789012:pool/pool-0123456789abcdef0123456789abcdef',
        oktaIpAllowList: ['203.0.113.0/24'],
        provisionedConcurrency: 1,
        alarmEmail: 'oncall@example.com',
      },
    ],
    [
      "the operator's configuration set, SMS screening, a price cap and changed guard limits",
      {
        configurationSetName: 'otp-events',
        smsProtectMode: 'FILTER',
        maxPricePerMessage: '0.10',
        abuseGuard: { ipPerHour: 100, blockedAnswer: 'pretend-sent' },
      },
    ],
    [
      'Okta Log Streaming, the Okta event hook route and changed low-conversion thresholds',
      {
        oktaEventSourceName: 'aws.partner/okta.com/acme/okta-phone-mfa',
        oktaEventHook: true,
        lowConversion: { minSends: 50, maxRate: 0.05 },
      },
    ],
    [
      'AWS-managed senders, carrier lookups at enrolment and resends routed as they come',
      {
        notify: { tier: 'BASIC', channels: ['SMS'] },
        carrierLookup: 'enrolment',
        refusedLineTypes: ['INVALID', 'OTHER'],
        resendPolicy: 'same',
        originationIdentities: { US: ['+12065550100', 'notify:nc-1'] },
      },
    ],
  ])('finds nothing unacknowledged with %s', (_name, overrides) => {
    const { app } = synthStack(overrides, { nag: true });
    expect(() => app.synth({ force: true })).not.toThrow();
  });
});
