import { ArnFormat, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { NON_OKTA_RATE_LIMIT, oktaSafeRateLimit, RATE_WINDOW_SECONDS } from '../okta-traffic.js';

/** What this web ACL does with one managed rule that inspects the request body, and why. */
export type BodyRuleDecision = {
  /** `count`: overridden to COUNT (still labelled and counted in metrics); `block`: the rule's own action. */
  readonly action: 'count' | 'block';
  readonly reason: string;
};

/**
 * Every rule of the managed groups used here that inspects the body, checked against Okta's real payloads
 * (contracts/fixtures; infra/test/firewall.test.ts shows each reason in them). A rule that could block a legitimate
 * hook request is counted, not enforced: a block is a non-200 answer, and Okta then sends that user's code through
 * its own, heavily rate-limited providers. The AWS rule descriptions are in the WAF developer guide ("AWS Managed
 * Rules rule groups list"). `AWSManagedRulesSQLiRuleSet` (`SQLi_BODY`) is not used: the hook has no SQL, and
 * names such as O'Brien are what it looks for.
 */
export const MANAGED_BODY_RULES = {
  AWSManagedRulesCommonRuleSet: {
    SizeRestrictions_BODY: {
      action: 'count',
      reason:
        'Blocks bodies over 8 KB, the limit HookBodySize already enforces before this group: one rule owns the decision, its limit is a prop, and a body past WAF inspection window is explicitly a match (oversizeHandling MATCH).',
    },
    GenericRFI_BODY: {
      action: 'count',
      reason:
        'Looks for remote file inclusion: URLs (http, https, ftp, file) with an address in the body. Every Okta request carries one: source is https://{org}.okta.com/api/v1/inlineHooks/{id}, and data.context.request.ipAddress, an IPv4 literal, follows it in the same body. A false positive would send every code of the org to Okta fallback providers, and the hook never fetches or includes a URL from the body.',
    },
    CrossSiteScripting_BODY: {
      action: 'count',
      reason:
        'Looks for HTML and script markup in the body. The body carries free text written by people, not by Okta: userProfile names and login (users, admins, HR sync) and messageProfile.msgTemplate (the org SMS template), which the hook schema accepts whatever they hold. The hook renders no HTML from the body (voice SSML escapes every value), so XSS has no sink here.',
    },
    GenericLFI_BODY: {
      action: 'block',
      reason:
        'Looks for path traversal (../). Okta sends ids, names, a phone number, a code, a locale, timestamps and its own request path: none holds a traversal sequence.',
    },
    EC2MetaDataSSRF_BODY: {
      action: 'block',
      reason:
        'Looks for the EC2 metadata address (169.254.169.254). The only address in the body is the user public IP (ipAddress), never link-local.',
    },
  },
  AWSManagedRulesKnownBadInputsRuleSet: {
    Log4JRCE_BODY: {
      action: 'block',
      reason:
        'Looks for Log4j JNDI lookups (a dollar sign, a brace, jndi:). Okta renders its template variables before sending (msgTemplate holds the text with the code), so no such expression reaches the body.',
    },
    JavaDeserializationRCE_BODY: {
      action: 'block',
      reason:
        'Looks for Java deserialization and command gadgets (java.lang.Runtime, serialized objects). Not part of a JSON hook body.',
    },
  },
} as const satisfies Record<string, Record<string, BodyRuleDecision>>;

type ManagedGroupName = keyof typeof MANAGED_BODY_RULES | 'AWSManagedRulesAmazonIpReputationList';

/** Properties of {@link HookFirewall}. */
export interface HookFirewallProps {
  /** ARN of the API Gateway stage to protect. */
  readonly stageArn: string;
  /** CIDRs allowed to call the API (Okta's published ranges); empty = no allow-list rule. */
  readonly ipAllowList: string[];
  /**
   * Requests per IP per 5 minutes before the IP is blocked, when `ipAllowList` is empty and the rule therefore sees
   * Okta too. All of an org's OTP requests come from a handful of Okta egress addresses, so the default is Okta's
   * documented peak per address (50,000 sign-ins in 15 minutes from as few as 2 addresses, bursts twice the
   * average: 16,667 per 5 minutes; see okta-traffic.ts), rounded up: a ceiling for a flood, never for Okta.
   * @default 17000
   */
  readonly ratePerIpPer5Minutes?: number;
  /**
   * Requests per IP per 5 minutes for addresses outside `ipAllowList`, when it is set: the rate rule is then scoped
   * down to those addresses, so Okta's own traffic is never counted. (They are blocked by the allow-list rule first;
   * this limit still holds if that rule is ever switched to count.)
   * @default 100
   */
  readonly nonOktaRatePerIpPer5Minutes?: number;
  /**
   * Largest request body accepted, in bytes. Okta's hook payload is about 1.5 KB; the schema's own limits
   * (1,600-character `msgTemplate`, 3 bytes per character at worst) keep it under 6 KB.
   * @default 8192
   */
  readonly maxBodyBytes?: number;
  /**
   * The Okta event hook route (`/okta-events`, setting `oktaEventHook`), when there is one: its bodies are batches
   * of System Log events, several KB each, so `maxBodyBytes` does not apply to it (API Gateway's own 10 MB limit
   * does). Every other rule still does.
   * @default - no event hook route: the body limit applies to every path
   */
  readonly eventHookPath?: string;
  /** Key that encrypts the WAF log group. */
  readonly logKey: kms.IKey;
  /** Retention of the WAF log group. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * The REGIONAL web ACL in front of the hook API: an optional Okta IP allow-list, AWS IP reputation, a rate limit per
 * IP that never counts Okta (scoped to addresses outside the allow-list when there is one, else above Okta's peak),
 * a body-size limit that fits the hook payload, and AWS's common and known-bad-inputs rule sets, with the body rules
 * that could match Okta's payloads counted ({@link MANAGED_BODY_RULES}). Its logs go to an encrypted
 * `aws-waf-logs-*` log group, with the `Authorization` header redacted.
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
    const managed = (name: ManagedGroupName, priority: number): wafv2.CfnWebACL.RuleProperty => {
      const decisions: Record<string, BodyRuleDecision> =
        name in MANAGED_BODY_RULES ? MANAGED_BODY_RULES[name as keyof typeof MANAGED_BODY_RULES] : {};
      const counted = Object.entries(decisions)
        .filter(([, decision]) => decision.action === 'count')
        .map(([rule]) => rule);
      return {
        name,
        priority,
        overrideAction: { none: {} },
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name,
            ...(counted.length > 0
              ? { ruleActionOverrides: counted.map((rule) => ({ name: rule, actionToUse: { count: {} } })) }
              : {}),
          },
        },
        visibilityConfig: visibility(name),
      };
    };

    const rules: wafv2.CfnWebACL.RuleProperty[] = [];
    const allowListStatement = this.allowListStatement(props.ipAllowList);
    const notOkta = allowListStatement ? { notStatement: { statement: allowListStatement } } : undefined;
    if (notOkta) {
      rules.push({
        name: 'OktaIpAllowList',
        priority: 0,
        action: { block: {} },
        statement: notOkta,
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
          // With an allow-list, only what is not Okta is counted; without one, the limit is above Okta's peak.
          rateBasedStatement: notOkta
            ? {
                limit: props.nonOktaRatePerIpPer5Minutes ?? NON_OKTA_RATE_LIMIT,
                aggregateKeyType: 'IP',
                evaluationWindowSec: RATE_WINDOW_SECONDS,
                scopeDownStatement: notOkta,
              }
            : {
                limit: props.ratePerIpPer5Minutes ?? oktaSafeRateLimit(),
                aggregateKeyType: 'IP',
                evaluationWindowSec: RATE_WINDOW_SECONDS,
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
        statement: this.bodySizeStatement(props.maxBodyBytes ?? 8192, props.eventHookPath),
        visibilityConfig: visibility('HookBodySize'),
      },
      managed('AWSManagedRulesCommonRuleSet', 40),
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

    // WAF takes only log groups named aws-waf-logs-*. The group is retained (the WAF logs outlive the stack), so a
    // fixed name would make the next deploy after a `cdk destroy` fail with "already exists": the name ends with this
    // stack's own id (a new UUID each time the stack is created), and a redeploy gets a group of its own.
    const logGroupName = Fn.join('', [
      'aws-waf-logs-',
      stack.stackName,
      '-',
      Fn.select(2, Fn.split('/', stack.stackId)),
    ]);
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

  /** Bodies over `maxBytes` (or past WAF's inspection window), on every path but the event hook's, if any. */
  private bodySizeStatement(maxBytes: number, eventHookPath?: string): wafv2.CfnWebACL.StatementProperty {
    const tooLarge: wafv2.CfnWebACL.StatementProperty = {
      sizeConstraintStatement: {
        fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
        comparisonOperator: 'GT',
        size: maxBytes,
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    };
    if (!eventHookPath) return tooLarge;
    // ENDS_WITH: the path WAF sees may carry the stage in front (/prod/okta-events).
    const onEventHook: wafv2.CfnWebACL.StatementProperty = {
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint: 'ENDS_WITH',
        searchString: eventHookPath,
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    };
    return { andStatement: { statements: [tooLarge, { notStatement: { statement: onEventHook } }] } };
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
