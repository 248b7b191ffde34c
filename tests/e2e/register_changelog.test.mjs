// register_changelog.test.mjs — the register's change log in a real browser, as
// the office uses it: an edit of a person through the form, then the person's
// page links to its log, which shows the old and the new value, the field's
// German label and who made the change; the region's log filters by kind of
// record and action with the keyboard, and a wrong day is refused next to its
// field. Every page is checked with axe (WCAG 2.1 A/AA), at desktop width and
// at 360 px without horizontal scrolling (checkPage).
//
// Uses the demo office of `bireg demo` (region duisburg). Screenshots:
// tests/e2e/artifacts/changelog-*.png.
//
// Run: BIREG_BIN=build-x/bireg node --test --test-concurrency=1 tests/e2e/register_changelog.test.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  errorText, login, pageChecker, submit, useBiregAndBrowser, visibleText,
} from './harness.mjs';

const OFFICE = { email: 'geschaeftsstelle@demo.bireg.example', password: 'duisburg-demo-office' };

const shared = useBiregAndBrowser();
const { openPage } = shared;
const checkPage = pageChecker('changelog');

describe('register change log', { timeout: 300_000 }, () => {
  let page;
  let personId;

  before(async () => {
    page = await openPage();
    await login(page, OFFICE.email, OFFICE.password);
  });

  after(async () => {
    await page?.context().close();
  });

  it('shows an edit of a person with old and new value', async () => {
    await page.goto('/register/personen/neu');
    await page.fill('#person-last_name', 'Protokollprobe');
    await page.fill('#person-first_name', 'Paula');
    await page.fill('#person-email', 'paula.alt@example.org');
    await submit(page, '#person-save');
    personId = Number(new URL(page.url()).pathname.split('/').pop());
    assert.ok(personId > 0, page.url());
    await page.goto(`/register/personen/${personId}/bearbeiten`);
    await page.fill('#person-email', 'paula.neu@example.org');
    await submit(page, '#person-save');

    const link = page.locator('#person-changelog');
    assert.equal(await link.count(), 1, 'no link to the change log');
    await Promise.all([page.waitForNavigation(), link.click()]);
    assert.equal(new URL(page.url()).pathname, `/register/personen/${personId}/protokoll`);
    const text = await visibleText(page);
    assert.match(text, /Änderungsprotokoll: Paula Protokollprobe/);
    assert.match(text, /E-Mail-Adresse:/);
    assert.match(text, /paula\.alt@example\.org/);
    assert.match(text, /paula\.neu@example\.org/);
    assert.match(text, /Geändert/);
    assert.match(text, /\d\d\.\d\d\.20\d\d, \d\d:\d\d Uhr/);
    await checkPage(page, 'person');
  });

  it('filters the region log with the keyboard and refuses a wrong day', async () => {
    await page.goto('/register/protokoll');
    await checkPage(page, 'region');
    await page.focus('#changelog-art');
    await page.selectOption('#changelog-art', 'person');
    await page.selectOption('#changelog-aktion', 'update');
    await page.focus('#changelog-apply');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('art'), 'person');
    assert.equal(url.searchParams.get('aktion'), 'update');
    assert.match(await visibleText(page), /Protokollprobe/);
    await checkPage(page, 'region-filtered');

    const resp = await page.goto('/register/protokoll?von=31.02.2026');
    assert.equal(resp.status(), 422);
    assert.match(await errorText(page, 'changelog-von'),
      /Bitte geben Sie den Tag ein, z\. B\. 26\.11\.2026\./);
    await checkPage(page, 'region-error');
  });
});
