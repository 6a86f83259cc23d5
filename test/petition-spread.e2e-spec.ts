import { mkdtempSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Frame, Page } from 'playwright-core';
import { seriousA11yProblems } from './support/accessibility';
import { bootApp, TestApp } from './support/app';
import { createPetition, sign, uniqueEmail, ZIPS } from './support/petition-factories';

// Booting the app (and Chromium) can take a while on a busy machine; hooks otherwise get Jest's 5 s default.
jest.setTimeout(180_000);

const LONG_BODY = [
  'The Senate has sat on the Election Security Act for **two years** while the next election comes closer.',
  '',
  ...Array.from({ length: 12 }, (_, i) => `Paragraph ${i + 2}: why this matters, in detail, with the history of the bill and what it would change for voters in every state.`),
].join('\n\n');

/** A page on another origin (another local port) that frames `src`. */
async function framingSite(src: string): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><title>Campaign site</title><h1>Our campaign</h1><iframe id="embed" title="Petition" src="${src}" width="400" height="700"></iframe>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** The iframe's document once it has settled: the embed's frame, or null when the browser refused to show it. */
async function embeddedFrame(page: Page): Promise<Frame | null> {
  const handle = await page.waitForSelector('#embed');
  const frame = await handle.contentFrame();
  if (!frame) return null;
  await frame.waitForLoadState('load').catch(() => undefined);
  // A frame refused by frame-ancestors is replaced by Chromium's error document; it never has the form.
  return frame.url().startsWith('chrome-error:') ? null : frame;
}

describe('Petitions that spread (PET-3, issue 20)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp({ worker: false, env: { PETITION_SIGNATURES_PER_IP_PER_DAY: '100000' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('over HTTP', () => {
    it('the head carries Open Graph and Twitter card tags, a meta description and canonical URL, defaulted from title and body', async () => {
      const p = await createPetition(t, { title: 'Hold the vote <now>', body: 'Senators must **act** & vote.\n\nSecond paragraph.' });
      const html = (await t.request('GET', `/p/${p.slug}?ref=someone`, { key: false })).text;
      const url = `${t.url}/p/${p.slug}`;
      expect(html).toContain('<meta name="description" content="Senators must act &amp; vote.">');
      expect(html).toContain(`<link rel="canonical" href="${url}">`);
      expect(html).toContain('<meta property="og:title" content="Hold the vote &lt;now&gt;">');
      expect(html).toContain('<meta property="og:description" content="Senators must act &amp; vote.">');
      expect(html).toContain(`<meta property="og:url" content="${url}">`);
      expect(html).toContain('<meta name="twitter:card" content="summary">');
      expect(html).not.toContain('og:image');
      expect(html).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml">');
      const icon = await t.request('GET', '/favicon.ico', { key: false });
      expect(icon.status).toBe(200);
      expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    });

    it('the organizer sets share title, description and image; they show in the cards and the petition JSON', async () => {
      const p = await createPetition(t, {
        shareTitle: 'I signed — will you?',
        shareDescription: 'Two minutes to tell the Senate "vote".',
        shareImageUrl: 'https://cdn.example.org/card.png?size=large&v=2',
      });
      expect(p).toMatchObject({ shareTitle: 'I signed — will you?', shareImageUrl: 'https://cdn.example.org/card.png?size=large&v=2', showRecentSigners: true, embedOrigins: [] });
      expect(p.embedUrl).toBe(`${t.url}/p/${p.slug}/embed`);
      const html = (await t.request('GET', `/p/${p.slug}`, { key: false })).text;
      expect(html).toContain('<meta property="og:title" content="I signed — will you?">');
      expect(html).toContain('<meta name="description" content="Two minutes to tell the Senate &quot;vote&quot;.">');
      expect(html).toContain('<meta property="og:image" content="https://cdn.example.org/card.png?size&#x3D;large&amp;v&#x3D;2">');
      expect(html).toContain('<meta name="twitter:card" content="summary_large_image">');
      // Cleared with null: back to the defaults.
      const cleared = await t.request('PATCH', `/api/v1/petitions/${p.id}`, { body: { shareTitle: null, shareImageUrl: null } });
      expect(cleared.status).toBe(200);
      expect((await t.request('GET', `/p/${p.slug}`, { key: false })).text).toContain(`<meta property="og:title" content="${p.title}">`);
    });

    it('refuses embed origins that are not plain origins (nothing can be smuggled into the CSP) and null flags', async () => {
      for (const bad of [['https://ok.example.org', "'none'; script-src *"], ['https://example.org/path'], ['*'], ['javascript:alert(1)'], 'https://x.org']) {
        const res = await t.request('POST', '/api/v1/petitions', {
          body: { slug: `bad-origins-${Date.now()}`, title: 'T', body: 'B', targets: [{ type: 'own_senators' }], embedOrigins: bad },
        });
        expect(res.status).toBe(400);
      }
      const p = await createPetition(t, { embedOrigins: ['HTTPS://Www.Example.org/', 'http://127.0.0.1:8080'] });
      expect(p.embedOrigins).toEqual(['https://www.example.org', 'http://127.0.0.1:8080']);
      expect((await t.request('PATCH', `/api/v1/petitions/${p.id}`, { body: { showRecentSigners: null } })).status).toBe(400);
      expect((await t.request('PATCH', `/api/v1/petitions/${p.id}`, { body: { shareImageUrl: 'ftp://example.org/x.png' } })).status).toBe(400);
    });

    it('every signer gets a random share code; signing through it credits them (stats, top referrers, their own page)', async () => {
      const p = await createPetition(t);
      const ada = uniqueEmail('ada');
      const first = await sign(t, p.slug, { email: ada, firstName: 'Ada' });
      expect(first.status).toBe(201);
      const share = first.body.share;
      expect(share.code).toMatch(/^[0-9A-Za-z]{10}$/);
      expect(share.referralCount).toBe(0);
      const [row] = await t.query('SELECT id, share_code FROM petition_signatures WHERE email = $1', [ada]);
      expect(row.share_code).toBe(share.code);
      // Nothing about the signer in the code or the links.
      for (const text of [share.code, JSON.stringify(share.links), share.personalUrl]) {
        expect(text).not.toContain(row.id);
        expect(text.toLowerCase()).not.toContain('ada.');
      }
      expect(share.links.url).toBe(`${t.url}/p/${p.slug}?ref=${share.code}`);
      for (const link of [share.links.email, share.links.sms, share.links.whatsapp, share.links.facebook, share.links.x]) {
        expect(decodeURIComponent(link)).toContain(`/p/${p.slug}?ref=${share.code}`);
      }
      expect(share.links.whatsapp.startsWith('https://wa.me/?text=')).toBe(true);
      // Signing again: the same code (one link per signer).
      expect((await sign(t, p.slug, { email: ada })).body.share.code).toBe(share.code);

      // Two friends through Ada's link (JSON body and the link's ?ref=), one through a tampered code: no credit.
      expect((await sign(t, p.slug, { referralCode: share.code })).status).toBe(201);
      expect((await t.request('POST', `/api/v1/public/petitions/${p.slug}/signatures?ref=${share.code}`, { key: false, body: { email: uniqueEmail(), zip: ZIPS.colorado } })).status).toBe(201);
      const tampered = await sign(t, p.slug, { referralCode: share.code.slice(0, 9) + (share.code[9] === 'x' ? 'y' : 'x') });
      expect(tampered.status).toBe(201);

      const stats = (await t.request('GET', `/api/v1/petitions/${p.id}/stats`)).body;
      expect(stats.byReferrer).toEqual([{ signatureId: row.id, shareCode: share.code, email: ada, firstName: 'Ada', lastName: 'Lovelace', count: 2 }]);
      expect(stats.total).toBe(4);

      // Coming back: the personal page (code + MAC) shows Ada's count; the same code with a forged MAC is not found.
      const mine = await t.request('GET', new URL(share.personalUrl).pathname, { key: false });
      expect(mine.status).toBe(200);
      expect(mine.text).toContain('Thank you, Ada!');
      expect(mine.text).toContain('2 people have signed through your link so far.');
      const forged = `${share.code}.${'A'.repeat(16)}`;
      expect((await t.request('GET', `/p/${p.slug}/thanks/${forged}`, { key: false })).status).toBe(404);
      expect((await t.request('GET', `/p/${p.slug}/thanks/${share.code}`, { key: false })).status).toBe(404);
      // The receipt of Ada signing again carries the count too.
      expect((await sign(t, p.slug, { email: ada })).body.share.referralCount).toBe(2);
    });

    it('recent signers show first name and state only, and an organizer can turn them off', async () => {
      const p = await createPetition(t);
      await sign(t, p.slug, { firstName: 'Grace', lastName: 'Hopper', zip: ZIPS.newYork });
      const html = (await t.request('GET', `/p/${p.slug}`, { key: false })).text;
      expect(html).toContain('<li>Grace, NY</li>');
      expect(html).not.toContain('Hopper');
      await t.request('PATCH', `/api/v1/petitions/${p.id}`, { body: { showRecentSigners: false } });
      expect((await t.request('GET', `/p/${p.slug}`, { key: false })).text).not.toContain('Grace');
    });

    it('only the embed names frame-ancestors; every other page still refuses frames', async () => {
      const p = await createPetition(t, { embedOrigins: ['https://www.example.org'] });
      const embed = await t.request('GET', `/p/${p.slug}/embed`, { key: false });
      expect(embed.status).toBe(200);
      expect(embed.headers.get('content-security-policy')).toContain('frame-ancestors https://www.example.org');
      expect(embed.headers.get('x-frame-options')).toBeNull();
      expect(embed.text).toContain(`action="/p/${p.slug}?embed&#x3D;1"`);
      const page = await t.request('GET', `/p/${p.slug}`, { key: false });
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      const none = await createPetition(t);
      expect((await t.request('GET', `/p/${none.slug}/embed`, { key: false })).headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    });
  });

  describe('in headless Chromium', () => {
    let browser: Browser;
    const shots = mkdtempSync(join(tmpdir(), 'cloture-petition-shots-'));

    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
    });
    afterAll(async () => {
      await browser?.close();
    });

    async function open(viewport: { width: number; height: number }, path: string, javaScriptEnabled = false): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser.newContext({ viewport, javaScriptEnabled });
      const page = await context.newPage();
      await page.goto(`${t.url}${path}`);
      return { context, page };
    }

    it('desktop (1280×800): the whole form beside the text, visible without scrolling', async () => {
      const p = await createPetition(t, { body: LONG_BODY, targets: [{ type: 'role', role: 'majority_leader' }, { type: 'own_senators' }] });
      const { context, page } = await open({ width: 1280, height: 800 }, `/p/${p.slug}`);
      await page.screenshot({ path: join(shots, 'desktop.png') });
      const form = (await page.locator('form').boundingBox())!;
      expect(form.y).toBeGreaterThanOrEqual(0);
      expect(form.y + form.height).toBeLessThanOrEqual(800);
      expect(form.x + form.width).toBeLessThanOrEqual(1280);
      // Beside the text: the form's column starts right of the body's.
      const body = (await page.locator('.body').boundingBox())!;
      expect(form.x).toBeGreaterThan(body.x + body.width - 1);
      await context.close();
    });

    it('phone (375 wide): the ask and the form come first, the full text after', async () => {
      const p = await createPetition(t, { body: LONG_BODY });
      const { context, page } = await open({ width: 375, height: 812 }, `/p/${p.slug}`);
      await page.screenshot({ path: join(shots, 'phone.png'), fullPage: true });
      const h1 = (await page.locator('h1').boundingBox())!;
      const form = (await page.locator('form').boundingBox())!;
      const story = (await page.locator('.story').boundingBox())!;
      expect(h1.y).toBeLessThan(form.y);
      expect(form.y).toBeLessThan(812); // the form starts on the first screen
      expect(form.y + form.height).toBeLessThanOrEqual(story.y);
      expect(form.width).toBeLessThanOrEqual(375);
      // Nothing wider than the screen (no sideways scrolling).
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await context.close();
    });

    it('signing through a referral link credits the referrer, and the thank-you page shares the new signer\'s own code', async () => {
      const p = await createPetition(t);
      const referrer = await sign(t, p.slug, { firstName: 'Ruth' });
      const code = referrer.body.share.code as string;
      const { context, page } = await open({ width: 1280, height: 800 }, `/p/${p.slug}?ref=${code}`);
      const email = uniqueEmail('friend');
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('First name').fill('Sonia');
      await page.getByLabel('Last name').fill('S');
      await page.getByLabel('ZIP code', { exact: true }).fill(ZIPS.newYork);
      await Promise.all([page.waitForURL(`${t.url}/p/${p.slug}`), page.getByRole('button', { name: 'Sign the petition' }).click()]);
      expect(await page.textContent('h1')).toBe('Thank you, Sonia!');

      const [mine] = await t.query('SELECT share_code, referrer_signature_id FROM petition_signatures WHERE email = $1', [email]);
      const [theirs] = await t.query('SELECT id FROM petition_signatures WHERE share_code = $1', [code]);
      expect(mine.referrer_signature_id).toBe(theirs.id);
      expect(mine.share_code).not.toBe(code);
      // The copy-link box and every share link carry Sonia's code, not Ruth's.
      expect(await page.inputValue('#share-url')).toBe(`${t.url}/p/${p.slug}?ref=${mine.share_code}`);
      expect(await page.getAttribute('#share-url', 'readonly')).not.toBeNull();
      const hrefs = await page.locator('.share-links a').evaluateAll((as) => as.map((a) => [a.textContent, a.getAttribute('href')]));
      expect(hrefs.map(([name]) => name)).toEqual(['Email', 'Text message', 'WhatsApp', 'Facebook', 'X']);
      for (const [, href] of hrefs) {
        expect(decodeURIComponent(href!)).toContain(`?ref=${mine.share_code}`);
        expect(href).not.toContain(code);
      }
      const stats = (await t.request('GET', `/api/v1/petitions/${p.id}/stats`)).body;
      expect(stats.byReferrer).toEqual([expect.objectContaining({ shareCode: code, firstName: 'Ruth', count: 1 })]);

      // Ruth comes back to her personal page and sees her count.
      await page.goto(referrer.body.share.personalUrl);
      expect(await page.textContent('#referral-count')).toContain('1 person has signed through your link so far.');
      await context.close();
    });

    it('the embed shows in a frame on a listed origin and signs there; an unlisted origin gets nothing', async () => {
      const p = await createPetition(t, { embedOrigins: [] });
      const allowedSite = await framingSite(`${t.url}/p/${p.slug}/embed`);
      const otherSite = await framingSite(`${t.url}/p/${p.slug}/embed`);
      const pageSite = await framingSite(`${t.url}/p/${p.slug}`);
      try {
        expect((await t.request('PATCH', `/api/v1/petitions/${p.id}`, { body: { embedOrigins: [allowedSite.origin] } })).status).toBe(200);
        const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, javaScriptEnabled: false });
        const page = await context.newPage();

        await page.goto(otherSite.origin);
        expect(await embeddedFrame(page)).toBeNull();

        await page.goto(pageSite.origin);
        expect(await embeddedFrame(page)).toBeNull(); // the full page is never framable, even from a listed site

        await page.goto(allowedSite.origin);
        const frame = (await embeddedFrame(page))!;
        expect(frame).not.toBeNull();
        expect(await frame.locator('form').count()).toBe(1);
        const email = uniqueEmail('embed');
        await frame.getByLabel('Email address').fill(email);
        await frame.getByLabel('ZIP code', { exact: true }).fill(ZIPS.colorado);
        await frame.getByLabel('First name').fill('Emb');
        await frame.getByLabel('Last name').fill('Ed');
        await frame.getByRole('button', { name: 'Sign the petition' }).click();
        await frame.waitForSelector('h1:has-text("Thank you")');
        expect(frame.url()).toBe(`${t.url}/p/${p.slug}?embed=1`);
        expect(await frame.locator('#share-url').count()).toBe(1);
        expect(await t.query('SELECT 1 FROM petition_signatures WHERE email = $1', [email])).toHaveLength(1);
        await context.close();
      } finally {
        for (const s of [allowedSite, otherSite, pageSite]) s.server.close();
      }
    });

    it('axe finds no serious or critical problem on the page, the thank-you page and the embed', async () => {
      const p = await createPetition(t, { goal: 500, targets: [{ type: 'role', role: 'majority_leader' }, { type: 'own_senators' }], embedOrigins: ['https://www.example.org'] });
      await sign(t, p.slug, { firstName: 'Mae', zip: ZIPS.colorado });
      const problems: Record<string, string[]> = {};
      for (const viewport of [{ width: 1280, height: 800 }, { width: 375, height: 812 }]) {
        const { context, page } = await open(viewport, `/p/${p.slug}`, true);
        problems[`page ${viewport.width}`] = await seriousA11yProblems(page);
        await page.getByLabel('Email address').fill(uniqueEmail('axe'));
        await page.getByLabel('First name').fill('Axe');
        await page.getByLabel('Last name').fill('Core');
        await page.getByLabel('ZIP code', { exact: true }).fill(ZIPS.colorado);
        await Promise.all([page.waitForURL(`${t.url}/p/${p.slug}`), page.getByRole('button', { name: 'Sign the petition' }).click()]);
        await page.waitForSelector('#share-url');
        problems[`thank-you ${viewport.width}`] = await seriousA11yProblems(page);
        await page.goto(`${t.url}/p/${p.slug}/embed`);
        problems[`embed ${viewport.width}`] = await seriousA11yProblems(page);
        await page.goto(`${t.url}/p/${p.slug}`);
        await page.evaluate("document.querySelector('form').noValidate = true"); // let the server's error page show
        await page.getByRole('button', { name: 'Sign the petition' }).click();
        await page.waitForSelector('[role=alert]');
        problems[`errors ${viewport.width}`] = await seriousA11yProblems(page);
        await context.close();
      }
      expect(problems).toEqual(Object.fromEntries(Object.keys(problems).map((k) => [k, []])));
    });
  });
});
