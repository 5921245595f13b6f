import config from '../../templates/config.json' with { type: 'json' };
import sms from '../../templates/sms.json' with { type: 'json' };
import voice from '../../templates/voice.json' with { type: 'json' };

/** One item of the templates table. */
export type TemplateItem = { pk: 'template' | 'config'; sk: string; value: unknown };

/**
 * The default templates and routing settings shipped in `service/templates/`, as table items. Used by the local
 * stack's seeding, the deploy-time custom resource (write if absent) and `npm run templates -- import`.
 */
export function defaultTemplateItems(): TemplateItem[] {
  return [
    ...Object.entries(sms).map(([locale, value]) => ({
      pk: 'template' as const,
      sk: `sms#${locale}`,
      value,
    })),
    ...Object.entries(voice).map(([locale, value]) => ({
      pk: 'template' as const,
      sk: `voice#${locale}`,
      value,
    })),
    ...Object.entries(config).map(([key, value]) => ({ pk: 'config' as const, sk: key, value })),
  ];
}
