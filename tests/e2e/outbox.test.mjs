// outbox.test.mjs — the office's outbox (/verwaltung/postausgang) and the admin's
// development folder (/verwaltung/postausgang/entwicklungsordner) in a real browser:
// German table and notices, axe-core (WCAG 2.1 A/AA), 360 px without horizontal
// scrolling, a mail opened and "Erneut senden" pressed with the keyboard, filtering
// and sending again without JavaScript, and the message view of a file in the
// development folder.
//
// The server runs without SMTP (the default of the harness), so mail goes into its
// development folder. Mails are queued through the test-only route POST /_test/mail
// (BIREG_TEST_ROUTES=1); a mail the SMTP server refused for good is made by setting
// its row and its job to failed, as the delivery job does on a 5xx answer (the real
// refusal is tested against the SMTP test server in tests/http/test_mail.py).
//
// Run: node --test tests/e2e/outbox.test.mjs   (needs build/bireg or BIREG_BIN)

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkAxe, focusedElement, hasFocusIndicator, horizontalOverflow, login, screenshot,
  useBiregAndBrowser, visibleText,
} from './harness.mjs';

const ADMIN = { email: 'verwaltung@demo.bireg.example', password: 'duisburg-demo-admin' };
const OFFICE = { email: 'geschaeftsstelle@demo.bireg.example', password: 'duisburg-demo-office' };
const PDF = Buffer.from('%PDF-1.4\nTestanhang\n%%EOF\n');

const shared = useBiregAndBrowser();
const { withPage } = shared;

/** Queues a test mail with the page's session (cookies and CSRF token); returns {id, message_id}. */
async function queueMail(page, fields) {
  const csrf = await page.locator('input[name=csrf]').first().getAttribute('value');
  const res = await page.context().request.post(`${shared.bireg.baseURL}/_test/mail`, {
    form: { to: 'anna.mueller@example.org', to_name: 'Anna Müller', text: 'Guten Tag,\nein Test.\n', ...fields, csrf },
    headers: { Accept: 'application/json' },
  });
  assert.equal(res.status(), 201, await res.text());
  return res.json();
}

/** Reloads the outbox until the mail's row says `text` (the runner works meanwhile). */
async function waitForRow(page, id, text, path = '/verwaltung/postausgang', timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.goto(path);
    const row = page.locator(`#mail-${id}`);
    if ((await row.count()) === 1 && (await row.innerText()).includes(text)) return row;
    if (Date.now() > deadline) {
      throw new Error(`mail ${id} does not show "${text}" after ${timeoutMs} ms:\n${await visibleText(page)}`);
    }
    await page.waitForTimeout(200);
  }
}

/** Marks a mail as refused for good, as the delivery job does on a 550. */
async function makeFailed(id) {
  const db = shared.bireg.db;
  const [[jobId]] = await db.query('SELECT job_id FROM mail_outbox WHERE id = ?', [id]);
  await db.query("UPDATE mail_outbox SET status = 'failed', sent_at = NULL, attempts = 1, "
    + "last_response = '550 5.1.1 <anna.mueller@example.org>: Recipient address rejected: User unknown' "
    + 'WHERE id = ?', [id]);
  await db.query("UPDATE job SET state = 'failed', finished_at = '2026-01-01T00:00:00Z' WHERE id = ?", [jobId]);
}

async function checkPage(page, name) {
  await checkAxe(page);
  await screenshot(page, `outbox-${name}-desktop`);
  const size = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.waitForTimeout(50);
  const overflow = await horizontalOverflow(page);
  await screenshot(page, `outbox-${name}-360`);
  await page.setViewportSize(size);
  assert.ok(overflow <= 0, `${page.url()} is ${overflow}px wider than a 360px viewport`);
  const problems = page.problems.filter((p) => !/^requestfailed: .* net::ERR_ABORTED/.test(p));
  page.problems.length = 0;
  assert.deepEqual(problems, [], 'console errors, CSP violations or failed requests');
}

/** Tabs from the top of the page to the first element matching `match`; returns it or null. */
async function tabTo(page, match, max = 150) {
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const el = await focusedElement(page);
    if (!el) return null;
    if (await match(el)) return el;
  }
  return null;
}

describe('outbox (office) and development folder (admin)', { timeout: 240_000 }, () => {
  it('lists mails in German, passes axe, and opens one with the keyboard', async () => {
    await withPage(async (page) => {
      await login(page, OFFICE.email, OFFICE.password, { next: '/verwaltung/postausgang' });
      assert.equal(new URL(page.url()).pathname, '/verwaltung/postausgang');
      assert.equal((await page.locator('h1').innerText()).trim(), 'Postausgang');
      const nav = page.locator('nav.bireg-nav a[aria-current=page]');
      assert.equal((await nav.innerText()).trim(), 'Postausgang');

      const mail = await queueMail(page, {
        subject: 'Einladung zur Sitzung – Prüfung',
        attachment_name: 'Übersicht März.pdf', attachment_type: 'application/pdf',
        attachment_data: PDF.toString('base64'),
      });
      const row = await waitForRow(page, mail.id, 'Gesendet');
      const rowText = await row.innerText();
      assert.ok(rowText.includes('Anna Müller <anna.mueller@example.org>'), rowText);
      assert.ok(rowText.includes('Test-E-Mail'), rowText);
      assert.ok(rowText.includes('in den Entwicklungsordner geschrieben'), rowText);
      assert.match(rowText, /\d{1,2}\.\d{1,2}\.\d{4}, \d{1,2}:\d{2} Uhr/);
      // Without SMTP the page says where mail goes; the office gets no folder link.
      const notice = await page.locator('#outbox-dev-notice').innerText();
      assert.ok(notice.includes('Es ist kein Mailserver eingerichtet'), notice);
      assert.equal(await page.locator('#outbox-dev-notice a').count(), 0);
      const caption = await page.locator('table caption').innerText();
      assert.ok(caption.includes('Bildungsregion Duisburg'), caption);
      await checkPage(page, 'list-de');

      // Tab to the mail's subject link and open it with Enter.
      const link = await tabTo(page, (el) => el.tag === 'a' && el.id === `mail-${mail.id}-name`);
      assert.ok(link, 'the mail\'s subject link is not reachable with Tab');
      assert.ok(await hasFocusIndicator(page), 'the focused link shows no focus indicator');
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      assert.equal(new URL(page.url()).pathname, `/verwaltung/postausgang/${mail.id}`);
      assert.equal((await page.locator('h1').innerText()).trim(), 'E-Mail „Einladung zur Sitzung – Prüfung“');
      const text = await visibleText(page);
      assert.ok(text.includes('Kopfzeilen'), text);
      assert.ok(text.includes('Guten Tag, ein Test.'), text);
      assert.ok(text.includes('Übersicht März.pdf'), text);
      assert.ok(text.includes(mail.message_id), text);
      assert.ok(!text.includes('Testanhang'), 'an attachment is shown inline');
      // The breadcrumb leads back to the list.
      assert.equal(await page.locator('nav.bireg-breadcrumb a[href="/verwaltung/postausgang"]').count(), 1);
      await checkPage(page, 'mail-de');
    });
  });

  it('sends a refused mail again with the keyboard', async () => {
    await withPage(async (page) => {
      await login(page, OFFICE.email, OFFICE.password, { next: '/verwaltung/postausgang' });
      const mail = await queueMail(page, { subject: 'Abgewiesene Adresse' });
      await waitForRow(page, mail.id, 'Gesendet');
      await makeFailed(mail.id);
      const row = await waitForRow(page, mail.id, 'Nicht zugestellt');
      const rowText = await row.innerText();
      assert.ok(rowText.includes('550 5.1.1 <anna.mueller@example.org>: Recipient address rejected'), rowText);
      await checkPage(page, 'failed-de');

      const button = await tabTo(page, async (el) => el.tag === 'button' && el.text === 'Erneut senden'
        && await page.evaluate((id) => Boolean(document.activeElement?.closest(`#mail-${id}`)), mail.id));
      assert.ok(button, 'the "Erneut senden" button is not reachable with Tab');
      assert.ok(await hasFocusIndicator(page), 'the focused button shows no focus indicator');
      const describedBy = await page.evaluate(() => document.activeElement.getAttribute('aria-describedby'));
      assert.equal(describedBy, `mail-${mail.id}-name`);
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      const url = new URL(page.url());
      assert.equal(url.pathname, '/verwaltung/postausgang');
      assert.equal(url.searchParams.get('hinweis'), 'erneut');
      const notice = page.locator('#outbox-notice');
      assert.equal((await notice.innerText()).trim(), 'Die E-Mail steht wieder im Postausgang und wird gleich gesendet.');
      assert.equal(await notice.getAttribute('role'), 'status');
      await checkPage(page, 'resent-de');
      // The runner takes it again: delivered, two attempts, the same Message-ID.
      const again = await waitForRow(page, mail.id, 'Gesendet');
      const [[attempts, msgid]] = await shared.bireg.db.query(
        'SELECT attempts, message_id FROM mail_outbox WHERE id = ?', [mail.id]);
      assert.equal(Number(attempts), 2);
      assert.equal(msgid, mail.message_id);
      assert.ok((await again.innerText()).includes('in den Entwicklungsordner geschrieben'));
    });
  });

  it('filters and sends again without JavaScript', async () => {
    await withPage(async (page) => {
      await login(page, OFFICE.email, OFFICE.password, { next: '/verwaltung/postausgang' });
      const mail = await queueMail(page, { subject: 'Ohne JavaScript' });
      await waitForRow(page, mail.id, 'Gesendet');
      await makeFailed(mail.id);
      await page.goto('/verwaltung/postausgang');
      await page.selectOption('#outbox-status', 'failed');
      await Promise.all([page.waitForNavigation(), page.click('form.bireg-outbox__filter button[type=submit]')]);
      assert.equal(new URL(page.url()).searchParams.get('status'), 'failed');
      const states = await page.locator('.bireg-outbox__status').allInnerTexts();
      assert.ok(states.length >= 1);
      assert.ok(states.every((s) => s.trim() === 'Nicht zugestellt'), states.join(', '));
      await Promise.all([page.waitForNavigation(),
        page.locator(`#mail-${mail.id}`).getByRole('button', { name: 'Erneut senden' }).click()]);
      const url = new URL(page.url());
      assert.equal(url.searchParams.get('hinweis'), 'erneut');
      assert.equal(url.searchParams.get('status'), 'failed');
      assert.equal(await page.locator(`#mail-${mail.id}`).count(), 0, 'a queued mail is still under "Nicht zugestellt"');
      // The detail page works without JavaScript, too.
      await page.goto(`/verwaltung/postausgang/${mail.id}`);
      assert.ok((await visibleText(page)).includes('Ohne JavaScript'));
    }, { javaScriptEnabled: false, reducedMotion: 'reduce' });
  });

  it('shows the development folder to admins, and what bireg would send', async () => {
    await withPage(async (page) => {
      await login(page, ADMIN.email, ADMIN.password, { next: '/verwaltung/postausgang' });
      const mail = await queueMail(page, { subject: 'Was bireg senden würde', html: '<p>HTML-Fassung</p>' });
      await waitForRow(page, mail.id, 'Gesendet');
      const link = page.locator('#outbox-dev-notice a');
      assert.equal((await link.innerText()).trim(), 'Entwicklungsordner ansehen');
      await Promise.all([page.waitForNavigation(), link.click()]);
      assert.equal(new URL(page.url()).pathname, '/verwaltung/postausgang/entwicklungsordner');
      assert.equal((await page.locator('h1').innerText()).trim(), 'Entwicklungsordner');
      const name = `${String(mail.id).padStart(8, '0')}-${mail.message_id}.eml`;
      const text = await visibleText(page);
      assert.ok(text.includes(name), text);
      assert.ok(text.includes('Was bireg senden würde'), text);
      await checkPage(page, 'dev-de');
      await Promise.all([page.waitForNavigation(),
        page.getByRole('link', { name: 'Was bireg senden würde' }).first().click()]);
      assert.equal(decodeURIComponent(new URL(page.url()).pathname),
        `/verwaltung/postausgang/entwicklungsordner/${name}`);
      const view = await visibleText(page);
      assert.ok(view.includes('Guten Tag, ein Test.'), view);
      assert.ok(view.includes('Die E-Mail hat außerdem eine HTML-Fassung'), view);
      assert.ok(view.includes('Anna Müller <anna.mueller@example.org>'), view);
      await checkPage(page, 'dev-mail-de');
      await page.goto('/verwaltung/postausgang/entwicklungsordner?lang=en');
      assert.equal((await page.locator('h1').innerText()).trim(), 'Development folder');
      await checkPage(page, 'dev-en');
      await page.goto('/verwaltung/postausgang?lang=de');
    });
  });

  it('keeps the development folder from the office (403 in German)', async () => {
    await withPage(async (page) => {
      await page.goto('/verwaltung/postausgang');
      assert.equal(new URL(page.url()).pathname, '/anmelden');
      await login(page, OFFICE.email, OFFICE.password);
      const res = await page.goto('/verwaltung/postausgang/entwicklungsordner');
      assert.equal(res.status(), 403);
      assert.ok((await visibleText(page)).includes('Zugriff verweigert'));
      await checkPage(page, 'dev-office-403-de');
    });
  });
});
