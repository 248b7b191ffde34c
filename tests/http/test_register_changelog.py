#!/usr/bin/env python3
"""test_register_changelog.py — the register's change log (Änderungsprotokoll) against the
real binary, on SQLite or PostgreSQL (BIREG_TEST_BACKEND):

  * an edit through the person form appears in /register/personen/{id}/protokoll with the
    old and the new value, the field's German label and the office's name as actor; the
    JSON answer carries the raw entry (field, old, new); an affiliation shows in the
    person's log as well;
  * institutions and bodies edited through their forms have their logs; every detail page
    links to its log;
  * the region's log (/register/protokoll) filters by kind of record, action and days;
    a wrong day is answered 422 with the message next to the field;
  * another region's record has no log (404), and the log is the office's;
  * codes (channel, form of address, role, partner side) show as the forms' labels in the
    page's language, ids of other records (institution, person) as their names, a record
    that is gone as "gelöschter Eintrag (Nr. N)".

Run:  python3 tests/http/test_register_changelog.py   (BIREG_BIN=build-x/bireg)
The last line of the output is `register-changelog: N passed, N failed, N skipped`.
"""

import datetime
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (DEMO_ACCOUNTS, Client, add_region_wesel, field_error,  # noqa: E402
                     location_path, main_text)

JSON = {"Accept": "application/json"}


def person_form(**kw):
    f = {"address_form": "", "title": "", "first_name": "", "last_name": "",
         "letter_salutation": "", "function": "", "email": "", "phone": "", "mobile": "",
         "street": "", "postcode": "", "city": "", "preferred_channel": "email",
         "legal_basis": "public_task", "legal_basis_note": "", "account_email": "", "notes": ""}
    f.update(kw)
    return f


class ChangelogTest(harness.OfficeTestCase):

    @classmethod
    def prepare_server(cls, srv):
        add_region_wesel(srv)

    def office_name(self):
        return self.one("SELECT display_name FROM account WHERE email = ?",
                        (DEMO_ACCOUNTS["office"][0],))

    def create_person(self, **kw):
        self.c.get("/register/personen/neu")
        r = self.c.post("/register/personen/neu", person_form(**kw))
        self.assertStatus(r, 303, "creating a person")
        return int(re.match(r"^/register/personen/(\d+)", location_path(r)).group(1))

    def test_01_person_edit_in_its_log(self):
        pid = self.create_person(first_name="Lotte", last_name="Protokoll",
                                 email="lotte@example.org", city="Duisburg")
        self.c.get("/register/personen/%d/bearbeiten" % pid)
        r = self.c.post("/register/personen/%d/bearbeiten" % pid,
                        person_form(first_name="Lotte", last_name="Protokoll",
                                    email="l.protokoll@example.org", city="Duisburg",
                                    phone="0203 4711"))
        self.assertStatus(r, 303, "editing the person")
        # the row in the database: exactly the changed fields
        rows = self.q("SELECT action, changes, actor FROM change_log WHERE entity = 'person' "
                      "AND entity_id = ? ORDER BY id", (pid,))
        self.assertEqual([x[0] for x in rows], ["create", "update"])
        changes = json.loads(rows[1][1])
        self.assertEqual({c["field"] for c in changes}, {"email", "phone"})
        self.assertEqual(rows[1][2], self.office_name())

        # the person's page links to the log
        r = self.c.get("/register/personen/%d" % pid)
        self.assertInBody('href="/register/personen/%d/protokoll"' % pid, r)
        r = self.c.get("/register/personen/%d/protokoll" % pid)
        self.assertStatus(r, 200)
        text = main_text(r)
        self.assertIn("Änderungsprotokoll", text)
        self.assertIn("E-Mail-Adresse:", text)
        self.assertIn("lotte@example.org", text)
        self.assertIn("l.protokoll@example.org", text)
        self.assertIn(self.office_name(), text)
        self.assertIn("Geändert", text)
        self.assertIn("Angelegt", text)
        # German date and time
        self.assertRegex(text, r"\d\d\.\d\d\.20\d\d, \d\d:\d\d Uhr")

        # JSON: the raw entries
        r = self.c.get("/register/personen/%d/protokoll" % pid, headers=JSON)
        got = json.loads(r.text)
        self.assertEqual(got["total"], 2)
        upd = got["entries"][0]
        self.assertEqual(upd["action"], "update")
        email = [c for c in upd["changes"] if c["field"] == "email"][0]
        self.assertEqual((email["old"], email["new"]), ("lotte@example.org",
                                                       "l.protokoll@example.org"))
        self.assertEqual(upd["actor"], self.office_name())

    def test_02_affiliation_in_person_log(self):
        pid = self.create_person(last_name="Zugehoerig", email="z@example.org")
        iid = self.one("SELECT id FROM institution WHERE region_id = ? ORDER BY id LIMIT 1",
                       (self.region_id(),))
        self.c.get("/register/personen/%d" % pid)
        r = self.c.post("/register/personen/%d/zugehoerigkeiten" % pid,
                        {"institution_id": str(iid), "function": "Schulleitung",
                         "start_day": "", "end_day": ""})
        self.assertStatus(r, 303, "adding an affiliation")
        got = json.loads(self.c.get("/register/personen/%d/protokoll" % pid,
                                    headers=JSON).text)
        aff = [e for e in got["entries"] if e["sub"] == "affiliation"]
        self.assertEqual(len(aff), 1, got)
        self.assertEqual(aff[0]["sub_label"], "Zugehörigkeit")
        self.assertIn("Schulleitung", main_text(self.c.get("/register/personen/%d/protokoll" % pid)))

    def test_03_institution_and_body_logs(self):
        rid = self.region_id()
        iid = self.one("SELECT id FROM institution WHERE region_id = ? ORDER BY id LIMIT 1",
                       (rid,))
        r = self.c.get("/register/institutionen/%d" % iid)
        self.assertInBody('href="/register/institutionen/%d/protokoll"' % iid, r)
        r = self.c.get("/register/institutionen/%d/protokoll" % iid)
        self.assertStatus(r, 200)
        bid = self.one("SELECT id FROM body WHERE region_id = ? ORDER BY id LIMIT 1", (rid,))
        r = self.c.get("/register/gremien/%d" % bid)
        self.assertInBody('href="/register/gremien/%d/protokoll"' % bid, r)
        self.assertStatus(self.c.get("/register/gremien/%d/protokoll" % bid), 200)
        # a change of the body through the store shows (a membership ended)
        mid = self.q("SELECT id FROM membership WHERE region_id = ? AND body_id = ? "
                     "AND end_day IS NULL ORDER BY id LIMIT 1", (rid, bid))
        if mid:
            self.c.get("/register/gremien/%d/mitglieder/%d/beenden" % (bid, mid[0][0]))
            r = self.c.post("/register/gremien/%d/mitglieder/%d/beenden" % (bid, mid[0][0]),
                            {"end_day": datetime.date.today().isoformat()})
            if r.status == 303:
                got = json.loads(self.c.get("/register/gremien/%d/protokoll" % bid,
                                            headers=JSON).text)
                self.assertEqual(got["entries"][0]["sub"], "membership")

    def test_04_region_log_filters(self):
        pid = self.create_person(last_name="Filterbar", email="f@example.org")
        r = self.c.get("/register")
        self.assertInBody('href="/register/protokoll"', r)
        r = self.c.get("/register/protokoll?art=person&aktion=create", headers=JSON)
        self.assertStatus(r, 200)
        got = json.loads(r.text)
        self.assertTrue(any(e["entity_id"] == pid for e in got["entries"]), got)
        self.assertTrue(all(e["entity"] == "person" and e["action"] == "create"
                            for e in got["entries"]))
        n = self.one("SELECT count(*) FROM change_log WHERE region_id = ? AND entity = 'person' "
                     "AND action = 'create'", (self.region_id(),))
        self.assertEqual(got["total"], n)
        today = datetime.date.today()
        r = self.c.get("/register/protokoll?von=%s&bis=%s" % (today.isoformat(),
                                                              today.strftime("%d.%m.%Y")))
        self.assertStatus(r, 200)
        self.assertIn("Filterbar", main_text(r))
        tomorrow = today + datetime.timedelta(days=1)
        got = json.loads(self.c.get("/register/protokoll?von=%s" % tomorrow.isoformat(),
                                    headers=JSON).text)
        self.assertEqual(got["total"], 0)
        # a wrong day: 422, the message next to the field and in the summary
        r = self.c.get("/register/protokoll?von=31.02.2026")
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "changelog-von"),
                         "Bitte geben Sie den Tag ein, z. B. 26.11.2026.")
        self.assertInBody('href="#changelog-von"', r)
        r = self.c.get("/register/protokoll?von=2026-03-02&bis=2026-03-01", headers=JSON)
        self.assertStatus(r, 422)
        self.assertEqual([e["field"] for e in json.loads(r.text)["errors"]], ["bis"])
        self.assertStatus(self.c.get("/register/protokoll?aktion=kaputt"), 400)

    def change_rows(self, path, lang=None):
        """{(field, old_label, new_label)} of every entry of a log page's JSON answer."""
        r = self.c.get(path + ("?lang=%s" % lang if lang else ""), headers=JSON)
        self.assertStatus(r, 200)
        return {(c["field"], c["old_label"], c["new_label"])
                for e in json.loads(r.text)["entries"] for c in e["change_rows"]}

    def test_06_codes_and_ids_in_words(self):
        rid = self.region_id()
        pid = self.create_person(first_name="Kora", last_name="Kanalwechsel",
                                 email="kora@example.org")
        self.c.get("/register/personen/%d/bearbeiten" % pid)
        r = self.c.post("/register/personen/%d/bearbeiten" % pid,
                        person_form(first_name="Kora", last_name="Kanalwechsel",
                                    email="kora@example.org", preferred_channel="post",
                                    address_form="frau", street="Hafenstraße 1",
                                    postcode="47051", city="Duisburg"))
        self.assertStatus(r, 303, "changing the channel")
        # a membership with an institution, then its role changes
        bid = self.one("SELECT id FROM body WHERE region_id = ? ORDER BY id LIMIT 1", (rid,))
        iid, iname = self.q("SELECT id, name FROM institution WHERE region_id = ? "
                            "ORDER BY id LIMIT 1", (rid,))[0]
        form = {"person_id": str(pid), "role": "member", "substitute_for_id": "",
                "institution_id": str(iid), "partner_side": "land", "voting": "1",
                "start_day": "", "end_day": "", "note": ""}
        new = "/register/gremien/%d/mitglieder/neu" % bid
        self.c.get(new + "?person_id=%d" % pid)
        self.assertStatus(self.c.post(new, form), 303, "adding the membership")
        mid = self.one("SELECT id FROM membership WHERE body_id = ? AND person_id = ?",
                       (bid, pid))
        edit = "/register/mitgliedschaften/%d/bearbeiten" % mid
        self.c.get(edit)
        self.assertStatus(self.c.post(edit, dict(form, role="vice_chair")), 303,
                          "changing the role")

        # German: the labels of the forms, the names instead of the ids
        person_log = "/register/personen/%d/protokoll" % pid
        body_log = "/register/gremien/%d/protokoll" % bid
        rows = self.change_rows(person_log)
        self.assertIn(("preferred_channel", "E-Mail", "Post"), rows)
        self.assertIn(("address_form", "", "Frau"), rows)
        rows = self.change_rows(body_log)
        self.assertIn(("role", "Mitglied", "stellv. Vorsitz"), rows)
        self.assertIn(("institution_id", "", iname), rows)
        self.assertIn(("person_id", "", "Kora Kanalwechsel"), rows)
        self.assertIn(("partner_side", "", "Land"), rows)
        text = main_text(self.c.get(body_log))
        self.assertIn("stellv. Vorsitz", text)
        self.assertIn(iname, text)
        self.assertNotIn("vice_chair", text)
        self.assertNotRegex(text, r"Institution:\s*\d")
        # the person's log has the membership too (it concerns them)
        text = main_text(self.c.get(person_log))
        self.assertIn("Post", text)
        self.assertNotIn("preferred_channel", text)
        self.assertIn("stellv. Vorsitz", text)
        # the region's log as well
        rows = self.change_rows("/register/protokoll")
        self.assertIn(("role", "Mitglied", "stellv. Vorsitz"), rows)

        # English: the English labels
        rows = self.change_rows(person_log, "en")
        self.assertIn(("preferred_channel", "E-mail", "Post"), rows)
        self.assertIn(("address_form", "", "Ms"), rows)
        self.assertIn(("role", "Member", "Vice chair"), self.change_rows(body_log, "en"))
        r = self.c.get(body_log + "?lang=en")
        self.assertIn("Vice chair", main_text(r))
        self.assertIn(iname, main_text(r))

        # a record that is gone: its number, in words
        self.q("INSERT INTO change_log (region_id, at, entity, entity_id, sub, sub_id, "
               "person_id, action, changes) VALUES (?, '2026-01-02T10:00:00Z', 'person', ?, "
               "'affiliation', 1, ?, 'create', "
               "'[{\"field\": \"institution_id\", \"old\": null, \"new\": \"987654\"}]')",
               (rid, pid, pid))
        rows = self.change_rows(person_log)
        self.assertIn(("institution_id", "", "gelöschter Eintrag (Nr. 987654)"), rows)
        rows = self.change_rows(person_log, "en")
        self.assertIn(("institution_id", "", "deleted record (No. 987654)"), rows)

    def test_05_other_region_and_roles(self):
        wesel = self.region_id("wesel")
        pid = self.one(
            "INSERT INTO person (region_id, last_name, sort_name, created_at, updated_at) "
            "VALUES (?, 'Fremd', 'fremd', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') "
            "RETURNING id", (wesel,))
        self.assertStatus(self.c.get("/register/personen/%d/protokoll" % pid), 404)
        self.assertStatus(self.c.get("/register/personen/999999/protokoll"), 404)
        anon = Client(self.server)
        r = anon.get("/register/protokoll")
        self.assertIn(r.status, (303, 401, 403))


if __name__ == "__main__":
    sys.exit(harness.main("register-changelog"))
