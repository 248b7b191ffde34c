// register_privacy.test.mjs — data protection in a real browser: the office opens a
// person's information page (Art. 15) from the person's page by keyboard, downloads
// the JSON; the erasure page (Art. 17) says what happens, refuses without the
// confirmation (message next to the check box and in the summary, nothing changed) and
// erases with it; the person's page then shows the anonymised record; the data
// protection page (/register/datenschutz) and the Art. 30 record. Every state is axe
// clean (WCAG 2.1 A/AA), fits a 360 px screen and loads without console errors or CSP
// violations.
//
// Uses the demo office of `bireg demo` (region duisburg); the person and the body are
// made by the test. Screenshots: tests/e2e/artifacts/privacy-*.png.
//
// Run: npm run test:e2e   (needs build/bireg or BIREG_BIN, and /usr/bin/chromium)

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  errorText, login, pageChecker, submit, tabTo, useBiregAndBrowser,
} from './harness.mjs';

const OFFICE = { email: 'geschaeftsstelle@demo.bireg.example', password: 'duisburg-demo-office' };
const ADMIN = { email: 'verwaltung@demo.bireg.example', password: 'duisburg-demo-admin' };
const NOW = '2026-01-01T00:00:00Z';

const shared = useBiregAndBrowser();
const { openPage } = shared;
const checkPage = pageChecker('privacy');

describe('data protection in the register', { timeout: 300_000 }, () => {
  let page;
  let personId;

  before(async () => {
    const db = shared.bireg.db;
    const [[rid]] = await db.query("SELECT id FROM region WHERE slug = 'duisburg'");
    [[personId]] = await db.query(
      'INSERT INTO person (region_id, first_name, last_name, email, sort_name, created_at, updated_at) ' +
      "VALUES (?, 'Dora', 'Datenschutzprobe', 'dora.probe@example.org', 'datenschutzprobe dora', ?, ?) RETURNING id",
      [rid, NOW, NOW]);
    const [[body]] = await db.query(
      'INSERT INTO body (region_id, name, type, public, sort_name, created_at, updated_at) ' +
      "VALUES (?, 'Forum Datenschutzprobe', 'forum', 1, 'forum datenschutzprobe', ?, ?) RETURNING id",
      [rid, NOW, NOW]);
    await db.query(
      'INSERT INTO membership (region_id, body_id, person_id, role, start_day, created_at, updated_at) ' +
      "VALUES (?, ?, ?, 'member', '2024-01-01', ?, ?)", [rid, body, personId, NOW, NOW]);
    page = await openPage();
    await login(page, OFFICE.email, OFFICE.password);
  });

  it('reaches the information page by keyboard and lists every part', async () => {
    const resp = await page.goto(`/register/personen/${personId}`);
    assert.equal(resp.status(), 200);
    await tabTo(page, 'person-export', { fromTop: true });
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.match(new URL(page.url()).pathname, new RegExp(`/register/personen/${personId}/auskunft$`));
    assert.match(await page.locator('h1').innerText(), /Auskunft für Dora Datenschutzprobe/);
    assert.equal(await page.locator('#export-sections tbody tr').count(), 8);
    await checkPage(page, 'export');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#export-json'),
    ]);
    assert.match(download.suggestedFilename(), /^auskunft-person-\d+-\d{4}-\d\d-\d\d\.json$/);
    const [[n]] = await shared.bireg.db.query(
      "SELECT count(*) FROM change_log WHERE entity = 'person' AND entity_id = ? AND action = 'export'",
      [personId]);
    assert.equal(Number(n), 1);
  });

  it('asks for the confirmation before erasing, then erases', async () => {
    const resp = await page.goto(`/register/personen/${personId}/loeschen-dsgvo`);
    assert.equal(resp.status(), 200);
    assert.equal(await page.locator('#erase-anonymise').isVisible(), true);
    await checkPage(page, 'erase');
    await submit(page, '#erase-submit');
    assert.equal(await page.locator('#erase-errors').isVisible(), true);
    assert.match(await errorText(page, 'erase-confirm'), /Bitte/);
    const [[still]] = await shared.bireg.db.query(
      'SELECT count(*) FROM person WHERE id = ? AND erased_at IS NULL', [personId]);
    assert.equal(Number(still), 1);
    await checkPage(page, 'erase-errors');
    await page.check('#erase-confirm');
    await submit(page, '#erase-submit');
    assert.match(new URL(page.url()).pathname, new RegExp(`/register/personen/${personId}$`));
    assert.equal(await page.locator('#person-erased').isVisible(), true);
    assert.equal(await page.locator('h1').innerText(), 'Anonymisierte Person');
    const [[erased]] = await shared.bireg.db.query(
      "SELECT count(*) FROM person WHERE id = ? AND erased_at IS NOT NULL AND first_name = ''", [personId]);
    assert.equal(Number(erased), 1);
    await checkPage(page, 'erased-person');
  });

  it('shows the data-protection page and the record', async () => {
    let resp = await page.goto('/register/datenschutz');
    assert.equal(resp.status(), 200);
    assert.equal(await page.locator('#privacy-retention tbody tr').count(), 4);
    assert.equal(await page.locator('#privacy-save').count(), 0);
    await checkPage(page, 'settings-office');
    resp = await page.goto('/register/datenschutz/verzeichnis');
    assert.equal(resp.status(), 200);
    assert.match(await page.locator('h1').innerText(), /Verzeichnis von Verarbeitungstätigkeiten/);
    await checkPage(page, 'record');
  });

  it('lets an admin change a period and shows a bad one next to its field', async () => {
    const admin = await openPage();
    await login(admin, ADMIN.email, ADMIN.password);
    await admin.goto('/register/datenschutz');
    await checkPage(admin, 'settings-admin');
    await admin.fill('#privacy-change_log', '0');
    await submit(admin, '#privacy-save');
    assert.equal(await admin.locator('#privacy-errors').isVisible(), true);
    assert.match(await errorText(admin, 'privacy-change_log'), /Änderungsprotokoll/);
    await checkPage(admin, 'settings-errors');
    await admin.fill('#privacy-change_log', '3000');
    await submit(admin, '#privacy-save');
    assert.equal(await admin.locator('#privacy-notice').isVisible(), true);
    assert.match(await admin.locator('#retention-change_log').innerText(), /3\.000 Tage/);
  });
});
