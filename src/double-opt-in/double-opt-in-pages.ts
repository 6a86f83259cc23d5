import Handlebars from 'handlebars';
import { renderTokenPage } from '../preferences/preference-pages';

/*
 * The confirmation pages (COMP-4), in the token pages' shell: server-rendered, no JavaScript, no external assets,
 * {{ }} escapes everything.
 * The form posts to its own relative URL, so the page works under any path prefix of PUBLIC_BASE_URL.
 */
const hbs = Handlebars.create();

export interface ConfirmView {
  /** Relative form action: the page's own token. */
  action: string;
  maskedEmail: string;
  organization: string;
  /** The sentence the person agrees to by pressing the button; recorded as the consent wording. */
  wording: string;
  alreadyConfirmed: boolean;
}

const confirmTemplate = hbs.compile(`
{{#if alreadyConfirmed}}
<h1>You are already confirmed</h1>
<div class="notice" role="status"><strong>{{maskedEmail}}</strong> is on the list of {{organization}}. Nothing more to do.</div>
{{else}}
<h1>Confirm your subscription</h1>
<div class="card">
<p>Confirm that <strong>{{maskedEmail}}</strong> should receive email from {{organization}}.</p>
<form method="post" action="{{action}}">
<p>{{wording}}</p>
<button type="submit">Yes, subscribe me</button>
</form>
</div>
<p class="muted">If you did not ask for this, close this page: without your confirmation we will not email you again.</p>
{{/if}}
`);

const confirmedTemplate = hbs.compile(`
<h1>Thank you — you are subscribed</h1>
<div class="notice" role="status"><strong>{{maskedEmail}}</strong> will now receive email from {{organization}}.</div>
<p class="muted">Every message has a link to receive fewer emails or to unsubscribe.</p>
`);

export function renderConfirmPage(view: ConfirmView): string {
  return renderTokenPage(view.alreadyConfirmed ? 'Already confirmed' : 'Confirm your subscription', confirmTemplate(view));
}

export function renderConfirmedPage(view: Pick<ConfirmView, 'maskedEmail' | 'organization'>): string {
  return renderTokenPage('Subscribed', confirmedTemplate(view));
}

const emailText = hbs.compile(`Hello{{#if firstName}} {{firstName}}{{/if}},

{{#if reminder}}A few days ago you asked to receive email from {{organization}}, but the address is not confirmed yet.{{else}}Thank you for signing up to receive email from {{organization}}.{{/if}}
Please confirm that this is your address by opening this link and pressing the button:

{{url}}

If you did not ask for this, ignore this message: without your confirmation we will not email you again{{#if reminder}}{{else}} (apart from one reminder){{/if}}.
{{#if postalAddress}}
{{organization}}, {{postalAddress}}
{{/if}}`, { noEscape: true });

const emailHtml = hbs.compile(`<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a">
<p>Hello{{#if firstName}} {{firstName}}{{/if}},</p>
<p>{{#if reminder}}A few days ago you asked to receive email from {{organization}}, but the address is not confirmed yet.{{else}}Thank you for signing up to receive email from {{organization}}.{{/if}}
Please confirm that this is your address:</p>
<p><a href="{{url}}" style="display:inline-block;padding:12px 20px;background:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:bold">Confirm my subscription</a></p>
<p style="font-size:14px;color:#555">Or copy this link into your browser: {{url}}</p>
<p style="font-size:14px;color:#555">If you did not ask for this, ignore this message: without your confirmation we will not email you again{{#if reminder}}{{else}} (apart from one reminder){{/if}}.</p>
{{#if postalAddress}}<p style="font-size:12px;color:#777">{{organization}}, {{postalAddress}}</p>{{/if}}
</body></html>`);

export interface ConfirmationEmailView {
  firstName: string | null;
  organization: string;
  postalAddress: string | null;
  url: string;
  reminder: boolean;
}

export function renderConfirmationEmail(view: ConfirmationEmailView): { subject: string; text: string; html: string } {
  return {
    subject: view.reminder ? `Reminder: please confirm your subscription to ${view.organization}` : `Please confirm your subscription to ${view.organization}`,
    text: emailText(view),
    html: emailHtml(view),
  };
}
