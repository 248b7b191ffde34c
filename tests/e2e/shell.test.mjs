// shell.test.mjs — the page frame and the public pages in a real browser.
//
// For the region start page, imprint, privacy, accessibility statement and
// the error pages, in German and English: status, language, expected text,
// axe-core (WCAG 2.1 A/AA) without violations, no CSP or asset errors, skip
// link first in tab order and moving focus to <main>, a visible focus
// indicator on every tab stop, no horizontal scrolling at 360 px, print
// styles. Then the accessibility feedback form: errors, focus, success.
//
// Run: npm run test:e2e   (needs build/bireg or BIREG_BIN, and /usr/bin/chromium)

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  artifactPath, checkAxe, focusedElement, horizontalOverflow, screenshot, tabStops,
  useBiregAndBrowser, visibleText,
} from './harness.mjs';

const { openPage, withPage } = useBiregAndBrowser();

const ERROR_STATUSES = [400, 403, 405, 413, 500, 503];

// Every page of the shell: where it is, what status it answers with, and text
// that must appear in each language.
const PAGES = [
  {
    name: 'home', path: '/', status: 200,
    de: ['Bildungsregion Duisburg', 'Zum Inhalt springen', 'Impressum', 'Datenschutz', 'Barrierefreiheit'],
    en: ['Bildungsregion Duisburg', 'Skip to content', 'Imprint', 'Data protection', 'Accessibility'],
  },
  {
    name: 'impressum', path: '/impressum', status: 200,
    de: ['Impressum', 'Verantwortlich: die Leitung der Geschäftsstelle'],
    en: ['Imprint', 'Responsible: the head of the office'],
  },
  {
    name: 'datenschutz', path: '/datenschutz', status: 200,
    de: ['Datenschutzerklärung', 'Landesbeauftragte für Datenschutz und Informationsfreiheit'],
    en: ['Data protection notice', 'Complaint to the supervisory authority'],
  },
  {
    name: 'barrierefreiheit', path: '/barrierefreiheit', status: 200,
    de: ['Erklärung zur Barrierefreiheit', 'teilweise vereinbar', 'Ombudsstelle für barrierefreie Informationstechnik'],
    en: ['Accessibility statement', 'partially compliant', 'Ombudsstelle für barrierefreie Informationstechnik'],
  },
  {
    name: 'error-404', path: '/gibt-es-nicht', status: 404,
    de: ['Seite nicht gefunden', 'Fehler 404', 'Zur Startseite'],
    en: ['Page not found', 'Error 404', 'Go to the start page'],
  },
  ...ERROR_STATUSES.map((s) => ({
    name: `error-${s}`, path: `/_test/error/${s}`, status: s,
    de: [`Fehler ${s}`, 'Zur Startseite', 'Zum Inhalt springen'],
    en: [`Error ${s}`, 'Go to the start page', 'Skip to content'],
  })),
];

function withLang(path, lang) {
  return lang === 'de' ? path : `${path}${path.includes('?') ? '&' : '?'}lang=${lang}`;
}

for (const spec of PAGES) {
  for (const lang of ['de', 'en']) {
    describe(`${spec.name} (${lang})`, { timeout: 120_000 }, () => {
      let page;
      let response;

      before(async () => {
        page = await openPage({ locale: lang === 'de' ? 'de-DE' : 'en-GB' });
        response = await page.goto(withLang(spec.path, lang), { waitUntil: 'load' });
      });

      after(async () => {
        await page?.context().close();
      });

      it(`answers ${spec.status} in ${lang}`, async () => {
        assert.equal(response.status(), spec.status);
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        const title = await page.title();
        assert.match(title, / – /, `title "${title}" should read "<page> – <site name>"`);
        const text = await visibleText(page);
        for (const expected of spec[lang]) {
          assert.ok(text.includes(expected), `"${expected}" missing from ${spec.path} (${lang})`);
        }
      });

      it('has no axe violations (WCAG 2.1 A/AA)', async () => {
        await checkAxe(page);
        await screenshot(page, `${spec.name}-${lang}-desktop`);
      });

      it('loads every resource under the CSP without errors', async () => {
        // Stylesheets and fonts actually applied: KERN's font is in use.
        const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
        assert.match(font, /Fira Sans/, 'KERN stylesheet not applied');
        await page.evaluate(() => document.fonts.ready);
        const fira = await page.evaluate(() =>
          [...document.fonts].some((f) => f.family.replace(/"/g, '') === 'Fira Sans' && f.status === 'loaded'));
        assert.ok(fira, 'Fira Sans was not loaded from the server');
        assert.deepEqual(page.problems, [], 'console errors, CSP violations or failed requests');
      });

      it('puts the skip link first and moves focus to main', async () => {
        await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
        await page.keyboard.press('Tab');
        const first = await focusedElement(page);
        assert.ok(first, 'Tab focused nothing');
        assert.equal(first.href, '#main', `first tab stop is ${JSON.stringify(first)}, not the skip link`);
        assert.ok(await page.evaluate(() => {
          const r = document.activeElement.getBoundingClientRect();
          return r.width > 1 && r.height > 1 && r.top >= 0;
        }), 'skip link is not visible when focused');
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => document.activeElement?.id === 'main');
        assert.equal(await page.evaluate(() => document.activeElement.tagName), 'MAIN');
      });

      it('shows a focus indicator on every tab stop', async () => {
        await page.goto(withLang(spec.path, lang), { waitUntil: 'load' });
        const stops = await tabStops(page);
        assert.ok(stops.length >= 4, `only ${stops.length} tab stops`);
        const invisible = stops.filter((s) => !s.visible);
        assert.deepEqual(invisible, [], 'tab stops without a visible focus style');
      });

      it('has no horizontal scrolling at 360 px', async () => {
        await page.setViewportSize({ width: 360, height: 740 });
        await page.waitForTimeout(50);
        const overflow = await horizontalOverflow(page);
        await screenshot(page, `${spec.name}-${lang}-360`);
        assert.ok(overflow <= 0, `page is ${overflow}px wider than a 360px viewport`);
        await page.setViewportSize({ width: 1280, height: 900 });
      });
    });
  }
}

describe('language switch', { timeout: 60_000 }, () => {
  it('marks the current language and links to the other', async () => {
    await withPage(async (page) => {
      await page.goto('/');
      const de = page.locator('.bireg-lang a[hreflang="de"]');
      const en = page.locator('.bireg-lang a[hreflang="en"]');
      assert.equal(await de.getAttribute('aria-current'), 'true');
      assert.equal(await en.getAttribute('aria-current'), null);
      await Promise.all([page.waitForNavigation(), en.click()]);
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.ok((await visibleText(page)).includes('Skip to content'));
      assert.equal(await page.locator('.bireg-lang a[hreflang="en"]').getAttribute('aria-current'), 'true');
      await Promise.all([page.waitForNavigation(), page.locator('.bireg-lang a[hreflang="de"]').click()]);
      assert.equal(await page.getAttribute('html', 'lang'), 'de');
    });
  });
});

describe('print styles', { timeout: 60_000 }, () => {
  it('hides navigation, skip link and language switch and prints black text', async () => {
    await withPage(async (page) => {
      await page.goto('/');
      await page.emulateMedia({ media: 'print' });
      const shown = await page.evaluate(() =>
        ['.bireg-skip', '.bireg-nav', '.bireg-lang', '.bireg-breadcrumb']
          .flatMap((sel) => [...document.querySelectorAll(sel)])
          .filter((el) => getComputedStyle(el).display !== 'none')
          .map((el) => el.className));
      assert.deepEqual(shown, [], 'visible in print');
      const color = await page.evaluate(() => getComputedStyle(document.querySelector('h1')).color);
      assert.equal(color, 'rgb(0, 0, 0)');
      const footerLink = await page.evaluate(() => {
        const a = document.querySelector('.bireg-footer__links a[href]');
        return a ? getComputedStyle(a, '::after').content : null;
      });
      assert.ok(footerLink && footerLink.includes('('), 'footer links should print their address');
      await page.pdf({ path: artifactPath('home-print.pdf') });
    });
  });
});

describe('accessibility feedback form', { timeout: 120_000 }, () => {
  let page;

  before(async () => {
    page = await openPage();
  });

  after(async () => {
    await page?.context().close();
  });

  it('shows an error summary in German, focuses it and links to the field', async () => {
    await page.goto('/barrierefreiheit');
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Rückmeldung senden' }).click(),
    ]);
    const summary = page.locator('#feedback-errors');
    assert.ok(await summary.isVisible(), 'no error summary');
    assert.ok((await summary.innerText()).includes('Bitte prüfen Sie Ihre Angaben'));
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'feedback-errors',
      'error summary should have focus after the failed submit');

    // The message field is marked invalid and described by its error.
    const message = page.locator('#feedback-message');
    assert.equal(await message.getAttribute('aria-invalid'), 'true');
    const describedBy = (await message.getAttribute('aria-describedby')).split(/\s+/);
    assert.ok(describedBy.includes('feedback-message-error'), `aria-describedby=${describedBy}`);
    const fieldError = (await page.locator('#feedback-message-error').innerText()).replace(/^Fehler:\s*/, '').trim();
    assert.ok(fieldError.length > 0, 'empty field error');
    const link = summary.locator('a[href="#feedback-message"]');
    assert.equal((await link.innerText()).trim(), fieldError, 'summary and field show the same message');
    assert.doesNotMatch(fieldError, /\b(please|enter|required)\b/i, `message looks English: "${fieldError}"`);

    await checkAxe(page);
    await screenshot(page, 'feedback-errors-de');

    await link.click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'feedback-message',
      'summary link should move focus to the field');
  });

  it('keeps entered values and reports an invalid e-mail address', async () => {
    await page.goto('/barrierefreiheit');
    await page.fill('#feedback-name', 'Kim Muster');
    await page.fill('#feedback-email', 'keine-adresse');
    await page.fill('#feedback-message', 'Das Diagramm auf der Startseite hat keine Beschreibung.');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    assert.ok(await page.locator('#feedback-errors a[href="#feedback-email"]').isVisible());
    assert.equal(await page.locator('#feedback-email').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.inputValue('#feedback-name'), 'Kim Muster');
    assert.equal(await page.inputValue('#feedback-email'), 'keine-adresse');
    assert.equal(await page.inputValue('#feedback-message'), 'Das Diagramm auf der Startseite hat keine Beschreibung.');
    await checkAxe(page);
  });

  it('confirms a valid message', async () => {
    await page.goto('/barrierefreiheit');
    await page.fill('#feedback-email', 'kim.muster@example.org');
    await page.fill('#feedback-message', 'Die PDF-Datei der Einladung ist nicht barrierefrei.');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    const ok = page.locator('#feedback-sent');
    assert.ok(await ok.isVisible(), 'no success message');
    assert.ok((await ok.innerText()).includes('Vielen Dank'));
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'feedback-sent');
    assert.equal(await page.locator('#feedback-errors').count(), 0);
    assert.equal(await page.inputValue('#feedback-message'), '', 'form should be empty after sending');
    await checkAxe(page);
    await screenshot(page, 'feedback-sent-de');
  });

  it('reports errors in English with ?lang=en', async () => {
    await page.goto('/barrierefreiheit?lang=en');
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Send feedback' }).click(),
    ]);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.ok((await page.locator('#feedback-errors').innerText()).includes('Please check your entries'));
    await checkAxe(page);
  });
});

// axe-core cannot run with JavaScript switched off (its injected script never
// settles), so this only checks that the form itself needs no script.
describe('accessibility feedback form without JavaScript', { timeout: 60_000 }, () => {
  it('reports errors and accepts a message', async () => {
    await withPage(async (page) => {
      await page.goto('/barrierefreiheit');
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      assert.ok(await page.locator('#feedback-errors').isVisible(), 'no error summary');
      await page.fill('#feedback-message', 'Ohne JavaScript gesendet.');
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      assert.ok(await page.locator('#feedback-sent').isVisible(), 'no success message');
    }, { javaScriptEnabled: false, reducedMotion: 'reduce' });
  });
});
