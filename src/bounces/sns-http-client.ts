import { Injectable } from '@nestjs/common';
import { isSnsUrl } from './sns-message';

const TIMEOUT_MS = 5000;
const MAX_CERT_BYTES = 16 * 1024;

/**
 * The only outbound HTTP of bounce intake: fetching SNS signing certificates (cached per URL) and visiting a
 * subscription's SubscribeURL. A provider of its own so tests (which cannot reach AWS) replace it.
 */
@Injectable()
export class SnsHttpClient {
  private readonly certificates = new Map<string, Promise<string>>();

  /** PEM of the certificate at an SNS SigningCertURL (already checked to be https on sns.<region>.amazonaws.com). */
  getCertificate(url: string): Promise<string> {
    if (!isSnsUrl(url, true)) return Promise.reject(new Error('not an SNS certificate URL'));
    let pending = this.certificates.get(url);
    if (!pending) {
      pending = this.fetchText(url, MAX_CERT_BYTES).then((pem) => {
        if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('SNS certificate URL did not return a PEM certificate');
        return pem;
      });
      pending.catch(() => this.certificates.delete(url));
      this.certificates.set(url, pending);
    }
    return pending;
  }

  /** Confirms a subscription by visiting its SubscribeURL, as SNS requires. */
  async confirmSubscription(subscribeUrl: string): Promise<void> {
    if (!isSnsUrl(subscribeUrl)) throw new Error('not an SNS subscribe URL');
    await this.fetchText(subscribeUrl, 64 * 1024);
  }

  private async fetchText(url: string, maxBytes: number): Promise<string> {
    const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) throw new Error(`SNS answered ${res.status}`);
    const text = await res.text();
    if (text.length > maxBytes) throw new Error('SNS answer too large');
    return text;
  }
}
