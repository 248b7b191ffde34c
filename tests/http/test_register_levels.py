#!/usr/bin/env python3
"""test_register_levels.py — the region's levels (/register/ebenen) against the real
binary, on SQLite or PostgreSQL (BIREG_TEST_BACKEND):

  * the page lists the demo's levels with their bodies and fills the form with them;
  * renaming a level updates its row in place: the bodies keep their level, and their
    search entries carry the new name (same transaction);
  * adding a fourth level and removing it again;
  * bad input changes nothing: a gap in the numbering, a description without a name,
    no level at all, removing a level that still has bodies (422 with the German message
    next to the field);
  * a JSON client gets the levels and the errors [{field, message}].

Run:  python3 tests/http/test_register_levels.py   (BIREG_BIN=build-x/bireg to pick a build)

The last line of the output is `register-levels: N passed, N failed, N skipped`.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import field_error, input_value  # noqa: E402

JSON = {"Accept": "application/json"}


class LevelsTest(harness.OfficeTestCase):

    def levels(self):
        return self.q("SELECT l.position, l.name, l.id FROM region_level l JOIN region r "
                      "ON r.id = l.region_id WHERE r.slug = 'duisburg' ORDER BY l.position")

    def form_of(self, levels):
        f = {}
        for i, (name, desc) in enumerate(levels, start=1):
            f["name_%d" % i] = name
            f["description_%d" % i] = desc
        return f

    def current_form(self):
        return self.form_of([(name, "") for _, name, _ in self.levels()])

    def test_01_page(self):
        r = self.c.get("/register/ebenen")
        self.assertStatus(r, 200)
        levels = self.levels()
        self.assertEqual(len(levels), 3)
        for pos, name, _ in levels:
            self.assertInBody(name, r)
            self.assertEqual(input_value(r, "levels-name_%d" % pos), name)
        self.assertEqual(input_value(r, "levels-name_4"), "")
        data = json.loads(self.c.get("/register/ebenen", headers=JSON).text)
        self.assertEqual([lv["name"] for lv in data["levels"]], [n for _, n, _ in levels])
        bodies = {lv["position"]: lv["bodies"] for lv in data["levels"]}
        self.assertGreater(bodies[2], 0, "the Lenkungskreis is on level 2")

    def test_02_rename_keeps_bodies_and_reindexes(self):
        before = self.levels()
        lk = self.one("SELECT id FROM body WHERE name = 'Lenkungskreis'")
        level_of_lk = self.one("SELECT level_id FROM body WHERE id = ?", (lk,))
        f = self.current_form()
        f["name_2"] = "Steuerungsebene Zweitausend"
        f["description_2"] = "Strategische Steuerung"
        self.c.get("/register/ebenen")
        r = self.c.post("/register/ebenen", f)
        self.assertStatus(r, 303)
        after = self.levels()
        self.assertEqual([i for _, _, i in after], [i for _, _, i in before], "rows updated in place")
        self.assertEqual(after[1][1], "Steuerungsebene Zweitausend")
        self.assertEqual(self.one("SELECT level_id FROM body WHERE id = ?", (lk,)), level_of_lk)
        self.assertEqual(self.one("SELECT description FROM region_level WHERE id = ?",
                                  (level_of_lk,)), "Strategische Steuerung")
        r = self.c.get("/register/suche?q=zweitausend", headers=JSON)
        self.assertStatus(r, 200)
        self.assertIn("Lenkungskreis", r.text, "the body's search entry names its new level")
        # back to the demo's name for the other tests
        self.c.get("/register/ebenen")
        f["name_2"] = before[1][1]
        f["description_2"] = ""
        self.assertStatus(self.c.post("/register/ebenen", f), 303)

    def test_03_add_and_remove(self):
        f = self.current_form()
        f["name_4"] = "Arbeitsgruppen"
        self.c.get("/register/ebenen")
        self.assertStatus(self.c.post("/register/ebenen", f), 303)
        self.assertEqual([p for p, _, _ in self.levels()], [1, 2, 3, 4])
        f["name_4"] = ""
        self.c.get("/register/ebenen")
        self.assertStatus(self.c.post("/register/ebenen", f), 303)
        self.assertEqual([p for p, _, _ in self.levels()], [1, 2, 3])

    def test_04_bad_input_changes_nothing(self):
        before = self.levels()
        cases = [
            ({"name_4": "", "name_5": "Lücke"}, "levels-name_4", "ohne Lücken"),
            ({"name_4": "", "description_4": "nur Text"}, "levels-name_4", "braucht einen Namen"),
            ({"name_1": "", "name_2": "", "name_3": ""}, "levels-name_1", "mindestens eine Ebene"),
            ({"name_3": ""}, "levels-name_3", "noch Gremien"),
        ]
        for change, field, text in cases:
            f = self.current_form()
            f.update(change)
            self.c.get("/register/ebenen")
            r = self.c.post("/register/ebenen", f)
            self.assertStatus(r, 422, str(change))
            msg = field_error(r, field)
            self.assertTrue(msg and text in msg, "%s: %r" % (change, msg))
            self.assertEqual(self.levels(), before, "nothing changed for %s" % change)
        self.c.get("/register/ebenen")
        f = self.current_form()
        f["name_3"] = ""
        r = self.c.post("/register/ebenen", f, headers=JSON)
        self.assertStatus(r, 422)
        errors = json.loads(r.text)["errors"]
        self.assertEqual([e["field"] for e in errors], ["name_3"])


if __name__ == "__main__":
    sys.exit(harness.main("register-levels"))
