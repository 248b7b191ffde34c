#!/usr/bin/env python3
"""test_ical.py — calendar entries (src/out/ical.c) read by an independent parser:
python3-icalendar (Debian's package) parses what the test-only route
GET /_test/ical/{request|cancel|publish} serves (BIREG_TEST_ROUTES=1): fixed sample
events of the region in German, the organizer being the region's office e-mail, the
links built from server.base_url.

Checked: the media type with its method, METHOD, one VTIMEZONE with the TZID exactly
"Europe/Berlin", DTSTART/DTEND as local times with that TZID on both DST days of 2026,
UIDs stable across requests, SEQUENCE (raised by the cancellation), ORGANIZER with the
office's name, ATTENDEE with RSVP=FALSE, URL in every event (and in its description),
the umlaut texts as they were, lines of at most 75 octets that are valid UTF-8 each.

An invitation by mail: POST /_test/ical/invite queues a mail (text, HTML, the .ics as
attachment text/calendar; method=REQUEST) through the outbox to a real SMTP server
(tools/smtp-sink: the run's, from BIREG_TEST_SMTP_URL/_DIR, or one started here); the
message as received is read with Python's email package and its .ics with icalendar.

Run:  python3 tests/http/test_ical.py     (BIREG_BIN=build-x/bireg to pick a build)

python3-icalendar is a Debian package: when the python3 running this lacks it (a
python3 of its own on PATH), the test runs itself again with /usr/bin/python3.

The last line of the output is `ical: N passed, N failed, N skipped`.
"""

import os
import sys

try:
    import icalendar
except ImportError:  # pragma: no cover - depends on the machine
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != \
            os.path.realpath("/usr/bin/python3") and not os.environ.get("BIREG_ICAL_REEXEC"):
        os.environ["BIREG_ICAL_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

import email  # noqa: E402
import email.policy  # noqa: E402
import glob  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import unittest  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Client, add_region_wesel  # noqa: E402

BASE_URL = "https://bireg.example/"
HOST = "bireg.example"
WESEL_EMAIL = "buero@wesel.example"
WESEL_OFFICE = "Büro der Bildungsregion Kreis Wesel; Moers, Außenstelle"

SUMMARY1 = "Sitzung des Lenkungskreises „Übergänge gestalten“"
LOCATION1 = "Rathaus, Großer Sitzungssaal; Burgplatz 19, 47051 Duisburg"
DESCRIPTION1 = ("Tagesordnung:\n"
                "1. Begrüßung durch die Geschäftsstelle\n"
                "2. Berichte aus den Arbeitsgruppen (Übergang Kita–Grundschule; Schule–Beruf)\n"
                "3. Haushalt, Förderanträge und Verschiedenes\n"
                "Bitte bringen Sie die Unterlagen der letzten Sitzung mit. Für Rückfragen "
                "erreichen Sie uns werktags zwischen 9 und 15 Uhr.")
# (summary, local start, local end, UTC offset in hours) of the three samples
SAMPLES = [
    (SUMMARY1, datetime(2026, 3, 29, 10, 0), datetime(2026, 3, 29, 12, 0), 2),
    ("Arbeitsgruppe Schülerinnen- und Schülerbefragung", datetime(2026, 10, 25, 10, 0),
     datetime(2026, 10, 25, 11, 30), 1),
    ("Bildungskonferenz 2026: Öffentliche Veranstaltung", datetime(2026, 11, 26, 14, 30),
     datetime(2026, 11, 26, 17, 0), 1),
]


def check_lines(test, body):
    """Every line ends in CRLF, has at most 75 octets and is valid UTF-8 by itself."""
    test.assertTrue(body.endswith(b"\r\n"))
    lines = body.split(b"\r\n")[:-1]
    folded = 0
    for line in lines:
        test.assertLessEqual(len(line), 75, line)
        test.assertNotIn(b"\n", line)
        line.decode("utf-8")  # raises on a character split by folding
        if line.startswith(b" "):
            folded += 1
    return folded


def walk(cal, name):
    return [c for c in cal.walk() if c.name == name]


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


class IcalTest(harness.ServerTestCase):
    server_env = {"BIREG_BASE_URL": BASE_URL}

    @classmethod
    def prepare_server(cls, srv):
        add_region_wesel(srv)

    def fetch(self, path, method_name):
        r = self.server.get(path)
        self.assertStatus(r, 200)
        ctype = r.header("Content-Type")
        self.assertEqual(ctype, "text/calendar; charset=utf-8; method=%s" % method_name)
        folded = check_lines(self, r.body)
        cal = icalendar.Calendar.from_ical(r.body)
        self.assertEqual(str(cal["METHOD"]), method_name)
        self.assertEqual(str(cal["VERSION"]), "2.0")
        self.assertRegex(str(cal["PRODID"]), r"^-//bireg//bireg \d+\.\d+\.\d+//DE$")
        tzs = walk(cal, "VTIMEZONE")
        self.assertEqual(len(tzs), 1)
        self.assertEqual(str(tzs[0]["TZID"]), "Europe/Berlin")
        self.assertTrue(walk(tzs[0], "STANDARD") and walk(tzs[0], "DAYLIGHT"))
        return cal, r.body.decode("utf-8"), folded

    def office(self, slug="duisburg"):
        return self.server.query("SELECT email, office_name, name FROM region WHERE slug = ?",
                                 (slug,))[0]

    def assert_time(self, ev, prop, local, offset_hours):
        v = ev[prop]
        self.assertEqual(v.params.get("TZID"), "Europe/Berlin", prop)
        dt = v.dt
        self.assertEqual(dt.replace(tzinfo=None), local, prop)
        self.assertEqual(dt.utcoffset(), timedelta(hours=offset_hours), prop)
        self.assertEqual(str(dt.tzinfo), "Europe/Berlin")

    def assert_organizer(self, ev, email, name):
        org = ev["ORGANIZER"]
        self.assertEqual(str(org).lower(), "mailto:" + email)
        self.assertEqual(str(org.params["CN"]), name)

    def test_1_request(self):
        email, office_name, _ = self.office()
        cal, text, folded = self.fetch("/_test/ical/request", "REQUEST")
        self.assertGreater(folded, 0)  # the long description is folded
        events = walk(cal, "VEVENT")
        self.assertEqual(len(events), 1)
        ev = events[0]
        self.assertEqual(str(ev["UID"]), "bireg-test-duisburg-1@" + HOST)
        self.assertEqual(int(ev["SEQUENCE"]), 1)
        self.assertEqual(str(ev["SUMMARY"]), SUMMARY1)
        self.assertEqual(str(ev["LOCATION"]), LOCATION1)
        url = str(ev["URL"])
        self.assertEqual(url, BASE_URL + "sitzungen/1")
        self.assertEqual(str(ev["DESCRIPTION"]), DESCRIPTION1 + "\n\n" + url)
        self.assertEqual(str(ev["STATUS"]), "CONFIRMED")
        self.assert_time(ev, "DTSTART", SAMPLES[0][1], 2)
        self.assert_time(ev, "DTEND", SAMPLES[0][2], 2)
        self.assertIn("\r\nDTSTART;TZID=Europe/Berlin:20260329T100000\r\n", text)
        stamp = ev["DTSTAMP"].dt
        self.assertEqual(stamp.utcoffset(), timedelta(0))
        self.assert_organizer(ev, email, office_name)
        atts = as_list(ev.get("ATTENDEE"))
        self.assertEqual([str(a) for a in atts], ["mailto:anna.mueller@example.org",
                                                  "mailto:joerg.schaefer@example.net"])
        for a in atts:
            self.assertEqual(a.params["RSVP"], "FALSE")
            self.assertEqual(a.params["PARTSTAT"], "NEEDS-ACTION")
            self.assertEqual(a.params["ROLE"], "REQ-PARTICIPANT")
        # the UID is the same on every request; only DTSTAMP may change
        cal2, _, _ = self.fetch("/_test/ical/request", "REQUEST")
        ev2 = walk(cal2, "VEVENT")[0]
        self.assertEqual(str(ev2["UID"]), str(ev["UID"]))
        self.assertEqual(int(ev2["SEQUENCE"]), 1)

    def test_2_cancel(self):
        email, office_name, _ = self.office()
        cal, _, _ = self.fetch("/_test/ical/cancel", "CANCEL")
        ev = walk(cal, "VEVENT")[0]
        self.assertEqual(str(ev["UID"]), "bireg-test-duisburg-1@" + HOST)
        self.assertEqual(int(ev["SEQUENCE"]), 2)  # raised above the invitation's 1
        self.assertEqual(str(ev["STATUS"]), "CANCELLED")
        self.assert_time(ev, "DTSTART", SAMPLES[0][1], 2)
        self.assert_organizer(ev, email, office_name)
        self.assertEqual(len(as_list(ev.get("ATTENDEE"))), 2)

    def test_3_publish(self):
        email, office_name, region_name = self.office()
        cal, text, _ = self.fetch("/_test/ical/publish", "PUBLISH")
        self.assertEqual(str(cal["X-WR-CALNAME"]), "Termine – " + region_name)
        self.assertEqual(str(cal["X-WR-TIMEZONE"]), "Europe/Berlin")
        events = walk(cal, "VEVENT")
        self.assertEqual(len(events), 3)
        self.assertNotIn("ATTENDEE", text)  # a feed never lists attendees
        for i, (ev, (summary, start, end, offset)) in enumerate(zip(events, SAMPLES)):
            url = str(ev["URL"])
            self.assertEqual(url, BASE_URL + "sitzungen/%d" % (i + 1))
            self.assertTrue(str(ev["DESCRIPTION"]).endswith("\n\n" + url))
            self.assertEqual(str(ev["UID"]), "bireg-test-duisburg-%d@%s" % (i + 1, HOST))
            self.assertEqual(int(ev["SEQUENCE"]), i)
            self.assertEqual(str(ev["SUMMARY"]), summary)
            self.assert_time(ev, "DTSTART", start, offset)
            self.assert_time(ev, "DTEND", end, offset)
            self.assert_organizer(ev, email, office_name)
        self.assertEqual(str(events[0]["DESCRIPTION"]), DESCRIPTION1 + "\n\n" +
                         BASE_URL + "sitzungen/1")
        self.assertEqual(str(events[1]["LOCATION"]), "Geschäftsstelle, Raum Ä 0.14")

    def test_4_other_region(self):
        # wesel has no office e-mail yet: no organizer, so no invitation; a feed
        # goes without
        self.assertStatus(self.server.get("/r/wesel/_test/ical/request"), 409)
        self.assertStatus(self.server.get("/r/wesel/_test/ical/cancel"), 409)
        cal, text, _ = self.fetch("/r/wesel/_test/ical/publish", "PUBLISH")
        self.assertEqual(len(walk(cal, "VEVENT")), 3)
        self.assertNotIn("ORGANIZER", text)
        self.server.execute("UPDATE region SET email = ?, office_name = ? WHERE slug = 'wesel'",
                            (WESEL_EMAIL, WESEL_OFFICE))
        cal, text, _ = self.fetch("/r/wesel/_test/ical/request", "REQUEST")
        ev = walk(cal, "VEVENT")[0]
        self.assertEqual(str(ev["UID"]), "bireg-test-wesel-1@" + HOST)
        self.assertEqual(str(ev["URL"]), BASE_URL + "r/wesel/sitzungen/1")
        # the name holds ';' and ',': quoted, umlauts as they are
        self.assertIn('ORGANIZER;CN="%s":mailto:%s' % (WESEL_OFFICE, WESEL_EMAIL),
                      re.sub(r"\r\n ", "", text))
        self.assert_organizer(ev, WESEL_EMAIL, WESEL_OFFICE)
        self.server.execute("UPDATE region SET name = ? WHERE slug = 'wesel'",
                            ("Bildungsregion Kreis Wesel, Moers und Dinslaken",))
        cal, _, _ = self.fetch("/r/wesel/_test/ical/publish", "PUBLISH")
        self.assertEqual(str(cal["X-WR-CALNAME"]),
                         "Termine – Bildungsregion Kreis Wesel, Moers und Dinslaken")

    def test_5_unknown_kind(self):
        self.assertStatus(self.server.get("/_test/ical/reply"), 404)
        self.assertStatus(self.server.get("/_test/ical/invite"), 404)  # POST only
        c = Client(self.server)
        c.fetch_csrf("/anmelden")
        self.assertStatus(c.post("/_test/ical/request", {}), 405)


# ---------------------------------------------------------------------------
# An invitation by mail, through a real SMTP server (tools/smtp-sink)
# ---------------------------------------------------------------------------

def smtp_sink():
    """(url, messages dir, stop) of the run's SMTP test server (BIREG_TEST_SMTP_URL and
    _DIR, as tests/run-all sets them), or of one started here for this test alone."""
    url, d = os.environ.get("BIREG_TEST_SMTP_URL"), os.environ.get("BIREG_TEST_SMTP_DIR")
    if url and d:
        return url, d, lambda: None
    tool = os.path.join(harness.REPO_ROOT, "tools", "smtp-sink")
    if not os.path.exists(tool):
        raise unittest.SkipTest("no SMTP test server (BIREG_TEST_SMTP_URL, tools/smtp-sink)")
    top = tempfile.mkdtemp(prefix="bireg-ical-smtp-")
    sink = os.path.join(top, "sink")
    r = subprocess.run([tool, "start", sink], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("tools/smtp-sink start failed:\n%s%s" % (r.stdout, r.stderr))
    env = {}
    with open(os.path.join(sink, "env"), encoding="utf-8") as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            if k:
                env[k] = shlex.split(v)[0] if v else ""

    def stop():
        subprocess.run([tool, "stop", sink], capture_output=True, timeout=60)
        os.rmdir(top)
    return env["BIREG_TEST_SMTP_URL"], env["BIREG_TEST_SMTP_DIR"], stop


class IcalInviteMailTest(harness.ServerTestCase):
    """POST /_test/ical/invite queues an invitation through the outbox; the mail as the
    SMTP server received it is read with Python's email package, its .ics with
    icalendar."""

    @classmethod
    def setUpClass(cls):
        url, cls.sink_dir, cls.stop_sink = smtp_sink()
        cls.server_env = {"BIREG_BASE_URL": BASE_URL, "BIREG_SMTP_URL": url,
                          "BIREG_SMTP_STARTTLS": "off", "BIREG_MAIL_FROM": "bireg@bireg.test"}
        try:
            super().setUpClass()
        except Exception:
            cls.stop_sink()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.stop_sink()

    def received(self, to):
        """The messages the sink holds for the envelope recipient to."""
        out = []
        for path in sorted(glob.glob(os.path.join(self.sink_dir, "*.eml"))):
            env_path = path[:-4] + ".json"
            try:
                with open(env_path, encoding="utf-8") as f:
                    rcpts = json.load(f).get("rcpt_tos", [])
                with open(path, "rb") as f:
                    data = f.read()
            except FileNotFoundError:  # another test cleaned up
                continue
            if to in rcpts:
                out.append(data)
        return out

    def invite(self, fields):
        c = Client(self.server)
        c.fetch_csrf("/anmelden")
        return c.post("/_test/ical/invite", fields, headers={"Accept": "application/json"})

    def test_1_invitation_arrives(self):
        addr = "ical.%d@bireg.test" % time.time_ns()
        r = self.invite({"to": addr, "to_name": "Jörg Schäfer"})
        self.assertStatus(r, 201)
        answer = json.loads(r.text)
        got = harness.wait_for(lambda: self.received(addr), timeout=30, interval=0.2)
        self.assertTrue(got, "no mail arrived at the SMTP server\n%s" % self.server.log()[-3000:])
        self.assertEqual(len(got), 1)
        raw = got[0]
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.assertEqual(msg["Subject"], "Einladung: " + SUMMARY1)
        self.assertEqual(msg["To"].addresses[0].addr_spec, addr)
        self.assertEqual(msg["To"].addresses[0].display_name, "Jörg Schäfer")
        self.assertTrue(msg["Message-ID"])
        self.assertEqual(msg.get_content_type(), "multipart/mixed")
        self.assertEqual(msg.defects, [])

        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        self.assertIsNotNone(text)
        self.assertIsNotNone(html)
        url = BASE_URL + "sitzungen/1"
        self.assertIn("29.03.2026", text.get_content())
        self.assertIn(url, text.get_content())
        self.assertIn('href="%s"' % url, html.get_content())

        atts = list(msg.iter_attachments())
        self.assertEqual(len(atts), 1)
        att = atts[0]
        self.assertEqual(att.get_content_type(), "text/calendar")
        self.assertEqual(att.get_param("method"), "REQUEST")
        self.assertEqual((att.get_content_charset() or "").lower(), "utf-8")
        self.assertEqual(att.get_filename(), "einladung.ics")
        self.assertEqual(att.get_content_disposition(), "attachment")
        ics = att.get_payload(decode=True)
        check_lines(self, ics)
        cal = icalendar.Calendar.from_ical(ics)
        self.assertEqual(str(cal["METHOD"]), "REQUEST")
        tzs = walk(cal, "VTIMEZONE")
        self.assertEqual([str(t["TZID"]) for t in tzs], ["Europe/Berlin"])
        ev = walk(cal, "VEVENT")[0]
        self.assertEqual(str(ev["UID"]), answer["uid"])
        self.assertEqual(str(ev["UID"]), "bireg-test-duisburg-1@" + HOST)
        self.assertEqual(int(ev["SEQUENCE"]), 1)
        self.assertEqual(str(ev["SUMMARY"]), SUMMARY1)
        self.assertEqual(str(ev["DESCRIPTION"]), DESCRIPTION1 + "\n\n" + url)
        self.assertEqual(str(ev["URL"]), url)
        v = ev["DTSTART"]
        self.assertEqual(v.params.get("TZID"), "Europe/Berlin")
        self.assertEqual(v.dt.replace(tzinfo=None), SAMPLES[0][1])
        office_email, office_name = self.server.query(
            "SELECT email, office_name FROM region WHERE slug = 'duisburg'")[0]
        self.assertEqual(str(ev["ORGANIZER"]).lower(), "mailto:" + office_email)
        self.assertEqual(str(ev["ORGANIZER"].params["CN"]), office_name)
        atts = as_list(ev.get("ATTENDEE"))
        self.assertEqual([str(a) for a in atts], ["mailto:" + addr])
        self.assertEqual(atts[0].params["RSVP"], "FALSE")
        self.assertEqual(atts[0].params["PARTSTAT"], "NEEDS-ACTION")
        status = harness.wait_for(lambda: self.server.query(
            "SELECT status FROM mail_outbox WHERE to_addr = ? AND status = 'sent'", (addr,)),
            timeout=10)
        self.assertEqual(status, [("sent",)])

    def test_2_bad_address(self):
        before = self.server.query("SELECT count(*) FROM mail_outbox")[0][0]
        for bad in ("x@example.org\r\nBcc: y@example.org", "kein-at-zeichen", ""):
            r = self.invite({"to": bad})
            self.assertStatus(r, 400, "to=%r" % bad)
            self.assertEqual(json.loads(r.text)["error"].get("field"), "to", r.text)
        self.assertEqual(self.server.query("SELECT count(*) FROM mail_outbox")[0][0], before)


if __name__ == "__main__":
    sys.exit(harness.main("ical"))
