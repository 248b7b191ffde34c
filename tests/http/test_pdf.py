#!/usr/bin/env python3
"""test_pdf.py — the letterhead previews of the region settings page against the real
binary, on SQLite or PostgreSQL (BIREG_TEST_BACKEND):

  GET /verwaltung/region/briefbogen.pdf   a sample DIN 5008 letter in the region's letterhead
  GET /verwaltung/region/tabelle.pdf      a sample document: a table over several pages, a chart

What is checked is what the office gets: a PDF (headers: type, inline disposition, not
cached) whose text — extracted by poppler's pdftotext, an independent reader — holds the
region's name, the office's address, the sender line, the footer, the fictitious recipient,
today's German date and "Seite 1 von N"; pdfinfo's title and page count; the region's real
logo embedded as an image (pdfimages), and none after the logo is removed; the link on the
settings page; who may fetch them (anonymous to the login page, the office of another
region 403); a change of the contact details shows in the next PDF.

Run:  python3 tests/http/test_pdf.py     (BIREG_BIN=build-x/bireg to pick a build)
Needs poppler-utils (tools/install-deps check).

The last line of the output is `pdf: N passed, N failed, N skipped`.
"""

import os
import re
import subprocess
import sys
import tempfile
from datetime import datetime
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DEMO_ACCOUNTS, Client, add_region_wesel, add_user, location_path  # noqa: E402

ADMIN_EMAIL, ADMIN_PW = DEMO_ACCOUNTS["admin"]
OFFICE_EMAIL, OFFICE_PW = DEMO_ACCOUNTS["office"]
MEMBER_EMAIL, MEMBER_PW = DEMO_ACCOUNTS["member"]
WESEL_OFFICE = ("buero@wesel.bireg.test", "Büro Wesel", "Kiefernwald-Sonne-2024!")
LETTER = "/verwaltung/region/briefbogen.pdf"
TABLE = "/verwaltung/region/tabelle.pdf"
MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember"]


def poppler(tool, data, *args):
    """Runs a poppler tool on the PDF bytes; returns its stdout (fails on stderr output)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        p = subprocess.run([tool, *args, f.name] + (["-"] if tool == "pdftotext" else []),
                           capture_output=True, timeout=60)
    if p.returncode != 0 or p.stderr.strip():
        raise AssertionError("%s failed (%d): %s" % (tool, p.returncode,
                                                     p.stderr.decode("utf-8", "replace")))
    return p.stdout.decode("utf-8")


def pdf_info(data):
    out = {}
    for line in poppler("pdfinfo", data).splitlines():
        k, _, v = line.partition(":")
        out[k.strip()] = v.strip()
    return out


def pdf_images(data):
    """Number of images (not soft masks) in the PDF."""
    lines = poppler("pdfimages", data, "-list").splitlines()[2:]
    return sum(1 for ln in lines if ln.split()[2:3] == ["image"])


def german_today():
    d = datetime.now(ZoneInfo("Europe/Berlin"))
    return "%d. %s %d" % (d.day, MONTHS[d.month - 1], d.year)


class PdfTest(harness.ServerTestCase):

    @classmethod
    def prepare_server(cls, srv):
        add_region_wesel(srv)
        add_user(srv, *WESEL_OFFICE, ("wesel", "office"))

    def setUp(self):
        super().setUp()
        self.admin = Client(self.server)
        self.assertRedirect(self.admin.login(ADMIN_EMAIL, ADMIN_PW), "/konto")

    def assertPdf(self, r, filename):
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "application/pdf")
        self.assertEqual(r.header("Content-Disposition"), 'inline; filename="%s"' % filename)
        self.assertEqual(r.header("Cache-Control"), "private, no-store")
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertTrue(r.body.startswith(b"%PDF-1."), r.body[:20])
        self.assertIn(b"%%EOF", r.body[-32:])
        return r.body

    def region(self, slug="duisburg"):
        return self.server.query(
            "SELECT name, office_name, street, postcode, city, phone, email, "
            "letterhead_sender_line, letterhead_footer, logo_file_id FROM region WHERE slug = ?",
            (slug,))[0]

    def test_01_letter(self):
        body = self.assertPdf(self.admin.get(LETTER), "briefbogen-vorschau.pdf")
        name, office, street, postcode, city, phone, email, sender, footer, logo = self.region()
        text = poppler("pdftotext", body)
        for s in (name, office, street, "%s %s" % (postcode, city), phone, email, sender, footer,
                  "Frau Erika Musterfrau", "Musterschule", "Musterweg 1", "47051 Duisburg",
                  "Vorschau des Briefbogens", "Sehr geehrte Frau Musterfrau,",
                  "Mit freundlichen Grüßen", "Datum", german_today(), "Seite 1 von"):
            self.assertIn(s, text, "missing in the letter: %r\n%s" % (s, text))
        info = pdf_info(body)
        self.assertEqual(info["Title"], "Briefbogen-Vorschau – %s" % name)
        self.assertEqual(info["Author"], name)
        self.assertEqual(info["Tagged"], "yes")
        self.assertIn("595.276 x 841.89", info["Page size"])
        self.assertEqual(info["Pages"], "1")
        self.assertIn(b"/Lang (de-DE)", body)
        # the region's real logo (the demo's), from the file store
        self.assertGreater(logo or 0, 0)
        self.assertEqual(pdf_images(body), 1)

    def test_02_table(self):
        body = self.assertPdf(self.admin.get(TABLE), "beispieltabelle.pdf")
        name, office, street, postcode, city = self.region()[:5]
        info = pdf_info(body)
        pages = int(info["Pages"])
        self.assertGreaterEqual(pages, 3)
        self.assertEqual(info["Title"], "Beispieltabelle – %s" % name)
        for p in range(1, pages + 1):
            text = poppler("pdftotext", body, "-f", str(p), "-l", str(p))
            self.assertIn("Seite %d von %d" % (p, pages), text)
            self.assertIn(street, text)           # the footer on every page
            if p == 1:
                for s in (name, office, "Beispieltabelle: Schulen der Region",
                          "Schulen nach Schulform", "Grundschule", "Berufskolleg"):
                    self.assertIn(s, text)
            if "Schulnummer" in text:         # table pages repeat the header row
                self.assertIn("Schulform", text)
                self.assertIn("Stadtteil", text)
        full = poppler("pdftotext", body)
        rows = re.findall(r"(?<!\d)1\d{5}(?!\d)", full)   # the Schulnummer column
        self.assertEqual(len(rows), 120, full)
        self.assertEqual(len(set(rows)), 120)
        self.assertIn("Ende der Beispieltabelle.", full)

    def test_03_settings_page_links(self):
        r = self.admin.get("/verwaltung/region")
        self.assertStatus(r, 200)
        self.assertIn('href="/verwaltung/region/briefbogen.pdf"', r.text)
        self.assertIn('href="/verwaltung/region/tabelle.pdf"', r.text)
        self.assertIn("Briefbogen-Vorschau (PDF)", r.text)
        self.assertIn("Beispieltabelle (PDF)", r.text)

    def test_04_who_may(self):
        anon = Client(self.server)
        r = anon.get(LETTER)
        self.assertStatus(r, 303)
        self.assertTrue(location_path(r).startswith("/anmelden"), location_path(r))
        office = Client(self.server)
        self.assertRedirect(office.login(OFFICE_EMAIL, OFFICE_PW), "/konto")
        self.assertPdf(office.get(LETTER), "briefbogen-vorschau.pdf")
        self.assertPdf(office.get(TABLE), "beispieltabelle.pdf")
        member = Client(self.server)
        self.assertRedirect(member.login(MEMBER_EMAIL, MEMBER_PW), "/konto")
        self.assertStatus(member.get(LETTER), 403)
        # the office of another region: 403 here, its own letterhead there
        wesel = Client(self.server)
        self.assertRedirect(wesel.login(WESEL_OFFICE[0], WESEL_OFFICE[2], prefix="/r/wesel"),
                            "/r/wesel/konto")
        self.assertStatus(wesel.get(LETTER), 403)
        self.assertStatus(wesel.get(TABLE), 403)
        body = self.assertPdf(wesel.get("/r/wesel" + LETTER), "briefbogen-vorschau.pdf")
        text = poppler("pdftotext", body)
        self.assertIn("Bildungsregion Kreis Wesel", text)
        self.assertNotIn("Musterstraße", text)     # nothing of duisburg's office
        self.assertEqual(pdf_images(body), 0)      # wesel has no logo

    def test_05_changes_show(self):
        """New contact details and a removed logo are in the next PDF."""
        before = self.region()
        self.admin.get("/verwaltung/region")
        r = self.admin.post("/verwaltung/region/kontakt", {
            "office_name": "Geschäftsstelle Ümlaut & Söhne", "office_unit": "",
            "street": "Königstraße 7", "postcode": "47051", "city": "Duisburg",
            "phone": "+49 203 111", "email": "neu@duisburg.example",
            "website": "https://neu.example"})
        self.assertRedirect(r, "/verwaltung/region?gespeichert=kontakt")
        try:
            text = poppler("pdftotext", self.assertPdf(self.admin.get(LETTER),
                                                       "briefbogen-vorschau.pdf"))
            for s in ("Geschäftsstelle Ümlaut & Söhne", "Königstraße 7", "neu@duisburg.example"):
                self.assertIn(s, text)
            self.admin.get("/verwaltung/region")
            self.assertRedirect(self.admin.post("/verwaltung/region/logo/entfernen", {}),
                                "/verwaltung/region?gespeichert=logo-entfernt")
            body = self.assertPdf(self.admin.get(LETTER), "briefbogen-vorschau.pdf")
            self.assertEqual(pdf_images(body), 0)
        finally:
            self.server.execute(
                "UPDATE region SET office_name = ?, street = ?, phone = ?, email = ? "
                "WHERE slug = 'duisburg'", (before[1], before[2], before[5], before[6]))

    def test_06_head(self):
        r = self.server.request("HEAD", LETTER, headers={"Cookie": self.admin.cookie_header()})
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "application/pdf")
        self.assertEqual(r.body, b"")


if __name__ == "__main__":
    sys.exit(harness.main("pdf"))
