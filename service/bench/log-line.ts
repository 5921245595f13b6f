/**
 * One warm delivery's log line, measured in one process with the secret set the logger uses now and with the one
 * it used before (a case-insensitive pattern compiled for every request's set), in turns: what the change to
 * {@link SecretSet} saves per line, free of the machine's drift between two runs.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { lambdaContext } from '../local/lambda-context.js';
import { callingCodePlan, redactingReplacer, SecretSet } from '../src/domain/redact.js';
import { ServiceLogFormatter } from '../src/powertools/logger.js';

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The secret set as it was: one pattern per set, compiled (by V8, lazily) on the set's first search. */
export class PatternSecretSet extends SecretSet {
  readonly #pattern: RegExp | undefined;
  readonly #marker: string;

  constructor(values: Iterable<string | undefined>) {
    super(values);
    const kept = this.values();
    this.#pattern = kept.length ? new RegExp(kept.map(escapeRegex).join('|'), 'gi') : undefined;
    this.#marker = kept.some((v) => '[redacted]'.includes(v.toLowerCase())) ? '[***]' : '[REDACTED]';
  }

  override remove(text: string): string {
    if (!this.#pattern) return text;
    this.#pattern.lastIndex = 0;
    return this.#pattern.test(text) ? text.replace(this.#pattern, this.#marker) : text;
  }
}

/**
 * CPU microseconds per "OTP delivered" line, each with a fresh set of that request's secrets (its code and Okta's
 * message), for the current set and the pattern one, in turns.
 *
 * @param runs - lines per variant
 */
export function benchLogLine(runs = 20_000): { current: number; pattern: number } {
  let set: SecretSet = SecretSet.EMPTY;
  const make = () =>
    new Logger({
      serviceName: 'okta-phone-mfa',
      logFormatter: new ServiceLogFormatter(),
      jsonReplacerFn: redactingReplacer(() => set, callingCodePlan),
    });
  const loggers = { current: make(), pattern: make() };
  const context = lambdaContext('deliver-otp') as Parameters<Logger['addContext']>[0];
  for (const logger of Object.values(loggers)) logger.addContext(context);
  const spent = { current: 0, pattern: 0 };
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    for (let i = 0; i < runs * 1.25; i += 1) {
      for (const name of i % 2 ? (['current', 'pattern'] as const) : (['pattern', 'current'] as const)) {
        const code = String(100_000 + ((i * 7919) % 900_000));
        const cpu = process.cpuUsage();
        set = new (name === 'current' ? SecretSet : PatternSecretSet)([
          code,
          `Your verification code is ${code}`,
        ]);
        loggers[name].info('OTP delivered', {
          eventId: randomUUID(),
          requestId: 'reqRgSk8IBBRhuo0YdlEDTmUw',
          requestType: 'com.okta.user.telephony.mfa-verification',
          channel: 'sms',
          country: 'US',
          outcome: 'delivered',
          replay: false,
          elapsedMs: 5,
          attempts: 1,
          templateLevel: 'exact',
          messageId: randomUUID(),
        });
        const used = process.cpuUsage(cpu);
        if (i >= runs / 4) spent[name] += used.user + used.system;
      }
    }
  } finally {
    process.stdout.write = write;
  }
  return {
    current: Number((spent.current / runs).toFixed(1)),
    pattern: Number((spent.pattern / runs).toFixed(1)),
  };
}
