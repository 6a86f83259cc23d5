import { bodySummary, renderPetitionBody, renderThankYou, thankYouTemplateProblems } from './petition-content';

describe('renderPetitionBody', () => {
  it('renders Markdown and strips scripts and event handlers', () => {
    const html = renderPetitionBody('**Act now** <script>alert(1)</script> [link](javascript:alert(1)) <img src=x onerror=alert(1)>', 'markdown');
    expect(html).toContain('<strong>Act now</strong>');
    expect(html).not.toMatch(/script|onerror|javascript:/i);
  });

  it('sanitizes HTML bodies', () => {
    const html = renderPetitionBody('<p onclick="x()">Hi <a href="https://example.org">there</a></p><iframe src="https://evil"></iframe>', 'html');
    expect(html).toBe('<p>Hi <a href="https://example.org" rel="noopener noreferrer">there</a></p>');
  });
});

describe('thank-you templates', () => {
  it('accepts the known fields with a fallback', () => {
    expect(thankYouTemplateProblems('{{default firstName "Friend"}}, thanks for {{petitionTitle}} {{petitionUrl}}')).toEqual([]);
    expect(thankYouTemplateProblems('{{#if firstName}}Dear {{firstName}},{{else}}Hello,{{/if}}')).toEqual([]);
  });

  it('rejects unknown fields, bare names, helpers and bad syntax', () => {
    expect(thankYouTemplateProblems('Hi {{email}}')[0]).toMatch(/unknown merge field \{\{email\}\}/);
    expect(thankYouTemplateProblems('Dear {{firstName}},')[0]).toMatch(/needs a fallback/);
    expect(thankYouTemplateProblems('{{lookup this "x"}}')[0]).toMatch(/unknown helper lookup/);
    expect(thankYouTemplateProblems('{{#each x}}{{/each}}')[0]).toMatch(/unsupported block/);
    expect(thankYouTemplateProblems('{{#if firstName}')[0]).toMatch(/not a valid template/);
  });

  it('renders the fallback and escapes merge values in HTML', () => {
    const mail = renderThankYou(null, null, { firstName: null, lastName: null, petitionTitle: 'Fix <the> Senate', petitionUrl: 'http://x/p/a' });
    expect(mail.subject).toBe('Thank you for signing: Fix <the> Senate');
    expect(mail.text).toMatch(/^Friend, thank you for signing \*\*Fix <the> Senate\*\*/);
    expect(mail.html).toContain('Friend, thank you for signing <strong>Fix &lt;the&gt; Senate</strong>');
    const named = renderThankYou('Thanks {{default firstName "Friend"}}', '{{default firstName "Friend"}}!', {
      firstName: '<b>Ada</b>', lastName: null, petitionTitle: 't', petitionUrl: 'u',
    });
    expect(named.html).toContain('&lt;b&gt;Ada&lt;/b&gt;!');
    expect(named.subject).toBe('Thanks <b>Ada</b>');
  });
});

describe('bodySummary (default share description)', () => {
  it('is the first paragraph as plain text', () => {
    expect(bodySummary('<h2>Why</h2><p>Senators must <strong>act</strong> &amp; <a href="https://x.org">vote</a>.</p><p>More.</p>')).toBe('Senators must act & vote.');
    expect(bodySummary('')).toBe('');
  });
  it('cuts a long paragraph at a word near 200 characters', () => {
    const s = bodySummary(`<p>${'word '.repeat(100)}</p>`);
    expect(s.length).toBeLessThanOrEqual(200);
    expect(s.endsWith('word…')).toBe(true);
  });
});
