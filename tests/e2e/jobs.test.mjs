// jobs.test.mjs — the admin page of background jobs (/verwaltung/auftraege) in a
// real browser: German table, axe-core (WCAG 2.1 A/AA), the "Erneut versuchen"
// button reached and pressed with the keyboard, and filtering and cancelling
// without JavaScript.
//
// Jobs are made through the test-only route POST /_test/jobs (BIREG_TEST_ROUTES=1,
// which the harness sets): test.fail with max_attempts=1 fails at once,
// test.record with a run_at in 2099 waits. The server's own runner does the rest.
//
// Run: node --test tests/e2e/jobs.test.mjs   (needs build/bireg or BIREG_BIN)

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkAxe, focusedElement, hasFocusIndicator, horizontalOverflow, login, screenshot,
  useBiregAndBrowser, visibleText,
} from './harness.mjs';

const ADMIN = { email: 'verwaltung@demo.bireg.example', password: 'duisburg-demo-admin' };
const OFFICE = { email: 'geschaeftsstelle@demo.bireg.example', password: 'duisburg-demo-office' };
const LATER = '2099-01-01T00:00:00Z';

const shared = useBiregAndBrowser();
const { withPage } = shared;

/** Enqueues a test job with the page's session (cookies and CSRF token); returns its id. */
async function enqueue(page, fields) {
  const csrf = await page.locator('input[name=csrf]').first().getAttribute('value');
  const res = await page.context().request.post(`${shared.bireg.baseURL}/_test/jobs`, {
    form: { ...fields, csrf },
    headers: { Accept: 'application/json' },
  });
  assert.equal(res.status(), 201, await res.text());
  return (await res.json()).id;
}

/** Reloads the jobs page until the job's row says `text` (the runner works meanwhile). */
async function waitForRow(page, id, text, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.goto('/verwaltung/auftraege');
    const row = page.locator(`#job-${id}`);
    if ((await row.count()) === 1 && (await row.innerText()).includes(text)) return row;
    if (Date.now() > deadline) {
      throw new Error(`job ${id} does not show "${text}" after ${timeoutMs} ms:\n${await visibleText(page)}`);
    }
    await page.waitForTimeout(250);
  }
}

async function checkPage(page, name) {
  await checkAxe(page);
  await screenshot(page, `jobs-${name}-desktop`);
  const size = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.waitForTimeout(50);
  const overflow = await horizontalOverflow(page);
  await screenshot(page, `jobs-${name}-360`);
  await page.setViewportSize(size);
  assert.ok(overflow <= 0, `${page.url()} is ${overflow}px wider than a 360px viewport`);
  const problems = page.problems.filter((p) => !/^requestfailed: .* net::ERR_ABORTED/.test(p));
  page.problems.length = 0;
  assert.deepEqual(problems, [], 'console errors, CSP violations or failed requests');
}

describe('background jobs (admin)', { timeout: 180_000 }, () => {
  it('lists jobs in German, passes axe, and retries a failed job with the keyboard', async () => {
    await withPage(async (page) => {
      await login(page, ADMIN.email, ADMIN.password, { next: '/verwaltung/auftraege' });
      assert.equal(new URL(page.url()).pathname, '/verwaltung/auftraege');
      assert.equal((await page.locator('h1').innerText()).trim(), 'Hintergrundaufträge');
      const nav = page.locator('nav.bireg-nav a[aria-current=page]');
      assert.equal((await nav.innerText()).trim(), 'Aufträge');

      const done = await enqueue(page, { kind: 'test.record' });
      const waiting = await enqueue(page, { kind: 'test.record', run_at: LATER });
      const failed = await enqueue(page, { kind: 'test.fail', max_attempts: '1' });
      await waitForRow(page, done, 'Erledigt');
      const row = await waitForRow(page, failed, 'Fehlgeschlagen');
      const rowText = await row.innerText();
      assert.ok(rowText.includes('Test: schlägt immer fehl'), rowText);
      assert.ok(rowText.includes('1 von 1'), rowText);
      assert.match(rowText, /\d{1,2}\.\d{1,2}\.\d{4}, \d{1,2}:\d{2} Uhr/);
      assert.ok((await page.locator(`#job-${waiting}`).innerText()).includes('Wartet'));
      const caption = await page.locator('table caption').innerText();
      assert.ok(caption.includes('Bildungsregion Duisburg'), caption);
      await checkPage(page, 'list-de');

      // Tab from the top of the page to the failed job's button.
      await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
      let found = null;
      for (let i = 0; i < 120; i++) {
        await page.keyboard.press('Tab');
        const el = await focusedElement(page);
        if (!el) break;
        const inRow = await page.evaluate((id) => Boolean(document.activeElement?.closest(`#job-${id}`)), failed);
        if (el.tag === 'button' && inRow && el.text === 'Erneut versuchen') {
          found = el;
          break;
        }
      }
      assert.ok(found, 'the "Erneut versuchen" button of the failed job is not reachable with Tab');
      assert.ok(await hasFocusIndicator(page), 'the focused button shows no focus indicator');
      // Its accessible description names the job.
      const describedBy = await page.evaluate(() => document.activeElement.getAttribute('aria-describedby'));
      assert.equal(describedBy, `job-${failed}-name`);
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      const url = new URL(page.url());
      assert.equal(url.pathname, '/verwaltung/auftraege');
      assert.equal(url.searchParams.get('hinweis'), 'erneut');
      const notice = page.locator('#jobs-notice');
      assert.equal((await notice.innerText()).trim(), 'Der Auftrag wird gleich erneut versucht.');
      assert.equal(await notice.getAttribute('role'), 'status');
      await checkPage(page, 'retried-de');
      // The runner takes it again and it fails again: attempts start afresh.
      const again = await waitForRow(page, failed, 'Fehlgeschlagen');
      assert.ok((await again.innerText()).includes('1 von 1'));
    });
  });

  it('filters and cancels without JavaScript', async () => {
    await withPage(async (page) => {
      await login(page, ADMIN.email, ADMIN.password, { next: '/verwaltung/auftraege' });
      const waiting = await enqueue(page, { kind: 'test.record', run_at: LATER });
      await page.goto('/verwaltung/auftraege');
      await page.selectOption('#jobs-status', 'queued');
      await Promise.all([page.waitForNavigation(), page.click('form.bireg-jobs__filter button[type=submit]')]);
      assert.equal(new URL(page.url()).searchParams.get('status'), 'queued');
      const states = await page.locator('.bireg-jobs__state').allInnerTexts();
      assert.ok(states.length >= 1);
      assert.ok(states.every((s) => s.trim() === 'Wartet'), states.join(', '));

      const row = page.locator(`#job-${waiting}`);
      await Promise.all([page.waitForNavigation(), row.getByRole('button', { name: 'Abbrechen' }).click()]);
      const url = new URL(page.url());
      assert.equal(url.searchParams.get('hinweis'), 'abgebrochen');
      assert.equal(url.searchParams.get('status'), 'queued');
      assert.equal((await page.locator('#jobs-notice').innerText()).trim(), 'Der Auftrag wurde abgebrochen.');
      assert.equal(await page.locator(`#job-${waiting}`).count(), 0, 'a cancelled job is still under "Wartet"');
      await page.goto('/verwaltung/auftraege?status=cancelled');
      assert.ok((await page.locator(`#job-${waiting}`).innerText()).includes('Abgebrochen'));

    }, { javaScriptEnabled: false, reducedMotion: 'reduce' });
  });

  it('shows a filtered list and an empty one accessibly', async () => {
    await withPage(async (page) => {
      await login(page, ADMIN.email, ADMIN.password, { next: '/verwaltung/auftraege?status=done' });
      const states = await page.locator('.bireg-jobs__state').allInnerTexts();
      assert.ok(states.every((s) => s.trim() === 'Erledigt'), states.join(', '));
      assert.equal(await page.locator('#jobs-status').inputValue(), 'done');
      await checkPage(page, 'filter-done-de');
      // Nothing runs for long here, so no job is "running" when the page is built.
      await page.goto('/verwaltung/auftraege?status=running');
      if (await page.locator('#jobs-empty').count()) {
        assert.equal((await page.locator('#jobs-empty').innerText()).trim(),
          'Es gibt keine Aufträge mit diesem Status.');
        await checkPage(page, 'empty-de');
      }
      await page.goto('/verwaltung/auftraege?lang=en');
      assert.equal((await page.locator('h1').innerText()).trim(), 'Background jobs');
      await checkPage(page, 'list-en');
      await page.goto('/verwaltung/auftraege?lang=de');
    });
  });

  it('is closed to the office (403 in German) and sends anonymous visitors to the login', async () => {
    await withPage(async (page) => {
      await page.goto('/verwaltung/auftraege');
      assert.equal(new URL(page.url()).pathname, '/anmelden');
      assert.equal(new URL(page.url()).searchParams.get('next'), '/verwaltung/auftraege');
      await login(page, OFFICE.email, OFFICE.password);
      const res = await page.goto('/verwaltung/auftraege');
      assert.equal(res.status(), 403);
      assert.ok((await visibleText(page)).includes('Zugriff verweigert'));
      assert.equal(await page.locator('nav.bireg-nav a[href="/verwaltung/auftraege"]').count(), 0,
        'the office sees a link to the jobs page');
      await checkPage(page, 'office-403-de');
    });
  });
});
