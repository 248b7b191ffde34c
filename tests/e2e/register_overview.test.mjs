// register_overview.test.mjs — the register's overview, its search and the
// network matrix in a real browser, as the office uses them: the search with
// the keyboard ("mueller" finds Jürgen Müller-Muster, whose page opens from the
// hit), a refused search term with its German message, the matrix filtered by
// level, its print layout (header row repeated, filters and export links
// hidden) and its CSV and PDF downloads. Every page of the register in the demo
// — also the lists of areas, institutions, people and bodies and the public
// body list — is checked with axe (WCAG 2.1 A/AA), at desktop width and at
// 360 px without horizontal scrolling.
//
// Uses the demo office of `bireg demo` (region duisburg). Screenshots:
// tests/e2e/artifacts/register-*.png.
//
// Run: npm run test:e2e   (needs build/bireg or BIREG_BIN, and /usr/bin/chromium)

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  focusedElement, hasFocusIndicator, login, pageChecker, useBiregAndBrowser, visibleText,
} from './harness.mjs';

const OFFICE = { email: 'geschaeftsstelle@demo.bireg.example', password: 'duisburg-demo-office' };

const shared = useBiregAndBrowser();
const { openPage } = shared;
const checkPage = pageChecker('register');

/** Tab from where the focus is until the element matching `test` has it. */
async function tabUntil(page, test, what, { max = 80 } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const el = await focusedElement(page);
    if (el && test(el)) {
      assert.ok(await hasFocusIndicator(page), `${what} has no visible focus`);
      return el;
    }
  }
  throw new Error(`Tab never reached ${what}`);
}

describe('register overview, search and network matrix', { timeout: 300_000 }, () => {
  let page;

  before(async () => {
    page = await openPage();
    await login(page, OFFICE.email, OFFICE.password);
  });

  after(async () => {
    await page?.context().close();
  });

  it('is linked in the navigation and counts what the register holds', async () => {
    await page.goto('/konto');
    const link = page.locator('nav.bireg-nav a', { hasText: 'Register' });
    assert.equal(await link.count(), 1, 'no navigation entry');
    await Promise.all([page.waitForNavigation(), link.click()]);
    assert.equal(new URL(page.url()).pathname, '/register');
    assert.equal((await page.locator('h1').innerText()).trim(), 'Register');
    const [[n]] = await shared.bireg.db.query(
      "SELECT count(*) FROM institution i JOIN region r ON r.id = i.region_id WHERE r.slug = 'duisburg'");
    const count = await page.locator('#register-count-institutions').innerText();
    assert.equal(count.trim(), `${Number(n)} Institutionen`);
    for (const text of ['Institutionen', 'Personen', 'Gremien', 'Netzwerk-Matrix', 'Gebiete']) {
      assert.equal(await page.locator('.bireg-register-links a', { hasText: text }).count() >= 1, true, text);
    }
    await checkPage(page, 'home');
  });

  it('finds Müller as mueller with the keyboard and opens the hit', async () => {
    await page.goto('/register');
    await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
    await tabUntil(page, (el) => el.id === 'register-q', 'the search field');
    await page.keyboard.type('mueller');
    const [res] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(res.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/register/suche');
    assert.equal(await page.inputValue('#register-q'), 'mueller');
    const text = await visibleText(page);
    assert.ok(text.includes('gefunden für „mueller“'), 'no result count');
    const hit = page.locator('.bireg-register-hits__title', { hasText: 'Jürgen Müller-Muster' });
    assert.equal(await hit.count(), 1, 'Jürgen Müller-Muster not found as "mueller"');
    await checkPage(page, 'search');
    // the same hit for the other spellings
    for (const q of ['Müller', 'muller', 'MÜLLER']) {
      await page.goto(`/register/suche?q=${encodeURIComponent(q)}`);
      assert.equal(await page.locator('.bireg-register-hits__title', { hasText: 'Jürgen Müller-Muster' }).count(), 1, q);
    }
    // open the hit with the keyboard
    await page.goto('/register/suche?q=mueller');
    await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
    const el = await tabUntil(page, (e) => e.tag === 'a' && e.text === 'Jürgen Müller-Muster', 'the hit');
    assert.ok(el);
    const [opened] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(opened.status(), 200);
    assert.match(new URL(page.url()).pathname, /^\/register\/personen\/\d+$/);
    assert.match(await page.locator('h1').innerText(), /Jürgen Müller-Muster/);
    await checkPage(page, 'person-from-search');
  });

  it('filters by kind and pages through many hits', async () => {
    await page.goto('/register/suche?q=schule');
    const filter = page.locator('nav.bireg-register-filter a', { hasText: /^Gremien/ });
    assert.equal(await filter.count(), 1);
    await page.goto('/register/suche?q=schule&art=institution');
    const kinds = await page.locator('.bireg-register-hits__kind').allInnerTexts();
    assert.ok(kinds.length === 25, `a full page expected, got ${kinds.length}`);
    assert.ok(kinds.every((k) => k.trim() === 'Institution'), kinds.join(','));
    const next = page.locator('a[rel=next]');
    await Promise.all([page.waitForNavigation(), next.click()]);
    assert.match(page.url(), /seite=2/);
    assert.match(await page.locator('.bireg-pagination__range').innerText(), /^26–50 von /);
    await checkPage(page, 'search-page-2');
  });

  it('refuses a search term that is too long, in German, next to the field', async () => {
    const res = await page.goto(`/register/suche?q=${'a'.repeat(201)}`);
    assert.equal(res.status(), 422);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'register-q-errors');
    const err = (await page.locator('#register-q-error').innerText()).replace(/^Fehler:\s*/, '').trim();
    assert.equal(err, 'Der Suchbegriff ist zu lang: höchstens 200 Zeichen.');
    assert.equal(await page.getAttribute('#register-q', 'aria-invalid'), 'true');
    await checkPage(page, 'search-error');
  });

  it('shows the network matrix, filters it by level and prints it', async () => {
    await page.goto('/register/netzwerk');
    assert.equal((await page.locator('h1').innerText()).trim(), 'Netzwerk-Matrix');
    const cols = await page.locator('#matrix-table thead th[scope=col]').count();
    assert.ok(cols > 5, `only ${cols} columns`);
    assert.ok(await page.locator('#matrix-table tbody th[scope=row]', { hasText: 'Bezirksregierung Düsseldorf' }).count() === 1);
    await checkPage(page, 'matrix');

    await page.selectOption('#matrix-ebene', { label: 'Lenkungskreis' });
    await Promise.all([page.waitForNavigation(), page.locator('button', { hasText: 'Anzeigen' }).click()]);
    assert.match(page.url(), /ebene=\d+/);
    const heads = (await page.locator('#matrix-table thead th[scope=col]').allInnerTexts()).map((s) => s.trim());
    assert.deepEqual(heads, ['Institution', 'Lenkungskreis', 'Gremien']);
    await checkPage(page, 'matrix-level');

    // print: landscape, filters and links hidden, the header row repeated
    await page.goto('/register/netzwerk');
    await page.emulateMedia({ media: 'print' });
    const print = await page.evaluate(() => ({
      thead: getComputedStyle(document.querySelector('#matrix-table thead')).display,
      form: getComputedStyle(document.querySelector('.bireg-register-matrix__filter')).display,
      exports: getComputedStyle(document.querySelector('.bireg-register-matrix__exports')).display,
      nav: getComputedStyle(document.querySelector('nav.bireg-nav')).display,
    }));
    assert.deepEqual(print, { thead: 'table-header-group', form: 'none', exports: 'none', nav: 'none' });
    const pdf = await page.pdf({ format: 'A4' });
    assert.ok(pdf.length > 1000, 'printing gave no PDF');
    await page.emulateMedia({ media: 'screen' });
  });

  it('exports the matrix as CSV for Excel and as PDF', async () => {
    await page.goto('/register/netzwerk');
    const csvHref = await page.getAttribute('#matrix-csv', 'href');
    const pdfHref = await page.getAttribute('#matrix-pdf', 'href');
    const csv = await page.request.get(csvHref);
    assert.equal(csv.status(), 200);
    assert.equal(csv.headers()['content-type'], 'text/csv; charset=utf-8');
    assert.match(csv.headers()['content-disposition'], /^attachment; filename="netzwerk-duisburg-\d{4}-\d{2}-\d{2}\.csv"$/);
    const body = await csv.body();
    assert.deepEqual([...body.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const first = body.subarray(3).toString('utf-8').split('\r\n')[0];
    assert.match(first, /^Institution;Institutionsart;.*Lenkungskreis.*;Anzahl der Gremien$/);
    const pdf = await page.request.get(pdfHref);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
  });

  // Every page of the register in the demo, in its first state.
  const pages = [
    ['/register', 'home'],
    ['/register/suche?q=lenkungskreis', 'search-body'],
    ['/register/suche?q=stra%C3%9Fe', 'search-strasse'],
    ['/register/suche', 'search-empty'],
    ['/register/netzwerk', 'matrix-all'],
    ['/register/institutionen', 'institutions'],
    ['/register/personen', 'people'],
    ['/register/gremien', 'bodies'],
    ['/register/gebiete', 'areas'],
    ['/register/ebenen', 'levels'],
    ['/gremien', 'public-bodies'],
  ];
  for (const [path, name] of pages) {
    it(`${path} is axe clean and fits 360 px`, async () => {
      const res = await page.goto(path);
      assert.equal(res.status(), 200, `${path} answered ${res.status()}`);
      await checkPage(page, `all-${name}`);
    });
  }
});
