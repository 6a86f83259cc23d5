import Handlebars from 'handlebars';
import type { Frequency, SubscriberStatus } from '../subscribers/subscriber.entity';

/*
 * The token pages (UNSUB-2, UNSUB-3, UNSUB-5): server-rendered, no JavaScript, no external assets. Templates are
 * compiled once at load on a private Handlebars instance; {{ }} escapes everything. Links and form actions are
 * relative (`../preferences/TOKEN`), so the pages work under any path prefix of PUBLIC_BASE_URL.
 */

const hbs = Handlebars.create();
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);

export const FREQUENCY_LABELS: Record<Frequency, string> = {
  all: 'Every email',
  weekly: 'At most one email a week',
  monthly: 'At most one email a month',
  important_only: 'Only the most important emails',
};

const FREQUENCY_HINTS: Record<Frequency, string> = {
  all: 'Every campaign update and call to action.',
  weekly: 'We will skip a message if you already got one in the last 7 days.',
  monthly: 'We will skip a message if you already got one in the last 30 days.',
  important_only: 'Only the messages we mark as most important.',
};

/** `jane@example.org` → `j***@example.org`: enough to recognise, not enough to harvest. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1a1a1a;background:#f4f4f2}
main{max-width:36rem;margin:0 auto;padding:1.25rem 1rem 3rem}
h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.1rem;margin:0 0 .5rem}
p{margin:.5rem 0 1rem}
.card{background:#fff;border:1px solid #d6d6d0;border-radius:8px;padding:1rem 1.1rem;margin:0 0 1rem}
fieldset{border:0;margin:0;padding:0}
legend{font-weight:700;font-size:1.1rem;margin-bottom:.5rem;padding:0}
.choice{display:flex;gap:.6rem;align-items:flex-start;padding:.55rem 0;border-top:1px solid #ecece8}
.choice:first-of-type{border-top:0}
.choice input{width:1.3rem;height:1.3rem;margin:.15rem 0 0;flex:none;accent-color:#1d4ed8}
.choice span small{display:block;color:#555;font-size:.9rem}
button{font:inherit;font-weight:600;min-height:2.9rem;padding:.6rem 1.2rem;border-radius:6px;border:2px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer;width:100%;margin:.25rem 0}
button.secondary{background:#fff;color:#1d4ed8}
button.danger{background:#fff;color:#b42318;border-color:#b42318}
button:focus-visible,a:focus-visible,input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
a{color:#1d4ed8}
.notice{border-left:4px solid #15803d;background:#f0fdf4;padding:.75rem 1rem;margin:0 0 1rem;border-radius:4px}
.warning{border-left:4px solid #b45309;background:#fffbeb;padding:.75rem 1rem;margin:0 0 1rem;border-radius:4px}
ul.changes{margin:.25rem 0 0;padding-left:1.2rem}
.muted{color:#555;font-size:.95rem}
.org{margin:0;color:#444;font-weight:600;letter-spacing:.01em}
@media (min-width:30rem){button{width:auto}}
`;

const layout = hbs.compile(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>{{title}}{{#if orgName}} · {{orgName}}{{/if}}</title>
<style>{{{style}}}</style>
</head>
<body>
<main>
{{#if orgName}}<p class="org">{{orgName}}</p>{{/if}}
{{{content}}}
</main>
</body>
</html>
`);

export interface TopicChoice {
  id: string;
  name: string;
  description: string | null;
  receiving: boolean;
}

export interface PreferencesView extends PageContext {
  /** Relative form action (the page's own token). */
  action: string;
  maskedEmail: string;
  status: SubscriberStatus;
  frequency: Frequency;
  topics: TopicChoice[];
  /** After a POST: what changed, in plain words (empty list → "nothing changed"). */
  changes?: string[];
}

const preferencesTemplate = hbs.compile(`
<h1>Your email preferences</h1>
<p>For <strong>{{maskedEmail}}</strong></p>
{{#if changes}}
<div class="notice" role="status"><strong>Saved.</strong>
<ul class="changes">{{#each changes}}<li>{{this}}</li>{{/each}}</ul></div>
{{else if saved}}
<div class="notice" role="status"><strong>Saved.</strong> Nothing changed.</div>
{{/if}}
{{#if unsubscribed}}
<div class="warning"><strong>You are unsubscribed</strong> and get no emails from us. You can subscribe again below.</div>
{{/if}}
{{#if undeliverable}}
<div class="warning">We can no longer send email to this address, so it gets no emails from us.</div>
{{/if}}
{{#if unconfirmed}}
<div class="warning">Your subscription is not confirmed yet: look for our confirmation email.</div>
{{/if}}
<form method="post" action="{{action}}">
<div class="card">
<fieldset>
<legend>How often would you like to hear from us?</legend>
{{#each frequencies}}
<label class="choice"><input type="radio" name="frequency" value="{{value}}"{{#if checked}} checked{{/if}}>
<span>{{label}}<small>{{hint}}</small></span></label>
{{/each}}
</fieldset>
</div>
{{#if topics.length}}
<div class="card">
<fieldset>
<legend>Topics you want to hear about</legend>
{{#each topics}}
<input type="hidden" name="shownTopics" value="{{id}}">
<label class="choice"><input type="checkbox" name="topics" value="{{id}}"{{#if receiving}} checked{{/if}}>
<span>{{name}}{{#if description}}<small>{{description}}</small>{{/if}}</span></label>
{{/each}}
</fieldset>
</div>
{{/if}}
{{#if unsubscribed}}
<button type="submit" name="action" value="resubscribe">Subscribe me again with these choices</button>
<button type="submit" name="action" value="save" class="secondary">Save without subscribing</button>
{{else}}
<button type="submit" name="action" value="save">Save my preferences</button>
{{/if}}
{{#if canUnsubscribe}}
<div class="card" style="margin-top:1.5rem">
<h2>Unsubscribe from everything</h2>
<p class="muted">You will get no more campaign emails. You can come back any time from this page.</p>
<button type="submit" name="action" value="unsubscribe" class="danger">Unsubscribe from everything</button>
</div>
{{/if}}
</form>
`);

export interface UnsubscribeConfirmView extends PageContext {
  action: string;
  preferencesLink: string;
  maskedEmail: string;
  alreadyUnsubscribed: boolean;
}

const unsubscribeConfirmTemplate = hbs.compile(`
{{#if alreadyUnsubscribed}}
<h1>You are already unsubscribed</h1>
<p><strong>{{maskedEmail}}</strong> gets no emails from us.</p>
<p><a href="{{preferencesLink}}">Manage your email preferences</a> (you can subscribe again there).</p>
{{else}}
<h1>Unsubscribe?</h1>
<p>Stop all campaign emails{{#if orgName}} from {{orgName}}{{/if}} to <strong>{{maskedEmail}}</strong>.</p>
<form method="post" action="{{action}}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<input type="hidden" name="from" value="page">
<button type="submit">Unsubscribe</button>
</form>
<div class="card" style="margin-top:1.5rem">
<h2>Rather get fewer emails?</h2>
<p>Hear from us at most once a week or once a month, only for the most important news, or only on the topics you choose.</p>
<p><a href="{{preferencesLink}}">Choose how often you hear from us</a></p>
</div>
{{/if}}
`);

export interface UnsubscribedView extends PageContext {
  maskedEmail: string;
  /** Relative action of the undo form (the preference center, action=resubscribe); absent when undo is not possible. */
  undoAction?: string;
  preferencesLink: string;
}

const unsubscribedTemplate = hbs.compile(`
<h1>You are unsubscribed</h1>
<div class="notice" role="status"><strong>{{maskedEmail}}</strong> will get no more campaign emails from {{#if orgName}}{{orgName}}{{else}}us{{/if}}.</div>
{{#if undoAction}}
<form method="post" action="{{undoAction}}">
<p>Unsubscribed by mistake?</p>
<button type="submit" name="action" value="resubscribe" class="secondary">Undo: subscribe me again</button>
</form>
{{/if}}
<p class="muted">You can change your mind any time on your <a href="{{preferencesLink}}">preferences page</a>.</p>
`);

export interface TestLinkView extends PageContext {
  purpose: 'preferences' | 'unsubscribe';
  /** Null when the blast has been deleted since. */
  blastName: string | null;
}

const testLinkTemplate = hbs.compile(`
<h1>This link is from a test message</h1>
<div class="notice" role="status">This link came from a test send of {{#if blastName}}the blast <strong>{{blastName}}</strong>{{else}}a blast{{/if}}. Nothing was changed.</div>
{{#if (eq purpose "unsubscribe")}}
<p>In the real blast, this link opens the recipient's own unsubscribe page, where one button stops all campaign emails to them. Mail apps' one-click unsubscribe uses the same link.</p>
{{else}}
<p>In the real blast, this link opens the recipient's own email preferences page, where they choose how often they hear from {{#if orgName}}{{orgName}}{{else}}you{{/if}}, pick their topics or unsubscribe.</p>
{{/if}}
<p class="muted">Links in test messages belong to no subscriber, so following them never changes anyone's subscription.</p>
`);

/** The page every link of a test send shows (MSG-4), for GET and POST alike. */
export function renderTestLinkPage(view: TestLinkView): string {
  return page('Test message link', testLinkTemplate(view), view);
}

const errorTemplate = hbs.compile(`
<h1>{{heading}}</h1>
<p>{{message}}</p>
`);

/** Every page names the sender (the organization's from name or legal name) when it is configured. */
export interface PageContext {
  orgName?: string | null;
}

/** The shared shell of every token page (preferences, unsubscribe, opt-in confirmation): one look, one stylesheet. */
export function renderTokenPage(title: string, content: string, ctx: PageContext = {}): string {
  return layout({ title, style: STYLE, content, orgName: ctx.orgName });
}

const page = renderTokenPage;

export function renderPreferencesPage(view: PreferencesView): string {
  const unsubscribed = view.status === 'unsubscribed';
  const content = preferencesTemplate({
    ...view,
    saved: view.changes !== undefined,
    changes: view.changes?.length ? view.changes : undefined,
    unsubscribed,
    undeliverable: view.status === 'bounced' || view.status === 'complained',
    unconfirmed: view.status === 'unconfirmed',
    canUnsubscribe: view.status === 'subscribed' || view.status === 'unconfirmed',
    frequencies: (Object.keys(FREQUENCY_LABELS) as Frequency[]).map((value) => ({
      value,
      label: FREQUENCY_LABELS[value],
      hint: FREQUENCY_HINTS[value],
      checked: value === view.frequency,
    })),
  });
  return page('Email preferences', content, view);
}

export function renderUnsubscribeConfirmPage(view: UnsubscribeConfirmView): string {
  return page(view.alreadyUnsubscribed ? 'Already unsubscribed' : 'Unsubscribe', unsubscribeConfirmTemplate(view), view);
}

export function renderUnsubscribedPage(view: UnsubscribedView): string {
  return page('Unsubscribed', unsubscribedTemplate(view), view);
}

const ERROR_PAGES: Record<number, { heading: string; message: string }> = {
  400: { heading: 'That did not work', message: 'The form could not be read. Please go back, reload the page and try again.' },
  415: { heading: 'That did not work', message: 'The form could not be read. Please go back, reload the page and try again.' },
  404: {
    heading: 'This link is not valid',
    message: 'The link may be incomplete: copy the whole address from your email into the browser, or use the link in a more recent email.',
  },
  429: { heading: 'Too many requests', message: 'Please wait a minute and try again.' },
  503: { heading: 'Temporarily unavailable', message: 'Please try again in a few minutes.' },
};

/** The one error page; for a bad token it is always the same 404 page, whatever the cause. */
export function renderErrorPage(statusCode: number): string {
  const known = ERROR_PAGES[statusCode] ?? (statusCode >= 500
    ? { heading: 'Something went wrong', message: 'Please try again in a few minutes.' }
    : { heading: 'That did not work', message: 'Please go back and try again.' });
  // No organization name: the page must not differ with whatever the token named.
  return page(known.heading, errorTemplate(known), {});
}
