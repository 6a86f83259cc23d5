import { generateKeyPairSync } from 'node:crypto';
import { loadEnv } from '../core/config/env';
import type { Settings } from '../settings/settings.entity';
import { BlastRenderer, htmlDocument, tagPetitionLinks, withCharsetMeta } from './blast-message';
import type { Blast } from './blast.entity';

const settings = {
  legalName: 'Stop the Stall PAC',
  postalAddress: 'PO Box 1234\nDenver, CO 80201',
  sendingDomain: 'mail.example.org',
  defaultFromName: 'Stop the Stall',
  defaultFromEmail: 'action@mail.example.org',
  defaultReplyTo: null,
  disclaimerKind: 'committee',
  disclaimerPaidBy: null,
  disclaimerCandidate: null,
  nonDeductibleNotice: true,
  nonDeductibleText: null,
  extraNotices: [],
} as unknown as Settings;

const blast = {
  id: '11111111-1111-4111-8111-111111111111',
  subject: '{{default firstName "Friend"}}, one call',
  preheader: 'Before Friday',
  htmlBody: '<html><body><p>{{default firstName "Friend"}},</p><p>Call now.</p></body></html>',
  textBody: null,
  fromName: null,
  fromEmail: null,
  replyTo: null,
} as unknown as Blast;

const links = {
  preferencesUrl: 'https://act.example.org/preferences/P',
  unsubscribeUrl: 'https://act.example.org/unsubscribe/U',
  listUnsubscribe: '<https://act.example.org/unsubscribe/U>',
  listUnsubscribePost: 'List-Unsubscribe=One-Click' as const,
};
const recipient = { subscriberId: '22222222-2222-4222-8222-222222222222', email: 'a@example.org', firstName: null, lastName: null, zip: null, state: null, customFields: {} };

describe('BlastRenderer (MSG-3, COMP-1, COMP-2)', () => {
  it('puts the footer in both parts, the preheader first, and one-click headers on one recipient', () => {
    const r = new BlastRenderer(blast, settings, loadEnv({}));
    const m = r.message(recipient, links, r.messageId(recipient.subscriberId));
    expect(m.subject).toBe('Friend, one call');
    expect(m.to).toBe('a@example.org');
    expect(m.messageId).toBe(`<${blast.id}.${recipient.subscriberId}@mail.example.org>`);
    expect(m.from).toEqual({ name: 'Stop the Stall', address: 'action@mail.example.org' });
    for (const part of [String(m.text), String(m.html)]) {
      expect(part).toContain('This message was sent to: a@example.org');
      expect(part).toContain('Paid for by Stop the Stall PAC.');
      expect(part).toContain('Contributions or gifts to Stop the Stall PAC are not tax deductible.');
      expect(part).toContain('Denver, CO 80201');
      expect(part).toContain('https://act.example.org/preferences/P');
      expect(part).toContain('https://act.example.org/unsubscribe/U');
    }
    expect(String(m.html)).toMatch(/<body>\n<div class="preheader"[^>]*>Before Friday<\/div>/);
    expect(String(m.html)).toMatch(/Unsubscribe<\/a><\/p>\n<\/td><\/tr><\/table>\n<\/body>/);
    const headers = m.headers as Record<string, { value: string }>;
    expect(headers['List-Unsubscribe'].value).toBe('<https://act.example.org/unsubscribe/U>');
    expect(headers['List-Unsubscribe-Post'].value).toBe('List-Unsubscribe=One-Click');
    expect(headers['List-Id'].value).toBe('"Stop the Stall PAC" <blasts.mail.example.org>');
    expect(m.dkim).toBeUndefined();
  });

  it('sends an HTML fragment as a full document: doctype, charset, viewport, subject as title; preheader and footer inside <body>', () => {
    const fragment = { ...blast, subject: '{{default firstName "Friend"}}: <Act> & win', htmlBody: '<p>Hi {{default firstName "Friend"}}</p>' } as Blast;
    const r = new BlastRenderer(fragment, settings, loadEnv({}));
    const html = String(r.message(recipient, links, '<x@y>').html);
    expect(html.startsWith('<!doctype html>\n<html>\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n')).toBe(true);
    expect(html).toContain('<title>Friend: &lt;Act&gt; &amp; win</title>');
    expect(html).toMatch(/<body>\n<div class="preheader"[^>]*>Before Friday<\/div>\n+<p>Hi Friend<\/p>\n<table role="presentation"[\s\S]*Unsubscribe<\/a><\/p>\n<\/td><\/tr><\/table>\n<\/body>\n<\/html>$/);
    expect(html.match(/<body/g)).toHaveLength(1);
  });

  it('keeps a full document\'s own head, adding a charset only when it declares none; the footer stays inside the body', () => {
    const own = '<!DOCTYPE html>\n<html lang="en"><head><title>Own</title><style>p{color:red}</style></head><body><p>{{default firstName "Friend"}}</p></body></html>';
    const r = new BlastRenderer({ ...blast, htmlBody: own } as Blast, settings, loadEnv({}));
    const html = String(r.message(recipient, links, '<x@y>').html);
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en"><head>\n<meta charset="utf-8"><title>Own</title><style>')).toBe(true);
    expect(html).not.toContain('<meta name="viewport"');
    expect(html).toMatch(/Unsubscribe<\/a><\/p>\n<\/td><\/tr><\/table>\n<\/body><\/html>$/);

    const declared = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>x</body></html>';
    expect(withCharsetMeta(declared)).toBe(declared);
    expect(withCharsetMeta('<html><body>x</body></html>')).toBe('<html>\n<head><meta charset="utf-8"></head><body>x</body></html>');
    expect(withCharsetMeta('<body>x</body>')).toBe('<head><meta charset="utf-8"></head>\n<body>x</body>');
    expect(withCharsetMeta('<p>fragment, <header>not a head</header></p>')).toBe('<p>fragment, <header>not a head</header></p>');
    expect(htmlDocument('<p>x</p>', 'T')).toMatch(/<body>\n<p>x<\/p>\n<\/body>/);

    // A document that never closes its body still gets the footer inside <html>, and the preheader after <html>.
    const unclosed = new BlastRenderer({ ...blast, htmlBody: '<!doctype html><html><p>Call now.</p></html>' } as Blast, settings, loadEnv({}));
    const out = String(unclosed.message(recipient, links, '<x@y>').html);
    expect(out.startsWith('<!doctype html><html>\n<head><meta charset="utf-8"></head>\n<div class="preheader"')).toBe(true);
    expect(out).toMatch(/<\/table>\n<\/html>$/);
  });

  it('leaves DKIM to the transport: no per-message option, which would add a second signature nodemailer does not over-sign', () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const env = loadEnv({ DKIM_DOMAIN: 'mail.example.org', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY: pem.replace(/\n/g, '\\n') });
    expect(new BlastRenderer(blast, settings, env).message(recipient, links, '<x@y>').dkim).toBeUndefined();
  });

  it('refuses half a DKIM configuration or an unreadable key at boot', () => {
    expect(() => loadEnv({ DKIM_DOMAIN: 'mail.example.org' })).toThrow(/must be set together/);
    expect(() => loadEnv({ DKIM_DOMAIN: 'mail.example.org', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----' })).toThrow(
      /not a readable PEM/,
    );
  });

  it('tags links to our petition pages with the blast (MSG-9 actions), once', () => {
    const id = blast.id;
    expect(tagPetitionLinks('<a href="http://localhost:3000/p/stop-the-stall">Sign</a>', 'http://localhost:3000/', id, true)).toBe(
      `<a href="http://localhost:3000/p/stop-the-stall?blast=${id}">Sign</a>`,
    );
    expect(tagPetitionLinks('<a href="http://localhost:3000/p/x?ref=ab">', 'http://localhost:3000', id, true)).toBe(`<a href="http://localhost:3000/p/x?ref=ab&amp;blast=${id}">`);
    expect(tagPetitionLinks('Sign: http://localhost:3000/p/x?blast=other', 'http://localhost:3000', id, false)).toBe('Sign: http://localhost:3000/p/x?blast=other');
    expect(tagPetitionLinks('<a href="https://elsewhere.example/p/x">', 'http://localhost:3000', id, true)).toBe('<a href="https://elsewhere.example/p/x">');
  });
});
