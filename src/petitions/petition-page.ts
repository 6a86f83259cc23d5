import Handlebars from 'handlebars';
import { STATE_NAMES } from './petition-targets';
import type { ShareStep } from './signatures.service';

/**
 * Server-rendered hosted pages (PET-3): accessible HTML that works without JavaScript. Templates are compiled once;
 * every value is escaped except the petition body, which was sanitized when saved.
 */

const hbs = Handlebars.create();
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);

const LAYOUT = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{pageTitle}}</title>
{{#with meta}}
<meta name="description" content="{{description}}">
<link rel="canonical" href="{{canonical}}">
<meta property="og:type" content="website">
{{#if siteName}}<meta property="og:site_name" content="{{siteName}}">{{/if}}
<meta property="og:title" content="{{title}}">
<meta property="og:description" content="{{description}}">
<meta property="og:url" content="{{canonical}}">
{{#if imageUrl}}<meta property="og:image" content="{{imageUrl}}">{{/if}}
<meta name="twitter:card" content="{{#if imageUrl}}summary_large_image{{else}}summary{{/if}}">
<meta name="twitter:title" content="{{title}}">
<meta name="twitter:description" content="{{description}}">
{{#if imageUrl}}<meta name="twitter:image" content="{{imageUrl}}">{{/if}}
{{/with}}
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5; margin: 0; color: #1a1a1a; background: #f6f6f4; }
  main { max-width: 40rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; background: #fff; }
  main.petition { max-width: 72rem; }
  main.embed { max-width: none; padding: 1rem; }
  h1 { font-size: 1.75rem; line-height: 1.2; margin: 0 0 .75rem; }
  .embed h1 { font-size: 1.3rem; }
  .lede { font-size: 1.1rem; margin: 0 0 1rem; }
  .targets { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem; }
  .targets li { border: 1px solid #c8c8c8; border-radius: 6px; padding: .45rem .75rem; background: #fafafa; }
  .targets .name { display: block; font-weight: 700; }
  .targets .role { display: block; font-size: .9rem; color: #4a4a4a; }
  .progress p { margin: .25rem 0 0; }
  .progress .count { font-size: 1.15rem; font-weight: 700; }
  progress { width: 100%; height: 1.1rem; accent-color: #1d4ed8; }
  .recent { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .35rem 1rem; color: #333; }
  .sign { border: 1px solid #d4d4d4; border-radius: 8px; padding: 1rem 1.1rem 1.2rem; background: #fff; }
  .sign h2 { margin: 0; font-size: 1.3rem; }
  form { display: grid; gap: .6rem; }
  .pair { display: grid; grid-template-columns: 1fr 1fr; gap: .6rem; }
  label { font-weight: 600; display: block; }
  input[type=text], input[type=email], select, textarea { width: 100%; box-sizing: border-box; padding: .45rem .55rem; font: inherit; border: 1px solid #767676; border-radius: 4px; }
  .check { display: flex; gap: .5rem; align-items: flex-start; }
  .check input { margin-top: .3rem; }
  .check label { font-weight: normal; font-size: .95rem; }
  .hint { color: #4a4a4a; font-size: .9rem; font-weight: normal; }
  .field-error { color: #a00000; font-weight: 600; margin: .1rem 0 .3rem; }
  [aria-invalid=true] { border-color: #a00000; border-width: 2px; }
  .errors { border: 2px solid #a00000; padding: .5rem 1rem; border-radius: 4px; }
  .notice { border-left: 4px solid #1d4ed8; padding: .5rem 1rem; background: #eef2ff; }
  button { font: inherit; font-weight: 700; padding: .75rem 1rem; background: #1d4ed8; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
  .share-links { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem; }
  .share-links a { display: inline-block; padding: .5rem .9rem; border: 2px solid #1d4ed8; border-radius: 4px; color: #1d4ed8; font-weight: 700; text-decoration: none; }
  footer.org { max-width: 40rem; margin: 0 auto; padding: .75rem 1rem 2rem; font-size: .85rem; color: #333; }
  footer.org p { margin: .2rem 0; }
  button:focus, input:focus, select:focus, textarea:focus, a:focus { outline: 3px solid #f59e0b; outline-offset: 2px; }
  @media (min-width: 56rem) {
    main.petition { display: grid; grid-template-columns: minmax(0, 1fr) 24rem; grid-template-areas: "ask sign" "story sign"; column-gap: 2.5rem; align-items: start; }
    .ask { grid-area: ask; } .sign { grid-area: sign; } .story { grid-area: story; }
  }
</style>
</head>
<body>
<main id="main"{{#if mainClass}} class="{{mainClass}}"{{/if}}>
{{{content}}}
</main>
{{#if footer.length}}<footer class="org">{{#each footer}}<p>{{this}}</p>{{/each}}</footer>{{/if}}
</body>
</html>`;

const FIELD = `{{#if error}}<p class="field-error" id="{{name}}-error">{{error}}</p>{{/if}}`;

const PROGRESS = `
<section class="progress" aria-labelledby="progress-text">
  <progress max="{{progress.max}}" value="{{progress.value}}" aria-labelledby="progress-text"></progress>
  <p id="progress-text"><span class="count">{{progress.countText}}</span> {{progress.caption}}</p>
  {{#if progress.goalLine}}<p>{{progress.goalLine}}</p>{{/if}}
</section>`;

const PETITION = `
<div class="ask">
<h1>{{title}}</h1>
{{#if lede}}<p class="lede">{{lede}}</p>{{/if}}
${PROGRESS}
</div>
<div class="sign">
{{#if closed}}
<p class="notice" role="status">{{closedMessage}}</p>
{{else}}
<form method="post" action="{{action}}" aria-labelledby="form-heading">
  <h2 id="form-heading">Add your name</h2>
  {{#if errors.length}}
  <div class="errors" role="alert" aria-labelledby="errors-heading" tabindex="-1" autofocus>
    <h3 id="errors-heading">Please correct the following:</h3>
    <ul>{{#each errors}}<li><a href="#{{field}}">{{message}}</a></li>{{/each}}</ul>
  </div>
  {{/if}}
  <div>
    <label for="email">Email address</label>
    ${'{{#with fields.email}}' + FIELD + '{{/with}}'}
    <input type="email" id="email" name="email" autocomplete="email" required maxlength="254" value="{{values.email}}"{{#if fields.email.error}} aria-invalid="true" aria-describedby="email-error"{{/if}}>
  </div>
  <div class="pair">
  <div>
    <label for="firstName">First name</label>
    ${'{{#with fields.firstName}}' + FIELD + '{{/with}}'}
    <input type="text" id="firstName" name="firstName" autocomplete="given-name" required maxlength="100" value="{{values.firstName}}"{{#if fields.firstName.error}} aria-invalid="true" aria-describedby="firstName-error"{{/if}}>
  </div>
  <div>
    <label for="lastName">Last name</label>
    ${'{{#with fields.lastName}}' + FIELD + '{{/with}}'}
    <input type="text" id="lastName" name="lastName" autocomplete="family-name" required maxlength="100" value="{{values.lastName}}"{{#if fields.lastName.error}} aria-invalid="true" aria-describedby="lastName-error"{{/if}}>
  </div>
  </div>
  <div{{#if askState}} class="pair"{{/if}}>
  <div>
    <label for="zip">ZIP code</label>
    ${'{{#with fields.zip}}' + FIELD + '{{/with}}'}
    <input type="text" id="zip" name="zip" autocomplete="postal-code" inputmode="numeric" required maxlength="10" pattern="[0-9]{5}(-?[0-9]{4})?" value="{{values.zip}}"{{#if fields.zip.error}} aria-invalid="true" aria-describedby="zip-error"{{/if}}>
  </div>
  {{#if askState}}
  <div>
    <label for="state">State <span class="hint">(if the ZIP can't tell)</span></label>
    ${'{{#with fields.state}}' + FIELD + '{{/with}}'}
    <select id="state" name="state"{{#if fields.state.error}} aria-invalid="true" aria-describedby="state-error"{{/if}}>
      <option value="">Choose…</option>
      {{#each states}}<option value="{{code}}"{{#if (eq code ../values.state)}} selected{{/if}}>{{name}}</option>{{/each}}
    </select>
  </div>
  {{/if}}
  </div>
  <div>
    <label for="comment">Comment <span class="hint">(optional, delivered with your signature)</span></label>
    ${'{{#with fields.comment}}' + FIELD + '{{/with}}'}
    <textarea id="comment" name="comment" rows="2" maxlength="2000"{{#if fields.comment.error}} aria-invalid="true" aria-describedby="comment-error"{{/if}}>{{values.comment}}</textarea>
  </div>
  <div class="check">
    <input type="checkbox" id="optIn" name="optIn" value="true"{{#if values.optIn}} checked{{/if}}>
    <label for="optIn">{{optInText}}</label>
  </div>
  {{#if values.referralCode}}<input type="hidden" name="referralCode" value="{{values.referralCode}}">{{/if}}
  {{#if values.blast}}<input type="hidden" name="blast" value="{{values.blast}}">{{/if}}
  <button type="submit">Sign the petition</button>
</form>
{{/if}}
{{#if embed}}<p><a href="{{petitionPath}}" target="_blank" rel="noopener">Read the full petition</a></p>{{/if}}
</div>
{{#unless embed}}
<div class="story">
<section aria-labelledby="targets-heading">
  <h2 id="targets-heading">Addressed to</h2>
  <ul class="targets">{{#each targets}}<li><span class="name">{{name}}</span>{{#if role}}<span class="role">{{role}}</span>{{/if}}</li>{{/each}}</ul>
  {{#each notices}}<p class="notice roster-change">{{this}}</p>{{/each}}
</section>
<div class="body">{{{bodyHtml}}}</div>
{{#if recentSigners.length}}
<section aria-labelledby="recent-heading">
  <h2 id="recent-heading">Recent signers</h2>
  <ul class="recent">{{#each recentSigners}}<li>{{firstName}}{{#if state}}, {{state}}{{/if}}</li>{{/each}}</ul>
</section>
{{/if}}
</div>
{{/unless}}`;

const SHARE = `
<section aria-labelledby="share-heading">
  <h2 id="share-heading">Ask your friends to sign</h2>
  <p>Each person who signs through your link is counted as yours.</p>
  <label for="share-url">Your link <span class="hint">(select it and copy)</span></label>
  <input type="text" id="share-url" readonly value="{{share.links.url}}">
  <ul class="share-links">
    <li><a href="{{share.links.email}}">Email</a></li>
    <li><a href="{{share.links.sms}}">Text message</a></li>
    <li><a href="{{share.links.whatsapp}}" target="_blank" rel="noopener noreferrer">WhatsApp</a></li>
    <li><a href="{{share.links.facebook}}" target="_blank" rel="noopener noreferrer">Facebook</a></li>
    <li><a href="{{share.links.x}}" target="_blank" rel="noopener noreferrer">X</a></li>
  </ul>
  <p id="referral-count">{{referralText}}</p>
  <p><a href="{{share.personalUrl}}"{{#if embed}} target="_blank" rel="noopener"{{/if}}>Your personal page</a> — bookmark it to come back and see how many people your link brought.</p>
</section>`;

const THANK_YOU = `
<h1>Thank you{{#if firstName}}, {{firstName}}{{/if}}!</h1>
<p role="status">Your signature on <strong>{{title}}</strong> has been recorded.</p>
{{#if share}}${SHARE}{{/if}}
{{#if targets.length}}
<section aria-labelledby="sent-heading">
  <h2 id="sent-heading">Your signature is addressed to</h2>
  <ul class="targets">{{#each targets}}<li>{{label}}</li>{{/each}}</ul>
</section>
{{/if}}
{{#if ownMessage}}<p class="notice">{{ownMessage}}</p>{{/if}}
<p>{{countText}} people have signed{{#if goal}} — the goal is {{goalText}}{{/if}}.</p>
<p><a href="{{petitionPath}}"{{#if embed}} target="_blank" rel="noopener"{{/if}}>Back to the petition</a></p>`;

const MESSAGE = `<h1>{{heading}}</h1><p>{{message}}</p>{{#if link}}<p><a href="{{link}}">{{linkText}}</a></p>{{/if}}`;

const layout = hbs.compile(LAYOUT);
const petitionTemplate = hbs.compile(PETITION);
const thankYouTemplate = hbs.compile(THANK_YOU);
const messageTemplate = hbs.compile(MESSAGE);

const STATES = Object.entries(STATE_NAMES)
  .map(([code, name]) => ({ code, name: name.replace(/^the /, '').replace(/^a military address \((\w+)\)$/, 'Military ($1)') }))
  .sort((a, b) => a.name.localeCompare(b.name));

const fmt = (n: number) => n.toLocaleString('en-US');

/** What a link to the page shows in a social network or messenger (Open Graph, Twitter card, meta description). */
export interface PageMeta {
  title: string;
  description: string;
  canonical: string;
  imageUrl: string | null;
  siteName: string | null;
}

/** A target as a name card: the person (or the role when vacant) and what they are addressed as. */
export interface TargetCard {
  name: string;
  role: string | null;
}

export interface PetitionPageModel {
  slug: string;
  title: string;
  /** The share description (or the body's first paragraph), shown under the title beside the form. */
  lede: string;
  bodyHtml: string;
  targets: TargetCard[];
  /** Targeted roles that changed hands since the petition started (roleChangeNotice). */
  notices?: string[];
  signatureCount: number;
  goal: number | null;
  status: 'open' | 'closed';
  optInText: string;
  askState: boolean;
  meta: PageMeta;
  recentSigners?: { firstName: string; state: string | null }[];
  /** The framable variant (`/p/:slug/embed`): the ask, the progress and the form only. */
  embed?: boolean;
  values?: Record<string, unknown>;
  errors?: { path: string; message: string }[];
  closedMessage?: string;
  /** The organization's "Paid for by …" disclaimer and address. */
  footer?: string[];
}

/** The hosted form's fields (the names its inputs post). */
const FORM_FIELDS = ['email', 'firstName', 'lastName', 'zip', 'state', 'comment', 'optIn'] as const;
type FormField = (typeof FORM_FIELDS)[number];

const MILESTONES = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000];

/**
 * Progress that reads well from the first signature: the bar fills toward the next milestone (10, 25, 50, 100, …)
 * rather than toward a distant goal, so 3 signatures show as 3 of 10, not as an empty bar; the goal is the last step.
 */
export function progressSteps(count: number, goal: number | null) {
  const next = MILESTONES.find((m) => m > count && (!goal || m < goal)) ?? (goal && goal > count ? goal : null);
  const countText = fmt(count);
  const noun = count === 1 ? 'signature' : 'signatures';
  if (next === null) {
    const max = goal ?? Math.max(count, 1);
    return { max, value: Math.min(count, max), countText, caption: goal ? `${noun} — the goal of ${fmt(goal)} is reached!` : noun, goalLine: '' };
  }
  const caption = count === 0 ? `${noun} so far — be the first to sign` : `${noun} — help us reach ${fmt(next)}`;
  return { max: next, value: count, countText, caption, goalLine: goal && next !== goal ? `Goal: ${fmt(goal)} signatures` : '' };
}

export function renderPetitionPage(m: PetitionPageModel): string {
  // Error paths come from the client's field names: only the form's own fields get an entry (a summary line for any
  // other points at the first field), so no client-chosen key is ever written into an object.
  const errors = (m.errors ?? []).map((e) => {
    const name = e.path.split(/[.[]/)[0];
    return { field: (FORM_FIELDS as readonly string[]).includes(name) ? name : 'email', message: e.message };
  });
  const fields = Object.fromEntries(
    FORM_FIELDS.map((name) => [name, { name, error: errors.filter((e) => e.field === name).map((e) => e.message).join('; ') }]),
  ) as Record<FormField, { name: string; error: string }>;
  const content = petitionTemplate({
    ...m,
    action: m.embed ? `/p/${m.slug}?embed=1` : `/p/${m.slug}`,
    petitionPath: `/p/${m.slug}`,
    closed: m.status !== 'open',
    closedMessage: m.closedMessage ?? 'This petition is closed and no longer accepts signatures. Thank you for your support.',
    progress: progressSteps(m.signatureCount, m.goal),
    values: m.values ?? {},
    errors,
    fields,
    states: STATES,
    askState: m.askState || !!fields.state.error,
    recentSigners: m.recentSigners ?? [],
  });
  return layout({
    pageTitle: m.errors?.length ? `Error: ${m.title}` : m.title,
    content,
    meta: m.meta,
    mainClass: m.embed ? 'embed' : 'petition',
    footer: m.footer ?? [], // the disclaimer goes wherever the form does, framed or not
  });
}

export interface ThankYouPageModel {
  slug: string;
  title: string;
  firstName?: string;
  targets: { label: string }[];
  ownMessage?: string;
  signatureCount: number;
  goal: number | null;
  meta: PageMeta;
  share?: ShareStep;
  embed?: boolean;
  footer?: string[];
}

export function renderThankYouPage(m: ThankYouPageModel): string {
  const n = m.share?.referralCount ?? 0;
  const content = thankYouTemplate({
    ...m,
    countText: fmt(m.signatureCount),
    goalText: m.goal ? fmt(m.goal) : '',
    petitionPath: `/p/${m.slug}`,
    referralText:
      n === 0
        ? 'Nobody has signed through your link yet — you could be the reason the next person does.'
        : `${fmt(n)} ${n === 1 ? 'person has' : 'people have'} signed through your link so far. Thank you!`,
  });
  return layout({
    pageTitle: `Thank you — ${m.title}`,
    content,
    meta: m.meta,
    mainClass: m.embed ? 'embed' : undefined,
    footer: m.footer ?? [], // the disclaimer goes wherever the form does, framed or not
  });
}

export function renderMessagePage(heading: string, message: string, link?: { href: string; text: string }): string {
  return layout({ pageTitle: heading, content: messageTemplate({ heading, message, link: link?.href, linkText: link?.text }) });
}

/** The neutral default icon (a check mark in the page's blue), served at /favicon.svg and /favicon.ico. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d4ed8"/>' +
  '<path d="M9 16.5l4.5 4.5L23 11.5" fill="none" stroke="#fff" stroke-width="3.5" stroke-linecap="round" stroke-linejoin="round"/></svg>';
