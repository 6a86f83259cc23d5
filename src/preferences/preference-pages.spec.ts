import { maskEmail, renderErrorPage, renderPreferencesPage, renderTestLinkPage, renderUnsubscribeConfirmPage, renderUnsubscribedPage } from './preference-pages';

describe('maskEmail', () => {
  it.each([
    ['jane@example.org', 'j***@example.org'],
    ['j@example.org', 'j***@example.org'],
    ['"odd@local"@example.org', '"***@example.org'],
    ['no-at-sign', '***'],
    ['@example.org', '***'],
  ])('%s → %s', (input, masked) => expect(maskEmail(input)).toBe(masked));
});

describe('token pages', () => {
  it('explains a test-send link: which blast, what the real link does, that nothing changed; no form to submit', () => {
    const unsub = renderTestLinkPage({ purpose: 'unsubscribe', blastName: 'Week 3 <b>push</b>', orgName: 'Stop the Stall' });
    expect(unsub).toContain('test send of the blast <strong>Week 3 &lt;b&gt;push&lt;/b&gt;</strong>');
    expect(unsub).toContain("recipient's own unsubscribe page");
    expect(unsub).toContain('Nothing was changed.');
    expect(unsub).not.toContain('<form');
    const prefs = renderTestLinkPage({ purpose: 'preferences', blastName: null, orgName: null });
    expect(prefs).toContain('test send of a blast.');
    expect(prefs).toContain('how often they hear from you');
  });

  const base = { action: 'TOKEN', maskedEmail: 'j***@example.org', frequency: 'weekly' as const, topics: [] };

  it('escapes organizer text and checks the current choices', () => {
    const html = renderPreferencesPage({
      ...base,
      status: 'subscribed',
      topics: [
        { id: 't1', name: '<script>alert(1)</script>', description: '"quoted" & more', receiving: false },
        { id: 't2', name: 'Courts', description: null, receiving: true },
      ],
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;quoted&quot; &amp; more');
    expect(html).toMatch(/value="weekly" checked/);
    expect(html).not.toMatch(/value="all" checked/);
    expect(html).toMatch(/name="topics" value="t1">/);
    expect(html).toMatch(/name="topics" value="t2" checked>/);
    expect(html.match(/name="shownTopics"/g)).toHaveLength(2);
    expect(html).toContain('value="unsubscribe"');
    expect(html).not.toContain('value="resubscribe"');
  });

  it('labels every control (radios and checkboxes sit inside their label) and names the form groups', () => {
    const html = renderPreferencesPage({ ...base, status: 'subscribed', topics: [{ id: 't', name: 'X', description: null, receiving: true }] });
    const inputs = html.match(/<input type="(radio|checkbox)"/g) ?? [];
    const labelled = html.match(/<label class="choice"><input type="(radio|checkbox)"/g) ?? [];
    expect(inputs.length).toBe(5);
    expect(labelled.length).toBe(inputs.length);
    expect(html.match(/<legend>/g)).toHaveLength(2);
  });

  it('offers resubscribe only to unsubscribed people, and unsubscribe only to those who can receive', () => {
    const unsubscribed = renderPreferencesPage({ ...base, status: 'unsubscribed' });
    expect(unsubscribed).toContain('value="resubscribe"');
    expect(unsubscribed).not.toContain('value="unsubscribe"');
    for (const status of ['bounced', 'complained'] as const) {
      const html = renderPreferencesPage({ ...base, status });
      expect(html).not.toContain('value="resubscribe"');
      expect(html).not.toContain('value="unsubscribe"');
      expect(html).toContain('We can no longer send email to this address');
    }
  });

  it('lists the changes after a save, or says nothing changed', () => {
    expect(renderPreferencesPage({ ...base, status: 'subscribed', changes: ['A & B'] })).toContain('<li>A &amp; B</li>');
    expect(renderPreferencesPage({ ...base, status: 'subscribed', changes: [] })).toContain('Nothing changed.');
    expect(renderPreferencesPage({ ...base, status: 'subscribed' })).not.toContain('Saved.');
  });

  it('the unsubscribe confirmation has one button, the fewer-emails alternative, and no external asset', () => {
    const html = renderUnsubscribeConfirmPage({ action: 'T', preferencesLink: '../preferences/P', maskedEmail: 'j***@example.org', alreadyUnsubscribed: false });
    expect(html.match(/<button/g)).toHaveLength(1);
    expect(html).toContain('href="../preferences/P"');
    expect(html).not.toMatch(/https?:\/\//);
    expect(renderUnsubscribeConfirmPage({ action: 'T', preferencesLink: 'P', maskedEmail: 'x', alreadyUnsubscribed: true })).not.toContain('<button');
  });

  it('the unsubscribed page shows undo only when it is possible', () => {
    expect(renderUnsubscribedPage({ maskedEmail: 'x', preferencesLink: 'P', undoAction: 'P' })).toContain('Undo: subscribe me again');
    expect(renderUnsubscribedPage({ maskedEmail: 'x', preferencesLink: 'P' })).not.toContain('<button');
  });

  it('names the sender when configured (escaped), and never on the error page', () => {
    const html = renderUnsubscribeConfirmPage({ orgName: 'Stop <the> Stall', action: 'T', preferencesLink: 'P', maskedEmail: 'x', alreadyUnsubscribed: false });
    expect(html).toContain('<p class="org">Stop &lt;the&gt; Stall</p>');
    expect(html).toContain('<title>Unsubscribe · Stop &lt;the&gt; Stall</title>');
    expect(renderUnsubscribedPage({ maskedEmail: 'x', preferencesLink: 'P' })).toContain('no more campaign emails from us.');
    expect(renderErrorPage(404)).not.toContain('class="org"');
  });

  it('one error page per status, identical whatever the cause', () => {
    expect(renderErrorPage(404)).toBe(renderErrorPage(404));
    expect(renderErrorPage(404)).toContain('This link is not valid');
    expect(renderErrorPage(500)).toContain('Something went wrong');
    expect(renderErrorPage(413)).toContain('That did not work');
  });
});
