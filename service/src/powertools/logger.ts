import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { callingCodePlan, redactingReplacer, SecretRegistry } from '../domain/redact.js';
import { SERVICE_NAME } from './constants.js';

/** Secrets of the invocations in flight; every log line is scrubbed of them. */
export const secrets = new SecretRegistry();

/** The shape of a line: Powertools' standard keys the service uses, then the call's own keys. */
export class ServiceLogFormatter extends LogFormatter {
  public formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: attributes.lambdaContext?.coldStart,
      function_name: attributes.lambdaContext?.functionName,
      function_request_id: attributes.lambdaContext?.awsRequestId,
      xray_trace_id: attributes.xRayTraceId,
    };
    return new LogItem({ attributes: { ...base, ...additional } });
  }
}

/**
 * The one Logger of the process (JSON to stdout, one line per entry), and its redaction layer: the JSON replacer
 * Powertools serialises every line with (printed or buffered) drops secret-named keys (otpCode, token, …), removes
 * the registered secrets from every string and number at any depth, and masks phone numbers and JWTs, in the one
 * walk the serialisation makes anyway. Numbers are read by their country calling code alone ({@link callingCodePlan}):
 * every function logs, not all of them read numbers, and the authorizer stays without libphonenumber.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
  logFormatter: new ServiceLogFormatter(),
  jsonReplacerFn: redactingReplacer(() => secrets.current(), callingCodePlan),
});
