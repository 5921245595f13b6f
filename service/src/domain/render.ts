/** Values a template may use: `{{otp}}`, `{{minutes}}`, and for voice `{{pause}}`. */
export type TemplateVariables = { otp: string; minutes: number };

const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;
/** `{{otp}}` in every spelling {@link PLACEHOLDER} accepts (`{{ otp }}`…); names are case-sensitive. */
const OTP_PLACEHOLDER = /\{\{\s*otp\s*\}\}/g;

/**
 * True when a template body says `{{otp}}` (in any spelling the renderer accepts, e.g. `{{ otp }}`). A stored
 * template without it would send a message with no code: the template chain skips it and `npm run templates`
 * refuses to save it.
 *
 * @param body - template text
 */
export function templateCarriesCode(body: string): boolean {
  return (body.match(OTP_PLACEHOLDER)?.length ?? 0) > 0;
}

/** Escapes text for XML/SSML element content and attribute values. */
export function xmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * Renders an SMS: placeholders replaced, unknown placeholders dropped.
 *
 * @param body - template text
 * @param vars - the code and its lifetime
 */
export function renderSms(body: string, vars: TemplateVariables): string {
  return body
    .replace(PLACEHOLDER, (_, name: string) =>
      name === 'otp' ? vars.otp : name === 'minutes' ? String(vars.minutes) : '',
    )
    .trim();
}

/** The code spoken one character at a time, with a pause after each. */
function spokenCode(otp: string): string {
  return [...otp]
    .map((ch) => `<say-as interpret-as="characters">${xmlEscape(ch)}</say-as><break time="400ms"/>`)
    .join('');
}

/**
 * Renders a voice message as SSML. All template text and every value is XML-escaped; the only markup is ours.
 * The code is spoken digit by digit with pauses and always twice: if the template says `{{otp}}` only once,
 * the code is repeated in place; if it never does (only the built-in path can get here, stored templates without
 * the code are skipped by `chooseTemplate`), the code is appended.
 *
 * @param body - template text (plain text with placeholders)
 * @param vars - the code and its lifetime
 */
export function renderVoiceSsml(body: string, vars: TemplateVariables): string {
  const mentions = body.match(OTP_PLACEHOLDER)?.length ?? 0;
  const code = spokenCode(vars.otp);
  const codeOnce = mentions >= 2 ? code : `${code}<break time="1s"/>${code}`;
  let out = '';
  let last = 0;
  for (const match of body.matchAll(PLACEHOLDER)) {
    out += xmlEscape(body.slice(last, match.index));
    const name = match[1];
    if (name === 'otp') out += codeOnce;
    else if (name === 'minutes') out += xmlEscape(String(vars.minutes));
    else if (name === 'pause') out += '<break time="1s"/>';
    last = (match.index ?? 0) + match[0].length;
  }
  out += xmlEscape(body.slice(last));
  if (mentions === 0) out += `<break time="500ms"/>${codeOnce}`;
  return `<speak><prosody rate="90%">${out.trim()}</prosody></speak>`;
}
