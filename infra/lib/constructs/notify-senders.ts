import * as smsvoice from 'aws-cdk-lib/aws-smsvoice';
import { Construct } from 'constructs';
import { NOTIFY_PREFIX } from '../../../service/src/domain/notify.js';
import type { NotifySettings } from '../settings.js';

/**
 * AWS-managed senders: an End User Messaging Notify configuration for code verification (`notify` setting). AWS
 * reviews the display name and activates the configuration (PENDING, then ACTIVE, usually within seconds; sends are
 * refused until then, and the route's other identities take them). It starts on the BASIC tier; an upgrade to
 * ADVANCED is requested from AWS, not written here.
 */
export class NotifySenders extends Construct {
  /** The configuration's ARN: what the hook's role may send through. */
  public readonly arn: string;
  /** The configuration's id (`nc-…`). */
  public readonly id: string;
  /** The origination identity routes name it by: `notify:<id>`. */
  public readonly identity: string;

  constructor(scope: Construct, id: string, props: { settings: NotifySettings }) {
    super(scope, id);
    const { settings } = props;
    const configuration = new smsvoice.CfnNotifyConfiguration(this, 'Configuration', {
      displayName: settings.displayName,
      useCase: 'CODE_VERIFICATION',
      enabledChannels: settings.channels,
      enabledCountries: settings.countries,
    });
    this.arn = configuration.attrNotifyConfigurationArn;
    this.id = configuration.attrNotifyConfigurationId;
    this.identity = `${NOTIFY_PREFIX}${this.id}`;
  }
}
