/** Service name stamped on every log line and metric (`service` dimension). */
export const SERVICE_NAME = 'okta-phone-mfa';

/** Default CloudWatch metrics namespace; `POWERTOOLS_METRICS_NAMESPACE` overrides it. */
export const METRICS_NAMESPACE = 'OktaPhoneMfa';

/** Metric names: PascalCase noun with outcome. */
export const MetricName = {
  /** A code End User Messaging accepted (dimension sets `{channel}` and `{country}`). */
  OtpDelivered: 'OtpDelivered',
  /** A connection check (`npm run okta:connect` through Okta's `execute`): answered SUCCESSFUL, nothing sent. */
  ConnectionCheck: 'ConnectionCheck',
  OtpDeliveryFailed: 'OtpDeliveryFailed',
  DeliveryLatency: 'DeliveryLatency',
  IdempotentReplay: 'IdempotentReplay',
  TemplateFallback: 'TemplateFallback',
  TemplateMissingCode: 'TemplateMissingCode',
  AuthorizerDenied: 'AuthorizerDenied',
  DlqWriteFailed: 'DlqWriteFailed',
  /** The hook wrote a failed delivery's DLQ record (Okta got an error object and used its own providers). */
  DeliveryDeadLettered: 'DeliveryDeadLettered',
  /**
   * The receipt handler wrote a final failure receipt's DLQ record (Okta already got SUCCESSFUL; the code never
   * arrived): dimension sets `{channel}` and `{channel, country}`.
   */
  ReceiptDeadLettered: 'ReceiptDeadLettered',
  /** A message's final receipt, whatever its status (dimension sets `{channel}` and `{channel, country}`). */
  FinalReceipt: 'FinalReceipt',
  IdempotencyStoreUnavailable: 'IdempotencyStoreUnavailable',
  /** A request served without the fingerprint key: delivered, but with no replay check stored. */
  FingerprintKeyUnavailable: 'FingerprintKeyUnavailable',
  /** A request the abuse guard refused (dimensions `reason`, `channel`): nothing sent. */
  OtpBlocked: 'OtpBlocked',
  /** The abuse guard's table could not be reached in time: delivered without the guard (fail open). */
  AbuseGuardUnavailable: 'AbuseGuardUnavailable',
  /**
   * A message's final delivery receipt from End User Messaging, one per message (dimension sets `{channel, status}`
   * and `{channel, status, country}`); intermediate receipts are logged, not counted.
   */
  OtpReceipt: 'OtpReceipt',
  /** Milliseconds from the send to the handset's delivery receipt (dimension `channel`). */
  TimeToHandset: 'TimeToHandset',
  /**
   * A code sent whose use Okta reports (sign-in and enrolment, not password reset or unlock): the conversion rate's
   * denominator (dimension `channel`).
   */
  OtpConvertible: 'OtpConvertible',
  /** A code the user typed: Okta's MFA success marked the message RECEIVED (dimension `channel`). */
  OtpConverted: 'OtpConverted',
  /** A message whose code expired unused: the sweep marked it FAILED (dimension `channel`). */
  OtpExpiredUnused: 'OtpExpiredUnused',
  /** PutMessageFeedback failed (dimension `feedback`: RECEIVED or FAILED). */
  MessageFeedbackFailed: 'MessageFeedbackFailed',
  /** The hook could not remember a sent message in the messages table (the delivery stands). */
  MessageStateWriteFailed: 'MessageStateWriteFailed',
  /**
   * The sweep found codes waiting for Okta's events to prove them unused while no Okta event has arrived for 15 minutes
   * (event source not connected, Log Streaming paused): the low-conversion deny is paused.
   */
  ConversionSignalMissing: 'ConversionSignalMissing',
  /** A prefix with many sends and almost no conversions was denied for hours through the guard's deny list. */
  LowConversionPrefixDenied: 'LowConversionPrefixDenied',
  /** Okta's System Log says the telephony hook failed or timed out (dimension `kind`): Okta sent the code itself. */
  OktaHookFailure: 'OktaHookFailure',
  /** A send refused in a way that proves it was not accepted, retried from the next identity (dimension `reason`). */
  OriginationFailover: 'OriginationFailover',
  /**
   * A resend went out from the route's next identity: the previous code to the same user and number had no success
   * receipt (dimension `reason`: `failed`, `no_receipt`).
   */
  ResendEscalated: 'ResendEscalated',
  /** One paid `CarrierLookup` at enrolment (dimension `lineType`: MOBILE, LANDLINE, OTHER, INVALID, unknown). */
  CarrierLookup: 'CarrierLookup',
  /** A line type could not be looked up or read in time (dimension `source`): the numbering plan decided. */
  CarrierLookupFailed: 'CarrierLookupFailed',
  /** A resend's previous send could not be read in time: routed as any request (fail open). */
  ResendHistoryUnavailable: 'ResendHistoryUnavailable',
} as const;
