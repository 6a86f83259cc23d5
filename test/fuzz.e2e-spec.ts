import { ConfirmationTokenService } from '../src/double-opt-in/confirmation-token.service';
import { UnsubscribeTokenService } from '../src/preferences/unsubscribe-token.service';
import { bootApp, TestApp } from './support/app';
import { describeFindings, fuzzBaseline, fuzzRequests, fuzzVerdict, prototypeSweep, runFuzz } from './support/fuzz';
import { createFuzzFixtures, FUZZ_APP_ENV } from './support/fuzz-fixtures';

/**
 * REL-2 (small): every prototype key through every parser of every public endpoint, then 300 seeded hostile requests
 * over every public endpoint — petition sign (JSON, form, wrong content
 * types), petition JSON and page, preferences, unsubscribe, confirmation pages, bounce/DSN/SES webhooks. No answer
 * may be a 5xx, no injected HTML may come back unescaped, and no row may appear that an accepted request does not
 * explain. The 10,000-request run is `npm run bench:fuzz` (bench/fuzz/).
 */
describe('Fuzz of the public endpoints (REL-2, SEC-1)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp({ env: FUZZ_APP_ENV });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  }, 30_000);

  it('300 malformed or hostile requests: zero 5xx, nothing reflected unescaped, zero stray rows', async () => {
    const links = t.get(UnsubscribeTokenService);
    const confirmations = t.get(ConfirmationTokenService);
    const ctx = await createFuzzFixtures(
      {
        api: (method, path, body) => t.request(method, path, { body }),
        query: (sql, params) => t.query(sql, params),
        signLink: (claims) => links.sign(claims),
        signConfirmation: (id) => confirmations.sign(id),
        webhookSecret: FUZZ_APP_ENV.BOUNCE_WEBHOOK_SECRET,
      },
      'e2e',
    );
    const query = (sql: string, params?: unknown[]) => t.query(sql, params);
    const before = await fuzzBaseline(query);
    const startedAt = new Date((await t.query(`SELECT now() AS now`))[0].now);

    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const sweep = [...prototypeSweep(ctx)];
    const results = await runFuzz(t.url, [...sweep, ...fuzzRequests(ctx, 300, 20261122)], 4);
    // Queued work (thank-you mail) has no bearing on rows; the verdict reads the database as the requests left it.
    const verdict = await fuzzVerdict(query, startedAt, before, results);

    expect(verdict.requests).toBe(300 + sweep.length);
    expect(describeFindings(verdict.serverErrors)).toEqual([]);
    expect(describeFindings(verdict.transportErrors)).toEqual([]);
    expect(describeFindings(verdict.reflected)).toEqual([]);
    expect(verdict.strayRows).toEqual({});
    // Prototype keys went through every parser (forms, JSON, multipart, query): the process' prototype is untouched,
    // and the app still serves after its background rounds ran.
    expect(sweep.length).toBeGreaterThan(90);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await t.request('GET', `/p/${ctx.slug}`, { key: false })).status).toBe(200);
    expect((await t.request('GET', '/api/v1/settings')).status).toBe(200);
    // The run exercised both sides: plenty of rejections, some accepted signatures.
    expect(results.filter((r) => r.status >= 400 && r.status < 500).length).toBeGreaterThan(150);
    expect(verdict.acceptedSignatures).toBeGreaterThan(0);
  }, 180_000);
});
