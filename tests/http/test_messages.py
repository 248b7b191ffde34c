#!/usr/bin/env python3
"""test_messages.py — message templates and the first mails bireg sends, against the
real binary, on SQLite or PostgreSQL (BIREG_TEST_BACKEND):

  * the office's template editor (/verwaltung/vorlagen): list, edit, preview, save,
    reset, the letter as PDF; a bad placeholder is answered 422 with the German
    message next to the field and nothing stored; each region has its own texts;
  * "Passwort vergessen?": the same answer for every address (no account
    enumeration), a mail with a single-use link (read from the outbox's stored
    message, and when the run has an SMTP test server, as the server received it),
    the link works once and for an hour, a newer link replaces an older one, all
    sessions end, the login throttle's kind of counting, demo accounts refused;
  * the acknowledgement of accessibility feedback, queued only with an e-mail
    address and in the transaction of the feedback.

Mail is read from the table mail_outbox (column mime: the RFC 5322 bytes as they go
over SMTP) and parsed with Python's email package, an independent parser.

Run:  python3 tests/http/test_messages.py     (BIREG_BIN=build-x/bireg to pick a build)

The last line of the output is `messages: N passed, N failed, N skipped`.
"""

import email
import email.policy
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (DEMO_ACCOUNTS, Client, add_region_wesel, add_user,  # noqa: E402
                     location_path)

OFFICE_EMAIL, OFFICE_PW = DEMO_ACCOUNTS["office"]
ADMIN_EMAIL, ADMIN_PW = DEMO_ACCOUNTS["admin"]
APPLICANT_EMAIL, APPLICANT_PW = DEMO_ACCOUNTS["applicant"]
WESEL_OFFICE = ("buero@wesel.bireg.test", "Büro Wesel", "Kiefernwald-Sonne-2024!")

SAME_ANSWER = "Wenn ein Konto mit dieser Adresse besteht, haben wir eine E-Mail geschickt."
UNKNOWN_FOO = "Unbekannter Platzhalter {{foo}}."
NEW_PW = "Blaue-Kastanie-über-dem-Rhein-7"


def field_error(resp, field_id):
    """The text of the error under an input (id="<field_id>-error"), or None."""
    m = re.search(r'id="%s-error">.*?</span><span><span class="kern-sr-only">[^<]*</span>(.*?)</span>'
                  % re.escape(field_id), resp.text, re.S)
    return html.unescape(m.group(1)).strip() if m else None


def main_text(resp):
    m = re.search(r"<main\b.*?</main>", resp.text, re.S)
    return m.group(0) if m else resp.text


def as_bytes(v):
    """A blob column as bytes on both backends (PostgreSQL's JSON gives \\x hex)."""
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    if isinstance(v, str) and v.startswith("\\x"):
        return bytes.fromhex(v[2:])
    raise AssertionError("not a blob: %r" % (v,))


def parse_mail(data):
    return email.message_from_bytes(data, policy=email.policy.default)


def parts(msg):
    """(text, html) of a parsed message."""
    text = msg.get_body(preferencelist=("plain",))
    htm = msg.get_body(preferencelist=("html",))

    def content(part):
        return part.get_content().replace("\r\n", "\n") if part else None
    return content(text), content(htm)


def outbox(srv, kind=None, to=None):
    """Mails of the outbox as dicts, oldest first."""
    sql = ("SELECT o.id, o.kind, o.to_addr, o.to_name, o.subject, o.mime, r.slug "
           "FROM mail_outbox o JOIN region r ON r.id = o.region_id WHERE 1 = 1")
    args = []
    if kind:
        sql += " AND o.kind = ?"
        args.append(kind)
    if to:
        sql += " AND o.to_addr = ?"
        args.append(to)
    rows = srv.query(sql + " ORDER BY o.id", args)
    out = []
    for r in rows:
        msg = parse_mail(as_bytes(r[5]))
        text, htm = parts(msg)
        out.append({"id": r[0], "kind": r[1], "to": r[2], "to_name": r[3], "subject": r[4],
                    "msg": msg, "text": text, "html": htm, "region": r[6]})
    return out


LINK_RE = re.compile(r"https?://[^\s<>\"]+/passwort-neu/([A-Za-z0-9_-]+)")


def reset_link(mail):
    m = LINK_RE.search(mail["text"])
    assert m, "no reset link in:\n%s" % mail["text"]
    u = urllib.parse.urlsplit(m.group(0))
    return u.path, m.group(1)


class MessagesCase(harness.ServerTestCase):
    """Without SMTP (the default of the harness) each server writes its mail into
    its own development folder; the tests read the outbox table."""

    @classmethod
    def prepare_server(cls, srv):
        add_region_wesel(srv)
        add_user(srv, *WESEL_OFFICE, ("wesel", "office"))

    def setUp(self):
        super().setUp()
        # every request of a test comes from 127.0.0.1: start each with no count
        if self.server is not None:
            self.server.execute("DELETE FROM login_throttle")

    def logged_in(self, email_addr, password, prefix="", srv=None):
        c = Client(srv or self.server)
        r = c.login(email_addr, password, prefix=prefix)
        self.assertRedirect(r, prefix + "/konto", "login of %s" % email_addr)
        return c

    def templates_rows(self, key=None):
        sql = ("SELECT t.key, t.lang, t.subject, t.body, r.slug, t.updated_by FROM message_template t "
               "JOIN region r ON r.id = t.region_id")
        args = []
        if key:
            sql += " WHERE t.key = ?"
            args.append(key)
        return self.server.query(sql + " ORDER BY t.id", args)


# ---------------------------------------------------------------------------
# The template editor
# ---------------------------------------------------------------------------

class TemplateEditorTest(MessagesCase):

    def setUp(self):
        super().setUp()
        self.server.execute("DELETE FROM message_template")

    def test_01_list(self):
        c = self.logged_in(OFFICE_EMAIL, OFFICE_PW)
        r = c.get("/verwaltung/vorlagen")
        self.assertStatus(r, 200)
        for label in ("Passwort zurücksetzen", "Eingang einer Rückmeldung zur Barrierefreiheit",
                      "Einladung zu einer Sitzung", "Absage einer Sitzung", "Brief"):
            self.assertInBody(label, r)
        self.assertIn('href="/verwaltung/vorlagen/feedback.received?sprache=en"', r.text)
        self.assertIn("Vorlagen", main_text(r))
        # the navigation names it for the office
        self.assertIn('href="/verwaltung/vorlagen"', r.text)
        j = c.get("/verwaltung/vorlagen", headers={"Accept": "application/json"})
        self.assertStatus(j, 200)
        keys = [m["key"] for m in json.loads(j.text)["messages"]]
        for k in ("account.password_reset", "feedback.received", "meeting.invitation",
                  "meeting.cancelled", "letter.generic"):
            self.assertIn(k, keys)
        self.assertStatus(c.get("/verwaltung/vorlagen/gibt.es.nicht"), 404)
        self.assertStatus(c.get("/verwaltung/vorlagen/feedback.received?sprache=fr"), 400)

    def test_02_edit_page_shows_placeholders(self):
        c = self.logged_in(OFFICE_EMAIL, OFFICE_PW)
        r = c.get("/verwaltung/vorlagen/meeting.invitation")
        self.assertStatus(r, 200)
        for tag in ("{{anrede}}", "{{gremium}}", "{{sitzung}}", "{{datum}}", "{{ort}}", "{{link}}"):
            self.assertIn("<code>%s</code>" % tag, r.text)
        self.assertInBody("Name des Gremiums, z. B. Lenkungskreis", r)
        self.assertInBody("Standardtext", r)
        self.assertIn('name="subject" type="text" value="Einladung: {{sitzung}} am {{datum}}"', r.text)
        r = c.get("/verwaltung/vorlagen/meeting.invitation?sprache=en")
        self.assertIn("Invitation: {{sitzung}} on {{datum}}", html.unescape(r.text))

    def test_03_bad_placeholder_is_422_and_nothing_stored(self):
        c = self.logged_in(OFFICE_EMAIL, OFFICE_PW)
        c.get("/verwaltung/vorlagen/feedback.received")
        for action in ("", "/vorschau"):
            r = c.post("/verwaltung/vorlagen/feedback.received" + action,
                       {"sprache": "de", "subject": "Danke {{name}}",
                        "body": "Hallo {{foo}},\r\nIhre Nummer {{nummer}}. {{foo}} {{bar}}"})
            self.assertStatus(r, 422, "action %r" % action)
            err = field_error(r, "template-body")
            self.assertTrue(err and err.startswith(UNKNOWN_FOO), err)
            self.assertIn("Unbekannter Platzhalter {{bar}}.", err)
            self.assertEqual(err.count("{{foo}}"), 1, "one message per unknown name")
            self.assertIsNone(field_error(r, "template-subject"))
            self.assertInBody("Es wurde nichts gespeichert.", r)
            # the typed text stays in the form
            self.assertIn("Hallo {{foo}},\nIhre Nummer", html.unescape(r.text))
            self.assertIn('aria-invalid="true"', r.text)
        self.assertEqual(self.templates_rows(), [])
        # JSON names the field
        r = c.post("/verwaltung/vorlagen/feedback.received",
                   {"sprache": "de", "subject": "x", "body": "{{foo}}"},
                   headers={"Accept": "application/json"})
        self.assertStatus(r, 422)
        errors = json.loads(r.text)["form"]["errors"]
        self.assertEqual(errors, [{"field": "body", "message": UNKNOWN_FOO}])
        self.assertEqual(self.templates_rows(), [])

    def test_04_other_refusals(self):
        c = self.logged_in(OFFICE_EMAIL, OFFICE_PW)
        c.get("/verwaltung/vorlagen/feedback.received")
        cases = [
            ({"subject": "", "body": "x"}, "template-subject", "Bitte geben Sie einen Betreff ein."),
            ({"subject": "ä" * 201, "body": "x"}, "template-subject",
             "Der Betreff ist zu lang: höchstens 200 Zeichen."),
            ({"subject": "x", "body": "ü" * 20001}, "template-body",
             "Der Text ist zu lang: höchstens 20.000 Zeichen."),
            ({"subject": "x", "body": "{{{name}}}"}, "template-body",
             "{{{name}}} ist hier nicht erlaubt: Schreiben Sie Platzhalter als {{name}}."),
            ({"subject": "x", "body": "{{#name}}Hallo"}, "template-body",
             "Der Abschnitt {{#name}} ist nicht abgeschlossen: Fügen Sie danach {{/name}} mit seinem Namen ein."),
        ]
        for fields, fid, msg in cases:
            with self.subTest(fields=str(fields)[:60]):
                fields = dict(fields, sprache="de")
                r = c.post("/verwaltung/vorlagen/feedback.received", fields)
                self.assertStatus(r, 422)
                self.assertEqual(field_error(r, fid), msg)
        # exactly 200 and 20,000 characters are fine
        r = c.post("/verwaltung/vorlagen/feedback.received",
                   {"sprache": "de", "subject": "ä" * 200, "body": "ü" * 20000})
        self.assertStatus(r, 303)
        rows = self.templates_rows()
        self.assertEqual(len(rows), 1)
        self.assertEqual(len(rows[0][2]), 200)
        self.assertEqual(len(rows[0][3]), 20000)

    def test_05_preview_stores_nothing(self):
        c = self.logged_in(OFFICE_EMAIL, OFFICE_PW)
        c.get("/verwaltung/vorlagen/feedback.received")
        body = ("Guten Tag{{#name}} {{name}}{{/name}},\r\n\r\nIhre Nummer: {{nummer}}.\r\n\r\n"
                "- Erklärung: {{link}}\r\n- [Impressum](https://bildungsregion.example/impressum)")
        r = c.post("/verwaltung/vorlagen/feedback.received/vorschau",
                   {"sprache": "de", "subject": "Eingang bei {{region}}", "body": body})
        self.assertStatus(r, 200)
        self.assertInBody("Vorschau mit Beispielwerten", r)
        page = html.unescape(r.text)
        self.assertIn('id="preview-subject">Eingang bei Bildungsregion Duisburg<', page)
        m = re.search(r'<pre class="bireg-templates__text" id="preview-text">(.*?)</pre>', r.text, re.S)
        text = html.unescape(m.group(1))
        self.assertTrue(text.startswith("Guten Tag Alex Muster,\n\nIhre Nummer: 17."), text)
        self.assertIn("- Impressum (https://bildungsregion.example/impressum)", text)
        # the sample links point at this installation
        self.assertRegex(text, r"- Erklärung: http://[^/\s]+/barrierefreiheit")
        m = re.search(r'<div class="bireg-templates__html" id="preview-html">(.*?)</div>', r.text, re.S)
        self.assertIn("<li>", m.group(1))
        self.assertIn('<a href="https://bildungsregion.example/impressum">Impressum</a>', m.group(1))
        self.assertEqual(self.templates_rows(), [])
        # the JSON has the whole HTML part
        r = c.post("/verwaltung/vorlagen/feedback.received/vorschau",
                   {"sprache": "en", "subject": "Hi", "body": "Hello {{name}}"},
                   headers={"Accept": "application/json"})
        self.assertStatus(r, 200)
        p = json.loads(r.text)["preview"]
        self.assertEqual(p["text"], "Hello Alex Muster")
        self.assertTrue(p["html"].startswith('<!DOCTYPE html>\n<html lang="en">'), p["html"][:80])
        self.assertEqual(self.templates_rows(), [])

    def test_06_save_reset_and_regions(self):
        c = self.logged_in(OFFICE_EMAIL, OFFICE_PW)
        c.get("/verwaltung/vorlagen/feedback.received")
        r = c.post("/verwaltung/vorlagen/feedback.received",
                   {"sprache": "de", "subject": "Danke{{#name}}, {{name}}{{/name}}!",
                    "body": "Wir haben Ihre Nachricht Nr. {{nummer}} erhalten.\r\n"})
        self.assertRedirect(r, "/verwaltung/vorlagen/feedback.received?sprache=de&gespeichert=1")
        office_id = self.server.query("SELECT id FROM account WHERE email = ?", (OFFICE_EMAIL,))[0][0]
        rows = self.templates_rows()
        self.assertEqual(rows, [("feedback.received", "de", "Danke{{#name}}, {{name}}{{/name}}!",
                                 "Wir haben Ihre Nachricht Nr. {{nummer}} erhalten.\n", "duisburg",
                                 office_id)])
        r = c.get(location_path(r))
        self.assertInBody("Die Vorlage wurde gespeichert.", r)
        self.assertInBody("Angepasst am", r)
        self.assertInBody("Kim Geschäftsstelle", r)
        self.assertInBody("Auf Standard zurücksetzen", r)
        r = c.get("/verwaltung/vorlagen")
        self.assertRegex(main_text(r), r'id="template-feedback.received-de">\s*<span class="bireg-templates__status bireg-templates__status--custom">Angepasst am')
        # the English text and the other region keep their defaults
        r = c.get("/verwaltung/vorlagen/feedback.received?sprache=en")
        self.assertNotIn("Angepasst am", main_text(r))
        w = self.logged_in(WESEL_OFFICE[0], WESEL_OFFICE[2], prefix="/r/wesel")
        r = w.get("/r/wesel/verwaltung/vorlagen/feedback.received")
        self.assertStatus(r, 200)
        self.assertNotIn("Angepasst am", main_text(r))
        self.assertIn("Ihre Rückmeldung zur Barrierefreiheit ist eingegangen", html.unescape(r.text))
        # the other region's office cannot change duisburg's text
        r = w.post("/verwaltung/vorlagen/feedback.received/standard", {"sprache": "de"})
        self.assertStatus(r, 403)
        self.assertEqual(len(self.templates_rows()), 1)
        # back to the default
        r = c.post("/verwaltung/vorlagen/feedback.received/standard", {"sprache": "de"})
        self.assertRedirect(r, "/verwaltung/vorlagen/feedback.received?sprache=de&zurueckgesetzt=1")
        self.assertEqual(self.templates_rows(), [])
        r = c.get(location_path(r))
        self.assertInBody("Die Vorlage wurde zurückgesetzt", r)

    def test_07_admin_may_edit_applicant_may_not(self):
        a = self.logged_in(ADMIN_EMAIL, ADMIN_PW)
        a.get("/verwaltung/vorlagen/meeting.cancelled")
        r = a.post("/verwaltung/vorlagen/meeting.cancelled",
                   {"sprache": "en", "subject": "Cancelled", "body": "{{anrede}},\n\nno meeting."})
        self.assertStatus(r, 303)
        self.assertEqual([(x[0], x[1]) for x in self.templates_rows()], [("meeting.cancelled", "en")])
        p = self.logged_in(APPLICANT_EMAIL, APPLICANT_PW)
        self.assertStatus(p.get("/verwaltung/vorlagen"), 403)
        r = p.post("/verwaltung/vorlagen/meeting.cancelled/standard", {"sprache": "en"})
        self.assertStatus(r, 403)
        self.assertEqual(len(self.templates_rows()), 1)

    def test_08_letter_pdf(self):
        if not shutil.which("pdftotext"):
            self.skipTest("pdftotext (poppler-utils) is not installed")
        c = self.logged_in(OFFICE_EMAIL, OFFICE_PW)
        r = c.get("/verwaltung/vorlagen/letter.generic/vorschau.pdf")
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "application/pdf")
        self.assertTrue(r.body.startswith(b"%PDF-"), r.body[:20])
        text = pdftotext(r.body)
        for words in ("Sehr geehrte Frau Muster,", "Ihre Anfrage vom 12. November 2026",
                      "Mit freundlichen Grüßen", "Alex Muster", "Kim Geschäftsstelle"):
            self.assertIn(words, text)
        # the text in the form, unsaved
        c.get("/verwaltung/vorlagen/letter.generic")
        r = c.post("/verwaltung/vorlagen/letter.generic/vorschau.pdf",
                   {"sprache": "de", "subject": "Betreff: {{betreff}}",
                    "body": "{{anrede}},\n\nwir schreiben Ihnen wegen der Überprüfung.\n\n{{inhalt}}\n\nViele Grüße"})
        self.assertStatus(r, 200)
        text = pdftotext(r.body)
        self.assertIn("Betreff: Ihre Anfrage vom 12. November 2026", text)
        self.assertIn("wir schreiben Ihnen wegen der Überprüfung.", text)
        self.assertIn("Viele Grüße", text)
        self.assertEqual(self.templates_rows(), [])
        r = c.post("/verwaltung/vorlagen/letter.generic/vorschau.pdf",
                   {"sprache": "de", "subject": "x", "body": "{{foo}}"})
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "template-body"), UNKNOWN_FOO)
        # English, and mails have no PDF
        r = c.get("/verwaltung/vorlagen/letter.generic/vorschau.pdf?sprache=en")
        self.assertStatus(r, 200)
        self.assertIn("Dear Ms Muster,", pdftotext(r.body))
        self.assertStatus(c.get("/verwaltung/vorlagen/feedback.received/vorschau.pdf"), 404)

    def test_09_saved_template_is_what_is_sent(self):
        c = self.logged_in(OFFICE_EMAIL, OFFICE_PW)
        c.get("/verwaltung/vorlagen/feedback.received")
        r = c.post("/verwaltung/vorlagen/feedback.received",
                   {"sprache": "de", "subject": "Eingang Nr. {{nummer}}",
                    "body": "Guten Tag{{#name}} {{name}}{{/name}},\n\ndanke! Mehr: {{link}}"})
        self.assertStatus(r, 303)
        anon = Client(self.server)
        anon.fetch_csrf("/barrierefreiheit")
        addr = "leserin.%d@example.org" % time.time_ns()
        r = anon.post("/barrierefreiheit", {"name": "Leila Leserin", "email": addr,
                                            "message": "Der Kontrast ist zu schwach."})
        self.assertStatus(r, 303)
        fid = self.server.query("SELECT id FROM accessibility_feedback WHERE email = ?", (addr,))[0][0]
        mails = outbox(self.server, "feedback.received", addr)
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails[0]["subject"], "Eingang Nr. %d" % fid)
        self.assertTrue(mails[0]["text"].startswith("Guten Tag Leila Leserin,\n\ndanke! Mehr: http"),
                        mails[0]["text"])


def pdftotext(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        p = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True,
                           timeout=60)
        if p.returncode != 0:
            raise AssertionError("pdftotext failed: %s" % p.stderr.decode("utf-8", "replace"))
        return re.sub(r"[ \t]+", " ", p.stdout.decode("utf-8"))


# ---------------------------------------------------------------------------
# Password reset by mail
# ---------------------------------------------------------------------------

USER = ("dana.leitung@bireg.test", "Dana Leitung", "Ahornblatt-Sommerwind-2024!")
USER_EN = ("robin.english@bireg.test", "Robin English", "Maple-Leaf-Summer-Wind-24!")
DISABLED = ("weg@bireg.test", "Nicht Mehr Da", "Lindenblatt-Winterwind-2024!")


class PasswordResetTest(MessagesCase):

    @classmethod
    def prepare_server(cls, srv):
        super().prepare_server(srv)
        add_user(srv, *USER, ("duisburg", "office"))
        add_user(srv, *USER_EN, ("wesel", "office"))
        srv.execute("UPDATE account SET lang = 'en' WHERE email = ?", (USER_EN[0],))
        add_user(srv, *DISABLED)
        srv.bireg("user", "disable", "--email", DISABLED[0], check=True)

    def ask(self, addr, prefix="", client=None):
        c = client or Client(self.server)
        c.fetch_csrf(prefix + "/passwort-vergessen")
        return c.post(prefix + "/passwort-vergessen", {"email": addr})

    def test_01_login_page_links_to_it(self):
        r = self.server.get("/anmelden")
        self.assertIn('<a class="kern-link" href="/passwort-vergessen">Passwort vergessen?</a>', r.text)
        self.assertNotIn("Administration von bireg kann", r.text)
        r = self.server.get("/r/wesel/anmelden")
        self.assertIn('href="/r/wesel/passwort-vergessen"', r.text)
        r = self.server.get("/passwort-vergessen")
        self.assertStatus(r, 200)
        self.assertInBody("Link schicken", r)

    def test_02_no_enumeration(self):
        before = len(outbox(self.server))
        answers = []
        for addr in (USER[0], "niemand-%d@bireg.test" % time.time_ns(), DISABLED[0],
                     USER[0].upper()):
            self.server.execute("DELETE FROM login_throttle")
            c = Client(self.server)
            r = self.ask(addr, client=c)
            self.assertStatus(r, 303, addr)
            self.assertEqual(location_path(r), "/passwort-vergessen?gesendet=1")
            page = c.get(location_path(r))
            self.assertStatus(page, 200)
            self.assertInBody(SAME_ANSWER, page)
            answers.append(re.sub(r'name="csrf" value="[^"]*"', "", main_text(page)))
            # JSON says the same
            j = self.server.post_form("/passwort-vergessen", {"email": addr, "csrf": c.csrf},
                                      headers={"Accept": "application/json",
                                               "Cookie": c.cookie_header()})
            self.assertStatus(j, 202)
            self.assertEqual(json.loads(j.text), {"message": SAME_ANSWER})
        self.assertEqual(len(set(answers)), 1, "the answers differ")
        mails = outbox(self.server)[before:]
        # only the existing, active account got mail (twice as "USER", twice by JSON)
        self.assertEqual({m["to"] for m in mails}, {USER[0]})
        self.assertEqual(len(mails), 4)
        # a newer request replaced the older links: one live link left
        live = self.server.query(
            "SELECT count(*) FROM password_reset p JOIN account a ON a.id = p.account_id "
            "WHERE a.email = ? AND p.used_at IS NULL", (USER[0],))[0][0]
        self.assertEqual(live, 1)
        # the server's log never names the address typed
        self.assertNotIn("niemand-", self.server.log())

    def test_03_reset_end_to_end(self):
        srv = self.server
        office = self.logged_in(USER[0], USER[2])
        other = self.logged_in(USER[0], USER[2])
        r = self.ask(USER[0])
        self.assertStatus(r, 303)
        mails = outbox(srv, "account.password_reset", USER[0])
        mail = mails[-1]
        self.assertEqual(mail["region"], "duisburg")
        self.assertEqual(mail["subject"], "Neues Passwort für Bildungsregion Duisburg")
        self.assertEqual(mail["msg"]["Subject"], "Neues Passwort für Bildungsregion Duisburg")
        self.assertIn(USER[0], mail["msg"]["To"])
        self.assertTrue(mail["text"].startswith("Guten Tag Dana Leitung,"), mail["text"])
        self.assertIn("Der Link gilt bis ", mail["text"])
        path, token = reset_link(mail)
        self.assertTrue(path.startswith("/passwort-neu/"))
        self.assertIn('<a href="http', mail["html"])
        self.assertIn(html.escape(path), mail["html"])
        # only the token's digest is stored
        rows = srv.query("SELECT token_digest, expires_at, created_at FROM password_reset "
                         "WHERE used_at IS NULL")
        self.assertEqual([x[0] for x in rows], [hashlib.sha256(token.encode()).hexdigest()])
        self.assertFalse(srv.query("SELECT count(*) FROM password_reset WHERE token_digest = ?",
                                   (token,))[0][0])
        exp = time.mktime(time.strptime(rows[0][1], "%Y-%m-%dT%H:%M:%SZ"))
        made = time.mktime(time.strptime(rows[0][2], "%Y-%m-%dT%H:%M:%SZ"))
        self.assertEqual(exp - made, 3600)
        self.assertNotIn(token, srv.log(), "the token is in the server's log")

        # the form, then bad passwords in German
        b = Client(srv)
        r = b.get(path)
        self.assertStatus(r, 200)
        self.assertInBody("Neues Passwort festlegen", r)
        self.assertInBody(USER[0], r)
        r = b.post(path, {"new": "kurz", "confirm": "kurz"})
        self.assertStatus(r, 422)
        self.assertTrue(field_error(r, "pwnew-new"), r.describe())
        r = b.post(path, {"new": NEW_PW, "confirm": NEW_PW + "x"})
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "pwnew-confirm"), "Die beiden neuen Passwörter stimmen nicht überein.")
        self.assertTrue(srv.query("SELECT count(*) FROM password_reset WHERE used_at IS NULL")[0][0])

        # the new password
        r = b.post(path, {"new": NEW_PW, "confirm": NEW_PW})
        self.assertRedirect(r, "/anmelden?passwort=neu")
        r = b.get("/anmelden?passwort=neu")
        self.assertInBody("Ihr neues Passwort ist gespeichert", r)
        # every session of the account has ended
        for c in (office, other):
            self.assertStatus(c.get("/konto"), 303)
        self.assertEqual(srv.query("SELECT count(*) FROM session s JOIN account a ON a.id = s.account_id "
                                   "WHERE a.email = ?", (USER[0],))[0][0], 0)
        # old password no more, new one works
        r = Client(srv).login(USER[0], USER[2])
        self.assertStatus(r, 401)
        self.logged_in(USER[0], NEW_PW)
        # the link is used up
        self.assertEqual(srv.query("SELECT count(*) FROM password_reset WHERE used_at IS NOT NULL "
                                   "AND token_digest = ?",
                                   (hashlib.sha256(token.encode()).hexdigest(),))[0][0], 1)
        r = Client(srv).get(path)
        self.assertStatus(r, 410)
        self.assertInBody("Dieser Link gilt nicht mehr", r)
        c = Client(srv)
        c.fetch_csrf("/anmelden")
        r = c.post(path, {"new": NEW_PW + "2", "confirm": NEW_PW + "2"})
        self.assertStatus(r, 410)
        self.logged_in(USER[0], NEW_PW)
        # and a confirmation went out
        conf = outbox(srv, "account.password_changed", USER[0])
        self.assertEqual(len(conf), 1)
        self.assertEqual(conf[0]["subject"], "Ihr Passwort wurde geändert")
        self.assertIn("/anmelden", conf[0]["text"])
        # back to the first password for the other tests
        srv.bireg("user", "passwd", "--email", USER[0], "--password-stdin", input=USER[2] + "\n",
                  check=True)

    def test_04_link_expires(self):
        self.ask(USER[0])
        path, token = reset_link(outbox(self.server, "account.password_reset", USER[0])[-1])
        self.assertStatus(Client(self.server).get(path), 200)
        self.server.execute("UPDATE password_reset SET expires_at = '2020-01-01T00:00:00Z' "
                            "WHERE token_digest = ?", (hashlib.sha256(token.encode()).hexdigest(),))
        c = Client(self.server)
        r = c.get(path)
        self.assertStatus(r, 410)
        self.assertInBody("Neuen Link anfordern", r)
        c.fetch_csrf("/anmelden")
        r = c.post(path, {"new": NEW_PW, "confirm": NEW_PW})
        self.assertStatus(r, 410)
        self.logged_in(USER[0], USER[2])  # unchanged
        # nonsense tokens are the same 410
        for bad in ("x", "a" * 200, "%C3%A4" * 20, "kein-gueltiger-link-0000000000"):
            self.assertStatus(Client(self.server).get("/passwort-neu/" + bad), 410, bad)

    def test_05_newer_link_replaces_older(self):
        self.ask(USER[0])
        old_path, _ = reset_link(outbox(self.server, "account.password_reset", USER[0])[-1])
        self.ask(USER[0])
        new_path, _ = reset_link(outbox(self.server, "account.password_reset", USER[0])[-1])
        self.assertNotEqual(old_path, new_path)
        self.assertStatus(Client(self.server).get(old_path), 410)
        self.assertStatus(Client(self.server).get(new_path), 200)

    def test_06_demo_accounts_and_bad_input(self):
        before = len(outbox(self.server))
        r = self.ask(OFFICE_EMAIL)
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "forgot-email"),
                         "Das Passwort eines Demo-Zugangs kann nicht zurückgesetzt werden. "
                         "Die Demo-Passwörter stehen in der Anleitung dieser Installation.")
        for bad, msg in (("", "Bitte geben Sie Ihre E-Mail-Adresse ein."),
                         ("keine-adresse", "Bitte geben Sie eine gültige E-Mail-Adresse ein, "
                                           "z. B. name@example.org.")):
            r = self.ask(bad)
            self.assertStatus(r, 422)
            self.assertEqual(field_error(r, "forgot-email"), msg)
        self.assertEqual(len(outbox(self.server)), before)
        self.assertFalse(self.server.query(
            "SELECT count(*) FROM password_reset p JOIN account a ON a.id = p.account_id "
            "WHERE a.demo_region_id IS NOT NULL")[0][0])

    def test_07_language_and_region_of_the_mail(self):
        r = self.ask(USER_EN[0], prefix="/r/wesel")
        self.assertEqual(location_path(r), "/r/wesel/passwort-vergessen?gesendet=1")
        mail = outbox(self.server, "account.password_reset", USER_EN[0])[-1]
        self.assertEqual(mail["region"], "wesel")
        self.assertEqual(mail["subject"], "New password for Bildungsregion Kreis Wesel")
        self.assertTrue(mail["text"].startswith("Hello Robin English,"))
        self.assertEqual(mail["msg"]["Content-Language"], "en")
        path, _ = reset_link(mail)
        self.assertTrue(path.startswith("/r/wesel/passwort-neu/"), path)
        self.assertStatus(Client(self.server).get(path), 200)

    def test_08_throttled_like_logins(self):
        srv = self.fresh_server(prepare=lambda s: add_user(s, *USER))
        unknown = "unbekannt@bireg.test"
        for i in range(5):
            self.assertStatus(self.ask(USER[0], client=Client(srv)), 303, "request %d" % (i + 1))
        r = self.ask(USER[0], client=Client(srv))
        self.assertStatus(r, 429)
        self.assertTrue(r.header("Retry-After"))
        self.assertInBody("Zu viele Anfragen.", r)
        # an unknown address gets the same, after as many requests (per client address)
        srv.execute("DELETE FROM login_throttle WHERE key LIKE 'reset-addr:%'")
        for i in range(5):
            self.assertStatus(self.ask(unknown, client=Client(srv)), 303)
        r2 = self.ask(unknown, client=Client(srv))
        self.assertStatus(r2, 429)
        self.assertEqual(len(outbox(srv, "account.password_reset")), 5)



# ---------------------------------------------------------------------------
# The acknowledgement of accessibility feedback
# ---------------------------------------------------------------------------

class FeedbackAcknowledgementTest(MessagesCase):

    def send(self, prefix="", lang=None, **fields):
        c = Client(self.server)
        if lang:
            c.cookies["lang"] = lang
        c.fetch_csrf(prefix + "/barrierefreiheit")
        return c.post(prefix + "/barrierefreiheit", fields)

    def test_01_only_with_an_address(self):
        before = len(outbox(self.server, "feedback.received"))
        r = self.send(message="Ohne Adresse, bitte keine Antwort.")
        self.assertStatus(r, 303)
        self.assertEqual(len(outbox(self.server, "feedback.received")), before)
        addr = "anna.%d@example.org" % time.time_ns()
        r = self.send(name="Anna Beispiel", email=addr, message="Die Tabelle hat keine Überschriften.")
        self.assertStatus(r, 303)
        fid = self.server.query("SELECT id FROM accessibility_feedback WHERE email = ?", (addr,))[0][0]
        mails = outbox(self.server, "feedback.received", addr)
        self.assertEqual(len(mails), 1)
        m = mails[0]
        self.assertEqual(m["to_name"], "Anna Beispiel")
        self.assertEqual(m["subject"], "Ihre Rückmeldung zur Barrierefreiheit ist eingegangen")
        self.assertTrue(m["text"].startswith("Guten Tag Anna Beispiel,"), m["text"])
        self.assertIn("die Nummer %d" % fid, m["text"])
        self.assertRegex(m["text"], r"http://[^/\s]+/barrierefreiheit")
        # the mail does not repeat what was written
        self.assertNotIn("Überschriften", m["text"])
        self.assertNotIn("Überschriften", m["html"])
        self.assertIn('<html lang="de">', m["html"])

    def test_02_english_and_other_region(self):
        addr = "eve.%d@example.org" % time.time_ns()
        r = self.send(prefix="/r/wesel", lang="en", email=addr, message="Contrast too low.")
        self.assertStatus(r, 303)
        m = outbox(self.server, "feedback.received", addr)[0]
        self.assertEqual(m["region"], "wesel")
        self.assertEqual(m["subject"], "Your feedback on accessibility has arrived")
        self.assertTrue(m["text"].startswith("Hello,"), m["text"])
        self.assertIn("Bildungsregion Kreis Wesel", m["text"])

    def test_03_bad_address_changes_nothing(self):
        rows = self.server.query("SELECT count(*) FROM accessibility_feedback")[0][0]
        mails = len(outbox(self.server))
        r = self.send(email="ä@example.org", message="x")
        self.assertStatus(r, 422)
        self.assertEqual(self.server.query("SELECT count(*) FROM accessibility_feedback")[0][0], rows)
        self.assertEqual(len(outbox(self.server)), mails)

    def test_04_not_a_mail_cannon(self):
        addr = "ziel.%d@example.org" % time.time_ns()
        for i in range(8):
            self.assertStatus(self.send(email=addr, message="Nachricht %d" % i), 303)
        self.assertEqual(self.server.query("SELECT count(*) FROM accessibility_feedback "
                                           "WHERE email = ?", (addr,))[0][0], 8)
        sent = len(outbox(self.server, "feedback.received", addr))
        self.assertGreaterEqual(sent, 4)
        self.assertLess(sent, 8)

    def test_05_feedback_and_mail_commit_together(self):
        # a write lock held elsewhere: neither the feedback nor its mail is stored
        rows = self.server.query("SELECT count(*) FROM accessibility_feedback")[0][0]
        mails = len(outbox(self.server))
        c = Client(self.server)
        c.fetch_csrf("/barrierefreiheit")
        with self.server.hold_write_lock():
            r = c.post("/barrierefreiheit", {"email": "lock@example.org", "message": "gesperrt"})
        self.assertStatus(r, 503)
        self.assertEqual(self.server.query("SELECT count(*) FROM accessibility_feedback")[0][0], rows)
        self.assertEqual(len(outbox(self.server)), mails)


# ---------------------------------------------------------------------------
# Through a real SMTP server (tools/smtp-sink), when the run has one
# ---------------------------------------------------------------------------

class SmtpDeliveryTest(MessagesCase):
    """The reset mail as the SMTP test server (tools/smtp-sink) received it: the one
    tests/run-all started, or one the harness starts for this process."""

    smtp = True

    @classmethod
    def prepare_server(cls, srv):
        super().prepare_server(srv)
        cls.addr = "smtp.%d@bireg.test" % time.time_ns()
        add_user(srv, cls.addr, "Sam Smtp", "Kiefernwald-Mondlicht-2024!", ("duisburg", "office"))

    def received(self, to):
        return [m for m in harness.SmtpSink.shared().messages()
                if to in (m.msg["To"] or "") or to in m.envelope.get("rcpt_tos", [])]

    def test_01_reset_mail_arrives(self):
        c = Client(self.server)
        c.fetch_csrf("/passwort-vergessen")
        self.assertStatus(c.post("/passwort-vergessen", {"email": self.addr}), 303)
        got = harness.wait_for(lambda: self.received(self.addr), timeout=20)
        self.assertTrue(got, "no mail arrived at the SMTP server\n%s" % self.server.log()[-3000:])
        self.assertEqual(len(got), 1)
        mail = got[0]
        msg = mail.msg
        self.assertEqual(mail.envelope["rcpt_tos"], [self.addr])
        self.assertEqual(str(msg["Subject"]), "Neues Passwort für Bildungsregion Duisburg")
        self.assertIn("=?", mail.raw.split(b"\r\n\r\n", 1)[0].decode("ascii"),
                      "the subject with its umlaut is not RFC 2047 encoded")
        self.assertTrue(mail.message_id)
        self.assertEqual(msg["Content-Language"], "de")
        self.assertEqual(msg.get_content_type(), "multipart/alternative")
        text, htm = parts(msg)
        self.assertTrue(text.startswith("Guten Tag Sam Smtp,"), text)
        self.assertIn('<html lang="de">', htm)
        path, _ = reset_link({"text": text})
        self.assertStatus(Client(self.server).get(path), 200)
        self.assertTrue(harness.wait_for(lambda: self.server.query(
            "SELECT status FROM mail_outbox WHERE to_addr = ?", (self.addr,)) == [("sent",)],
            timeout=10))


if __name__ == "__main__":
    sys.exit(harness.main("messages"))
