/**
 * The messages table: what became of each code after End User Messaging took it. One schema, read by the handlers
 * (hook, receipts, verification, sweep), the CDK stack, the local stack's dynalite and `npm run trace`.
 *
 * Items (all with `expiresAt`, epoch seconds, the table's TTL):
 * - a message: `pk = message#<MessageId>`, `sk = message`; written by the hook after the send (event id, request
 *   type, channel, country, masked number, number prefix, Okta user id, origination identity, sent time, the code's
 *   expiry), then updated by each receipt (idempotent per receipt) and by the feedback (RECEIVED or FAILED);
 *   `sweepBucket` and `prefix` are kept while the message waits for its code to be used or to expire and until its
 *   settlement is final (`domain/conversion.ts`: `feedback`, `countedAs`, `feedbackPut`);
 * - a user's latest message of a channel: `pk = user#<userId>#<channel>`, `sk = latest`, `messageId`, `sentAt`,
 *   `codeExpiresAt`; outlives the code by the re-credit window, so Okta's "MFA verified" event for that user and factor
 *   finds the message to mark RECEIVED, also late;
 * - a prefix's hour: `pk = prefix#<prefix>`, `sk = hour#<YYYY-MM-DDTHH>`, `settled`, `converted`, and the tokens of the
 *   messages counted (`seen`, `used`), so each is counted once;
 * - an Okta event handled (`okta-event#<uuid>`) and the conversion signal (`signal#okta`).
 *
 * Never the code, never the full phone number.
 */
export const MESSAGES_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** TTL attribute (epoch seconds). */
  ttlAttribute: 'expiresAt',
  indexes: {
    /** Messages by Okta event id (`npm run trace -- <eventId>`). Keys only projected is not enough: ALL. */
    byEvent: { name: 'byEvent', partitionKey: 'eventId' },
    /**
     * Messages not yet settled, by the hour they were sent (`sweepBucket = pending#YYYY-MM-DDTHH`), sorted by the
     * code's expiry (`codeExpiresAt`, a number): the sweep's Query. Sparse: a settled message leaves the index.
     */
    pending: { name: 'pending', partitionKey: 'sweepBucket', sortKey: 'codeExpiresAt' },
  },
} as const;

/** How long a message's story is kept after the send (receipts can come days later for a retried carrier). */
export const MESSAGE_RETENTION_SECONDS = 7 * 24 * 3600;

/**
 * How long after a code's expiry Okta's "verified" event still counts, and the sweep waits before calling it unused:
 * a code typed in its last second reaches us through Log Streaming or an event hook seconds to minutes later. With
 * the 5-minute sweep, an unused code is still settled within 10 minutes of its expiry.
 */
export const VERIFICATION_GRACE_SECONDS = 180;

/** Sort key of a message item. */
export const MESSAGE_SK = 'message';
/** Sort key of a user's latest-message pointer. */
export const LATEST_SK = 'latest';

/** Partition key of a message item. */
export const messageKey = (messageId: string) => ({
  pk: `message#${messageId}`,
  sk: MESSAGE_SK as typeof MESSAGE_SK,
});

/** Partition key of a user's latest message of a channel (`sms` or `voice`). */
export const latestKey = (userId: string, channel: string) => ({
  pk: `user#${userId}#${channel}`,
  sk: LATEST_SK,
});

/** Sort key of a user's last send, what a resend compares with (`domain/resend.ts`). */
export const LAST_SEND_SK = 'last-send';

/** Key of a user's last send, whatever the channel or request type. */
export const lastSendKey = (userId: string) => ({ pk: `user#${userId}`, sk: LAST_SEND_SK });

/**
 * A user's last send: which message, from which identity, to which number (its keyed digest, never the number).
 * Kept an hour past the code's expiry: a resend asks within the code's life.
 */
export type LastSendItem = {
  messageId: string;
  channel: 'sms' | 'voice';
  originationIdentity: string;
  /** `numberDigestOf`: HMAC of the number under the fingerprint key. */
  numberDigest: string;
  sentAt: number;
  expiresAt: number;
};

/**
 * Key of a number's line type from its carrier (`domain/line-type.ts`), by the keyed digest of the number:
 * `{lineType, checkedAt, expiresAt}`.
 */
export const lineTypeKey = (numberDigest: string) => ({ pk: `line#${numberDigest}`, sk: 'type' });

/** How long a last-send item outlives its code, in seconds. */
export const LAST_SEND_RETENTION_AFTER_EXPIRY_SECONDS = 3600;

/** The sweep bucket of a message sent at `epochMs`: one partition per hour. */
export const sweepBucketOf = (epochMs: number) => `pending#${new Date(epochMs).toISOString().slice(0, 13)}`;

/** Partition key of a prefix's settlement counter of the hour a message was sent in (`YYYY-MM-DDTHH`, UTC). */
export const prefixHourKey = (prefix: string, sentAtMs: number) => ({
  pk: `prefix#${prefix}`,
  sk: `hour#${new Date(sentAtMs).toISOString().slice(0, 13)}`,
});

/** How long a prefix's hourly counter is kept (the sweep reads it within hours; a day is plenty). */
export const PREFIX_COUNTER_RETENTION_SECONDS = 2 * 24 * 3600;

/**
 * Key of the item that marks an Okta System Log event as handled (a verification credited, a hook failure counted), so
 * a redelivery is not.
 */
export const oktaEventKey = (uuid: string) => ({ pk: `okta-event#${uuid}`, sk: 'seen' });

/** How long an Okta event id is remembered (EventBridge and the event hook redeliver within hours). */
export const OKTA_EVENT_RETENTION_SECONDS = 24 * 3600;

/**
 * Key of the conversion signal: the latest `published` of any Okta System Log event received (`publishedAt`, epoch
 * ms) and when it arrived (`arrivedAt`). The sweep counts a code as unused only once Okta has been heard from past
 * the code's expiry (`domain/conversion.ts`).
 */
export const CONVERSION_SIGNAL_KEY = { pk: 'signal#okta', sk: 'latest' } as const;

/** Feedback given to End User Messaging for a message (`PutMessageFeedback`). */
export type MessageFeedback = 'RECEIVED' | 'FAILED';

/**
 * A message item as the hook writes it (numbers are epoch: `sentAt` milliseconds, `codeExpiresAt` and `expiresAt`
 * seconds). Receipts (`receipts`, `receiptIds`, `deliveryStatus`, …) and feedback (`feedback`, `feedbackAt`) are
 * added later.
 */
export type MessageItem = {
  pk: string;
  sk: typeof MESSAGE_SK;
  messageId: string;
  eventId: string;
  requestType: string;
  channel: 'sms' | 'voice';
  country: string;
  /**
   * The channel Okta asked for, when the message went out on another (the voice fallback calls a landline Okta asked
   * to text): Okta's MFA event names the factor it asked for, so the user's latest-message pointer is keyed by it.
   */
  requestedChannel?: 'sms' | 'voice';
  /** Masked (`maskPhone`). */
  phone: string;
  /**
   * E.164 without its last 3 digits: the abuse guard's prefix key, and the settlement counter's. Only where conversion
   * is measured, and only until the message is settled: beside the masked number it spells the whole number.
   */
  prefix?: string;
  userId?: string;
  /** Okta's `isResend` (2026.09), when Okta said. */
  isResend?: boolean;
  /** Okta's `context.app.clientId` (2026.09): the app of the sign-in, when Okta said. */
  appClientId?: string;
  originationIdentity: string;
  sentAt: number;
  codeExpiresAt: number;
  /** Only where conversion is measured: a message nobody can mark used is never swept. */
  sweepBucket?: string;
  expiresAt: number;
};
