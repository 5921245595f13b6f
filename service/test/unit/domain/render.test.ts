// Rendering: SMS placeholders, and SSML that is always well-formed whatever the template or payload holds.
import { describe, expect, it } from 'vitest';
import { renderSms, renderVoiceSsml, xmlEscape } from '../../../src/domain/render.js';

describe('renderSms', () => {
  it('fills {{otp}} and {{minutes}} and drops unknown placeholders', () => {
    expect(renderSms('Code {{otp}}, {{minutes}} min{{nope}}.', { otp: '123456', minutes: 5 })).toBe(
      'Code 123456, 5 min.',
    );
  });
});

describe('renderVoiceSsml', () => {
  it('speaks the code digit by digit with a pause after each', () => {
    const ssml = renderVoiceSsml('Your code is {{otp}}. Again: {{otp}}.', { otp: '42', minutes: 5 });
    expect(ssml).toContain(
      '<say-as interpret-as="characters">4</say-as><break time="400ms"/><say-as interpret-as="characters">2</say-as><break time="400ms"/>',
    );
    expect(ssml.startsWith('<speak>')).toBe(true);
    expect(ssml.endsWith('</speak>')).toBe(true);
  });

  it('repeats the code once when the template mentions it only once', () => {
    // Act
    const ssml = renderVoiceSsml('Your code is {{otp}}.', { otp: '7', minutes: 5 });

    // Assess
    expect(ssml.match(/interpret-as="characters">7</g)).toHaveLength(2);
  });

  it('speaks the code twice even when the template forgets it', () => {
    expect(renderVoiceSsml('Hello.', { otp: '9', minutes: 5 }).match(/>9</g)).toHaveLength(2);
  });

  it('XML-escapes template text and values so markup cannot be injected', () => {
    // Prepare
    const template = 'Tom & Jerry <break time="10s"/> "quoted" {{otp}} {{minutes}}';

    // Act
    const ssml = renderVoiceSsml(template, { otp: 'A<1', minutes: 5 });

    // Assess
    expect(ssml).toContain('Tom &amp; Jerry &lt;break time=&quot;10s&quot;/&gt; &quot;quoted&quot;');
    expect(ssml).toContain('>A<');
    expect(ssml).toContain('>&lt;<');
    expect(ssml).not.toContain('time="10s"');
  });

  it('escapes the five XML special characters', () => {
    expect(xmlEscape(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});
