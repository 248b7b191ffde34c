#!/usr/bin/env python3
"""test_accounts.py — login, sessions, CSRF, throttling, second factor, password
change, account language and the `bireg user` commands, against the real binary.

Run:  python3 tests/http/test_accounts.py     (BIREG_BIN=build-x/bireg to pick a build)

Every class starts its own server (with the demo region duisburg and a second region
wesel); tests that count failed logins use a fresh server of their own, since the
failures of one address are counted across accounts.

The last line of the output is `accounts: N passed, N failed, N skipped`.
"""

import html
import json
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (DEMO_ACCOUNTS, RECOVERY_RE, SESSION_COOKIE, Client,  # noqa: E402
                     add_region_wesel, add_user, html_lang, location_path, set_cookies,
                     totp_code, totp_secret_from, totp_step)

OFFICE_EMAIL, OFFICE_PW = DEMO_ACCOUNTS["office"]
OFFICE_NAME = "Kim Geschäftsstelle (Demo)"

LOGIN_FAILED_EN = "Login failed. Please check your e-mail address and password."
WAIT_EN = "Too many failed attempts."
CSRF_EN = "This form has expired or did not come from this site."
CURRENT_WRONG_EN = "The current password is not correct."
MISMATCH_EN = "The two new passwords are not the same."

REQUEST_ID_RE = re.compile(r"\b[0-9a-f]{16}\b")


def login_failed_message(resp):
    """The text of the login page's failure alert, or None."""
    m = re.search(r'id="login-failed".*?<p class="kern-title">(.*?)</p>', resp.text, re.S)
    return html.unescape(m.group(1)).strip() if m else None


def field_error(resp, field_id):
    """The error text under an input (id="<field_id>-error"), or None."""
    m = re.search(r'id="%s-error">.*?</span><span><span class="kern-sr-only">[^<]*</span>(.*?)</span>'
                  % re.escape(field_id), resp.text, re.S)
    return html.unescape(m.group(1)).strip() if m else None


def main_text(resp):
    m = re.search(r"<main\b.*?</main>", resp.text, re.S)
    return m.group(0) if m else resp.text


def normalise(text, *variable):
    """A page with its tokens, request ids and the given strings replaced."""
    text = re.sub(r'(name="csrf" value=")[^"]*"', r'\1TOKEN"', text)
    text = REQUEST_ID_RE.sub("REQUEST-ID", text)
    for i, v in enumerate(variable):
        text = text.replace(html.escape(v, quote=True), "VAR%d" % i).replace(v, "VAR%d" % i)
    return text


class AccountsCase(harness.ServerTestCase):

    @classmethod
    def prepare_server(cls, srv):
        add_region_wesel(srv)

    def clear_throttle(self, srv=None):
        """Forgets failed logins (all of them come from 127.0.0.1)."""
        (srv or self.server).execute("DELETE FROM login_throttle")

    def logged_in(self, email, password, srv=None, prefix=""):
        c = Client(srv or self.server)
        r = c.login(email, password, prefix=prefix)
        self.assertRedirect(r, prefix + "/konto", "login of %s" % email)
        return c

    def assertAnonymous(self, client, prefix="", msg=""):
        """GET /konto sends the client to the login page with next=/konto (a
        notice such as abgelaufen=1 for an ended session may come along)."""
        r = client.get(prefix + "/konto")
        msg = msg or "expected an anonymous client"
        self.assertStatus(r, 303, msg)
        loc = urllib.parse.urlsplit(location_path(r))
        self.assertEqual(loc.path, prefix + "/anmelden", "%s\n%s" % (msg, r.describe()))
        self.assertEqual(urllib.parse.parse_qs(loc.query).get("next"), ["/konto"],
                         "%s\n%s" % (msg, r.describe()))

    def assertLoggedIn(self, client, name=None, prefix=""):
        r = client.get(prefix + "/konto")
        self.assertStatus(r, 200, "expected a logged-in client")
        if name:
            self.assertInBody(html.escape(name, quote=False), r)
        return r


# ---------------------------------------------------------------------------
# Login, session ids, logout, failures, CSRF
# ---------------------------------------------------------------------------

class LoginTest(AccountsCase):

    def setUp(self):
        super().setUp()
        self.clear_throttle()

    def test_01_login_sets_session_cookie_and_shows_name(self):
        c = Client(self.server)
        r = c.login(OFFICE_EMAIL, OFFICE_PW)
        self.assertRedirect(r, "/konto")
        cookies = set_cookies(r)
        self.assertIn(SESSION_COOKIE, cookies, r.describe())
        value, attrs = cookies[SESSION_COOKIE]
        self.assertTrue(len(value) >= 32, "session token too short: %r" % value)
        self.assertIs(attrs.get("httponly"), True, "session cookie without HttpOnly: %r" % attrs)
        self.assertEqual(str(attrs.get("samesite", "")).lower(), "lax", attrs)
        self.assertNotIn("secure", attrs, "Secure without BIREG secure cookies configured")
        self.assertEqual(attrs.get("path"), "/", attrs)
        r = self.assertLoggedIn(c, OFFICE_NAME)
        self.assertIn('<html lang="de"', r.text)
        # the header names the account and offers the logout form
        self.assertIn("/abmelden", r.text)

    def test_02_login_next_and_unsafe_next(self):
        c = Client(self.server)
        r = c.login(OFFICE_EMAIL, OFFICE_PW, next="/verwaltung/rueckmeldungen")
        self.assertRedirect(r, "/verwaltung/rueckmeldungen")
        for bad in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
            with self.subTest(next=bad):
                c = Client(self.server)
                r = c.login(OFFICE_EMAIL, OFFICE_PW, next=bad)
                self.assertRedirect(r, "/konto", "an unsafe next must fall back to /konto")

    def test_03a_session_id_changes_at_login(self):
        made_up = "erfundene-sitzung-0123456789abcdefghijklmnopqrstuv"
        c = Client(self.server, cookies={SESSION_COOKIE: made_up})
        self.assertAnonymous(c, msg="a made-up session cookie must not log anybody in")
        c.cookies[SESSION_COOKIE] = made_up  # the redirect may have cleared it; send it again
        r = c.login(OFFICE_EMAIL, OFFICE_PW)
        self.assertRedirect(r, "/konto")
        issued = set_cookies(r).get(SESSION_COOKIE, (None,))[0]
        self.assertTrue(issued, "no session cookie issued:\n%s" % r.describe())
        self.assertNotEqual(issued, made_up, "the server adopted the client's session id")
        self.assertAnonymous(Client(self.server, cookies={SESSION_COOKIE: made_up}),
                             msg="the made-up session id must not be accepted after the login")
        self.assertLoggedIn(Client(self.server, cookies={SESSION_COOKIE: issued}), OFFICE_NAME)

    def test_03b_session_from_before_login_is_not_reused(self):
        c = self.logged_in(OFFICE_EMAIL, OFFICE_PW)
        first = c.session
        token = c.fetch_csrf("/konto")
        # log in again in the same browser (e.g. another tab with the login form)
        r = c.post("/anmelden", {"email": OFFICE_EMAIL, "password": OFFICE_PW}, csrf=token)
        self.assertRedirect(r, "/konto")
        second = set_cookies(r).get(SESSION_COOKIE, (None,))[0]
        self.assertTrue(second, "no new session cookie at the second login:\n%s" % r.describe())
        self.assertNotEqual(second, first, "the session id did not change at login")
        self.assertAnonymous(Client(self.server, cookies={SESSION_COOKIE: first}),
                             msg="the session from before the login is still valid")
        self.assertLoggedIn(Client(self.server, cookies={SESSION_COOKIE: second}))

    def test_04_logout_ends_the_session(self):
        c = self.logged_in(OFFICE_EMAIL, OFFICE_PW)
        old = c.session
        c.fetch_csrf("/konto")
        r = c.post("/abmelden")
        self.assertRedirect(r, "/anmelden?abgemeldet=1")
        value, attrs = set_cookies(r).get(SESSION_COOKIE, ("?", {}))
        self.assertTrue(value == "" or attrs.get("max-age") == "0",
                        "the session cookie was not cleared: %r %r" % (value, attrs))
        self.assertAnonymous(Client(self.server, cookies={SESSION_COOKIE: old}),
                             msg="the old session cookie still works after logout")
        r = c.get("/anmelden?abgemeldet=1")
        self.assertStatus(r, 200)
        self.assertIn('id="login-notice"', r.text, "no logged-out notice")

    def test_05_wrong_password_and_unknown_account_look_the_same(self):
        c = Client(self.server)
        unknown = "niemand-%d@bireg.test" % os.getpid()
        r1 = c.login(OFFICE_EMAIL, "Falsches-Passwort-123")
        r2 = c.login(unknown, "Falsches-Passwort-123")
        self.assertStatus(r1, 401)
        self.assertStatus(r2, 401)
        self.assertIsNone(set_cookies(r1).get(SESSION_COOKIE), "a session cookie at a failure")
        self.assertIsNone(set_cookies(r2).get(SESSION_COOKIE), "a session cookie at a failure")
        self.assertEqual(login_failed_message(r1), login_failed_message(r2))
        self.assertTrue(login_failed_message(r1), "no failure message:\n%s" % r1.describe())
        b1 = normalise(r1.text, OFFICE_EMAIL)
        b2 = normalise(r2.text, unknown)
        self.assertEqual(b1, b2, "the pages for a wrong password and an unknown account differ")
        self.assertEqual(r1.header("Content-Type"), r2.header("Content-Type"))
        # no header tells them apart either
        h1 = sorted(k.lower() for k, _ in r1.header_list if k.lower() not in ("date", "content-length"))
        h2 = sorted(k.lower() for k, _ in r2.header_list if k.lower() not in ("date", "content-length"))
        self.assertEqual(h1, h2)

    def test_06_disabled_style_refusals_same_message(self):
        """The demo office outside its region and an unknown account: the same failure."""
        c = Client(self.server)
        r1 = c.login(OFFICE_EMAIL, OFFICE_PW, prefix="/r/wesel")
        self.assertStatus(r1, 401, "the demo office must not log in at /r/wesel/anmelden")
        self.assertIsNone(set_cookies(r1).get(SESSION_COOKIE))
        r2 = c.login("niemand@bireg.test", "Falsches-Passwort-123", prefix="/r/wesel")
        self.assertStatus(r2, 401)
        self.assertEqual(login_failed_message(r1), login_failed_message(r2))
        self.assertEqual(normalise(r1.text, OFFICE_EMAIL), normalise(r2.text, "niemand@bireg.test"))
        self.assertAnonymous(c, prefix="/r/wesel")
        # and in its own region it still works
        self.logged_in(OFFICE_EMAIL, OFFICE_PW)

    def test_07a_csrf_login_without_token(self):
        c = Client(self.server)
        c.fetch_csrf("/anmelden")
        before = self.server.query("SELECT count(*) FROM session")[0][0]
        for label, token in (("no token", False), ("wrong token", "x" * 43)):
            with self.subTest(label):
                r = c.post("/anmelden", {"email": OFFICE_EMAIL, "password": OFFICE_PW}, csrf=token)
                self.assertStatus(r, 403)
                self.assertIn('<html lang="de"', r.text)
                self.assertInBody("Zugriff verweigert", r)
                self.assertIsNone(set_cookies(r).get(SESSION_COOKIE), r.describe())
        # a token without its cookie (another browser's token) does not pass either
        r = Client(self.server).post("/anmelden", {"email": OFFICE_EMAIL, "password": OFFICE_PW},
                                     csrf=c.csrf)
        self.assertStatus(r, 403)
        self.assertEqual(self.server.query("SELECT count(*) FROM session")[0][0], before,
                         "a refused login created a session")

    def test_07b_csrf_password_change_with_wrong_token(self):
        email, pw = "csrf-test@bireg.test", "Lindenblatt-Regen-31!"
        add_user(self.server, email, "Csrf Test", pw)
        hash_before = self.server.query("SELECT password_hash FROM account WHERE email = ?", (email,))
        c = self.logged_in(email, pw)
        c.fetch_csrf("/konto")
        new = "Ganz-Anderes-Passwort-99!"
        r = c.post("/konto/passwort", {"current": pw, "new": new, "confirm": new},
                   csrf="falsches-token-" + "x" * 30)
        self.assertStatus(r, 403)
        self.assertInBody("Zugriff verweigert", r)
        r = c.post("/konto/passwort", {"current": pw, "new": new, "confirm": new}, csrf=False)
        self.assertStatus(r, 403)
        self.assertEqual(self.server.query("SELECT password_hash FROM account WHERE email = ?",
                                           (email,)), hash_before, "the password changed")
        self.assertLoggedIn(c)
        self.logged_in(email, pw)  # the old password still works

    def test_08_session_of_another_region_office(self):
        """An ordinary account's session counts in every region (roles per region)."""
        email, pw = "wesel-office@bireg.test", "Kornfeld-Nebel-58!"
        add_user(self.server, email, "Wesel Office", pw, ("wesel", "office"))
        c = self.logged_in(email, pw, prefix="/r/wesel")
        self.assertStatus(c.get("/r/wesel/verwaltung/rueckmeldungen"), 200)
        self.assertStatus(c.get("/verwaltung/rueckmeldungen"), 403)
        self.assertStatus(c.get("/konto"), 200)
        # and the demo office is anonymous in wesel
        d = self.logged_in(OFFICE_EMAIL, OFFICE_PW)
        self.assertRedirect(d.get("/r/wesel/konto"), "/r/wesel/anmelden?next=/konto")
        self.assertRedirect(d.get("/r/wesel/verwaltung/rueckmeldungen"),
                            "/r/wesel/anmelden?next=/verwaltung/rueckmeldungen")


# ---------------------------------------------------------------------------
# Throttling and the log (a fresh server per test: failures count per address)
# ---------------------------------------------------------------------------

class ThrottleTest(AccountsCase):
    EMAIL = "drossel@bireg.test"
    PW = "Wacholder-Strauch-64!"
    WRONG = ["Falsch-Nummer-%d-xyz" % i for i in range(1, 8)]

    @classmethod
    def prepare_server(cls, srv):
        add_region_wesel(srv)
        add_user(srv, cls.EMAIL, "Drossel Test", cls.PW)

    def wait_seconds(self, resp):
        m = re.search(r"(\d+)", login_failed_message(resp) or "")
        return int(m.group(1)) if m else None

    def test_01_sixth_attempt_waits_even_with_right_password(self):
        srv = self.server
        c = Client(srv)
        log_start = srv.log_size()
        account_id = srv.query("SELECT id FROM account WHERE email = ?", (self.EMAIL,))[0][0]
        c.fetch_csrf("/anmelden")
        form = lambda pw: {"email": self.EMAIL, "password": pw}  # noqa: E731
        for i in range(5):
            r = c.post("/anmelden", form(self.WRONG[i]))
            self.assertStatus(r, 401, "wrong attempt %d" % (i + 1))
        t5 = time.monotonic()  # the 5th failure has been counted
        r = c.post("/anmelden", form(self.PW))
        self.assertStatus(r, 429, "the 6th attempt (right password) after 5 failures")
        self.assertIsNone(set_cookies(r).get(SESSION_COOKIE), "a session while throttled")
        wait = self.wait_seconds(r)
        self.assertIsNotNone(wait, "no number of seconds in the wait message:\n%s" % r.describe())
        # 2 s, counted in whole seconds: the page may say 1 when a second just ended
        self.assertIn(wait, (1, 2), "the first wait must be 2 s")
        self.assertTrue(r.header("Retry-After"), "no Retry-After header")
        # keep trying with the right password: refused until the wait is over
        accepted_after = None
        while time.monotonic() - t5 < 65:
            time.sleep(0.2)
            r = c.post("/anmelden", form(self.PW))
            if r.status != 429:
                accepted_after = time.monotonic() - t5
                break
        self.assertRedirect(r, "/konto", "the right password after the wait")
        # a 2-second wait counted in whole seconds lasts more than 1 s
        self.assertGreater(accepted_after, 1.0, "the wait was not respected")
        self.assertLess(accepted_after, 4.5, "the first wait lasted too long")
        # the success cleared the counters: the next failure is not throttled
        c2 = Client(srv)
        r = c2.login(self.EMAIL, self.WRONG[5])
        self.assertStatus(r, 401, "after a success, the next failure must not be throttled")

        log = srv.log(log_start)
        fails = [l for l in log.splitlines()
                 if "login failed" in l and ("account %d " % account_id) in l]
        self.assertEqual(len(fails), 6, "expected one log line per failed login (6):\n%s" % log)
        for pw in self.WRONG[:6] + [self.PW]:
            self.assertNotIn(pw, log, "a password reached the log")

    def test_02_address_throttle_spans_accounts(self):
        srv = self.fresh_server(prepare=lambda s: add_user(s, self.EMAIL, "Drossel Test", self.PW))
        c = Client(srv)
        for i in range(6):
            c.login("unbekannt-%d@bireg.test" % i, self.WRONG[i])
        r = c.login(self.EMAIL, self.PW)
        self.assertStatus(r, 429, "after 6 failures from one address, a 7th account must wait")
        self.assertIsNone(set_cookies(r).get(SESSION_COOKIE))
        log = srv.log()
        for pw in self.WRONG[:6] + [self.PW]:
            self.assertNotIn(pw, log, "a password reached the log")


# ---------------------------------------------------------------------------
# The second factor
# ---------------------------------------------------------------------------

class TotpTest(AccountsCase):
    EMAIL = "totp@bireg.test"
    NAME = "Tessa Totp"
    PW = "Birkenwald-Morgen-19!"

    @classmethod
    def prepare_server(cls, srv):
        add_region_wesel(srv)
        add_user(srv, cls.EMAIL, cls.NAME, cls.PW)

    def setUp(self):
        super().setUp()
        self.clear_throttle()

    def enable(self, email, pw):
        """Turns the second factor on; returns (secret, step used, recovery codes)."""
        c = self.logged_in(email, pw)
        r = c.get("/konto/zwei-faktor")
        self.assertStatus(r, 200)
        secret = totp_secret_from(r.text)
        self.assertTrue(secret, "no secret in the page:\n%s" % r.describe())
        self.assertRegex(secret, r"^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$", "secret not grouped in 4s")
        self.assertIn("<svg", r.text, "no QR code")
        # reloading shows the same pending secret
        self.assertEqual(totp_secret_from(c.get("/konto/zwei-faktor").text), secret)
        bad = harness.totp_invalid_code(secret)
        r = c.post("/konto/zwei-faktor", {"code": bad})
        self.assertStatus(r, 422, "a wrong code must not turn the second factor on")
        step = totp_step()
        r = c.post("/konto/zwei-faktor", {"code": totp_code(secret, step)})
        self.assertStatus(r, 200, "turning the second factor on")
        codes = RECOVERY_RE.findall(r.text)
        self.assertEqual(len(codes), 10, "expected 10 recovery codes:\n%s" % r.describe())
        for code in codes:
            self.assertRegex(code, r"^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$")
        self.assertEqual(len(set(codes)), 10)
        c.fetch_csrf("/konto")
        self.assertRedirect(c.post("/abmelden"), "/anmelden?abgemeldet=1")
        return secret.replace(" ", ""), step, codes

    def first_step(self, email, pw, next=None):
        c = Client(self.server)
        r = c.login(email, pw, next=next)
        self.assertStatus(r, 303, "password step")
        loc = location_path(r)
        self.assertTrue(loc.startswith("/anmelden/zweiter-faktor"),
                        "the password step must lead to the second factor, not %s" % loc)
        self.assertTrue(c.session, "no session cookie for the pending login")
        return c, r

    def second_step(self, c, code):
        r = c.get(location_path(c.last) if c.last.status == 303 else "/anmelden/zweiter-faktor")
        self.assertStatus(r, 200, "the second-factor page")
        action = re.search(r'<form class="bireg-form[^"]*" method="post" action="([^"]+)"', r.text)
        path = html.unescape(action.group(1)) if action else "/anmelden/zweiter-faktor"
        return c.post(path, {"code": code})

    def test_01_totp_login_replay_and_recovery(self):
        secret, step, codes = self.enable(self.EMAIL, self.PW)
        letter_codes = [x for x in codes if x[0].isalpha()]
        self.assertGreaterEqual(len(letter_codes), 2, "need two codes that start with a letter")

        # password step: a pending session, not yet logged in
        c, r = self.first_step(self.EMAIL, self.PW)
        pending = c.session
        self.assertAnonymous(Client(self.server, cookies={SESSION_COOKIE: pending}),
                             msg="a pending session must not count as logged in")
        code = totp_code(secret, step + 1)  # the enabling step is used up
        r = self.second_step(c, code)
        self.assertRedirect(r, "/konto", "second step with a TOTP code")
        full = set_cookies(r).get(SESSION_COOKIE, (None,))[0]
        self.assertTrue(full, "no new session cookie after the second step")
        self.assertNotEqual(full, pending, "the session id must change after the second step")
        self.assertStatus(Client(self.server, cookies={SESSION_COOKIE: pending})
                          .get("/anmelden/zweiter-faktor"), 403, "the pending session lives on")
        self.assertLoggedIn(c, self.NAME)
        c.fetch_csrf("/konto")
        c.post("/abmelden")

        # the same code again (same step): refused
        c, r = self.first_step(self.EMAIL, self.PW)
        r = self.second_step(c, code)
        self.assertStatus(r, 401, "a replayed TOTP code must be refused")
        self.assertIsNone(set_cookies(r).get(SESSION_COOKIE))
        # a recovery code works ...
        r = self.second_step(c, letter_codes[0])
        self.assertRedirect(r, "/konto", "second step with a recovery code")
        self.assertLoggedIn(c, self.NAME)
        c.fetch_csrf("/konto")
        c.post("/abmelden")
        # ... once
        c, r = self.first_step(self.EMAIL, self.PW)
        r = self.second_step(c, letter_codes[0])
        self.assertStatus(r, 401, "a used recovery code must be refused")
        # another one, typed in capitals and without hyphens, still works
        r = self.second_step(c, letter_codes[1].replace("-", "").upper())
        self.assertRedirect(r, "/konto")

    def test_02_recovery_code_starting_with_a_digit(self):
        email, pw = "totp-digit@bireg.test", "Haselnuss-Winter-42!"
        add_user(self.server, email, "Digit Code", pw)
        for attempt in range(5):
            secret, step, codes = self.enable(email, pw)
            digit = [x for x in codes if x[0].isdigit()]
            if digit:
                break
            # no such code this time: turn it off and get ten new ones
            c = self.logged_in_2fa(email, pw, totp_code(secret, step + 1))
            c.fetch_csrf("/konto/zwei-faktor")
            self.assertRedirect(c.post("/konto/zwei-faktor/aus", {"password": pw}),
                                "/konto?gespeichert=zwei-faktor-aus")
        else:
            self.skipTest("no recovery code starting with a digit in 50")
        c, r = self.first_step(email, pw)
        r = self.second_step(c, digit[0])
        self.assertRedirect(r, "/konto", "recovery code %s (starts with a digit) was refused"
                            % digit[0])

    def logged_in_2fa(self, email, pw, code):
        c, r = self.first_step(email, pw)
        r = self.second_step(c, code)
        self.assertRedirect(r, "/konto")
        return c

    def test_03_cancel_ends_the_pending_login(self):
        email, pw = "totp-cancel@bireg.test", "Apfelbaum-Sommer-27!"
        add_user(self.server, email, "Cancel Test", pw)
        secret, step, codes = self.enable(email, pw)
        c, r = self.first_step(email, pw)
        pending = c.session
        c.fetch_csrf("/anmelden/zweiter-faktor")
        r = c.post("/anmelden/abbrechen")
        self.assertRedirect(r, "/anmelden?abgemeldet=1")
        self.assertStatus(Client(self.server, cookies={SESSION_COOKIE: pending})
                          .get("/anmelden/zweiter-faktor"), 403)

    def test_04_next_survives_the_second_step(self):
        email, pw = "totp-next@bireg.test", "Kastanie-Herbst-83!"
        add_user(self.server, email, "Next Test", pw)
        secret, step, codes = self.enable(email, pw)
        c, r = self.first_step(email, pw, next="/konto/zwei-faktor")
        r = self.second_step(c, totp_code(secret, step + 1))
        self.assertRedirect(r, "/konto/zwei-faktor")


# ---------------------------------------------------------------------------
# Password change and language
# ---------------------------------------------------------------------------

class PasswordTest(AccountsCase):

    def setUp(self):
        super().setUp()
        self.clear_throttle()

    def test_01_password_change(self):
        email, pw = "passwort@bireg.test", "Eichenholz-Tisch-45!"
        new = "Fliederbusch-Garten-88!"
        add_user(self.server, email, "Pia Passwort", pw)
        a = self.logged_in(email, pw)
        b = self.logged_in(email, pw)  # another device
        a.fetch_csrf("/konto")

        cases = [
            ("wrong current", {"current": "Nicht-Das-Passwort-1", "new": new, "confirm": new}, "pw-current"),
            ("common", {"current": pw, "new": "passwort1234", "confirm": "passwort1234"}, "pw-new"),
            ("too short", {"current": pw, "new": "kurz-1", "confirm": "kurz-1"}, "pw-new"),
            ("mismatch", {"current": pw, "new": new, "confirm": new + "x"}, "pw-confirm"),
        ]
        for label, fields, fid in cases:
            with self.subTest(label):
                r = a.post("/konto/passwort", fields)
                self.assertStatus(r, 422)
                self.assertIn('<html lang="de"', r.text)
                self.assertTrue(field_error(r, fid), "no error at %s:\n%s" % (fid, r.describe()))
        self.assertLoggedIn(b)  # nothing happened so far
        self.logged_in(email, pw).fetch_csrf("/konto")  # old password still valid

        r = a.post("/konto/passwort", {"current": pw, "new": new, "confirm": new})
        self.assertRedirect(r, "/konto?gespeichert=passwort")
        self.assertLoggedIn(a)
        self.assertAnonymous(b, msg="the other device must be logged out by a password change")
        self.logged_in(email, new)
        r = Client(self.server).login(email, pw)
        self.assertStatus(r, 401, "the old password must no longer work")
        log = self.server.log()
        for p in (pw, new, "passwort1234"):
            self.assertNotIn(p, log)

    def test_02_end_other_sessions(self):
        email, pw = "sitzungen@bireg.test", "Buchenhecke-Wind-36!"
        add_user(self.server, email, "Sina Sitzung", pw)
        a = self.logged_in(email, pw)
        b = self.logged_in(email, pw)
        r = a.get("/konto")
        self.assertEqual(r.text.count('<input type="hidden" name="csrf"') > 0, True)
        a.fetch_csrf("/konto")
        self.assertRedirect(a.post("/konto/sitzungen"), "/konto?gespeichert=sitzungen")
        self.assertLoggedIn(a)
        self.assertAnonymous(b)

    def test_03_language_follows_the_account(self):
        email, pw = "sprache@bireg.test", "Pappelallee-Licht-74!"
        add_user(self.server, email, "Lena Sprache", pw)
        c = self.logged_in(email, pw)
        c.fetch_csrf("/konto")
        r = c.post("/konto/sprache", {"lang": "en"})
        self.assertRedirect(r, "/konto?gespeichert=sprache")
        # only the session cookie, a German browser: still English
        s = Client(self.server, cookies={SESSION_COOKIE: c.session},
                   headers={"Accept-Language": "de-DE,de;q=0.9"})
        for path in ("/konto", "/", "/barrierefreiheit"):
            with self.subTest(path=path):
                r = s.get(path)
                self.assertStatus(r, 200)
                self.assertEqual(html_lang(r), "en", "%s is not English for the account" % path)
        # another browser logging in later gets English too
        d = self.logged_in(email, pw)
        d.headers["Accept-Language"] = "de"
        self.assertEqual(html_lang(d.get("/konto")), "en")
        # and back to German
        c.fetch_csrf("/konto")
        self.assertRedirect(c.post("/konto/sprache", {"lang": "de"}), "/konto?gespeichert=sprache")
        s.headers["Accept-Language"] = "en"
        self.assertEqual(html_lang(s.get("/konto")), "de")
        # an unknown language is refused
        c.fetch_csrf("/konto")
        self.assertStatus(c.post("/konto/sprache", {"lang": "fr"}), 400)


# ---------------------------------------------------------------------------
# German texts of the account pages
# ---------------------------------------------------------------------------

class GermanTextTest(AccountsCase):

    def setUp(self):
        super().setUp()
        self.clear_throttle()

    def test_01_messages_are_german(self):
        problems = []

        def check(label, text, english, word):
            if not text:
                problems.append("%s: no message found" % label)
            elif english in text or word.lower() not in text.lower():
                problems.append("%s: %r is not German (expected a text with %r)" % (label, text, word))

        c = Client(self.server)
        r = c.get("/anmelden")
        m = re.search(r'<h1[^>]*id="login-title">(.*?)</h1>', r.text)
        check("login page title", m and m.group(1), "Log in", "Anmeld")
        r = c.login(OFFICE_EMAIL, "Falsches-Passwort-123")
        check("failed login (401)", login_failed_message(r), LOGIN_FAILED_EN, "fehlgeschlagen")
        r = c.post("/anmelden", {"email": OFFICE_EMAIL, "password": OFFICE_PW}, csrf=False)
        check("CSRF refusal (403)", main_text(r), CSRF_EN, "Formular")
        self.clear_throttle()
        a = self.logged_in(OFFICE_EMAIL, OFFICE_PW)
        a.fetch_csrf("/konto")
        r = a.post("/konto/passwort", {"current": "Falsch-Falsch-1", "new": "passwort1234",
                                       "confirm": "x"})
        check("wrong current password (422)", field_error(r, "pw-current"), CURRENT_WRONG_EN, "Passwort")
        check("common password (422)", field_error(r, "pw-new"), "password", "Passwort")
        r = a.post("/konto/passwort", {"current": OFFICE_PW, "new": "Fliederbusch-Garten-88!",
                                       "confirm": "Fliederbusch-Garten-88?"})
        check("confirmation differs (422)", field_error(r, "pw-confirm"), MISMATCH_EN, "Passw")
        r = a.get("/konto")
        m = re.search(r'<h1[^>]*>(.*?)</h1>', r.text)
        check("account page title", m and m.group(1), "Account settings", "Konto")
        self.assertFalse(problems, "English text in German pages:\n" + "\n".join(problems))

    def test_02_wait_message_german(self):
        srv = self.fresh_server()
        c = Client(srv)
        for i in range(7):
            r = c.login("niemand@bireg.test", "Falsch-%d-abc" % i)
            if r.status == 429:
                break
        self.assertStatus(r, 429, "no throttling after 7 failures")
        msg = login_failed_message(r) or ""
        self.assertNotIn(WAIT_EN, msg)
        self.assertIn("Sekunden", msg, "wait message not German: %r" % msg)


# ---------------------------------------------------------------------------
# bireg user add / grant / passwd / list
# ---------------------------------------------------------------------------

class UserCommandTest(AccountsCase):

    def test_01_add_grant_list_passwd(self):
        srv = self.server
        email, pw = "Neu.Person@Bireg.Test", "Ulmenweg-Sonnig-52!"
        r = srv.bireg("user", "add", "--email", email, "--name", "Nina Neu", "--password-stdin",
                      input=pw + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("neu.person@bireg.test", r.stdout, "the e-mail is stored in lower case")
        self.assertNotIn(pw, r.stdout + r.stderr)
        # the same again: refused
        r = srv.bireg("user", "add", "--email", email.lower(), "--name", "Nina Neu",
                      "--password-stdin", input=pw + "\n")
        self.assertNotEqual(r.returncode, 0)
        self.assertTrue(r.stderr.strip(), "no message for a duplicate account")

        r = srv.bireg("user", "grant", "--email", email, "--region", "wesel", "--role", "office")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("office", r.stdout)
        r = srv.bireg("user", "grant", "--email", email, "--region", "gibtsnicht", "--role", "office")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("gibtsnicht", r.stderr)
        r = srv.bireg("user", "grant", "--email", email, "--region", "wesel", "--role", "kaiser")
        self.assertNotEqual(r.returncode, 0)
        r = srv.bireg("user", "grant", "--email", "niemand@bireg.test", "--region", "wesel",
                      "--role", "office")
        self.assertNotEqual(r.returncode, 0)

        r = srv.bireg("user", "list")
        self.assertEqual(r.returncode, 0, r.stderr)
        line = [l for l in r.stdout.splitlines() if "neu.person@bireg.test" in l]
        self.assertEqual(len(line), 1, r.stdout)
        self.assertIn("wesel:office", line[0])
        self.assertIn("Nina Neu", line[0])
        self.assertIn("geschaeftsstelle@demo.bireg.example", r.stdout)
        self.assertNotIn("$argon2", r.stdout, "password hashes in the list")

        # the account works over HTTP, with the role in wesel only
        c = self.logged_in(email.lower(), pw, prefix="/r/wesel")
        self.assertStatus(c.get("/r/wesel/verwaltung/rueckmeldungen"), 200)
        self.assertStatus(c.get("/verwaltung/rueckmeldungen"), 403)

        # passwd ends the sessions; the new password works, the old does not
        new = "Rosenhecke-Abend-63!"
        r = srv.bireg("user", "passwd", "--email", email, "--password-stdin", input=new + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(new, r.stdout + r.stderr)
        self.assertAnonymous(c, prefix="/r/wesel", msg="passwd must end the account's sessions")
        self.logged_in(email.lower(), new)
        self.assertStatus(Client(srv).login(email.lower(), pw), 401)
        self.clear_throttle()

    def test_02_weak_passwords_refused(self):
        srv = self.server
        for label, pw in (("common", "passwort1234"), ("short", "kurz-12"),
                          ("contains the e-mail", "schwach-bireg-1234"), ("empty", "")):
            with self.subTest(label):
                r = srv.bireg("user", "add", "--email", "schwach@bireg.test", "--name", "Schwach",
                              "--password-stdin", input=pw + "\n")
                self.assertNotEqual(r.returncode, 0, "a weak password (%s) was accepted" % label)
                self.assertTrue(r.stderr.strip(), "no message for a weak password")
                if pw:
                    self.assertNotIn(pw, r.stderr, "the password is echoed")
        r = srv.bireg("user", "list")
        self.assertNotIn("schwach@bireg.test", r.stdout, "an account was created anyway")
        # passwd refuses a weak password too and keeps the old one
        r = srv.bireg("user", "passwd", "--email", OFFICE_EMAIL, "--password-stdin",
                      input="passwort1234\n")
        self.assertNotEqual(r.returncode, 0)
        self.logged_in(OFFICE_EMAIL, OFFICE_PW)

    def test_03_add_without_stdin_prints_a_generated_password(self):
        srv = self.server
        r = srv.bireg("user", "add", "--email", "generiert@bireg.test", "--name", "Gero Generiert")
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.search(r"password \(shown once\): (\S+)", r.stdout)
        self.assertTrue(m, "no generated password in: %r" % r.stdout)
        self.logged_in("generiert@bireg.test", m.group(1))

    def test_04_usage_errors(self):
        srv = self.server
        for args in (["user"], ["user", "add", "--name", "Ohne Mail"],
                     ["user", "add", "--email", "keine-mail", "--name", "X", "--password-stdin"],
                     ["user", "frobnicate", "--email", "x@bireg.test"]):
            with self.subTest(args=args):
                r = srv.bireg(*args, input="Ulmenweg-Sonnig-52!\n")
                self.assertNotEqual(r.returncode, 0)
                self.assertTrue(r.stderr.strip(), "no message")


# ---------------------------------------------------------------------------
# The admin's user list: search by name and e-mail (src/search)
# ---------------------------------------------------------------------------

ADMIN_EMAIL, ADMIN_PW = DEMO_ACCOUNTS["admin"]
SEARCH_PW = "Lindenallee-Regen-47!"


def users_table(resp):
    """The display names in the user table (first cells), or [] without a table."""
    m = re.search(r"<table\b.*?</table>", resp.text, re.S)
    if not m:
        return []
    return [html.unescape(n).strip()
            for n in re.findall(r'<th class="kern-table__header" scope="row">(.*?)</th>', m.group(0))]


def result_count(resp):
    """The sentence above the table that counts the hits (or says there are none)."""
    m = re.search(r'id="users-count">(.*?)</p>', resp.text, re.S)
    return html.unescape(re.sub(r"\s+", " ", m.group(1))).strip() if m else None


class AdminUserSearchTest(AccountsCase):
    """Accounts are found by name and e-mail, with German spelling folded, in the
    admin's region only; the entries follow `bireg user grant/revoke`."""

    @classmethod
    def prepare_server(cls, srv):
        super().prepare_server(srv)
        add_user(srv, "maria.mueller@bireg.test", "Maria Mueller", SEARCH_PW, ("duisburg", "office"))
        add_user(srv, "jo.weiss@bireg.test", "Jo Weiß-O'Brien", SEARCH_PW, ("duisburg", "applicant"),
                 ("wesel", "office"))
        # a Müller of the other region only, and one without any role
        add_user(srv, "max.mueller@bireg.test", "Max Müller", SEARCH_PW, ("wesel", "office"))
        add_user(srv, "ohne.rolle@bireg.test", "Olga Müller", SEARCH_PW)

    def setUp(self):
        super().setUp()
        self.clear_throttle()
        self.admin = self.logged_in(ADMIN_EMAIL, ADMIN_PW)

    def search(self, q, headers=None):
        return self.admin.get("/verwaltung/benutzer?q=" + urllib.parse.quote(q), headers=headers)

    def test_01_mueller_is_found_as_mueller_muller_and_MUELLER(self):
        for q in ("müller", "Mueller", "muller", "MÜLLER", "  maria   müller "):
            with self.subTest(q=q):
                r = self.search(q)
                self.assertStatus(r, 200)
                self.assertEqual(users_table(r), ["Maria Mueller"],
                                 "only duisburg's Mueller (not wesel's, not one without a role)")
                self.assertEqual(result_count(r),
                                 "1 Benutzerkonto für „%s“ gefunden." % " ".join(q.split()))
                # the field keeps what was searched for
                self.assertIn('value="%s"' % html.escape(" ".join(q.split()), quote=True), r.text)

    def test_02_prefix_email_and_spelling(self):
        r = self.search("gesch")
        self.assertEqual(users_table(r), ["Kim Geschäftsstelle (Demo)"])
        r = self.search("demo.bireg.example")
        self.assertEqual(sorted(users_table(r)), ["Alex Verwaltung (Demo)",
                                                  "Kim Geschäftsstelle (Demo)",
                                                  "Robin Antrag (Demo)"],
                         "demo accounts without a role in the region are not listed")
        self.assertEqual(result_count(r), "3 Benutzerkonten für „demo.bireg.example“ gefunden.")
        for q in ("weiss", "Weiß", "o'brien", "brien", "jo.weiss@bireg"):
            with self.subTest(q=q):
                self.assertEqual(users_table(self.search(q)), ["Jo Weiß-O'Brien"])

    def test_03_no_hit_says_so(self):
        r = self.search("Zzyzx")
        self.assertStatus(r, 200)
        self.assertEqual(users_table(r), [])
        self.assertTrue(result_count(r).startswith("Kein Benutzerkonto für „Zzyzx“ gefunden."),
                        result_count(r))
        self.assertNotIn("Noch kein Benutzerkonto hat eine Rolle", r.text)
        self.assertIn("Alle Benutzerkonten anzeigen", r.text)

    def test_04_search_syntax_is_no_syntax(self):
        maria = ["Maria Mueller"]
        for q, want in (('"', []), ("*", []), (":", []), ("&|!()", []), ("NEAR(", []), ("-", []),
                        ("'; DROP TABLE search_entry; --", []), ("muller:* | anna", []),
                        ("muller:* | maria", maria), ("müller*", maria), ('"maria"', maria)):
            with self.subTest(q=q):
                r = self.search(q)
                self.assertStatus(r, 200)
                self.assertEqual(users_table(r), want)
        self.assertEqual(users_table(self.search("mueller")), ["Maria Mueller"])
        # markup in the query is text
        r = self.search("<script>alert(1)</script>")
        self.assertStatus(r, 200)
        self.assertNotIn("<script>alert(1)</script>", r.text)
        self.assertIn("&lt;script&gt;", r.text)

    def test_05_too_long_or_too_many_words(self):
        for q, message in (("x" * 201, "Der Suchbegriff ist zu lang: höchstens 200 Zeichen."),
                           ("a b c d e f g h i j k", "Der Suchbegriff hat zu viele Wörter: höchstens 10."),
                           ("ü" * 201, "Der Suchbegriff ist zu lang: höchstens 200 Zeichen.")):
            with self.subTest(q=q[:20]):
                r = self.search(q)
                self.assertStatus(r, 422)
                self.assertEqual(field_error(r, "users-q"), message)
                self.assertIn('aria-invalid="true"', r.text)
                self.assertEqual(users_table(r), [])
        self.assertStatus(self.search("x" * 200), 200)
        self.assertStatus(self.search("ü" * 200), 200)

    def test_06_without_query_the_whole_list(self):
        for path in ("/verwaltung/benutzer", "/verwaltung/benutzer?q=", "/verwaltung/benutzer?q=+"):
            with self.subTest(path=path):
                r = self.admin.get(path)
                self.assertStatus(r, 200)
                self.assertEqual(sorted(users_table(r)), ["Alex Verwaltung (Demo)", "Jo Weiß-O'Brien",
                                                          "Kim Geschäftsstelle (Demo)", "Maria Mueller",
                                                          "Robin Antrag (Demo)"])
                self.assertIsNone(result_count(r))
                self.assertIn('name="q"', r.text)

    def test_07_json(self):
        r = self.search("müller", headers={"Accept": "application/json"})
        self.assertStatus(r, 200)
        body = json.loads(r.text)
        self.assertEqual(body["q"], "müller")
        self.assertEqual(body["total"], 1)
        self.assertEqual([u["email"] for u in body["users"]], ["maria.mueller@bireg.test"])
        r = self.search("x" * 201, headers={"Accept": "application/json"})
        self.assertStatus(r, 422)
        body = json.loads(r.text)
        self.assertEqual([e["field"] for e in body["errors"]], ["q"])
        r = self.admin.get("/verwaltung/benutzer", headers={"Accept": "application/json"})
        self.assertEqual(len(json.loads(r.text)["users"]), 5)

    def test_08_other_region_searches_its_own(self):
        srv = self.server
        r = srv.bireg("user", "grant", "--email", "maria.mueller@bireg.test", "--region", "wesel",
                      "--role", "admin")
        self.assertEqual(r.returncode, 0, r.stderr)
        c = self.logged_in("maria.mueller@bireg.test", SEARCH_PW, prefix="/r/wesel")
        r = c.get("/r/wesel/verwaltung/benutzer?q=" + urllib.parse.quote("müller"))
        self.assertStatus(r, 200)
        self.assertEqual(sorted(users_table(r)), ["Maria Mueller", "Max Müller"])
        r = c.get("/r/wesel/verwaltung/benutzer?q=demo")
        self.assertEqual(users_table(r), [], "duisburg's demo accounts are not wesel's")

    def test_09_revoke_takes_the_account_out(self):
        srv = self.server
        r = srv.bireg("user", "revoke", "--email", "jo.weiss@bireg.test", "--region", "duisburg",
                      "--role", "applicant")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(users_table(self.search("weiss")), [])
        self.assertEqual(result_count(self.search("weiss"))[:14], "Kein Benutzerk")
        r = srv.bireg("user", "grant", "--email", "jo.weiss@bireg.test", "--region", "duisburg",
                      "--role", "office")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(users_table(self.search("weiss")), ["Jo Weiß-O'Brien"])

if __name__ == "__main__":
    sys.exit(harness.main("accounts"))
