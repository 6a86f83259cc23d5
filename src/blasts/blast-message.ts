import Handlebars from 'handlebars';
import type { SendMailOptions } from 'nodemailer';
import { Env } from '../core/config/env';
import type { RecipientLinks } from '../preferences/preference-links.service';
import { disclaimerSentence, nonDeductibleSentence } from '../settings/notices';
import type { Settings } from '../settings/settings.entity';
import { compileHtml, compileText, MergeContext, RenderFn, textTemplateFromHtml } from './blast-template';
import type { Blast } from './blast.entity';

/** What a recipient row carries into rendering. */
export interface Recipient {
  subscriberId: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  zip: string | null;
  state: string | null;
  customFields: Record<string, unknown> | null;
}

export interface RenderedBlast {
  subject: string;
  html: string;
  text: string;
}

const esc = Handlebars.escapeExpression;

/** A body that has its own <html> or <body> is a document; anything else is a fragment, sent inside our shell. */
const DOCUMENT_TAG = /<(html|body)(\s[^>]*)?>/i;
const CHARSET_META = /<meta\b[^>]*\bcharset\s*=/i;
const CHARSET = '<meta charset="utf-8">';

export function isHtmlDocument(html: string): boolean {
  return DOCUMENT_TAG.test(html);
}

/**
 * A full document keeps its own head, with `<meta charset="utf-8">` added when it declares no charset (a saved or
 * forwarded copy loses the MIME charset). Fragments are left alone: `htmlDocument` wraps them.
 */
export function withCharsetMeta(html: string): string {
  if (!isHtmlDocument(html) || CHARSET_META.test(html)) return html;
  const head = /<head(\s[^>]*)?>/i;
  if (head.test(html)) return html.replace(head, (m) => `${m}\n${CHARSET}`);
  const root = /<html(\s[^>]*)?>/i;
  if (root.test(html)) return html.replace(root, (m) => `${m}\n<head>${CHARSET}</head>`);
  return `<head>${CHARSET}</head>\n${html}`;
}

/** Inserts at the start of the body: after <body>, else after </head> or <html>, else after a doctype, else first. */
function insertAtBodyStart(html: string, insert: string): string {
  for (const tag of [/<body(\s[^>]*)?>/i, /<\/head>/i, /<html(\s[^>]*)?>/i, /<!doctype[^>]*>/i]) {
    const m = tag.exec(html);
    if (m) return `${html.slice(0, m.index + m[0].length)}\n${insert}${html.slice(m.index + m[0].length)}`;
  }
  return insert + html;
}

/** Inserts at the end of the body: before </body>, else before </html>, else last — so the footer stays in the body. */
function insertAtBodyEnd(html: string, insert: string): string {
  for (const tag of [/<\/body>/i, /<\/html>/i]) {
    const m = tag.exec(html);
    if (m) return `${html.slice(0, m.index)}${insert}${html.slice(m.index)}`;
  }
  return `${html}\n${insert}`;
}

/** An HTML fragment as a complete message document (doctype, charset, viewport, the subject as title). */
export function htmlDocument(fragment: string, title: string): string {
  return [
    '<!doctype html>',
    '<html>',
    '<head>',
    CHARSET,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    '</head>',
    '<body>',
    fragment,
    '</body>',
    '</html>',
  ].join('\n');
}

/**
 * MSG-9 actions: links to our own petition pages (`<PUBLIC_BASE_URL>/p/<slug>`) carry `blast=<id>`, so a signature
 * made from this email is attributed to it. Done once on the template source, not per recipient.
 */
export function tagPetitionLinks(source: string, publicBaseUrl: string, blastId: string, html: boolean): string {
  const base = publicBaseUrl.replace(/\/+$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const amp = html ? '&amp;' : '&';
  return source.replace(new RegExp(`(${base}/p/[A-Za-z0-9_-]+)(\\?[^"'\\s<>#]*)?`, 'g'), (all, url: string, query?: string) => {
    if (query && /[?&;]blast=/.test(query)) return all;
    return query && query.length > 1 ? `${url}${query}${amp}blast=${blastId}` : `${url}?blast=${blastId}`;
  });
}

export function mergeContext(r: Recipient): MergeContext {
  return {
    firstName: r.firstName ?? '',
    lastName: r.lastName ?? '',
    email: r.email,
    zip: r.zip ?? '',
    state: r.state ?? '',
    custom: r.customFields && typeof r.customFields === 'object' ? r.customFields : {},
  };
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).replace(/>.*$/, '').toLowerCase();
}

/** `Name <a@b>` or `a@b` → { name, address }. */
function parseAddress(value: string): { name: string; address: string } {
  const m = value.match(/^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/);
  return m ? { name: m[1].trim(), address: m[2].trim() } : { name: '', address: value.trim() };
}

/**
 * Everything needed to turn one blast into per-recipient messages, compiled once (STYLE 8): the subject, preheader,
 * HTML and text templates, the organization footer (MSG-3, COMP-1) and the headers DKIM covers (COMP-2).
 */
export class BlastRenderer {
  private readonly subject: RenderFn;
  private readonly preheader: RenderFn | null;
  private readonly html: RenderFn;
  /** The HTML body is a fragment, wrapped in a document per message (its title is the recipient's subject). */
  private readonly fragment: boolean;
  private readonly text: RenderFn;
  private readonly from: { name: string; address: string };
  private readonly replyTo: string | undefined;
  readonly sendingDomain: string;
  private readonly listId: string;
  private readonly footerNotices: string[];
  private readonly legalName: string;
  private readonly postalLines: string[];

  constructor(
    readonly blast: Blast,
    settings: Settings,
    env: Env,
  ) {
    this.subject = compileText(blast.subject);
    this.preheader = blast.preheader ? compileText(blast.preheader) : null;
    const htmlBody = tagPetitionLinks(blast.htmlBody, env.PUBLIC_BASE_URL, blast.id, true);
    this.fragment = !isHtmlDocument(htmlBody);
    // The charset goes into the template source: once per blast, not per recipient.
    this.html = compileHtml(withCharsetMeta(htmlBody));
    this.text = compileText(blast.textBody ? tagPetitionLinks(blast.textBody, env.PUBLIC_BASE_URL, blast.id, false) : textTemplateFromHtml(htmlBody));
    const fallback = parseAddress(env.MAIL_FROM);
    const address = blast.fromEmail ?? settings.defaultFromEmail ?? fallback.address;
    const name = blast.fromName ?? settings.defaultFromName ?? settings.legalName ?? fallback.name;
    this.from = { name, address };
    this.replyTo = blast.replyTo ?? settings.defaultReplyTo ?? undefined;
    this.sendingDomain = (settings.sendingDomain ?? domainOf(address)).toLowerCase();
    this.legalName = settings.legalName ?? '';
    const phrase = this.legalName.replace(/["\\\r\n]/g, '') || 'Cloture';
    const encoded = /^[\x20-\x7e]*$/.test(phrase) ? `"${phrase}"` : `=?UTF-8?B?${Buffer.from(phrase).toString('base64')}?=`;
    this.listId = `${encoded} <blasts.${this.sendingDomain}>`;
    this.footerNotices = [disclaimerSentence(settings), nonDeductibleSentence(settings), ...(settings.extraNotices ?? [])].filter(
      (n): n is string => !!n,
    );
    this.postalLines = (settings.postalAddress ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  }

  /** Subject, HTML and text of one recipient's message, footer included in both parts. */
  render(r: Recipient, links: Pick<RecipientLinks, 'preferencesUrl' | 'unsubscribeUrl'>): RenderedBlast {
    const ctx = mergeContext(r);
    const subject = this.subject(ctx).replace(/[\r\n]+/g, ' ').trim();
    const preheader = this.preheader ? this.preheader(ctx).replace(/\s+/g, ' ').trim() : '';
    return {
      subject,
      html: this.withFooterHtml(this.fragment ? htmlDocument(this.html(ctx), subject) : this.html(ctx), r.email, links, preheader),
      text: `${this.text(ctx).trim()}\n\n${this.footerText(r.email, links)}`,
    };
  }

  /** The nodemailer message for one recipient: one To, unique Message-ID, one-click unsubscribe headers (the transport signs it). */
  message(r: Recipient, links: RecipientLinks, messageId: string): SendMailOptions {
    const body = this.render(r, links);
    return {
      from: this.from,
      to: r.email,
      replyTo: this.replyTo,
      subject: body.subject,
      html: body.html,
      text: body.text,
      messageId,
      date: new Date(),
      headers: {
        // prepared: written as they are (nodemailer would otherwise MIME-encode the quoted List-Id phrase)
        'List-Unsubscribe': { prepared: true, value: links.listUnsubscribe },
        'List-Unsubscribe-Post': { prepared: true, value: links.listUnsubscribePost },
        'List-Id': { prepared: true, value: this.listId },
        'X-Cloture-Blast': this.blast.id,
      },
    };
  }

  /** Stable per (blast, recipient): a re-send after a crash carries the same id, so receivers can de-duplicate. */
  messageId(subscriberId: string): string {
    return `<${this.blast.id}.${subscriberId}@${this.sendingDomain}>`;
  }

  private footerText(email: string, links: Pick<RecipientLinks, 'preferencesUrl' | 'unsubscribeUrl'>): string {
    return [
      '--',
      `This message was sent to: ${email}`,
      ...this.footerNotices,
      [this.legalName, ...this.postalLines].filter(Boolean).join(', '),
      `Receive fewer emails: ${links.preferencesUrl}`,
      `Unsubscribe: ${links.unsubscribeUrl}`,
      '',
    ].join('\n');
  }

  private withFooterHtml(html: string, email: string, links: Pick<RecipientLinks, 'preferencesUrl' | 'unsubscribeUrl'>, preheader: string): string {
    const footer = [
      '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin-top:32px;border-top:1px solid #d0d0d0">',
      '<tr><td style="padding:16px 0;font-family:Arial,Helvetica,sans-serif;font-size:12px;line-height:1.5;color:#555555">',
      `<p style="margin:0 0 8px">This message was sent to: ${esc(email)}</p>`,
      ...this.footerNotices.map((n) => `<p style="margin:0 0 8px">${esc(n)}</p>`),
      `<p style="margin:0 0 8px">${[this.legalName, ...this.postalLines].filter(Boolean).map(esc).join('<br>')}</p>`,
      `<p style="margin:0"><a href="${esc(links.preferencesUrl)}" style="color:#555555">Receive fewer emails</a>`,
      ` &middot; <a href="${esc(links.unsubscribeUrl)}" style="color:#555555">Unsubscribe</a></p>`,
      '</td></tr></table>',
    ].join('\n');
    const hidden = preheader
      ? `<div class="preheader" style="display:none;max-height:0;overflow:hidden;mso-hide:all">${esc(preheader)}</div>\n`
      : '';
    return insertAtBodyEnd(hidden ? insertAtBodyStart(html, hidden) : html, `${footer}\n`);
  }
}
