/**
 * End User Messaging Notify, as the messaging stand-in serves it: Notify configurations (one local one, ACTIVE,
 * ADVANCED as after AWS approved an upgrade, so the load runs' share of Brazil fits its rate; SMS and VOICE; the local
 * allowed countries but China) and AWS-managed code-verification templates (illustrative
 * texts in a few languages), with the refusals AWS documents for `SendNotifyTextMessage` / `SendNotifyVoiceMessage`
 * (API reference and the Notify chapter of the user guide):
 * - the request's own constraints (configuration id or ARN, E.164 destination, 1–20 template variables of
 *   `[A-Za-z0-9_]{1,64}` with 1–2048-character values, TimeToLive 5–259200 s, at most 5 Context entries): ValidationException;
 * - a configuration that does not exist: ResourceNotFoundException (`notify-configuration`); one that is not ACTIVE:
 *   ConflictException `NOTIFY_CONFIGURATION_NOT_ACTIVE`;
 * - a channel or destination country the configuration does not enable: ValidationException `CHANNEL_NOT_ENABLED`,
 *   `COUNTRY_NOT_ENABLED`;
 * - no TemplateId and no default template: ValidationException; an unknown template: ResourceNotFoundException
 *   (`notify-template`); a template of another channel, tier or country, a missing required variable, a variable the
 *   template does not declare or sets itself (SYSTEM), a value off the variable's pattern or range: ValidationException;
 * - the tier's rate (BASIC 1 message a second, ADVANCED 25): ThrottlingException; BASIC's 200 messages a day:
 *   ServiceQuotaExceededException `DAILY_NOTIFY_TIER_MESSAGE_LIMIT`; the Notify spend limit (a fault):
 *   ServiceQuotaExceededException `MONTHLY_SPEND_LIMIT_REACHED_FOR_NOTIFY`.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { AwsError } from './aws-json.js';

/** A Notify configuration as the stand-in keeps it. */
export type LocalNotifyConfiguration = {
  id: string;
  arn: string;
  displayName: string;
  status: 'ACTIVE' | 'PENDING' | 'REJECTED' | 'REQUIRES_VERIFICATION';
  tier: 'BASIC' | 'ADVANCED';
  channels: Array<'SMS' | 'VOICE'>;
  countries: string[];
  defaultTemplateId?: string;
};

type Variable = {
  Type: 'STRING' | 'INTEGER' | 'BOOLEAN';
  Required: boolean;
  Source: 'CUSTOMER' | 'SYSTEM';
  Description?: string;
  Pattern?: string;
  MaxLength?: number;
  MinValue?: number;
  MaxValue?: number;
  DefaultValue?: string;
};

/** A template as `DescribeNotifyTemplates` answers it (`NotifyTemplateInformation`). */
export type LocalNotifyTemplate = {
  TemplateId: string;
  Version: number;
  TemplateType: 'OTP_VERIFICATION';
  Channels: Array<'SMS' | 'VOICE'>;
  TierAccess: Array<'BASIC' | 'ADVANCED'>;
  Status: 'ACTIVE' | 'INACTIVE';
  SupportedCountries?: string[];
  LanguageCode: string;
  Content: string;
  Variables: Record<string, Variable>;
  SupportedVoiceIds?: string[];
  CreatedTimestamp: number;
};

/** The local stack's Notify configuration (the routes of `service/templates/config.json` name it). */
export const LOCAL_NOTIFY_CONFIGURATION_ID = 'nc-0local0notify0001';

/** Per-number limits are AWS's; these are the tiers' (user guide, "Notify tiers"). */
const TIER_LIMITS = { BASIC: { perSecond: 1, perDay: 200 }, ADVANCED: { perSecond: 25, perDay: Infinity } };

const VARIABLES: Record<string, Variable> = {
  code: {
    Type: 'STRING',
    Required: true,
    Source: 'CUSTOMER',
    Description: 'The verification code',
    Pattern: '^[0-9A-Za-z]{4,10}$',
    MaxLength: 10,
  },
  expiry: {
    Type: 'INTEGER',
    Required: false,
    Source: 'CUSTOMER',
    Description: 'Minutes until the code expires',
    MinValue: 1,
    MaxValue: 60,
    DefaultValue: '10',
  },
  displayName: {
    Type: 'STRING',
    Required: true,
    Source: 'SYSTEM',
    Description: "The configuration's display name",
  },
};

/** Illustrative texts (not AWS's): what the outbox shows for a Notify send, per language and channel. */
const TEXTS: Array<[string, Array<'SMS' | 'VOICE'>, string, string[]?]> = [
  ['en-US', ['SMS'], '{{code}} is your {{displayName}} verification code. It expires in {{expiry}} minutes.'],
  [
    'en-US',
    ['VOICE'],
    'Your {{displayName}} verification code is {{code}}. Again, {{code}}.',
    ['JOANNA', 'MATTHEW'],
  ],
  [
    'es-MX',
    ['SMS'],
    '{{code}} es tu código de verificación de {{displayName}}. Vence en {{expiry}} minutos.',
  ],
  ['es-MX', ['VOICE'], 'Tu código de verificación de {{displayName}} es {{code}}.', ['MIA']],
  [
    'es-ES',
    ['SMS'],
    '{{code}} es tu código de verificación de {{displayName}}. Caduca en {{expiry}} minutos.',
  ],
  ['fr-FR', ['SMS', 'VOICE'], '{{code}} est votre code de vérification {{displayName}}.', ['LEA', 'MATHIEU']],
  ['de-DE', ['SMS'], '{{code}} ist Ihr {{displayName}}-Bestätigungscode.'],
  ['pt-BR', ['SMS'], '{{code}} é o seu código de verificação {{displayName}}.'],
  ['ja-JP', ['SMS'], '{{displayName}} の確認コードは {{code}} です。'],
];

/** The stand-in's templates, in `DescribeNotifyTemplates` order. */
export const LOCAL_NOTIFY_TEMPLATES: readonly LocalNotifyTemplate[] = TEXTS.map(
  ([language, channels, content, voices], index) => ({
    TemplateId: `notify-otp-${language.toLowerCase()}-${channels.join('-').toLowerCase()}-001`,
    Version: 1,
    TemplateType: 'OTP_VERIFICATION',
    Channels: channels,
    TierAccess: ['BASIC', 'ADVANCED'],
    Status: 'ACTIVE',
    LanguageCode: language,
    Content: content,
    Variables: Object.fromEntries(
      Object.entries(VARIABLES).filter(([name]) => content.includes(`{{${name}}}`)),
    ),
    ...(voices ? { SupportedVoiceIds: voices } : {}),
    CreatedTimestamp: Date.UTC(2026, 5, 1) / 1000 + index,
  }),
);

const CONFIGURATION_ID = /^[A-Za-z0-9_:/-]{1,256}$/;
const TEMPLATE_ID = /^[A-Za-z0-9_-]{0,256}$/;
const VARIABLE_NAME = /^[A-Za-z0-9_]{1,64}$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const FILTER_NAMES = [
  'template-type',
  'channels',
  'tier-access',
  'supported-countries',
  'language-code',
  'supported-voice-ids',
];

const validation = (message: string, reason?: string) =>
  new AwsError('ValidationException', message, 400, reason ? { Reason: reason } : {});

/** What a Notify send resolved to: the message the outbox keeps. */
export type NotifySend = {
  configuration: LocalNotifyConfiguration;
  template: LocalNotifyTemplate;
  body: string;
};

/** The Notify side of the messaging stand-in: its configurations, templates, rates and day counts. */
export class LocalNotify {
  #configurations = new Map<string, LocalNotifyConfiguration>();
  /** Per configuration: the tokens of its rate, when last refilled, and its messages of the (UTC) day. */
  #usage = new Map<string, { tokens: number; at: number; day: string; sent: number }>();
  #spendLimitReached = false;

  constructor(
    account: string,
    region: string,
    private readonly now: () => number = Date.now,
  ) {
    this.put({
      id: LOCAL_NOTIFY_CONFIGURATION_ID,
      arn: `arn:aws:sms-voice:${region}:${account}:notify-configuration/${LOCAL_NOTIFY_CONFIGURATION_ID}`,
      displayName: 'OktaPhoneMFA',
      status: 'ACTIVE',
      tier: 'ADVANCED',
      channels: ['SMS', 'VOICE'],
      countries: ['US', 'CA', 'GB', 'MX', 'ES', 'FR', 'DE', 'IT', 'PT', 'BR', 'JP'],
    });
  }

  /** Adds or replaces a configuration (tests). */
  put(configuration: LocalNotifyConfiguration): void {
    this.#configurations.set(configuration.id, configuration);
  }

  configurations(): LocalNotifyConfiguration[] {
    return [...this.#configurations.values()];
  }

  /** Every configuration back to its first minute of the day: no rate or day count carried between tests. */
  reset(): void {
    this.#usage.clear();
  }

  /** The Notify spend limit fault: every Notify send refused until cleared. */
  setSpendLimitReached(reached: boolean): void {
    this.#spendLimitReached = reached;
  }

  /** BASIC's messages of the day used up (a fault: 200 sends would take the tests minutes at 1 a second). */
  useUpDay(configurationId: string): void {
    const usage = this.#usageOf(configurationId);
    usage.sent = Number.POSITIVE_INFINITY;
  }

  #usageOf(id: string) {
    const day = new Date(this.now()).toISOString().slice(0, 10);
    let usage = this.#usage.get(id);
    if (!usage || usage.day !== day) {
      usage = { tokens: 1, at: this.now(), day, sent: 0 };
      this.#usage.set(id, usage);
    }
    return usage;
  }

  /** The configuration an id or ARN names; ResourceNotFoundException as AWS answers it. */
  configuration(idOrArn: unknown): LocalNotifyConfiguration {
    if (typeof idOrArn !== 'string' || !CONFIGURATION_ID.test(idOrArn)) {
      throw validation('NotifyConfigurationId must be 1 to 256 characters of [A-Za-z0-9_:/-]');
    }
    const found = [...this.#configurations.values()].find((c) => c.id === idOrArn || c.arn === idOrArn);
    if (!found) {
      throw new AwsError('ResourceNotFoundException', `Notify configuration ${idOrArn} not found`, 404, {
        ResourceType: 'notify-configuration',
        ResourceId: idOrArn,
      });
    }
    return found;
  }

  /**
   * Validates one `SendNotifyTextMessage` / `SendNotifyVoiceMessage` as AWS does, counts it against the tier, and
   * resolves the template's text.
   *
   * @param channel - which operation
   * @param input - the request's JSON
   * @param inactive - identities the `identity-inactive` fault names (`notify:<id>`, the id or the ARN)
   */
  send(channel: 'SMS' | 'VOICE', input: Record<string, any>, inactive: readonly string[]): NotifySend {
    const configuration = this.configuration(input.NotifyConfigurationId);
    if (typeof input.DestinationPhoneNumber !== 'string' || !E164.test(input.DestinationPhoneNumber)) {
      throw validation('DestinationPhoneNumber must be E.164');
    }
    const variables = input.TemplateVariables;
    if (!variables || typeof variables !== 'object' || Array.isArray(variables)) {
      throw validation('TemplateVariables is required');
    }
    const entries = Object.entries(variables as Record<string, unknown>);
    if (entries.length > 20) throw validation('TemplateVariables takes at most 20 entries');
    for (const [name, value] of entries) {
      if (!VARIABLE_NAME.test(name))
        throw validation(`Template variable name ${name} is not [A-Za-z0-9_]{1,64}`);
      if (typeof value !== 'string' || value.length < 1 || value.length > 2048) {
        throw validation(`Template variable ${name} must be a string of 1 to 2048 characters`);
      }
    }
    if (input.TimeToLive !== undefined) {
      if (!Number.isInteger(input.TimeToLive) || input.TimeToLive < 5 || input.TimeToLive > 259_200) {
        throw validation('TimeToLive must be an integer from 5 to 259200');
      }
    }
    if (input.Context !== undefined) {
      const context = Object.entries((input.Context ?? {}) as Record<string, unknown>);
      if (context.length > 5) throw validation('Context takes at most 5 entries');
      for (const [key, value] of context) {
        if (!/^\S{1,100}$/.test(key) || typeof value !== 'string' || value.length < 1 || value.length > 800) {
          throw validation('Context keys are 1 to 100 characters, values 1 to 800');
        }
      }
    }
    const named = [`notify:${configuration.id}`, configuration.id, configuration.arn];
    if (configuration.status !== 'ACTIVE' || named.some((name) => inactive.includes(name))) {
      throw new AwsError('ConflictException', 'The notify configuration is not ACTIVE', 400, {
        Reason: 'NOTIFY_CONFIGURATION_NOT_ACTIVE',
        ResourceType: 'notify-configuration',
        ResourceId: configuration.id,
      });
    }
    if (!configuration.channels.includes(channel)) {
      throw validation(`The notify configuration does not enable ${channel}`, 'CHANNEL_NOT_ENABLED');
    }
    const country = parsePhoneNumberFromString(input.DestinationPhoneNumber)?.country;
    if (!country || !configuration.countries.includes(country)) {
      throw validation(
        `The notify configuration does not enable the destination country ${country ?? 'unknown'}`,
        'COUNTRY_NOT_ENABLED',
      );
    }
    const template = this.#template(input.TemplateId, configuration, channel, country);
    const values = this.#variables(template, variables as Record<string, string>);
    this.#count(configuration);
    const body = template.Content.replace(/\{\{(\w+)\}\}/g, (_, name: string) =>
      name === 'displayName' ? configuration.displayName : (values[name] ?? ''),
    );
    return { configuration, template, body };
  }

  #template(
    templateId: unknown,
    configuration: LocalNotifyConfiguration,
    channel: 'SMS' | 'VOICE',
    country: string,
  ): LocalNotifyTemplate {
    if (templateId !== undefined && (typeof templateId !== 'string' || !TEMPLATE_ID.test(templateId))) {
      throw validation('TemplateId must be up to 256 characters of [A-Za-z0-9_-]');
    }
    const id = (templateId as string | undefined) || configuration.defaultTemplateId;
    if (!id) throw validation('No TemplateId given and the notify configuration has no default template');
    const template = LOCAL_NOTIFY_TEMPLATES.find((t) => t.TemplateId === id);
    if (!template) {
      throw new AwsError('ResourceNotFoundException', `Notify template ${id} not found`, 404, {
        ResourceType: 'notify-template',
        ResourceId: id,
      });
    }
    if (template.Status !== 'ACTIVE') throw validation(`Notify template ${id} is not ACTIVE`);
    if (!template.Channels.includes(channel))
      throw validation(`Notify template ${id} does not serve ${channel}`);
    if (!template.TierAccess.includes(configuration.tier)) {
      throw validation(`Notify template ${id} is not available to the ${configuration.tier} tier`);
    }
    if (template.SupportedCountries && !template.SupportedCountries.includes(country)) {
      throw validation(`Notify template ${id} does not serve ${country}`);
    }
    return template;
  }

  #variables(template: LocalNotifyTemplate, given: Record<string, string>): Record<string, string> {
    for (const [name, value] of Object.entries(given)) {
      const variable = template.Variables[name];
      if (!variable) throw validation(`Template ${template.TemplateId} has no variable ${name}`);
      if (variable.Source === 'SYSTEM') throw validation(`Template variable ${name} is set by the service`);
      if (variable.Pattern && !new RegExp(variable.Pattern).test(value)) {
        throw validation(`Template variable ${name} does not match ${variable.Pattern}`);
      }
      if (variable.MaxLength !== undefined && value.length > variable.MaxLength) {
        throw validation(`Template variable ${name} is longer than ${variable.MaxLength}`);
      }
      if (variable.Type === 'INTEGER') {
        const number = Number(value);
        if (!/^-?\d+$/.test(value)) throw validation(`Template variable ${name} must be an integer`);
        if (variable.MinValue !== undefined && number < variable.MinValue)
          throw validation(`Template variable ${name} is below ${variable.MinValue}`);
        if (variable.MaxValue !== undefined && number > variable.MaxValue)
          throw validation(`Template variable ${name} is above ${variable.MaxValue}`);
      }
    }
    const values: Record<string, string> = {};
    for (const [name, variable] of Object.entries(template.Variables)) {
      if (variable.Source === 'SYSTEM') continue;
      const value = given[name] ?? variable.DefaultValue;
      if (value === undefined && variable.Required) throw validation(`Template variable ${name} is required`);
      if (value !== undefined) values[name] = value;
    }
    return values;
  }

  /** The tier's rate and day, then the spend limit. */
  #count(configuration: LocalNotifyConfiguration): void {
    const limits = TIER_LIMITS[configuration.tier];
    const usage = this.#usageOf(configuration.id);
    const now = this.now();
    usage.tokens = Math.min(limits.perSecond, usage.tokens + ((now - usage.at) / 1000) * limits.perSecond);
    usage.at = now;
    if (usage.sent >= limits.perDay) {
      throw new AwsError(
        'ServiceQuotaExceededException',
        'The notify tier daily message limit is reached',
        400,
        {
          Reason: 'DAILY_NOTIFY_TIER_MESSAGE_LIMIT',
        },
      );
    }
    if (usage.tokens < 1) throw new AwsError('ThrottlingException', 'Rate exceeded', 400);
    if (this.#spendLimitReached) {
      throw new AwsError('ServiceQuotaExceededException', 'The monthly Notify spend limit is reached', 400, {
        Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_NOTIFY',
      });
    }
    usage.tokens -= 1;
    usage.sent += 1;
  }

  /** `DescribeNotifyTemplates`: by ids or filters, a page of up to `MaxResults` (100), `NextToken` for the rest. */
  describeTemplates(input: Record<string, any>): {
    NotifyTemplates: LocalNotifyTemplate[];
    NextToken?: string;
  } {
    const ids = input.TemplateIds as unknown;
    if (ids !== undefined && (!Array.isArray(ids) || ids.length < 1 || ids.length > 10)) {
      throw validation('TemplateIds takes 1 to 10 ids');
    }
    const filters = (input.Filters ?? []) as unknown;
    if (!Array.isArray(filters) || filters.length > 20) throw validation('Filters takes at most 20 filters');
    for (const filter of filters) {
      if (!FILTER_NAMES.includes(filter?.Name)) {
        throw validation(`Filter name ${String(filter?.Name)} is not one of ${FILTER_NAMES.join(', ')}`);
      }
      if (!Array.isArray(filter.Values) || filter.Values.length < 1 || filter.Values.length > 20) {
        throw validation('A filter takes 1 to 20 values');
      }
    }
    const max = input.MaxResults ?? 100;
    if (!Number.isInteger(max) || max < 1 || max > 100) throw validation('MaxResults must be from 1 to 100');
    const start = input.NextToken === undefined ? 0 : Number.parseInt(String(input.NextToken), 10);
    if (!Number.isInteger(start) || start < 0) throw validation('NextToken is not valid');
    const valuesOf = (template: LocalNotifyTemplate, name: string): string[] => {
      switch (name) {
        case 'template-type':
          return [template.TemplateType];
        case 'channels':
          return template.Channels;
        case 'tier-access':
          return template.TierAccess;
        case 'supported-countries':
          return template.SupportedCountries ?? [];
        case 'language-code':
          return [template.LanguageCode, template.LanguageCode.split('-')[0] ?? ''];
        default:
          return template.SupportedVoiceIds ?? [];
      }
    };
    const matching = LOCAL_NOTIFY_TEMPLATES.filter(
      (template) =>
        (!Array.isArray(ids) || ids.includes(template.TemplateId)) &&
        filters.every((filter: { Name: string; Values: string[] }) =>
          filter.Values.some((value) => valuesOf(template, filter.Name).includes(value)),
        ),
    );
    const page = matching.slice(start, start + max);
    return {
      NotifyTemplates: page,
      ...(start + max < matching.length ? { NextToken: String(start + max) } : {}),
    };
  }
}
