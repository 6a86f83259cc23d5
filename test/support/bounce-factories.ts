import { createHmac, randomBytes } from 'node:crypto';
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
