/**
 * AWS-managed senders (`notify`): the stack creates the Notify configuration, routes to it last (or alone, for an org
 * with no numbers yet), tells the hook its tier, and grants exactly the Notify sends and the template read.
 */
import { describe, expect, it } from 'vitest';
import { functionByPath, grantsOf, settingProblems, synthStack } from './helpers.js';

/** The seeded routing, with the configuration's id (a token at synth) read back as `<notify-id>`. */
function seededRouting(synth: ReturnType<typeof synthStack>): Record<string, unknown> {
  const seed = Object.values(synth.template.findResources('Custom::TemplatesSeed'))[0]!.Properties;
  const json =
    typeof seed.ItemsJson === 'string'
      ? seed.ItemsJson
      : (seed.ItemsJson['Fn::Join'][1] as unknown[])
          .map((part) => (typeof part === 'string' ? part : '<notify-id>'))
          .join('');
  const items = JSON.parse(json) as Array<{ pk: string; sk: string; value: unknown }>;
  return Object.fromEntries(
    items.filter((item) => item.pk === 'config').map((item) => [item.sk, item.value]),
  );
}

describe('the notify setting', () => {
  it('is off by default: no configuration, no Notify grant, no NOTIFY_TIER', () => {
    const synth = synthStack();
    expect(synth.template.findResources('AWS::SMSVOICE::NotifyConfiguration')).toEqual({});
    expect(
      Object.keys(grantsOf(synth, '/DeliverOtp/')).filter((action) => action.includes('Notify')),
    ).toEqual([]);
    expect(functionByPath(synth, '/DeliverOtp/').props.Environment.Variables).not.toHaveProperty(
      'NOTIFY_TIER',
    );
  });

  it('creates a code-verification configuration for the allowed countries and both channels', () => {
    // Act
    const synth = synthStack({ notify: { displayName: 'Acme' }, allowedCountries: ['US', 'CA', 'MX'] });

    // Assess
    synth.template.hasResourceProperties('AWS::SMSVOICE::NotifyConfiguration', {
      DisplayName: 'Acme',
      UseCase: 'CODE_VERIFICATION',
      EnabledChannels: ['SMS', 'VOICE'],
      EnabledCountries: ['US', 'CA', 'MX'],
    });
    expect(functionByPath(synth, '/DeliverOtp/').props.Environment.Variables.NOTIFY_TIER).toBe('BASIC');
    expect(synth.template.findOutputs('NotifyConfigurationId')).not.toEqual({});
  });

  it('grants the hook Notify sends through its configuration only (with the configuration set) and the template read', () => {
    // Act
    const grants = grantsOf(synthStack({ notify: true }), '/DeliverOtp/');

    // Assess
    for (const action of ['sms-voice:SendNotifyTextMessage', 'sms-voice:SendNotifyVoiceMessage']) {
      expect(grants[action]?.some((r) => r.includes('NotifySendersConfiguration'))).toBe(true);
      expect(grants[action]?.join()).not.toMatch(/notify-configuration\/\*/);
    }
    expect(grants['sms-voice:DescribeNotifyTemplates']).toEqual(['"*"']);
    // A Notify configuration is never an origination identity of SendTextMessage.
    expect(grants['sms-voice:SendTextMessage']?.join()).not.toContain('NotifySenders');
  });

  it('routes to the configuration last, and alone where the org has no numbers yet', () => {
    // Act
    const withNumbers = seededRouting(
      synthStack({
        notify: true,
        defaultOriginationIdentity: '+12065550100',
        originationIdentities: { GB: { sms: 'ACMEMFA', voice: '+442079460123' }, JP: '+81312345678' },
        allowedCountries: ['US', 'GB'],
      }),
    );
    const withoutNumbers = seededRouting(
      synthStack({ notify: true, defaultOriginationIdentity: '', originationIdentities: {} }),
    );

    // Assess: JP is not one of the configuration's countries, so its route is left alone
    expect(withNumbers).toMatchObject({
      defaultOriginationIdentity: ['+12065550100', 'notify:<notify-id>'],
      originationIdentities: {
        GB: { sms: ['ACMEMFA', 'notify:<notify-id>'], voice: ['+442079460123', 'notify:<notify-id>'] },
        JP: '+81312345678',
      },
    });
    expect(withoutNumbers.defaultOriginationIdentity).toBe('notify:<notify-id>');
  });

  it('leaves the routing to the operator with route none', () => {
    const routing = seededRouting(synthStack({ notify: { route: 'none' } }));
    expect(JSON.stringify(routing)).not.toContain('notify:');
  });

  it('grants every Notify configuration of the account when a route names one by id, exactly those named by ARN', () => {
    const byId = grantsOf(
      synthStack({ originationIdentities: { US: ['+12065550100', 'notify:nc-1'] } }),
      '/DeliverOtp/',
    );
    const arn = 'arn:aws:sms-voice:eu-west-1:123456789012:notify-configuration/nc-2';
    const byArn = grantsOf(
      synthStack({ originationIdentities: { US: ['+12065550100', arn] } }),
      '/DeliverOtp/',
    );
    expect(byId['sms-voice:SendNotifyTextMessage']?.join()).toMatch(/notify-configuration\/\*/);
    expect(byArn['sms-voice:SendNotifyTextMessage']).toContain(JSON.stringify(arn));
    expect(byArn['sms-voice:SendNotifyTextMessage']?.join()).not.toMatch(/notify-configuration\/\*/);
  });

  it('refuses what AWS refuses: over 30 countries on BASIC, a long display name, unknown keys, channels or tiers', () => {
    const thirtyOne = Array.from(
      { length: 31 },
      (_, i) => `${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}`,
    );
    expect(settingProblems({ notify: true, allowedCountries: thirtyOne }).join('\n')).toContain(
      'notify.countries: a BASIC configuration enables at most 30 countries',
    );
    expect(settingProblems({ notify: { tier: 'ADVANCED' }, allowedCountries: thirtyOne })).toEqual([]);
    expect(settingProblems({ notify: { displayName: 'A very long brand name' } }).join()).toContain(
      'notify.displayName',
    );
    expect(settingProblems({ notify: { colour: 'red' } }).join()).toContain(
      'notify.colour: is not a notify setting',
    );
    expect(settingProblems({ notify: { channels: ['MMS'] } }).join()).toContain('notify.channels');
    expect(settingProblems({ notify: { tier: 'GOLD' } }).join()).toContain('notify.tier');
    expect(settingProblems({ notify: { countries: ['KR'] } }).join()).toContain(
      '"KR" is not in allowedCountries',
    );
  });

  it('needs no number of the org when the configuration is routed', () => {
    expect(
      settingProblems({ notify: true, defaultOriginationIdentity: '', originationIdentities: {} }),
    ).toEqual([]);
    expect(
      settingProblems({
        notify: { route: 'none' },
        defaultOriginationIdentity: '',
        originationIdentities: {},
      }).join(),
    ).toContain('defaultOriginationIdentity');
  });
});
