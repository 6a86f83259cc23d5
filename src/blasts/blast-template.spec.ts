import { blastTemplateProblems, compileHtml, compileText, danglingGreetingProblems, danglingLines, htmlToText, templateProblems, textTemplateFromHtml, WORST_CASE } from './blast-template';

describe('blast templates (MSG-2)', () => {
  it('accepts whitelisted merge fields, custom.<key>, default/if/unless', () => {
    expect(templateProblems('{{default firstName "Friend"}} {{lastName}} {{email}} {{zip}} {{state}} {{custom.team}} {{#if zip}}x{{else}}y{{/if}}{{#unless state}}z{{/unless}}', 'html')).toEqual([]);
  });

  it('names unknown fields, helpers, partials, triple braces and syntax errors', () => {
    const messages = (src: string) => templateProblems(src, 'htmlBody').map((p) => p.message);
    expect(messages('{{firstname}}')[0]).toMatch(/unknown merge field "firstname"/);
    expect(messages('{{custom.a.b}}')[0]).toMatch(/unknown merge field/);
    expect(messages('{{@root.x}}')[0]).toMatch(/unknown merge field/);
    expect(messages('{{lookup firstName}}')[0]).toMatch(/unknown helper "lookup"/);
    expect(messages('{{#each tags}}{{/each}}')[0]).toMatch(/unknown helper "each"/);
    expect(messages('{{> footer}}')[0]).toMatch(/partial/);
    expect(messages('{{{firstName}}}')[0]).toMatch(/unescaped/);
    expect(messages('{{default firstName}}')[0]).toMatch(/default field "Fallback"/);
    expect(messages('{{#if}}')[0]).toMatch(/syntax error/);
  });

  it('escapes HTML in the HTML part, not in the text part, and falls back on empty values', () => {
    const ctx = { ...WORST_CASE, firstName: '<b>Al</b> & co' };
    expect(compileHtml('Hi {{default firstName "Friend"}}')(ctx)).toBe('Hi &lt;b&gt;Al&lt;/b&gt; &amp; co');
    expect(compileText('Hi {{default firstName "Friend"}}')(ctx)).toBe('Hi <b>Al</b> & co');
    expect(compileText('Hi {{default firstName "Friend"}}')({ ...WORST_CASE, firstName: '   ' })).toBe('Hi Friend');
  });

  it('derives the text template from the HTML once, merge fields intact', () => {
    expect(textTemplateFromHtml('<h1>Act {{default firstName "now"}}</h1><p><a href="https://x.org/?z={{zip}}">Sign</a></p>')).toBe(
      'Act {{default firstName "now"}}\n\nSign [https://x.org/?z={{zip}}]',
    );
  });

  it('catches a dangling greeting for a nameless recipient, not static punctuation', () => {
    expect(danglingLines('Hi ,\nDear,\n, we need you\nCall now: today')).toEqual(['Hi ,', 'Dear,', ', we need you']);
    const render = (src: string) => (c: typeof WORST_CASE) => htmlToText(compileHtml(src)(c));
    expect(danglingGreetingProblems(render('<p>Hi {{firstName}},</p>'), 'htmlBody', '')).toHaveLength(1);
    expect(danglingGreetingProblems(render('<p>{{firstName}}, the Senate is stalling.</p>'), 'htmlBody', '')).toHaveLength(1);
    expect(danglingGreetingProblems(render('<p>Hi {{default firstName "Friend"}},</p>'), 'htmlBody', '')).toEqual([]);
    expect(danglingGreetingProblems(render('<p>Hello,</p><p>Vote : now</p>'), 'htmlBody', '')).toEqual([]);
  });

  it('reports every problem of every field in one pass', () => {
    const problems = blastTemplateProblems({
      subject: '{{nope}} — the vote is Friday',
      preheader: 'Hi {{firstName}}, two minutes',
      htmlBody: '<p>Dear {{firstName}},</p><p>Your rep {{representative}} voted no.</p>',
      textBody: 'Dear {{#if}}',
    });
    expect(problems.map((p) => [p.path, p.message.replace(/[;(].*$/, '').trim()])).toEqual([
      ['subject', 'unknown merge field "nope"'],
      ['preheader', 'a recipient with no name or ZIP would read "Hi , two minutes"'],
      ['htmlBody', 'unknown merge field "representative"'],
      ['htmlBody', 'a recipient with no name or ZIP would read "Dear ,"'],
      ['textBody', expect.stringMatching(/^template syntax error/)],
    ]);
  });

  it('a field that cannot render reports why once, not as a render failure too; previews skip the greeting check', () => {
    const problems = blastTemplateProblems({ subject: 'Hi {{firstName}}, {{lookup firstName}}', preheader: null, htmlBody: '{{> footer}}', textBody: null });
    expect(problems.map((p) => p.path)).toEqual(['subject', 'htmlBody']);
    expect(problems.map((p) => p.message).join('\n')).not.toMatch(/failed to render/);
    const dangling = { subject: 'Hi {{firstName}},', preheader: null, htmlBody: '<p>Hi {{firstName}},</p>', textBody: null };
    expect(blastTemplateProblems(dangling)).toHaveLength(2);
    expect(blastTemplateProblems(dangling, { dangling: false })).toEqual([]);
  });
});
