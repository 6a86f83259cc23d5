import { chromium, Browser } from 'playwright-core';
import { bootApp, TestApp } from './support/app';
import { createPetition, uniqueEmail, ZIPS } from './support/petition-factories';

// Booting the app (and Chromium) can take a while on a busy machine; hooks otherwise get Jest's 5 s default.
jest.setTimeout(120_000);

const form = (fields: Record<string, string>) => ({
  raw: new URLSearchParams(fields),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  key: false as const,
});

describe('Hosted petition page (PET-3)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp({ worker: false, env: { PETITION_SIGNATURES_PER_IP_PER_DAY: '100000' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('over HTTP, without JavaScript', () => {
    it('renders title, sanitized body, targets by name and title, progress, and an unchecked opt-in', async () => {
      const p = await createPetition(t, {
        title: 'Hold the vote <now>',
        body: 'Senators must **act**. <script>alert(1)</script>',
        targets: [{ type: 'role', role: 'majority_leader' }, { type: 'role', role: 'minority_leader' }, { type: 'own_senators' }],
        goal: 500,
      });
      const res = await t.request('GET', `/p/${p.slug}?blast=not-a-uuid&ref=share-7`, { key: false });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const html = res.text;
      expect(html).toContain('<html lang="en">');
      expect(html).toContain('<h1>Hold the vote &lt;now&gt;</h1>');
      expect(html).toContain('<strong>act</strong>');
      expect(html).not.toContain('<script>');
      // Name cards: the person, then what they are addressed as.
      expect(html).toContain('<li><span class="name">John Thune</span><span class="role">Senate Majority Leader</span></li>');
      expect(html).toContain('<li><span class="name">Charles E. Schumer</span><span class="role">Senate Minority Leader</span></li>');
      expect(html).toContain('<span class="name">Your two U.S. senators</span>');
      // Progress toward the first milestone, the goal named below it.
      expect(html).toMatch(/<progress max="10" value="0"/);
      expect(html).toContain('<span class="count">0</span> signatures so far — be the first to sign');
      expect(html).toContain('Goal: 500 signatures');
      expect(html).toMatch(/<input type="checkbox" id="optIn" name="optIn" value="true">/);
      expect(html).toMatch(/<label for="email">/);
      expect(html).toContain('name="referralCode" value="share-7"');
      expect(html).not.toContain('name="blast"');
    });

    it('re-renders the form with messages and the values given on bad input', async () => {
      const p = await createPetition(t);
      const res = await t.request('POST', `/p/${p.slug}`, form({ email: 'nope', firstName: 'Ada', lastName: 'L', zip: '12', comment: 'Hi <b>' }));
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.text).toContain('role="alert"');
      expect(res.text).toContain('email must be a valid email address');
      expect(res.text).toContain('zip must be a 5-digit ZIP code or ZIP+4');
      expect(res.text).toMatch(/id="email" name="email"[^>]*value="nope"[^>]*aria-invalid="true" aria-describedby="email-error"/);
      expect(res.text).toContain('>Hi &lt;b&gt;</textarea>');
      expect((await t.query('SELECT count(*)::int AS n FROM petition_signatures WHERE petition_id = $1', [p.id]))[0].n).toBe(0);
    });

    it('lands on a thank-you page that names the senators (and says when a DC signer has none)', async () => {
      const p = await createPetition(t, { targets: [{ type: 'role', role: 'majority_leader' }, { type: 'own_senators' }] });
      const res = await t.request('POST', `/p/${p.slug}`, form({ email: uniqueEmail('page'), firstName: 'Dee', lastName: 'Cee', zip: ZIPS.dc, optIn: 'true' }));
      expect(res.status).toBe(200);
      expect(res.text).toContain('Thank you, Dee!');
      expect(res.text).toContain('<li>John Thune, Senate Majority Leader</li>');
      expect(res.text).toContain('Washington, DC has no U.S. senators');
    });

    it('a closed petition shows no form and refuses a POST with 409; an unknown slug is a 404 page', async () => {
      const p = await createPetition(t, { status: 'closed' });
      const page = await t.request('GET', `/p/${p.slug}`, { key: false });
      expect(page.status).toBe(200);
      expect(page.text).toContain('This petition is closed');
      expect(page.text).not.toContain('<form');
      const post = await t.request('POST', `/p/${p.slug}`, form({ email: uniqueEmail(), zip: ZIPS.colorado }));
      expect(post.status).toBe(409);
      expect(post.text).toContain('This petition is closed');
      const missing = await t.request('GET', '/p/nothing-here', { key: false });
      expect(missing.status).toBe(404);
      expect(missing.text).toContain('Petition not found');
      expect((await t.request('POST', '/p/nothing-here', form({ email: uniqueEmail(), zip: ZIPS.colorado }))).status).toBe(404);
    });
  });

  describe('in headless Chromium', () => {
    let browser: Browser;

    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('fills and submits the form, sees the thank-you page, and the signature is in the database', async () => {
      const p = await createPetition(t, { targets: [{ type: 'role', role: 'majority_leader' }, { type: 'own_senators' }] });
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${t.url}/p/${p.slug}`);
      expect(await page.title()).toBe(p.title);
      expect(await page.isChecked('#optIn')).toBe(false);
      const email = uniqueEmail('browser');
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('First name').fill('Rosa');
      await page.getByLabel('Last name').fill('Parks');
      await page.getByLabel('ZIP code', { exact: true }).fill(ZIPS.colorado);
      await page.getByLabel('Comment').fill('Bring it to the floor.');
      await Promise.all([page.waitForURL(`${t.url}/p/${p.slug}`), page.getByRole('button', { name: 'Sign the petition' }).click()]);
      await page.waitForSelector('h1');
      expect(await page.textContent('h1')).toBe('Thank you, Rosa!');
      const targets = await page.locator('ul.targets li').allTextContents();
      expect(targets).toEqual([
        'John Thune, Senate Majority Leader',
        'Michael F. Bennet, U.S. Senator for Colorado',
        'John W. Hickenlooper, U.S. Senator for Colorado',
      ]);
      await context.close();

      const rows = await t.query(
        'SELECT first_name, last_name, zip, state, comment, opted_in, subscriber_id FROM petition_signatures WHERE petition_id = $1 AND email = $2',
        [p.id, email],
      );
      expect(rows).toEqual([
        { first_name: 'Rosa', last_name: 'Parks', zip: ZIPS.colorado, state: 'CO', comment: 'Bring it to the floor.', opted_in: false, subscriber_id: null },
      ]);
      expect(await t.query('SELECT 1 FROM subscribers WHERE lower(email) = lower($1)', [email])).toEqual([]);
    });
  });
});
