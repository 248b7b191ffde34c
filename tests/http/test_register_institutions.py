#!/usr/bin/env python3
"""test_register_institutions.py — areas, the post-code table, kinds of institution and
institutions (/register/gebiete…, /register/institutionsarten…, /register/institutionen…)
against the real binary, on SQLite or PostgreSQL (BIREG_TEST_BACKEND):

  * the institution form: bad input (form rules and store rules: a Schulnummer of the
    wrong shape or taken, school details for a kind without them) is answered 422 with
    the German message next to each field and in the summary, the values kept and
    nothing stored; a good one is stored with its tags, its areas from the post-code
    table and its search entry, and the detail page shows it;
  * JSON: list, detail and a refused form as JSON ({field, message} errors in German);
  * the list: filters by kind, area (a Stadtbezirk includes its Ortsteile) and tag, the
    search with German folding, sorting, pages of 50 with the filters kept in the links,
    a search term that is too long;
  * the detail page shows the institution's people and the bodies it is represented in;
  * deletion refused with 409 while people or memberships refer to it; otherwise gone
    with its search entry; another region's institution is not found;
  * areas (new, parent of the other hierarchy refused, delete refused while in use),
    the post-code table (bad post code refused, add, remove), kinds (add, duplicate
    refused, rename, delete refused while used; the English UI names built-in kinds
    in English).

Run:  python3 tests/http/test_register_institutions.py   (BIREG_BIN=build-x/bireg)

The last line of the output is `register-institutions: N passed, N failed, N skipped`.
"""

import html
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (DEMO_ACCOUNTS, Client, add_region_wesel, field_error, input_value,  # noqa: E402
                     location_path, main_text, selected_value)

JSON = {"Accept": "application/json"}
NOW = "2026-01-01T00:00:00Z"


def inst_form(**kw):
    f = {"type_id": "", "name": "", "name_extra": "", "short_name": "", "street": "",
         "postcode": "", "city": "", "phone": "", "email": "", "website": "", "area_admin": "",
         "area_social": "", "tags": "", "notes": "", "school_number": "", "school_form": "",
         "legal_form": "", "carrier_number": ""}
    f.update(kw)
    return f


class InstitutionsTest(harness.OfficeTestCase):

    @classmethod
    def prepare_server(cls, srv):
        add_region_wesel(srv)

    # ---- helpers ---------------------------------------------------------------------

    def type_id(self, key, slug="duisburg"):
        return self.one("SELECT id FROM institution_type WHERE region_id = ? AND key = ?",
                        (self.region_id(slug), key))

    def area_id(self, name, hierarchy="admin", slug="duisburg"):
        return self.one("SELECT id FROM area WHERE region_id = ? AND name = ? AND hierarchy = ? "
                        "ORDER BY id", (self.region_id(slug), name, hierarchy))

    def create(self, **kw):
        """Creates an institution through the form; returns its id."""
        self.c.get("/register/institutionen/neu")
        r = self.c.post("/register/institutionen/neu", inst_form(**kw))
        self.assertStatus(r, 303, "creating %r" % (kw,))
        m = re.match(r"^/register/institutionen/(\d+)\?gespeichert=1$", location_path(r))
        self.assertTrue(m, location_path(r))
        return int(m.group(1))

    def count(self, table="institution"):
        return self.one("SELECT count(*) FROM %s WHERE region_id = ?" % table, (self.region_id(),))

    # ---- the form --------------------------------------------------------------------

    def test_01_bad_input_422_nothing_stored(self):
        r = self.c.get("/register/institutionen/neu")
        self.assertStatus(r, 200)
        self.assertInBody('id="institution-school_number"', r)
        before = (self.count(), self.count("institution_tag"), self.count("search_entry"))
        kita = str(self.type_id("kita"))
        # form rules: name missing, e-mail and web address malformed, post code too short
        r = self.c.post("/register/institutionen/neu",
                        inst_form(type_id=kita, name="", email="kaputt@", website="ftp://x.de",
                                  postcode="4705", tags="Inklusion"))
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "institution-name"),
                         "Name: Bitte füllen Sie dieses Feld aus.", r.describe(3000))
        self.assertIn("E-Mail", field_error(r, "institution-email") or "")
        self.assertIn("https://", field_error(r, "institution-website") or "")
        self.assertIsNotNone(field_error(r, "institution-postcode"))
        self.assertInBody('id="institution-errors"', r)
        self.assertInBody('href="#institution-name"', r)
        self.assertEqual(input_value(r, "institution-email"), "kaputt@")
        self.assertEqual(input_value(r, "institution-tags"), "Inklusion")
        self.assertEqual(selected_value(r, "institution-type_id"), kita)

        # store rules: school details for a kind without school fields
        r = self.c.post("/register/institutionen/neu",
                        inst_form(type_id=kita, name="Kita Testweg", school_number="123456"))
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "institution-school_number"),
                         "Schulangaben sind nur bei einer Art mit Schulfeldern möglich, etwa "
                         "Schule. Bitte leeren Sie dieses Feld oder wählen Sie eine solche Art.")
        # a Schulnummer of the wrong shape, and one another school has
        school = str(self.type_id("school"))
        r = self.c.post("/register/institutionen/neu",
                        inst_form(type_id=school, name="Testschule", school_number="12345"))
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "institution-school_number"),
                         "Die Schulnummer hat sechs Ziffern, zum Beispiel 112233.")
        taken = self.one("SELECT school_number FROM institution WHERE region_id = ? AND "
                         "school_number <> '' ORDER BY id", (self.region_id(),))
        r = self.c.post("/register/institutionen/neu",
                        inst_form(type_id=school, name="Testschule", school_number=taken,
                                  school_form="99"))
        self.assertStatus(r, 422)
        self.assertIsNotNone(field_error(r, "institution-school_form"))
        r = self.c.post("/register/institutionen/neu",
                        inst_form(type_id=school, name="Testschule", school_number=taken,
                                  school_form="20"))
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "institution-school_number"),
                         "Eine andere Institution der Region hat schon diese Schulnummer.")
        self.assertEqual(input_value(r, "institution-name"), "Testschule")
        # another region's kind is no choice here
        r = self.c.post("/register/institutionen/neu",
                        inst_form(type_id=str(self.type_id("kita", "wesel")), name="Fremd"))
        self.assertStatus(r, 422)
        self.assertIsNotNone(field_error(r, "institution-type_id"))
        self.assertEqual((self.count(), self.count("institution_tag"), self.count("search_entry")),
                         before)

    def test_02_create_show_edit(self):
        # the demo's post-code table puts 47051 into Mitte
        mitte = self.one("SELECT a.id FROM area_postcode p JOIN area a ON a.id = p.area_id "
                         "WHERE p.region_id = ? AND p.postcode = '47051' AND a.hierarchy = 'admin' "
                         "AND p.quarter = ''", (self.region_id(),))
        iid = self.create(type_id=str(self.type_id("school")), name="Testgymnasium Königstraße",
                          name_extra="Städtisches Gymnasium", short_name="Gym Test",
                          street="Königstraße 99", postcode="47051", city="Duisburg",
                          phone="0203 123456", email="info@testgym.example.org",
                          website="https://testgym.example.org", tags="MINT, Ganztag, mint",
                          notes="Nur ein Test.", school_number="199999", school_form="20",
                          legal_form="1", carrier_number="10054")
        row = self.q("SELECT name, name_extra, postcode, school_number, school_form, legal_form, "
                     "carrier_number, sort_name FROM institution WHERE id = ?", (iid,))[0]
        self.assertEqual(row, ("Testgymnasium Königstraße", "Städtisches Gymnasium", "47051",
                               "199999", "20", "1", "10054", "testgymnasium konigstrasse"))
        self.assertEqual(sorted(t for (t,) in self.q(
            "SELECT tag FROM institution_tag WHERE institution_id = ?", (iid,))), ["Ganztag", "MINT"])
        self.assertEqual([a for (a,) in self.q(
            "SELECT area_id FROM institution_area WHERE institution_id = ?", (iid,))], [mitte])
        self.assertEqual(self.one("SELECT count(*) FROM search_entry WHERE kind = 'institution' "
                                  "AND ref_id = ?", (iid,)), 1)
        r = self.c.get("/register/institutionen/%d?gespeichert=1" % iid)
        self.assertStatus(r, 200)
        text = main_text(r)
        for want in ("Die Institution wurde gespeichert.", "Testgymnasium Königstraße",
                     "Königstraße 99, 47051 Duisburg", "Gymnasium (20)", "öffentlich", "199999",
                     "Ganztag, MINT", "Mitte"):
            self.assertIn(want, text)
        # the search finds it, folded
        r = self.c.get("/register/institutionen?q=" + urllib.parse.quote("konigstrasse 199999"))
        self.assertIn("Testgymnasium Königstraße", main_text(r))

        # edit: the form shows the stored values; a new area by hand wins over the table
        r = self.c.get("/register/institutionen/%d/bearbeiten" % iid)
        self.assertStatus(r, 200)
        self.assertEqual(input_value(r, "institution-tags"), "Ganztag, MINT")
        self.assertEqual(selected_value(r, "institution-area_admin"), str(mitte))
        hochheide = self.area_id("Hochheide", "social")
        r = self.c.post("/register/institutionen/%d/bearbeiten" % iid,
                        inst_form(type_id=str(self.type_id("school")), name="Testgymnasium Süd",
                                  postcode="47051", area_social=str(hochheide), tags="",
                                  school_number="199999", school_form="20"))
        self.assertRedirect(r, "/register/institutionen/%d?gespeichert=1" % iid)
        self.assertEqual(sorted(a for (a,) in self.q(
            "SELECT area_id FROM institution_area WHERE institution_id = ?", (iid,))),
            sorted([mitte, hochheide]))
        self.assertEqual(self.one("SELECT count(*) FROM institution_tag WHERE institution_id = ?",
                                  (iid,)), 0)
        self.assertEqual(self.one("SELECT title FROM search_entry WHERE kind = 'institution' "
                                  "AND ref_id = ?", (iid,)), "Testgymnasium Süd")

    def test_03_json(self):
        r = self.c.get("/register/institutionen?art=%d" % self.type_id("school"), headers=JSON)
        self.assertStatus(r, 200)
        m = json.loads(r.text)
        schools = self.one("SELECT count(*) FROM institution WHERE type_id = ?",
                           (self.type_id("school"),))
        self.assertEqual(m["total"], schools)
        self.assertEqual(len(m["rows"]), min(50, schools))
        row = m["rows"][0]
        for key in ("id", "name", "type_id", "type_key", "type_label", "postcode", "city",
                    "areas", "tags", "href"):
            self.assertIn(key, row)
        self.assertEqual(m["pagination"]["total"], schools)
        iid = row["id"]
        r = self.c.get("/register/institutionen/%d" % iid, headers=JSON)
        self.assertStatus(r, 200)
        d = json.loads(r.text)
        self.assertEqual(d["institution"]["id"], iid)
        self.assertEqual(d["institution"]["type_key"], "school")
        self.assertIn("current", d["people"])
        self.assertIn("current", d["bodies"])
        # a refused form as JSON
        self.c.get("/register/institutionen/neu")
        r = self.c.post("/register/institutionen/neu",
                        inst_form(type_id=str(self.type_id("school")), name="",
                                  school_number="abc"), headers=JSON)
        self.assertStatus(r, 422)
        errs = {e["field"]: e["message"] for e in json.loads(r.text)["errors"]}
        self.assertEqual(errs["name"], "Name: Bitte füllen Sie dieses Feld aus.")
        # areas, post codes and kinds as JSON too
        for path, key in (("/register/gebiete", "hierarchies"), ("/register/gebiete/plz", "rows"),
                          ("/register/institutionsarten", "types")):
            r = self.c.get(path, headers=JSON)
            self.assertStatus(r, 200, path)
            self.assertIn(key, json.loads(r.text))

    # ---- the list --------------------------------------------------------------------

    def list_json(self, query):
        r = self.c.get("/register/institutionen?" + query, headers=JSON)
        self.assertStatus(r, 200, query)
        return json.loads(r.text)

    def test_04_filters_and_pages(self):
        rid = self.region_id()
        school = self.type_id("school")
        total = self.one("SELECT count(*) FROM institution WHERE region_id = ? AND type_id = ?",
                         (rid, school))
        self.assertGreater(total, 100)
        # page 2 of the schools by name: the next 50 in sort_name order
        names = [n for (n,) in self.q("SELECT name FROM institution WHERE region_id = ? AND "
                                      "type_id = ? ORDER BY sort_name, id", (rid, school))]
        m = self.list_json("art=%d&seite=2" % school)
        self.assertEqual([x["name"] for x in m["rows"]], names[50:100])
        # the page links keep the filter
        r = self.c.get("/register/institutionen?art=%d&seite=2" % school)
        self.assertInBody("art=%d&amp;seite=3" % school, r)
        self.assertInBody('href="/register/institutionen?art=%d"' % school, r)
        self.assertIn("51–100 von %d" % total, main_text(r))

        # an area includes its sub-areas
        bezirk = self.one("SELECT parent_id FROM area WHERE region_id = ? AND parent_id IS NOT NULL "
                          "ORDER BY id", (rid,))
        want = self.one(
            "SELECT count(DISTINCT ia.institution_id) FROM institution_area ia JOIN area a "
            "ON a.id = ia.area_id WHERE ia.region_id = ? AND (a.id = ? OR a.parent_id = ?)",
            (rid, bezirk, bezirk))
        self.assertGreater(want, 0)
        self.assertEqual(self.list_json("gebiet=%d" % bezirk)["total"], want)

        # a tag
        tag, n = self.q("SELECT tag, count(*) FROM institution_tag WHERE region_id = ? "
                        "GROUP BY tag ORDER BY count(*) DESC, tag", (rid,))[0]
        m = self.list_json("schlagwort=" + urllib.parse.quote(tag))
        self.assertEqual(m["total"], n)
        self.assertTrue(all(tag in x["tags"] for x in m["rows"]))

        # the search folds German spelling; filters still apply
        inst, street = self.q("SELECT id, street FROM institution WHERE region_id = ? AND "
                              "(street LIKE ? OR street LIKE ? OR street LIKE ?) ORDER BY id",
                              (rid, "%ß%", "%ü%", "%ö%"))[0]
        word = [w for w in re.split(r"[^\w]+", street) if re.search("[ßüö]", w)][0]
        typed = word.lower().replace("ß", "ss").replace("ü", "ue").replace("ö", "oe")
        m = self.list_json("q=" + urllib.parse.quote(typed))
        self.assertIn(inst, [x["id"] for x in m["rows"]], typed)
        m = self.list_json("q=gesamtschule&art=%d&sortierung=name" % school)
        self.assertGreater(m["total"], 0)
        got = [x["name"] for x in m["rows"]]
        self.assertEqual(got, sorted(got, key=lambda s: self.one(
            "SELECT sort_name FROM institution WHERE region_id = ? AND name = ?", (rid, s))))
        m = self.list_json("q=gesamtschule&art=%d" % self.type_id("kita"))
        self.assertEqual(m["total"], 0)

        # sort by post code
        m = self.list_json("sortierung=plz")
        codes = [x["postcode"] for x in m["rows"]]
        self.assertEqual(codes, sorted(codes, key=lambda c: (c == "", c)))

        # a search term that is too long: 422 with the message next to the box
        r = self.c.get("/register/institutionen?q=" + "a" * 201)
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "institutions-q"),
                         "Der Suchbegriff ist zu lang: höchstens 200 Zeichen.")
        # malformed filters
        self.assertStatus(self.c.get("/register/institutionen?art=x"), 400)
        self.assertStatus(self.c.get("/register/institutionen?sortierung=zufall"), 400)

    def test_05_relations_both_ways(self):
        rid = self.region_id()
        # an institution some membership represents, and one with an affiliation
        mid, iid, body, last = self.q(
            "SELECT m.id, m.institution_id, b.name, p.last_name FROM membership m "
            "JOIN body b ON b.id = m.body_id JOIN person p ON p.id = m.person_id "
            "WHERE m.region_id = ? AND m.institution_id IS NOT NULL ORDER BY m.id", (rid,))[0]
        text = main_text(self.c.get("/register/institutionen/%d" % iid))
        self.assertIn(body, text)
        self.assertIn(last, text)
        if not self.q("SELECT id FROM person_affiliation WHERE institution_id = ?", (iid,)):
            pid = self.one("SELECT person_id FROM membership WHERE id = ?", (mid,))
            self.server.execute("INSERT INTO person_affiliation (region_id, person_id, "
                                "institution_id, function, start_day, end_day) VALUES "
                                "(?, ?, ?, 'Lehrkraft', '2010-08-01', '2019-07-31')",
                                (rid, pid, iid))
        d = json.loads(self.c.get("/register/institutionen/%d" % iid, headers=JSON).text)
        people = d["people"]["current"] + d["people"]["former"]
        self.assertTrue(people)
        self.assertTrue(all(p["href"].startswith("/register/personen/") for p in people))
        self.assertTrue(any(b["body_name"] == body for b in d["bodies"]["current"]))
        former = [p for p in d["people"]["former"] if p.get("end_day") == "2019-07-31"]
        if former:
            self.assertEqual(former[0]["period"], "01.08.2010 bis 31.07.2019")

    # ---- delete ----------------------------------------------------------------------

    def test_06_delete(self):
        rid = self.region_id()
        used = self.one("SELECT institution_id FROM membership WHERE region_id = ? AND "
                        "institution_id IS NOT NULL ORDER BY id", (rid,))
        r = self.c.get("/register/institutionen/%d/loeschen" % used)
        self.assertStatus(r, 200)
        self.assertInBody('id="institution-delete-in-use"', r)
        r = self.c.post("/register/institutionen/%d/loeschen" % used)
        self.assertStatus(r, 409)
        self.assertIn("kann nicht gelöscht werden", main_text(r))
        self.assertEqual(self.one("SELECT count(*) FROM institution WHERE id = ?", (used,)), 1)

        iid = self.create(type_id=str(self.type_id("other")), name="Zum Löschen e. V.",
                          tags="weg")
        r = self.c.get("/register/institutionen/%d/loeschen" % iid)
        self.assertStatus(r, 200)
        r = self.c.post("/register/institutionen/%d/loeschen" % iid)
        self.assertRedirect(r, "/register/institutionen?gespeichert=geloescht")
        self.assertEqual(self.one("SELECT count(*) FROM institution WHERE id = ?", (iid,)), 0)
        self.assertEqual(self.one("SELECT count(*) FROM institution_tag WHERE institution_id = ?",
                                  (iid,)), 0)
        self.assertEqual(self.one("SELECT count(*) FROM search_entry WHERE kind = 'institution' "
                                  "AND ref_id = ?", (iid,)), 0)
        self.assertStatus(self.c.get("/register/institutionen/%d" % iid), 404)

    def test_07_other_region(self):
        wesel = self.region_id("wesel")
        iid = self.one("INSERT INTO institution (region_id, type_id, name, sort_name, created_at, "
                       "updated_at) VALUES (?, ?, 'Weselschule', 'weselschule', ?, ?) RETURNING id",
                       (wesel, self.type_id("school", "wesel"), NOW, NOW))
        aid = self.one("INSERT INTO area (region_id, hierarchy, kind, name) VALUES "
                       "(?, 'admin', 'Stadtbezirk', 'Weselbezirk') RETURNING id", (wesel,))
        for path in ("/register/institutionen/%d" % iid, "/register/institutionen/%d/bearbeiten" % iid,
                     "/register/gebiete/%d/bearbeiten" % aid):
            self.assertStatus(self.c.get(path), 404, path)
        self.assertStatus(self.c.post("/register/institutionen/%d/loeschen" % iid), 404)
        self.assertStatus(self.c.post("/register/gebiete/%d/loeschen" % aid), 404)
        self.assertStatus(self.c.post("/register/institutionsarten/%d/loeschen"
                                      % self.type_id("other", "wesel")), 404)
        self.assertEqual(self.one("SELECT count(*) FROM institution WHERE id = ?", (iid,)), 1)
        self.assertEqual(self.one("SELECT count(*) FROM area WHERE id = ?", (aid,)), 1)
        # only the office
        m = Client(self.server)
        m.login(*DEMO_ACCOUNTS["member"])
        self.assertStatus(m.get("/register/institutionen"), 403)

    # ---- areas, post codes, kinds ------------------------------------------------------

    def test_08_areas(self):
        rid = self.region_id()
        r = self.c.get("/register/gebiete")
        self.assertStatus(r, 200)
        text = main_text(r)
        self.assertIn("Stadtbezirke und Ortsteile", text)
        self.assertIn("Sozialräume", text)
        self.c.get("/register/gebiete/neu?hierarchie=social")
        r = self.c.post("/register/gebiete/neu", {"hierarchy": "social", "parent_id": "",
                                                  "name": "Marxloh-Nord", "kind": "",
                                                  "code": "", "position": "3"})
        self.assertRedirect(r, "/register/gebiete?gespeichert=gebiet")
        aid, kind = self.q("SELECT id, kind FROM area WHERE region_id = ? AND name = 'Marxloh-Nord'",
                           (rid,))[0]
        self.assertEqual(kind, "Sozialraum")
        # a parent of the other hierarchy
        bezirk = self.one("SELECT parent_id FROM area WHERE region_id = ? AND parent_id IS NOT NULL "
                          "ORDER BY id", (rid,))
        before = self.count("area")
        r = self.c.post("/register/gebiete/neu", {"hierarchy": "social", "parent_id": str(bezirk),
                                                  "name": "Falsch", "kind": "", "code": "",
                                                  "position": "0"})
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "area-parent_id"),
                         "Das übergeordnete Gebiet muss zur selben Gliederung gehören.")
        self.assertEqual(input_value(r, "area-name"), "Falsch")
        self.assertEqual(self.count("area"), before)
        # a Stadtbezirk with Ortsteile cannot go
        r = self.c.post("/register/gebiete/%d/loeschen" % bezirk)
        self.assertStatus(r, 409)
        self.assertIn("solange es Teilgebiete hat", main_text(r))
        # edit, then delete the new one
        r = self.c.post("/register/gebiete/%d/bearbeiten" % aid,
                        {"parent_id": "", "name": "Marxloh", "kind": "Sozialraum", "code": "S1",
                         "position": "3"})
        self.assertRedirect(r, "/register/gebiete?gespeichert=gebiet")
        self.assertEqual(self.q("SELECT name, code FROM area WHERE id = ?", (aid,))[0],
                         ("Marxloh", "S1"))
        r = self.c.post("/register/gebiete/%d/loeschen" % aid)
        self.assertRedirect(r, "/register/gebiete?gespeichert=geloescht")
        self.assertEqual(self.one("SELECT count(*) FROM area WHERE id = ?", (aid,)), 0)

    def test_09_postcodes(self):
        rid = self.region_id()
        mitte = self.area_id("Mitte")
        before = self.count("area_postcode")
        self.c.get("/register/gebiete/plz")
        r = self.c.post("/register/gebiete/plz", {"postcode": "4711", "quarter": "",
                                                  "area_id": str(mitte)})
        self.assertStatus(r, 422)
        self.assertIsNotNone(field_error(r, "postcode-postcode"))
        r = self.c.post("/register/gebiete/plz", {"postcode": "47099", "quarter": "Hafen",
                                                  "area_id": ""})
        self.assertStatus(r, 422)
        self.assertIsNotNone(field_error(r, "postcode-area_id"))
        self.assertEqual(self.count("area_postcode"), before)
        r = self.c.post("/register/gebiete/plz", {"postcode": "47099", "quarter": "Hafen",
                                                  "area_id": str(mitte)})
        self.assertRedirect(r, "/register/gebiete/plz?gespeichert=plz")
        pid = self.one("SELECT id FROM area_postcode WHERE region_id = ? AND postcode = '47099'",
                       (rid,))
        r = self.c.post("/register/gebiete/plz", {"postcode": "47099", "quarter": "Hafen",
                                                  "area_id": str(mitte)})
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "postcode-postcode"),
                         "Diese Postleitzahl ist diesem Gebiet schon zugeordnet.")
        self.assertIn("47099", main_text(self.c.get("/register/gebiete/plz")))
        r = self.c.post("/register/gebiete/plz/%d/loeschen" % pid)
        self.assertRedirect(r, "/register/gebiete/plz?gespeichert=geloescht")
        self.assertEqual(self.count("area_postcode"), before)
        self.assertStatus(self.c.post("/register/gebiete/plz/%d/loeschen" % pid), 404)

    def test_10_kinds(self):
        rid = self.region_id()
        self.c.get("/register/institutionsarten")
        r = self.c.post("/register/institutionsarten", {"name": "Familienzentrum NRW",
                                                        "is_school": ""})
        self.assertRedirect(r, "/register/institutionsarten?gespeichert=neu")
        tid = self.one("SELECT id FROM institution_type WHERE region_id = ? AND "
                       "name = 'Familienzentrum NRW'", (rid,))
        r = self.c.post("/register/institutionsarten", {"name": "Familienzentrum NRW"})
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "type-name"),
                         "Eine Art von Institution mit diesem Namen gibt es schon.")
        r = self.c.post("/register/institutionsarten/%d" % tid, {"name": "Schule"})
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "type-%d-name" % tid),
                         "Eine Art von Institution mit diesem Namen gibt es schon.")
        self.assertEqual(input_value(r, "type-%d-name" % tid), "Schule")
        r = self.c.post("/register/institutionsarten/%d" % tid, {"name": "Familienzentrum"})
        self.assertRedirect(r, "/register/institutionsarten?gespeichert=umbenannt")
        self.assertEqual(self.one("SELECT name FROM institution_type WHERE id = ?", (tid,)),
                         "Familienzentrum")
        # a used kind stays
        r = self.c.post("/register/institutionsarten/%d/loeschen" % self.type_id("school"))
        self.assertStatus(r, 409)
        self.assertIn("solange Institutionen sie haben", main_text(r))
        r = self.c.post("/register/institutionsarten/%d/loeschen" % tid)
        self.assertRedirect(r, "/register/institutionsarten?gespeichert=geloescht")
        self.assertEqual(self.one("SELECT count(*) FROM institution_type WHERE id = ?", (tid,)), 0)
        # English UI: built-in kinds in English, the office's own as named
        r = self.c.get("/register/institutionsarten?lang=en")
        self.assertIn("Day-care centre for children", main_text(r))
        r = self.c.get("/register/institutionsarten?lang=de")
        self.assertIn("Kindertageseinrichtung", main_text(r))


if __name__ == "__main__":
    sys.exit(harness.main("register-institutions"))
