/**
 * Names, folders and samples every contract test shares. The pact files in `contracts/pacts/` are committed: they
 * pin Okta's request format and our answers. Tests regenerate them into `contracts/logs/pacts/` (ignored) and
 * compare; `npm run pact:update` accepts a change.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `contracts/` */
export const contractsDir = dirname(fileURLToPath(import.meta.url));

/** The committed, reviewed pact files. */
export const committedPactsDir = join(contractsDir, 'pacts');

/** Where Pact writes logs and where the consumer tests regenerate pact files; git ignores it. */
export const logsDir = join(contractsDir, 'logs');

/** Regenerated pact files, compared with the committed ones. */
export const generatedPactsDir = join(logsDir, 'pacts');

/** The pacticipants. Okta calls the hook; the on-call `dlq` tool reads what the hook dead-letters. */
export const PACTICIPANTS = {
  okta: 'okta',
  dlqTool: 'dlq',
  provider: 'okta-phone-mfa',
  /** `npm run okta:connect`, a consumer of Okta's management API. */
  connectTool: 'okta-phone-mfa-connect',
  oktaManagement: 'okta-management-api',
} as const;

/** File name Pact gives a pact between `consumer` and `provider`. */
export const pactFileName = (consumer: string, provider: string): string => `${consumer}-${provider}.json`;

/** The Okta → hook pact file. */
export const OKTA_PACT_FILE = pactFileName(PACTICIPANTS.okta, PACTICIPANTS.provider);

/** The `okta:connect` → Okta management API pact file. */
export const MANAGEMENT_PACT_FILE = pactFileName(PACTICIPANTS.connectTool, PACTICIPANTS.oktaManagement);

/** A sample API token: the verification replaces it with the local Okta's. */
export const SAMPLE_API_TOKEN = '00sample-api-token-for-the-pact';

/** The provider states, and the values each gives the requests. */
export const MANAGEMENT_STATES = {
  emptyOrg: 'an org okta-phone-mfa has not connected yet',
  server: 'the authorization server okta-phone-mfa exists',
  hookKey: 'the hook key okta-phone-mfa exists',
  serverAndApp: 'the authorization server okta-phone-mfa, its scope and the hook app exist',
  policy: 'the access policy okta-phone-mfa exists for the hook app',
  allButHook: 'everything but the telephony inline hook exists',
  connected: 'the telephony inline hook is connected to the stack',
  inactiveHook: 'the telephony inline hook okta-phone-mfa is inactive',
  eventHookUnverified: 'an unverified event hook to the stack exists',
} as const;

/** The hook's DLQ writer → `dlq` tool message pact file. */
export const DLQ_PACT_FILE = pactFileName(PACTICIPANTS.dlqTool, PACTICIPANTS.provider);

/**
 * The one OTP code a pact file may hold: an obvious placeholder. Okta's request necessarily carries a code, so the
 * pact records a matcher whose example is this value, never a fixture's code.
 */
export const SAMPLE_OTP_CODE = '000000';

/** `PACT_UPDATE=1` (what `npm run pact:update` sets) accepts regenerated pact files as the new committed ones. */
export const acceptPactChanges = (): boolean => process.env.PACT_UPDATE === '1';

/**
 * Provider states, as sentences about the provider. The consumer tests name them; the provider verification has
 * exactly one state handler for each.
 */
export const PROVIDER_STATES = {
  accepting: 'the messaging provider accepts messages',
  spanishTemplates: 'Spanish templates exist',
  noKoreanTemplate: 'no Korean template exists',
  providerFailing: 'the messaging provider fails every send',
  numberRejected: 'the messaging provider rejects the number',
  britainNotAllowed: 'Great Britain is not an allowed destination',
  /** With the parameter `phoneNumber`: that number had its 10-minute limit of codes (5 by default). */
  numberAtLimit: 'the number has reached its limit',
  /** The local US route's first identity refuses as inactive (RESOURCE_NOT_ACTIVE); its second one sends. */
  firstIdentityInactive: "the United States route's first origination identity is inactive",
  /** The US route's own numbers refuse as inactive; its last identity, AWS's senders (Notify), sends. */
  onlyAwsSenders:
    "the United States route's own numbers are inactive and AWS's senders are its last identity",
  /**
   * With the parameters `userId` and `phoneNumber`: the user's previous code to that number went out and its carrier
   * was unreachable (a final failure receipt), so a resend goes out from the route's next identity.
   */
  previousCodeFailed: "the user's previous code to the number was not delivered",
  /**
   * Enrolments read the number's line type from its carrier (the verification stack runs with `CARRIER_LOOKUP=enrolment`
   * and `REFUSED_LINE_TYPES=INVALID,OTHER`); the stand-in answers a UK VoIP number (`+44 56…`) OTHER.
   */
  lineTypesFromCarrier: 'enrolments read line types from the carrier, refusing INVALID and OTHER',
} as const;

/**
 * A masked phone number as the hook writes it: the country code, a star per hidden digit (at least half of the
 * national ones) and at most the last 3 digits (`+52 *******678`); or, for a number it cannot read, stars and at
 * most the last 2 digits (`********10`).
 */
export const MASKED_PHONE = /^(?:\+\d{1,3} \*+\d{0,3}|\*{3,}\d{0,2})$/;
