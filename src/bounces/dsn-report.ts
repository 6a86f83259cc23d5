import { createHash } from 'node:crypto';
import PostalMime from 'postal-mime';
import type { BounceReport } from './bounces.service';
import { classifySmtpReply, enhancedStatusOf } from './smtp-reply';

/**
 * Raw MIME reports sent back to us: RFC 3464 delivery-status notifications and RFC 5965 (ARF) feedback reports.
 * Only these structured reports are read. Anything else — vacation notices, "out of office", any other
 * auto-reply (RFC 3834 `Auto-Submitted: auto-replied`) — is not a bounce and is ignored. (A genuine DSN may itself
 * carry `Auto-Submitted: auto-replied`, as Postfix's do; the report part is what decides.)
 */
export type ParsedReport =
  | { kind: 'reports'; reports: BounceReport[] }
  | { kind: 'ignored'; reason: 'auto-reply' | 'not-a-report' | 'no-failure' };

type Fields = Map<string, string>;

/** One header block ("Name: value" lines, folded continuation lines) → lower-cased names. */
function fieldsOf(block: string): Fields {
  const out: Fields = new Map();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (m && !out.has(m[1].toLowerCase())) out.set(m[1].toLowerCase(), m[2].trim());
  }
  return out;
}

/** A delivery-status body: per-message fields, then one block per recipient, separated by blank lines. */
function statusBlocks(text: string): Fields[] {
  return text.split(/\r?\n\s*\r?\n/).map((b) => b.trim()).filter(Boolean).map(fieldsOf);
}

/** `rfc822; person@example.org` → `person@example.org`. */
function addressOf(value: string | undefined): string | null {
  if (!value) return null;
  const addr = value.includes(';') ? value.slice(value.indexOf(';') + 1) : value;
  const clean = addr.trim().replace(/^<|>$/g, '');
  return /^[^\s@<>]+@[^\s@<>]+$/.test(clean) && clean.length <= 254 ? clean : null;
}

const contentText = (c: ArrayBuffer | Uint8Array | string) => (typeof c === 'string' ? c : Buffer.from(c as ArrayBuffer).toString('utf8'));

function isAutoReply(headers: { key: string; value: string }[]): boolean {
  const h = (k: string) => headers.find((x) => x.key === k)?.value?.toLowerCase();
  const auto = h('auto-submitted');
  return (!!auto && auto !== 'no') || !!h('x-autoreply') || !!h('x-autorespond') ||
    /auto[_-]?reply/.test(h('precedence') ?? '') || /^(auto|out of office|automatic reply)/i.test(h('subject') ?? '');
}

function dateOf(v: string | undefined): Date | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) || d.getTime() > Date.now() ? undefined : d;
}

export async function parseDsnOrArf(raw: Buffer): Promise<ParsedReport> {
  const email = await PostalMime.parse(raw, { forceRfc822Attachments: true });
  const contentType = email.headers.find((h) => h.key === 'content-type')?.value.toLowerCase() ?? '';
  const reportType = /report-type\s*=\s*"?([a-z-]+)/.exec(contentType)?.[1];
  const part = (...types: string[]) => email.attachments.find((a) => types.includes(a.mimeType.toLowerCase()));
  const original = part('message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers');
  const originalHeaders = original ? fieldsOf(contentText(original.content).split(/\r?\n\r?\n/, 1)[0]) : new Map<string, string>();
  const messageId = originalHeaders.get('message-id') ?? null;
  const reportId = email.messageId ?? createHash('sha256').update(raw).digest('hex').slice(0, 32);

  const statusPart = contentType.startsWith('multipart/report') && reportType === 'delivery-status'
    ? part('message/delivery-status', 'message/global-delivery-status')
    : undefined;
  if (statusPart) {
    const [perMessage, ...recipients] = statusBlocks(contentText(statusPart.content));
    const reports: BounceReport[] = [];
    for (const r of recipients) {
      // Only final failures are bounces; `delayed` means the MTA is still trying, `delivered`/`relayed` succeeded.
      if ((r.get('action') ?? '').toLowerCase() !== 'failed') continue;
      const address = addressOf(r.get('final-recipient') ?? r.get('original-recipient'));
      const status = enhancedStatusOf(r.get('status')) ?? enhancedStatusOf(r.get('diagnostic-code'));
      const diagnostic = r.get('diagnostic-code') ?? null;
      const basic = Number(/\b([245]\d\d)\b/.exec(diagnostic ?? '')?.[1] ?? NaN);
      const { type } = classifySmtpReply(Number.isNaN(basic) ? Number(status?.[0] ?? 5) * 100 : basic, status ?? diagnostic);
      reports.push({
        type: type === 'none' || type === 'soft' ? 'soft' : type,
        provider: 'dsn',
        email: address,
        messageId,
        code: status,
        detail: diagnostic?.slice(0, 1000) ?? null,
        occurredAt: dateOf(r.get('last-attempt-date') ?? perMessage?.get('arrival-date')),
        dedupeKey: `dsn:${reportId}:${(address ?? '').toLowerCase()}`.slice(0, 300),
      });
    }
    return reports.length ? { kind: 'reports', reports } : { kind: 'ignored', reason: 'no-failure' };
  }

  const feedbackPart = contentType.startsWith('multipart/report') && reportType === 'feedback-report' ? part('message/feedback-report') : undefined;
  if (feedbackPart) {
    const f = fieldsOf(contentText(feedbackPart.content));
    const feedbackType = (f.get('feedback-type') ?? '').toLowerCase();
    // abuse/fraud/other are complaints about our mail; auth-failure (RFC 6591) is about the sender; not-spam is not.
    const type = ['abuse', 'fraud', 'other', 'virus'].includes(feedbackType) ? 'complaint' : feedbackType === 'auth-failure' ? 'policy' : null;
    if (!type) return { kind: 'ignored', reason: 'no-failure' };
    const address = addressOf(f.get('original-rcpt-to') ?? f.get('removal-recipient') ?? originalHeaders.get('to'));
    return {
      kind: 'reports',
      reports: [{
        type,
        provider: 'arf',
        email: address,
        messageId,
        code: feedbackType,
        detail: f.get('user-agent')?.slice(0, 1000) ?? null,
        occurredAt: dateOf(f.get('arrival-date') ?? f.get('received-date')),
        dedupeKey: `arf:${reportId}:${(address ?? '').toLowerCase()}`.slice(0, 300),
      }],
    };
  }
  return { kind: 'ignored', reason: isAutoReply(email.headers) ? 'auto-reply' : 'not-a-report' };
}
