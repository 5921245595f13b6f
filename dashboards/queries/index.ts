/**
 * Saved CloudWatch Logs Insights queries for on-call, deployed as `AWS::Logs::QueryDefinition` under the
 * `okta-phone-mfa/` folder of the Logs Insights console. Each also works pasted by hand.
 *
 * The field names are the service's log keys (Powertools Logger JSON): `message`, `eventId`, `requestId`,
 * `requestType`, `channel`, `country`, `outcome` (`delivered`, `failed`, `pending`, `rejected`, `error`), `reason`,
 * `elapsedMs`, `cold_start`. No query reads a phone number or a code: neither is ever logged (only a masked number:
 * the country code and the last 3 digits). No line carries a number prefix either: a prefix (the number without its
 * last 3 digits) beside the masked number would spell the whole number, so prefix counts live only in the abuse
 * guard's table (`npm run abuse -- status <prefix>`).
 */

/**
 * Which log groups a query runs over: the functions' (`receipts` = record-delivery-event; `verification` and
 * `sweep` exist only when conversion is measured) and API Gateway's access log.
 */
export type QueryLogGroup = 'hook' | 'authorizer' | 'access' | 'receipts' | 'verification' | 'sweep';

/** One saved query. */
export type SavedQuery = {
  /** Stable id (construct id and file-like name). */
  id: string;
  /** Name shown in the console, under the `okta-phone-mfa/` folder. */
  name: string;
  /** When on-call reaches for it. */
  description: string;
  /** Log groups it is saved with. */
  logGroups: QueryLogGroup[];
  /** The Logs Insights query. */
  query: string;
};

/** The hook's log messages the abuse queries and the dashboard's "Abuse guard" row read. */
export const LOG_MESSAGES = {
  delivered: 'OTP delivered',
  refused: 'OTP refused by the abuse guard',
} as const;

/** Replace this placeholder with the `eventId` (or Okta `requestId`) from Okta's System Log or the DLQ record. */
export const EVENT_ID_PLACEHOLDER = 'PASTE-EVENT-ID';

/** Characters an Okta event id (a UUID or `evt…`), a request id or an End User Messaging MessageId are made of. */
const TRACE_ID = /^[A-Za-z0-9_:.-]{1,128}$/;

/**
 * The Logs Insights query for one code's story, as `npm run trace` runs it and the saved "one-code-story" query
 * holds it: every line of the hook, the receipt handler, the verification handler and the sweep that names the id
 * as Okta's `eventId`, Okta's `requestId` or End User Messaging's `messageId`, oldest first. The fields are the
 * log keys the handlers share (request, send, receipts, feedback); a masked number at most, never a code.
 *
 * @param eventIdOrMessageId - an Okta event id, request id or End User Messaging MessageId
 * @throws {Error} when the id holds a character no such id has (a quote would change the query)
 */
export function traceQuery(eventIdOrMessageId: string): string {
  const id = eventIdOrMessageId.trim();
  if (!TRACE_ID.test(id)) {
    throw new Error(
      `Not an event id, request id or message id: ${JSON.stringify(eventIdOrMessageId)} (letters, digits, "_", ":", ".", "-")`,
    );
  }
  return [
    'fields @timestamp, @log, level, message, eventId, requestId, requestType, channel, country, maskedNumber, outcome, reason, originationIdentity, messageId, status, feedback, elapsedMs',
    `| filter eventId = "${id}" or requestId = "${id}" or messageId = "${id}"`,
    '| sort @timestamp asc',
    '| limit 200',
  ].join('\n');
}

/**
 * The dashboard's "Funnel by country" table over the hook, receipt and verification logs: one row per country,
 * channel and stage, where the stage is the hook's `accepted` (its "OTP delivered" line), a receipt's `status`
 * (delivered, carrier_unreachable, blocked, completed…) or the feedback (`RECEIVED` when the code was used).
 */
export const FUNNEL_BY_COUNTRY_QUERY: string[] = [
  `filter ispresent(country) and (message = "${LOG_MESSAGES.delivered}" or ispresent(status) or ispresent(feedback))`,
  '| fields coalesce(feedback, status, "accepted") as stage',
  '| stats count(*) as messages by country, channel, stage',
  '| sort country asc, messages desc',
  '| limit 100',
];

/** The saved queries. */
export const SAVED_QUERIES: SavedQuery[] = [
  {
    id: 'OneCodeStory',
    name: 'okta-phone-mfa/one-code-story',
    description:
      "One code's story, as npm run trace tells it: the hook request, the send, each receipt and whether the code was used. Paste an Okta eventId or an End User Messaging MessageId.",
    logGroups: ['hook', 'receipts', 'verification', 'sweep'],
    query: traceQuery(EVENT_ID_PLACEHOLDER),
  },
  {
    id: 'OneRequestByEventId',
    name: 'okta-phone-mfa/one-request-by-event-id',
    description:
      "Everything logged for one Okta request: paste the eventId from Okta's System Log or a DLQ record.",
    logGroups: ['hook', 'authorizer'],
    query: [
      'fields @timestamp, @log, level, message, eventId, requestId, requestType, channel, country, outcome, reason, elapsedMs, attempts, replay, templateLevel, messageId, cold_start, function_request_id',
      `| filter eventId = "${EVENT_ID_PLACEHOLDER}" or requestId = "${EVENT_ID_PLACEHOLDER}"`,
      '| sort @timestamp asc',
      '| limit 200',
    ].join('\n'),
  },
  {
    id: 'ErrorsByReason',
    name: 'okta-phone-mfa/errors-by-reason',
    description: 'Failed, rejected and errored requests grouped by reason, channel and country.',
    logGroups: ['hook'],
    query: [
      'filter outcome in ["failed", "rejected", "error"] or level = "ERROR"',
      '| stats count(*) as requests by reason, channel, country',
      '| sort requests desc',
      '| limit 100',
    ].join('\n'),
  },
  {
    id: 'SlowestRequests',
    name: 'okta-phone-mfa/slowest-requests',
    description:
      'The 50 slowest answered requests (elapsedMs from handler start); Okta gives up at 3,000 ms.',
    logGroups: ['hook'],
    query: [
      'filter ispresent(elapsedMs)',
      '| fields @timestamp, eventId, channel, country, outcome, reason, elapsedMs, attempts, cold_start',
      '| sort elapsedMs desc',
      '| limit 50',
    ].join('\n'),
  },
  {
    id: 'AbuseRefusals',
    name: 'okta-phone-mfa/abuse-refusals',
    description:
      'What the abuse guard refused, by reason, country, request type and channel: one reason and one country dominating is pumping; many users behind one limit (ip_1h from an office) is a real surge. Prefix counts: npm run abuse -- status <prefix>.',
    logGroups: ['hook'],
    query: [
      `filter message = "${LOG_MESSAGES.refused}"`,
      '| stats count(*) as refusals by reason, country, requestType, channel',
      '| sort refusals desc',
      '| limit 50',
    ].join('\n'),
  },
  {
    id: 'SendsByCountry',
    name: 'okta-phone-mfa/sends-by-country',
    description:
      'Delivered and refused OTPs per country and hour: a country far above its usual level, or new among the top, is the first sign of pumping below the limits.',
    logGroups: ['hook'],
    query: [
      `filter message in ["${LOG_MESSAGES.delivered}", "${LOG_MESSAGES.refused}"]`,
      '| stats count(*) as requests by country, message, bin(1h)',
      '| sort requests desc',
      '| limit 200',
    ].join('\n'),
  },
  {
    id: 'ColdStarts',
    name: 'okta-phone-mfa/cold-starts',
    description: 'Cold starts and their init time per function, in 5-minute bins (Lambda REPORT lines).',
    logGroups: ['hook', 'authorizer'],
    query: [
      'filter @type = "REPORT"',
      '| stats count(*) as invocations, sum(ispresent(@initDuration)) as coldStarts, avg(@initDuration) as avgInitMs, max(@initDuration) as maxInitMs, pct(@duration, 99) as p99DurationMs by @log, bin(5m)',
    ].join('\n'),
  },
];
