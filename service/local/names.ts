/**
 * The local stack's resource names: one place for the stack, the operator CLIs' local defaults (`--endpoint` without
 * `--table`) and `npm run okta`. No imports, so a CLI can read them without loading the stack.
 */
export const LOCAL_TABLES = {
  templates: 'okta-phone-mfa-templates',
  idempotency: 'okta-phone-mfa-idempotency',
  abuse: 'okta-phone-mfa-abuse',
  messages: 'okta-phone-mfa-messages',
} as const;
