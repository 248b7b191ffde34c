#!/usr/bin/env python3
"""test_files.py — the region settings page (logo and contact details) and file
downloads, against the real binary, on SQLite or PostgreSQL (BIREG_TEST_BACKEND).

Run:  python3 tests/http/test_files.py     (BIREG_BIN=build-x/bireg to pick a build)

What is checked is what a user gets and what ends up in the database: the PNG
uploaded through the form comes back byte for byte with the type found in its
content, a safe Content-Disposition, an ETag that answers 304, and the right
caching; bad uploads get the German message next to the field and change no row;
office-only files stay with the office of their region.

The last line of the output is `files: N passed, N failed, N skipped`.
"""

import hashlib
import html
import json
import os
import re
import sys
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (DEMO_ACCOUNTS, Client, add_file, add_region_wesel, add_user,  # noqa: E402
                     location_path, png_bytes)

ADMIN_EMAIL, ADMIN_PW = DEMO_ACCOUNTS["admin"]
OFFICE_EMAIL, OFFICE_PW = DEMO_ACCOUNTS["office"]
APPLICANT_EMAIL, APPLICANT_PW = DEMO_ACCOUNTS["applicant"]
WESEL_OFFICE = ("buero@wesel.bireg.test", "Büro Wesel", "Kiefernwald-Sonne-2024!")

MSG_TYPE = "Diese Datei ist kein Bild im Format PNG, JPEG oder WebP."
MSG_EMPTY = "Bitte wählen Sie eine Bilddatei für das Logo aus."
MSG_LARGE = "Die Datei ist zu groß: Das Logo darf höchstens 2 MB haben."


def multipart(fields=(), files=()):
    """A multipart/form-data body: fields (name, value), files (name, filename,
    content type, bytes). Returns (body, content type)."""
    boundary = "----bireg" + uuid.uuid4().hex
    out = []
    for name, value in fields:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary, name, value)).encode("utf-8"))
    for name, filename, ctype, data in files:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: %s\r\n\r\n" % (boundary, name, filename.replace('"', "%22"),
                                                  ctype)).encode("utf-8"))
        out.append(data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode("ascii"))
    return b"".join(out), "multipart/form-data; boundary=%s" % boundary


def field_error(resp, field_id):
    """The text of the error under an input (id="<field_id>-error"), or None."""
    m = re.search(r'id="%s-error">.*?</span><span><span class="kern-sr-only">[^<]*</span>(.*?)</span>'
                  % re.escape(field_id), resp.text, re.S)
    return html.unescape(m.group(1)).strip() if m else None


def img_tags(resp, cls):
    """The attributes of every <img> of class cls, as dicts."""
    out = []
    for tag in re.findall(r"<img\b[^>]*>", resp.text):
        attrs = {k: html.unescape(v) for k, v in re.findall(r'(\w[\w-]*)="([^"]*)"', tag)}
        if cls in attrs.get("class", "").split():
            out.append(attrs)
    return out


def clear_demo_logo(srv):
    """`bireg demo` gives the demo region a logo; these tests count files from
    none, so it goes before the server starts."""
    srv.execute("UPDATE region SET logo_file_id = NULL")
    srv.execute("DELETE FROM file")
    srv.execute("DELETE FROM file_blob")


class FilesCase(harness.ServerTestCase):

    @classmethod
    def prepare_server(cls, srv):
        clear_demo_logo(srv)
        add_region_wesel(srv)
        add_user(srv, *WESEL_OFFICE, ("wesel", "office"))

    def setUp(self):
        super().setUp()
        self.admin = Client(self.server)
        self.assertRedirect(self.admin.login(ADMIN_EMAIL, ADMIN_PW), "/konto")

    # ---- helpers --------------------------------------------------------------

    def upload(self, client, data, filename="logo.png", ctype="image/png", prefix="",
               csrf=None, headers=None):
        if csrf is None:
            r = client.get(prefix + "/verwaltung/region")
            self.assertStatus(r, 200)
            csrf = client.csrf
        fields = [("csrf", csrf)] if csrf else []
        files = [("logo", filename, ctype, data)] if data is not None else []
        body, ct = multipart(fields, files)
        h = {"Content-Type": ct}
        h.update(headers or {})
        return client.request("POST", prefix + "/verwaltung/region/logo", body=body, headers=h)

    def region_row(self, slug="duisburg"):
        return self.server.query("SELECT id, logo_file_id FROM region WHERE slug = ?", (slug,))[0]

    def counts(self):
        """(files, blobs) of the whole installation."""
        return (self.server.query("SELECT count(*) FROM file")[0][0],
                self.server.query("SELECT count(*) FROM file_blob")[0][0])

    def snapshot(self):
        return (self.counts(), self.server.query(
            "SELECT slug, logo_file_id, coalesce(office_name, ''), coalesce(postcode, ''), "
            "coalesce(email, ''), updated_at FROM region ORDER BY slug"))

    def current_logo(self):
        """(id, href) of duisburg's logo after a successful upload."""
        _, fid = self.region_row()
        self.assertIsNotNone(fid, "the region has no logo")
        name = self.server.query("SELECT name FROM file WHERE id = ?", (fid,))[0][0]
        return fid, "/dateien/%d/%s" % (fid, urllib.parse.quote(name, safe=""))

    def remove_logo(self):
        r = self.admin.get("/verwaltung/region")
        r = self.admin.post("/verwaltung/region/logo/entfernen")
        self.assertRedirect(r, "/verwaltung/region?gespeichert=logo-entfernt")


class DemoLogoTest(harness.ServerTestCase):
    """The demo region shows its (fictitious) logo, stored like an upload."""

    def test_01_demo_has_logo(self):
        rows = self.server.query(
            "SELECT f.id, f.name, f.media_type, f.purpose, f.visibility, f.width, f.height "
            "FROM region r JOIN file f ON f.id = r.logo_file_id WHERE r.slug = 'duisburg'")
        self.assertEqual(len(rows), 1)
        fid, name, mtype, purpose, vis, w, h = rows[0]
        self.assertEqual((name, mtype, purpose, vis, w, h),
                         ("logo-bildungsregion-demo.png", "image/png", "region.logo", "public",
                          160, 160))
        page = Client(self.server).get("/")
        self.assertRegex(page.text, r'<img[^>]*src="/dateien/%d/logo-bildungsregion-demo\.png"'
                         % fid)
        r = Client(self.server).get("/dateien/%d/logo-bildungsregion-demo.png" % fid)
        self.assertStatus(r, 200)
        self.assertTrue(r.body.startswith(b"\x89PNG\r\n\x1a\n"))

    def test_02_demo_refresh_keeps_one_logo(self):
        srv = self.fresh_server(name="demo_again", start=False)
        srv.bireg("demo", check=True)
        # besides the logo the demo keeps one file: the school directory of
        # its import batch (register_demo.c)
        self.assertEqual(srv.query("SELECT count(*) FROM file WHERE purpose = 'region.logo'"),
                         [(1,)])
        self.assertEqual(srv.query("SELECT count(*) FROM file_blob WHERE id IN "
                                   "(SELECT blob_id FROM file WHERE purpose = 'region.logo')"),
                         [(1,)])
        self.assertEqual(srv.query("SELECT count(*) FROM file"), [(2,)])


class SettingsPageTest(FilesCase):

    def test_01_page_german_with_upload_form(self):
        r = self.admin.get("/verwaltung/region")
        self.assertStatus(r, 200)
        self.assertInBody('<html lang="de"', r)
        self.assertInBody("Einstellungen der Region", r)
        self.assertRegex(r.text, r'<form[^>]*action="/verwaltung/region/logo"[^>]*'
                                 r'enctype="multipart/form-data"')
        self.assertRegex(r.text, r'<input[^>]*type="file"[^>]*accept="image/png,image/jpeg,image/webp"')
        # the form states the limit and the formats
        self.assertInBody("PNG, JPEG oder WebP mit höchstens 2 MB", r)
        # the contact form is filled with the region's data (demo: Duisburg)
        office = self.server.query("SELECT office_name FROM region WHERE slug = 'duisburg'")[0][0]
        self.assertInBody('value="%s"' % html.escape(office, quote=True), r)
        # linked in the navigation for admins
        self.assertRegex(r.text, r'<a class="bireg-nav__link" href="/verwaltung/region" '
                                 r'aria-current="page">Einstellungen der Region</a>')

    def test_02_only_admins(self):
        r = Client(self.server).get("/verwaltung/region")
        self.assertStatus(r, 303)
        self.assertTrue(location_path(r).startswith("/anmelden?next="), r.describe())
        office = Client(self.server)
        self.assertRedirect(office.login(OFFICE_EMAIL, OFFICE_PW), "/konto")
        self.assertStatus(office.get("/verwaltung/region"), 403)
        self.assertNotInBody('href="/verwaltung/region"', office.get("/konto"))
        # the admin of duisburg is nobody in wesel
        self.assertStatus(self.admin.get("/r/wesel/verwaltung/region"), 303)

    def test_03_json_model(self):
        r = self.admin.get("/verwaltung/region", headers={"Accept": "application/json"})
        self.assertStatus(r, 200)
        m = json.loads(r.text)
        self.assertEqual(m["region_name"], "Bildungsregion Duisburg")
        self.assertIn("logo", m)
        self.assertEqual([f["name"] for f in m["contact"]["fields"]],
                         ["office_name", "office_unit", "street", "postcode", "city", "phone",
                          "email", "website"])


class LogoTest(FilesCase):

    def tearDown(self):
        # every test starts without a logo
        if self.region_row()[1] is not None:
            self.remove_logo()
        super().tearDown()

    def test_01_upload_then_download(self):
        png = png_bytes(320, 100)
        before = self.counts()
        r = self.upload(self.admin, png, filename="Logo Duisburg ä.png")
        self.assertRedirect(r, "/verwaltung/region?gespeichert=logo")

        # the database: one file, one blob, the region points at it
        fid, href = self.current_logo()
        self.assertEqual(self.counts(), (before[0] + 1, before[1] + 1))
        admin_id = self.server.query("SELECT id FROM account WHERE email = ?", (ADMIN_EMAIL,))[0][0]
        row = self.server.query(
            "SELECT f.name, f.media_type, f.size, f.purpose, f.visibility, f.width, f.height, "
            "f.created_by, b.sha256, b.size FROM file f JOIN file_blob b ON b.id = f.blob_id "
            "WHERE f.id = ?", (fid,))[0]
        sha = hashlib.sha256(png).hexdigest()
        self.assertEqual(row, ("Logo Duisburg ä.png", "image/png", len(png), "region.logo",
                               "public", 320, 100, admin_id, sha, len(png)))
        self.assertEqual(href, "/dateien/%d/Logo%%20Duisburg%%20%%C3%%A4.png" % fid)

        # the page: a notice, the preview with alt text and size
        r = self.admin.get("/verwaltung/region?gespeichert=logo")
        self.assertInBody("Das Logo ist gespeichert.", r)
        preview = img_tags(r, "bireg-logo-preview__image")
        self.assertEqual(len(preview), 1, r.describe())
        self.assertEqual(preview[0]["src"], href)
        self.assertEqual(preview[0]["alt"], "Logo der Bildungsregion Duisburg")
        self.assertEqual((preview[0]["width"], preview[0]["height"]), ("320", "100"))
        self.assertInBody("PNG, 320 × 100 Pixel", r)

        # the header of every page, for everyone: 40 px high, in proportion
        home = Client(self.server).get("/")
        logos = img_tags(home, "bireg-header__region-logo")
        self.assertEqual(len(logos), 1, home.describe())
        self.assertEqual((logos[0]["src"], logos[0]["width"], logos[0]["height"], logos[0]["alt"]),
                         (href, "128", "40", ""))
        self.assertEqual(img_tags(home, "bireg-header__logo"), [])

        # download, anonymous
        d = self.server.get(href)
        self.assertStatus(d, 200)
        self.assertEqual(d.body, png)
        self.assertEqual(d.header("Content-Type"), "image/png")
        self.assertEqual(d.header("Content-Disposition"),
                         "inline; filename=\"Logo Duisburg ae.png\"; "
                         "filename*=UTF-8''Logo%20Duisburg%20%C3%A4.png")
        self.assertEqual(d.header("X-Content-Type-Options"), "nosniff")
        self.assertEqual(d.header("ETag"), '"%s"' % sha)
        self.assertEqual(d.header("Cache-Control"), "public, max-age=86400")
        self.assertEqual(d.headers_all("Set-Cookie"), [], "a cacheable download sets no cookie")
        self.assertEqual(d.header("Content-Length"), str(len(png)))

        # revalidation: 304 without a body; a stale tag gets the bytes
        n = self.server.get(href, headers={"If-None-Match": '"%s"' % sha})
        self.assertStatus(n, 304)
        self.assertEqual(n.body, b"")
        self.assertEqual(n.header("ETag"), '"%s"' % sha)
        n = self.server.get(href, headers={"If-None-Match": 'W/"x", "%s"' % sha})
        self.assertStatus(n, 304)
        n = self.server.get(href, headers={"If-None-Match": '"%s"' % ("0" * 64)})
        self.assertStatus(n, 200)
        self.assertEqual(n.body, png)

        # HEAD: the length, no body
        h = self.server.request("HEAD", href)
        self.assertStatus(h, 200)
        self.assertEqual(h.header("Content-Length"), str(len(png)))
        self.assertEqual(h.body, b"")

        # the name must match; the id must be one of this region's
        for bad in ("/dateien/%d/logo.png" % fid, "/dateien/%d/Logo%%20Duisburg%%20a.png" % fid,
                    "/dateien/%d/" % fid, "/dateien/%d" % (fid + 1000),
                    "/dateien/%d/x" % (fid + 1000), "/dateien/abc/x.png", "/dateien/-1/x.png",
                    "/dateien/0/x.png", "/dateien/99999999999999999999/x.png",
                    "/r/wesel" + href):
            with self.subTest(path=bad):
                self.assertStatus(self.server.get(bad), 404)

    def test_02_type_is_the_content_not_the_name(self):
        # a PNG called .jpg with a wrong type from the browser is stored as PNG
        png = png_bytes(60, 60, (0, 120, 0, 255))
        r = self.upload(self.admin, png, filename="foto.jpg", ctype="application/pdf")
        self.assertRedirect(r, "/verwaltung/region?gespeichert=logo")
        fid, href = self.current_logo()
        self.assertEqual(self.server.query("SELECT media_type, name FROM file WHERE id = ?", (fid,)),
                         [("image/png", "foto.jpg")])
        d = self.server.get(href)
        self.assertEqual(d.header("Content-Type"), "image/png")
        self.assertEqual(d.body, png)

    def test_03_bad_uploads_change_nothing(self):
        before = self.snapshot()
        svg = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
               b'height="10"><script>alert(1)</script></svg>')
        cases = [
            ("text named .png", b"Das ist kein Bild.\n", "logo.png", MSG_TYPE),
            ("svg", svg, "logo.svg", MSG_TYPE),
            ("pdf", b"%PDF-1.4\n%%EOF\n", "logo.png", MSG_TYPE),
            ("empty file", b"", "leer.png", MSG_EMPTY),
            ("no file chosen", b"", "", MSG_EMPTY),
            ("broken png", png_bytes(4, 4)[:20], "kaputt.png", None),
        ]
        for what, data, filename, msg in cases:
            with self.subTest(what=what):
                r = self.upload(self.admin, data, filename=filename)
                self.assertStatus(r, 422)
                self.assertInBody('<html lang="de"', r)
                got = field_error(r, "region-logo")
                self.assertIsNotNone(got, r.describe())
                if msg:
                    self.assertTrue(got.startswith(msg), "%r does not start with %r" % (got, msg))
                # in the error summary too, linked to the field
                self.assertRegex(r.text, r'<a class="kern-link" href="#region-logo">')
                self.assertRegex(r.text, r'id="region-logo"[^>]*aria-invalid="true"')
                self.assertEqual(self.snapshot(), before)
        # a form without the file part at all
        r = self.upload(self.admin, None)
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "region-logo"), MSG_EMPTY)
        self.assertEqual(self.snapshot(), before)

    def test_04_too_large(self):
        before = self.snapshot()
        # a real PNG header, padded past the 2 MB of a logo
        big = png_bytes(10, 10) + os.urandom(2 * 1024 * 1024)
        r = self.upload(self.admin, big, filename="riesig.png")
        self.assertStatus(r, 422)
        self.assertTrue(field_error(r, "region-logo").startswith(MSG_LARGE), r.describe())
        self.assertEqual(self.snapshot(), before)
        # past what the route accepts at all: the error page, in German
        r = self.upload(self.admin, os.urandom(9 * 1024 * 1024), filename="noch-groesser.png")
        self.assertStatus(r, 413)
        self.assertInBody("Anfrage zu groß", r)
        self.assertEqual(self.snapshot(), before)

    def test_05_json_errors_name_the_field(self):
        before = self.snapshot()
        r = self.upload(self.admin, b"kein Bild", filename="x.png",
                        headers={"Accept": "application/json"})
        self.assertStatus(r, 422)
        self.assertTrue(r.header("Content-Type").startswith("application/json"), r.describe())
        m = json.loads(r.text)
        self.assertEqual([e["field"] for e in m["errors"]], ["logo"])
        self.assertTrue(m["errors"][0]["message"].startswith(MSG_TYPE), m)
        self.assertEqual(self.snapshot(), before)
        # success as JSON: the new model
        r = self.upload(self.admin, png_bytes(8, 8), filename="json.png",
                        headers={"Accept": "application/json"})
        self.assertStatus(r, 200)
        m = json.loads(r.text)
        self.assertTrue(m["logo"]["has_logo"])
        self.assertEqual(m["logo"]["name"], "json.png")

    def test_06_replace_and_remove(self):
        a, b = png_bytes(50, 20), png_bytes(20, 50, (0, 0, 200, 255))
        base = self.counts()
        self.assertRedirect(self.upload(self.admin, a, filename="a.png"),
                            "/verwaltung/region?gespeichert=logo")
        first, _ = self.current_logo()
        self.assertRedirect(self.upload(self.admin, b, filename="b.png"),
                            "/verwaltung/region?gespeichert=logo")
        second, href = self.current_logo()
        self.assertNotEqual(first, second)
        # the old file and its bytes are gone with the replacement
        self.assertEqual(self.server.query("SELECT count(*) FROM file WHERE id = ?", (first,)),
                         [(0,)])
        self.assertEqual(self.counts(), (base[0] + 1, base[1] + 1))
        self.assertStatus(self.server.get("/dateien/%d/a.png" % first), 404)
        # the same bytes again: a new file, the blob shared for a moment, one left
        self.assertRedirect(self.upload(self.admin, b, filename="b2.png"),
                            "/verwaltung/region?gespeichert=logo")
        self.assertEqual(self.counts(), (base[0] + 1, base[1] + 1))
        third, href = self.current_logo()
        self.assertEqual(self.server.get(href).body, b)

        self.remove_logo()
        self.assertIsNone(self.region_row()[1])
        self.assertEqual(self.counts(), base)
        self.assertStatus(self.server.get(href), 404)
        r = self.admin.get("/verwaltung/region?gespeichert=logo-entfernt")
        self.assertInBody("Das Logo ist entfernt.", r)
        self.assertEqual(img_tags(r, "bireg-header__region-logo"), [])
        self.assertEqual(len(img_tags(r, "bireg-header__logo")), 1)

    def test_07_csrf_required(self):
        before = self.snapshot()
        r = self.upload(self.admin, png_bytes(8, 8), csrf=False)
        self.assertStatus(r, 403)
        r = self.upload(self.admin, png_bytes(8, 8), csrf="x" * 43)
        self.assertStatus(r, 403)
        self.assertEqual(self.snapshot(), before)

    def test_08_office_may_not_upload(self):
        office = Client(self.server)
        self.assertRedirect(office.login(OFFICE_EMAIL, OFFICE_PW), "/konto")
        office.get("/konto")
        before = self.snapshot()
        r = self.upload(office, png_bytes(8, 8), csrf=office.csrf)
        self.assertStatus(r, 403)
        self.assertEqual(self.snapshot(), before)


class VisibilityTest(FilesCase):
    """Office-only files: no page stores one yet, so the test puts one into the
    database as the store would (harness.add_file)."""

    @classmethod
    def prepare_server(cls, srv):
        super().prepare_server(srv)
        cls.data = png_bytes(3, 3)
        cls.fid = add_file(srv, "duisburg", "Protokoll März.png", cls.data)
        cls.wesel_fid = add_file(srv, "wesel", "wesel.png", cls.data)
        cls.href = "/dateien/%d/%s" % (cls.fid, urllib.parse.quote("Protokoll März.png"))
        cls.wesel_href = "/r/wesel/dateien/%d/wesel.png" % cls.wesel_fid

    def test_01_office_and_admin_only(self):
        # anonymous: the browser goes to the login page, JSON gets 403
        r = self.server.get(self.href)
        self.assertStatus(r, 303)
        self.assertTrue(location_path(r).startswith("/anmelden?next="), r.describe())
        self.assertStatus(self.server.get(self.href, headers={"Accept": "application/json"}), 403)
        # a logged-in account without office role: refused
        applicant = Client(self.server)
        self.assertRedirect(applicant.login(APPLICANT_EMAIL, APPLICANT_PW), "/konto")
        r = applicant.get(self.href)
        self.assertStatus(r, 403)
        self.assertNotEqual(r.body, self.data)
        # the office and the admin of the region: the bytes, never cached
        office = Client(self.server)
        self.assertRedirect(office.login(OFFICE_EMAIL, OFFICE_PW), "/konto")
        for who, c in (("office", office), ("admin", self.admin)):
            with self.subTest(who=who):
                r = c.get(self.href)
                self.assertStatus(r, 200)
                self.assertEqual(r.body, self.data)
                self.assertEqual(r.header("Cache-Control"), "private, no-store")
                self.assertEqual(r.header("Content-Type"), "image/png")

    def test_02_office_of_another_region(self):
        wesel = Client(self.server)
        self.assertRedirect(wesel.login(WESEL_OFFICE[0], WESEL_OFFICE[2], prefix="/r/wesel"),
                            "/r/wesel/konto")
        self.assertStatus(wesel.get(self.href), 403)
        # its own region's file it gets; duisburg's id under wesel's address is unknown
        self.assertStatus(wesel.get(self.wesel_href), 200)
        self.assertStatus(wesel.get("/r/wesel/dateien/%d/%s" % (
            self.fid, urllib.parse.quote("Protokoll März.png"))), 404)
        self.assertStatus(self.admin.get("/dateien/%d/wesel.png" % self.wesel_fid), 404)

    def test_03_attachment_for_other_types(self):
        fid = add_file(self.server, "duisburg", 'Bericht "Q1"; ä.pdf', b"%PDF-1.4\n%%EOF\n",
                       media_type="application/pdf")
        r = self.admin.get("/dateien/%d/%s" % (fid, urllib.parse.quote('Bericht "Q1"; ä.pdf')))
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "application/pdf")
        self.assertEqual(r.header("Content-Disposition"),
                         "attachment; filename=\"Bericht Q1; ae.pdf\"; "
                         "filename*=UTF-8''Bericht%20%22Q1%22%3B%20%C3%A4.pdf")


class ContactTest(FilesCase):

    def post_contact(self, **fields):
        self.admin.get("/verwaltung/region")
        base = {"office_name": "Geschäftsstelle Bildungsregion Duisburg", "office_unit": "",
                "street": "Friedrich-Albert-Lange-Platz 7", "postcode": "47051", "city": "Duisburg",
                "phone": "+49 203 283-1234", "email": "bildungsregion@stadt-duisburg.example",
                "website": "https://www.duisburg.example/bildung"}
        base.update(fields)
        return self.admin.post("/verwaltung/region/kontakt", base)

    def test_01_bad_values_change_nothing(self):
        before = self.snapshot()
        r = self.post_contact(office_name="", postcode="4705", email="keine-adresse",
                              website="ftp://example.org", phone="Telefon!", city="x" * 101)
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "region-office_name"),
                         "Bitte geben Sie den Namen der Geschäftsstelle ein.")
        self.assertTrue(field_error(r, "region-postcode").startswith(
            "Bitte geben Sie eine Postleitzahl aus fünf Ziffern ein"))
        self.assertTrue(field_error(r, "region-email").startswith(
            "Bitte geben Sie eine gültige E-Mail-Adresse ein"))
        self.assertTrue(field_error(r, "region-website").startswith(
            "Bitte geben Sie eine Internetadresse ein, die mit https:// beginnt"))
        self.assertTrue(field_error(r, "region-phone").startswith(
            "Bitte geben Sie eine Telefonnummer"))
        self.assertEqual(field_error(r, "region-city"), "Diese Angabe ist zu lang: höchstens 100 Zeichen.")
        # what was typed stays in the form
        self.assertInBody('value="keine-adresse"', r)
        self.assertEqual(self.snapshot(), before)
        # JSON names the fields
        self.admin.get("/verwaltung/region")
        r = self.admin.post("/verwaltung/region/kontakt", {"office_name": "x", "postcode": "1"},
                            headers={"Accept": "application/json"})
        self.assertStatus(r, 422)
        self.assertEqual([e["field"] for e in json.loads(r.text)["errors"]], ["postcode"])
        self.assertEqual(self.snapshot(), before)

    def test_02_saved_and_shown(self):
        r = self.post_contact(office_name="Geschäftsstelle  Bildungsregion", postcode=" 47051 ",
                              email="Info@Duisburg.Example", office_unit="Amt 40")
        self.assertRedirect(r, "/verwaltung/region?gespeichert=kontakt")
        row = self.server.query("SELECT office_name, office_unit, postcode, email, website "
                                "FROM region WHERE slug = 'duisburg'")[0]
        self.assertEqual(row, ("Geschäftsstelle Bildungsregion", "Amt 40", "47051",
                               "info@duisburg.example", "https://www.duisburg.example/bildung"))
        r = self.admin.get("/verwaltung/region?gespeichert=kontakt")
        self.assertInBody("Die Kontaktdaten sind gespeichert.", r)
        # the footer of every page shows them
        home = Client(self.server).get("/")
        self.assertInBody("Geschäftsstelle Bildungsregion", home)
        self.assertInBody("info@duisburg.example", home)
        # an emptied optional field is stored as nothing
        self.assertRedirect(self.post_contact(office_unit=""), "/verwaltung/region?gespeichert=kontakt")
        self.assertEqual(self.server.query("SELECT office_unit FROM region WHERE slug = 'duisburg'"),
                         [(None,)])


class LimitConfigTest(harness.ServerTestCase):
    """limits.file_bytes lowers every file limit, the logo's too."""
    server_env = {"BIREG_FILE_BYTES": "2048"}

    @classmethod
    def prepare_server(cls, srv):
        clear_demo_logo(srv)

    def test_01_configured_limit(self):
        admin = Client(self.server)
        self.assertRedirect(admin.login(ADMIN_EMAIL, ADMIN_PW), "/konto")
        r = admin.get("/verwaltung/region")
        self.assertInBody("mit höchstens 2 KB", r)
        body, ct = multipart([("csrf", admin.csrf)],
                             [("logo", "gross.png", "image/png", png_bytes(10, 10) + b"\0" * 3000)])
        r = admin.request("POST", "/verwaltung/region/logo", body=body, headers={"Content-Type": ct})
        self.assertStatus(r, 422)
        self.assertTrue(field_error(r, "region-logo").startswith(
            "Die Datei ist zu groß: Das Logo darf höchstens 2 KB haben."), r.describe())
        self.assertEqual(self.server.query("SELECT count(*) FROM file"), [(0,)])


if __name__ == "__main__":
    sys.exit(harness.main("files"))
