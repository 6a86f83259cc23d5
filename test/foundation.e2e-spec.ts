import { getQueueToken } from '@nestjs/bull';
import { QUEUES } from '../src/core/queue/queues';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { bootApp, TestApp } from './support/app';
import { SmtpSink } from './support/smtp-sink';

describe('Foundation (e2e)', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await bootApp({ env: { SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('answers liveness and readiness with PostgreSQL and Redis up', async () => {
    expect((await t.request('GET', '/health', { key: false })).status).toBe(200);
    const ready = await t.request('GET', '/health/ready', { key: false });
    expect(ready.status).toBe(200);
    expect(ready.body.info).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' } });
  });

  it('serves a valid OpenAPI 3 document listing the routes', async () => {
    const res = await t.request('GET', '/docs-json', { key: false });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/v1/api-keys', '/api/v1/api-keys/{id}', '/health/ready']));
    expect(res.body.paths['/api/v1/api-keys'].post.responses['400'].content['application/json'].schema.$ref).toContain('ErrorResponseDto');
    expect((await t.request('GET', '/docs', { key: false })).status).toBe(200);
  });

  describe('API keys (API-1, SEC-2)', () => {
    it('401 without a key, 401 with a wrong one, 403 for organizer, 200 for admin', async () => {
      const organizer = await t.createKey('organizer');
      const none = await t.request('GET', '/api/v1/api-keys', { key: false });
      expect(none.status).toBe(401);
      expect(none.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.any(String) });
      expect((await t.request('GET', '/api/v1/api-keys', { key: 'clk_wrong' })).status).toBe(401);
      expect((await t.request('GET', '/api/v1/api-keys', { key: organizer })).status).toBe(403);
      const ok = await t.request('GET', '/api/v1/api-keys');
      expect(ok.status).toBe(200);
      expect(JSON.stringify(ok.body)).not.toMatch(/key_?hash/i);
    });

    it('creates a key shown once, lists it without the secret, and a revoked key stops working', async () => {
      const created = await t.request('POST', '/api/v1/api-keys', { body: { name: 'Field laptop', role: 'viewer' } });
      expect(created.status).toBe(201);
      expect(created.body.key).toMatch(/^clk_/);
      const viewerKey = created.body.key as string;
      expect((await t.request('GET', '/api/v1/api-keys', { key: viewerKey })).status).toBe(403);
      const listed = await t.request('GET', '/api/v1/api-keys');
      const row = listed.body.find((k: { id: string }) => k.id === created.body.id);
      expect(row).toMatchObject({ name: 'Field laptop', role: 'viewer', revokedAt: null });
      expect(row.key).toBeUndefined();
      const stored = await t.query('SELECT key_hash FROM api_keys WHERE id = $1', [created.body.id]);
      expect(stored[0].key_hash).not.toContain(viewerKey);

      expect((await t.request('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(200);
      expect((await t.request('GET', '/health', { key: viewerKey })).status).toBe(200);
      const revoked = await t.request('POST', '/api/v1/api-keys', { key: viewerKey, body: { name: 'x', role: 'admin' } });
      expect(revoked.status).toBe(401);
    });

    it('accepts ADMIN_API_KEY as an admin key when configured', async () => {
      const bootstrapKey = 'bootstrap-admin-key-0123456789abcdef';
      const other = await bootApp({ worker: false, env: { ADMIN_API_KEY: bootstrapKey } });
      try {
        expect((await other.request('GET', '/api/v1/api-keys', { key: bootstrapKey })).status).toBe(200);
        expect((await other.request('GET', '/api/v1/api-keys', { key: `${bootstrapKey}x` })).status).toBe(401);
      } finally {
        await other.close();
      }
    });
  });

  describe('HTTP edges (API-3, SEC-1)', () => {
    it('malformed JSON → 400 in the envelope', async () => {
      const res = await t.request('POST', '/api/v1/api-keys', { raw: '{"name": "x",', headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringContaining('not valid JSON') });
    });

    it('a 2 MB body → 413', async () => {
      const res = await t.request('POST', '/api/v1/api-keys', { body: { name: 'x'.repeat(2 * 1024 * 1024), role: 'viewer' } });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    });

    it('an unknown field → 400 naming it, and every bad field with its path', async () => {
      const res = await t.request('POST', '/api/v1/api-keys', { body: { name: 'x', role: 'boss', color: 'red' } });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual(
        expect.arrayContaining([
          { path: 'color', message: 'unknown field color' },
          { path: 'role', message: expect.stringContaining('role must be one of') },
        ]),
      );
      expect(await t.query(`SELECT 1 FROM api_keys WHERE name = 'x'`)).toHaveLength(0);
    });

    it('wrong content type → 415; unknown route → 404 JSON; bad uuid → 400', async () => {
      const res = await t.request('POST', '/api/v1/api-keys', { raw: 'name=x', headers: { 'content-type': 'application/xml' } });
      expect(res.status).toBe(415);
      expect(res.body.statusCode).toBe(415);
      const missing = await t.request('GET', '/api/v1/nothing-here');
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      expect((await t.request('DELETE', '/api/v1/api-keys/not-a-uuid')).status).toBe(400);
    });

    it('sends security headers', async () => {
      const res = await t.request('GET', '/health', { key: false });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    });
  });

  describe('mail (test email)', () => {
    it('sends the test email to a real SMTP server', async () => {
      const res = await t.request('POST', '/api/v1/admin/test-email', { body: { to: 'organizer@example.org' } });
      expect(res.status).toBe(200);
      expect(res.body.mode).toBe('smtp');
      const [msg] = await sink.waitFor(1);
      expect(msg.to).toEqual(['organizer@example.org']);
      expect(msg.parsed.subject).toBe('Cloture test email');
    });

    it('writes an .eml file into the outbox when no SMTP URL is set', async () => {
      const outboxApp = await bootApp({ worker: false });
      try {
        const res = await outboxApp.request('POST', '/api/v1/admin/test-email', { body: { to: 'someone@example.org' } });
        expect(res.status).toBe(200);
        expect(res.body.mode).toBe('outbox');
        const dir = outboxApp.env.MAIL_OUTBOX_DIR;
        expect(existsSync(dir)).toBe(true);
        const files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
        expect(files).toHaveLength(1);
        expect(readFileSync(`${dir}/${files[0]}`, 'utf8')).toMatch(/^To: someone@example\.org$/m);
      } finally {
        await outboxApp.close();
      }
    });
  });

  describe('queue dashboard', () => {
    it('is for admin keys only', async () => {
      const none = await t.request('GET', '/admin/queues', { key: false });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Basic');
      const organizer = await t.createKey('organizer');
      expect((await t.request('GET', '/admin/queues', { key: organizer })).status).toBe(403);
      const basic = Buffer.from(`admin:${t.adminKey}`).toString('base64');
      const ok = await t.request('GET', '/admin/queues', { key: false, headers: { authorization: `Basic ${basic}` } });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('Cloture queues');
    });

    it('refuses job changes sent from another site with the browser\'s cached Basic credentials', async () => {
      const basic = { authorization: `Basic ${Buffer.from(`admin:${t.adminKey}`).toString('base64')}` };
      const add = (headers: Record<string, string>) =>
        t.request('POST', '/admin/queues/api/queues/mail/add', {
          key: false,
          raw: 'name=x&data=%7B%7D',
          headers: { ...basic, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        });
      for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'https://evil.example' }, { origin: 'null' }] as Record<string, string>[]) {
        const res = await add(headers);
        expect({ headers, status: res.status }).toEqual({ headers, status: 403 });
      }
      const jobs = await t.get<{ getJobCounts(): Promise<Record<string, number>> }>(getQueueToken(QUEUES.mail) as never).getJobCounts();
      expect(jobs.waiting + jobs.delayed).toBe(0);
      // The dashboard's own page (same origin) still works.
      const list = await t.request('GET', '/admin/queues/api/queues', { key: false, headers: { ...basic, 'sec-fetch-site': 'same-origin' } });
      expect(list.status).toBe(200);
    });
  });
});
