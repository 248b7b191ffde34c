// register_bodies.test.mjs — bodies, their rules of procedure and memberships in a
// real browser: the office creates a body with two mistakes in its rules of procedure
// (a quorum share over 100 %, then an urgent Ladungsfrist longer than the normal one),
// sees each refused with the German message next to the field and in the summary,
// nothing stored, fixes them and reads the rules back in plain sentences; it adds a
// member through the person search and a personal substitute for her, who then shows
// next to her; the public page of the (public) body names only members who consented
// to publication. Every state of every page is axe clean (WCAG 2.1 A/AA), fits a
// 360 px screen and loads without console errors or CSP violations.
//
// Uses the demo office and the demo people of `bireg demo` (region duisburg).
// Screenshots: tests/e2e/artifacts/bodies-*.png.
//
// Run: npm run test:e2e   (needs build/bireg or BIREG_BIN, and /usr/bin/chromium)

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  errorText, login, pageChecker, submit, tabTo, useBiregAndBrowser, visibleText,
} from './harness.mjs';

const OFFICE = { email: 'geschaeftsstelle@demo.bireg.example', password: 'duisburg-demo-office' };

const shared = useBiregAndBrowser();
const { openPage } = shared;
const checkPage = pageChecker('bodies');

const NAME = 'Arbeitsgruppe Ganztag im Quartier';

describe('bodies of the register', { timeout: 300_000 }, () => {
  let page;
  let bodyId;

  it('creates a body, refusing two mistakes in its rules of procedure', async () => {
    const db = shared.bireg.db;
    page = await openPage();
    await login(page, OFFICE.email, OFFICE.password);
    await page.goto('/register/gremien');
    assert.match(await visibleText(page), /Lenkungskreis/);
    await checkPage(page, 'list');

    await tabTo(page, 'bodies-new', { fromTop: true, max: 120 });
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(new URL(page.url()).pathname, '/register/gremien/neu');
    await checkPage(page, 'new');

    await page.fill('#body-name', NAME);
    await page.fill('#body-short_name', 'AG Ganztag');
    await page.selectOption('#body-type', 'working_group');
    await page.fill('#body-description', 'Schulen, Träger und Jugendhilfe planen den Ganztag gemeinsam.');
    await page.selectOption('#body-chair_mode', 'co_chairs');
    await page.selectOption('#body-decision_mode', 'consensus');
    await page.selectOption('#body-quorum_rule', 'share');
    await page.fill('#body-quorum_share_pct', '150');
    await page.fill('#body-invitation_days', '7');
    await page.fill('#body-invitation_days_urgent', '10');
    await page.check('#body-public');
    await submit(page, 'form.bireg-form button[type=submit]');

    // Mistake 1: the quorum share is over 100 %.
    assert.match(await errorText(page, 'body-quorum_share_pct'), /100/);
    assert.match(await page.locator('#body-errors').innerText(), /Beschlussfähigkeit/);
    assert.equal(await page.inputValue('#body-name'), NAME);
    assert.equal(await page.inputValue('#body-quorum_share_pct'), '150');
    assert.equal(await page.inputValue('#body-invitation_days_urgent'), '10');
    assert.ok(await page.isChecked('#body-public'));
    assert.deepEqual(await db.query('SELECT count(*) FROM body WHERE name = ?', [NAME]), [[0]]);
    await checkPage(page, 'new-quorum-error');

    // Mistake 2: the urgent period is longer than the normal Ladungsfrist.
    await page.fill('#body-quorum_share_pct', '60');
    await submit(page, 'form.bireg-form button[type=submit]');
    assert.match(await errorText(page, 'body-invitation_days_urgent'), /verkürzte Frist/);
    assert.equal(await page.locator('#body-quorum_share_pct-error').count(), 0);
    assert.deepEqual(await db.query('SELECT count(*) FROM body WHERE name = ?', [NAME]), [[0]]);
    await checkPage(page, 'new-urgent-error');

    await page.fill('#body-invitation_days_urgent', '3');
    await submit(page, 'form.bireg-form button[type=submit]');
    const rows = await db.query(
      'SELECT id, chair_mode, quorum_share_pct, invitation_days, invitation_days_urgent, public ' +
      'FROM body WHERE name = ?', [NAME]);
    assert.equal(rows.length, 1);
    [[bodyId]] = rows;
    assert.deepEqual(rows[0].slice(1), ['co_chairs', 60, 7, 3, 1]);
    assert.equal(new URL(page.url()).pathname, `/register/gremien/${bodyId}`);
    const text = await visibleText(page);
    assert.match(text, /Das Gremium wurde gespeichert\./);
    assert.match(text, /Beschlüsse im Konsens\./);
    assert.match(text, /Ladungsfrist 7 Tage, in dringenden Fällen 3 Tage\./);
    assert.match(text, /Zwei gleichberechtigte Vorsitzende leiten das Gremium gemeinsam\./);
    await checkPage(page, 'detail-new');
  });

  it('adds a member through the person search, and a personal substitute for her', async () => {
    const db = shared.bireg.db;
    await page.click('#body-add-member');
    await page.waitForURL(/\/mitglieder\/neu/);
    // No person yet: the select only asks to search first.
    assert.equal(await page.locator('#membership-person_id option').count(), 1);
    await checkPage(page, 'member-new');

    await page.fill('#membership-q', 'beispiel');
    await submit(page, '#membership-search-submit');
    const hit = page.locator('#membership-hits li', { hasText: 'Petra Beispiel' });
    assert.equal(await hit.count(), 1);
    await checkPage(page, 'member-search');
    await Promise.all([page.waitForNavigation(), hit.locator('a').click()]);
    const [[petra]] = await db.query(
      "SELECT id FROM person WHERE first_name = 'Petra' AND last_name = 'Beispiel'");
    assert.equal(await page.inputValue('#membership-person_id'), String(petra));
    await page.selectOption('#membership-role', 'member');
    await page.selectOption('#membership-partner_side', 'land');
    // A mistake first: the membership would end before it starts.
    await page.fill('#membership-start_day', '2026-03-01');
    await page.fill('#membership-end_day', '2026-02-01');
    await submit(page, '#membership-submit');
    assert.match(await errorText(page, 'membership-end_day'), /vor dem Beginn/);
    assert.deepEqual(await db.query('SELECT count(*) FROM membership WHERE body_id = ?', [bodyId]), [[0]]);
    await checkPage(page, 'member-error');
    await page.fill('#membership-end_day', '');
    await submit(page, '#membership-submit');
    assert.equal(new URL(page.url()).pathname, `/register/gremien/${bodyId}`);
    const [[petraMembership]] = await db.query(
      'SELECT id FROM membership WHERE body_id = ? AND person_id = ?', [bodyId, petra]);

    // Her personal substitute: Jan Probe.
    await page.click('#body-add-member');
    await page.waitForURL(/\/mitglieder\/neu/);
    await page.fill('#membership-q', 'probe');
    await submit(page, '#membership-search-submit');
    const jan = page.locator('#membership-hits li', { hasText: 'Jan Probe' });
    await Promise.all([page.waitForNavigation(), jan.locator('a').click()]);
    await page.selectOption('#membership-role', 'substitute');
    await page.selectOption('#membership-substitute_for_id', String(petraMembership));
    await page.uncheck('#membership-voting');
    await page.fill('#membership-start_day', '2026-03-01');
    await submit(page, '#membership-submit');
    const subs = await db.query(
      'SELECT role, substitute_for_id, voting FROM membership WHERE body_id = ? AND person_id <> ?',
      [bodyId, petra]);
    assert.deepEqual(subs, [['substitute', petraMembership, 0]]);
    const row = await page.locator(`#membership-${petraMembership}`).innerText();
    assert.match(row, /Dr\. Petra Beispiel/);
    assert.match(row, /Jan Probe/);
    assert.match(row, /Land/);
    await checkPage(page, 'detail-members');
  });

  it('the public page names only members who consented', async () => {
    const db = shared.bireg.db;
    const consent = async (first, last) => {
      const rows = await db.query(
        "SELECT c.given FROM person_consent c JOIN person p ON p.id = c.person_id WHERE " +
        "p.first_name = ? AND p.last_name = ? AND c.kind = 'publish_name' ORDER BY c.id DESC LIMIT 1",
        [first, last]);
      return rows.length > 0 && rows[0][0] === 1;
    };
    const petraShown = await consent('Petra', 'Beispiel');
    const janShown = await consent('Jan', 'Probe');
    const anon = await openPage();
    try {
      await anon.goto(`/gremien/${bodyId}`);
      const text = await visibleText(anon);
      assert.match(text, new RegExp(NAME));
      assert.match(text, /Beschlussfähig, wenn mindestens 60\s%/);
      assert.equal(/Petra Beispiel/.test(text), petraShown, 'Petra Beispiel shown as her consent says');
      assert.equal(/Jan Probe/.test(text), janShown, 'Jan Probe shown as his consent says');
      const hidden = [petraShown, janShown].filter((x) => !x).length;
      if (hidden) {
        assert.match(text, hidden === 1 ? /1 (weiteres )?Mitglied/ : /2 (weitere )?Mitglieder/);
      }
      await checkPage(anon, 'public-body');
      await anon.goto('/gremien');
      assert.match(await visibleText(anon), new RegExp(NAME));
      await checkPage(anon, 'public-list');
    } finally {
      await anon.context().close();
    }
    // The office sees everybody on the same page.
    await page.goto(`/gremien/${bodyId}`);
    const text = await visibleText(page);
    assert.match(text, /Petra Beispiel/);
    assert.match(text, /Jan Probe/);
    await checkPage(page, 'public-body-office');
    await page.context().close();
  });
});
