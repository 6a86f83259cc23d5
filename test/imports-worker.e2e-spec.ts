import { bootApp, TestApp } from './support/app';
import { csv, uniqueEmail, uploadCsv, waitForImport } from './support/subscriber-factories';

/**
 * SUB-4 in the scale-out shape: an api without processors stores the upload in PostgreSQL; a separate app (another
 * process in production) sharing only the database and Redis runs the import.
 */
describe('CSV import across roles', () => {
  let api: TestApp;
  let worker: TestApp | undefined;

  beforeAll(async () => {
    api = await bootApp({ worker: false });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('an import uploaded to an api-only instance waits, then runs on a worker that starts later', async () => {
    const emails = Array.from({ length: 50 }, () => uniqueEmail('split'));
    const up = await uploadCsv(api, csv([['email', 'zip'], ...emails.map((e) => [e, '80202'])]), { tags: 'split' });
    expect(up.status).toBe(202);
    // No processor anywhere yet: the import is queued and its file is in PostgreSQL.
    expect((await api.request('GET', `/api/v1/imports/${up.body.id}`)).body.status).toBe('queued');
    const [{ n }] = await api.query(`SELECT count(*)::int AS n FROM import_uploads WHERE import_id = $1`, [up.body.id]);
    expect(n).toBeGreaterThan(0);

    worker = await bootApp({ database: api.database });
    const done = await waitForImport(api, up.body.id);
    expect(done).toMatchObject({ status: 'completed', rowsRead: 50, created: 50 });
    const [{ c }] = await api.query(`SELECT count(*)::int AS c FROM subscribers WHERE 'split' = ANY(tags) AND state = 'CO'`);
    expect(c).toBe(50);
  });
});
