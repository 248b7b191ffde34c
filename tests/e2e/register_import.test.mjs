// register_import.test.mjs — the generic import of people in a real browser, by keyboard:
// the office opens the imports, chooses "Personen importieren", uploads a CSV file, keeps
// the proposed column mapping, sees the preview (2 new) and imports; the people are in
// the database. A file with a bad e-mail address shows the rejected row with its line
// and offers no import button. Every step is axe clean (WCAG 2.1 A/AA), fits 360 px and
// loads without console errors or CSP violations.
//
// Uses the demo office of `bireg demo` (region duisburg).
// Screenshots: tests/e2e/artifacts/import-*.png.
//
// Run: npm run test:e2e   (needs build/bireg or BIREG_BIN, and /usr/bin/chromium)

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { login, pageChecker, tabTo, useBiregAndBrowser } from './harness.mjs';

const OFFICE = { email: 'geschaeftsstelle@demo.bireg.example', password: 'duisburg-demo-office' };

const shared = useBiregAndBrowser();
const { openPage } = shared;
const checkPage = pageChecker('import');

const count = async (sql, params = []) => Number((await shared.bireg.db.query(sql, params))[0][0]);

const GOOD = 'Anrede;Vorname;Nachname;E-Mail;PLZ;Ort\r\n'
  + 'Frau;Bea;Browserimport;bea.browserimport@example.org;47051;Duisburg\r\n'
  + 'Herr;Kai;Browserimport;kai.browserimport@example.org;47057;Duisburg\r\n';
const BAD = 'Nachname;E-Mail\r\nA;a.browser@example.org\r\nB;kaputt\r\n';

async function press(page, id) {
  await tabTo(page, id, { fromTop: true, max: 150 });
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
}

async function uploadFile(page, name, text) {
  await tabTo(page, 'import-file', { fromTop: true, max: 150 });
  await page.setInputFiles('#import-file', { name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf-8') });
  await press(page, 'import-upload');
}

describe('generic import of people', { timeout: 300_000 }, () => {
  let page;

  before(async () => {
    page = await openPage();
    await login(page, OFFICE.email, OFFICE.password);
  });

  it('uploads, maps, previews and imports by keyboard', async () => {
    const resp = await page.goto('/register/import');
    assert.equal(resp.status(), 200);
    assert.equal(await page.locator('h1').innerText(), 'Importe');
    await checkPage(page, 'overview');

    await press(page, 'import-people');
    assert.equal(new URL(page.url()).pathname, '/register/import/neu');
    await checkPage(page, 'upload');

    await uploadFile(page, 'kontakte.csv', GOOD);
    assert.match(new URL(page.url()).pathname, /^\/register\/import\/\d+$/);
    assert.equal(await page.inputValue('#importmap-last_name'), 'Nachname');
    assert.equal(await page.inputValue('#importmap-email'), 'E-Mail');
    await checkPage(page, 'mapping');

    await press(page, 'import-map');
    assert.equal(await page.locator('#import-count-new').innerText(), '2');
    await checkPage(page, 'preview');
    assert.equal(await count("SELECT count(*) FROM person WHERE last_name = 'Browserimport'"), 0);

    await press(page, 'import-commit');
    assert.equal(await page.locator('#import-count-new').innerText(), '2');
    await checkPage(page, 'done');
    assert.equal(await count("SELECT count(*) FROM person WHERE last_name = 'Browserimport'"), 2);
  });

  it('shows a rejected row with its line and offers no import', async () => {
    await page.goto('/register/import/neu?art=personen');
    await uploadFile(page, 'kaputt.csv', BAD);
    await press(page, 'import-map');
    const rows = await page.locator('#import-rejected tbody tr').allInnerTexts();
    assert.equal(rows.length, 1);
    assert.match(rows[0], /^3\s/);
    assert.equal(await page.locator('#import-commit').count(), 0);
    await checkPage(page, 'rejected');
    assert.equal(await count("SELECT count(*) FROM person WHERE email = 'a.browser@example.org'"), 0);
  });

  it('shows an unreadable file next to the field', async () => {
    await page.goto('/register/import/neu?art=institutionen');
    await uploadFile(page, 'muell.csv', '\u0000\u0001\u0002'.repeat(200));
    assert.equal(await page.locator('#import-file-error').count(), 1);
    await checkPage(page, 'bad-file');
  });
});
