#!/usr/bin/env python3
"""test_register_export.py — the register's lists as files against the real binary, on
SQLite or PostgreSQL (BIREG_TEST_BACKEND):

  * people as CSV: UTF-8 with BOM, `;`, German headers, exactly the rows of the filtered
    list (channel "post": every such person of the region, none of another region), the
    file name personen-<today>.csv as an attachment, not cached; the export writes its
    change-log row (entity person_list, action export, filters and row count);
  * people as XLSX: a zip with the sheet, one row per person plus the header;
  * institutions (CSV), bodies (XLSX) and a body's members (CSV, with its log row);
  * the list pages link to their exports with the current filters; a bad filter is 400;
    a body of another region is 404.

Run:  python3 tests/http/test_register_export.py   (BIREG_BIN=build-x/bireg)
The last line of the output is `register-export: N passed, N failed, N skipped`.
"""

import csv
import datetime
import io
import os
import re
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import add_region_wesel  # noqa: E402

NOW = "2026-01-01T00:00:00Z"


def read_csv(resp):
    body = resp.body
    assert body.startswith(b"\xef\xbb\xbf"), body[:20]
    text = body[3:].decode("utf-8")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def xlsx_rows(data):
    """The rows of the first sheet as lists of cell texts (inline or shared strings)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    sheet = [n for n in names if re.match(r"xl/worksheets/sheet\d+\.xml$", n)][0]
    shared = []
    if "xl/sharedStrings.xml" in names:
        ss = z.read("xl/sharedStrings.xml").decode()
        shared = [re.sub(r"<[^>]+>", "", m) for m in re.findall(r"<si>(.*?)</si>", ss, re.S)]
    xml = z.read(sheet).decode()
    rows = []
    for row in re.findall(r"<row\b[^>]*>(.*?)</row>", xml, re.S):
        cells = []
        for attrs, inner in re.findall(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", row, re.S):
            ref = re.search(r'r="([A-Z]+)\d+"', attrs)
            col = 0
            for ch in ref.group(1) if ref else "":
                col = col * 26 + ord(ch) - 64
            while ref and len(cells) < col - 1:
                cells.append("")  # empty cells are left out of the file
            v = re.search(r"<v>(.*?)</v>", inner or "")
            t = re.search(r"<t[^>]*>(.*?)</t>", inner or "", re.S)
            if 't="s"' in attrs and v:
                cells.append(shared[int(v.group(1))])
            elif t:
                cells.append(t.group(1))
            else:
                cells.append(v.group(1) if v else "")
        rows.append(cells)
    return rows


class ExportTest(harness.OfficeTestCase):

    @classmethod
    def prepare_server(cls, srv):
        add_region_wesel(srv)

    def add_person(self, last, channel="email", region="duisburg"):
        rid = self.region_id(region)
        return self.one(
            "INSERT INTO person (region_id, last_name, first_name, email, street, postcode, city, "
            "preferred_channel, sort_name, created_at, updated_at) VALUES (?, ?, 'Ex', ?, "
            "'Weg 1', '47051', 'Duisburg', ?, ?, ?, ?) RETURNING id",
            (rid, last, last.lower() + "@example.org", channel, last.lower(), NOW, NOW))

    def test_01_people_csv_filtered(self):
        for i in range(3):
            self.add_person("Postexport%d" % i, "post")
        self.add_person("Postfremd", "post", region="wesel")
        rid = self.region_id()
        want = self.one("SELECT count(*) FROM person WHERE region_id = ? "
                        "AND preferred_channel = 'post'", (rid,))
        r = self.c.get("/register/personen?kanal=post")
        self.assertInBody('href="/register/personen.csv?kanal=post"', r)
        self.assertInBody('href="/register/personen.xlsx?kanal=post"', r)
        before = self.one("SELECT count(*) FROM change_log WHERE entity = 'person_list'")
        r = self.c.get("/register/personen.csv?kanal=post")
        self.assertStatus(r, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/csv"))
        today = datetime.date.today().isoformat()
        self.assertEqual(r.header("Content-Disposition"),
                         'attachment; filename="personen-%s.csv"' % today)
        self.assertIn("no-store", r.header("Cache-Control"))
        rows = read_csv(r)
        self.assertEqual(rows[0][:3], ["Titel", "Vorname", "Nachname"])
        self.assertEqual(len(rows) - 1, want)
        names = [x[2] for x in rows[1:]]
        self.assertIn("Postexport1", names)
        self.assertNotIn("Postfremd", names)
        self.assertTrue(all(x[8] == "Post" for x in rows[1:]))
        # its change-log row
        log = self.q("SELECT action, summary, account_id FROM change_log "
                     "WHERE entity = 'person_list' ORDER BY id DESC")
        self.assertEqual(len(log), before + 1)
        self.assertEqual(log[0][0], "export")
        self.assertIn("kanal=post", log[0][1])
        self.assertIn("%d Zeilen" % want, log[0][1])
        self.assertIsNotNone(log[0][2])

    def test_02_people_xlsx(self):
        self.add_person("Tabellenperson")
        # the list leaves people erased under Art. 17 out (the demo has one)
        n = self.one("SELECT count(*) FROM person WHERE region_id = ? AND erased_at IS NULL",
                     (self.region_id(),))
        r = self.c.get("/register/personen.xlsx")
        self.assertStatus(r, 200)
        self.assertIn("spreadsheetml", r.header("Content-Type"))
        self.assertTrue(r.header("Content-Disposition").endswith('.xlsx"'))
        rows = xlsx_rows(r.body)
        self.assertEqual(rows[0][2], "Nachname")
        self.assertEqual(len(rows) - 1, n)
        self.assertIn("Tabellenperson", [x[2] for x in rows[1:] if len(x) > 2])

    def test_03_institutions_bodies_members(self):
        rid = self.region_id()
        r = self.c.get("/register/institutionen.csv")
        self.assertStatus(r, 200)
        rows = read_csv(r)
        self.assertEqual(rows[0][0], "Name")
        self.assertEqual(len(rows) - 1, self.one(
            "SELECT count(*) FROM institution WHERE region_id = ?", (rid,)))
        self.assertIn('href="/register/institutionen.csv"',
                      self.c.get("/register/institutionen").text)

        r = self.c.get("/register/gremien.xlsx?stand=alle")
        self.assertStatus(r, 200)
        rows = xlsx_rows(r.body)
        self.assertEqual(len(rows) - 1, self.one(
            "SELECT count(*) FROM body WHERE region_id = ?", (rid,)))
        self.assertIn('href="/register/gremien.xlsx"', self.c.get("/register/gremien").text)

        bid = self.one("SELECT body_id FROM membership WHERE region_id = ? GROUP BY body_id "
                       "ORDER BY count(*) DESC LIMIT 1", (rid,))
        r = self.c.get("/register/gremien/%d" % bid)
        self.assertInBody('href="/register/gremien/%d/mitglieder.csv"' % bid, r)
        r = self.c.get("/register/gremien/%d/mitglieder.csv" % bid)
        self.assertStatus(r, 200)
        rows = read_csv(r)
        self.assertEqual(rows[0][:2], ["Name", "Rolle"])
        self.assertEqual(len(rows) - 1, self.one(
            "SELECT count(*) FROM membership WHERE region_id = ? AND body_id = ?", (rid, bid)))
        log = self.q("SELECT entity_id, action FROM change_log WHERE entity = 'member_list' "
                     "ORDER BY id DESC LIMIT 1")
        self.assertEqual(log[0], (bid, "export") if isinstance(log[0], tuple) else [bid, "export"])

    def test_04_bad_input(self):
        self.assertStatus(self.c.get("/register/personen.csv?kanal=brief"), 400)
        self.assertStatus(self.c.get("/register/personen.csv?institution=abc"), 400)
        wesel_body = self.one(
            "INSERT INTO body (region_id, name, type, sort_name, created_at, updated_at) "
            "VALUES (?, 'Fremdgremium', 'forum', 'fremdgremium', ?, ?) RETURNING id",
            (self.region_id("wesel"), NOW, NOW))
        self.assertStatus(self.c.get("/register/gremien/%d/mitglieder.csv" % wesel_body), 404)
        anon = harness.Client(self.server)
        self.assertIn(anon.get("/register/personen.csv").status, (303, 401, 403))


if __name__ == "__main__":
    sys.exit(harness.main("register-export"))
