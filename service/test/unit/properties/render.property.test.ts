// Property: a rendered voice message is SSML whose only markup is ours, whatever the template and the code hold;
// the code is always spoken, and an SMS always carries it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderSms, renderVoiceSsml } from '../../../src/domain/render.js';
import { fuzz } from './runs.js';

/** The elements the renderer writes itself. */
const OUR_MARKUP = /<\/?(speak|prosody|say-as|break)(\s+[a-z-]+="[^"<>]*")*\s*\/?>/g;

/** Template text: anything, with placeholders (known, unknown, odd spacing) mixed in. */
const templateBody = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.constantFrom(
        '{{otp}}',
        '{{ otp }}',
        '{{minutes}}',
        '{{pause}}',
        '{{unknown}}',
        '<',
        '>',
        '&',
        '"',
        "'",
      ),
      fc.constantFrom(
        '<speak>',
        '</prosody>',
        '<break time="10s"/>',
        '<audio src="x"/>',
        ']]>',
        '<!--',
        '&amp;',
      ),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

/** A code as the hook schema allows it (4–12 letters and digits). */
const code = fc.stringMatching(/^[0-9A-Za-z]{4,12}$/);

describe('renderVoiceSsml, for any template and code', () => {
  it('writes a <speak> document with no markup but its own', () => {
    fc.assert(
      fc.property(templateBody, code, fc.integer({ min: 1, max: 1440 }), (body, otp, minutes) => {
        const ssml = renderVoiceSsml(body, { otp, minutes });
        expect(ssml.startsWith('<speak><prosody rate="90%">')).toBe(true);
        expect(ssml.endsWith('</prosody></speak>')).toBe(true);
        expect(ssml.replace(OUR_MARKUP, '')).not.toMatch(/[<>]/);
      }),
      fuzz,
    );
  });

  it('speaks the code, one character at a time, at least twice', () => {
    fc.assert(
      fc.property(templateBody, code, (body, otp) => {
        const ssml = renderVoiceSsml(body, { otp, minutes: 5 });
        const spoken = [...otp]
          .map((ch) => `<say-as interpret-as="characters">${ch}</say-as>`)
          .join('<break time="400ms"/>');
        expect(ssml.split(spoken).length - 1).toBeGreaterThanOrEqual(2);
      }),
      fuzz,
    );
  });
});

describe('renderSms, for any template that names the code', () => {
  it('carries the code, with no {{otp}} left', () => {
    fc.assert(
      fc.property(templateBody, code, (body, otp) => {
        const sms = renderSms(`${body}{{otp}}${body}`, { otp, minutes: 5 });
        expect(sms).toContain(otp);
        expect(sms).not.toMatch(/\{\{\s*otp\s*\}\}/);
      }),
      fuzz,
    );
  });
});
