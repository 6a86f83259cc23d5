import { SubscribersService } from '../src/subscribers/subscribers.service';
import { bootApp, TestApp } from './support/app';
import { csv, insertSubscriber, uniqueEmail, uploadCsv, waitForImport } from './support/subscriber-factories';

/** SUB-4 CSV imports through the real API and worker (Bull on Redis), and SUB-5 suppression on re-import. */
describe('CSV imports', () => {
  let t: TestApp;
  let organizer: string;

  beforeAll(async () => {
    t = await bootApp();
    organizer = await t.createKey('organizer');
  });
  afterAll(() => t?.close());

  const byEmail = async (email: string) =>
    (await t.query(`SELECT * FROM subscribers WHERE lower(email) = lower($1)`, [email]))[0];

  it('imports a file with bad rows, reporting each skipped row with its line number', async () => {
    const [a, b, c, d] = [uniqueEmail('a'), uniqueEmail('b'), uniqueEmail('c'), uniqueEmail('d')];
    const body = [
      'E-mail Address,Given,Surname,Zip Code,Groups,Employer', // line 1
      `${a},Ada,Lovelace,80202,volunteer;donor,Analytical Engines`, // 2
      'not-an-email,Bad,Row,80202,,', // 3 invalid email
      '', // 4 blank: skipped silently
      `${b},"Multi`, // 5 a quoted field over two lines: the row starts on line 5
      `line",,06390,,`, // 6
      `${c},Zed,Zip,1234,,`, // 7 bad ZIP
      `${a.toUpperCase()},Dup,Licate,10001,,`, // 8 duplicate of line 2
      `${d},Too,Many,10001,,,extra`, // 9 wrong column count
      `,,,,,`, // 10 empty email
      `${d},Dee,,00100,,ACME`, // 11 unknown ZIP prefix: imported without a state
    ].join('\n');
    const up = await uploadCsv(t, body, {
      tags: 'fair-2026, imported',
      mapping: JSON.stringify({ firstName: 'Given', lastName: 'Surname', tags: 'Groups', customFields: { employer: 'Employer' } }),
    }, organizer);
    expect(up.status).toBe(202);
    expect(up.body).toMatchObject({ status: 'queued', consentBasis: 'Signed up on paper at the 2026 state fair', tags: ['fair-2026', 'imported'] });
    const done = await waitForImport(t, up.body.id);
    expect(done).toMatchObject({
      status: 'completed',
      rowsRead: 8,
      created: 3,
      updated: 0,
      skipped: { invalidEmail: 2, duplicateInFile: 1, suppressed: 0, invalidRow: 2, total: 5 },
      errorCount: 5,
      failure: null,
    });
    expect(done.errors.map((e: { line: number; reason: string }) => [e.line, e.reason])).toEqual([
      [3, 'invalid_email'],
      [7, 'invalid_row'],
      [8, 'duplicate_in_file'],
      [9, 'invalid_row'],
      [10, 'invalid_email'],
    ]);
    expect(done.errors[1].message).toMatch(/zip/);
    expect(done.errors[2].message).toBe('duplicate of line 2');

    const ada = await byEmail(a);
    expect(ada).toMatchObject({ first_name: 'Ada', last_name: 'Lovelace', zip: '80202', state: 'CO', status: 'subscribed',
      consent_text: 'Signed up on paper at the 2026 state fair', consent_source: `import:${up.body.id}`, source: `import:${up.body.id}` });
    expect(ada.tags).toEqual(['volunteer', 'donor', 'fair-2026', 'imported']);
    expect(ada.custom_fields).toEqual({ employer: 'Analytical Engines' });
    expect(await byEmail(b)).toMatchObject({ first_name: 'Multi\nline', state: 'NY' });
    expect(await byEmail(c)).toBeUndefined();
    expect(await byEmail(d)).toMatchObject({ first_name: 'Dee', zip: '00100', state: null, custom_fields: { employer: 'ACME' } });
    // The stored upload is gone once imported.
    expect(await t.query(`SELECT 1 FROM import_uploads WHERE import_id = $1`, [up.body.id])).toHaveLength(0);
  });

  it('a re-import updates profiles but never resubscribes anyone', async () => {
    const people = await Promise.all(
      (['unsubscribed', 'bounced', 'complained', 'unconfirmed', 'subscribed'] as const).map((status) => insertSubscriber(t, { status, firstName: 'Old', tags: ['before'] })),
    );
    const same = await insertSubscriber(t, { firstName: 'Same', zip: '80202', state: 'CO', tags: ['reimport'] });
    const fresh = uniqueEmail('new');
    const rows = [['email', 'first_name', 'zip'], ...people.map((p) => [p.email.toUpperCase(), 'New', '80202']), [fresh, 'Newcomer', ''], [same.email, 'Same', '80202']];
    const [{ updated_at: sameBefore }] = await t.query(`SELECT updated_at FROM subscribers WHERE id = $1`, [same.id]);
    const up = await uploadCsv(t, csv(rows), { tags: 'reimport' });
    const done = await waitForImport(t, up.body.id);
    expect(done).toMatchObject({ status: 'completed', rowsRead: 7, created: 1, updated: 5, unchanged: 1 });
    // A row the file does not change is not written at all.
    const [{ updated_at: sameAfter }] = await t.query(`SELECT updated_at FROM subscribers WHERE id = $1`, [same.id]);
    expect(sameAfter).toEqual(sameBefore);
    for (const [i, status] of (['unsubscribed', 'bounced', 'complained', 'unconfirmed', 'subscribed'] as const).entries()) {
      const row = await byEmail(people[i].email);
      expect(row).toMatchObject({ status, first_name: 'New', zip: '80202', state: 'CO' });
      expect(row.tags).toEqual(['before', 'reimport']);
    }
    expect((await byEmail(fresh)).status).toBe('subscribed');
  });

  it('erase, then re-import: the address stays suppressed (skipped with its line), others import', async () => {
    const victim = await t.request('POST', '/api/v1/subscribers', { body: { email: uniqueEmail('gone'), firstName: 'Gone' } });
    const email = victim.body.email as string;
    expect((await t.request('POST', `/api/v1/subscribers/${victim.body.id}/erase`)).status).toBe(200);
    const other = uniqueEmail('other');
    const up = await uploadCsv(t, csv([['email', 'first name'], [other, 'Other'], [email.toUpperCase(), 'Gone again']]));
    const done = await waitForImport(t, up.body.id);
    expect(done).toMatchObject({ status: 'completed', created: 1, skipped: { suppressed: 1 } });
    expect(done.errors).toEqual([{ line: 3, reason: 'suppressed', message: expect.any(String) }]);
    expect(await byEmail(email)).toBeUndefined();
    expect(await t.get(SubscribersService).isSuppressed(email)).toBe(true);
  });

  it('accepts a multipart upload with options as fields', async () => {
    const email = uniqueEmail('multi');
    const form = new FormData();
    form.append('consentBasis', 'Volunteer sign-up form');
    form.append('tags', 'multipart');
    form.append('file', new Blob([csv([['Email', 'State'], [email, 'wy']])], { type: 'text/csv' }), 'volunteers.csv');
    const up = await t.request('POST', '/api/v1/imports', { raw: form });
    expect(up.status).toBe(202);
    expect(up.body.filename).toBe('volunteers.csv');
    const done = await waitForImport(t, up.body.id);
    expect(done).toMatchObject({ status: 'completed', created: 1 });
    expect(await byEmail(email)).toMatchObject({ state: 'WY', tags: ['multipart'], consent_text: 'Volunteer sign-up form' });
    const list = await t.request('GET', '/api/v1/imports');
    expect(list.body.map((i: { id: string }) => i.id)).toContain(up.body.id);
  });

  it('a malformed file fails with a clear message and writes nothing', async () => {
    const good = uniqueEmail('early');
    const rows = [`email,first_name`, `${good},Early`];
    for (let i = 0; i < 3000; i++) rows.push(`${uniqueEmail('bulk')},Bulk`);
    rows.push(`${uniqueEmail('late')},"unterminated`, `more text`);
    const up = await uploadCsv(t, rows.join('\n'));
    expect(up.status).toBe(202);
    const done = await waitForImport(t, up.body.id);
    expect(done.status).toBe('failed');
    expect(done.failure).toMatch(/Malformed CSV.*quote/i);
    expect(done).toMatchObject({ created: 0, updated: 0 });
    expect(await byEmail(good)).toBeUndefined();

    const latin1 = Buffer.concat([Buffer.from(`email,first_name\n${uniqueEmail('l1')},Jos`), Buffer.from([0xe9]), Buffer.from('\n')]);
    const bad = await waitForImport(t, (await uploadCsv(t, latin1)).body.id);
    expect(bad).toMatchObject({ status: 'failed', failure: expect.stringMatching(/UTF-8/) });

    // The worker's connections are still good after those failures.
    const after = uniqueEmail('after');
    expect(await waitForImport(t, (await uploadCsv(t, csv([['email'], [after]]))).body.id)).toMatchObject({ status: 'completed', created: 1 });
  });

  it('a wrong mapping or bad options answer 400 naming the field, and store nothing', async () => {
    const [{ n: before }] = await t.query(`SELECT count(*)::int AS n FROM imports`);
    const noEmail = await uploadCsv(t, csv([['name', 'zip'], ['Ada', '80202']]));
    expect(noEmail.status).toBe(400);
    expect(noEmail.body.details[0].path).toBe('mapping.email');
    const missing = await uploadCsv(t, csv([['email'], [uniqueEmail()]]), { mapping: JSON.stringify({ firstName: 'First' }) });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/mapping.firstName: column "First" is not in the file's header/);
    const unknownField = await uploadCsv(t, csv([['email'], [uniqueEmail()]]), { mapping: JSON.stringify({ phone: 'Phone' }) });
    expect(unknownField.body.details[0].path).toBe('mapping.phone');
    expect((await uploadCsv(t, 'email\n', { mapping: '{not json' })).body.details[0].path).toBe('mapping');
    const noBasis = await t.request('POST', '/api/v1/imports', { raw: 'email\n', headers: { 'content-type': 'text/csv' } });
    expect(noBasis.status).toBe(400);
    expect(noBasis.body.details[0].path).toBe('consentBasis');
    expect((await uploadCsv(t, 'email\n', { colour: 'red' })).body.details[0].path).toBe('colour');
    expect((await uploadCsv(t, '')).status).toBe(400);
    expect((await uploadCsv(t, Buffer.from([0x65, 0x00, 0x0a]))).status).toBe(400);
    const json = await t.request('POST', '/api/v1/imports?consentBasis=x', { body: { email: 'a@b.co' } });
    expect(json.status).toBe(415);
    const viewer = await t.createKey('viewer');
    expect((await uploadCsv(t, 'email\n', {}, viewer)).status).toBe(403);
    const [{ n: after }] = await t.query(`SELECT count(*)::int AS n FROM imports`);
    expect(after).toBe(before);
    expect((await t.request('GET', '/api/v1/imports/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await t.request('GET', '/api/v1/imports/nope')).status).toBe(400);
  });
});
