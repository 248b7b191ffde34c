// harness.mjs — helpers for bireg's browser tests (node --test, no @playwright/test).
//
// useBiregAndBrowser()
//                 for a test file: one bireg (startBireg()) and one browser for
//                 all its tests, started in a before hook and stopped in an after
//                 hook; with openPage() and withPage() on that server.
// startBireg()    builds a fresh database (`bireg init`, `bireg demo`), starts
//                 `bireg serve` on a free loopback port and waits for /healthz. The
//                 database is a SQLite file in a temp dir, or with
//                 BIREG_TEST_BACKEND=postgres a database of its own in the test
//                 cluster (createTestDatabase()), dropped by stop(). bireg.db.query()
//                 reads it on either backend.
// launchBrowser() starts Debian's /usr/bin/chromium through playwright-core; nothing
//                 is downloaded.
// checkAxe(page)  runs axe-core with the WCAG 2.1 A/AA tags and fails with a readable
//                 list of every violation.
// screenshot()    writes a full-page PNG to tests/e2e/artifacts/ (gitignored);
//                 artifactPath(name) gives a path there for other files.
// login()         logs in through the form (with the second-factor step when asked);
//                 logout() uses the header's button.
// Plus small helpers the tests share: newPage(), tabStops(), hasFocusIndicator(),
// horizontalOverflow(), visibleText().
//
// Environment:
//   BIREG_BIN        binary to test (default build/bireg, relative to the repo root)
//   BIREG_LOCALE_DIR translations (default <dir of BIREG_BIN>/po when that exists)
//   BIREG_CHROMIUM   browser executable (default /usr/bin/chromium)
//   BIREG_E2E_KEEP   set to 1 to keep the temp dir and server log after the run
//                    (and the PostgreSQL database)
//   BIREG_TEST_BACKEND  sqlite (default) or postgres; postgres also needs
//                    BIREG_TEST_PG_ADMIN_URL, _HOST, _PORT (tools/pg-test-cluster's
//                    DIR/env; tests/run-all sets them)

import { spawn } from 'node:child_process';
import { after, before } from 'node:test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = path.join(REPO_ROOT, 'tests/e2e/artifacts');

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Ask the kernel for a free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function binPath() {
  const bin = process.env.BIREG_BIN || 'build/bireg';
  return path.isAbsolute(bin) ? bin : path.join(REPO_ROOT, bin);
}

/** Run a bireg subcommand to completion; reject with its output on failure. */
function runOnce(bin, args, env, log) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; log.write(d); });
    child.stderr.on('data', (d) => { out += d; log.write(d); });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`bireg ${args.join(' ')} failed (${signal || 'exit ' + code}):\n${out}`));
    });
  });
}

// ---- the database of one installation, on SQLite or PostgreSQL ------------

/** 'sqlite' (default) or 'postgres', from BIREG_TEST_BACKEND. */
export function testBackend() {
  const b = (process.env.BIREG_TEST_BACKEND || 'sqlite').toLowerCase();
  if (['postgres', 'postgresql', 'pg'].includes(b)) return 'postgres';
  if (b !== 'sqlite') throw new Error(`BIREG_TEST_BACKEND=${b}: expected sqlite or postgres`);
  return 'sqlite';
}

function pgEnv(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(`BIREG_TEST_BACKEND=postgres needs ${name} (tests/run-all sets it from ` +
      "tools/pg-test-cluster's DIR/env)");
  }
  return v;
}

/** postgresql://<role>@/<db>?host=<socket dir>&port=<port> of the test cluster. */
function pgURL(role, db) {
  const host = encodeURIComponent(pgEnv('BIREG_TEST_PG_HOST')).replace(/%2F/g, '/');
  return `postgresql://${role}@/${db}?host=${host}&port=${pgEnv('BIREG_TEST_PG_PORT')}`;
}

/** The cluster superuser's URL for database db (default: its own). */
function pgAdminURL(db) {
  const admin = pgEnv('BIREG_TEST_PG_ADMIN_URL');
  if (!db) return admin;
  const q = admin.indexOf('?');
  const base = q < 0 ? admin : admin.slice(0, q);
  return base.replace(/\/[^/@]*$/, `/${db}`) + (q < 0 ? '' : admin.slice(q));
}

/** Run a program with input on stdin; resolve to its stdout, reject with stderr. */
function runWithInput(cmd, args, input, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} failed (exit ${code}):\n${input}\n${err}`));
    });
    child.stdin.end(input);
  });
}

function psql(url, sql) {
  const bindir = process.env.BIREG_TEST_PG_BINDIR;
  const bin = bindir && fs.existsSync(path.join(bindir, 'psql')) ? path.join(bindir, 'psql') : 'psql';
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
  env.PGCONNECT_TIMEOUT = '10';
  return runWithInput(bin, ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', '-'],
    sql, env);
}

/** A value as an SQL literal (the same quoting on SQLite and PostgreSQL). */
function sqlLiteral(v, backend) {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof Uint8Array) {
    const hex = Buffer.from(v).toString('hex');
    return backend === 'postgres' ? `'\\x${hex}'::bytea` : `X'${hex}'`;
  }
  const s = String(v);
  if (s.includes('\0')) throw new Error('a NUL character cannot be sent to the database');
  return `'${s.replace(/'/g, "''")}'`;
}

/** sql with each ? outside quotes and comments replaced by the next parameter. */
function bindParams(sql, params, backend) {
  let out = '';
  let used = 0;
  for (let i = 0; i < sql.length;) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === c && sql[j + 1] !== c)) j += sql[j] === c ? 2 : 1;
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (sql.startsWith('--', i)) {
      let j = sql.indexOf('\n', i);
      if (j < 0) j = sql.length;
      out += sql.slice(i, j);
      i = j;
    } else if (c === '?') {
      if (used >= params.length) throw new Error(`more ? than parameters in: ${sql}`);
      out += sqlLiteral(params[used++], backend);
      i++;
    } else {
      out += c;
      i++;
    }
  }
  if (used !== params.length) throw new Error(`${params.length} parameters for ${used} ? in: ${sql}`);
  return out;
}

/**
 * The database of one bireg installation in dir: a SQLite file there, or on
 * PostgreSQL a new database bireg_t_<random> owned by bireg_owner, served as
 * bireg_app (BIREG_DATABASE) and migrated as bireg_owner (BIREG_DATABASE_OWNER).
 * Resolves to { backend, name, url, ownerUrl, env, query(sql, params), drop() };
 * query() takes ? parameters and resolves to rows as arrays of values, read as
 * the superuser on PostgreSQL (row-level security hides nothing).
 */
export async function createTestDatabase(dir) {
  const backend = testBackend();
  if (backend === 'sqlite') {
    const file = path.join(dir, 'bireg.db');
    return {
      backend, name: file, url: file, ownerUrl: null,
      env: { BIREG_DATABASE: file },
      async query(sql, params = []) {
        const out = await runWithInput('sqlite3', ['-bail', '-json', file],
          bindParams(sql, params, backend));
        return out.trim() ? JSON.parse(out).map((row) => Object.values(row)) : [];
      },
      async drop() { /* the file goes with the directory */ },
    };
  }
  const name = `bireg_t_${crypto.randomBytes(8).toString('hex')}`;
  await psql(pgAdminURL(), `CREATE DATABASE ${name} OWNER bireg_owner;\n`);
  const url = pgURL('bireg_app', name);
  const ownerUrl = pgURL('bireg_owner', name);
  const adminUrl = pgAdminURL(name);
  let dropped = false;
  return {
    backend, name, url, ownerUrl,
    env: { BIREG_DATABASE: url, BIREG_DATABASE_OWNER: ownerUrl },
    async query(sql, params = []) {
      const q = bindParams(sql, params, backend).trim().replace(/;$/, '');
      const head = (q.replace(/^[(\s]+/, '').split(/\s/)[0] || '').toUpperCase();
      let wrapped;
      if (['SELECT', 'WITH', 'VALUES', 'TABLE'].includes(head)) {
        wrapped = `SELECT coalesce(json_agg(row_to_json(q)), '[]') FROM (${q}) q;\n`;
      } else if (/\bRETURNING\b/i.test(q)) {
        wrapped = `WITH q AS (${q}) SELECT coalesce(json_agg(row_to_json(q)), '[]') FROM q;\n`;
      } else {
        await psql(adminUrl, `${q};\n`);
        return [];
      }
      return JSON.parse((await psql(adminUrl, wrapped)).trim() || '[]').map((row) => Object.values(row));
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      await psql(pgAdminURL(), `DROP DATABASE IF EXISTS ${name} WITH (FORCE);\n`).catch((e) => {
        process.stderr.write(`bireg e2e: could not drop ${name}: ${e.message}\n`);
      });
    },
  };
}

/**
 * Start a fresh bireg: temp dir, database, `init`, `demo`, `serve`. Resolves to
 * { baseURL, port, dir, db, proc, logFile, log(), stop() }. stop() sends SIGTERM,
 * waits for exit (SIGKILL after 5 s) and removes the temp dir and the database.
 */
export async function startBireg({ env: extraEnv = {}, demo = true } = {}) {
  const bin = binPath();
  if (!fs.existsSync(bin)) {
    throw new Error(`bireg binary not found at ${bin}; build it first or set BIREG_BIN`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bireg-e2e-'));
  const logFile = path.join(dir, 'server.log');
  const log = fs.createWriteStream(logFile);
  const db = await createTestDatabase(dir);
  const env = {
    ...process.env,
    ...db.env,
    BIREG_TEST_ROUTES: '1',
    // No SMTP unless a test asks for it: mail goes into this server's own
    // development folder, never into the source tree.
    BIREG_MAIL_DEV_DIR: path.join(dir, 'mail'),
    ...extraEnv,
  };
  // An uninstalled build finds its compiled catalogues in <builddir>/po.
  const buildPo = path.join(path.dirname(bin), 'po');
  if (!env.BIREG_LOCALE_DIR && fs.existsSync(buildPo)) env.BIREG_LOCALE_DIR = buildPo;

  try {
    await runOnce(bin, ['init'], env, log);
    if (demo) await runOnce(bin, ['demo'], env, log);
  } catch (e) {
    await db.drop();
    throw e;
  }

  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const proc = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`], {
    cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout.pipe(log, { end: false });
  proc.stderr.pipe(log, { end: false });
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    proc.on('exit', (code, signal) => { exited = { code, signal }; resolve(exited); });
  });

  const readLog = () => { try { return fs.readFileSync(logFile, 'utf8'); } catch { return ''; } };

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited) {
      await db.drop();
      throw new Error(`bireg serve exited early (${exited.signal || 'exit ' + exited.code}):\n${readLog()}`);
    }
    try {
      const r = await fetch(`${baseURL}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (r.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      await db.drop();
      throw new Error(`bireg serve did not answer /healthz with 200 within 10 s:\n${readLog()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  async function stop() {
    if (!exited) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => { if (!exited) proc.kill('SIGKILL'); }, 5000);
      await exitPromise;
      clearTimeout(timer);
    }
    log.end();
    if (process.env.BIREG_E2E_KEEP === '1') {
      process.stderr.write(`bireg e2e: kept ${dir}${db.backend === 'postgres' ? ` and database ${db.name}` : ''}\n`);
    } else {
      fs.rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
    return exited;
  }

  return { baseURL, port, dir, db, proc, logFile, log: readLog, stop };
}

/**
 * For a test file: starts one bireg (startBireg(options)) and one browser in a
 * before hook and stops both in an after hook. Returns an object whose bireg and
 * browser are set once that hook has run, and
 *   openPage(opts)      a newPage() on that server (opts as for newPage());
 *   withPage(fn, opts)  runs fn(page) on such a page and closes it afterwards.
 */
export function useBiregAndBrowser(options = {}) {
  const shared = { bireg: null, browser: null };
  shared.openPage = (opts = {}) => newPage(shared.browser, { baseURL: shared.bireg.baseURL, ...opts });
  shared.withPage = async (fn, opts = {}) => {
    const page = await shared.openPage(opts);
    try {
      return await fn(page);
    } finally {
      await page.context().close();
    }
  };
  before(async () => {
    shared.bireg = await startBireg(options);
    shared.browser = await launchBrowser();
  });
  after(async () => {
    await shared.browser?.close();
    await shared.bireg?.stop();
  });
  return shared;
}

/** Launch Debian's chromium headless through playwright-core. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.BIREG_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * A new page in its own context. Collects console errors, CSP violations and
 * failed requests in page.problems (an array of strings) so tests can assert
 * that a page loads cleanly under the strict CSP. Further options (e.g.
 * javaScriptEnabled: false) go to browser.newContext().
 */
export async function newPage(browser, {
  baseURL, width = 1280, height = 900, locale = 'de-DE', ...contextOptions
} = {}) {
  const context = await browser.newContext({ baseURL, viewport: { width, height }, locale, ...contextOptions });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // An error page's own 4xx/5xx status is logged too; that one is expected
    // (subresource failures are caught by the response handler below).
    if (msg.text().startsWith('Failed to load resource') && msg.location()?.url === page.url()) return;
    page.problems.push(`console: ${msg.text()} (${msg.location()?.url || ''})`);
  });
  page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => {
    page.problems.push(`requestfailed: ${req.url()} ${req.failure()?.errorText || ''}`);
  });
  page.on('response', (res) => {
    // Subresources must all load; the document itself may be an error page.
    if (res.status() >= 400 && res.request().resourceType() !== 'document') {
      page.problems.push(`HTTP ${res.status()}: ${res.url()}`);
    }
  });
  return page;
}

function formatViolations(violations) {
  return violations.map((v) => {
    const nodes = v.nodes.map((n) => {
      const summary = (n.failureSummary || '').split('\n').map((l) => '        ' + l).join('\n');
      return `    - ${n.target.join(' ')}\n      ${n.html.slice(0, 300)}\n${summary}`;
    }).join('\n');
    return `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${nodes}`;
  }).join('\n\n');
}

/** Run axe-core (WCAG 2.1 A/AA) on the page; throw listing every violation. */
export async function checkAxe(page, { exclude = [] } = {}) {
  let builder = new AxeBuilder({ page }).withTags(AXE_TAGS);
  for (const sel of exclude) builder = builder.exclude(sel);
  const results = await builder.analyze();
  if (results.violations.length > 0) {
    const msg = `axe found ${results.violations.length} violation(s) on ${page.url()}:\n\n` +
      formatViolations(results.violations);
    throw new Error(msg);
  }
  return results;
}

/** Path for an artifact file tests/e2e/artifacts/<name> (directory created). */
export function artifactPath(name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name.replace(/[^A-Za-z0-9._-]+/g, '_'));
}

/** Full-page screenshot to tests/e2e/artifacts/<name>.png; returns the path. */
export async function screenshot(page, name) {
  const file = artifactPath(`${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Describe the focused element (tag, id, class, text) or null. */
export async function focusedElement(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      className: typeof el.className === 'string' ? el.className : '',
      href: el.getAttribute('href'),
      text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 80),
    };
  });
}

/**
 * Whether the focused element shows a focus indicator: an outline, a box
 * shadow or a border that differs from its unfocused look.
 */
export async function hasFocusIndicator(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return false;
    // KERN's stretched card links draw the ring on ::after.
    return [null, '::before', '::after'].some((pseudo) => {
      const cs = getComputedStyle(el, pseudo);
      if (pseudo && (cs.content === 'none' || cs.content === 'normal')) return false;
      const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1;
      const shadow = cs.boxShadow && cs.boxShadow !== 'none';
      return outline || Boolean(shadow);
    });
  });
}

/**
 * Press Tab from the top of the page until focus leaves the document or
 * returns to an element seen before; for every stop record the element and
 * whether it shows a focus indicator. Capped at `max` stops.
 */
export async function tabStops(page, { max = 80 } = {}) {
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  const stops = [];
  const seen = new Set();
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const el = await focusedElement(page);
    if (!el) break;
    const key = await page.evaluate(() => {
      const a = document.activeElement;
      // a stable path to the element
      const parts = [];
      for (let n = a; n && n.nodeType === 1; n = n.parentElement) {
        const idx = n.parentElement ? Array.prototype.indexOf.call(n.parentElement.children, n) : 0;
        parts.push(`${n.tagName}:${idx}`);
      }
      return parts.join('/');
    });
    if (seen.has(key)) break;
    seen.add(key);
    stops.push({ ...el, visible: await hasFocusIndicator(page) });
  }
  return stops;
}

/** The page's visible text with runs of white space folded to one space. */
export async function visibleText(page) {
  return page.evaluate(() => document.body.innerText.replace(/\s+/g, ' '));
}

/** Pixels by which the page is wider than the viewport (0 = no horizontal scroll). */
export async function horizontalOverflow(page) {
  return page.evaluate(() =>
    Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - document.documentElement.clientWidth);
}

/**
 * The checks every state of a page passes: axe clean (WCAG 2.1 A/AA),
 * screenshots `${name}-desktop` and `${name}-360`, no horizontal scrolling
 * at 360 px, and no console errors, CSP violations or failed requests since
 * the last check (a request the browser cancels because a form was sent
 * meanwhile, the favicon say, is no failure). Clears page.problems.
 */
export async function checkPage(page, name) {
  await checkAxe(page);
  await screenshot(page, `${name}-desktop`);
  const size = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 740 });
  await page.waitForTimeout(50);
  const overflow = await horizontalOverflow(page);
  await screenshot(page, `${name}-360`);
  await page.setViewportSize(size);
  assert.ok(overflow <= 0, `${page.url()} is ${overflow}px wider than a 360px viewport`);
  const problems = page.problems.filter((p) => !/^requestfailed: .* net::ERR_ABORTED/.test(p));
  page.problems.length = 0;
  assert.deepEqual(problems, [], 'console errors, CSP violations or failed requests');
}

/** checkPage() with the screenshots named `${prefix}-${name}`: one per test file. */
export function pageChecker(prefix) {
  return (page, name) => checkPage(page, `${prefix}-${name}`);
}

/** Blur the focused element and scroll to the top: the next Tab starts at the page's top. */
export async function focusFromTop(page) {
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
}

/**
 * Tab (at most `max` times) until the element with that id has the focus,
 * from where the focus is or, with `fromTop`, from the top of the page;
 * asserts the focus is visible there and resolves to focusedElement().
 */
export async function tabTo(page, id, { max = 80, fromTop = false } = {}) {
  if (fromTop) await focusFromTop(page);
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const el = await focusedElement(page);
    if (el?.id === id) {
      assert.ok(await hasFocusIndicator(page), `#${id} has no visible focus`);
      return el;
    }
  }
  throw new Error(`Tab never reached #${id}`);
}

/** Click what `selector` names and wait for the navigation it starts (a form sent). */
export async function submit(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

/** The text of a form field's error message (the element `#${id}-error`). */
export function errorText(page, id) {
  return page.locator(`#${id}-error`).innerText();
}

/**
 * Log in through the login form (as a user would, but without the keyboard
 * walk). `code` answers the second-factor step when the account has one:
 * a string, or a function (async allowed) returning one, called only when
 * that step appears. Resolves to the page, which then shows `next` (default
 * /konto). Throws with the page's alert text when the login did not succeed.
 */
export async function login(page, email, password, { next, code } = {}) {
  await page.goto(next ? `/anmelden?next=${encodeURIComponent(next)}` : '/anmelden');
  await page.fill('#login-email', email);
  await page.fill('#login-password', password);
  await Promise.all([page.waitForNavigation(), page.press('#login-password', 'Enter')]);
  if (new URL(page.url()).pathname.endsWith('/anmelden/zweiter-faktor')) {
    if (code === undefined) throw new Error(`${email} has a second factor; pass { code }`);
    const value = typeof code === 'function' ? await code() : code;
    await page.fill('#login-code', value);
    await Promise.all([page.waitForNavigation(), page.press('#login-code', 'Enter')]);
  }
  if (new URL(page.url()).pathname.includes('/anmelden')) {
    const alert = await page.locator('.kern-alert--danger').allInnerTexts();
    throw new Error(`login as ${email} failed at ${page.url()}: ${alert.join(' / ') || '(no message)'}`);
  }
  return page;
}

/** Log out with the button in the header; resolves when the login page shows. */
export async function logout(page) {
  await Promise.all([
    page.waitForNavigation(),
    page.locator('.bireg-account__logout button[type=submit]').click(),
  ]);
  return page;
}
