import Handlebars from 'handlebars';
import { convert, HtmlToTextOptions } from 'html-to-text';

/**
 * Blast templates (MSG-2): Handlebars, HTML-escaped by default, with a `default` fallback helper
 * (`{{default firstName "Friend"}}`). Only whitelisted merge fields and helpers pass validation; every template is
 * compiled once per blast (per worker) and rendered per recipient.
 */
export const MERGE_FIELDS = ['firstName', 'lastName', 'email', 'zip', 'state'] as const;
const CUSTOM_KEY = /^[A-Za-z0-9_-]{1,64}$/;
const HELPERS = new Set(['default', 'if', 'unless']);
const BLOCK_HELPERS = new Set(['if', 'unless']);

export interface MergeContext {
  firstName: string;
  lastName: string;
  email: string;
  zip: string;
  state: string;
  custom: Record<string, unknown>;
}

export interface TemplateProblem {
  path: string;
  message: string;
}

/** A Handlebars environment of our own: the global one stays untouched, and only `default` is added. */
const hbs = Handlebars.create();
hbs.registerHelper('default', (value: unknown, fallback: unknown) => {
  const v = value == null ? '' : String(value).trim();
  return v !== '' ? v : typeof fallback === 'string' ? fallback : '';
});
const COMPILE_OPTIONS = { knownHelpers: { default: true }, knownHelpersOnly: true, preventIndent: true } as const;

const line = (n: { loc?: { start: { line: number } } }) => (n.loc ? ` (line ${n.loc.start.line})` : '');

/** Every problem of one template source: syntax, unknown merge fields or helpers, partials, triple braces. */
export function templateProblems(source: string, path: string): TemplateProblem[] {
  let ast: hbs.AST.Program;
  try {
    ast = hbs.parse(source);
  } catch (e) {
    return [{ path, message: `template syntax error: ${(e as Error).message.split('\n')[0]}` }];
  }
  const problems: TemplateProblem[] = [];
  const field = (p: hbs.AST.PathExpression) => {
    const parts = p.parts;
    const ok =
      !p.data &&
      p.depth === 0 &&
      ((parts.length === 1 && (MERGE_FIELDS as readonly string[]).includes(parts[0])) ||
        (parts.length === 2 && parts[0] === 'custom' && CUSTOM_KEY.test(parts[1])));
    if (!ok) {
      problems.push({
        path,
        message: `unknown merge field "${p.original}"${line(p)}; allowed: ${MERGE_FIELDS.join(', ')}, custom.<key>`,
      });
    }
  };
  const expr = (e: hbs.AST.Expression) => {
    if (e.type === 'PathExpression') field(e as hbs.AST.PathExpression);
    else if (e.type === 'SubExpression') call(e as hbs.AST.SubExpression);
  };
  const call = (n: { path: hbs.AST.PathExpression | hbs.AST.Expression; params: hbs.AST.Expression[]; hash?: hbs.AST.Hash; loc?: hbs.AST.SourceLocation }, block = false) => {
    const name = (n.path as hbs.AST.PathExpression).original;
    if (n.params.length === 0 && !n.hash && !block) return expr(n.path);
    if (!(block ? BLOCK_HELPERS : HELPERS).has(name)) {
      problems.push({ path, message: `unknown helper "${name}"${line(n)}; allowed: ${[...(block ? BLOCK_HELPERS : HELPERS)].join(', ')}` });
      return;
    }
    if (n.hash) problems.push({ path, message: `helper "${name}" takes no hash arguments${line(n)}` });
    if (name === 'default' && (n.params.length !== 2 || n.params[1].type !== 'StringLiteral')) {
      problems.push({ path, message: `use {{default field "Fallback"}}${line(n)}` });
    }
    n.params.forEach(expr);
  };
  const walk = (program: hbs.AST.Program | undefined) => {
    for (const node of program?.body ?? []) {
      switch (node.type) {
        case 'MustacheStatement': {
          const m = node as hbs.AST.MustacheStatement;
          if (!m.escaped) problems.push({ path, message: `triple braces insert unescaped HTML${line(m)}; use {{ }}` });
          call(m);
          break;
        }
        case 'BlockStatement': {
          const b = node as hbs.AST.BlockStatement;
          call(b, true);
          walk(b.program);
          walk(b.inverse);
          break;
        }
        case 'ContentStatement':
        case 'CommentStatement':
          break;
        default:
          problems.push({ path, message: `${node.type.replace('Statement', '').toLowerCase()} blocks are not allowed${line(node)}` });
      }
    }
  };
  walk(ast);
  return problems;
}

export type RenderFn = (ctx: MergeContext) => string;

export function compileHtml(source: string): RenderFn {
  const fn = hbs.compile(source, COMPILE_OPTIONS);
  return (ctx) => fn(ctx);
}

/** Text parts and subjects are not HTML: merge values go in as they are. */
export function compileText(source: string): RenderFn {
  const fn = hbs.compile(source, { ...COMPILE_OPTIONS, noEscape: true });
  return (ctx) => fn(ctx);
}

const HEADING_SELECTORS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({
  selector,
  options: { uppercase: false, leadingLineBreaks: 2, trailingLineBreaks: 1 },
}));
export const HTML_TO_TEXT: HtmlToTextOptions = {
  wordwrap: false,
  selectors: [
    ...HEADING_SELECTORS,
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    { selector: 'img', format: 'skip' },
    { selector: '.preheader', format: 'skip' },
  ],
};

/**
 * The text part of a blast without one: the HTML *template* converted to text once, its merge fields kept, then
 * compiled like any text template (no per-recipient HTML parsing in the send loop).
 */
export function textTemplateFromHtml(htmlTemplate: string): string {
  return convert(htmlTemplate, HTML_TO_TEXT);
}

export function htmlToText(html: string): string {
  return convert(html, HTML_TO_TEXT);
}

/** The worst-case recipient (MSG-2): no name, no ZIP, no state, no custom fields. */
export const WORST_CASE: MergeContext = { firstName: '', lastName: '', email: 'supporter@example.org', zip: '', state: '', custom: {} };
/** A complete sample recipient, for previews and as the reference the worst case is compared with. */
export const SAMPLE: MergeContext = {
  firstName: 'Alex',
  lastName: 'Sample',
  email: 'alex.sample@example.org',
  zip: '80202',
  state: 'CO',
  custom: {},
};

/**
 * Lines that look broken when a merge field is empty: a greeting word followed directly by punctuation
 * ("Hi ,", "Dear,"), a space before a comma/colon/semicolon, or a line starting with a comma.
 */
export function danglingLines(text: string): string[] {
  const bad: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const l = raw.trim();
    if (!l) continue;
    if (
      /^(hi|hello|hey|dear|howdy|greetings)\s*[,:;!.]/i.test(l) ||
      /\b(hi|hello|hey|dear|howdy)\s+[,:;!.]/i.test(l) ||
      /^[,;:]/.test(l) ||
      /[^\s.]\s+[,;:](\s|$)/.test(l)
    ) {
      bad.push(l);
    }
  }
  return bad;
}

/**
 * Dangling lines of the worst case that a complete recipient does not have (so static copy never trips it). Throws
 * when the template cannot render; the caller knows whether its other problems already explain that.
 */
export function danglingGreetingProblems(render: (ctx: MergeContext) => string, path: string, source: string): TemplateProblem[] {
  const custom = Object.fromEntries([...source.matchAll(/custom\.([A-Za-z0-9_-]+)/g)].map((m) => [m[1], 'Sample']));
  const worst = danglingLines(render(WORST_CASE));
  const full = new Set(danglingLines(render({ ...SAMPLE, custom })));
  return worst
    .filter((l) => !full.has(l))
    .slice(0, 3)
    .map((l) => ({
      path,
      message: `a recipient with no name or ZIP would read "${l.slice(0, 80)}"; add a fallback, e.g. {{default firstName "Friend"}}`,
    }));
}

/** The templates of a blast, as stored. */
export interface BlastTemplates {
  subject: string;
  preheader: string | null;
  htmlBody: string;
  textBody: string | null;
}

/**
 * Every template problem of a blast in one pass (MSG-2): each field is checked on its own, so a field that does not
 * compile never hides another field's problems, and a field's unknown merge field never hides its dangling greeting.
 * `dangling: false` checks only what stops a template from rendering (for previews).
 */
export function blastTemplateProblems(b: BlastTemplates, { dangling = true } = {}): TemplateProblem[] {
  const fields: { path: keyof BlastTemplates; source: string | null; render: (source: string) => RenderFn }[] = [
    { path: 'subject', source: b.subject, render: compileText },
    { path: 'preheader', source: b.preheader, render: compileText },
    {
      path: 'htmlBody',
      source: b.htmlBody,
      render: (source) => {
        const html = compileHtml(source);
        return (ctx) => htmlToText(html(ctx));
      },
    },
    { path: 'textBody', source: b.textBody, render: compileText },
  ];
  const problems: TemplateProblem[] = [];
  for (const { path, source, render } of fields) {
    if (!source) continue;
    const own = templateProblems(source, path);
    problems.push(...own);
    if (!dangling) continue;
    try {
      problems.push(...danglingGreetingProblems(render(source), path, source));
    } catch (e) {
      // A syntax error, an unknown helper or a partial fails here; each is reported above already.
      if (!own.length) problems.push({ path, message: `template failed to render: ${(e as Error).message}` });
    }
  }
  return problems;
}
