// register_people.test.mjs — the people of the register in a real browser: the
// office opens the list, creates a person with a mistake (German messages next to
// the fields and in the summary, nothing stored), fixes it, records a consent to the
// publication of the name, adds an affiliation to an institution (first with an end
// before its start, refused next to the field), and finds the person with the search
// box in German spelling; deleting asks first and is refused for a member of a
// body. Every state of every page is axe clean (WCAG 2.1 A/AA),
// fits a 360 px screen and loads without console errors or CSP violations.
//
// Uses the demo office of `bireg demo` (region duisburg); the institution is made by
// the test. Screenshots: tests/e2e/artifacts/people-*.png.
//
// Run: npm run test:e2e   (needs build/bireg or BIREG_BIN, and /usr/bin/chromium)

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  errorText, login, pageChecker, submit, tabTo, useBiregAndBrowser,
} from './harness.mjs';

const OFFICE = { email: 'geschaeftsstelle@demo.bireg.example', password: 'duisburg-demo-office' };
const NOW = '2026-01-01T00:00:00Z';

const shared = useBiregAndBrowser();
const { openPage } = shared;
const checkPage = pageChecker('people');

describe('people of the register', { timeout: 300_000 }, () => {
  let page;
  let institution;
  let personId;

  before(async () => {
    const db = shared.bireg.db;
    const [[rid]] = await db.query("SELECT id FROM region WHERE slug = 'duisburg'");
    let types = await db.query('SELECT id FROM institution_type WHERE region_id = ? ORDER BY id', [rid]);
    if (types.length === 0) {
      types = await db.query("INSERT INTO institution_type (region_id, name) VALUES (?, 'Testart') RETURNING id", [rid]);
    }
    [[institution]] = await db.query(
      'INSERT INTO institution (region_id, type_id, name, sort_name, created_at, updated_at) ' +
      "VALUES (?, ?, 'Grundschule an der Brückenstraße', 'grundschule an der bruckenstrasse', ?, ?) RETURNING id",
      [rid, types[0][0], NOW, NOW]);
    page = await openPage();
    await login(page, OFFICE.email, OFFICE.password);
  });

  it('lists the people and reaches "Neue Person" by keyboard', async () => {
    const resp = await page.goto('/register/personen');
    assert.equal(resp.status(), 200);
    assert.equal(await page.locator('h1').innerText(), 'Personen');
    await checkPage(page, 'list');
    await tabTo(page, 'people-new', { fromTop: true });
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.match(new URL(page.url()).pathname, /\/register\/personen\/neu$/);
    await checkPage(page, 'new');
  });

  it('refuses a person with mistakes, keeps the values and stores nothing', async () => {
    const [[before]] = await shared.bireg.db.query('SELECT count(*) FROM person');
    await page.fill('#person-first_name', 'Erika');
    await page.fill('#person-email', 'erika-at-example');
    await page.selectOption('#person-preferred_channel', 'post');
    await submit(page, '#person-save');
    assert.equal(await page.locator('#person-errors').isVisible(), true);
    assert.match(await errorText(page, 'person-last_name'), /Nachname: Bitte füllen Sie dieses Feld aus\./);
    assert.match(await errorText(page, 'person-street'), /Straße und Hausnummer/);
    assert.match(await errorText(page, 'person-email'), /E-Mail/);
    assert.equal(await page.inputValue('#person-first_name'), 'Erika');
    assert.equal(await page.getAttribute('#person-last_name', 'aria-invalid'), 'true');
    const [[after]] = await shared.bireg.db.query('SELECT count(*) FROM person');
    assert.equal(Number(after), Number(before));
    await checkPage(page, 'new-errors');
  });

  it('saves the corrected person and shows the generated salutation', async () => {
    await page.selectOption('#person-address_form', 'frau');
    await page.fill('#person-title', 'Dr.');
    await page.fill('#person-last_name', 'Müller-Probe');
    await page.fill('#person-email', 'erika.mueller@example.org');
    await page.selectOption('#person-preferred_channel', 'email');
    await submit(page, '#person-save');
    const m = new URL(page.url()).pathname.match(/\/register\/personen\/(\d+)$/);
    assert.ok(m, page.url());
    personId = Number(m[1]);
    assert.match(await page.locator('#person-notice').innerText(), /Die Person wurde gespeichert/);
    assert.equal(await page.locator('#person-salutation').innerText(),
      'Sehr geehrte Frau Dr. Müller-Probe, (erzeugt)');
    const rows = await shared.bireg.db.query(
      'SELECT first_name, last_name, email, preferred_channel FROM person WHERE id = ?', [personId]);
    assert.deepEqual(rows, [['Erika', 'Müller-Probe', 'erika.mueller@example.org', 'email']]);
    await checkPage(page, 'detail');
  });

  it('records a consent to the publication of the name', async () => {
    await page.selectOption('#consent-kind', 'publish_name');
    await page.selectOption('#consent-given', '1');
    await page.fill('#consent-day', '2025-03-01');
    await page.fill('#consent-source', 'Einwilligungsformular vom 1.3.2025');
    await submit(page, '#consent-submit');
    assert.match(await page.locator('#person-notice').innerText(), /Einwilligung wurde erfasst/);
    assert.match(await page.locator('#consent-publish_name').innerText(), /Erteilt\s+01\.03\.2025/);
    const rows = await shared.bireg.db.query(
      'SELECT kind, given, day, source FROM person_consent WHERE person_id = ?', [personId]);
    assert.deepEqual(rows, [['publish_name', 1, '2025-03-01', 'Einwilligungsformular vom 1.3.2025']]);
    await checkPage(page, 'consent');
  });

  it('refuses an affiliation that ends before it starts, then adds it', async () => {
    await page.selectOption('#affiliation-institution_id', String(institution));
    await page.fill('#affiliation-function', 'Schulleitung');
    await page.fill('#affiliation-start_day', '2025-08-01');
    await page.fill('#affiliation-end_day', '2025-07-31');
    await submit(page, '#affiliation-submit');
    assert.match(await errorText(page, 'affiliation-end_day'), /Das Ende darf nicht vor dem Beginn liegen/);
    assert.equal(await page.locator('#affiliation-errors').isVisible(), true);
    assert.equal(await page.inputValue('#affiliation-function'), 'Schulleitung');
    let rows = await shared.bireg.db.query(
      'SELECT count(*) FROM person_affiliation WHERE person_id = ?', [personId]);
    assert.equal(Number(rows[0][0]), 0);
    await checkPage(page, 'affiliation-error');

    await page.fill('#affiliation-end_day', '');
    await submit(page, '#affiliation-submit');
    assert.match(await page.locator('#person-notice').innerText(), /Zugehörigkeit wurde hinzugefügt/);
    assert.match(await page.locator('#person-affiliations').innerText(), /Grundschule an der Brückenstraße/);
    rows = await shared.bireg.db.query(
      'SELECT institution_id, function, start_day, end_day FROM person_affiliation WHERE person_id = ?',
      [personId]);
    assert.deepEqual(rows.map((r) => [Number(r[0]), r[1], r[2], r[3]]),
      [[Number(institution), 'Schulleitung', '2025-08-01', null]]);
    await checkPage(page, 'affiliation');
  });

  it('finds the person by the search box in other spellings', async () => {
    for (const q of ['mueller-probe', 'muller probe', 'brueckenstrasse']) {
      await page.goto('/register/personen');
      await page.fill('#people-q', q);
      await submit(page, '#people-apply');
      const names = await page.locator('#people-table tbody th a').allInnerTexts();
      assert.deepEqual(names, ['Dr. Erika Müller-Probe'], q);
    }
    await checkPage(page, 'search');
  });

  it('asks before deleting, and refuses for a member of a body', async () => {
    await page.goto(`/register/personen/${personId}/loeschen`);
    assert.match(await page.locator('#person-delete-what').innerText(), /1 Zugehörigkeit zu einer Institution/);
    await checkPage(page, 'delete');
    const [[member]] = await shared.bireg.db.query('SELECT person_id FROM membership ORDER BY id LIMIT 1');
    await page.goto(`/register/personen/${member}/loeschen`);
    assert.match(await page.locator('#person-delete-blocked').innerText(), /kann nicht gelöscht werden/);
    assert.equal(await page.locator('#person-delete-confirm').count(), 0);
    await checkPage(page, 'delete-blocked');
    await page.goto(`/register/personen/${personId}/loeschen`);
    await submit(page, '#person-delete-confirm');
    assert.match(await page.locator('#people-notice').innerText(), /Die Person wurde gelöscht/);
    const rows = await shared.bireg.db.query('SELECT count(*) FROM person WHERE id = ?', [personId]);
    assert.equal(Number(rows[0][0]), 0);
  });
});
