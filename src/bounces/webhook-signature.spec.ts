import { signWebhookBody, verifyWebhookSignature } from './webhook-signature';

describe('webhook signature', () => {
  const secret = 'a-webhook-secret-of-some-length';
  const body = Buffer.from('{"events":[{"type":"hard","email":"x@example.org"}]}');

  it('accepts the signature of the exact bytes', () => {
    expect(verifyWebhookSignature(secret, body, signWebhookBody(secret, body))).toBe(true);
    expect(verifyWebhookSignature(secret, body, signWebhookBody(secret, body).toUpperCase().replace('SHA256', 'sha256'))).toBe(true);
  });

  it('rejects another body, another secret, a malformed or missing header', () => {
    const sig = signWebhookBody(secret, body);
    expect(verifyWebhookSignature(secret, Buffer.from(`${body} `), sig)).toBe(false);
    expect(verifyWebhookSignature('another-secret-entirely-here', body, sig)).toBe(false);
    expect(verifyWebhookSignature(secret, body, sig.slice(0, -2))).toBe(false);
    expect(verifyWebhookSignature(secret, body, sig.replace('sha256=', 'sha1='))).toBe(false);
    expect(verifyWebhookSignature(secret, body, undefined)).toBe(false);
    expect(verifyWebhookSignature(secret, undefined, sig)).toBe(false);
    expect(verifyWebhookSignature('', body, signWebhookBody('', body))).toBe(false);
  });
});
