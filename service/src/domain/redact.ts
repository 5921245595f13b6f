/**
 * Redaction rules shared by the logger, the DLQ record and error messages.
 * The OTP code and bearer tokens are secrets; phone numbers are personal data.
 */

// E.164 with `+`, or a bare run of 10–15 digits (Okta may omit the `+`). Dates and times are not matched.
const PHONE_PATTERN = /(?<![\w*])\+?\d{10,15}(?!\w)|\+\d{8,9}(?!\w)/g;
const JWT_PATTERN = /\beyJ[\w-]+\.[\w-]+\.[\w-]*/g;
const SECRET_KEYS = new Set([
  'otpcode',
  'otp',
  'token',
  'authorization',
  'authorizationtoken',
  'password',
  'secret',
  'clientsecret',
  'msgtemplate',
  'messagebody',
  'body',
]);

/**
 * Masks a phone number, keeping enough to recognise it: `+14155550123` → `+1415***0123`.
 *
 * @param phone - any phone number string
 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 8) return '***';
  return `+${digits.slice(0, 4)}***${digits.slice(-4)}`;
}

/**
 * Scrubs one string: registered secrets become `[REDACTED]`, JWTs `[TOKEN]`, phone numbers are masked.
 *
 * @param text - the text to scrub
 * @param secrets - exact values to remove (the OTP of the current request, the bearer token)
 */
export function scrubText(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  }
  return out.replace(JWT_PATTERN, '[TOKEN]').replace(PHONE_PATTERN, (match) => maskPhone(match));
}

/**
 * Deep-copies a value with every secret-named key dropped and every string scrubbed.
 *
 * @param value - any JSON-like value (objects, arrays, errors)
 * @param secrets - exact values to remove
 */
export function redactValue(value: unknown, secrets: Iterable<string> = [], depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value, secrets);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets, depth + 1));
  const source =
    value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(source as Record<string, unknown>)) {
    out[key] = SECRET_KEYS.has(key.toLowerCase()) ? '[REDACTED]' : redactValue(item, secrets, depth + 1);
  }
  return out;
}

/**
 * Registry of secret values of the invocations in flight, consulted by the log formatter. A handler registers the
 * OTP and the token as soon as it reads them and releases them when it answers; concurrent invocations (the local
 * stack runs many in one process) each release only their own.
 */
export class SecretRegistry {
  readonly #secrets = new Map<string, number>();

  /**
   * Adds a value that must never be written anywhere.
   *
   * @returns a function that releases this registration
   */
  register(value: string | undefined): () => void {
    if (!value) return () => {};
    this.#secrets.set(value, (this.#secrets.get(value) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const count = (this.#secrets.get(value) ?? 1) - 1;
      if (count <= 0) this.#secrets.delete(value);
      else this.#secrets.set(value, count);
    };
  }

  /** The current values. */
  values(): Iterable<string> {
    return this.#secrets.keys();
  }
}
