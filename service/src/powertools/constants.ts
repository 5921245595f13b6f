/** Service name stamped on every log line and metric (`service` dimension). */
export const SERVICE_NAME = 'okta-phone-mfa';

/** Default CloudWatch metrics namespace; `POWERTOOLS_METRICS_NAMESPACE` overrides it. */
export const METRICS_NAMESPACE = 'OktaPhoneMfa';

/** Metric names: PascalCase noun with outcome. */
export const MetricName = {
  OtpDelivered: 'OtpDelivered',
  OtpDeliveryFailed: 'OtpDeliveryFailed',
  DeliveryLatency: 'DeliveryLatency',
  IdempotentReplay: 'IdempotentReplay',
  TemplateFallback: 'TemplateFallback',
  TemplateMissingCode: 'TemplateMissingCode',
  AuthorizerDenied: 'AuthorizerDenied',
  DlqWriteFailed: 'DlqWriteFailed',
  IdempotencyStoreUnavailable: 'IdempotencyStoreUnavailable',
  /** A request served without the fingerprint key: delivered, but with no replay check stored. */
  FingerprintKeyUnavailable: 'FingerprintKeyUnavailable',
  /** A request the abuse guard refused (dimensions `reason`, `channel`): nothing sent. */
  OtpBlocked: 'OtpBlocked',
  /** The abuse guard's table could not be reached in time: delivered without the guard (fail open). */
  AbuseGuardUnavailable: 'AbuseGuardUnavailable',
} as const;
