import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { redactValue, SecretRegistry } from '../domain/redact.js';
import { SERVICE_NAME } from './constants.js';

/** Secrets of the invocation in progress; every log line is scrubbed of them. */
export const secrets = new SecretRegistry();

/**
 * The redaction layer: every log call goes through it. Drops secret-named keys (otpCode, token, …),
 * removes registered secret values from every string, masks phone numbers and JWTs.
 */
export class RedactingLogFormatter extends LogFormatter {
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
    const redacted = redactValue({ ...base, ...additional }, secrets.values()) as LogAttributes;
    return new LogItem({ attributes: redacted });
  }
}

/** The one Logger of the process (JSON to stdout, one line per entry). */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
  logFormatter: new RedactingLogFormatter(),
});
