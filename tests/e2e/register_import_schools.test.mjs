// register_import_schools.test.mjs — the NRW school directory import in a real
// browser, as the office uses it: the page with its Gemeindeschlüssel, a wrong
// key refused with the German message next to the field, the upload of a copy
// of the Duisburg file with one changed street, the preview (encoding shown,
// the change old → new), the commit, and the Schulform label table. Every page
// is checked with axe (WCAG 2.1 A/AA) at desktop width and at 360 px.
//
// Uses the demo office of `bireg demo` (region duisburg) and
// ../shared/data/schuldaten_duisburg_2022-06.csv. Screenshots:
// tests/e2e/artifacts/import-schools-*.png.
//
// Run: BIREG_BIN=build-x/bireg node --test --test-concurrency=1 tests/e2e/register_import_schools.test.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, errorText, login, pageChecker, submit, useBiregAndBrowser } from './harness.mjs';

const OFFICE = { email: 'geschaeftsstelle@demo.bireg.example', password: 'duisburg-demo-office' };
const DUISBURG = path.join(path.dirname(REPO_ROOT), 'shared', 'data', 'schuldaten_duisburg_2022-06.csv');

const shared = useBiregAndBrowser();
const { openPage } = shared;
const checkPage = pageChecker('import-schools');

describe('school directory import', { timeout: 300_000, skip: !fs.existsSync(DUISBURG) }, () => {
  let page;
  let tmp;

  before(async () => {
    page = await openPage();
    await login(page, OFFICE.email, OFFICE.password);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bireg-schools-'));
  });

  after(async () => {
    await page?.context().close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is linked from the register and shows the region keys', async () => {
    await page.goto('/register');
    const link = page.locator('.bireg-register-links a', { hasText: 'Schulverzeichnis importieren' });
    assert.equal(await link.count(), 1);
    await Promise.all([page.waitForNavigation(), link.click()]);
    assert.equal(new URL(page.url()).pathname, '/register/import/schulen');
    assert.equal(await page.inputValue('#keys-school_keys'), '05112000');
    await checkPage(page, 'page');
  });

  it('refuses a wrong key with the message next to the field', async () => {
    await page.fill('#keys-school_keys', '0511');
    await submit(page, '#schools-keys-save');
    const msg = await errorText(page, 'keys-school_keys');
    assert.match(msg, /8 Ziffern/);
    await checkPage(page, 'keys-error');
    const [[settings]] = await shared.bireg.db.query("SELECT settings FROM region WHERE slug = 'duisburg'");
    // text on SQLite, jsonb (already an object) on PostgreSQL
    const parsed = typeof settings === 'string' ? JSON.parse(settings) : settings;
    assert.deepEqual(parsed.school_keys, ['05112000']);
  });

  it('uploads, previews and imports a changed school', async () => {
    const lines = fs.readFileSync(DUISBURG, 'utf8').split('\n');
    const fields = lines[4].split('";"');
    const number = fields[0].slice(1);
    fields[8] = 'Teststraße 8';
    lines[4] = fields.join('";"');
    const file = path.join(tmp, 'schulen.csv');
    fs.writeFileSync(file, Buffer.from(lines.join('\n'), 'latin1'));
    await page.goto('/register/import/schulen');
    await page.setInputFiles('#schools-file', file);
    await submit(page, '#schools-upload');
    assert.match(new URL(page.url()).pathname, /^\/register\/import\/schulen\/\d+$/);
    assert.match(await page.locator('#schools-encoding').innerText(), /Windows-1252 \(erkannt\)/);
    assert.match(await page.locator('#schools-changed').innerText(), /Teststraße 8/);
    await checkPage(page, 'preview');
    await submit(page, '#schools-commit');
    assert.match(await page.locator('#schools-notice').innerText(), /importiert/);
    await checkPage(page, 'done');
    const [[street]] = await shared.bireg.db.query(
      'SELECT street FROM institution WHERE school_number = ?', [number]);
    assert.equal(street, 'Teststraße 8');
  });

  it('shows the school form labels', async () => {
    await page.goto('/register/schulformen');
    assert.match(await page.locator('#school-forms').innerText(), /Gymnasium/);
    await checkPage(page, 'forms');
  });
});
