// region_admin.test.mjs — the region settings page in a real browser: the
// admin uploads the region's logo through the form, sees it in the header of
// every page, gets a German message for a file that is no image, removes the
// logo again, and edits the office's contact details — all with the keyboard
// alone, and every state of the page axe clean (WCAG 2.1 A/AA).
//
// Uses the demo admin of `bireg demo` (region duisburg). The tests run in order
// on one server. Screenshots: tests/e2e/artifacts/region-admin-*.png.
//
// Run: npm run test:e2e   (needs build/bireg or BIREG_BIN, and /usr/bin/chromium)

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import {
  checkAxe, focusedElement, hasFocusIndicator, horizontalOverflow, login, screenshot,
  useBiregAndBrowser, visibleText,
} from './harness.mjs';

const ADMIN = { email: 'verwaltung@demo.bireg.example', password: 'duisburg-demo-admin' };

/** A real PNG of w × h pixels: a coloured bar with a darker band, so it is visible. */
function pngBytes(w, h) {
  const rows = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 4);
    for (let x = 0; x < w; x++) {
      const band = y > h / 3 && y < (2 * h) / 3;
      row.set(band ? [0, 60, 120, 255] : [0, 130, 200, 255], 1 + x * 4);
    }
    rows.push(row);
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const shared = useBiregAndBrowser();
const { openPage } = shared;

/** axe, screenshots at desktop and 360 px, no horizontal scrolling, no failed requests. */
async function checkPage(page, name) {
  await checkAxe(page);
  await screenshot(page, `region-admin-${name}-desktop`);
  const size = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.waitForTimeout(50);
  const overflow = await horizontalOverflow(page);
  await screenshot(page, `region-admin-${name}-360`);
  await page.setViewportSize(size);
  assert.ok(overflow <= 0, `${page.url()} is ${overflow}px wider than a 360px viewport`);
  const problems = page.problems.filter((p) => !/^requestfailed: .* net::ERR_ABORTED/.test(p));
  page.problems.length = 0;
  assert.deepEqual(problems, [], 'console errors, CSP violations or failed requests');
}

/** Tab from where the focus is until the element with that id has it (or give up). */
async function tabTo(page, id, { max = 60, shift = false } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
    const el = await focusedElement(page);
    if (el?.id === id) {
      assert.ok(await hasFocusIndicator(page), `#${id} has no visible focus`);
      return el;
    }
  }
  throw new Error(`Tab never reached #${id}`);
}

/** Tab until a button with that text has the focus. */
async function tabToButton(page, text, { max = 60 } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const el = await focusedElement(page);
    if (el?.tag === 'button' && el.text === text) {
      assert.ok(await hasFocusIndicator(page), `button "${text}" has no visible focus`);
      return el;
    }
  }
  throw new Error(`Tab never reached the button "${text}"`);
}

/** Whether the header's region logo is there and loaded. */
async function headerLogo(page) {
  return page.evaluate(() => {
    const img = document.querySelector('header img.bireg-header__region-logo');
    if (!img) return null;
    return {
      src: img.getAttribute('src'), alt: img.getAttribute('alt'),
      width: img.getAttribute('width'), height: img.getAttribute('height'),
      loaded: img.complete && img.naturalWidth > 0, shownHeight: img.getBoundingClientRect().height,
    };
  });
}

describe('region settings page', { timeout: 240_000 }, () => {
  let page;

  before(async () => {
    // `bireg demo` gives the demo region a logo; this walk-through starts
    // from a region without one.
    await shared.bireg.db.query('UPDATE region SET logo_file_id = NULL');
    page = await openPage();
    // Playwright turns on catching the file dialog when the first
    // 'filechooser' listener is added, without waiting for the browser to
    // confirm. Added here, long before the key press that opens the dialog,
    // so that the dialog cannot open uncaught on a busy machine.
    page.on('filechooser', () => {});
    await login(page, ADMIN.email, ADMIN.password);
  });

  after(async () => {
    await page?.context().close();
  });

  it('is linked in the navigation and explains itself in German', async () => {
    await page.goto('/konto');
    const link = page.locator('nav.bireg-nav a', { hasText: 'Einstellungen der Region' });
    assert.equal(await link.count(), 1, 'no navigation entry');
    await Promise.all([page.waitForNavigation(), link.click()]);
    assert.equal(new URL(page.url()).pathname, '/verwaltung/region');
    assert.equal((await page.locator('h1').innerText()).trim(), 'Einstellungen der Region');
    const text = await visibleText(page);
    assert.ok(text.includes('Es ist noch kein Logo hochgeladen'), 'no "no logo yet" text');
    assert.ok(text.includes('PNG, JPEG oder WebP mit höchstens 2 MB'), 'limit not stated');
    assert.equal(await headerLogo(page), null, 'a logo before any was uploaded');
    // the labels name the fields
    assert.equal(await page.getByLabel('Postleitzahl').getAttribute('id'), 'region-postcode');
    assert.equal(await page.getByLabel('Logo (Bilddatei)').getAttribute('type'), 'file');
    await checkPage(page, 'empty');
  });

  it('refuses a text file with a German message next to the field', async () => {
    await page.goto('/verwaltung/region');
    await page.setInputFiles('#region-logo', {
      name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('Das ist kein Bild.\n'),
    });
    const [res] = await Promise.all([
      page.waitForNavigation(),
      page.locator('button', { hasText: 'Logo hochladen' }).click(),
    ]);
    assert.equal(res.status(), 422);
    const summary = page.locator('#region-errors');
    assert.ok(await summary.isVisible(), 'no error summary');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'region-errors');
    const fieldError = (await page.locator('#region-logo-error').innerText()).replace(/^Fehler:\s*/, '').trim();
    assert.match(fieldError, /^Diese Datei ist kein Bild im Format PNG, JPEG oder WebP\./);
    assert.equal(await page.getAttribute('#region-logo', 'aria-invalid'), 'true');
    assert.ok((await page.getAttribute('#region-logo', 'aria-describedby')).split(/\s+/).includes('region-logo-error'));
    assert.equal((await summary.locator('a[href="#region-logo"]').innerText()).trim(), fieldError);
    assert.equal(await headerLogo(page), null, 'the refused file became a logo');
    await checkPage(page, 'error');
  });

  it('uploads the logo with the keyboard alone and shows it in the header', async () => {
    await page.goto('/verwaltung/region');
    await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
    await tabTo(page, 'region-logo');
    // Space on a file input opens the file dialog; the test answers it.
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
    await chooser.setFiles({ name: 'Logo Bildungsregion.png', mimeType: 'image/png', buffer: pngBytes(300, 100) });
    await tabToButton(page, 'Logo hochladen');
    const [res] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(res.status(), 200);
    assert.equal(new URL(page.url()).search, '?gespeichert=logo');
    const notice = page.locator('#region-notice');
    assert.match((await notice.innerText()).trim(), /^Das Logo ist gespeichert\./);
    assert.equal(await notice.getAttribute('role'), 'status');

    const preview = page.locator('#region-logo-preview');
    assert.equal(await preview.getAttribute('alt'), 'Logo der Bildungsregion Duisburg');
    assert.equal(await preview.getAttribute('width'), '300');
    assert.equal(await preview.getAttribute('height'), '100');
    assert.ok(await preview.evaluate((img) => img.complete && img.naturalWidth === 300), 'preview not loaded');

    const logo = await headerLogo(page);
    assert.ok(logo, 'no logo in the header');
    assert.ok(logo.loaded, 'the header logo did not load');
    assert.match(logo.src, /^\/dateien\/\d+\/Logo%20Bildungsregion\.png$/);
    assert.equal(logo.alt, '', 'the link next to it names the region already');
    assert.equal(logo.width, '120');
    assert.equal(logo.height, '40');
    assert.equal(Math.round(logo.shownHeight), 40);
    await checkPage(page, 'logo');

    // every page, for everyone
    await shared.withPage(async (anon) => {
      await anon.goto('/impressum');
      const seen = await headerLogo(anon);
      assert.ok(seen?.loaded, 'anonymous visitors do not see the logo');
      assert.equal(seen.src, logo.src);
      await checkAxe(anon);
    });
  });

  it('saves the contact details with the keyboard and shows them in the footer', async () => {
    await page.goto('/verwaltung/region');
    await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
    await tabTo(page, 'region-postcode');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('4705');
    await tabToButton(page, 'Kontaktdaten speichern');
    let [res] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(res.status(), 422);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'region-errors');
    assert.match(await page.locator('#region-postcode-error').innerText(), /Postleitzahl aus fünf Ziffern/);
    assert.equal(await page.inputValue('#region-postcode'), '4705', 'the typed value is kept');
    await checkPage(page, 'contact-error');

    // follow the summary's link to the field, correct it, send again
    await page.keyboard.press('Tab');
    assert.equal((await focusedElement(page))?.href, '#region-postcode');
    await page.keyboard.press('Enter');
    assert.equal((await focusedElement(page))?.id, 'region-postcode');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('47051');
    await tabTo(page, 'region-phone');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('+49 203 283-9999');
    await tabToButton(page, 'Kontaktdaten speichern');
    [res] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(res.status(), 200);
    assert.equal((await page.locator('#region-notice').innerText()).trim(), 'Die Kontaktdaten sind gespeichert.');
    assert.equal(await page.inputValue('#region-phone'), '+49 203 283-9999');
    assert.ok((await page.locator('footer').innerText()).includes('+49 203 283-9999'), 'footer not updated');
    await checkPage(page, 'contact-saved');
  });

  it('removes the logo with the keyboard', async () => {
    await page.goto('/verwaltung/region');
    await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
    await tabToButton(page, 'Logo entfernen');
    const [res] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(res.status(), 200);
    assert.equal((await page.locator('#region-notice').innerText()).trim(), 'Das Logo ist entfernt.');
    assert.equal(await headerLogo(page), null, 'the header still shows the logo');
    assert.equal(await page.locator('header img.bireg-header__logo').count(), 1, 'no default mark');
    await checkPage(page, 'removed');
  });
});
