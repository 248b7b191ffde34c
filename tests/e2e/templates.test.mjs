// templates.test.mjs — the office's editor of mail and letter templates and the
// "Passwort vergessen?" pages in a real browser: the office finds the templates in
// the navigation, gets "Unbekannter Platzhalter {{foo}}" next to the field for a bad
// placeholder (nothing stored), previews with sample values, saves and resets — with
// the keyboard alone; the same without JavaScript; the letter's PDF preview; and the
// forgot-password pages. Every state of every page is axe clean (WCAG 2.1 A/AA),
// fits a 360 px screen and loads without console errors or CSP violations.
//
// Uses the demo office of `bireg demo` (region duisburg). The tests run in order on
// one server. Mail goes into a development folder in a temp dir. Screenshots:
// tests/e2e/artifacts/templates-*.png.
//
// Run: npm run test:e2e   (needs build/bireg or BIREG_BIN, and /usr/bin/chromium)

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  focusedElement, focusFromTop, login, pageChecker, tabTo, useBiregAndBrowser,
  visibleText,
} from './harness.mjs';

const OFFICE = { email: 'geschaeftsstelle@demo.bireg.example', password: 'duisburg-demo-office' };
const MAIL_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'bireg-e2e-mail-'));

const shared = useBiregAndBrowser({ env: { BIREG_MAIL_DEV_DIR: MAIL_DIR } });
const { openPage } = shared;
const checkPage = pageChecker('templates');

after(() => fs.rmSync(MAIL_DIR, { recursive: true, force: true }));

async function templateRows() {
  return shared.bireg.db.query('SELECT key, lang, subject, body FROM message_template ORDER BY id');
}

/** Replace a field's text by typing, as a keyboard user does. */
async function typeInto(page, id, text) {
  await tabTo(page, id);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

describe('template editor', { timeout: 300_000 }, () => {
  let page;

  before(async () => {
    page = await openPage();
    await login(page, OFFICE.email, OFFICE.password);
  });

  after(async () => {
    await page?.context().close();
  });

  it('is in the navigation and lists every template', async () => {
    await page.goto('/konto');
    const link = page.locator('nav.bireg-nav a', { hasText: 'Vorlagen' });
    assert.equal(await link.count(), 1, 'no navigation entry');
    await Promise.all([page.waitForNavigation(), link.click()]);
    assert.equal(new URL(page.url()).pathname, '/verwaltung/vorlagen');
    assert.equal((await page.locator('h1').innerText()).trim(), 'Vorlagen für E-Mails und Briefe');
    const text = await visibleText(page);
    for (const label of ['Passwort zurücksetzen', 'Eingang einer Rückmeldung zur Barrierefreiheit',
      'Einladung zu einer Sitzung', 'Absage einer Sitzung', 'Brief']) {
      assert.ok(text.includes(label), `"${label}" not listed`);
    }
    // each edit link names its template for screen readers
    const name = await page.locator('#template-feedback\\.received-de a').evaluate((a) => a.textContent.trim());
    assert.equal(name, 'Bearbeiten: Eingang einer Rückmeldung zur Barrierefreiheit, Deutsch');
    await checkPage(page, 'list');
  });

  it('refuses an unknown placeholder next to the field, with the keyboard alone', async () => {
    await page.goto('/verwaltung/vorlagen/feedback.received?sprache=de');
    assert.equal((await page.locator('h1').innerText()).trim(),
      'Eingang einer Rückmeldung zur Barrierefreiheit (Deutsch)');
    assert.ok((await visibleText(page)).includes('{{nummer}}'), 'the placeholders are not listed');
    await checkPage(page, 'edit');
    await focusFromTop(page);
    await typeInto(page, 'template-body', 'Guten Tag {{name}},\n\nIhre Nummer: {{foo}}.');
    await tabTo(page, 'template-preview');
    const [res] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(res.status(), 422);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'template-errors');
    const err = (await page.locator('#template-body-error').innerText()).replace(/^Fehler:\s*/, '').trim();
    assert.equal(err, 'Unbekannter Platzhalter {{foo}}.');
    assert.equal(await page.getAttribute('#template-body', 'aria-invalid'), 'true');
    assert.ok((await page.getAttribute('#template-body', 'aria-describedby')).split(/\s+/).includes('template-body-error'));
    assert.equal(await page.inputValue('#template-body'), 'Guten Tag {{name}},\n\nIhre Nummer: {{foo}}.');
    assert.deepEqual(await templateRows(), [], 'something was stored');
    await checkPage(page, 'error');

    // the summary's link leads to the field
    await page.keyboard.press('Tab');
    assert.equal((await focusedElement(page))?.href, '#template-body');
    await page.keyboard.press('Enter');
    assert.equal((await focusedElement(page))?.id, 'template-body');
  });

  it('previews with sample values without saving', async () => {
    await page.goto('/verwaltung/vorlagen/feedback.received?sprache=de');
    await focusFromTop(page);
    await typeInto(page, 'template-body',
      'Guten Tag {{name}},\n\nIhre Nummer: {{nummer}}.\n\n- Erklärung: {{link}}');
    await tabTo(page, 'template-preview');
    const [res] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(res.status(), 200);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'preview');
    const preview = await page.locator('#preview-text').innerText();
    assert.ok(preview.startsWith('Guten Tag Alex Muster,\n\nIhre Nummer: 17.'), preview);
    const link = page.locator('#preview-html li a');
    assert.match(await link.getAttribute('href'), /^http:\/\/[^/]+\/barrierefreiheit$/);
    assert.deepEqual(await templateRows(), [], 'the preview stored something');
    await checkPage(page, 'preview');
  });

  it('saves and resets to the default with the keyboard', async () => {
    await page.goto('/verwaltung/vorlagen/feedback.received?sprache=de');
    await focusFromTop(page);
    await typeInto(page, 'template-subject', 'Danke für Ihre Rückmeldung Nr. {{nummer}}');
    await tabTo(page, 'template-save');
    let [res] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(res.status(), 200);
    assert.equal(new URL(page.url()).search, '?sprache=de&gespeichert=1');
    assert.match((await page.locator('#template-notice').innerText()).trim(), /^Die Vorlage wurde gespeichert\./);
    const rows = await templateRows();
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0].slice(0, 3), ['feedback.received', 'de', 'Danke für Ihre Rückmeldung Nr. {{nummer}}']);
    assert.ok((await visibleText(page)).includes('Angepasst am'), 'no "changed" status');
    await checkPage(page, 'saved');

    await focusFromTop(page);
    await tabTo(page, 'template-reset');
    [res] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(res.status(), 200);
    assert.match((await page.locator('#template-notice').innerText()).trim(), /^Die Vorlage wurde zurückgesetzt/);
    assert.deepEqual(await templateRows(), []);
    assert.equal(await page.inputValue('#template-subject'), 'Ihre Rückmeldung zur Barrierefreiheit ist eingegangen');
    await checkPage(page, 'reset');
  });

  it('works without JavaScript', async () => {
    await shared.withPage(async (p) => {
      await login(p, OFFICE.email, OFFICE.password);
      await p.goto('/verwaltung/vorlagen/meeting.invitation?sprache=en');
      await p.fill('#template-subject', 'Invitation: {{sitzung}}');
      await Promise.all([p.waitForNavigation(), p.click('#template-preview')]);
      assert.equal(await p.locator('#preview-subject').innerText(), 'Invitation: 3rd meeting of the Lenkungskreis');
      await Promise.all([p.waitForNavigation(), p.click('#template-save')]);
      assert.equal(new URL(p.url()).search, '?sprache=en&gespeichert=1');
      const rows = await templateRows();
      assert.deepEqual(rows.map((r) => r.slice(0, 3)), [['meeting.invitation', 'en', 'Invitation: {{sitzung}}']]);
      await Promise.all([p.waitForNavigation(), p.click('#template-reset')]);
      assert.deepEqual(await templateRows(), []);
      // (axe needs JavaScript in the page; the same pages are checked above)
    }, { javaScriptEnabled: false, reducedMotion: 'reduce' });
  });

  it('shows a letter as PDF', async () => {
    await page.goto('/verwaltung/vorlagen/letter.generic?sprache=de');
    assert.ok(await page.locator('#template-pdf').isVisible(), 'no PDF preview button');
    const href = await page.locator('#template-pdf-saved').getAttribute('href');
    const res = await page.request.get(href);
    assert.equal(res.status(), 200);
    assert.equal(res.headers()['content-type'], 'application/pdf');
    assert.equal((await res.body()).subarray(0, 5).toString('latin1'), '%PDF-');
    await checkPage(page, 'letter');
  });
});

describe('forgotten password', { timeout: 120_000 }, () => {
  it('is linked from the login page and answers every address alike', async () => {
    await shared.withPage(async (p) => {
      await p.goto('/anmelden');
      const link = p.locator('a', { hasText: 'Passwort vergessen?' });
      assert.equal(await link.count(), 1);
      await Promise.all([p.waitForNavigation(), link.click()]);
      assert.equal(new URL(p.url()).pathname, '/passwort-vergessen');
      assert.equal((await p.locator('h1').innerText()).trim(), 'Passwort vergessen?');
      await checkPage(p, 'forgot');

      // empty: the message next to the field
      await Promise.all([p.waitForNavigation(), p.press('#forgot-email', 'Enter')]);
      assert.equal((await p.locator('#forgot-email-error').innerText()).replace(/^Fehler:\s*/, '').trim(),
        'Bitte geben Sie Ihre E-Mail-Adresse ein.');
      await checkPage(p, 'forgot-error');

      // an unknown address: the same answer as for a real one
      await p.fill('#forgot-email', 'niemand@bireg.example');
      const [res] = await Promise.all([p.waitForNavigation(), p.press('#forgot-email', 'Enter')]);
      assert.equal(res.status(), 200);
      assert.equal(new URL(p.url()).search, '?gesendet=1');
      assert.ok((await p.locator('#forgot-sent').innerText())
        .includes('Wenn ein Konto mit dieser Adresse besteht, haben wir eine E-Mail geschickt.'));
      await checkPage(p, 'forgot-sent');
    });
  });

  it('explains a link that no longer works', async () => {
    await shared.withPage(async (p) => {
      const res = await p.goto('/passwort-neu/kein-gueltiger-link-0000000000');
      assert.equal(res.status(), 410);
      assert.equal((await p.locator('h1').innerText()).trim(), 'Link nicht mehr gültig');
      assert.ok(await p.locator('a', { hasText: 'Neuen Link anfordern' }).isVisible());
      await checkPage(p, 'link-gone');
    });
  });
});
