#!/usr/bin/env python3
"""test_register_dupes.py — likely duplicates and merging (/register/dubletten…) against
the real binary, on SQLite or PostgreSQL (BIREG_TEST_BACKEND):

  * the list: the demo's pairs with their German reasons (Jörg Müller / Joerg Mueller:
    gleiche E-Mail, gleicher Name; K. Musterfrau / Katharina Musterfrau: ähnlicher Name;
    the Kita-Verbund entered twice), the same as JSON;
  * "Keine Dublette": 303 back to the list, the row in duplicate_dismissed, the pair gone;
    a pair of one record 422, an unknown or foreign record 404;
  * the merge form: a pair of radio buttons per differing field, preset to the kept
    value (the other's where the kept one is empty), the references to move counted;
  * POST merge: 303, every reference (affiliations, memberships, consents, change log) on
    the kept id, the other row gone, the chosen value stored, the merge entry written;
    as JSON the same; institutions: tags united, the other gone;
  * refusals: the record with itself 422, another region's record 404, both linked to an
    account 409, an erased person 409, a value the store refuses 422 with the form
    again — nothing changed by any of them; an unknown choice 400; a member 403.

Run:  python3 tests/http/test_register_dupes.py   (BIREG_BIN=build-x/bireg to pick a build)

The last line of the output is `register-dupes: N passed, N failed, N skipped`.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DEMO_ACCOUNTS, Client, add_region_wesel, location_path, main_text  # noqa: E402

JSON = {"Accept": "application/json"}
NOW = "2026-01-01T00:00:00Z"


class DupesTest(harness.OfficeTestCase):

    @classmethod
    def prepare_server(cls, srv):
        add_region_wesel(srv)

    def person(self, first, last):
        return self.one("SELECT id FROM person WHERE region_id = ? AND first_name = ? AND "
                        "last_name = ?", (self.region_id(), first, last))

    def count(self, sql, params=()):
        return self.one(sql, params)

    def pairs(self, art="personen"):
        r = self.c.get("/register/dubletten?art=%s" % art, headers=JSON)
        self.assertStatus(r, 200)
        got = json.loads(r.text)
        return {(p["a"]["id"], p["b"]["id"]): [x["code"] for x in p["reasons"]]
                for p in got["pairs"]}

    def new_person(self, first, last, email, region=None):
        return self.server.query(
            "INSERT INTO person (region_id, first_name, last_name, email, sort_name, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (region or self.region_id(), first, last, email, last.lower(), NOW, NOW))[0][0]

    # ---- the list ---------------------------------------------------------------

    def test_01_list_has_the_demo_pairs(self):
        j1, j2 = self.person("Jörg", "Müller"), self.person("Joerg", "Mueller")
        k1, k2 = self.person("Katharina", "Musterfrau"), self.person("K.", "Musterfrau")
        r = self.c.get("/register/dubletten")
        self.assertStatus(r, 200)
        text = main_text(r)
        self.assertIn("Mögliche Dubletten", text)
        self.assertIn("Jörg Müller", text)
        self.assertIn("Joerg Mueller", text)
        self.assertIn("gleiche E-Mail", text)
        self.assertIn("gleicher Name", text)
        self.assertIn("ähnlicher Name", text)
        self.assertInBody('href="/register/dubletten/personen/%d/%d"' % (min(j1, j2), max(j1, j2)), r)
        pairs = self.pairs()
        self.assertEqual(pairs[(min(j1, j2), max(j1, j2))], ["email", "name"])
        self.assertEqual(pairs[(min(k1, k2), max(k1, k2))], ["similar_name"])
        # institutions: the Kita-Verbund entered twice
        t1 = self.one("SELECT id FROM institution WHERE name = 'Kita-Verbund Beispielhafen gGmbH'")
        t2 = self.one("SELECT id FROM institution WHERE name = 'Kita Verbund Beispielhafen GmbH'")
        ipairs = self.pairs("institutionen")
        self.assertEqual(ipairs[(min(t1, t2), max(t1, t2))], ["name"])
        r = self.c.get("/register/dubletten?art=institutionen")
        self.assertIn("Kita Verbund Beispielhafen GmbH", main_text(r))
        # the register's overview links here
        self.assertInBody('href="/register/dubletten"', self.c.get("/register"))

    def test_02_not_a_duplicate(self):
        k1, k2 = self.person("Katharina", "Musterfrau"), self.person("K.", "Musterfrau")
        self.c.get("/register/dubletten")
        r = self.c.post("/register/dubletten/keine-dublette", {"art": "personen", "a": k2, "b": k1})
        self.assertRedirect(r, "/register/dubletten?art=personen&verworfen=1")
        self.assertEqual(self.count("SELECT count(*) FROM duplicate_dismissed WHERE entity = 'person' "
                                    "AND low_id = ? AND high_id = ?", (min(k1, k2), max(k1, k2))), 1)
        self.assertNotIn((min(k1, k2), max(k1, k2)), self.pairs())
        r = self.c.get("/register/dubletten?art=personen&verworfen=1")
        self.assertIn("als „keine Dublette“ markiert", main_text(r))
        # again: no error, one row
        r = self.c.post("/register/dubletten/keine-dublette", {"art": "personen", "a": k1, "b": k2},
                        headers=JSON)
        self.assertStatus(r, 200)
        self.assertEqual(json.loads(r.text)["dismissed"], True)
        self.assertEqual(self.count("SELECT count(*) FROM duplicate_dismissed WHERE low_id = ?",
                                    (min(k1, k2),)), 1)
        # one record twice, unknown, another region's
        before = self.count("SELECT count(*) FROM duplicate_dismissed")
        r = self.c.post("/register/dubletten/keine-dublette", {"art": "personen", "a": k1, "b": k1})
        self.assertStatus(r, 422)
        r = self.c.post("/register/dubletten/keine-dublette", {"art": "personen", "a": k1, "b": 9999999})
        self.assertStatus(r, 404)
        foreign = self.new_person("Wera", "Wesel", "wera@example.org", self.region_id("wesel"))
        r = self.c.post("/register/dubletten/keine-dublette", {"art": "personen", "a": k1, "b": foreign})
        self.assertStatus(r, 404)
        r = self.c.post("/register/dubletten/keine-dublette", {"art": "gremien", "a": k1, "b": k2})
        self.assertStatus(r, 400)
        self.assertEqual(self.count("SELECT count(*) FROM duplicate_dismissed"), before)

    # ---- merging people -------------------------------------------------------------

    def test_03_merge_form(self):
        j1, j2 = self.person("Jörg", "Müller"), self.person("Joerg", "Mueller")
        r = self.c.get("/register/dubletten/personen/%d/%d" % (j1, j2))
        self.assertStatus(r, 200)
        self.assertIn("Zwei Personen zusammenführen", main_text(r))
        # first name differs: two radios, the kept one checked
        self.assertInBody('id="merge-take-first_name-keep" name="first_name" value="keep" checked', r)
        self.assertInBody('id="merge-take-first_name-other" name="first_name" value="other">', r)
        self.assertInBody('id="merge-swap" href="/register/dubletten/personen/%d/%d"' % (j2, j1), r)
        got = json.loads(self.c.get("/register/dubletten/personen/%d/%d" % (j1, j2), headers=JSON).text)
        fields = {f["field"]: f for f in got["fields"]}
        self.assertEqual(fields["email"]["differ"], True)
        self.assertEqual(fields["last_name"]["take"], "keep")
        self.assertIn("person_affiliation", [x["table"] for x in got["refs"]])

    def test_04_merge_people(self):
        j1, j2 = self.person("Jörg", "Müller"), self.person("Joerg", "Mueller")
        rid = self.region_id()
        body = self.one("SELECT id FROM body WHERE region_id = ? AND name = 'Lenkungskreis'", (rid,))
        m = self.server.query(
            "INSERT INTO membership (region_id, body_id, person_id, role, voting, start_day, "
            "created_at, updated_at) VALUES (?, ?, ?, 'guest', 0, '2025-01-01', ?, ?) RETURNING id",
            (rid, body, j2, NOW, NOW))[0][0]
        self.c.get("/register/personen/%d" % j2)
        r = self.c.post("/register/personen/%d/einwilligungen" % j2,
                        {"kind": "photos", "given": "1", "day": "1.2.2025", "source": "Formular"})
        self.assertStatus(r, 303)
        aff = self.count("SELECT count(*) FROM person_affiliation WHERE person_id IN (?, ?)", (j1, j2))
        cons = self.count("SELECT count(*) FROM person_consent WHERE person_id IN (?, ?)", (j1, j2))
        self.c.get("/register/dubletten/personen/%d/%d" % (j1, j2))
        r = self.c.post("/register/dubletten/personen/%d/%d" % (j1, j2),
                        {"first_name": "other", "function": "other"})
        self.assertRedirect(r, "/register/dubletten?art=personen&zusammengefuehrt=1&behalten=%d" % j1)
        self.assertEqual(self.count("SELECT count(*) FROM person WHERE id = ?", (j2,)), 0)
        for table, col in (("membership", "person_id"), ("person_affiliation", "person_id"),
                           ("person_consent", "person_id"), ("account_person", "person_id"),
                           ("change_log", "person_id")):
            self.assertEqual(self.count("SELECT count(*) FROM %s WHERE %s = ?" % (table, col), (j2,)),
                             0, table)
        self.assertEqual(self.count("SELECT count(*) FROM change_log WHERE entity = 'person' AND "
                                    "entity_id = ?", (j2,)), 0)
        self.assertEqual(self.one("SELECT person_id FROM membership WHERE id = ?", (m,)), j1)
        self.assertEqual(self.count("SELECT count(*) FROM person_affiliation WHERE person_id = ?", (j1,)), aff)
        self.assertEqual(self.count("SELECT count(*) FROM person_consent WHERE person_id = ?", (j1,)), cons)
        row = self.q("SELECT first_name, last_name, function, email FROM person WHERE id = ?", (j1,))[0]
        self.assertEqual(tuple(row), ("Joerg", "Müller", "Lehrer, Beratung", "joerg.mueller@example.org"))
        self.assertEqual(self.count("SELECT count(*) FROM change_log WHERE action = 'merge' AND "
                                    "entity = 'person' AND entity_id = ? AND sub_id = ?", (j1, j2)), 1)
        self.assertEqual(self.count("SELECT count(*) FROM search_entry WHERE kind = 'person' AND "
                                    "ref_id = ?", (j2,)), 0)
        r = self.c.get(location_path(r))
        self.assertIn("Die beiden Datensätze wurden zusammengeführt.", main_text(r))
        self.assertInBody('id="dupes-kept-link" href="/register/personen/%d"' % j1, r)
        self.assertStatus(self.c.get("/register/personen/%d" % j2), 404)

    def test_05_merge_as_json(self):
        a = self.new_person("Heike", "Doppelt", "heike.doppelt@example.org")
        b = self.new_person("Heike", "Doppelt", "HEIKE.DOPPELT@example.org")
        self.c.get("/register/dubletten")
        r = self.c.post("/register/dubletten/personen/%d/%d" % (a, b), {}, headers=JSON)
        self.assertStatus(r, 200)
        got = json.loads(r.text)
        self.assertEqual((got["id"], got["merged_id"], got["merged"]), (a, b, True))
        self.assertEqual(self.count("SELECT count(*) FROM person WHERE id = ?", (b,)), 0)

    def test_06_refusals(self):
        rid = self.region_id()
        a = self.new_person("Rita", "Refus", "rita@example.org")
        b = self.new_person("Rita", "Refus", "rita2@example.org")
        self.c.get("/register/dubletten")
        merges = self.count("SELECT count(*) FROM change_log WHERE action = 'merge'")
        # itself
        self.assertStatus(self.c.get("/register/dubletten/personen/%d/%d" % (a, a)), 422)
        r = self.c.post("/register/dubletten/personen/%d/%d" % (a, a), {})
        self.assertStatus(r, 422)
        self.assertIn("nicht mit sich selbst", main_text(r))
        # another region's person
        foreign = self.new_person("Rita", "Refus", "rita@example.org", self.region_id("wesel"))
        self.assertStatus(self.c.get("/register/dubletten/personen/%d/%d" % (a, foreign)), 404)
        self.assertStatus(self.c.post("/register/dubletten/personen/%d/%d" % (a, foreign), {}), 404)
        self.assertEqual(self.count("SELECT count(*) FROM person WHERE id = ?", (foreign,)), 1)
        # an unknown choice
        r = self.c.post("/register/dubletten/personen/%d/%d" % (a, b), {"email": "beide"})
        self.assertStatus(r, 400)
        # a value the store refuses: post without an address (the kept has none)
        self.server.execute("UPDATE person SET preferred_channel = 'post', street = 'Weg 1', "
                            "postcode = '47051', city = 'Duisburg' WHERE id = ?", (b,))
        r = self.c.post("/register/dubletten/personen/%d/%d" % (a, b),
                        {"preferred_channel": "other", "street": "keep", "postcode": "keep",
                         "city": "keep"})
        self.assertStatus(r, 422)
        self.assertInBody('id="merge-errors"', r)
        self.assertInBody('value="keep" checked', r)
        r = self.c.post("/register/dubletten/personen/%d/%d" % (a, b),
                        {"preferred_channel": "other", "street": "keep"}, headers=JSON)
        self.assertStatus(r, 422)
        self.assertTrue(json.loads(r.text)["errors"])
        # both linked to an account: the demo's Mika Vorsitz and Sam Mitglied
        mika, sam = self.person("Mika", "Vorsitz"), self.person("Sam", "Mitglied")
        r = self.c.get("/register/dubletten/personen/%d/%d" % (mika, sam))
        self.assertStatus(r, 200)
        self.assertInBody('id="merge-blocked"', r)
        self.assertNotIn('id="merge-submit"', r.text)
        r = self.c.post("/register/dubletten/personen/%d/%d" % (mika, sam), {})
        self.assertStatus(r, 409)
        self.assertIn("Beide Personen sind mit einem Benutzerkonto verknüpft", main_text(r))
        # an erased person
        self.server.execute("UPDATE person SET erased_at = ? WHERE id = ?", (NOW, b))
        self.assertStatus(self.c.post("/register/dubletten/personen/%d/%d" % (a, b), {}), 409)
        # nothing changed
        self.assertEqual(self.count("SELECT count(*) FROM person WHERE id IN (?, ?, ?, ?)",
                                    (a, b, mika, sam)), 4)
        self.assertEqual(self.count("SELECT count(*) FROM change_log WHERE action = 'merge'"), merges)
        self.assertEqual(self.count("SELECT count(*) FROM person WHERE region_id = ? AND id = ?",
                                    (rid, b)), 1)

    def test_07_merge_institutions(self):
        t1 = self.one("SELECT id FROM institution WHERE name = 'Kita-Verbund Beispielhafen gGmbH'")
        t2 = self.one("SELECT id FROM institution WHERE name = 'Kita Verbund Beispielhafen GmbH'")
        tags = {r[0] for r in self.q("SELECT tag FROM institution_tag WHERE institution_id IN (?, ?)",
                                     (t1, t2))}
        r = self.c.get("/register/dubletten/institutionen/%d/%d" % (t1, t2))
        self.assertStatus(r, 200)
        self.assertIn("Zwei Institutionen zusammenführen", main_text(r))
        r = self.c.post("/register/dubletten/institutionen/%d/%d" % (t1, t2), {})
        self.assertRedirect(r, "/register/dubletten?art=institutionen&zusammengefuehrt=1&behalten=%d" % t1)
        self.assertEqual(self.count("SELECT count(*) FROM institution WHERE id = ?", (t2,)), 0)
        got = {r[0] for r in self.q("SELECT tag FROM institution_tag WHERE institution_id = ?", (t1,))}
        self.assertEqual(got, tags)
        for table, col in (("institution_tag", "institution_id"), ("institution_area", "institution_id"),
                           ("person_affiliation", "institution_id"), ("membership", "institution_id")):
            self.assertEqual(self.count("SELECT count(*) FROM %s WHERE %s = ?" % (table, col), (t2,)),
                             0, table)
        self.assertEqual(self.count("SELECT count(*) FROM change_log WHERE action = 'merge' AND "
                                    "entity = 'institution' AND entity_id = ?", (t1,)), 1)

    def test_08_permissions(self):
        m = Client(self.server)
        self.assertStatus(m.login(*DEMO_ACCOUNTS["member"]), 303)
        self.assertStatus(m.get("/register/dubletten"), 403)
        anon = Client(self.server)
        r = anon.get("/register/dubletten")
        self.assertIn(r.status, (302, 303, 401, 403))


if __name__ == "__main__":
    sys.exit(harness.main("register-dupes"))
