import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** Properties of {@link HookFirewall}. */
export interface HookFirewallProps {
  /** ARN of the API Gateway stage to protect. */
  readonly stageArn: string;
  /** CIDRs allowed to call the API (Okta's published ranges); empty = no allow-list rule. */
  readonly ipAllowList: string[];
  /**
   * Requests per IP per 5 minutes before the IP is blocked. All of an org's OTP requests come from a handful of
   * Okta addresses, so this is a ceiling for a misbehaving caller, not a per-user limit.
   * @default 3000
   */
  readonly ratePerIpPer5Minutes?: number;
  /**
   * Largest request body accepted, in bytes. Okta's hook payload is about 1.5 KB; the schema's own limits
   * (1,600-character `msgTemplate`, 3 bytes per character at worst) keep it under 6 KB.
   * @default 8192
   */
  readonly maxBodyBytes?: number;
  /** Key that encrypts the WAF log group. */
  readonly logKey: kms.IKey;
  /** Retention of the WAF log group. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * The REGIONAL web ACL in front of the hook API: an optional Okta IP allow-list, AWS IP reputation, a rate limit per
 * IP, a body-size limit that fits the hook payload, and AWS's common and known-bad-inputs rule sets. Its logs go to
 * an encrypted `aws-waf-logs-*` log group, with the `Authorization` header redacted.
 */
export class HookFirewall extends Construct {
  /** The web ACL. */
  public readonly webAcl: wafv2.CfnWebACL;
  /** The web ACL's name (the `WebACL` dimension of its metrics). */
  public readonly webAclName: string;
  /** Where WAF logs go. */
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HookFirewallProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.webAclName = `${stack.stackName}-hook`;
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const managed = (name: string, priority: number, overrides?: string[]): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ...(overrides
            ? { ruleActionOverrides: overrides.map((rule) => ({ name: rule, actionToUse: { count: {} } })) }
            : {}),
        },
      },
      visibilityConfig: visibility(name),
    });

    const rules: wafv2.CfnWebACL.RuleProperty[] = [];
    const allowListStatement = this.allowListStatement(props.ipAllowList);
    if (allowListStatement) {
      rules.push({
        name: 'OktaIpAllowList',
        priority: 0,
        action: { block: {} },
        statement: { notStatement: { statement: allowListStatement } },
        visibilityConfig: visibility('OktaIpAllowList'),
      });
    }
    rules.push(
      managed('AWSManagedRulesAmazonIpReputationList', 10),
      {
        name: 'RatePerIp',
        priority: 20,
        action: { block: {} },
        statement: {
          rateBasedStatement: {
            limit: props.ratePerIpPer5Minutes ?? 3000,
            aggregateKeyType: 'IP',
            evaluationWindowSec: 300,
          },
        },
        visibilityConfig: visibility('RatePerIp'),
      },
      {
        // Owns the body-size decision: the common rule set's SizeRestrictions_BODY is counted only, so the limit
        // and what happens to bodies past WAF's inspection window (treated as a match) are explicit here.
        name: 'HookBodySize',
        priority: 30,
        action: { block: {} },
        statement: {
          sizeConstraintStatement: {
            fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
            comparisonOperator: 'GT',
            size: props.maxBodyBytes ?? 8192,
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        },
        visibilityConfig: visibility('HookBodySize'),
      },
      managed('AWSManagedRulesCommonRuleSet', 40, ['SizeRestrictions_BODY']),
      managed('AWSManagedRulesKnownBadInputsRuleSet', 50),
    );

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: this.webAclName,
      scope: 'REGIONAL',
      description: 'Okta telephony inline hook: only Okta-shaped traffic reaches API Gateway',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('OktaPhoneMfaHook'),
      rules,
    });

    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn,
    });

    const logGroupName = `aws-waf-logs-${stack.stackName}`;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName,
      encryptionKey: props.logKey,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logging = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // WAF wants the log group ARN without the trailing ":*" that LogGroup.logGroupArn carries.
      logDestinationConfigs: [
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      // Okta's bearer token must never be written to logs.
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
    });
    logging.node.addDependency(this.logGroup);
  }

  private allowListStatement(cidrs: string[]): wafv2.CfnWebACL.StatementProperty | undefined {
    if (cidrs.length === 0) return undefined;
    const sets = (['IPV4', 'IPV6'] as const)
      .map((version) => ({
        version,
        addresses: cidrs.filter((cidr) => (version === 'IPV6') === cidr.includes(':')),
      }))
      .filter((set) => set.addresses.length > 0)
      .map(
        (set) =>
          new wafv2.CfnIPSet(this, `OktaRanges${set.version}`, {
            scope: 'REGIONAL',
            ipAddressVersion: set.version,
            addresses: set.addresses,
            description: `Okta published ${set.version} ranges allowed to call the hook`,
          }),
      );
    const statements = sets.map((set) => ({ ipSetReferenceStatement: { arn: set.attrArn } }));
    return statements.length === 1 ? statements[0] : { orStatement: { statements } };
  }
}
