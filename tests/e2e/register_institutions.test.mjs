// register_institutions.test.mjs — institutions, areas and kinds of the register in a
// real browser: the office filters the list of institutions by keyboard (kind, search
// box), creates an institution with a mistake (German messages next to the fields and
// in the summary, values kept, nothing stored), fixes it and sees the detail page with
// the area taken from the post-code table; the pages of areas, the post-code table,
// the kinds and an institution with people and bodies are checked too. Every state of
// every page is axe clean (WCAG 2.1 A/AA), fits a 360 px screen and loads without
// console errors or CSP violations.
//
// Uses the demo office and demo register of `bireg demo` (region duisburg).
// Screenshots: tests/e2e/artifacts/institutions-*.png.
//
// Run: npm run test:e2e   (needs build/bireg or BIREG_BIN, and /usr/bin/chromium)

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  errorText, login, pageChecker, submit, tabTo, useBiregAndBrowser,
} from './harness.mjs';

const OFFICE = { email: 'geschaeftsstelle@demo.bireg.example', password: 'duisburg-demo-office' };

const shared = useBiregAndBrowser();
const { openPage } = shared;
const checkPage = pageChecker('institutions');

const count = async (sql, params = []) => Number((await shared.bireg.db.query(sql, params))[0][0]);

describe('institutions of the register', { timeout: 300_000 }, () => {
  let page;
  let rid;
  let schoolType;

  before(async () => {
    [[rid]] = await shared.bireg.db.query("SELECT id FROM region WHERE slug = 'duisburg'");
    [[schoolType]] = await shared.bireg.db.query(
      "SELECT id FROM institution_type WHERE region_id = ? AND key = 'school'", [rid]);
    page = await openPage();
    await login(page, OFFICE.email, OFFICE.password);
  });

  it('filters the list by keyboard: kind, then the search box', async () => {
    const resp = await page.goto('/register/institutionen');
    assert.equal(resp.status(), 200);
    assert.equal(await page.locator('h1').innerText(), 'Institutionen');
    await checkPage(page, 'list');

    // the kind: "Schule" is the first entry after "Alle Arten"
    await tabTo(page, 'institutions-art', { fromTop: true, max: 120 });
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.inputValue('#institutions-art'), String(schoolType));
    await tabTo(page, 'institutions-apply', { fromTop: true, max: 120 });
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('art'), String(schoolType));
    const kinds = await page.locator('#institutions-table tbody tr td:nth-child(2)').allInnerTexts();
    assert.ok(kinds.length > 0);
    assert.ok(kinds.every((k) => k.startsWith('Schule')), kinds.join(' | '));
    const schools = await count('SELECT count(*) FROM institution WHERE type_id = ?', [schoolType]);
    assert.match(await page.locator('.bireg-pagination__range').innerText(), new RegExp(`von ${schools}$`));
    await checkPage(page, 'list-schools');

    // the search box, typed without umlauts, keeps the kind
    await tabTo(page, 'institutions-q', { fromTop: true, max: 120 });
    await page.keyboard.type('gesamtschule');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const names = await page.locator('#institutions-table tbody th').allInnerTexts();
    assert.ok(names.length > 0, 'no Gesamtschule found');
    assert.equal(new URL(page.url()).searchParams.get('art'), String(schoolType));
    assert.equal(await page.inputValue('#institutions-sortierung'), 'relevanz');
    await checkPage(page, 'list-search');

    // a search term that is too long: the message next to the box
    await page.goto('/register/institutionen?q=' + 'a'.repeat(201));
    assert.match(await errorText(page, 'institutions-q'), /zu lang/);
    await checkPage(page, 'list-search-error');
  });

  it('refuses an institution with mistakes, keeps the values and stores nothing', async () => {
    await page.goto('/register/institutionen');
    await tabTo(page, 'institutions-new', { fromTop: true, max: 120 });
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.match(new URL(page.url()).pathname, /\/register\/institutionen\/neu$/);
    await checkPage(page, 'new');

    const before = await count('SELECT count(*) FROM institution WHERE region_id = ?', [rid]);
    await page.selectOption('#institution-type_id', { label: 'Kindertageseinrichtung' });
    await page.fill('#institution-name', 'Kita Sonnenschein am Dellplatz');
    await page.fill('#institution-street', 'Dellplatz 3');
    await page.fill('#institution-postcode', '47051');
    await page.fill('#institution-city', 'Duisburg');
    await page.fill('#institution-email', 'kita-sonnenschein-at-example');
    await page.fill('#institution-tags', 'Inklusion, Sprachförderung');
    await submit(page, '#institution-save');
    assert.equal(await page.locator('#institution-errors').isVisible(), true);
    assert.match(await errorText(page, 'institution-email'), /E-Mail/);
    assert.equal(await page.getAttribute('#institution-email', 'aria-invalid'), 'true');
    assert.equal(await page.inputValue('#institution-name'), 'Kita Sonnenschein am Dellplatz');
    assert.equal(await page.inputValue('#institution-tags'), 'Inklusion, Sprachförderung');
    await checkPage(page, 'new-errors');

    // fixed, but a school number for a Kita: the store refuses it next to the field
    await page.fill('#institution-email', 'kita-sonnenschein@example.org');
    await page.fill('#institution-school_number', '123456');
    await submit(page, '#institution-save');
    assert.match(await errorText(page, 'institution-school_number'), /Schulangaben sind nur bei einer Art mit Schulfeldern möglich/);
    // the summary links to the field
    const link = page.locator('#institution-errors a[href="#institution-school_number"]');
    assert.equal(await link.count(), 1);
    assert.equal(await count('SELECT count(*) FROM institution WHERE region_id = ?', [rid]), before);
    await checkPage(page, 'new-errors-school');
  });

  it('saves the corrected institution and shows it with its area and tags', async () => {
    await page.fill('#institution-school_number', '');
    await submit(page, '#institution-save');
    const m = new URL(page.url()).pathname.match(/\/register\/institutionen\/(\d+)$/);
    assert.ok(m, page.url());
    const id = Number(m[1]);
    assert.equal(await page.locator('h1').innerText(), 'Kita Sonnenschein am Dellplatz');
    assert.match(await page.locator('#institution-notice').innerText(), /gespeichert/);
    assert.match(await page.locator('#institution-address').innerText(), /Dellplatz 3, 47051 Duisburg/);
    assert.match(await page.locator('#institution-areas').innerText(), /Mitte/);
    assert.equal(await page.locator('#institution-tags').innerText(), 'Inklusion, Sprachförderung');
    const rows = await shared.bireg.db.query(
      'SELECT name, postcode, email FROM institution WHERE id = ?', [id]);
    assert.deepEqual(rows, [['Kita Sonnenschein am Dellplatz', '47051', 'kita-sonnenschein@example.org']]);
    assert.equal(await count('SELECT count(*) FROM institution_tag WHERE institution_id = ?', [id]), 2);
    assert.equal(await count("SELECT count(*) FROM search_entry WHERE kind = 'institution' AND ref_id = ?", [id]), 1);
    await checkPage(page, 'detail-new');

    // the search finds it in German spelling
    await page.goto('/register/institutionen?q=' + encodeURIComponent('sprachfoerderung sonnen'));
    assert.deepEqual(await page.locator('#institutions-table tbody th a').allInnerTexts(),
      ['Kita Sonnenschein am Dellplatz']);
  });

  it('shows an institution with its people and bodies', async () => {
    const [[id]] = await shared.bireg.db.query(
      'SELECT institution_id FROM membership WHERE region_id = ? AND institution_id IS NOT NULL ORDER BY id', [rid]);
    const resp = await page.goto(`/register/institutionen/${id}`);
    assert.equal(resp.status(), 200);
    assert.ok(await page.locator('#institution-bodies tbody tr').count() > 0);
    await checkPage(page, 'detail-relations');
    await page.goto(`/register/institutionen/${id}/loeschen`);
    assert.equal(await page.locator('#institution-delete-in-use').isVisible(), true);
    await checkPage(page, 'delete-in-use');
    await page.goto(`/register/institutionen/${id}/bearbeiten`);
    await checkPage(page, 'edit');
  });

  it('areas, the post-code table and the kinds pass axe', async () => {
    const [[bezirk]] = await shared.bireg.db.query(
      'SELECT parent_id FROM area WHERE region_id = ? AND parent_id IS NOT NULL ORDER BY id', [rid]);
    for (const [path, name] of [
      ['/register/gebiete', 'areas'],
      ['/register/gebiete/neu?hierarchie=social', 'area-new'],
      [`/register/gebiete/${bezirk}/bearbeiten`, 'area-edit'],
      [`/register/gebiete/${bezirk}/loeschen`, 'area-delete'],
      ['/register/gebiete/plz', 'postcodes'],
      ['/register/institutionsarten', 'kinds'],
    ]) {
      const resp = await page.goto(path);
      assert.equal(resp.status(), 200, path);
      await checkPage(page, name);
    }
    // a refused area (empty name) and a refused rename show their messages accessibly
    await page.goto('/register/gebiete/neu');
    await submit(page, 'button[type=submit].kern-btn--primary');
    assert.match(await errorText(page, 'area-name'), /Bitte füllen Sie dieses Feld aus/);
    await checkPage(page, 'area-new-errors');
    await page.goto('/register/institutionsarten');
    const [[kita]] = await shared.bireg.db.query(
      "SELECT id FROM institution_type WHERE region_id = ? AND key = 'kita'", [rid]);
    await page.fill(`#type-${kita}-name`, 'Schule');
    await Promise.all([page.waitForNavigation(),
      page.locator(`#type-${kita}-name`).press('Enter')]);
    assert.match(await errorText(page, `type-${kita}-name`), /gibt es schon/);
    await checkPage(page, 'kinds-rename-error');
  });
});
