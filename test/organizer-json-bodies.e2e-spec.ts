import type { FastifyInstance } from 'fastify';
import { bootApp, TestApp } from './support/app';
import { tableCounts } from './support/fuzz';

/** The guard's answer to a request without a key: what marks a route as an organizer route. */
const KEY_REQUIRED = 'Sign in to the console, or send an API key: Authorization: Bearer <key>';
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Organizer routes that take more than JSON, on purpose (each has its @AcceptsBody). */
const UPLOADS = new Set(['POST /api/v1/imports']);
const ANY_ID = '00000000-0000-4000-8000-000000000000';

/**
 * Every route of the running app as Fastify's router lists it (`printRoutes`: a tree, each line one node, children
 * indented four characters under their parent), so a route added tomorrow is in the table without editing this test.
 */
function routesOf(t: TestApp): { method: string; path: string }[] {
  const tree = (t.app.getHttpAdapter().getInstance() as unknown as FastifyInstance).printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const routes: { method: string; path: string }[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    stack.push(m[2]);
    const path = stack.join('');
    for (const method of (m[3] ?? '').split(', ').filter(Boolean)) routes.push({ method, path });
  }
  return routes;
}

/** A concrete URL for a route pattern: any id for every parameter, any text for a wildcard. */
const urlOf = (path: string) => path.replace(/:[A-Za-z0-9_]+/g, ANY_ID).replace(/\*$/, 'x');

describe('Organizer routes take JSON bodies only (issue 12 item 14)', () => {
  let t: TestApp;
  let organizerWrites: { method: string; path: string }[] = [];

  beforeAll(async () => {
    t = await bootApp({ worker: false });
    const writes = routesOf(t).filter((r) => WRITE_METHODS.has(r.method));
    for (const r of writes) {
      const res = await t.request(r.method, urlOf(r.path), { key: false, body: {} });
      if (res.status === 401 && res.body?.message === KEY_REQUIRED) organizerWrites.push(r);
    }
    organizerWrites = organizerWrites.filter((r, i, all) => all.findIndex((o) => o.method === r.method && o.path === r.path) === i);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the router lists the organizer write routes (the table below is not empty or partial)', () => {
    const names = organizerWrites.map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(expect.arrayContaining(['POST /api/v1/api-keys', 'PATCH /api/v1/settings', 'POST /api/v1/blasts/:id/send', 'DELETE /api/v1/topics/:id', 'POST /api/v1/imports']));
    // Public writes are not in it: they keep their own body types (PET-2 signing, token pages, webhooks).
    expect(names).not.toContain('POST /api/v1/public/petitions/:slug/signatures');
    expect(names.some((n) => n.startsWith('POST /webhooks'))).toBe(false);
    expect(organizerWrites.length).toBeGreaterThan(30);
  });

  it('form-encoded, multipart and text bodies → 415 in the envelope naming JSON, on every route, and nothing is written', async () => {
    const before = await tableCounts((sql, params) => t.query(sql, params));
    const form = () => {
      const f = new FormData();
      f.set('name', 'x');
      f.set('role', 'admin');
      return f;
    };
    const bodies: [string, () => { raw: string | FormData; headers?: Record<string, string> }][] = [
      ['urlencoded', () => ({ raw: 'name=x&role=admin', headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
      ['empty urlencoded', () => ({ raw: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
      ['multipart', () => ({ raw: form() })],
      ['text/plain', () => ({ raw: '{"name":"x","role":"admin"}', headers: { 'content-type': 'text/plain' } })],
    ];
    const wrong: string[] = [];
    for (const r of organizerWrites) {
      for (const [kind, body] of bodies) {
        if (UPLOADS.has(`${r.method} ${r.path}`) && kind === 'multipart') continue;
        const res = await t.request(r.method, urlOf(r.path), body());
        const ok = res.status === 415 && res.body?.statusCode === 415 && res.body?.error === 'Unsupported Media Type' && /application\/json|text\/csv/.test(res.body?.message);
        if (!ok) wrong.push(`${r.method} ${r.path} (${kind}) → ${res.status} ${res.text.slice(0, 100)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await tableCounts((sql, params) => t.query(sql, params))).toEqual(before);
  });

  it('JSON (with or without charset) and bodiless requests still reach every route', async () => {
    const refused: string[] = [];
    for (const r of organizerWrites) {
      if (UPLOADS.has(`${r.method} ${r.path}`)) continue;
      for (const opts of [{ body: {} }, { body: {}, headers: { 'content-type': 'application/json; charset=utf-8' } }, {}]) {
        const res = await t.request(r.method, urlOf(r.path), opts);
        if (res.status === 415) refused.push(`${r.method} ${r.path} ${JSON.stringify(opts)} → ${res.text.slice(0, 100)}`);
      }
    }
    expect(refused).toEqual([]);
    const created = await t.request('POST', '/api/v1/api-keys', { body: { name: 'json still works', role: 'viewer' } });
    expect(created.status).toBe(201);
  });

  it('the CSV upload keeps text/csv and multipart, and says what it takes', async () => {
    const res = await t.request('POST', '/api/v1/imports?consentBasis=x', { raw: 'email\n', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(415);
    expect(res.body.message).toMatch(/text\/csv/);
    const f = new FormData();
    f.set('consentBasis', 'signed up at the fair');
    f.set('file', new Blob(['email\nada@example.org\n'], { type: 'text/csv' }), 'people.csv');
    expect((await t.request('POST', '/api/v1/imports', { raw: f })).status).toBe(202);
    expect((await t.request('POST', '/api/v1/imports?consentBasis=x', { raw: 'email\nbob@example.org\n', headers: { 'content-type': 'text/csv' } })).status).toBe(202);
  });
});
