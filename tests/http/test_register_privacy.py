#!/usr/bin/env python3
"""test_register_privacy.py — data protection in the register against the real binary, on
SQLite or PostgreSQL (BIREG_TEST_BACKEND):

  * Art. 15: the page lists every part; the JSON download has every section, the person's
    data and never the password hash or TOTP secret; the PDF starts with %PDF and its text
    (pdftotext) holds the name and the headings; every download writes an "export" entry
    to the change log;
  * Art. 17: the confirmation page says what happens (anonymise or delete entirely); a
    POST without the confirmation is 422 with the message next to the field and nothing
    changed; with it the person is anonymised (memberships kept and ended, consents,
    affiliations and the account link gone, the log scrubbed, one "erase" entry), the
    detail page says so, editing answers 409; a person without official records is
    deleted entirely;
  * consent withdrawal takes effect at once: a member of a public body whose consent to
    publish the name is withdrawn disappears from /gremien/{id} and its JSON in the next
    request, while the membership stays;
  * /register/datenschutz: the office sees it, only an admin edits (403 for the office), bad
    periods are 422 next to the field with nothing stored, good ones are stored;
  * the Art. 30 record as page, PDF and JSON.

Run:  python3 tests/http/test_register_privacy.py   (BIREG_BIN=build-x/bireg to pick a build)

The last line of the output is `register-privacy: N passed, N failed, N skipped`.
"""

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DEMO_ACCOUNTS, Client, location_path  # noqa: E402

OFFICE_EMAIL, OFFICE_PW = DEMO_ACCOUNTS["office"]
ADMIN_EMAIL, ADMIN_PW = DEMO_ACCOUNTS["admin"]
LINKED = ("auskunft@bireg.test", "Anna Auskunft", "Ahornblatt-Regenbogen-2026!")
JSON = {"Accept": "application/json"}
NOW = "2026-01-01T00:00:00Z"


def field_error(resp, field_id):
    """The text of the error under an input (id="<field_id>-error"), or None."""
    m = re.search(r'id="%s-error">.*?</span><span><span class="kern-sr-only">[^<]*</span>(.*?)</span>'
                  % re.escape(field_id), resp.text, re.S)
    return html.unescape(m.group(1)).strip() if m else None


def main_text(resp):
    m = re.search(r"<main\b.*?</main>", resp.text, re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(0) if m else resp.text)))


def pdf_text(data):
    if not shutil.which("pdftotext"):
        return None
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True,
                              check=True).stdout.decode("utf-8")


class PrivacyTest(harness.ServerTestCase):

    @classmethod
    def prepare_server(cls, srv):
        harness.add_user(srv, *LINKED)

    def setUp(self):
        super().setUp()
        self.c = Client(self.server)
        r = self.c.login(OFFICE_EMAIL, OFFICE_PW)
        self.assertStatus(r, 303, "office login")

    # ---- fixtures through SQL ---------------------------------------------------

    def region_id(self):
        return self.server.query("SELECT id FROM region WHERE slug = 'duisburg'")[0][0]

    def count(self, sql, params=()):
        return self.server.query(sql, params)[0][0]

    def person(self, first, last, email):
        return self.server.query(
            "INSERT INTO person (region_id, title, first_name, last_name, email, phone, street, "
            "postcode, city, notes, sort_name, created_at, updated_at) VALUES (?, 'Dr.', ?, ?, ?, "
            "'0203 55', 'Musterweg 3', '47051', 'Duisburg', 'Notiz der Geschäftsstelle', ?, ?, ?) "
            "RETURNING id", (self.region_id(), first, last, email, (last + " " + first).lower(),
                             NOW, NOW))[0][0]

    def body(self, name, public=1):
        return self.server.query(
            "INSERT INTO body (region_id, name, type, public, sort_name, created_at, updated_at) "
            "VALUES (?, ?, 'forum', ?, ?, ?, ?) RETURNING id",
            (self.region_id(), name, public, name.lower(), NOW, NOW))[0][0]

    def membership(self, body, person):
        return self.server.query(
            "INSERT INTO membership (region_id, body_id, person_id, role, start_day, created_at, "
            "updated_at) VALUES (?, ?, ?, 'member', '2024-01-01', ?, ?) RETURNING id",
            (self.region_id(), body, person, NOW, NOW))[0][0]

    def consent(self, person, kind, given, day="2024-01-01"):
        self.c.get("/register/personen/%d" % person)
        r = self.c.post("/register/personen/%d/einwilligungen" % person,
                        {"kind": kind, "given": "1" if given else "0", "day": day,
                         "source": "Formular"})
        self.assertStatus(r, 303, "consent")

    def institution(self, name):
        rid = self.region_id()
        tid = self.server.query("SELECT id FROM institution_type WHERE region_id = ? ORDER BY id",
                                (rid,))[0][0]
        return self.server.query(
            "INSERT INTO institution (region_id, type_id, name, sort_name, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id", (rid, tid, name, name.lower(), NOW, NOW))[0][0]

    def exports(self, person):
        return self.count("SELECT count(*) FROM change_log WHERE entity = 'person' AND entity_id = ? "
                          "AND action = 'export'", (person,))

    # ---- Art. 15 ------------------------------------------------------------------

    def test_01_export_json_pdf_and_log(self):
        p = self.person("Petra", "Auskunftsperson", "petra.auskunft@example.org")
        b = self.body("Forum Auskunft")
        self.membership(b, p)
        inst = self.institution("Gesamtschule Auskunft")
        self.server.execute("INSERT INTO person_affiliation (region_id, person_id, institution_id, "
                            "function, start_day) VALUES (?, ?, ?, 'Leitung', '2020-01-01')",
                            (self.region_id(), p, inst))
        acc = self.server.query("SELECT id FROM account WHERE email = ?", (LINKED[0],))[0][0]
        self.server.execute("INSERT INTO account_person (account_id, region_id, person_id) "
                            "VALUES (?, ?, ?)", (acc, self.region_id(), p))
        self.consent(p, "photos", True)
        self.consent(p, "photos", False, "2024-02-01")

        r = self.c.get("/register/personen/%d/auskunft" % p)
        self.assertStatus(r, 200)
        text = main_text(r)
        for part in ("Namen, Kontaktdaten und Notizen", "Mitgliedschaften in Gremien",
                     "Verknüpftes Benutzerkonto", "Einträge im Änderungsprotokoll"):
            self.assertIn(part, text)
        self.assertEqual(self.exports(p), 0, "looking at the page is no export")

        r = self.c.get("/register/personen/%d/auskunft.json" % p)
        self.assertStatus(r, 200)
        self.assertIn("attachment", r.header("Content-Disposition"))
        self.assertIn("no-store", r.header("Cache-Control"))
        x = json.loads(r.text)
        for key in ("person", "consents", "affiliations", "memberships", "account", "change_log",
                    "imports", "processing", "controller", "dpo", "generated_at"):
            self.assertIn(key, x)
        self.assertEqual(x["person"]["last_name"], "Auskunftsperson")
        self.assertEqual(x["person"]["notes"], "Notiz der Geschäftsstelle")
        self.assertEqual(x["memberships"][0]["body_name"], "Forum Auskunft")
        self.assertEqual(x["affiliations"][0]["institution_name"], "Gesamtschule Auskunft")
        self.assertEqual(x["account"]["email"], LINKED[0])
        photos = [c for c in x["consents"] if c["kind"] == "photos"][0]
        self.assertEqual(len(photos["history"]), 2)
        pw_hash = self.server.query("SELECT password_hash FROM account WHERE id = ?", (acc,))[0][0]
        self.assertNotIn(pw_hash, r.text)
        self.assertNotIn("password_hash", r.text)
        self.assertNotIn("totp_secret", r.text)
        self.assertEqual(self.exports(p), 1)

        r = self.c.get("/register/personen/%d/auskunft.pdf" % p)
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "application/pdf")
        self.assertTrue(r.body.startswith(b"%PDF"), r.body[:20])
        self.assertEqual(self.exports(p), 2)
        t = pdf_text(r.body)
        if t is not None:
            self.assertIn("Auskunftsperson", t)
            self.assertIn("Auskunft über die Daten", t)
            self.assertIn("Forum Auskunft", t)
            self.assertIn("Gesamtschule Auskunft", t)
        # the export entries carry no personal data but say what was exported
        rows = self.server.query("SELECT summary FROM change_log WHERE entity_id = ? AND action = "
                                 "'export' ORDER BY id", (p,))
        self.assertEqual([s for (s,) in rows], ["Auskunft nach Art. 15 DSGVO (JSON)",
                                                "Auskunft nach Art. 15 DSGVO (PDF)"])
        # another region's id or none at all
        self.assertStatus(self.c.get("/register/personen/999999/auskunft.json"), 404)
        self.assertEqual(self.count("SELECT count(*) FROM change_log WHERE entity_id = 999999"), 0)

    # ---- Art. 17 ------------------------------------------------------------------

    def test_02_erase_member(self):
        p = self.person("Erik", "Löschling", "erik.loeschling@example.org")
        b = self.body("Forum Löschung")
        m = self.membership(b, p)
        inst = self.institution("Grundschule Löschung")
        self.server.execute("INSERT INTO person_affiliation (region_id, person_id, institution_id, "
                            "function) VALUES (?, ?, ?, 'Lehrer')", (self.region_id(), p, inst))
        self.consent(p, "publish_name", True)
        r = self.c.get("/register/personen/%d/bearbeiten" % p)
        self.c.get("/register/personen/%d/loeschen-dsgvo" % p)
        r = self.c.get("/register/personen/%d/loeschen-dsgvo" % p)
        self.assertStatus(r, 200)
        self.assertIn('id="erase-anonymise"', r.text)
        self.assertIn("1 Mitgliedschaft in einem Gremium bleibt", main_text(r))
        # the uploaded import files keep the person until their period (30 days)
        self.assertIn("danach höchstens 30 Tage aufbewahrt", main_text(r))

        # without the confirmation: 422, nothing changed
        r = self.c.post("/register/personen/%d/loeschen-dsgvo" % p, {})
        self.assertStatus(r, 422)
        self.assertIn("Bitte", field_error(r, "erase-confirm") or "", r.describe(3000))
        self.assertIn('id="erase-errors"', r.text)
        self.assertEqual(self.count("SELECT count(*) FROM person WHERE id = ? AND erased_at IS NULL",
                                    (p,)), 1)
        r = self.c.post("/register/personen/%d/loeschen-dsgvo" % p, {}, headers=JSON)
        self.assertStatus(r, 422)
        self.assertEqual(json.loads(r.text)["errors"][0]["field"], "confirm")

        r = self.c.post("/register/personen/%d/loeschen-dsgvo" % p, {"confirm": "1"})
        self.assertStatus(r, 303)
        self.assertEqual(location_path(r), "/register/personen/%d" % p)
        row = self.server.query("SELECT first_name, last_name, email, phone, street, city, notes, "
                                "title, erased_at FROM person WHERE id = ?", (p,))[0]
        self.assertEqual(row[:8], ("", "Anonymisierte Person", "", "", "", "", "", ""))
        self.assertIsNotNone(row[8])
        self.assertEqual(self.count("SELECT count(*) FROM membership WHERE id = ? AND end_day IS NOT "
                                    "NULL", (m,)), 1)
        for table in ("person_consent", "person_affiliation"):
            self.assertEqual(self.count("SELECT count(*) FROM %s WHERE person_id = ?" % table, (p,)), 0)
        self.assertEqual(self.count("SELECT count(*) FROM search_entry WHERE kind = 'person' AND "
                                    "ref_id = ?", (p,)), 0)
        self.assertEqual(self.count("SELECT count(*) FROM change_log WHERE (person_id = ? OR "
                                    "entity_id = ?) AND changes LIKE '%Löschling%'", (p, p)), 0)
        self.assertEqual(self.count("SELECT count(*) FROM change_log WHERE entity = 'person' AND "
                                    "entity_id = ? AND action = 'erase'", (p,)), 1)
        r = self.c.get("/register/personen/%d" % p)
        self.assertStatus(r, 200)
        self.assertIn('id="person-erased"', r.text)
        self.assertIn("Anonymisierte Person", main_text(r))
        self.assertNotIn('id="person-edit"', r.text)
        # editing is refused with 409, as is a second erasure
        self.assertStatus(self.c.get("/register/personen/%d/bearbeiten" % p), 409)
        self.assertStatus(self.c.post("/register/personen/%d/loeschen-dsgvo" % p, {"confirm": "1"}),
                          409)
        # out of the people list, still in the body's member list
        r = self.c.get("/register/personen?q=L%C3%B6schling")
        self.assertNotIn("/register/personen/%d\"" % p, r.text)
        r = self.c.get("/register/gremien/%d" % b)
        self.assertIn("Anonymisierte Person", main_text(r))
        # the name is a label, so the English page says it in English
        r = self.c.get("/register/gremien/%d?lang=en" % b)
        self.assertIn("Anonymised person", main_text(r))
        self.assertNotIn("Anonymisierte Person", main_text(r))
        self.c.get("/register/gremien/%d?lang=de" % b)

    def test_03_erase_without_records_deletes(self):
        p = self.person("Lena", "Ohnegremium", "lena.ohne@example.org")
        self.c.get("/register/personen/%d/loeschen-dsgvo" % p)
        r = self.c.get("/register/personen/%d/loeschen-dsgvo" % p)
        self.assertIn('id="erase-delete-entirely"', r.text)
        r = self.c.post("/register/personen/%d/loeschen-dsgvo" % p, {"confirm": "1"}, headers=JSON)
        self.assertStatus(r, 200)
        self.assertEqual(json.loads(r.text), {"id": p, "result": "deleted"})
        self.assertEqual(self.count("SELECT count(*) FROM person WHERE id = ?", (p,)), 0)
        self.assertEqual(self.count("SELECT count(*) FROM change_log WHERE entity = 'person' AND "
                                    "entity_id = ? AND action = 'erase'", (p,)), 1)

    # ---- consent withdrawal ----------------------------------------------------------

    def test_04_withdrawal_off_the_public_page_at_once(self):
        p = self.person("Wanda", "Widerruf", "wanda.widerruf@example.org")
        b = self.body("Öffentliches Forum Widerruf")
        m = self.membership(b, p)
        self.consent(p, "publish_name", True)
        anon = Client(self.server)
        r = anon.get("/gremien/%d" % b)
        self.assertStatus(r, 200)
        self.assertIn("Widerruf", main_text(r))
        self.assertIn("Wanda", json.dumps(json.loads(anon.get("/gremien/%d" % b, headers=JSON).text),
                                          ensure_ascii=False))
        self.consent(p, "publish_name", False, "2024-06-01")
        r = anon.get("/gremien/%d" % b)
        self.assertStatus(r, 200)
        self.assertNotIn("Wanda", main_text(r))
        j = anon.get("/gremien/%d" % b, headers=JSON)
        self.assertNotIn("Wanda", j.text)
        self.assertEqual(json.loads(j.text)["limited"]["names"], [])
        self.assertEqual(json.loads(j.text)["limited"]["others"], 1)
        # the membership stays: the office still sees the member
        self.assertEqual(self.count("SELECT count(*) FROM membership WHERE id = ? AND end_day IS NULL",
                                    (m,)), 1)
        self.assertIn("Wanda", main_text(self.c.get("/register/gremien/%d" % b)))

    # ---- settings --------------------------------------------------------------------

    def test_05_settings_office_sees_admin_edits(self):
        r = self.c.get("/register/datenschutz")
        self.assertStatus(r, 200)
        text = main_text(r)
        self.assertIn("Aufbewahrungsfristen", text)
        self.assertIn("3.650 Tage", text)
        self.assertNotIn('id="privacy-save"', r.text)
        r = self.c.post("/register/datenschutz", {"change_log": "400", "import_files": "30",
                                                  "former_affiliations": "1825",
                                                  "inactive_contacts": "0"})
        self.assertStatus(r, 403)

        a = Client(self.server)
        self.assertStatus(a.login(ADMIN_EMAIL, ADMIN_PW), 303)
        r = a.get("/register/datenschutz")
        self.assertIn('id="privacy-save"', r.text)
        before = self.server.query("SELECT settings FROM region WHERE slug = 'duisburg'")[0][0]
        r = a.post("/register/datenschutz", {"change_log": "0", "import_files": "30",
                                             "former_affiliations": "1825",
                                             "inactive_contacts": "0", "dpo_name": "Dana",
                                             "dpo_email": "kaputt", "dpo_phone": ""})
        self.assertStatus(r, 422)
        self.assertIn("Änderungsprotokoll (Tage)", field_error(r, "privacy-change_log") or "",
                      r.describe(3000))
        self.assertIsNotNone(field_error(r, "privacy-dpo_email"))
        self.assertEqual(self.server.query("SELECT settings FROM region WHERE slug = 'duisburg'")[0][0],
                         before)
        r = a.post("/register/datenschutz", {"change_log": "400", "import_files": "14",
                                             "former_affiliations": "730",
                                             "inactive_contacts": "1000",
                                             "dpo_name": "Dana Datenschutz",
                                             "dpo_email": "dsb@example.org",
                                             "dpo_phone": "0203 12"})
        self.assertStatus(r, 303)
        s = json.loads(self.server.query("SELECT settings FROM region WHERE slug = 'duisburg'")[0][0])
        self.assertEqual(s["retention_days"], {"change_log": 400, "import_files": 14,
                                               "former_affiliations": 730,
                                               "inactive_contacts": 1000})
        self.assertEqual(s["dpo"]["name"], "Dana Datenschutz")
        r = self.c.get("/register/datenschutz", headers=JSON)
        self.assertEqual(json.loads(r.text)["retention_days"]["change_log"], 400)
        # put the defaults back for the other tests
        a.post("/register/datenschutz", {"change_log": "3650", "import_files": "30",
                                         "former_affiliations": "1825", "inactive_contacts": "0",
                                         "dpo_name": "Dana Datenschutz",
                                         "dpo_email": "dsb@example.org", "dpo_phone": ""})

    # ---- Art. 30 ---------------------------------------------------------------------

    def test_06_record(self):
        r = self.c.get("/register/datenschutz/verzeichnis")
        self.assertStatus(r, 200)
        text = main_text(r)
        self.assertIn("Verzeichnis von Verarbeitungstätigkeiten", text)
        self.assertIn("Art. 6 Abs. 1 lit. e DSGVO", text)
        self.assertIn("Änderungsprotokoll", text)
        r = self.c.get("/register/datenschutz/verzeichnis.json")
        self.assertStatus(r, 200)
        x = json.loads(r.text)
        keys = [a["key"] for a in x["activities"]]
        for k in ("register", "bodies", "accounts", "outbox", "imports", "feedback", "change_log"):
            self.assertIn(k, keys)
        self.assertIn("Duisburg", x["controller"]["region"])
        for a in x["activities"]:
            self.assertTrue(a["purpose"] and a["legal_basis"] and a["retention"], a)
        imports = [a for a in x["activities"] if a["key"] == "imports"][0]
        self.assertIn("höchstens 30 Tage", imports["retention"])
        self.assertIn("aus den gespeicherten Importberichten entfernt", imports["retention"])
        r = self.c.get("/register/datenschutz/verzeichnis.pdf")
        self.assertStatus(r, 200)
        self.assertTrue(r.body.startswith(b"%PDF"))
        t = pdf_text(r.body)
        if t is not None:
            self.assertIn("Verarbeitungstätigkeiten", t)
            self.assertIn("Technische und organisatorische", t)


if __name__ == "__main__":
    sys.exit(harness.main("register-privacy"))
