import { type Browser, chromium } from 'playwright-core';
import { PreferenceLinksService } from '../src/preferences/preference-links.service';
import { bootApp, TestApp } from './support/app';
import { fakeBlastId, insertPreferenceSubscriber, insertTopic, preferenceState } from './support/preference-factories';

// jest.config.js sets testTimeout inside `projects`, where Jest ignores it: the default 5 s is too short on a busy machine.
jest.setTimeout(60_000);

const CHROMIUM = '/usr/bin/chromium';

/** UNSUB-2 in a real browser: JavaScript off, the way many people open links from their mail. */
describe('Preference page in headless Chromium (e2e)', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await bootApp({ worker: false });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('opens a preference link, chooses "at most one a month", submits → the subscriber is monthly', async () => {
    const topic = await insertTopic(t, 'Senate rules');
    const s = await insertPreferenceSubscriber(t, { email: 'browser.person@example.org' });
    const { preferencesUrl } = t.get(PreferenceLinksService).forRecipient(s.id, fakeBlastId());
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 740 } });
    try {
      const page = await context.newPage();
      const opened = await page.goto(preferencesUrl);
      expect(opened?.status()).toBe(200);
      await expect(page.title()).resolves.toBe('Email preferences');
      expect(await page.getByText('b***@example.org').count()).toBe(1);

      // Accessible names: every control is reachable by its label.
      await page.getByLabel('At most one email a month').check();
      await page.getByLabel('Senate rules').uncheck();
      await page.getByRole('button', { name: 'Save my preferences' }).click();
      await page.waitForLoadState('domcontentloaded');

      expect(await page.getByRole('status').innerText()).toContain('at most one email a month');
      expect(await page.getByLabel('At most one email a month').isChecked()).toBe(true);
      expect(page.url()).toBe(preferencesUrl);
      // Mobile-friendly: nothing wider than the phone's viewport.
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      expect(await preferenceState(t, s.id)).toMatchObject({ status: 'subscribed', frequency: 'monthly', optOuts: [topic.id] });
    } finally {
      await context.close();
    }
  });

  it('unsubscribes with the one button, then undoes it from the confirmation', async () => {
    const s = await insertPreferenceSubscriber(t);
    const blastId = fakeBlastId();
    const { unsubscribeUrl } = t.get(PreferenceLinksService).forRecipient(s.id, blastId);
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(unsubscribeUrl);
      expect(await preferenceState(t, s.id)).toMatchObject({ status: 'subscribed' });
      await page.getByRole('button', { name: 'Unsubscribe' }).click();
      await page.waitForLoadState('domcontentloaded');
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('You are unsubscribed');
      expect(await preferenceState(t, s.id)).toMatchObject({ status: 'unsubscribed', unsubscribedBlastId: blastId });

      await page.getByRole('button', { name: 'Undo: subscribe me again' }).click();
      await page.waitForLoadState('domcontentloaded');
      expect(await page.getByRole('status').innerText()).toContain('You are subscribed again');
      expect(await preferenceState(t, s.id)).toMatchObject({ status: 'subscribed', consentSource: 'preference-center' });
    } finally {
      await context.close();
    }
  });
});
