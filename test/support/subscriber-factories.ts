import { randomBytes } from 'node:crypto';
import type { TestApp } from './app';

let n = 0;

/** A unique, valid address for one test (domain reserved for examples). */
export function uniqueEmail(prefix = 'person'): string {
  return `${prefix}.${Date.now().toString(36)}${(++n).toString(36)}${randomBytes(2).toString('hex')}@example.org`;
}

/** Inserts a subscriber row directly (fast set-up; bypasses the API's rules on purpose). */
export async function insertSubscriber(
  t: TestApp,
  fields: Partial<{ email: string; firstName: string; lastName: string; zip: string; state: string; tags: string[]; status: string; customFields: Record<string, unknown> }> = {},
): Promise<{ id: string; email: string }> {
  const email = fields.email ?? uniqueEmail();
  const [row] = await t.query<{ id: string }>(
    `INSERT INTO subscribers (email, first_name, last_name, zip, state, tags, status, custom_fields, source)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'test') RETURNING id`,
    [email, fields.firstName ?? null, fields.lastName ?? null, fields.zip ?? null, fields.state ?? null, fields.tags ?? [],
      fields.status ?? 'subscribed', JSON.stringify(fields.customFields ?? {})],
  );
  return { id: row.id, email };
}

/** A CSV document from rows (first row = header); cells with commas or quotes are quoted. */
export function csv(rows: (string | number)[][]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

/** Polls an import until it has finished (completed or failed) and returns its final view. */
export async function waitForImport(t: TestApp, id: string, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await t.request('GET', `/api/v1/imports/${id}`);
    if (r.body.status === 'completed' || r.body.status === 'failed') return r.body;
    if (Date.now() > deadline) throw new Error(`import ${id} still ${r.body.status} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Uploads a CSV as a raw text/csv body; options go in the query string. */
export function uploadCsv(t: TestApp, body: string | Buffer, options: Record<string, string> = {}, key?: string) {
  const qs = new URLSearchParams({ consentBasis: 'Signed up on paper at the 2026 state fair', ...options });
  return t.request('POST', `/api/v1/imports?${qs}`, { raw: body, headers: { 'content-type': 'text/csv' }, key });
}
