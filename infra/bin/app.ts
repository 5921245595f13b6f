/**
 * The CDK app: `npm run synth` / `npm run deploy` (run with tsx). Settings come from CDK context (defaults in
 * cdk.json) and are validated before anything is built; cdk-nag's AwsSolutions checks run at synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OktaPhoneMfaStack } from '../lib/okta-phone-mfa-stack.js';
import { readSettings, SettingsError } from '../lib/settings.js';

const app = new App();
try {
  const settings = readSettings((key) => app.node.tryGetContext(key));
  new OktaPhoneMfaStack(app, app.node.tryGetContext('stackName') ?? 'OktaPhoneMfa', {
    settings,
    description: 'okta-phone-mfa: Okta telephony inline hook delivering OTPs through AWS End User Messaging',
    // Unset offline: the template stays environment-agnostic and synthesizes without credentials.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (error) {
  if (error instanceof SettingsError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
