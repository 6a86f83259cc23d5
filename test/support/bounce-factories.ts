import { createHmac, randomBytes, randomUUID, sign } from 'node:crypto';
import type { TestApp } from './app';

let n = 0;

/** A unique address on a reserved example domain. */
export function bounceEmail(prefix = 'bounce'): string {
  return `${prefix}.${Date.now().toString(36)}${(++n).toString(36)}${randomBytes(2).toString('hex')}@example.org`;
}

/** Inserts a subscriber directly (set-up only; bypasses the API on purpose). */
export async function insertListMember(t: TestApp, status = 'subscribed', email = bounceEmail()): Promise<{ id: string; email: string }> {
  const [row] = await t.query<{ id: string }>(
    `INSERT INTO subscribers (email, status, source) VALUES ($1, $2, 'test') RETURNING id`,
    [email, status],
  );
  return { id: row.id, email };
}

export async function statusOf(t: TestApp, id: string): Promise<string> {
  const [row] = await t.query<{ status: string }>('SELECT status FROM subscribers WHERE id = $1', [id]);
  return row.status;
}

export const WEBHOOK_SECRET = 'bounce-webhook-secret-for-tests-0123456789';

/** `X-Cloture-Signature` of a raw body. */
export function signBody(body: string | Buffer, secret = WEBHOOK_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** POSTs a JSON document to the signed generic webhook, signed unless `signature` is given. */
export async function postBounceEvents(t: TestApp, events: Record<string, unknown>[], signature?: string) {
  const raw = JSON.stringify({ events });
  return t.request('POST', '/webhooks/bounces', {
    key: false,
    raw,
    headers: { 'content-type': 'application/json', 'x-cloture-signature': signature ?? signBody(raw) },
  });
}

export const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

/*
 * Amazon SNS fixtures. Tests cannot fetch AWS's signing certificates, so they sign with this self-generated
 * (test-only, never trusted anywhere) certificate and key, and replace SnsHttpClient.getCertificate to serve it.
 */
export const SNS_TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIDLzCCAhegAwIBAgIUFkaAGo6csS9+gC1etgt6NkVEHa0wDQYJKoZIhvcNAQEL
BQAwJjEkMCIGA1UEAwwbc25zLnVzLWVhc3QtMS5hbWF6b25hd3MuY29tMCAXDTI2
MTEyMjA4NTI0MloYDzIxMjYxMDI5MDg1MjQyWjAmMSQwIgYDVQQDDBtzbnMudXMt
ZWFzdC0xLmFtYXpvbmF3cy5jb20wggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK
AoIBAQCn67Q5gNWe5yxwAacFPz3ME32oPOI8+x7QyQrmMdwpKrqoKYsy7Ze0si3G
MDEea3HVfExGC5JWm+XTKnlKGyJzfKjjuY9P6xs0DAjPjntFUX/wtVBsZ0cBkYXw
edu/B/5tlYb0gLUZdnCzxsPR2gzBYT3AuN5aKRh1e4vHaBzkW/9H/y+ic5Ll2Htl
qRwBMSCIFcr6F4zNGaYNpXJ80XIClqFNUe7TGt1nBI8g+w3eaDPJGjtkRJycZwIy
YUp4OsVuSeTL5R9+8zHQwPZ3wCADDowZRjs2VlDiaeXlQLwf5UafBIrYNMTZD7Iw
PzkZOk7L4p/EPqMsQPeitfQUFBUDAgMBAAGjUzBRMB0GA1UdDgQWBBTmcxkXgULt
rvcUW2spP8P7wC2TzjAfBgNVHSMEGDAWgBTmcxkXgULtrvcUW2spP8P7wC2TzjAP
BgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQAwg6Ox12k+4uJnxe52
HzolEUIaZwq6o/45rc/FPNt02Cc6gffK4Y0eGI3hv572emUb72MirmUQs72erVxm
0T6EyvLNS9m8KfqSMkQAiffzZhUJZx42IWmz4icCgp1b0YdVKuRvh83/FUHklGo1
pYiMDL1an8lst1jIzz79oFn15igUT/yCXigmoLo1UOfvlYrX45/WjNFVGeN3QDGY
wP6j5Uf1QFyUpFf+tJ5RWqzY2XeELhkAtlsbYtQ8QfH0x9wwF0fn4Qm0Ul8fnXBK
nv8D7fORblRJ72C4yRhDjo3x0e59rK8YrR0gxLtJXzonYEuShmT/S+XqDvKxVzB6
3DB6
-----END CERTIFICATE-----
`;
const SNS_TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCn67Q5gNWe5yxw
AacFPz3ME32oPOI8+x7QyQrmMdwpKrqoKYsy7Ze0si3GMDEea3HVfExGC5JWm+XT
KnlKGyJzfKjjuY9P6xs0DAjPjntFUX/wtVBsZ0cBkYXwedu/B/5tlYb0gLUZdnCz
xsPR2gzBYT3AuN5aKRh1e4vHaBzkW/9H/y+ic5Ll2HtlqRwBMSCIFcr6F4zNGaYN
pXJ80XIClqFNUe7TGt1nBI8g+w3eaDPJGjtkRJycZwIyYUp4OsVuSeTL5R9+8zHQ
wPZ3wCADDowZRjs2VlDiaeXlQLwf5UafBIrYNMTZD7IwPzkZOk7L4p/EPqMsQPei
tfQUFBUDAgMBAAECggEASdmNEQ8apABqWDY51MJr9LELve5M12HfuxX336ZE+6vp
nGRs7jB03EjSfcubBpRdY3T/fHzBVqrIiDaxUgid/alxA3oLz6uH8rtqMpIon6NI
v72WCZ7gKQ3tmIWXQawL1vkAec6TFwgyZ7Y+T6/0lSWliXkkfQV+1shHgKLGth0T
PxGKnVwY2AX1dvf3z1Ema/J/kYayv327gPnzSofwTeMEWcwDudVRCJ/o6LfUSwRx
frhCc/o+eecV0CBw1j0cskZPg9aFXGxmHKCb+HuTjM3p4q7oxsNj4gqa3qpMSCuw
oGDUrYEYWmCt8egjda1QnfDmsl1vc2jfPqmDgSFznQKBgQDTtOxXztCLibdsJQB4
VbCAOUz/QFArv1PLapA9v6borjntxY8iePigCbwAcm3TrUJR22w84chjfyHrgzgC
Kq6/qDIHe7Li8rWujyW989NJQFPRlxurWpr4eKJoutkvq72DRqvnq+WCq7w3NzzZ
/7ox9PP2S638EtG55V4DKzFzxQKBgQDLDZayzHnhnW5VKJpC7NoMLHlea3W5lBll
0LpC5+LkQ7XFlaPiaWkLGPbGyJZE37dWceF7NvFIffwhXywv6Vdcr0ellir8sQgN
TJ9XU3S4GMcvDVbf1ZWC6xrgvkPn5euHCTsL81ISJxBkYpe7RhAs3oWQqm58Sive
xgTV6orKJwKBgDbwOXDj84xydY3z4DZaDk6IECohF2zy3pzoD3xmsrqpE9FXNji8
6dAmFoqLJ2MKEC7L4T+/W9AuGrBSQgOV7flAfZMhj5+DWpBtB19O2eKlddrq+rwx
7AtUytigvGG5kJlzioK5Qfrx9ArkI79ytG/oYDLnGsRSYeh61DXATLn9AoGAGkRx
wEOPaM5S3ZVZD1tQgc6nDL3eBtnPx0oPLmSNB3Zy51KKVtnICvV5xxFfzx0ZvIcS
4jujTvttSGvlbXVEJetO227ntLS6E+5blpJnQQGDkuSo3l/k7YC4g2ZZpoApzdg1
2T/q2ApRporSkhloMkW/BY3mqRF3R2Rab8ndlnUCgYAeifhrFxO5hHjiOdvU7Ix6
Pgr0quGg/BdquFOgGfQqp8tgsKkriT68lG/NOIKwdBo4DFuLp7fKMvEHpyf9y6wT
P7l5Cbf/m4hI5ywmO2HD9FivGK1/o9p9uCWBz9IdlwSDgGHzubCR4R+I0SLN7pDN
uv5j09pSBIkL161wig4EBw==
-----END PRIVATE KEY-----
`;
export const SNS_CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem';
export const SNS_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:ses-bounces';

/** A signed SNS HTTP message (SignatureVersion 2 by default), as SNS POSTs it. */
export function snsMessage(
  type: 'Notification' | 'SubscriptionConfirmation',
  message: string,
  opts: { version?: '1' | '2'; certUrl?: string; topicArn?: string; key?: string } = {},
): Record<string, string> {
  const m: Record<string, string> = {
    Type: type,
    MessageId: randomUUID(),
    TopicArn: opts.topicArn ?? SNS_TOPIC_ARN,
    Message: message,
    Timestamp: new Date().toISOString(),
    SignatureVersion: opts.version ?? '2',
    SigningCertURL: opts.certUrl ?? SNS_CERT_URL,
  };
  if (type === 'SubscriptionConfirmation') {
    m.Token = randomBytes(32).toString('hex');
    m.SubscribeURL = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(m.TopicArn)}&Token=${m.Token}`;
  }
  const keys = type === 'Notification'
    ? ['Message', 'MessageId', 'Timestamp', 'TopicArn', 'Type']
    : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const canonical = keys.map((k) => `${k}\n${m[k]}\n`).join('');
  m.Signature = sign(m.SignatureVersion === '2' ? 'RSA-SHA256' : 'RSA-SHA1', Buffer.from(canonical), opts.key ?? SNS_TEST_KEY).toString('base64');
  return m;
}

const sesMail = (to: string, messageId?: string) => ({
  timestamp: new Date().toISOString(),
  source: 'campaigns@cloture.example',
  messageId: `0100018c-${randomBytes(8).toString('hex')}-000000`,
  destination: [to],
  headersTruncated: false,
  headers: messageId ? [{ name: 'Message-ID', value: messageId }] : [],
  commonHeaders: messageId ? { messageId } : {},
});

/** The `Message` of an SES complaint notification. */
export function sesComplaint(to: string, messageId?: string): string {
  return JSON.stringify({
    notificationType: 'Complaint',
    complaint: {
      userAgent: 'ExampleCorp Feedback Loop (V0.01)',
      complainedRecipients: [{ emailAddress: to }],
      complaintFeedbackType: 'abuse',
      arrivalDate: new Date().toISOString(),
      timestamp: new Date().toISOString(),
      feedbackId: `0100018c-${randomBytes(8).toString('hex')}`,
    },
    mail: sesMail(to, messageId),
  });
}

/** The `Message` of an SES bounce notification (Permanent → hard, Transient → soft). */
export function sesBounce(to: string, bounceType: 'Permanent' | 'Transient', messageId?: string): string {
  return JSON.stringify({
    notificationType: 'Bounce',
    bounce: {
      bounceType,
      bounceSubType: bounceType === 'Permanent' ? 'General' : 'MailboxFull',
      bouncedRecipients: [{ emailAddress: to, action: 'failed', status: bounceType === 'Permanent' ? '5.1.1' : '4.2.2', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
      timestamp: new Date().toISOString(),
      feedbackId: `0100018c-${randomBytes(8).toString('hex')}`,
      reportingMTA: 'dsn; a8-70.smtp-out.amazonses.com',
    },
    mail: sesMail(to, messageId),
  });
}

/** POST an SNS message the way SNS does (text/plain JSON, no Cloture signature). */
export function postSns(t: TestApp, message: Record<string, string>) {
  return t.request('POST', '/webhooks/bounces/ses', {
    key: false,
    raw: JSON.stringify(message),
    headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': message.Type },
  });
}

/** An RFC 3464 delivery-status notification as an MTA (here Postfix-like) sends it back. */
export function dsnMessage(opts: { to: string; status?: string; action?: string; diagnostic?: string; messageId?: string }): string {
  const status = opts.status ?? '5.1.1';
  return [
    'From: MAILER-DAEMON@mx.example.net (Mail Delivery System)',
    'To: bounces@cloture.example',
    'Subject: Undelivered Mail Returned to Sender',
    `Message-ID: <${randomUUID()}@mx.example.net>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="DSN-BOUNDARY"',
    '',
    '--DSN-BOUNDARY',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'I\'m sorry to have to inform you that your message could not be delivered.',
    '',
    '--DSN-BOUNDARY',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    `Arrival-Date: ${new Date().toUTCString()}`,
    '',
    `Final-Recipient: rfc822; ${opts.to}`,
    `Original-Recipient: rfc822;${opts.to}`,
    `Action: ${opts.action ?? 'failed'}`,
    `Status: ${status}`,
    `Diagnostic-Code: smtp; ${opts.diagnostic ?? `550 ${status} <${opts.to}>: Recipient address rejected: User unknown`}`,
    '',
    '--DSN-BOUNDARY',
    'Content-Type: text/rfc822-headers',
    '',
    `Message-ID: ${opts.messageId ?? `<${randomUUID()}@cloture.example>`}`,
    `To: ${opts.to}`,
    'Subject: Call your senators today',
    '',
    '--DSN-BOUNDARY--',
    '',
  ].join('\r\n');
}

/** An RFC 5965 ARF abuse report from a mailbox provider's feedback loop. */
export function arfMessage(opts: { to: string; messageId?: string; feedbackType?: string }): string {
  return [
    'From: fbl@isp.example',
    'To: abuse@cloture.example',
    'Subject: FW: Call your senators today',
    `Message-ID: <${randomUUID()}@isp.example>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"',
    '',
    '--ARF',
    'Content-Type: text/plain',
    '',
    'This is an email abuse report.',
    '--ARF',
    'Content-Type: message/feedback-report',
    '',
    `Feedback-Type: ${opts.feedbackType ?? 'abuse'}`,
    'User-Agent: ExampleFBL/1.0',
    'Version: 1',
    `Original-Rcpt-To: ${opts.to}`,
    `Arrival-Date: ${new Date().toUTCString()}`,
    '',
    '--ARF',
    'Content-Type: message/rfc822',
    'Content-Disposition: inline',
    '',
    'From: campaigns@cloture.example',
    `To: ${opts.to}`,
    `Message-ID: ${opts.messageId ?? `<${randomUUID()}@cloture.example>`}`,
    'Subject: Call your senators today',
    '',
    'Body of the original message.',
    '--ARF--',
    '',
  ].join('\r\n');
}

/** A vacation auto-reply, which is not a bounce even though it quotes an SMTP-like code. */
export function autoReplyMessage(from: string): string {
  return [
    `From: ${from}`,
    'To: campaigns@cloture.example',
    'Subject: Out of office: Call your senators today',
    'Auto-Submitted: auto-replied',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'I am away until Monday. (Not a 550 5.1.1 — just an auto-reply.)',
    '',
  ].join('\r\n');
}

/** POSTs raw MIME to the signed DSN intake. */
export function postDsn(t: TestApp, raw: string, signature?: string) {
  return t.request('POST', '/webhooks/dsn', {
    key: false,
    raw,
    headers: { 'content-type': 'message/rfc822', 'x-cloture-signature': signature ?? signBody(raw) },
  });
}

/**
 * A blast that already sent to the given subscribers (rows written directly, as the send loop would leave them):
 * one `sent` delivery each, with the send loop's Message-ID `<blastId.subscriberId@domain>`.
 */
export async function insertSentBlast(
  t: TestApp,
  subscriberIds: string[],
  opts: { status?: string; sentAt?: Date } = {},
): Promise<{ id: string; messageIdOf: (subscriberId: string) => string }> {
  const [blast] = await t.query<{ id: string }>(
    `INSERT INTO blasts (name, subject, html_body, status, started_at) VALUES ('Bounce test', 'Hello', '<p>Hi</p>', $1, now()) RETURNING id`,
    [opts.status ?? 'sending'],
  );
  const messageIdOf = (s: string) => `<${blast.id}.${s}@mail.cloture.example>`;
  await t.query(
    `INSERT INTO blast_deliveries (blast_id, subscriber_id, status, seq, message_id, sent_at)
     SELECT $1::uuid, s, 'sent', ord::int, '<' || $1::text || '.' || s || '@mail.cloture.example>', $3
     FROM unnest($2::uuid[]) WITH ORDINALITY AS u(s, ord)`,
    [blast.id, subscriberIds, opts.sentAt ?? new Date()],
  );
  return { id: blast.id, messageIdOf };
}

/** Many subscribed people at once (set-based), for rate tests. */
export async function insertManyListMembers(t: TestApp, count: number): Promise<string[]> {
  const prefix = bounceEmail('many').split('@')[0];
  const rows = await t.query<{ id: string }>(
    `INSERT INTO subscribers (email, status, source)
     SELECT $1 || '.' || g || '@example.org', 'subscribed', 'test' FROM generate_series(1, $2) g RETURNING id`,
    [prefix, count],
  );
  return rows.map((r) => r.id);
}
