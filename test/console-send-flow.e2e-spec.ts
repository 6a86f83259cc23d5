/// <reference lib="dom" />
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { seriousA11yProblems } from './support/accessibility';
import { bootApp, TestApp } from './support/app';
import { configureOrganization, insertManySubscribers, insertSubscribers } from './support/blast-factories';
import { SmtpSink } from './support/smtp-sink';
import { asUser, createUser, signIn, TEST_PASSWORD } from './support/users';

describe('Organizer console: the send flow in Chromium (issue 14)', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let browser: Browser;
  let segmentId: string;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await bootApp({ env: { SMTP_URL: sink.url, SEND_RATE_PER_SECOND: '80', BLAST_RECONCILE_INTERVAL_MS: '300' } });
    await configureOrganization(t);
    // The segment: 199 tagged people plus Rosa; 30 others outside it.
    await insertManySubscribers(t, 199, 'crowd');
    await t.query(`UPDATE subscribers SET tags = '{console}' WHERE email LIKE 'crowd-%'`);
    await insertSubscribers(t, [{ email: 'rosa.parks@example.org', firstName: 'Rosa', lastName: 'Parks', state: 'CO', tags: ['console'] }]);
    await insertManySubscribers(t, 30, 'outside');
    const seg = await t.request('POST', '/api/v1/segments', { body: { name: 'Console crowd', rules: { tag: 'console' } } });
    expect(seg.status).toBe(201);
    segmentId = seg.body.id;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.stop();
  });

  /**
   * A browser context whose pages record console errors, uncaught exceptions and every 4xx/5xx answer. Chromium logs
   * each failed answer as a console error ("Failed to load resource"); those are checked through `failures` (each
   * one expected), everything else the page logs as an error is a defect.
   */
  async function consoleContext(width = 1280): Promise<{ context: BrowserContext; page: Page; errors: string[]; failures: string[] }> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    const failures: string[] = [];
    let failedLoads = 0;
    let failedAnswers = 0;
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (m.text().startsWith('Failed to load resource:')) failedLoads++;
      else errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r) => {
      if (r.status() < 400) return;
      failedAnswers++;
      failures.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
    });
    page.on('close', () => failedLoads > failedAnswers && errors.push(`${failedLoads - failedAnswers} failed loads without a response`));
    return { context, page, errors, failures };
  }

  /** Signs in through the console's form and waits for the blast list. */
  async function signInThroughConsole(page: Page, email: string, password = TEST_PASSWORD): Promise<void> {
    if (!page.url().startsWith(`${t.url}/console`)) await page.goto(`${t.url}/console`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Blasts' }).waitFor();
  }

  it('composes, previews, picks a segment, tests, sends to 200 and reads the stats and ledger', async () => {
    const organizer = await createUser(t, { email: 'ada@example.org', role: 'organizer', name: 'Ada Lovelace' });
    const { context, page, errors, failures } = await consoleContext();

    // Sign in: a wrong password is refused with the one message that says nothing about which accounts exist.
    await page.goto(`${t.url}/console`);
    await page.getByRole('heading', { name: 'Sign in to Cloture' }).waitFor();
    expect(await seriousA11yProblems(page)).toEqual([]);
    await page.getByLabel('Email').fill(organizer.email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toBe('Wrong email or password');
    // Signed out, the console asks for the session once (401) — and the wrong password is the only other refusal.
    expect(failures.splice(0)).toEqual(['401 GET /api/v1/auth/session', '401 POST /api/v1/auth/login']);
    await signInThroughConsole(page, organizer.email);
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'cloture_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(await page.getByText('Ada Lovelace').count()).toBe(1);
    expect(await seriousA11yProblems(page)).toEqual([]);

    await page.getByRole('button', { name: 'New blast' }).click();
    await page.getByLabel('Name (only organizers see it)').waitFor();
    expect(page.url()).toMatch(/\/console\/blasts\/[0-9a-f-]{36}$/);
    const blastId = page.url().split('/').pop()!;
    await page.getByLabel('Name (only organizers see it)').fill('October push');
    await page.getByLabel('Subject').fill('The Senate is stalling again');

    // A template problem, flagged next to the body; then fixed with the merge-field picker (a field and a fallback).
    const body = page.getByLabel('Body (HTML)');
    await body.fill('<p>Hello {{firstNme}},</p>\n<p>Bring it to a vote.</p>');
    const bodyProblems = page.locator('#htmlBody-problems');
    await bodyProblems.waitFor();
    expect(await bodyProblems.textContent()).toMatch(/firstNme/);
    await body.fill('<p>Hello ,</p>\n<p>Bring it to a vote.</p>');
    await body.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(9, 9));
    await page.getByLabel('Field', { exact: true }).selectOption('firstName');
    await page.getByLabel('Fallback when empty').fill('Friend');
    await page.getByRole('button', { name: /^Insert/ }).click();
    expect(await body.inputValue()).toBe('<p>Hello {{default firstName "Friend"}},</p>\n<p>Bring it to a vote.</p>');
    await page.getByText('All changes saved').waitFor();
    await bodyProblems.waitFor({ state: 'detached' });
    expect(await page.locator('.problem-summary').count()).toBe(0);

    // The preview as the API's sample recipient (Alex Sample), then as Rosa, with the real footer.
    const frame = page.frameLocator('iframe[title="HTML preview of the message"]');
    await frame.getByText('Hello Alex,').waitFor();
    await page.getByLabel('Preview as subscriber (email or name)').fill('rosa.parks@example.org');
    await page.getByRole('button', { name: 'Preview as', exact: true }).click();
    await page.getByTestId('preview-as').getByText('rosa.parks@example.org').waitFor();
    await frame.getByText('Hello Rosa,').waitFor();
    expect(await frame.locator('body').textContent()).toContain('PO Box 1234');
    await page.getByRole('tab', { name: 'Plain text' }).click();
    expect(await page.getByTestId('preview-text').textContent()).toMatch(/Hello Rosa,[\s\S]*PO Box 1234/);
    await page.getByRole('button', { name: 'Mobile' }).click();
    expect(await page.locator('.preview-frame').evaluate((el) => el.getBoundingClientRect().width)).toBeLessThanOrEqual(375);

    // Audience: everyone (230), then the segment and its count (200).
    await page.getByTestId('audience-count').getByText('230', { exact: true }).waitFor();
    await page.getByLabel('Send to').selectOption(segmentId);
    await page.getByTestId('audience-count').getByText('200', { exact: true }).waitFor();
    await page.getByText('All changes saved').waitFor();
    expect(await seriousA11yProblems(page)).toEqual([]);

    // A test send, merged as Rosa.
    await page.getByLabel(/Send a test to/).fill('organizer@example.org');
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByText('Test sent to organizer@example.org.').waitFor();
    const tests = sink.to('organizer@example.org');
    expect(tests).toHaveLength(1);
    expect(tests[0].parsed.subject).toMatch(/The Senate is stalling again/);

    // Send now: the confirmation repeats the count and the sender; progress reaches 100 % with no reload.
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    await page.getByRole('button', { name: 'Send now…' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('It goes to 200 subscribers from Stop the Stall <action@mail.stopthestall.example>');
    await dialog.getByRole('button', { name: 'Send to 200 subscribers' }).click();
    await page.getByRole('heading', { name: 'Progress' }).waitFor();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    await page.getByTestId('progress-percent').getByText('100 %').waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    await page.getByText('sent', { exact: true }).first().waitFor();
    expect(await page.getByTestId('sent-count').textContent()).toBe('200');

    // Stats and charts, then Rosa in the ledger.
    await page.getByRole('heading', { name: 'Stats' }).waitFor();
    await page.getByText(/^200 messages sent between/).waitFor();
    expect(await page.locator('.chart canvas').count()).toBe(1);
    await page.getByLabel('Address starts with').fill('rosa.par');
    await page.getByRole('button', { name: 'Search' }).click();
    const ledgerRows = page.getByTestId('ledger').locator('tbody tr');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=ledger] tbody tr').length === 1);
    await page.getByTestId('ledger').getByText('rosa.parks@example.org').waitFor();
    expect(await ledgerRows.first().textContent()).toContain('sent');
    const csvHref = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    expect(csvHref).toBe(`/api/v1/blasts/${blastId}/deliveries.csv?q=rosa.par`);
    expect(await seriousA11yProblems(page)).toEqual([]);

    // Exactly one message per recipient (besides the test).
    const delivered = sink.messages.filter((m) => !m.to.includes('organizer@example.org'));
    expect(delivered).toHaveLength(200);
    expect(new Set(delivered.map((m) => m.to[0])).size).toBe(200);
    expect(sink.to('rosa.parks@example.org')[0].parsed.text).toContain('Hello Rosa,');

    // The audit log names the person who pressed Send.
    const audit = await t.request('GET', `/api/v1/audit?subjectType=blast&subjectId=${blastId}&action=blast.sent`);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]).toMatchObject({ actorType: 'user', actorId: organizer.id });

    // The report at a phone's width: nothing wider than the screen.
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(failures).toEqual([]);
    await context.close();
    expect(errors).toEqual([]);
  }, 180_000); // a whole send in a browser; about 45 s alone, longer on a busy machine

  it('shows a viewer the blasts without any send, pause or new-blast button, and the API refuses a viewer\'s send', async () => {
    const draft = await t.request('POST', '/api/v1/blasts', { body: { name: 'Viewer draft', subject: 'Hi', htmlBody: '<p>Hi</p>' } });
    const live = await t.request('POST', '/api/v1/blasts', { body: { name: 'Paused blast', subject: 'Hi', htmlBody: '<p>Hi</p>' } });
    await t.query(`UPDATE blasts SET status = 'paused', started_at = now() WHERE id = $1`, [live.body.id]);
    const viewer = await createUser(t, { email: 'vic@example.org', role: 'viewer' });
    const { context, page, errors, failures } = await consoleContext(375);
    await signInThroughConsole(page, viewer.email);
    await page.getByRole('link', { name: 'Viewer draft' }).waitFor();
    expect(await page.getByRole('button', { name: 'New blast' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Paused blast' }).click();
    await page.getByRole('heading', { name: 'Progress' }).waitFor();
    await page.getByRole('heading', { name: 'Recipients' }).waitFor();
    expect(await page.getByRole('button', { name: /Pause|Resume|Cancel blast/ }).count()).toBe(0);
    expect(await seriousA11yProblems(page)).toEqual([]);
    await page.goto(`${t.url}/console/blasts/${draft.body.id}`);
    await page.getByRole('heading', { name: 'Audience' }).waitFor();
    expect(await page.getByRole('button', { name: /Send now|Send test|Schedule/ }).count()).toBe(0);
    expect(await page.getByLabel('Subject').isDisabled()).toBe(true);
    expect(await seriousA11yProblems(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    expect(failures).toEqual(['401 GET /api/v1/auth/session']);
    await context.close();
    expect(errors).toEqual([]);
    // The buttons are absent because the API would refuse: a viewer cannot send or resume.
    const session = await signIn(t, viewer.email);
    expect((await asUser(t, session, 'POST', `/api/v1/blasts/${draft.body.id}/send`)).status).toBe(403);
    expect((await asUser(t, session, 'POST', `/api/v1/blasts/${live.body.id}/resume`)).status).toBe(403);
  }, 120_000);
});
