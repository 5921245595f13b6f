import config from '../../templates/config.json' with { type: 'json' };
import sms from '../../templates/sms.json' with { type: 'json' };
import voice from '../../templates/voice.json' with { type: 'json' };

/** One item of the templates table. */
export type TemplateItem = { pk: 'template' | 'config'; sk: string; value: unknown };

/** Template files in the `service/templates/` format: `sms.json`, `voice.json` (locale → value), `config.json`. */
export type TemplateFiles = {
  sms?: Record<string, unknown>;
  voice?: Record<string, unknown>;
  config?: Record<string, unknown>;
};

/**
 * Table items from template files (locales lower-cased, as the table keys them).
 *
 * @param files - the parsed files; a missing one contributes nothing
 */
export function templateItemsFrom(files: TemplateFiles): TemplateItem[] {
  const templates = (channel: 'sms' | 'voice') =>
    Object.entries(files[channel] ?? {}).map(([locale, value]) => ({
      pk: 'template' as const,
      sk: `${channel}#${locale.toLowerCase()}`,
      value,
    }));
  return [
    ...templates('sms'),
    ...templates('voice'),
    ...Object.entries(files.config ?? {}).map(([key, value]) => ({ pk: 'config' as const, sk: key, value })),
  ];
}

/**
 * The default templates and routing settings shipped in `service/templates/`, as table items. Used by the local
 * stack's seeding, the deploy-time custom resource (write if absent) and `npm run templates -- import`.
 */
export function defaultTemplateItems(): TemplateItem[] {
  return templateItemsFrom({ sms, voice, config });
}
