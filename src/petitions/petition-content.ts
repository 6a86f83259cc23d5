import Handlebars from 'handlebars';
import { convert } from 'html-to-text';
import { marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import type { BodyFormat } from './petition.entity';

/**
 * Organizer-written content of a petition: the body shown on hosted pages (SEC-4: sanitized once, when saved) and
 * the thank-you email templates (merge fields escaped by default, validated when saved).
 */

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'h1', 'h2'],
  allowedAttributes: { a: ['href', 'title', 'rel'], img: ['src', 'alt', 'title', 'width', 'height'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['https'] },
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer' }) },
};

export function sanitizeBodyHtml(html: string): string {
  return sanitizeHtml(html, SANITIZE);
}

/** Markdown → HTML via marked, then sanitized; HTML is sanitized as given. */
export function renderPetitionBody(source: string, format: BodyFormat): string {
  const html = format === 'markdown' ? (marked.parse(source, { async: false, gfm: true }) as string) : source;
  return sanitizeBodyHtml(html);
}

// ---- thank-you email ----------------------------------------------------------------------------------------

export const THANK_YOU_FIELDS = ['firstName', 'lastName', 'petitionTitle', 'petitionUrl'] as const;
export type ThankYouFields = Record<(typeof THANK_YOU_FIELDS)[number], string | null>;

export const DEFAULT_THANK_YOU_SUBJECT = 'Thank you for signing: {{petitionTitle}}';
export const DEFAULT_THANK_YOU_BODY = [
  '{{default firstName "Friend"}}, thank you for signing **{{petitionTitle}}**.',
  '',
  'Your name now stands with everyone else who has signed. The more of us there are, the harder the Senate\'s leaders',
  'find it to look away — please share the petition: {{petitionUrl}}',
].join('\n');

const hbs = Handlebars.create();
hbs.registerHelper('default', (value: unknown, fallback: unknown) =>
  typeof value === 'string' && value.trim() !== '' ? value : fallback,
);
const BLOCK_HELPERS = new Set(['if', 'unless']);
const NAME_FIELDS = new Set(['firstName', 'lastName']);

type Node = { type: string; [k: string]: any };

/**
 * Problems with a template, empty when it is usable: syntax errors, unknown merge fields or helpers, and a name
 * used bare (outside `{{#if firstName}}` and without `{{default firstName "Friend"}}`), which would leave a
 * dangling greeting for a signer who gave no name.
 */
export function thankYouTemplateProblems(template: string): string[] {
  let ast: Node;
  try {
    ast = hbs.parse(template) as unknown as Node;
  } catch (e) {
    return [`is not a valid template: ${(e as Error).message.split('\n')[0]}`];
  }
  const problems = new Set<string>();
  const field = (p: Node | undefined) => (p?.type === 'PathExpression' ? (p.original as string) : undefined);
  const checkValue = (p: Node) => {
    if (p.type === 'PathExpression' && !(THANK_YOU_FIELDS as readonly string[]).includes(p.original)) {
      problems.add(`unknown merge field {{${p.original}}} (known: ${THANK_YOU_FIELDS.join(', ')})`);
    } else if (p.type === 'SubExpression') problems.add('sub-expressions are not supported');
  };
  const walk = (nodes: Node[], guarded: Set<string>) => {
    for (const n of nodes) {
      if (n.type === 'MustacheStatement') {
        const name = field(n.path);
        if (n.params.length === 0) {
          if (name && NAME_FIELDS.has(name) && !guarded.has(name)) {
            problems.add(`{{${name}}} needs a fallback for signers without a name: use {{default ${name} "Friend"}}`);
          }
          checkValue(n.path);
        } else if (name === 'default') {
          if (n.params.length !== 2 || n.params[1].type !== 'StringLiteral') problems.add('default takes a field and a quoted fallback');
          checkValue(n.params[0]);
        } else problems.add(`unknown helper ${name ?? '?'}`);
      } else if (n.type === 'BlockStatement') {
        const name = field(n.path);
        if (!name || !BLOCK_HELPERS.has(name) || n.params.length !== 1) {
          problems.add(`unsupported block {{#${name ?? '?'}}} (only #if and #unless on a merge field)`);
          continue;
        }
        checkValue(n.params[0]);
        const cond = field(n.params[0]);
        const inner = new Set(guarded);
        if (name === 'if' && cond) inner.add(cond);
        if (n.program) walk(n.program.body, inner);
        if (n.inverse) walk(n.inverse.body, name === 'unless' && cond ? new Set([...guarded, cond]) : guarded);
      } else if (n.type === 'PartialStatement' || n.type === 'PartialBlockStatement' || n.type === 'DecoratorBlock') {
        problems.add('partials are not supported');
      }
    }
  };
  walk(ast.body as Node[], new Set());
  return [...problems];
}

export interface ThankYouEmail {
  subject: string;
  text: string;
  html: string;
}

/** Compiled once per petition version (cache keyed by the template text), rendered per signer. */
const compiled = new Map<string, { html: HandlebarsTemplateDelegate; text: HandlebarsTemplateDelegate }>();
function compile(template: string) {
  let c = compiled.get(template);
  if (!c) {
    if (compiled.size > 500) compiled.clear();
    c = {
      html: hbs.compile(template, { strict: false, knownHelpersOnly: false }),
      text: hbs.compile(template, { noEscape: true }),
    };
    compiled.set(template, c);
  }
  return c;
}

/**
 * The thank-you for one signer. `footer` lines (the organization's "Paid for by …" disclaimer, name and postal
 * address) close both parts.
 */
export function renderThankYou(
  subjectTemplate: string | null,
  bodyTemplate: string | null,
  fields: ThankYouFields,
  footer: string[] = [],
): ThankYouEmail {
  const data = { ...fields };
  const subject = compile(subjectTemplate ?? DEFAULT_THANK_YOU_SUBJECT).text(data).replace(/[\r\n]+/g, ' ').trim().slice(0, 300);
  const body = compile(bodyTemplate ?? DEFAULT_THANK_YOU_BODY);
  let text = body.text(data);
  // Values are HTML-escaped by Handlebars before Markdown rendering; the result is sanitized like any body.
  let html = sanitizeBodyHtml(marked.parse(body.html(data), { async: false, gfm: true }) as string);
  if (footer.length) {
    text = `${text.trimEnd()}\n\n--\n${footer.join('\n')}\n`;
    html += `<hr><p style="font-size:12px;color:#555">${footer.map((l) => Handlebars.escapeExpression(l)).join('<br>')}</p>`;
  }
  return { subject, text, html };
}

// ---- social cards -------------------------------------------------------------------------------------------

const SUMMARY_MAX = 200;

/**
 * The default share description and meta description: the body's first paragraph as plain text, cut at a word
 * boundary near 200 characters (what networks show). Empty when the body has no paragraph text.
 */
export function bodySummary(bodyHtml: string): string {
  const first = /<p\b[^>]*>([\s\S]*?)<\/p>/i.exec(bodyHtml)?.[1] ?? bodyHtml;
  const text = convert(first, { wordwrap: false, selectors: [{ selector: 'a', options: { ignoreHref: true } }, { selector: 'img', format: 'skip' }] })
    .replace(/\s+/g, ' ')
    .trim();
  if (text.length <= SUMMARY_MAX) return text;
  const cut = text.slice(0, SUMMARY_MAX - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > SUMMARY_MAX / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/, '')}…`;
}
