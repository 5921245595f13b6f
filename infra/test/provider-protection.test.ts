/**
 * Country rules at End User Messaging itself (`ProviderProtection`): a protect configuration from the deploy
 * settings, a configuration set that uses it, both named on every send, and the price cap per message.
 * Each test reads the synthesized CloudFormation, not the CDK objects: that template is what reaches AWS.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PROTECT_COUNTRIES, protectCountryRules } from '../lib/constructs/provider-protection.js';
import { asList, functionByPath, iamStatements, logicalId, type Synth, synthStack } from './helpers.js';

type Rule = { CountryCode: string; ProtectStatus: string };
type RuleSet = { SMS?: Rule[]; VOICE?: Rule[]; MMS?: Rule[] };

/** The protect configuration's rule set, per capability, as status → countries. */
function rules(synth: Synth): Record<string, Record<string, string[]>> {
  const protect = Object.values(synth.template.findResources('AWS::SMSVOICE::ProtectConfiguration'));
  expect(protect).toHaveLength(1);
  const set = (protect[0]!.Properties.CountryRuleSet ?? {}) as RuleSet;
  return Object.fromEntries(
    Object.entries(set).map(([capability, list]) => {
      const byStatus: Record<string, string[]> = {};
      for (const rule of list ?? []) {
        byStatus[rule.ProtectStatus] = [...(byStatus[rule.ProtectStatus] ?? []), rule.CountryCode];
      }
      return [capability, byStatus];
    }),
  );
}

/** The hook's statement that allows the two send actions. */
function sendStatement(synth: Synth) {
  return iamStatements(synth.template).find((s) =>
    asList(s.Action as string | string[]).includes('sms-voice:SendTextMessage'),
  )!;
}

let defaults: Synth;

beforeAll(() => {
  defaults = synthStack();
});

describe('provider protection: protect configuration, configuration set, price cap', () => {
  it('allows exactly the allowed countries and blocks every other one, for SMS and for voice', () => {
    // Prepare
    const allowed = defaults.settings.allowedCountries;

    // Act
    const { SMS, VOICE, MMS } = rules(defaults);

    // Assess
    for (const capability of [SMS!, VOICE!]) {
      expect(Object.keys(capability).sort()).toEqual(['ALLOW', 'BLOCK']);
      expect(capability.ALLOW!.sort()).toEqual([...allowed].sort());
      expect(capability.BLOCK).toHaveLength(PROTECT_COUNTRIES.length - allowed.length);
      expect(capability.BLOCK).toEqual(expect.arrayContaining(['KE', 'NG', 'RU', 'CU']));
      expect(capability.BLOCK).not.toEqual(expect.arrayContaining(['US']));
    }
    // The hook never sends MMS: its rules stay End User Messaging's default.
    expect(MMS).toBeUndefined();
  });

  it('screens SMS to the allowed countries with smsProtectMode, leaves calls plain ALLOW and still blocks the rest', () => {
    for (const mode of ['FILTER', 'MONITOR']) {
      // Act
      const { SMS, VOICE } = rules(synthStack({ allowedCountries: ['US', 'MX'], smsProtectMode: mode }));

      // Assess
      expect(SMS![mode]!.sort()).toEqual(['MX', 'US']);
      expect(SMS!.ALLOW).toBeUndefined();
      expect(SMS!.BLOCK).toHaveLength(PROTECT_COUNTRIES.length - 2);
      expect(VOICE!.ALLOW!.sort()).toEqual(['MX', 'US']);
      expect(VOICE![mode]).toBeUndefined();
    }
  });

  it('blocks no country for allowedCountries ["*"]; an SMS mode then screens every country', () => {
    // Act
    const open = synthStack({ allowedCountries: ['*'] });
    const screened = rules(synthStack({ allowedCountries: ['*'], smsProtectMode: 'FILTER' }));

    // Assess
    const protect = Object.values(open.template.findResources('AWS::SMSVOICE::ProtectConfiguration'))[0]!;
    expect(protect.Properties.CountryRuleSet).toBeUndefined();
    expect(Object.keys(screened.SMS!)).toEqual(['FILTER']);
    expect(screened.SMS!.FILTER).toHaveLength(PROTECT_COUNTRIES.length);
    expect(screened.VOICE).toBeUndefined();
  });

  it('names only ISO 3166-1 codes, each once, within the 300 rules End User Messaging takes per capability', () => {
    // Act
    const set = protectCountryRules(['US', 'GB'])!;

    // Assess
    expect(PROTECT_COUNTRIES.length).toBeGreaterThan(200);
    expect(PROTECT_COUNTRIES.length).toBeLessThanOrEqual(300);
    for (const list of [set.sms, set.voice] as Array<Array<{ countryCode: string }>>) {
      const codes = list.map((r) => r.countryCode);
      expect(new Set(codes).size).toBe(codes.length);
      for (const code of codes) expect(code).toMatch(/^[A-Z]{2}$/);
      // libphonenumber's non-ISO regions: Ascension, Tristan da Cunha, Kosovo.
      expect(codes).not.toContain('AC');
      expect(codes).not.toContain('TA');
      expect(codes).not.toContain('XK');
    }
  });

  it('creates a configuration set that uses the protect configuration and names both in the hook environment', () => {
    // Prepare
    const protectId = logicalId(defaults, 'AWS::SMSVOICE::ProtectConfiguration', '/ProviderProtection/');
    const setId = logicalId(defaults, 'AWS::SMSVOICE::ConfigurationSet', '/ProviderProtection/');
    const set = defaults.template.findResources('AWS::SMSVOICE::ConfigurationSet')[setId]!;
    const env = functionByPath(defaults, '/DeliverOtp/').props.Environment.Variables;

    // Assess
    expect(set.Properties.ProtectConfigurationId).toEqual({
      'Fn::GetAtt': [protectId, 'ProtectConfigurationId'],
    });
    // No fixed name: CloudFormation generates one, so two stacks never collide.
    expect(set.Properties.ConfigurationSetName).toBeUndefined();
    expect(env.CONFIGURATION_SET_NAME).toEqual({ Ref: setId });
    expect(env.PROTECT_CONFIGURATION_ID).toEqual({ 'Fn::GetAtt': [protectId, 'ProtectConfigurationId'] });
    defaults.template.hasOutput('ConfigurationSetName', { Value: { Ref: setId } });
    defaults.template.hasOutput('ProtectConfigurationId', {
      Value: { 'Fn::GetAtt': [protectId, 'ProtectConfigurationId'] },
    });
  });

  it("uses the operator's configuration set as it is and names the protect configuration on each send instead", () => {
    // Act
    const synth = synthStack({ configurationSetName: 'otp-events' });

    // Assess
    synth.template.resourceCountIs('AWS::SMSVOICE::ConfigurationSet', 0);
    synth.template.resourceCountIs('AWS::SMSVOICE::ProtectConfiguration', 1);
    const env = functionByPath(synth, '/DeliverOtp/').props.Environment.Variables;
    expect(env.CONFIGURATION_SET_NAME).toBe('otp-events');
    expect(env.PROTECT_CONFIGURATION_ID).toEqual({
      'Fn::GetAtt': [
        expect.stringMatching(/^ProviderProtectionProtectConfiguration/),
        'ProtectConfigurationId',
      ],
    });
  });

  it('lets the hook send through exactly the configuration set and protect configuration it names', () => {
    // Prepare
    const protectId = logicalId(defaults, 'AWS::SMSVOICE::ProtectConfiguration', '/ProviderProtection/');
    const setId = logicalId(defaults, 'AWS::SMSVOICE::ConfigurationSet', '/ProviderProtection/');
    const operators = sendStatement(synthStack({ configurationSetName: 'otp-events' }));

    // Act
    const resources = asList(sendStatement(defaults).Resource).map((r) => JSON.stringify(r));

    // Assess
    expect(resources).toContain(JSON.stringify({ 'Fn::GetAtt': [setId, 'Arn'] }));
    expect(resources).toContain(JSON.stringify({ 'Fn::GetAtt': [protectId, 'Arn'] }));
    expect(
      resources.filter((r) => r.includes('configuration-set') || r.includes('protect-configuration')),
    ).toEqual([]);
    expect(JSON.stringify(operators.Resource)).toContain('configuration-set/otp-events');
    expect(JSON.stringify(operators.Resource)).toContain('ProviderProtectionProtectConfiguration');
  });

  it('caps the price of each message only when maxPricePerMessage is set', () => {
    // Act
    const capped = functionByPath(synthStack({ maxPricePerMessage: '0.25' }), '/DeliverOtp/').props;

    // Assess
    expect(capped.Environment.Variables.MAX_PRICE_PER_MESSAGE).toBe('0.25');
    expect(functionByPath(defaults, '/DeliverOtp/').props.Environment.Variables).not.toHaveProperty(
      'MAX_PRICE_PER_MESSAGE',
    );
  });
});
