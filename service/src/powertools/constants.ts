/** Service name stamped on every log line and metric (`service` dimension). */
export const SERVICE_NAME = 'okta-phone-mfa';

/** Default CloudWatch metrics namespace; `POWERTOOLS_METRICS_NAMESPACE` overrides it. */
export const METRICS_NAMESPACE = 'OktaPhoneMfa';

/** What Okta shows as the provider in its System Log. */
export const PROVIDER_NAME = 'AWS End User Messaging';

/** Metric names: PascalCase noun with outcome. */
export const MetricName = {
  OtpDelivered: 'OtpDelivered',
  OtpDeliveryFailed: 'OtpDeliveryFailed',
  DeliveryLatency: 'DeliveryLatency',
  IdempotentReplay: 'IdempotentReplay',
  TemplateFallback: 'TemplateFallback',
  AuthorizerDenied: 'AuthorizerDenied',
  DlqWriteFailed: 'DlqWriteFailed',
  IdempotencyStoreUnavailable: 'IdempotencyStoreUnavailable',
} as const;
