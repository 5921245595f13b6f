/**
 * The web ACL in front of the API (`HookFirewall`).
 * Each test reads the synthesized CloudFormation, not the CDK objects: that template is what reaches AWS.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Synth, synthStack } from './helpers.js';

let defaults: Synth;

beforeAll(() => {
  defaults = synthStack();
});

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
            RateBasedStatement: { AggregateKeyType: 'IP', Limit: 3000, EvaluationWindowSec: 300 },
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
            ManagedRuleGroupStatement: {
              VendorName: 'AWS',
              Name: 'AWSManagedRulesCommonRuleSet',
              RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
            },
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
    const rules = Object.values(defaults.template.findResources('AWS::WAFv2::WebACL'))[0]!.Properties.Rules;
    expect(rules.map((r: { Name: string }) => r.Name)).not.toContain('OktaIpAllowList');
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

  it('logs to a KMS-encrypted aws-waf-logs-* group with the Authorization header redacted', () => {
    defaults.template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-'),
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OperationsKey'), 'Arn'] },
      RetentionInDays: 30,
    });
    const logging = Object.values(defaults.template.findResources('AWS::WAFv2::LoggingConfiguration'))[0]!
      .Properties;
    expect(JSON.stringify(logging.LogDestinationConfigs)).toMatch(/:log-group:aws-waf-logs-OktaPhoneMfa"/);
    expect(logging.RedactedFields).toEqual([{ SingleHeader: { Name: 'authorization' } }]);
  });
});
