import { verify } from 'node:crypto';

/**
 * Amazon SNS HTTP(S) messages (how Amazon SES delivers bounce and complaint notifications). Pure helpers: the shape
 * check, the canonical string SNS signs, the signing-certificate URL rule and the signature check itself.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */
export type SnsMessageType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

export interface SnsMessage {
  Type: SnsMessageType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: '1' | '2';
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
}

const TYPES: SnsMessageType[] = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'];
const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/** The envelope as SNS sends it, or a reason it is not one. Never throws. */
export function parseSnsMessage(body: unknown): { message: SnsMessage } | { error: string } {
  let doc: unknown = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      doc = JSON.parse(body.toString());
    } catch {
      return { error: 'body is not JSON' };
    }
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return { error: 'body is not an SNS message' };
  const d = doc as Record<string, unknown>;
  const str = (k: string) => typeof d[k] === 'string' && (d[k] as string).length > 0;
  if (!TYPES.includes(d.Type as SnsMessageType)) return { error: 'Type must be Notification, SubscriptionConfirmation or UnsubscribeConfirmation' };
  for (const k of ['MessageId', 'TopicArn', 'Message', 'Timestamp', 'Signature', 'SigningCertURL']) {
    if (!str(k)) return { error: `${k} is missing` };
  }
  if (d.SignatureVersion !== '1' && d.SignatureVersion !== '2') return { error: 'SignatureVersion must be 1 or 2' };
  if (d.Type !== 'Notification' && (!str('SubscribeURL') || !str('Token'))) return { error: 'SubscribeURL and Token are required' };
  if (d.Subject !== undefined && d.Subject !== null && typeof d.Subject !== 'string') return { error: 'Subject must be a string' };
  return { message: d as unknown as SnsMessage };
}

/** SNS's own URLs (certificates, subscription confirmation) are https on sns.<region>.amazonaws.com only. */
export function isSnsUrl(url: string, pemOnly = false): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && !u.username && !u.password && (u.port === '' || u.port === '443') &&
    SNS_HOST.test(u.hostname) && (!pemOnly || u.pathname.endsWith('.pem'));
}

/** The canonical "Key\nValue\n" string SNS signs, in the documented key order for the message type. */
export function snsStringToSign(m: SnsMessage): string {
  const keys =
    m.Type === 'Notification'
      ? ['Message', 'MessageId', ...(typeof m.Subject === 'string' ? ['Subject'] : []), 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys.map((k) => `${k}\n${(m as unknown as Record<string, string>)[k]}\n`).join('');
}

/** RSA signature check with the signing certificate (SHA1 for SignatureVersion 1, SHA256 for 2). */
export function verifySnsSignature(m: SnsMessage, certificatePem: string): boolean {
  try {
    return verify(
      m.SignatureVersion === '2' ? 'RSA-SHA256' : 'RSA-SHA1',
      Buffer.from(snsStringToSign(m), 'utf8'),
      certificatePem,
      Buffer.from(m.Signature, 'base64'),
    );
  } catch {
    return false;
  }
}
