import { Stack } from 'aws-cdk-lib';
import * as smsvoice from 'aws-cdk-lib/aws-smsvoice';
import { Construct, type IDependable } from 'constructs';
import { getCountries } from 'libphonenumber-js';
import type { SmsProtectMode } from '../settings.js';

/**
 * Codes libphonenumber has metadata for that are not ISO 3166-1 countries (Ascension Island, Tristan da Cunha,
 * Kosovo's user-assigned XK): End User Messaging's country rules take ISO codes only. Numbers there are still
 * refused by the hook's own country allow-list unless allowed.
 */
const NOT_ISO_3166 = new Set(['AC', 'TA', 'XK']);

/**
 * Every country a protect configuration rule is written for, sorted: the regions the hook can parse a number of
 * (libphonenumber), which is also every region it could ever send to. End User Messaging reads a country left out
 * as ALLOW, so "block the rest" must name the rest; naming every country also keeps CloudFormation's drift
 * detection quiet (the service always returns the full list).
 */
export const PROTECT_COUNTRIES: readonly string[] = getCountries()
  .filter((country) => !NOT_ISO_3166.has(country))
  .sort();

type CountryRule = smsvoice.CfnProtectConfiguration.CountryRuleProperty;

/**
 * The protect configuration's country rules from the deploy settings: for SMS and voice, the allowed countries are
 * allowed (SMS with `smsProtectMode` instead of plain ALLOW: FILTER and MONITOR are per-country statuses that
 * also allow sending) and every other country is blocked. `["*"]` blocks nothing: only an SMS mode, if any, is
 * written, for every country. MMS is left at End User Messaging's default: the hook never sends MMS.
 *
 * @param allowedCountries - the `allowedCountries` setting (ISO codes, or `["*"]`)
 * @param smsProtectMode - the `smsProtectMode` setting
 * @returns the rule set, or undefined when it would say nothing (every country ALLOW)
 */
export function protectCountryRules(
  allowedCountries: readonly string[],
  smsProtectMode?: SmsProtectMode,
): smsvoice.CfnProtectConfiguration.CountryRuleSetProperty | undefined {
  const rules = (allowedStatus: string): CountryRule[] => {
    if (allowedCountries.includes('*')) {
      return allowedStatus === 'ALLOW'
        ? []
        : PROTECT_COUNTRIES.map((countryCode) => ({ countryCode, protectStatus: allowedStatus }));
    }
    // An allowed code libphonenumber does not know is still written, as the operator asked.
    return [...new Set([...PROTECT_COUNTRIES, ...allowedCountries])].sort().map((countryCode) => ({
      countryCode,
      protectStatus: allowedCountries.includes(countryCode) ? allowedStatus : 'BLOCK',
    }));
  };
  const sms = rules(smsProtectMode ?? 'ALLOW');
  const voice = rules('ALLOW');
  if (sms.length === 0 && voice.length === 0) return undefined;
  return { ...(sms.length > 0 ? { sms } : {}), ...(voice.length > 0 ? { voice } : {}) };
}

/** Properties of {@link ProviderProtection}. */
export interface ProviderProtectionProps {
  /** The `allowedCountries` setting: allowed at the provider, every other country blocked. */
  readonly allowedCountries: readonly string[];
  /**
   * AIT screening of SMS to the allowed countries (billed by AWS per message on top of the SMS price).
   * @default - none: allowed countries are plain ALLOW
   */
  readonly smsProtectMode?: SmsProtectMode;
  /**
   * The operator's own configuration set (name or ARN). The stack then creates none and leaves the operator's set
   * as it is; the hook names the protect configuration on every send instead (a send's `ProtectConfigurationId`
   * wins over the configuration set's).
   * @default - the stack creates a configuration set that uses the protect configuration
   */
  readonly configurationSetName?: string;
}

/**
 * Country rules at End User Messaging itself, behind the hook's own allow-list and abuse guard: a protect
 * configuration built from the deploy settings and a configuration set that uses it. Every send names the
 * configuration set (`CONFIGURATION_SET_NAME`) and the protect configuration (`PROTECT_CONFIGURATION_ID`), so the
 * rules hold whichever configuration set is used and whatever is associated with it later.
 *
 * The rules come from the deploy settings, not the templates table: a country an operator adds to the table's
 * `allowedCountries` stays blocked here until it is in the setting too and the stack is deployed.
 */
export class ProviderProtection extends Construct {
  /** The protect configuration. */
  public readonly protectConfiguration: smsvoice.CfnProtectConfiguration;
  /** The configuration set the stack created; undefined when the operator's own is used. */
  public readonly configurationSet?: smsvoice.CfnConfigurationSet;
  /** What every send names as `ConfigurationSetName` (a token for the stack's own set). */
  public readonly configurationSetName: string;
  /** What every send names as `ProtectConfigurationId`. */
  public readonly protectConfigurationId: string;
  /**
   * The ARNs SendTextMessage and SendVoiceMessage are also authorized against when a send names them: the
   * configuration set and the protect configuration.
   */
  public readonly sendResources: string[];

  constructor(scope: Construct, id: string, props: ProviderProtectionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const countryRuleSet = protectCountryRules(props.allowedCountries, props.smsProtectMode);
    this.protectConfiguration = new smsvoice.CfnProtectConfiguration(this, 'ProtectConfiguration', {
      ...(countryRuleSet ? { countryRuleSet } : {}),
      // Built from the settings and rebuilt by any deploy: nothing in it an operator would lose.
      deletionProtectionEnabled: false,
      // The console shows a protect configuration by its Name tag.
      tags: [{ key: 'Name', value: `${stack.stackName}-okta-phone-mfa` }],
    });
    this.protectConfigurationId = this.protectConfiguration.attrProtectConfigurationId;

    let configurationSetArn: string;
    if (props.configurationSetName) {
      this.configurationSetName = props.configurationSetName;
      configurationSetArn = props.configurationSetName.startsWith('arn:')
        ? props.configurationSetName
        : stack.formatArn({
            service: 'sms-voice',
            resource: 'configuration-set',
            resourceName: props.configurationSetName,
          });
    } else {
      // No name: CloudFormation generates one (a fixed name would collide between stacks and force replacement).
      this.configurationSet = new smsvoice.CfnConfigurationSet(this, 'ConfigurationSet', {
        protectConfigurationId: this.protectConfigurationId,
      });
      this.configurationSetName = this.configurationSet.ref;
      configurationSetArn = this.configurationSet.attrArn;
    }
    this.sendResources = [configurationSetArn, this.protectConfiguration.attrArn];
  }

  /**
   * Points the stack's configuration set at the receipts topic (an SNS event destination for `eventTypes`) and sets
   * its message feedback default. Does nothing to the operator's own configuration set, which the stack does not
   * own: there, add the event destination yourself (README, "Receipts"); the hook still asks for feedback per send.
   *
   * @param topicArn - the receipts topic
   * @param eventTypes - End User Messaging event types to publish
   * @param messageFeedbackEnabled - the configuration set's default for `MessageFeedbackEnabled`
   * @param after - what the configuration set must be created after (the topic policy that lets it publish)
   * @returns whether the stack's own configuration set publishes to the topic
   */
  public publishEventsTo(
    topicArn: string,
    eventTypes: readonly string[],
    messageFeedbackEnabled: boolean,
    after: IDependable,
  ): boolean {
    if (!this.configurationSet) return false;
    this.configurationSet.eventDestinations = [
      {
        eventDestinationName: 'otp-receipts',
        enabled: true,
        matchingEventTypes: [...eventTypes],
        snsDestination: { topicArn },
      },
    ];
    this.configurationSet.messageFeedbackEnabled = messageFeedbackEnabled;
    this.configurationSet.node.addDependency(after);
    return true;
  }
}
