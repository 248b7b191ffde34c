// register_dupes.test.mjs — likely duplicates and merging in a real browser: the
// office opens the list of likely duplicates (the demo's Jörg Müller and Joerg
// Mueller with "gleiche E-Mail, gleicher Name"), marks a pair as not a duplicate
// with the keyboard, switches to the institutions, and merges the Müller pair with
// the keyboard only: Tab to "Zusammenführen", choose the other's first name with the
// arrow keys, send the form with Enter. Afterwards the other record is gone and its
// references belong to the kept one. Every state of every page is axe clean (WCAG
// 2.1 A/AA), fits a 360 px screen and loads without console errors or CSP violations.
//
// Uses the demo office of `bireg demo` (region duisburg). Screenshots:
// tests/e2e/artifacts/dupes-*.png.
//
// Run: npm run test:e2e   (needs build/bireg or BIREG_BIN, and /usr/bin/chromium)

import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  focusedElement, login, pageChecker, tabTo, useBiregAndBrowser, visibleText,
} from './harness.mjs';

const OFFICE = { email: 'geschaeftsstelle@demo.bireg.example', password: 'duisburg-demo-office' };

const shared = useBiregAndBrowser();
const { openPage } = shared;
const checkPage = pageChecker('dupes');

async function personId(first, last) {
  const [[id]] = await shared.bireg.db.query(
    "SELECT p.id FROM person p JOIN region r ON r.id = p.region_id WHERE r.slug = 'duisburg' " +
    'AND p.first_name = ? AND p.last_name = ?', [first, last]);
  return Number(id);
}

describe('likely duplicates and merging', { timeout: 300_000 }, () => {
  let page;
  let joerg;
  let joerg2;

  before(async () => {
    joerg = await personId('Jörg', 'Müller');
    joerg2 = await personId('Joerg', 'Mueller');
    page = await openPage();
    await login(page, OFFICE.email, OFFICE.password);
  });

  it('lists the likely duplicate people with their reasons', async () => {
    const resp = await page.goto('/register/dubletten');
    assert.equal(resp.status(), 200);
    assert.equal(await page.locator('h1').innerText(), 'Mögliche Dubletten');
    const row = page.locator(`tr[data-a="${joerg}"][data-b="${joerg2}"]`);
    assert.equal(await row.count(), 1, 'the Müller pair is listed');
    const text = await row.innerText();
    assert.ok(text.includes('gleiche E-Mail') && text.includes('gleicher Name'), text);
    await checkPage(page, 'list');
  });

  it('marks a pair as not a duplicate with the keyboard', async () => {
    const k1 = await personId('Katharina', 'Musterfrau');
    const k2 = await personId('K.', 'Musterfrau');
    const [a, b] = [Math.min(k1, k2), Math.max(k1, k2)];
    await page.goto('/register/dubletten');
    await tabTo(page, `dupes-dismiss-${a}-${b}`, { fromTop: true, max: 120 });
    const [res] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(res.status(), 200);
    assert.match(page.url(), /verworfen=1/);
    assert.ok((await visibleText(page)).includes('als „keine Dublette“ markiert'));
    assert.equal(await page.locator(`tr[data-a="${a}"][data-b="${b}"]`).count(), 0);
    const [[n]] = await shared.bireg.db.query(
      "SELECT count(*) FROM duplicate_dismissed WHERE entity = 'person' AND low_id = ? AND high_id = ?", [a, b]);
    assert.equal(Number(n), 1);
    await checkPage(page, 'dismissed');
  });

  it('lists the institutions entered twice', async () => {
    await page.goto('/register/dubletten');
    await tabTo(page, 'dupes-tab-institutions', { fromTop: true, max: 60 });
    const [res] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(res.status(), 200);
    assert.match(page.url(), /art=institutionen/);
    const text = await visibleText(page);
    assert.ok(text.includes('Kita Verbund Beispielhafen GmbH'), 'the second Kita-Verbund is listed');
    await checkPage(page, 'institutions');
  });

  it('merges two people with the keyboard only', async () => {
    await page.goto('/register/dubletten');
    await tabTo(page, `dupes-merge-${joerg}-${joerg2}`, { fromTop: true, max: 120 });
    const [opened] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(opened.status(), 200);
    assert.equal(new URL(page.url()).pathname, `/register/dubletten/personen/${joerg}/${joerg2}`);
    assert.equal(await page.locator('h1').innerText(), 'Zwei Personen zusammenführen');
    await checkPage(page, 'merge');
    // the first name: from the kept value to the other's with the arrow keys
    await tabTo(page, 'merge-take-first_name-keep', { fromTop: true, max: 120 });
    await page.keyboard.press('ArrowDown');
    const el = await focusedElement(page);
    assert.equal(el.id, 'merge-take-first_name-other');
    assert.equal(await page.isChecked('#merge-take-first_name-other'), true);
    await tabTo(page, 'merge-submit', { max: 120 });
    const [done] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(done.status(), 200);
    assert.match(page.url(), /zusammengefuehrt=1/);
    assert.ok((await visibleText(page)).includes('Die beiden Datensätze wurden zusammengeführt.'));
    await checkPage(page, 'merged');
    const db = shared.bireg.db;
    const [[gone]] = await db.query('SELECT count(*) FROM person WHERE id = ?', [joerg2]);
    assert.equal(Number(gone), 0);
    const [[first]] = await db.query('SELECT first_name FROM person WHERE id = ?', [joerg]);
    assert.equal(first, 'Joerg');
    const [[left]] = await db.query(
      'SELECT count(*) FROM person_affiliation WHERE person_id = ?', [joerg2]);
    assert.equal(Number(left), 0);
    const [[merge]] = await db.query(
      "SELECT count(*) FROM change_log WHERE action = 'merge' AND entity_id = ? AND sub_id = ?", [joerg, joerg2]);
    assert.equal(Number(merge), 1);
    // the kept record opens from the notice
    await tabTo(page, 'dupes-kept-link', { fromTop: true, max: 60 });
    const [kept] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(kept.status(), 200);
    assert.equal(new URL(page.url()).pathname, `/register/personen/${joerg}`);
  });

  it('shows a refusal for a record merged with itself', async () => {
    const resp = await page.goto(`/register/dubletten/personen/${joerg}/${joerg}`);
    assert.equal(resp.status(), 422);
    assert.ok((await visibleText(page)).includes('nicht mit sich selbst'));
    await checkPage(page, 'refused');
  });
});
