import Handlebars from 'handlebars';
import { STATE_NAMES } from './petition-targets';

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
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5; margin: 0; color: #1a1a1a; background: #f6f6f4; }
  main { max-width: 40rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; background: #fff; }
  h1 { font-size: 1.75rem; line-height: 1.2; }
  .targets { padding-left: 1.2rem; }
  .progress p { margin: .25rem 0 1rem; font-weight: 600; }
  progress { width: 100%; height: 1rem; }
  form { display: grid; gap: .9rem; margin-top: 1.5rem; }
  label { font-weight: 600; display: block; }
  input[type=text], input[type=email], select, textarea { width: 100%; box-sizing: border-box; padding: .55rem; font: inherit; border: 1px solid #767676; border-radius: 4px; }
  .check label { font-weight: normal; display: inline; }
  .hint { color: #4a4a4a; font-size: .9rem; margin: .1rem 0 .3rem; }
  .field-error { color: #a00000; font-weight: 600; margin: .1rem 0 .3rem; }
  [aria-invalid=true] { border-color: #a00000; border-width: 2px; }
  .errors { border: 2px solid #a00000; padding: .5rem 1rem; border-radius: 4px; }
  .notice { border-left: 4px solid #1d4ed8; padding: .5rem 1rem; background: #eef2ff; }
  button { font: inherit; font-weight: 700; padding: .75rem 1rem; background: #1d4ed8; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
  footer.org { max-width: 40rem; margin: 0 auto; padding: .75rem 1rem 2rem; font-size: .85rem; color: #333; }
  footer.org p { margin: .2rem 0; }
  button:focus, input:focus, select:focus, textarea:focus, a:focus { outline: 3px solid #f59e0b; outline-offset: 2px; }
</style>
</head>
<body>
<main id="main">
{{{content}}}
</main>
{{#if footer.length}}<footer class="org">{{#each footer}}<p>{{this}}</p>{{/each}}</footer>{{/if}}
</body>
</html>`;

const FIELD = `{{#if error}}<p class="field-error" id="{{name}}-error">{{error}}</p>{{/if}}`;

const PETITION = `
<h1>{{title}}</h1>
<section aria-labelledby="targets-heading">
  <h2 id="targets-heading">Addressed to</h2>
  <ul class="targets">{{#each targets}}<li>{{label}}</li>{{/each}}</ul>
  {{#each notices}}<p class="notice roster-change">{{this}}</p>{{/each}}
</section>
<div class="body">{{{bodyHtml}}}</div>
<section class="progress" aria-labelledby="progress-text">
  {{#if goal}}<progress max="{{goal}}" value="{{progressValue}}" aria-labelledby="progress-text"></progress>
  <p id="progress-text">{{countText}} of {{goalText}} signatures</p>
  {{else}}<p id="progress-text">{{countText}} signatures</p>{{/if}}
</section>
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
  <div>
    <label for="zip">ZIP code</label>
    ${'{{#with fields.zip}}' + FIELD + '{{/with}}'}
    <input type="text" id="zip" name="zip" autocomplete="postal-code" inputmode="numeric" required maxlength="10" pattern="[0-9]{5}(-?[0-9]{4})?" value="{{values.zip}}"{{#if fields.zip.error}} aria-invalid="true" aria-describedby="zip-error"{{/if}}>
  </div>
  {{#if askState}}
  <div>
    <label for="state">State <span class="hint">(only if we cannot tell it from your ZIP code)</span></label>
    ${'{{#with fields.state}}' + FIELD + '{{/with}}'}
    <select id="state" name="state"{{#if fields.state.error}} aria-invalid="true" aria-describedby="state-error"{{/if}}>
      <option value="">Choose…</option>
      {{#each states}}<option value="{{code}}"{{#if (eq code ../values.state)}} selected{{/if}}>{{name}}</option>{{/each}}
    </select>
  </div>
  {{/if}}
  <div>
    <label for="comment">Comment <span class="hint">(optional, delivered with your signature)</span></label>
    ${'{{#with fields.comment}}' + FIELD + '{{/with}}'}
    <textarea id="comment" name="comment" rows="3" maxlength="2000"{{#if fields.comment.error}} aria-invalid="true" aria-describedby="comment-error"{{/if}}>{{values.comment}}</textarea>
  </div>
  <div class="check">
    <input type="checkbox" id="optIn" name="optIn" value="true"{{#if values.optIn}} checked{{/if}}>
    <label for="optIn">{{optInText}}</label>
  </div>
  {{#if values.referralCode}}<input type="hidden" name="referralCode" value="{{values.referralCode}}">{{/if}}
  {{#if values.blast}}<input type="hidden" name="blast" value="{{values.blast}}">{{/if}}
  <button type="submit">Sign the petition</button>
</form>
{{/if}}`;

const THANK_YOU = `
<h1>Thank you{{#if firstName}}, {{firstName}}{{/if}}!</h1>
<p role="status">Your signature on <strong>{{title}}</strong> has been recorded.</p>
{{#if targets.length}}
<section aria-labelledby="sent-heading">
  <h2 id="sent-heading">Your signature is addressed to</h2>
  <ul class="targets">{{#each targets}}<li>{{label}}</li>{{/each}}</ul>
</section>
{{/if}}
{{#if ownMessage}}<p class="notice">{{ownMessage}}</p>{{/if}}
<p>{{countText}} people have signed{{#if goal}} — the goal is {{goalText}}{{/if}}.</p>
<p><a href="{{petitionPath}}">Back to the petition</a></p>`;

const MESSAGE = `<h1>{{heading}}</h1><p>{{message}}</p>{{#if link}}<p><a href="{{link}}">{{linkText}}</a></p>{{/if}}`;

const layout = hbs.compile(LAYOUT);
const petitionTemplate = hbs.compile(PETITION);
const thankYouTemplate = hbs.compile(THANK_YOU);
const messageTemplate = hbs.compile(MESSAGE);

const STATES = Object.entries(STATE_NAMES)
  .map(([code, name]) => ({ code, name: name.replace(/^the /, '').replace(/^a military address \((\w+)\)$/, 'Military ($1)') }))
  .sort((a, b) => a.name.localeCompare(b.name));

const fmt = (n: number) => n.toLocaleString('en-US');

export interface PetitionPageModel {
  slug: string;
  title: string;
  bodyHtml: string;
  targets: { label: string }[];
  /** Targeted roles that changed hands since the petition started (roleChangeNotice). */
  notices?: string[];
  signatureCount: number;
  goal: number | null;
  status: 'open' | 'closed';
  optInText: string;
  askState: boolean;
  values?: Record<string, unknown>;
  errors?: { path: string; message: string }[];
  closedMessage?: string;
  /** The organization's "Paid for by …" disclaimer and address. */
  footer?: string[];
}

/** The hosted form's fields (the names its inputs post). */
const FORM_FIELDS = ['email', 'firstName', 'lastName', 'zip', 'state', 'comment', 'optIn'] as const;
type FormField = (typeof FORM_FIELDS)[number];

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
    action: `/p/${m.slug}`,
    closed: m.status !== 'open',
    closedMessage: m.closedMessage ?? 'This petition is closed and no longer accepts signatures. Thank you for your support.',
    progressValue: m.goal ? Math.min(m.signatureCount, m.goal) : 0,
    countText: fmt(m.signatureCount),
    goalText: m.goal ? fmt(m.goal) : '',
    values: m.values ?? {},
    errors,
    fields,
    states: STATES,
    askState: m.askState || !!fields.state.error,
  });
  return layout({ pageTitle: m.errors?.length ? `Error: ${m.title}` : m.title, content, footer: m.footer ?? [] });
}

export function renderThankYouPage(m: {
  slug: string;
  title: string;
  firstName?: string;
  targets: { label: string }[];
  ownMessage?: string;
  signatureCount: number;
  goal: number | null;
  footer?: string[];
}): string {
  const content = thankYouTemplate({
    ...m,
    countText: fmt(m.signatureCount),
    goalText: m.goal ? fmt(m.goal) : '',
    petitionPath: `/p/${m.slug}`,
  });
  return layout({ pageTitle: `Thank you — ${m.title}`, content, footer: m.footer ?? [] });
}

export function renderMessagePage(heading: string, message: string, link?: { href: string; text: string }): string {
  return layout({ pageTitle: heading, content: messageTemplate({ heading, message, link: link?.href, linkText: link?.text }) });
}
