import type { BounceReport } from './bounces.service';

/**
 * Amazon SES bounce/complaint notifications (the `Message` of an SNS Notification) mapped to bounce reports:
 * Permanent → hard, Transient/Undetermined → soft, Complaint → complaint. Delivery and other event types map to
 * nothing. Works for both notification formats (`notificationType`) and event publishing (`eventType`).
 * https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html
 */
interface SesRecipient {
  emailAddress?: unknown;
  status?: unknown;
  diagnosticCode?: unknown;
}

const asString = (v: unknown, max: number): string | null => (typeof v === 'string' && v.length > 0 ? v.slice(0, max) : null);
const asDate = (v: unknown): Date | undefined => {
  const d = typeof v === 'string' ? new Date(v) : undefined;
  return d && !Number.isNaN(d.getTime()) && d.getTime() <= Date.now() ? d : undefined;
};
const list = (v: unknown): SesRecipient[] => (Array.isArray(v) ? v.filter((r) => r && typeof r === 'object').slice(0, 1000) : []);

/** Our Message-ID header of the original message, when SES included the headers. */
function originalMessageId(mail: Record<string, unknown> | undefined): string | null {
  const common = mail?.commonHeaders as Record<string, unknown> | undefined;
  if (typeof common?.messageId === 'string') return common.messageId;
  const headers = Array.isArray(mail?.headers) ? (mail.headers as { name?: unknown; value?: unknown }[]) : [];
  const h = headers.find((x) => typeof x?.name === 'string' && x.name.toLowerCase() === 'message-id');
  return typeof h?.value === 'string' ? h.value : null;
}

export function sesNotificationToReports(messageText: string, snsMessageId: string): BounceReport[] {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(messageText);
  } catch {
    return [];
  }
  if (!doc || typeof doc !== 'object') return [];
  const kind = doc.notificationType ?? doc.eventType;
  const mail = (doc.mail && typeof doc.mail === 'object' ? doc.mail : undefined) as Record<string, unknown> | undefined;
  const messageId = originalMessageId(mail);

  if (kind === 'Bounce' && doc.bounce && typeof doc.bounce === 'object') {
    const b = doc.bounce as Record<string, unknown>;
    const type = b.bounceType === 'Permanent' ? 'hard' : 'soft';
    const feedbackId = asString(b.feedbackId, 200) ?? snsMessageId;
    return list(b.bouncedRecipients).flatMap((r) => {
      const email = asString(r.emailAddress, 254);
      if (!email) return [];
      return [{
        type,
        provider: 'ses',
        email,
        messageId,
        code: asString([r.status, b.bounceType, b.bounceSubType].filter((x) => typeof x === 'string').join(' '), 100),
        detail: asString(r.diagnosticCode, 1000),
        occurredAt: asDate(b.timestamp),
        dedupeKey: `ses:${feedbackId}:${email.toLowerCase()}`,
      } satisfies BounceReport];
    });
  }
  if (kind === 'Complaint' && doc.complaint && typeof doc.complaint === 'object') {
    const c = doc.complaint as Record<string, unknown>;
    const feedbackId = asString(c.feedbackId, 200) ?? snsMessageId;
    return list(c.complainedRecipients).flatMap((r) => {
      const email = asString(r.emailAddress, 254);
      if (!email) return [];
      return [{
        type: 'complaint',
        provider: 'ses',
        email,
        messageId,
        code: asString(c.complaintFeedbackType, 100),
        detail: asString(c.complaintSubType, 1000),
        occurredAt: asDate(c.timestamp),
        dedupeKey: `ses:${feedbackId}:${email.toLowerCase()}`,
      } satisfies BounceReport];
    });
  }
  return [];
}
