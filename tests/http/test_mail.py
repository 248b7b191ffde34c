#!/usr/bin/env python3
"""test_mail.py — mail from bireg to a real SMTP server, and the office's outbox.

The server under test delivers to the SMTP test server (tools/smtp-sink, Debian's
python3-aiosmtpd on loopback; tests/run-all starts one per run, a test run alone
starts its own). What arrived is parsed with Python's email package, a parser
independent of the GMime that composed it: headers (From, To, Subject decoded with
umlauts, Message-ID, Date, Reply-To, List-Unsubscribe), both parts, attachment bytes.
The sink's modes drive the faults: 451 (the mail stays queued with the answer shown
on the office's page, then arrives exactly once), 550 (failed with the answer, sent
again by the office), a connection dropped mid-message (retried), and the server
down while five mails are queued (each arrives exactly once after it is back).
Without SMTP, mail goes into the development folder, which the admin page lists.

Mails are queued through the test-only route POST /_test/mail (BIREG_TEST_ROUTES=1).
A retry waits for the job queue's backoff (30 s and more); the tests move the job's
run_at to the past instead of waiting.

Run:  python3 tests/http/test_mail.py     (BIREG_BIN=build-x/bireg to pick a build)
The last line of the output is `mail: N passed, N failed, N skipped`.
"""

import base64
import email.utils
import json
import os
import re
import sys
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DEMO_ACCOUNTS, Client, SmtpSink, location_path, wait_for  # noqa: E402

ADMIN_EMAIL, ADMIN_PW = DEMO_ACCOUNTS["admin"]
OFFICE_EMAIL, OFFICE_PW = DEMO_ACCOUNTS["office"]
FROM = "geschaeftsstelle@bildungsregion-duisburg.example"
BASE_URL = "https://bildungsregion-duisburg.example"
OFFICE_NAME = "Geschäftsstelle der Bildungsregion Duisburg (Demo)"
OFFICE_MAILBOX = "bildungsregion@example.org"
GERMAN_DATETIME_RE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}, \d{1,2}:\d{2} Uhr")

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 3 + b"\r\n.\r\n..\n%%EOF\n"
ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bireg//test//DE\r\nMETHOD:REQUEST\r\n"
       "BEGIN:VEVENT\r\nUID:sitzung-1@bildungsregion-duisburg.example\r\nDTSTAMP:20261126T133000Z\r\n"
       "DTSTART:20261203T150000Z\r\nSUMMARY:Lenkungskreis – Prüfung\r\nEND:VEVENT\r\n"
       "END:VCALENDAR\r\n").encode("utf-8")


def outbox_row(srv, mail_id):
    rows = srv.query("SELECT status, attempts, last_response, job_id, message_id, sent_at, "
                     "last_attempt_at FROM mail_outbox WHERE id = ?", (mail_id,))
    if not rows:
        return None
    return dict(zip(("status", "attempts", "last_response", "job_id", "message_id", "sent_at",
                     "last_attempt_at"), rows[0]))


def wait_row(srv, mail_id, pred, what, timeout=20.0):
    row = wait_for(lambda: (lambda r: r if r and pred(r) else None)(outbox_row(srv, mail_id)),
                   timeout=timeout, interval=0.05)
    if not row:
        raise AssertionError("outbox entry %s: %s not reached within %.0f s: %r"
                             % (mail_id, what, timeout, outbox_row(srv, mail_id)))
    return row


def job_state(srv, job_id):
    return srv.query("SELECT state FROM job WHERE id = ?", (job_id,))[0][0]


def make_due(srv, job_id):
    """The job's next attempt now instead of after its backoff."""
    srv.execute("UPDATE job SET run_at = ? WHERE id = ? AND state = 'queued'",
                ("2000-01-01T00:00:00Z", job_id))


def with_id(msgs, message_id):
    return [m for m in msgs if m.message_id == "<%s>" % message_id]


class MailCase(harness.ServerTestCase):
    server_env = {"BIREG_MAIL_FROM": FROM, "BIREG_BASE_URL": BASE_URL, "BIREG_JOB_POLL_MS": "100"}

    @classmethod
    def setUpClass(cls):
        cls.sink = SmtpSink.shared()
        cls.sink.resume()
        cls.sink.set_mode("accept")
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.sink.resume()
        self.sink.set_mode("accept")

    def tearDown(self):
        self.sink.resume()
        self.sink.set_mode("accept")
        super().tearDown()

    def queue(self, fields, status=201, srv=None):
        """POST /_test/mail; returns the JSON answer."""
        srv = srv or self.server
        c = Client(srv)
        c.fetch_csrf("/anmelden")
        r = c.post("/_test/mail", fields, headers={"Accept": "application/json"})
        self.assertStatus(r, status)
        return json.loads(r.text)

    def queue_simple(self, to, subject, **more):
        fields = {"to": to, "to_name": "Jürgen Müller", "subject": subject,
                  "text": "Guten Tag,\nein Test mit Umlauten: äöüß.\n"}
        fields.update(more)
        return self.queue(fields)

    def office(self, srv=None, who="office"):
        c = Client(srv or self.server)
        email_, pw = DEMO_ACCOUNTS[who]
        self.assertRedirect(c.login(email_, pw), "/konto")
        return c

    def outbox_row_html(self, client, mail_id, path="/verwaltung/postausgang"):
        r = client.get(path)
        self.assertStatus(r, 200)
        m = re.search(r'<tr class="kern-table__row" id="mail-%d">(.*?)</tr>' % mail_id, r.text, re.S)
        self.assertTrue(m, "no row for mail %d on %s:\n%s" % (mail_id, path, r.describe(6000)))
        return m.group(1)


class SmtpDeliveryTest(MailCase):
    smtp = True

    def test_01_arrives_complete(self):
        srv = self.server
        subject = "Einladung: Prüfung der Maßnahmen – Sitzung am 3. Dezember"
        text = "Guten Tag Herr Müller,\n\nanbei die Unterlagen.\n.\nEine Zeile mit Punkt.\n"
        html = "<p>Guten Tag Herr Müller,</p><p>anbei die <b>Unterlagen</b>.</p>"
        fields = [("to", "juergen.mueller@example.org"), ("to_name", "Jürgen Müller, Dr."),
                  ("subject", subject), ("text", text), ("html", html),
                  ("list_unsubscribe", BASE_URL + "/abmelden/abc123"),
                  ("attachment_name", "Bericht März 2026 – Übersicht.pdf"),
                  ("attachment_type", "application/pdf"),
                  ("attachment_data", base64.b64encode(PDF).decode()),
                  ("attachment_name", "Einladung Lenkungskreis.ics"),
                  ("attachment_type", "text/calendar; method=REQUEST"),
                  ("attachment_data", base64.b64encode(ICS).decode())]
        before = time.time()
        q = self.queue(fields)
        self.assertTrue(q["message_id"].endswith("@bildungsregion-duisburg.example"), q)
        msgs = self.sink.wait_for(lambda ms: with_id(ms, q["message_id"]))
        got = with_id(msgs, q["message_id"])
        self.assertEqual(len(got), 1, "the mail did not arrive exactly once: %r" % msgs)
        mail = got[0]
        msg = mail.msg

        # The envelope.
        self.assertEqual(mail.envelope["mail_from"], FROM)
        self.assertEqual(mail.envelope["rcpt_tos"], ["juergen.mueller@example.org"])
        # Headers, decoded by Python's parser.
        self.assertEqual(msg["From"].addresses[0].display_name, OFFICE_NAME)
        self.assertEqual(msg["From"].addresses[0].addr_spec, FROM)
        self.assertEqual(msg["To"].addresses[0].display_name, "Jürgen Müller, Dr.")
        self.assertEqual(msg["To"].addresses[0].addr_spec, "juergen.mueller@example.org")
        self.assertEqual(str(msg["Subject"]), subject)
        self.assertEqual(msg["Reply-To"].addresses[0].addr_spec, OFFICE_MAILBOX)
        self.assertEqual(msg["Message-ID"], "<%s>" % q["message_id"])
        sent = email.utils.parsedate_to_datetime(str(msg["Date"]))
        self.assertLess(abs(sent.timestamp() - before), 120, msg["Date"])
        self.assertRegex(str(msg["Date"]), r"[+]0[12]00$")  # Europe/Berlin
        self.assertEqual(msg["List-Unsubscribe"], "<%s/abmelden/abc123>" % BASE_URL)
        self.assertEqual(msg["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        self.assertEqual(msg["Auto-Submitted"], "auto-generated")
        self.assertEqual(msg["Content-Language"], "de")
        self.assertEqual(msg["MIME-Version"], "1.0")
        # The raw message: ASCII only (everything encoded), CRLF line ends.
        self.assertTrue(all(b < 0x80 for b in mail.raw), "an unencoded byte in the message")
        self.assertNotIn(b"\n", mail.raw.replace(b"\r\n", b""), "a bare LF in the message")
        self.assertRegex(mail.raw, rb"\r\nSubject: Einladung: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= Sitzung\r\n am 3\. Dezember\r\n")
        # Structure: mixed(alternative(plain, html), pdf, ics).
        self.assertEqual(msg.get_content_type(), "multipart/mixed")
        # (Parsed parts keep the CRLF line ends of the wire.)
        self.assertEqual(msg.get_body(("plain",)).get_content().replace("\r\n", "\n"), text)
        self.assertEqual(msg.get_body(("html",)).get_content().replace("\r\n", "\n"), html)
        alt = list(msg.iter_parts())[0]
        self.assertEqual(alt.get_content_type(), "multipart/alternative")
        atts = list(msg.iter_attachments())
        self.assertEqual([a.get_filename() for a in atts],
                         ["Bericht März 2026 – Übersicht.pdf", "Einladung Lenkungskreis.ics"])
        self.assertEqual(atts[0].get_content_type(), "application/pdf")
        self.assertEqual(atts[0].get_content(), PDF)
        self.assertEqual(atts[1].get_content_type(), "text/calendar")
        self.assertEqual(atts[1].get_param("method"), "REQUEST")
        self.assertEqual(atts[1].get_payload(decode=True), ICS)
        self.assertIsNone(msg.defects or None, msg.defects)

        # The outbox: sent, with the server's answer, exactly these bytes stored.
        row = wait_row(srv, q["id"], lambda r: r["status"] == "sent", "sent")
        self.assertTrue(row["last_response"].startswith("250 2.0.0 Ok: queued as"), row)
        self.assertEqual(row["attempts"], 1)
        self.assertTrue(row["sent_at"])
        # The office's page, in German.
        c = self.office()
        html_row = self.outbox_row_html(c, q["id"])
        self.assertIn("Gesendet", html_row)
        self.assertIn("Test-E-Mail", html_row)
        self.assertIn("Jürgen Müller, Dr. &lt;juergen.mueller@example.org&gt;", html_row)
        self.assertIn("250 2.0.0 Ok: queued as", html_row)
        self.assertRegex(html_row, GERMAN_DATETIME_RE)
        self.assertIn("Einladung: Prüfung der Maßnahmen", html_row)
        self.assertNotIn("Erneut senden", html_row)
        # The detail view: headers and text, attachments only by name.
        r = c.get("/verwaltung/postausgang/%d" % q["id"])
        self.assertStatus(r, 200)
        self.assertInBody("Kopfzeilen", r)
        self.assertInBody("Jürgen Müller, Dr.", r)
        self.assertInBody("Guten Tag Herr Müller,", r)
        self.assertInBody("Bericht März 2026 – Übersicht.pdf", r)
        self.assertInBody("application/pdf", r)
        self.assertInBody("List-Unsubscribe", r)
        self.assertInBody("&lt;%s&gt;" % q["message_id"], r)
        self.assertNotInBody("BEGIN:VCALENDAR", r)
        self.assertNotInBody("Unterlagen</b>", r)
        # JSON of the same views.
        r = c.get("/verwaltung/postausgang/%d" % q["id"], headers={"Accept": "application/json"})
        self.assertStatus(r, 200)
        j = json.loads(r.text)
        self.assertEqual(j["mail"]["status"], "sent")
        self.assertEqual(j["message"]["subject"], subject)
        self.assertEqual([a["filename"] for a in j["message"]["attachments"]],
                         ["Bericht März 2026 – Übersicht.pdf", "Einladung Lenkungskreis.ics"])
        self.assertEqual(j["message"]["attachments"][0]["size"], len(PDF))
        self.assertNotIn("PDF-1.4", r.text)
        r = c.get("/verwaltung/postausgang?status=sent", headers={"Accept": "application/json"})
        j = json.loads(r.text)
        self.assertIn(q["id"], [m["id"] for m in j["mails"]])
        self.assertTrue(all(m["status"] == "sent" for m in j["mails"]))
        self.assertFalse(j["dev_mode"])

    def test_02_plain_mail_without_extras(self):
        q = self.queue_simple("anna@example.org", "Ohne Extras", person="1", lang="en")
        got = with_id(self.sink.wait_for(lambda ms: with_id(ms, q["message_id"])), q["message_id"])
        self.assertEqual(len(got), 1)
        msg = got[0].msg
        self.assertIsNone(msg["List-Unsubscribe"])
        self.assertIsNone(msg["List-Unsubscribe-Post"])
        self.assertIsNone(msg["Auto-Submitted"])  # a person wrote it
        self.assertEqual(msg["Content-Language"], "en")
        self.assertEqual(msg.get_content_type(), "text/plain")
        self.assertEqual(msg.get_content_charset(), "utf-8")
        # (A single-part message's content keeps the CRLF of the wire.)
        self.assertEqual(msg.get_content().replace("\r\n", "\n"),
                         "Guten Tag,\nein Test mit Umlauten: äöüß.\n")
        self.assertEqual(msg["To"].addresses[0].display_name, "Jürgen Müller")

    def test_03_tempfail_stays_queued_then_arrives_once(self):
        srv = self.server
        self.sink.set_mode("tempfail")
        q = self.queue_simple("greylisted@example.org", "Erst abgewiesen, dann zugestellt")
        row = wait_row(srv, q["id"], lambda r: r["attempts"] >= 1, "a first attempt")
        self.assertEqual(row["status"], "queued")
        self.assertEqual(row["last_response"], "451 4.7.1 Try again later")
        self.assertEqual(job_state(srv, row["job_id"]), "queued")
        self.assertEqual(with_id(self.sink.messages(), q["message_id"]), [])
        # The job's error names no recipient (it is logged and shown to admins).
        last_error = srv.query("SELECT last_error FROM job WHERE id = ?", (row["job_id"],))[0][0]
        self.assertIn("451", last_error)
        self.assertNotIn("greylisted@", last_error)
        # The office sees it waiting, with the server's reason.
        c = self.office()
        html_row = self.outbox_row_html(c, q["id"])
        self.assertIn("Wartet auf Versand", html_row)
        self.assertIn("451 4.7.1 Try again later", html_row)
        self.assertNotIn("Erneut senden", html_row)
        r = c.get("/verwaltung/postausgang?status=queued", headers={"Accept": "application/json"})
        mails = {m["id"]: m for m in json.loads(r.text)["mails"]}
        self.assertEqual(mails[q["id"]]["last_response"], "451 4.7.1 Try again later")
        self.assertEqual(mails[q["id"]]["status_label"], "Wartet auf Versand")

        # The server takes mail again: the next attempt delivers it, once.
        self.sink.set_mode("accept")
        make_due(srv, row["job_id"])
        row = wait_row(srv, q["id"], lambda r: r["status"] == "sent", "sent")
        self.assertEqual(row["attempts"], 2)
        self.assertTrue(row["last_response"].startswith("250 "), row)
        time.sleep(1.0)
        self.assertEqual(len(with_id(self.sink.messages(), q["message_id"])), 1)
        self.assertEqual(job_state(srv, row["job_id"]), "done")

    def test_04_permfail_is_shown_and_can_be_sent_again(self):
        srv = self.server
        self.sink.set_mode("permfail")
        q = self.queue_simple("unknown.person@example.org", "Unbekannte Adresse")
        row = wait_row(srv, q["id"], lambda r: r["status"] == "failed", "failed")
        self.assertEqual(row["attempts"], 1)
        self.assertTrue(row["last_response"].startswith("550 5.1.1 <unknown.person@example.org>"),
                        row)
        self.assertEqual(job_state(srv, row["job_id"]), "failed")
        self.assertEqual(with_id(self.sink.messages(), q["message_id"]), [])
        c = self.office()
        html_row = self.outbox_row_html(c, q["id"], "/verwaltung/postausgang?status=failed")
        self.assertIn("Nicht zugestellt", html_row)
        self.assertIn("550 5.1.1 &lt;unknown.person@example.org&gt;: Recipient address rejected",
                      html_row)
        self.assertIn("Erneut senden", html_row)
        r = c.get("/verwaltung/postausgang/%d" % q["id"])
        self.assertInBody("550 5.1.1", r)
        self.assertInBody("Erneut senden", r)

        # The address is right after all: send again (the same message).
        self.sink.set_mode("accept")
        c.get("/verwaltung/postausgang?status=failed")
        r = c.post("/verwaltung/postausgang/%d/erneut" % q["id"],
                   {"status": "failed", "zurueck": "liste"})
        self.assertRedirect(r, "/verwaltung/postausgang?hinweis=erneut&status=failed")
        r = c.get(location_path(r))
        self.assertInBody("Die E-Mail steht wieder im Postausgang und wird gleich gesendet.", r)
        row = wait_row(srv, q["id"], lambda r: r["status"] == "sent", "sent after resending")
        self.assertEqual(row["attempts"], 2)
        got = with_id(self.sink.wait_for(lambda ms: with_id(ms, q["message_id"])), q["message_id"])
        self.assertEqual(len(got), 1)
        # Sending a sent mail again changes nothing.
        c.get("/verwaltung/postausgang")
        r = c.post("/verwaltung/postausgang/%d/erneut" % q["id"], {"zurueck": "detail"})
        self.assertRedirect(r, "/verwaltung/postausgang/%d?hinweis=veraltet" % q["id"])
        r = c.post("/verwaltung/postausgang/%d/erneut" % q["id"], {},
                   headers={"Accept": "application/json"})
        self.assertStatus(r, 409)
        self.assertEqual(json.loads(r.text)["error"]["field"], "id")
        time.sleep(0.5)
        self.assertEqual(len(with_id(self.sink.messages(), q["message_id"])), 1)

    def test_05_refused_after_the_data(self):
        srv = self.server
        self.sink.set_mode("permfail-data")
        q = self.queue_simple("anna@example.org", "Inhalt abgelehnt")
        row = wait_row(srv, q["id"], lambda r: r["status"] == "failed", "failed")
        self.assertEqual(row["last_response"], "554 5.7.1 Message refused by policy")
        self.assertEqual(with_id(self.sink.messages(), q["message_id"]), [])

    def test_06_connection_dropped_mid_message_is_retried(self):
        srv = self.server
        self.sink.set_mode("drop")
        q = self.queue_simple("anna@example.org", "Verbindung abgebrochen")
        row = wait_row(srv, q["id"], lambda r: r["attempts"] >= 1, "a first attempt")
        self.assertEqual(row["status"], "queued")
        self.assertTrue(row["last_response"], row)
        self.assertEqual(with_id(self.sink.messages(), q["message_id"]), [])
        self.sink.set_mode("accept")
        make_due(srv, row["job_id"])
        row = wait_row(srv, q["id"], lambda r: r["status"] == "sent", "sent")
        time.sleep(0.5)
        self.assertEqual(len(with_id(self.sink.messages(), q["message_id"])), 1)

    def test_07_server_down_then_back_every_mail_exactly_once(self):
        srv = self.server
        self.sink.pause()
        queued = [self.queue_simple("person%d@example.org" % i, "Während der Pause %d" % i)
                  for i in range(5)]
        ids = {q["id"] for q in queued}
        rows = {}
        for q in queued:
            rows[q["id"]] = wait_row(srv, q["id"], lambda r: r["attempts"] >= 1, "a first attempt")
            self.assertEqual(rows[q["id"]]["status"], "queued")
            self.assertIn("onnect", rows[q["id"]]["last_response"])
        self.sink.resume()
        for r in rows.values():
            make_due(srv, r["job_id"])
        for i in ids:
            wait_row(srv, i, lambda r: r["status"] == "sent", "sent after the server is back")
        time.sleep(1.0)
        msgs = self.sink.messages()
        for q in queued:
            self.assertEqual(len(with_id(msgs, q["message_id"])), 1,
                             "%s arrived %d times" % (q["message_id"],
                                                      len(with_id(msgs, q["message_id"]))))
        mids = [q["message_id"] for q in queued]
        self.assertEqual(len(set(mids)), 5, "Message-IDs are not unique")

    def test_08_header_injection_refused(self):
        srv = self.server
        before = srv.query("SELECT count(*) FROM mail_outbox")[0][0]
        for field, value, name in (
                ("subject", "Betreff\r\nBcc: opfer@evil.example", "subject"),
                ("to_name", "Anna\nBcc: opfer@evil.example", "to_name"),
                ("to", "anna@example.org\r\nBcc: opfer@evil.example", "to"),
                ("list_unsubscribe", "https://x.example/\r\nBcc: x@evil.example", "list_unsubscribe")):
            with self.subTest(field=field):
                fields = {"to": "anna@example.org", "subject": "Betreff", "text": "Text"}
                fields[field] = value
                j = self.queue(fields, status=400)
                self.assertEqual(j["error"]["field"], name)
        self.assertEqual(srv.query("SELECT count(*) FROM mail_outbox")[0][0], before)


class DevFolderTest(MailCase):
    """No SMTP: mail goes into the development folder, which the admin page shows."""

    def test_01_written_listed_and_shown(self):
        srv = self.server
        before = time.time()
        fields = [("to", "anna@example.org"), ("to_name", "Anna Müller"),
                  ("subject", "Probe für den Entwicklungsordner – Übersicht"),
                  ("text", "Guten Tag,\nso sähe die E-Mail aus.\n"), ("html", "<p>HTML</p>"),
                  ("attachment_name", "Übersicht.pdf"), ("attachment_type", "application/pdf"),
                  ("attachment_data", base64.b64encode(PDF).decode())]
        q = self.queue(fields)
        row = wait_row(srv, q["id"], lambda r: r["status"] == "sent", "sent")
        self.assertEqual(row["last_response"], "in den Entwicklungsordner geschrieben")
        folder = os.path.join(srv.dir, "mail", "duisburg")
        name = "%08d-%s.eml" % (q["id"], q["message_id"])
        path = os.path.join(folder, name)
        self.assertTrue(os.path.exists(path), os.listdir(folder))
        self.assertEqual([n for n in os.listdir(folder) if not n.endswith(".eml")], [],
                         "temporary files left behind")
        with open(path, "rb") as f:
            raw = f.read()
        stored = srv.query("SELECT mime FROM mail_outbox WHERE id = ?", (q["id"],))[0][0]
        if isinstance(stored, str):  # PostgreSQL through psql: bytea as \x hex
            stored = bytes.fromhex(stored[2:])
        self.assertEqual(raw, stored, "the file is not the stored message")
        msg = harness.ReceivedMail(name, raw, {}).msg
        self.assertEqual(str(msg["Subject"]), "Probe für den Entwicklungsordner – Übersicht")
        self.assertEqual([a.get_filename() for a in msg.iter_attachments()], ["Übersicht.pdf"])
        self.assertEqual(list(msg.iter_attachments())[0].get_content(), PDF)
        self.assertLess(abs(email.utils.parsedate_to_datetime(str(msg["Date"])).timestamp() - before), 120)

        # The admin: a notice with a link, the folder's list, one message.
        c = self.office(who="admin")
        r = c.get("/verwaltung/postausgang")
        self.assertStatus(r, 200)
        self.assertInBody("Es ist kein Mailserver eingerichtet", r)
        self.assertInBody('href="/verwaltung/postausgang/entwicklungsordner"', r)
        self.assertIn("in den Entwicklungsordner geschrieben", self.outbox_row_html(c, q["id"]))
        r = c.get("/verwaltung/postausgang/entwicklungsordner")
        self.assertStatus(r, 200)
        self.assertInBody("Entwicklungsordner", r)
        self.assertInBody(name, r)
        self.assertInBody("Probe für den Entwicklungsordner – Übersicht", r)
        self.assertInBody(os.path.join(srv.dir, "mail", "duisburg"), r)
        r = c.get("/verwaltung/postausgang/entwicklungsordner/" + name)
        self.assertStatus(r, 200)
        self.assertInBody("so sähe die E-Mail aus.", r)
        self.assertInBody("Übersicht.pdf", r)
        self.assertInBody("Anna Müller &lt;anna@example.org&gt;", r)
        self.assertInBody("Die E-Mail hat außerdem eine HTML-Fassung", r)
        self.assertNotInBody("PDF-1.4", r)
        r = c.get("/verwaltung/postausgang/entwicklungsordner",
                  headers={"Accept": "application/json"})
        j = json.loads(r.text)
        self.assertIn(name, [f["name"] for f in j["files"]])
        self.assertTrue(j["dev_mode"])
        r = c.get("/verwaltung/postausgang/entwicklungsordner/" + name,
                  headers={"Accept": "application/json"})
        j = json.loads(r.text)
        self.assertEqual(j["message"]["text"], "Guten Tag,\nso sähe die E-Mail aus.\n")
        # Names that are not ours are not found, never opened.
        for bad in ("x.eml", "..%2F..%2Fbireg.db", "00000001-abc@x.txt",
                    "%s.orig" % name):
            with self.subTest(name=bad):
                self.assertStatus(c.get("/verwaltung/postausgang/entwicklungsordner/" + bad), 404)

        # The office: the notice, but the folder is the admin's.
        o = self.office()
        r = o.get("/verwaltung/postausgang")
        self.assertInBody("Es ist kein Mailserver eingerichtet", r)
        self.assertNotInBody('href="/verwaltung/postausgang/entwicklungsordner"', r)
        self.assertStatus(o.get("/verwaltung/postausgang/entwicklungsordner"), 403)
        # The navigation links the outbox for the office.
        self.assertInBody('href="/verwaltung/postausgang"', r)

    def test_02_list_filter_and_unknowns(self):
        c = self.office()
        r = c.get("/verwaltung/postausgang?status=bogus")
        self.assertStatus(r, 400)
        self.assertStatus(c.get("/verwaltung/postausgang/999999"), 404)
        self.assertStatus(c.get("/verwaltung/postausgang/abc"), 404)
        r = c.get("/verwaltung/postausgang?status=failed")
        self.assertStatus(r, 200)
        self.assertInBody("Es gibt keine E-Mails mit diesem Status.", r)
        # Resending needs the CSRF token.
        r = c.post("/verwaltung/postausgang/1/erneut", {}, csrf=False)
        self.assertStatus(r, 403)

    def test_04_delivered_by_jobs_run_once(self):
        # jobs.workers = 0: the server queues, `bireg jobs run-once` (cron) delivers.
        srv = self.fresh_server(env={"BIREG_JOB_WORKERS": "0"})
        q = self.queue({"to": "anna@example.org", "subject": "Per cron", "text": "Text"}, srv=srv)
        time.sleep(0.5)
        self.assertEqual(outbox_row(srv, q["id"])["status"], "queued")
        r = srv.bireg("jobs", "run-once")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        row = outbox_row(srv, q["id"])
        self.assertEqual(row["status"], "sent", r.stderr)
        self.assertEqual(row["last_response"], "in den Entwicklungsordner geschrieben")
        self.assertTrue(os.path.exists(os.path.join(
            srv.dir, "mail", "duisburg", "%08d-%s.eml" % (q["id"], q["message_id"]))))
        # `bireg jobs list` names the kind.
        r = srv.bireg("jobs", "list")
        self.assertIn("mail.deliver", r.stdout)

    def test_03_anonymous_and_applicant_kept_out(self):
        r = self.server.get("/verwaltung/postausgang")
        self.assertStatus(r, 303)
        self.assertTrue(location_path(r).startswith("/anmelden"))
        a = self.office(who="applicant")
        self.assertStatus(a.get("/verwaltung/postausgang"), 403)
        self.assertNotInBody('href="/verwaltung/postausgang"', a.get("/konto"))


if __name__ == "__main__":
    sys.exit(harness.main("mail"))
