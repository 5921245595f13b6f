/**
 * The web ACL in front of the API (`HookFirewall`).
 * Each test reads the synthesized CloudFormation, not the CDK objects: that template is what reaches AWS. The
 * managed-rule decisions are checked against Okta's documented payloads (contracts/fixtures): a rule counted for a
 * reason is shown to have that reason in the fixtures, and a rule left blocking is shown not to match them.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRequestFixtures } from '../../contracts/fixtures/index.js';
import { parseHookRequest } from '../../service/src/domain/hook-request.js';
import { MANAGED_BODY_RULES } from '../lib/constructs/hook-firewall.js';
import { type Synth, synthStack } from './helpers.js';

let defaults: Synth;

// A synth takes seconds on a busy machine: more than vitest's default hook timeout.
beforeAll(() => {
  defaults = synthStack();
}, 60_000);

type Rule = { Name: string; Priority: number; Action?: unknown; Statement: Record<string, any> };

const rulesOf = (synth: Synth): Rule[] =>
  Object.values(synth.template.findResources('AWS::WAFv2::WebACL'))[0]!.Properties.Rules;
const ruleNamed = (synth: Synth, name: string): Rule => {
  const rule = rulesOf(synth).find((r) => r.Name === name);
  if (!rule) throw new Error(`No WAF rule ${name}`);
  return rule;
};
const countedIn = (synth: Synth, group: string): string[] =>
  (ruleNamed(synth, group).Statement.ManagedRuleGroupStatement.RuleActionOverrides ?? []).map(
    (o: { Name: string; ActionToUse: unknown }) => {
      expect(o.ActionToUse).toEqual({ Count: {} });
      return o.Name;
    },
  );

/** Okta's documented payloads, as the raw JSON text WAF inspects (the Body field is the body as sent). */
const bodies = loadRequestFixtures().map(({ name, payload }) => ({
  name,
  payload,
  text: JSON.stringify(payload, null, 2),
}));

describe('edge: AWS WAF', () => {
  it('puts a REGIONAL web ACL with the managed rule sets, a rate rule and a body-size rule on the stage', () => {
    // Assess
    defaults.template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: Match.arrayWith([
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesAmazonIpReputationList' },
          },
        }),
        Match.objectLike({
          Name: 'RatePerIp',
          Action: { Block: {} },
          Statement: {
            RateBasedStatement: { AggregateKeyType: 'IP', Limit: 17000, EvaluationWindowSec: 300 },
          },
        }),
        Match.objectLike({
          Name: 'HookBodySize',
          Action: { Block: {} },
          Statement: {
            SizeConstraintStatement: {
              FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
              ComparisonOperator: 'GT',
              Size: 8192,
            },
          },
        }),
        Match.objectLike({
          Name: 'AWSManagedRulesCommonRuleSet',
          Statement: {
            ManagedRuleGroupStatement: Match.objectLike({
              VendorName: 'AWS',
              Name: 'AWSManagedRulesCommonRuleSet',
            }),
          },
        }),
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' },
          },
        }),
      ]),
    });
    defaults.template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([`/stages/`])]) }),
      WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FirewallWebAcl'), 'Arn'] },
    });
  });

  it('has no IP allow-list rule unless oktaIpAllowList is set', () => {
    defaults.template.resourceCountIs('AWS::WAFv2::IPSet', 0);
    expect(rulesOf(defaults).map((r) => r.Name)).not.toContain('OktaIpAllowList');
  });

  it("blocks every address outside Okta's ranges, IPv4 and IPv6, when oktaIpAllowList is set", () => {
    // Act
    const { template } = synthStack({ oktaIpAllowList: ['203.0.113.0/24', '2001:db8::/32'] });

    // Assess
    template.hasResourceProperties('AWS::WAFv2::IPSet', {
      IPAddressVersion: 'IPV4',
      Addresses: ['203.0.113.0/24'],
    });
    template.hasResourceProperties('AWS::WAFv2::IPSet', {
      IPAddressVersion: 'IPV6',
      Addresses: ['2001:db8::/32'],
    });
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'OktaIpAllowList',
          Priority: 0,
          Action: { Block: {} },
          Statement: { NotStatement: { Statement: { OrStatement: { Statements: Match.anyValue() } } } },
        }),
      ]),
    });
  });

  it('logs to a KMS-encrypted aws-waf-logs-* group, named after the stack and its own id, with the Authorization header redacted', () => {
    // The name ends with the stack id's UUID: a deploy after `cdk destroy` (the group is retained) gets a group of
    // its own instead of failing with "already exists".
    const stackUuid = { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] };
    const name = { 'Fn::Join': ['', ['aws-waf-logs-OktaPhoneMfa-', stackUuid]] };
    defaults.template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: name,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OperationsKey'), 'Arn'] },
      RetentionInDays: 30,
    });
    const logging = Object.values(defaults.template.findResources('AWS::WAFv2::LoggingConfiguration'))[0]!
      .Properties;
    expect(JSON.stringify(logging.LogDestinationConfigs)).toContain(
      `:log-group:aws-waf-logs-OktaPhoneMfa-",${JSON.stringify(stackUuid)}]`,
    );
    expect(logging.RedactedFields).toEqual([{ SingleHeader: { Name: 'authorization' } }]);
  });
});

describe("edge: AWS WAF never throttles Okta's own traffic", () => {
  it("sets the per-IP rate limit above Okta's peak from the fewest egress addresses, over the rule's 5-minute window", () => {
    // Prepare: 50,000 sign-ins in 15 minutes from as few as 2 Okta egress addresses, bursts twice the average.
    const perAddressPer5Minutes = ((50_000 / (15 * 60)) * 300 * 2) / 2;
    const rate = ruleNamed(defaults, 'RatePerIp').Statement.RateBasedStatement;

    // Assess
    expect(perAddressPer5Minutes).toBeCloseTo(16_667, 0);
    expect(rate).toEqual({ AggregateKeyType: 'IP', Limit: 17_000, EvaluationWindowSec: 300 });
    expect(rate.Limit).toBeGreaterThanOrEqual(perAddressPer5Minutes);
    // No scope-down without an allow-list: the one limit must let Okta through.
    expect(rate.ScopeDownStatement).toBeUndefined();
  });

  it('rate-limits only addresses outside oktaIpAllowList when it is set, at 100 per 5 minutes', () => {
    // Act
    const synth = synthStack({ oktaIpAllowList: ['203.0.113.0/24', '2001:db8::/32'] });

    // Assess
    const rate = ruleNamed(synth, 'RatePerIp').Statement.RateBasedStatement;
    expect(rate).toMatchObject({ AggregateKeyType: 'IP', Limit: 100, EvaluationWindowSec: 300 });
    const ipSets = Object.keys(synth.template.findResources('AWS::WAFv2::IPSet')).sort();
    expect(ipSets).toHaveLength(2);
    const excluded = rate.ScopeDownStatement.NotStatement.Statement.OrStatement.Statements.map(
      (s: { IPSetReferenceStatement: { Arn: { 'Fn::GetAtt': [string, string] } } }) =>
        s.IPSetReferenceStatement.Arn['Fn::GetAtt'][0],
    );
    expect(excluded.sort()).toEqual(ipSets);
  });

  it('scopes the rate rule down with the single IP set when oktaIpAllowList has one address family', () => {
    // Act
    const synth = synthStack({ oktaIpAllowList: ['203.0.113.0/24'] });

    // Assess
    const [ipSet] = Object.keys(synth.template.findResources('AWS::WAFv2::IPSet'));
    expect(ruleNamed(synth, 'RatePerIp').Statement.RateBasedStatement.ScopeDownStatement).toEqual({
      NotStatement: { Statement: { IPSetReferenceStatement: { Arn: { 'Fn::GetAtt': [ipSet, 'Arn'] } } } },
    });
  });
});

describe("edge: AWS WAF's managed rules that inspect the body, against Okta's payloads", () => {
  it('counts exactly the body rules decided "count", each with its reason, and overrides nothing else', () => {
    for (const [group, rules] of Object.entries(MANAGED_BODY_RULES)) {
      // Prepare
      const decided = Object.entries(rules);
      const counted = decided.filter(([, d]) => d.action === 'count').map(([rule]) => rule);

      // Assess
      expect(countedIn(defaults, group).sort()).toEqual(counted.sort());
      for (const [rule, decision] of decided) {
        expect(decision.reason.length, `${group}/${rule} has a reason`).toBeGreaterThan(60);
      }
    }
    expect(Object.keys(MANAGED_BODY_RULES.AWSManagedRulesCommonRuleSet).sort()).toEqual([
      'CrossSiteScripting_BODY',
      'EC2MetaDataSSRF_BODY',
      'GenericLFI_BODY',
      'GenericRFI_BODY',
      'SizeRestrictions_BODY',
    ]);
    expect(countedIn(defaults, 'AWSManagedRulesCommonRuleSet').sort()).toEqual([
      'CrossSiteScripting_BODY',
      'GenericRFI_BODY',
      'SizeRestrictions_BODY',
    ]);
    expect(countedIn(defaults, 'AWSManagedRulesKnownBadInputsRuleSet')).toEqual([]);
  });

  it('counts GenericRFI_BODY: every Okta body carries an https:// URL (source) and, after it, an IPv4 address', () => {
    for (const { name, payload, text } of bodies) {
      expect(payload.source, name).toMatch(/^https:\/\/[a-z0-9.-]+\.okta\.com\//);
      expect(payload.data.context.request.ipAddress, name).toMatch(/^\d{1,3}(\.\d{1,3}){3}$/);
      // WAF matches the body as one string: a scheme and, further on, an IPv4 literal.
      expect(text, name).toMatch(/https?:\/\/[\s\S]*\b\d{1,3}(\.\d{1,3}){3}\b/);
    }
  });

  it('counts CrossSiteScripting_BODY: the body carries free text written by people, which the hook accepts with markup in it', async () => {
    for (const { name, payload } of bodies) {
      // Prepare: the free-text fields, set by users, admins or HR sync (names) and the org (its SMS template).
      expect(typeof payload.data.userProfile?.firstName, name).toBe('string');
      expect(typeof payload.data.messageProfile.msgTemplate, name).toBe('string');
      payload.data.userProfile!.lastName = 'Smith <IT>';
      payload.data.messageProfile.msgTemplate = `<Acme> Your code is ${payload.data.messageProfile.otpCode}`;

      // Act
      const parsed = await parseHookRequest(JSON.stringify(payload));

      // Assess: a request the hook delivers, which an XSS pattern match on the body would refuse.
      expect(parsed.otpCode, name).toBe(payload.data.messageProfile.otpCode);
    }
  });

  it('counts SizeRestrictions_BODY: HookBodySize owns the same 8 KB limit, with oversize bodies blocked explicitly', () => {
    const size = ruleNamed(defaults, 'HookBodySize');
    expect(size.Priority).toBeLessThan(ruleNamed(defaults, 'AWSManagedRulesCommonRuleSet').Priority);
    expect(size.Statement.SizeConstraintStatement).toMatchObject({
      FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
      ComparisonOperator: 'GT',
      Size: 8192,
    });
    for (const { name, text } of bodies) expect(Buffer.byteLength(text), name).toBeLessThan(8192 / 4);
  });

  it("leaves blocking the body rules whose patterns Okta's payloads never contain", () => {
    // What each rule looks for, per AWS's rule descriptions.
    const triggers: Record<string, RegExp> = {
      GenericLFI_BODY: /\.\.[/\\]/,
      EC2MetaDataSSRF_BODY: /169\.254\.169\.254|fd00:ec2::254/i,
      Log4JRCE_BODY: /\$\{/,
      JavaDeserializationRCE_BODY: /java\.lang\.|getRuntime|rO0AB/i,
    };
    const blocking = Object.values(MANAGED_BODY_RULES).flatMap((rules) =>
      Object.entries(rules)
        .filter(([, d]) => d.action === 'block')
        .map(([rule]) => rule),
    );
    expect(blocking.sort()).toEqual(Object.keys(triggers).sort());
    for (const rule of blocking) {
      for (const { name, text } of bodies) expect(text, `${rule} vs ${name}`).not.toMatch(triggers[rule]!);
    }
  });
});
