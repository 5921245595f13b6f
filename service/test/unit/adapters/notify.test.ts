// AWS-managed senders (Notify): how a route names a configuration, which of AWS's templates fits the user's language,
// what a Notify send asks End User Messaging for (the real SDK client; aws-sdk-client-mock plays the service), how its
// refusals read (failure reason, failover), and the catalog of templates (read once, kept, a failed read not fatal).
import {
  ConflictException,
  DescribeNotifyTemplatesCommand,
  type NotifyTemplateInformation,
  PinpointSMSVoiceV2Client,
  SendNotifyTextMessageCommand,
  SendNotifyVoiceMessageCommand,
  SendTextMessageCommand,
  ServiceQuotaExceededException,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EndUserMessagingSender,
  NotifyTemplateCatalog,
  toDeliveryError,
} from '../../../src/adapters/messaging.js';
import { Deadline } from '../../../src/domain/deadline.js';
import type { OutboundMessage } from '../../../src/domain/deliver.js';
import type { DeliveryFailedError } from '../../../src/domain/errors.js';
import {
  chooseNotifyTemplate,
  type NotifyTemplate,
  notifyConfigurationOf,
  notifyVariables,
} from '../../../src/domain/notify.js';
import { isVoiceCapable, originationIdentityKind } from '../../../src/domain/routing.js';

const ARN = 'arn:aws:sms-voice:us-east-1:123456789012:notify-configuration/nc-1234567890abcdef0';

describe('a Notify configuration as an origination identity', () => {
  it('is written notify:<id> or as its ARN, never mistaken for a sender ID', () => {
    expect(notifyConfigurationOf('notify:nc-1234567890abcdef0')).toBe('nc-1234567890abcdef0');
    expect(notifyConfigurationOf(ARN)).toBe(ARN);
    expect(originationIdentityKind('notify:nc-1234567890abcdef0')).toBe('notify');
    expect(originationIdentityKind(ARN)).toBe('notify');
    // The bare id is a valid sender ID (alphanumeric and hyphens, 11 characters at most): it is read as one.
    expect(originationIdentityKind('nc-12345678')).toBe('sender-id');
    expect(notifyConfigurationOf('nc-12345678')).toBeUndefined();
    expect(notifyConfigurationOf('notify:')).toBeUndefined();
    expect(notifyConfigurationOf('notify:has space')).toBeUndefined();
    expect(isVoiceCapable('notify:nc-1')).toBe(true);
  });
});

const template = (
  languageCode: string,
  channels: string[],
  edit: Partial<NotifyTemplate> = {},
): NotifyTemplate => ({
  templateId: `t-${languageCode}-${channels.join('-')}`,
  channels,
  languageCode,
  ...edit,
});

describe('chooseNotifyTemplate', () => {
  const templates = [
    template('en-US', ['SMS']),
    template('en-US', ['VOICE']),
    template('es-ES', ['SMS']),
    template('es-MX', ['SMS']),
    template('fr', ['SMS', 'VOICE']),
    template('de-DE', ['SMS'], { status: 'INACTIVE' }),
    template('it-IT', ['SMS'], { tierAccess: ['ADVANCED'] }),
    template('pt-BR', ['SMS'], { supportedCountries: ['BR'] }),
  ];
  const choose = (want: Partial<Parameters<typeof chooseNotifyTemplate>[1]>) =>
    chooseNotifyTemplate(templates, { channel: 'sms', defaultLocale: 'en', ...want });

  it("matches the user's locale exactly, then its language with the destination's region first", () => {
    expect(choose({ locale: 'es-mx' })).toMatchObject({
      template: { templateId: 't-es-MX-SMS' },
      level: 'exact',
    });
    // A bare language is the user's locale as given: any region of it, the destination's own first.
    expect(choose({ locale: 'es', country: 'MX' })).toMatchObject({
      template: { templateId: 't-es-MX-SMS' },
    });
    expect(choose({ locale: 'es-ar' })).toMatchObject({
      template: { templateId: 't-es-ES-SMS' },
      level: 'language',
    });
    expect(choose({ locale: 'fr-CA' })).toMatchObject({ template: { templateId: 't-fr-SMS-VOICE' } });
  });

  it('falls back to the default locale, and names none when nothing fits', () => {
    expect(choose({ locale: 'ja-jp' })).toMatchObject({
      template: { templateId: 't-en-US-SMS' },
      level: 'default',
    });
    expect(choose({ channel: 'voice', locale: 'es-mx' })).toMatchObject({
      template: { templateId: 't-en-US-VOICE' },
      level: 'default',
    });
    expect(
      chooseNotifyTemplate([template('ja-JP', ['SMS'])], { channel: 'voice', defaultLocale: 'en' }),
    ).toEqual({
      level: 'builtin',
    });
  });

  it('never picks an inactive template, one of another tier, or one for other countries', () => {
    expect(choose({ locale: 'de-de' }).template?.templateId).toBe('t-en-US-SMS');
    expect(choose({ locale: 'it-it', tier: 'BASIC' }).template?.templateId).toBe('t-en-US-SMS');
    expect(choose({ locale: 'it-it', tier: 'ADVANCED' }).template?.templateId).toBe('t-it-IT-SMS');
    expect(choose({ locale: 'pt-br', country: 'PT' }).template?.templateId).toBe('t-en-US-SMS');
    expect(choose({ locale: 'pt-br', country: 'BR' }).template?.templateId).toBe('t-pt-BR-SMS');
  });

  it("gives Okta's code as `code` and the minutes left to a lifetime variable, nothing to system variables", () => {
    const declared = template('en-US', ['SMS'], {
      variables: { code: { required: true }, expiry: {}, displayName: { source: 'SYSTEM' }, brandColor: {} },
    });
    expect(notifyVariables(declared, '123456', 5)).toEqual({ code: '123456', expiry: '5' });
    expect(notifyVariables(undefined, '123456', 5)).toEqual({ code: '123456' });
  });
});

const client = new PinpointSMSVoiceV2Client({ region: 'us-east-1', maxAttempts: 1 });
const mock = mockClient(client);
afterEach(() => mock.reset());
const meta = { $metadata: {} };

const info = (
  languageCode: string,
  channels: Array<'SMS' | 'VOICE'>,
  voices?: string[],
): NotifyTemplateInformation =>
  ({
    TemplateId: `aws-${languageCode}-${channels.join('-')}`.toLowerCase(),
    Version: 1,
    TemplateType: 'OTP_VERIFICATION',
    Channels: channels,
    LanguageCode: languageCode,
    Status: 'ACTIVE',
    Variables: {
      code: { Type: 'STRING', Required: true, Source: 'CUSTOMER' },
      expiry: { Type: 'INTEGER', Required: false, Source: 'CUSTOMER' },
    },
    ...(voices ? { SupportedVoiceIds: voices } : {}),
    CreatedTimestamp: new Date(0),
  }) as NotifyTemplateInformation;

const notifyMessage = (edit: Partial<OutboundMessage> = {}): OutboundMessage => ({
  channel: 'sms',
  destination: '+525512345678',
  originationIdentity: 'notify:nc-1234567890abcdef0',
  body: 'Your code is 654321',
  ttlSeconds: 300,
  eventId: 'event-n',
  notify: { code: '654321', locale: 'es-mx', minutes: 5, country: 'MX', defaultLocale: 'en' },
  ...edit,
});

describe('EndUserMessagingSender through a Notify configuration', () => {
  it("sends SendNotifyTextMessage with AWS's template for the user's language and the code as its variable", async () => {
    // Prepare
    mock
      .on(DescribeNotifyTemplatesCommand)
      .resolves({ NotifyTemplates: [info('en-US', ['SMS']), info('es-MX', ['SMS'])] });
    mock.on(SendNotifyTextMessageCommand).resolves({
      MessageId: 'n-1',
      ResolvedMessageBody: '654321 es tu código',
    });
    const sender = new EndUserMessagingSender(client, 'okta-phone-mfa', {
      notifyTemplates: new NotifyTemplateCatalog(client),
      messageFeedback: true,
      maxPrice: '0.10',
      protectConfigurationId: 'protect-1',
    });

    // Act
    const sent = await sender.send(notifyMessage({ resend: 'escalated:failed' }), new Deadline(2_000));

    // Assess: no OriginationIdentity, body, MaxPrice or protect configuration: Notify takes none of them
    expect(sent).toMatchObject({ messageId: 'n-1', originationIdentity: 'notify:nc-1234567890abcdef0' });
    expect(mock.commandCalls(SendTextMessageCommand)).toHaveLength(0);
    expect(mock.commandCalls(SendNotifyTextMessageCommand)[0]?.args[0].input).toEqual({
      NotifyConfigurationId: 'nc-1234567890abcdef0',
      DestinationPhoneNumber: '+525512345678',
      TemplateId: 'aws-es-mx-sms',
      TemplateVariables: { code: '654321', expiry: '5' },
      TimeToLive: 300,
      Context: { eventId: 'event-n', resend: 'escalated:failed' },
      ConfigurationSetName: 'okta-phone-mfa',
      MessageFeedbackEnabled: true,
    });
  });

  it('calls with SendNotifyVoiceMessage and our voice where the template speaks with it; the ARN as it is', async () => {
    // Prepare
    mock
      .on(DescribeNotifyTemplatesCommand)
      .resolves({ NotifyTemplates: [info('en-US', ['VOICE'], ['JOANNA'])] });
    mock.on(SendNotifyVoiceMessageCommand).resolves({ MessageId: 'n-2' });
    const sender = new EndUserMessagingSender(client, undefined, {
      notifyTemplates: new NotifyTemplateCatalog(client),
    });

    // Act
    await sender.send(
      notifyMessage({ channel: 'voice', originationIdentity: ARN, voiceId: 'JOANNA' }),
      new Deadline(2_000),
    );
    await sender.send(
      notifyMessage({ channel: 'voice', originationIdentity: ARN, voiceId: 'MIGUEL' }),
      new Deadline(2_000),
    );

    // Assess
    const calls = mock.commandCalls(SendNotifyVoiceMessageCommand).map((call) => call.args[0].input);
    expect(calls[0]).toMatchObject({
      NotifyConfigurationId: ARN,
      TemplateId: 'aws-en-us-voice',
      VoiceId: 'JOANNA',
    });
    expect(calls[1]).not.toHaveProperty('VoiceId');
  });

  it('reads the templates once for many sends, and sends without a TemplateId when they cannot be read', async () => {
    // Prepare
    mock.on(DescribeNotifyTemplatesCommand).resolves({ NotifyTemplates: [info('en-US', ['SMS'])] });
    mock.on(SendNotifyTextMessageCommand).resolves({ MessageId: 'n-3' });
    const catalog = new NotifyTemplateCatalog(client);
    const sender = new EndUserMessagingSender(client, undefined, { notifyTemplates: catalog });

    // Act
    for (let i = 0; i < 3; i += 1) await sender.send(notifyMessage(), new Deadline(2_000));
    mock.reset();
    mock.on(DescribeNotifyTemplatesCommand).rejects(new Error('AccessDeniedException'));
    mock.on(SendNotifyTextMessageCommand).resolves({ MessageId: 'n-4' });
    const unread = new EndUserMessagingSender(client, undefined, {
      notifyTemplates: new NotifyTemplateCatalog(client),
    });
    await unread.send(notifyMessage(), new Deadline(2_000));

    // Assess
    expect(mock.commandCalls(SendNotifyTextMessageCommand)[0]?.args[0].input).not.toHaveProperty(
      'TemplateId',
    );
    expect(mock.commandCalls(DescribeNotifyTemplatesCommand)).toHaveLength(1);
  });

  it('follows NextToken across pages of templates', async () => {
    // Prepare
    mock
      .on(DescribeNotifyTemplatesCommand)
      .resolvesOnce({ NotifyTemplates: [info('en-US', ['SMS'])], NextToken: 'p2' })
      .resolvesOnce({ NotifyTemplates: [info('fr-FR', ['SMS'])] });

    // Act
    const templates = await new NotifyTemplateCatalog(client).templates(1_000);

    // Assess
    expect(templates?.map((t) => t.languageCode)).toEqual(['en-US', 'fr-FR']);
    expect(mock.commandCalls(DescribeNotifyTemplatesCommand)[1]?.args[0].input).toMatchObject({
      NextToken: 'p2',
    });
  });

  it.each([
    [
      'a configuration that is not ACTIVE',
      new ConflictException({ ...meta, message: 'not active', Reason: 'NOTIFY_CONFIGURATION_NOT_ACTIVE' }),
      'identity_refused',
      'notify_configuration_not_active',
    ],
    [
      'a channel it does not enable',
      new ValidationException({ ...meta, message: 'channel', Reason: 'CHANNEL_NOT_ENABLED' }),
      'identity_refused',
      'channel_not_enabled',
    ],
    [
      'a country it does not enable',
      new ValidationException({ ...meta, message: 'country', Reason: 'COUNTRY_NOT_ENABLED' }),
      'identity_refused',
      'country_not_enabled',
    ],
    [
      "the BASIC tier's messages of the day",
      new ServiceQuotaExceededException({
        ...meta,
        message: 'daily',
        Reason: 'DAILY_NOTIFY_TIER_MESSAGE_LIMIT',
      }),
      'quota_exceeded',
      'daily_notify_tier_message_limit',
    ],
    [
      "Notify's own spend limit",
      new ServiceQuotaExceededException({
        ...meta,
        message: 'spend',
        Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_NOTIFY',
      }),
      'spend_limit_reached',
      'monthly_spend_limit_reached_for_notify',
    ],
  ])('reads %s as %s, and fails over to the next identity', async (_, error, reason, failoverReason) => {
    // Prepare
    mock.on(DescribeNotifyTemplatesCommand).resolves({ NotifyTemplates: [] });
    mock.on(SendNotifyTextMessageCommand).rejects(error);
    const sender = new EndUserMessagingSender(client, undefined, {
      notifyTemplates: new NotifyTemplateCatalog(client),
    });

    // Act
    const failure = (await sender
      .send(notifyMessage(), new Deadline(2_000))
      .catch((e) => e)) as DeliveryFailedError;

    // Assess
    expect(failure).toMatchObject({ reason, failoverReason });
  });

  it('keeps COUNTRY_NOT_ENABLED an account refusal, without failover, on a send from a number', () => {
    const error = new ValidationException({ ...meta, message: 'country', Reason: 'COUNTRY_NOT_ENABLED' });
    expect(toDeliveryError(error, 1, false)).toMatchObject({ reason: 'country_blocked' });
    expect((toDeliveryError(error, 1, false) as DeliveryFailedError).failoverReason).toBeUndefined();
  });
});
