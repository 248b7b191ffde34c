#!/usr/bin/env python3
"""test_register_overview.py — the register's cross-cutting pages against the real
binary, on the demo region: the overview (/register: counts as in the database),
the search across people, institutions and bodies (/register/suche: German folding,
name hits first, kinds, pages, refused queries with a German message and 422), the
network matrix (/register/netzwerk, .csv, .pdf: the cells are the current
memberships representing an institution in a body, as the database has them; the
filters; the CSV for Excel; the PDF's text read back by poppler's pdftotext), and the
demo itself (`bireg demo` twice changes nothing but the schools it upserts; the demo
accounts' persons and their memberships; `bireg region add` seeds the kinds of
institution).

Runs on the backend BIREG_TEST_BACKEND names (see harness.py).
"""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DEMO_ACCOUNTS, Client, add_region_wesel  # noqa: E402

OFFICE = DEMO_ACCOUNTS["office"]
TODAY_SQL = "(start_day IS NULL OR start_day <= ?) AND (end_day IS NULL OR end_day >= ?)"
JSON = {"Accept": "application/json"}


def today():
    """Today in Europe/Berlin, as the server counts memberships current."""
    from datetime import datetime
    from zoneinfo import ZoneInfo
    return datetime.now(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d")


def q(s):
    return urllib.parse.quote(s)


class RegisterOverviewTest(harness.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.office = Client(cls.server)
        r = cls.office.login(*OFFICE)
        assert r.status == 303, r.describe()
        cls.region = cls.server.query("SELECT id FROM region WHERE slug = 'duisburg'")[0][0]

    def count(self, sql, params=()):
        return int(self.server.query(sql, params)[0][0])

    def search(self, query, **params):
        """The JSON of /register/suche for query (and more parameters)."""
        params["q"] = query
        r = self.office.get("/register/suche?" + urllib.parse.urlencode(params), headers=JSON)
        self.assertStatus(r, 200)
        return json.loads(r.text)

    def all_hits(self, query, **params):
        """Every hit of query over all pages, as (kind, id) in page order."""
        out, page = [], 1
        while True:
            m = self.search(query, seite=page, **params)
            out += [(h["kind"], h["id"]) for h in m["hits"]]
            if not m["hits"] or len(out) >= m["total"]:
                return out, m["total"]
            page += 1

    # ---- the overview --------------------------------------------------------

    def test_01_overview_counts(self):
        r = self.office.get("/register")
        self.assertStatus(r, 200)
        self.assertInBody("Suche im Register", r)
        for href in ("/register/institutionen", "/register/personen", "/register/gremien",
                     "/register/netzwerk", "/register/gebiete", "/register/gebiete/plz",
                     "/register/institutionsarten", "/gremien"):
            self.assertInBody('href="%s"' % href, r)
        self.assertInBody('action="/register/suche"', r)
        m = json.loads(self.office.get("/register", headers=JSON).text)
        got = {c["key"]: c["value"] for c in m["counts"]}
        d = today()
        want = {
            "institutions": self.count("SELECT count(*) FROM institution WHERE region_id = ?",
                                       (self.region,)),
            "people": self.count("SELECT count(*) FROM person WHERE region_id = ?",
                                 (self.region,)),
            "bodies": self.count("SELECT count(*) FROM body WHERE region_id = ?", (self.region,)),
            "memberships": self.count("SELECT count(*) FROM membership WHERE region_id = ? AND "
                                      + TODAY_SQL, (self.region, d, d)),
        }
        self.assertEqual(got, want)
        # the demo's figures, as register_demo.h promises them
        # 136 schools, 17 other institutions and the Kita-Verbund entered twice
        self.assertEqual(want["institutions"], 136 + 18)
        self.assertEqual(want["bodies"], 14)
        self.assertGreaterEqual(want["people"], 40)
        self.assertInBody("%d Institutionen" % want["institutions"], r)

    def test_02_office_only(self):
        r = self.server.get("/register")
        self.assertStatus(r, 303)
        self.assertIn("/anmelden", r.header("Location"))
        for role in ("applicant", "member", "chair"):
            c = Client(self.server)
            self.assertStatus(c.login(*DEMO_ACCOUNTS[role]), 303)
            for path in ("/register", "/register/suche?q=a", "/register/netzwerk",
                         "/register/netzwerk.csv", "/register/netzwerk.pdf"):
                self.assertStatus(c.get(path), 403, "%s as %s" % (path, role))

    # ---- the search ----------------------------------------------------------

    def test_03_german_folding(self):
        juergen = self.server.query("SELECT id FROM person WHERE region_id = ? AND "
                                    "last_name = 'Müller-Muster'", (self.region,))[0][0]
        sets = {}
        for query in ("Müller", "mueller", "muller", "MÜLLER", "Mueller"):
            hits, total = self.all_hits(query)
            self.assertIn(("person", juergen), hits, query)
            self.assertEqual(total, len(hits))
            sets[query] = set(hits)
        self.assertEqual(len({frozenset(s) for s in sets.values()}), 1, sets)
        # ß and ss: the Kita-Träger at the Straße der Kinderrechte
        traeger = self.server.query("SELECT id FROM institution WHERE region_id = ? AND "
                                    "name LIKE 'Kita-Verbund%'", (self.region,))[0][0]
        a, _ = self.all_hits("strasse")
        b, _ = self.all_hits("Straße")
        self.assertEqual(set(a), set(b))
        self.assertIn(("institution", traeger), a)

    def test_04_hits_link_kind_and_context(self):
        m = self.search("Beispiel Petra")
        self.assertEqual(m["total"], 1)
        hit = m["hits"][0]
        pid = self.server.query("SELECT id FROM person WHERE region_id = ? AND first_name = "
                                "'Petra' AND last_name = 'Beispiel'", (self.region,))[0][0]
        self.assertEqual((hit["kind"], hit["id"], hit["title"]), ("person", pid,
                                                                   "Dr. Petra Beispiel"))
        self.assertEqual(hit["href"], "/register/personen/%d" % pid)
        self.assertEqual(hit["kind_label"], "Person")
        self.assertIn("Bezirksregierung Düsseldorf", hit["detail"])
        r = self.office.get("/register/suche?q=" + q("Beispiel Petra"))
        self.assertInBody('href="/register/personen/%d"' % pid, r)
        self.assertInBody("1 Eintrag gefunden für „Beispiel Petra“.", r)

    def test_05_name_hits_first_and_kinds(self):
        # The Lenkungskreis by its name first; the Handlungsforen name it only
        # in their description (they report to it).
        m = self.search("lenkungskreis")
        self.assertEqual(m["hits"][0]["title"], "Lenkungskreis")
        self.assertEqual(m["name_hits"], 1)
        self.assertGreater(m["total"], 1)
        # every kind filter gives only its kind, and the counts add up
        totals = {f["value"]: f["count"] for f in self.search("duisburg")["filters"]}
        for kind in ("person", "institution", "body"):
            hits, total = self.all_hits("duisburg", art=kind)
            self.assertEqual(total, totals[kind], kind)
            self.assertTrue(all(k == kind for k, _ in hits), kind)
        self.assertEqual(totals[""], totals["person"] + totals["institution"] + totals["body"])
        self.assertStatus(self.office.get("/register/suche?q=x&art=konto"), 400)

    def test_06_pages(self):
        first = self.search("schule")
        total = first["total"]
        self.assertGreater(total, 25)
        self.assertEqual(len(first["hits"]), 25)
        hits, total2 = self.all_hits("schule")
        self.assertEqual(total2, total)
        self.assertEqual(len(hits), total)
        self.assertEqual(len(set(hits)), total, "a hit on two pages")
        self.assertEqual(first["pagination"]["total"], total)
        r = self.office.get("/register/suche?q=schule&seite=2")
        self.assertStatus(r, 200)
        self.assertInBody("26–50 von %d" % total, r)
        self.assertInBody('href="/register/suche?q=schule"', r)  # back to page 1

    def test_07_refused_queries(self):
        for query, message in (("a" * 201, "Der Suchbegriff ist zu lang: höchstens 200 Zeichen."),
                               (" ".join("w%d" % i for i in range(11)),
                                "Der Suchbegriff hat zu viele Wörter: höchstens 10.")):
            r = self.office.get("/register/suche?q=" + q(query))
            self.assertStatus(r, 422)
            self.assertInBody(message, r)
            self.assertInBody('aria-invalid="true"', r)
            self.assertInBody('value="%s' % query[:50], r)  # the entry is kept
            j = self.office.get("/register/suche?q=" + q(query), headers=JSON)
            self.assertStatus(j, 422)
            self.assertEqual(json.loads(j.text)["errors"], [{"field": "q", "message": message}])
        # nothing searchable: no error, no hits
        m = self.search('"*()')
        self.assertEqual((m["total"], m["hits"]), (0, []))
        r = self.office.get("/register/suche")
        self.assertStatus(r, 200)
        self.assertInBody("Geben Sie einen Namen oder ein Wort ein", r)

    # ---- the network matrix ----------------------------------------------------

    def db_cells(self, level=None, kind=None):
        """{(institution id, body id): count} of the current representations."""
        d = today()
        sql = ("SELECT m.institution_id, m.body_id, count(*) FROM membership m "
               "JOIN body b ON b.id = m.body_id JOIN institution i ON i.id = m.institution_id "
               "WHERE m.region_id = ? AND m.institution_id IS NOT NULL AND "
               "(m.start_day IS NULL OR m.start_day <= ?) AND "
               "(m.end_day IS NULL OR m.end_day >= ?)")
        params = [self.region, d, d]
        if level:
            sql += " AND b.level_id = ?"
            params.append(level)
        if kind:
            sql += " AND i.type_id = ?"
            params.append(kind)
        sql += " GROUP BY m.institution_id, m.body_id"
        return {(r[0], r[1]): r[2] for r in self.server.query(sql, tuple(params))}

    def matrix_cells(self, m):
        out = {}
        for row in m["rows"]:
            for body, cell in zip(m["bodies"], row["cells"]):
                if cell["filled"]:
                    out[(row["id"], body["id"])] = cell["count"]
        return out

    def test_08_matrix_as_in_the_database(self):
        r = self.office.get("/register/netzwerk")
        self.assertStatus(r, 200)
        self.assertInBody('<table class="kern-table', r)
        self.assertInBody('<th class="kern-table__header" scope="row">', r)
        m = json.loads(self.office.get("/register/netzwerk", headers=JSON).text)
        want = self.db_cells()
        self.assertEqual(self.matrix_cells(m), want)
        self.assertEqual({row["id"] for row in m["rows"]}, {i for i, _ in want})
        self.assertEqual({b["id"] for b in m["bodies"]}, {b for _, b in want})
        self.assertEqual(m["n_memberships"], sum(want.values()))
        # The Lenkungskreis: the Bezirksregierung has its co-chair and her substitute.
        lk = [b for b in m["bodies"] if b["name"] == "Lenkungskreis"][0]
        brd = [row for row in m["rows"] if row["name"] == "Bezirksregierung Düsseldorf"][0]
        cell = brd["cells"][m["bodies"].index(lk)]
        self.assertEqual(cell["count"], 2)
        self.assertEqual([x["role"] for x in cell["roles"]], ["chair", "substitute"])
        # The former member (ended 2022) is not counted: the city has only the co-chair
        # and her substitute there.
        stadt = [row for row in m["rows"] if row["name"] == "Stadt Duisburg"][0]
        self.assertEqual(stadt["cells"][m["bodies"].index(lk)]["count"], 2)

    def test_09_matrix_filters(self):
        level = self.server.query("SELECT level_id FROM body WHERE region_id = ? AND "
                                  "name = 'Lenkungskreis'", (self.region,))[0][0]
        school = self.server.query("SELECT id FROM institution_type WHERE region_id = ? AND "
                                   "key = 'school'", (self.region,))[0][0]
        m = json.loads(self.office.get("/register/netzwerk?ebene=%d" % level,
                                       headers=JSON).text)
        self.assertEqual([b["name"] for b in m["bodies"]], ["Lenkungskreis"])
        self.assertEqual(self.matrix_cells(m), self.db_cells(level=level))
        m = json.loads(self.office.get("/register/netzwerk?art=%d" % school, headers=JSON).text)
        self.assertEqual(self.matrix_cells(m), self.db_cells(kind=school))
        self.assertTrue(m["rows"])
        # both, and the form's "all" (empty values)
        m = json.loads(self.office.get("/register/netzwerk?ebene=%d&art=%d" % (level, school),
                                       headers=JSON).text)
        self.assertEqual(self.matrix_cells(m), self.db_cells(level=level, kind=school))
        m = json.loads(self.office.get("/register/netzwerk?ebene=&art=", headers=JSON).text)
        self.assertEqual(self.matrix_cells(m), self.db_cells())
        r = self.office.get("/register/netzwerk?ebene=%d" % level)
        self.assertInBody('href="/register/netzwerk.csv?ebene=%d"' % level, r)
        self.assertInBody('href="/register/netzwerk.pdf?ebene=%d"' % level, r)
        self.assertInBody("Ebene: ", r)
        # a level of no body: an empty matrix, said so
        r = self.office.get("/register/netzwerk?ebene=999999")
        self.assertStatus(r, 200)
        self.assertInBody("In keinem Gremium dieses Filters ist eine Institution vertreten.", r)

    def test_10_matrix_csv(self):
        r = self.office.get("/register/netzwerk.csv")
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "text/csv; charset=utf-8")
        disp = r.header("Content-Disposition")
        self.assertTrue(disp.startswith('attachment; filename="netzwerk-duisburg-'), disp)
        self.assertTrue(disp.endswith('.csv"'), disp)
        self.assertEqual(r.header("Cache-Control"), "private, no-store")
        self.assertTrue(r.body.startswith(b"\xef\xbb\xbf"), "no byte order mark for Excel")
        rows = list(csv.reader(io.StringIO(r.body[3:].decode("utf-8"), newline=""),
                               delimiter=";"))
        m = json.loads(self.office.get("/register/netzwerk", headers=JSON).text)
        self.assertEqual(rows[0], ["Institution", "Institutionsart"]
                         + [b["name"] for b in m["bodies"]] + ["Anzahl der Gremien"])
        self.assertEqual(len(rows), 1 + len(m["rows"]))
        for line, row in zip(rows[1:], m["rows"]):
            self.assertEqual(line[0], row["name"])
            self.assertEqual(line[2:-1], [c["roles_label"] for c in row["cells"]])
            self.assertEqual(int(line[-1]), sum(1 for c in row["cells"] if c["filled"]))
        self.assertTrue(r.body.endswith(b"\r\n"))

    def test_11_matrix_pdf(self):
        r = self.office.get("/register/netzwerk.pdf")
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "application/pdf")
        self.assertTrue(r.body.startswith(b"%PDF-"))
        if not shutil.which("pdftotext"):
            self.skipTest("pdftotext (poppler-utils) is not installed")
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "n.pdf")
            with open(path, "wb") as f:
                f.write(r.body)
            text = subprocess.run(["pdftotext", "-layout", path, "-"], stdout=subprocess.PIPE,
                                  check=True).stdout.decode("utf-8")
        for needle in ("Netzwerk der Bildungsregion Duisburg", "Bezirksregierung Düsseldorf",
                       "Lenkungskreis", "Geschäftsstelle der Bildungsregion Duisburg",
                       "Seite 1 von"):
            self.assertIn(needle, text)
        # every page after the first repeats the table's header
        pages = text.split("\f")
        self.assertGreater(len([p for p in pages if p.strip()]), 1)
        for p in pages[1:]:
            if p.strip():
                self.assertIn("Institution", p)

    # ---- the demo --------------------------------------------------------------

    def test_12_demo_content(self):
        srv, rid = self.server, self.region
        self.assertEqual(self.count("SELECT count(*) FROM area WHERE region_id = ? AND "
                                    "hierarchy = 'admin' AND parent_id IS NULL", (rid,)), 7)
        self.assertEqual(self.count("SELECT count(*) FROM area WHERE region_id = ? AND "
                                    "hierarchy = 'admin' AND parent_id IS NOT NULL", (rid,)), 46)
        self.assertEqual(self.count("SELECT count(*) FROM area WHERE region_id = ? AND "
                                    "hierarchy = 'social'", (rid,)), 2)
        self.assertEqual(self.count("SELECT count(*) FROM institution i JOIN institution_type t "
                                    "ON t.id = i.type_id WHERE i.region_id = ? AND "
                                    "t.key = 'school'", (rid,)), 136)
        # every school lies in a Stadtbezirk through the post-code table
        self.assertEqual(self.count(
            "SELECT count(*) FROM institution i JOIN institution_type t ON t.id = i.type_id "
            "WHERE i.region_id = ? AND t.key = 'school' AND NOT EXISTS (SELECT 1 FROM "
            "institution_area ia WHERE ia.institution_id = i.id)", (rid,)), 0)
        ruhrort = srv.query("SELECT a.name FROM institution i JOIN institution_area ia ON "
                            "ia.institution_id = i.id JOIN area a ON a.id = ia.area_id WHERE "
                            "i.region_id = ? AND i.school_number = '101552'", (rid,))
        self.assertEqual(ruhrort, [("Homberg/Ruhrort/Baerl",)])
        # the demo accounts' persons and what they hold
        d = today()
        for role, body, want_role, side in (
                ("chair", "Lenkungskreis", "chair", "kommune"),
                ("member", "Handlungsforum Bildungsberatung im Lebenslauf", "member", ""),
                ("coordinator", "Handlungsforum Die inklusive Bildungsstadt", "coordination", ""),
                ("board", "Vorstand des Fördervereins", "chair", "")):
            rows = srv.query(
                "SELECT m.role, m.partner_side FROM account a JOIN account_person ap ON "
                "ap.account_id = a.id JOIN membership m ON m.person_id = ap.person_id JOIN body b "
                "ON b.id = m.body_id WHERE a.email = ? AND ap.region_id = ? AND b.name = ? AND "
                "(m.end_day IS NULL OR m.end_day >= ?)", (DEMO_ACCOUNTS[role][0], rid, body, d))
            self.assertEqual(rows, [(want_role, side)], role)
        for role in ("admin", "office", "applicant"):
            self.assertEqual(self.count("SELECT count(*) FROM account a JOIN account_person ap ON "
                                        "ap.account_id = a.id WHERE a.email = ?",
                                        (DEMO_ACCOUNTS[role][0],)), 0, role)
        lk = srv.query("SELECT public, chair_mode, decision_mode, quorum_rule FROM body WHERE "
                       "region_id = ? AND name = 'Lenkungskreis'", (rid,))
        self.assertEqual(lk, [(0, "co_chairs", "consensus", "both_partners")])
        self.assertEqual(self.count("SELECT count(*) FROM membership m JOIN body b ON "
                                    "b.id = m.body_id WHERE b.name = 'Lenkungskreis' AND "
                                    "m.role = 'chair' AND m.region_id = ?", (rid,)), 2)
        # some consent to the publication of their name, one withdrew it
        given = self.count("SELECT count(DISTINCT person_id) FROM person_consent WHERE "
                           "region_id = ? AND kind = 'publish_name' AND given = 1", (rid,))
        withdrawn = self.count("SELECT count(*) FROM person_consent WHERE region_id = ? AND "
                               "kind = 'publish_name' AND given = 0", (rid,))
        self.assertGreater(given, 5)
        self.assertEqual(withdrawn, 1)
        # made-up contact data only (the person erased under Art. 17 has none left)
        self.assertEqual(self.count("SELECT count(*) FROM person WHERE region_id = ? AND "
                                    "email NOT LIKE '%@example.org' AND erased_at IS NULL",
                                    (rid,)), 0)
        self.assertEqual(self.count("SELECT count(*) FROM person WHERE region_id = ? AND "
                                    "erased_at IS NOT NULL AND last_name = 'Anonymisierte Person' "
                                    "AND email = ''", (rid,)), 1)

    def test_13_demo_twice(self):
        srv, rid = self.server, self.region
        tables = ("area", "area_postcode", "institution", "institution_area", "institution_tag",
                  "person", "person_affiliation", "person_consent", "body", "membership",
                  "account_person", "search_entry", "institution_type")

        def counts():
            return {t: self.count("SELECT count(*) FROM %s WHERE region_id = ?" % t, (rid,))
                    for t in tables}

        def levels():
            return srv.query("SELECT b.name, l.position FROM body b LEFT JOIN region_level l "
                             "ON l.id = b.level_id WHERE b.region_id = ? ORDER BY b.name", (rid,))

        before, lv = counts(), levels()
        self.assertEqual(dict(lv)["Lenkungskreis"], 2)
        # the office renamed a school by hand: the schools came in through the
        # school directory import once; a second run imports nothing and
        # leaves the office's data as it is (the office imports the directory
        # itself from then on)
        batches = self.count("SELECT count(*) FROM import_batch WHERE region_id = ? "
                             "AND kind = 'schools'", (rid,))
        self.assertEqual(batches, 1)
        srv.execute("UPDATE institution SET name = 'Umbenannt' WHERE region_id = ? AND "
                    "school_number = '100085'", (rid,))
        srv.bireg("demo", check=True)
        self.assertEqual(counts(), before)
        self.assertEqual(levels(), lv, "the bodies lost their levels")
        self.assertEqual(srv.query("SELECT name FROM institution WHERE region_id = ? AND "
                                   "school_number = '100085'", (rid,)), [("Umbenannt",)])
        self.assertEqual(self.count("SELECT count(*) FROM import_batch WHERE region_id = ? "
                                    "AND kind = 'schools'", (rid,)), batches)

    def test_14_region_add_seeds_kinds(self):
        add_region_wesel(self.server)
        wesel = self.server.query("SELECT id FROM region WHERE slug = 'wesel'")[0][0]
        self.assertEqual(self.count("SELECT count(*) FROM institution_type WHERE region_id = ?",
                                    (wesel,)), 11)
        self.assertEqual(self.count("SELECT count(*) FROM institution_type WHERE region_id = ? "
                                    "AND key = 'school' AND is_school = 1", (wesel,)), 1)
        # and the other region's register is empty
        c = Client(self.server)
        self.assertStatus(c.login(*OFFICE), 303)
        # a demo account counts only in its demo region: a stranger in wesel
        r = c.get("/r/wesel/register")
        self.assertStatus(r, 303)
        self.assertIn("/r/wesel/anmelden", r.header("Location"))


if __name__ == "__main__":
    sys.exit(harness.main("register_overview"))
