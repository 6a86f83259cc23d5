import { bootApp, TestApp } from './support/app';
import { createPetition } from './support/petition-factories';
import { freePort, startNode, waitUntil } from './support/process';
import { adminQuery, runId, serverUrl } from './support/test-database';

/**
 * Prototype keys in every parser a client reaches (SEC-1, REL-2): urlencoded forms (bracket notation included),
 * JSON, multipart fields, JSON held in a field, and query strings. One such request used to set
 * `Object.prototype.error` through the hosted petition page and bring the whole process down seconds later.
 */
const protoSnapshot = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');

const FORM_BODIES = [
  '__proto__[x]=1',
  '__proto__[error]=1&email=a@example.org',
  'constructor[prototype][x]=1',
  '__proto__=1',
  'a[__proto__][b]=1',
  'email=a@example.org&constructor=1',
  'prototype.x=1',
];
const JSON_BODIES = [
  '{"__proto__":{"x":1},"email":"a@example.org"}',
  '{"constructor":{"prototype":{"x":1}}}',
  '{"email":"a@example.org","zip":"80202","customFields":{"__proto__":{"x":1}}}',
  '{"email":"a@example.org","nested":{"deeper":{"constructor":1}}}',
];

describe('Prototype keys at every edge (SEC-1, REL-2)', () => {
  let t: TestApp;
  let slug: string;
  const before = protoSnapshot();

  beforeAll(async () => {
    t = await bootApp({ worker: false });
    slug = (await createPetition(t)).slug;
  });
  afterAll(async () => t?.close());

  const rows = async () =>
    (await t.query(`SELECT (SELECT count(*) FROM subscribers)::int AS s, (SELECT count(*) FROM petition_signatures)::int AS p, (SELECT count(*) FROM imports)::int AS i`))[0];

  afterEach(() => {
    // The property the real incident planted, and any other: the process' shared prototype is untouched.
    expect(({} as Record<string, unknown>).error).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(protoSnapshot()).toBe(before);
  });

  it('urlencoded bodies with prototype keys get a 400 naming the key, on public pages and JSON endpoints alike', async () => {
    const start = await rows();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    for (const raw of FORM_BODIES) {
      for (const path of [`/p/${slug}`, `/api/v1/public/petitions/${slug}/signatures`, '/api/v1/subscribers']) {
        const res = await t.request('POST', path, { key: path.startsWith('/api/v1/subscribers') ? undefined : false, raw, headers: form });
        expect({ raw, path, status: res.status }).toEqual({ raw, path, status: expect.any(Number) });
        expect([400, 415]).toContain(res.status);
        if (res.status === 400) expect(res.body.message).toMatch(/__proto__, constructor or prototype|forbidden prototype property/);
      }
    }
    expect(await rows()).toEqual(start);
    // The page still renders and signs afterwards.
    expect((await t.request('GET', `/p/${slug}`, { key: false })).status).toBe(200);
  });

  it('JSON bodies with prototype keys at any depth get a 400', async () => {
    const start = await rows();
    for (const raw of JSON_BODIES) {
      for (const [path, key] of [[`/api/v1/public/petitions/${slug}/signatures`, false], ['/api/v1/subscribers', undefined], [`/p/${slug}`, false]] as const) {
        const res = await t.request('POST', path, { key, raw, headers: { 'content-type': 'application/json' } });
        expect({ raw, path, status: res.status }).toEqual({ raw, path, status: 400 });
      }
    }
    expect(await rows()).toEqual(start);
  });

  it('query strings with prototype keys get a 400', async () => {
    for (const q of ['__proto__[x]=1', 'constructor[prototype][x]=1', '__proto__=1', 'prototype=1']) {
      for (const [path, key] of [[`/p/${slug}`, false], ['/api/v1/subscribers', undefined], [`/api/v1/public/petitions/${slug}`, false]] as const) {
        const res = await t.request('GET', `${path}?${q}`, { key });
        expect({ q, path, status: res.status }).toEqual({ q, path, status: 400 });
      }
    }
  });

  it('multipart fields and JSON inside a field with prototype keys get a 400; nothing is imported', async () => {
    const start = await rows();
    const upload = async (fields: [string, string][]) => {
      const form = new FormData();
      for (const [k, v] of fields) form.append(k, v);
      form.append('file', new Blob(['email\nann@example.org\n'], { type: 'text/csv' }), 'people.csv');
      return t.request('POST', '/api/v1/imports', { raw: form });
    };
    for (const fields of [
      [['consentBasis', 'signed up'], ['__proto__[x]', '1']],
      [['consentBasis', 'signed up'], ['mapping', '{"email":"email","customFields":{"__proto__":"email"}}']],
      [['consentBasis', 'signed up'], ['mapping', '{"__proto__":{"email":"email"}}']],
    ] as [string, string][][]) {
      const res = await upload(fields);
      expect({ fields, status: res.status }).toEqual({ fields, status: 400 });
    }
    // Names that exist on Object.prototype itself (`__proto__`, `constructor`, `toString`) never leave the multipart
    // parser: @fastify/multipart drops them before any code sees them, and the upload goes on without them.
    for (const name of ['__proto__', 'constructor']) {
      const res = await upload([['consentBasis', 'signed up'], [name, '{"x":1}']]);
      expect(res.status).toBe(202);
    }
    const viaQuery = await t.request('POST', `/api/v1/imports?consentBasis=x&mapping=${encodeURIComponent('{"customFields":{"constructor":"email"}}')}`, {
      raw: 'email\nann@example.org\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(viaQuery.status).toBe(400);
    expect(await rows()).toEqual({ ...start, i: start.i + 2 });
  });

  it('a one-click unsubscribe with a prototype-named multipart field is still just an unsubscribe attempt (no pollution)', async () => {
    const form = new FormData();
    form.append('__proto__[error]', 'x');
    form.append('List-Unsubscribe', 'One-Click');
    const res = await t.request('POST', '/unsubscribe/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', { key: false, raw: form });
    expect([400, 404]).toContain(res.status);
  });
});

describe('The real process after a prototype-key request', () => {
  const dbName = `cloture_test_${runId()}_proto`;
  afterAll(async () => adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`));

  it('keeps serving every route (the reconciler and logger included) after __proto__[x]=1 on the hosted page', async () => {
    const port = await freePort();
    const p = startNode('dist/main.js', ['--with-worker'], {
      DATABASE_URL: serverUrl(dbName),
      REDIS_PREFIX: `clt_${runId()}_proto`,
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'info',
      ADMIN_API_KEY: 'clk_proto_test_admin_key_0123456789abcdef0123',
      BLAST_RECONCILE_INTERVAL_MS: '200',
      MAIL_OUTBOX_DIR: `/tmp/cloture-test-outbox/${dbName}`,
    });
    const base = `http://127.0.0.1:${port}`;
    const auth = { authorization: 'Bearer clk_proto_test_admin_key_0123456789abcdef0123', 'content-type': 'application/json' };
    try {
      await waitUntil(async () => (await fetch(`${base}/health/ready`)).status === 200, 60_000, 'readiness');
      const created = await fetch(`${base}/api/v1/petitions`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ slug: 'proto-check', title: 'Hold the vote', body: 'Now.', targets: [{ type: 'role', role: 'majority_leader' }] }),
      });
      expect(created.status).toBe(201);
      for (const body of ['__proto__[x]=1', '__proto__[error]=1', 'constructor[prototype][error]=1']) {
        const res = await fetch(`${base}/p/proto-check`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
        expect(res.status).toBe(400);
      }
      // Several reconcile rounds (they read settings through TypeORM, which a polluted prototype broke) and logging.
      await new Promise((r) => setTimeout(r, 1500));
      expect(p.child.exitCode).toBeNull();
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      expect((await fetch(`${base}/api/v1/settings`, { headers: auth })).status).toBe(200);
      expect((await fetch(`${base}/p/proto-check`)).status).toBe(200);
      expect(p.output()).not.toMatch(/reconcile failed|Access has been denied/);
    } finally {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  });
});
