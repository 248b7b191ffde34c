#!/usr/bin/env python3
"""test_register_people.py — the people of the register (/register/personen…) against the
real binary, on SQLite or PostgreSQL (BIREG_TEST_BACKEND):

  * the person form: bad input is answered 422 with the German message next to each
    field and in the summary, the entered values kept and nothing stored; a good one
    is stored (row checked in the database) with its search entry, and the detail page
    shows the generated letter salutation; a free salutation wins; the linked account
    lands in account_person, an unknown account e-mail is refused next to its field;
  * JSON: the same model and errors [{field, message}] for a JSON client;
  * affiliations (end before start refused next to the field, nothing stored; added;
    removed) and consents (given, withdrawn, history, a future day refused);
  * the list: filters (institution, body, channel, consent), search with German folding,
    pages of 50 with the filters kept in the links, a search term that is too long;
  * deletion refused with 409 while the person has a membership, otherwise everything
    of the person gone; another region's person is not found.

Run:  python3 tests/http/test_register_people.py   (BIREG_BIN=build-x/bireg to pick a build)

The last line of the output is `register-people: N passed, N failed, N skipped`.
"""

import html
import json
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DEMO_ACCOUNTS, Client, add_region_wesel, location_path  # noqa: E402

OFFICE_EMAIL, OFFICE_PW = DEMO_ACCOUNTS["office"]
MEMBER_EMAIL = DEMO_ACCOUNTS["member"][0]  # the demo links it to Sam Mitglied
LINKED = ("verknuepft@bireg.test", "Vera Verknüpft", "Ahornblatt-Regenbogen-2026!")
JSON = {"Accept": "application/json"}
NOW = "2026-01-01T00:00:00Z"


def field_error(resp, field_id):
    """The text of the error under an input (id="<field_id>-error"), or None."""
    m = re.search(r'id="%s-error">.*?</span><span><span class="kern-sr-only">[^<]*</span>(.*?)</span>'
                  % re.escape(field_id), resp.text, re.S)
    return html.unescape(m.group(1)).strip() if m else None


def input_value(resp, field_id):
    m = re.search(r'<input[^>]*\bid="%s"[^>]*>' % re.escape(field_id), resp.text)
    if not m:
        return None
    v = re.search(r'\bvalue="([^"]*)"', m.group(0))
    return html.unescape(v.group(1)) if v else None


def main_text(resp):
    m = re.search(r"<main\b.*?</main>", resp.text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", m.group(0) if m else resp.text))


def person_form(**kw):
    f = {"address_form": "", "title": "", "first_name": "", "last_name": "",
         "letter_salutation": "", "function": "", "email": "", "phone": "", "mobile": "",
         "street": "", "postcode": "", "city": "", "preferred_channel": "email",
         "legal_basis": "public_task", "legal_basis_note": "", "account_email": "", "notes": ""}
    f.update(kw)
    return f


class PeopleTest(harness.ServerTestCase):

    @classmethod
    def prepare_server(cls, srv):
        add_region_wesel(srv)
        harness.add_user(srv, *LINKED)

    def setUp(self):
        super().setUp()
        self.c = Client(self.server)
        r = self.c.login(OFFICE_EMAIL, OFFICE_PW)
        self.assertStatus(r, 303, "office login")

    # ---- fixtures through SQL (other helpers' tables) -------------------------

    def region_id(self, slug="duisburg"):
        return self.server.query("SELECT id FROM region WHERE slug = ?", (slug,))[0][0]

    def institution(self, name, slug="duisburg"):
        rid = self.region_id(slug)
        t = self.server.query("SELECT id FROM institution_type WHERE region_id = ? ORDER BY id",
                              (rid,))
        tid = t[0][0] if t else self.server.query(
            "INSERT INTO institution_type (region_id, name) VALUES (?, 'Testart') RETURNING id",
            (rid,))[0][0]
        sort = name.lower().replace("ß", "ss").replace("ü", "u").replace("ö", "o").replace("ä", "a")
        return self.server.query(
            "INSERT INTO institution (region_id, type_id, name, sort_name, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id", (rid, tid, name, sort, NOW, NOW))[0][0]

    def body(self, name):
        return self.server.query(
            "INSERT INTO body (region_id, name, type, sort_name, created_at, updated_at) "
            "VALUES (?, ?, 'forum', ?, ?, ?) RETURNING id",
            (self.region_id(), name, name.lower(), NOW, NOW))[0][0]

    def membership(self, body, person, end_day=None):
        return self.server.query(
            "INSERT INTO membership (region_id, body_id, person_id, role, end_day, created_at, "
            "updated_at) VALUES (?, ?, ?, 'member', ?, ?, ?) RETURNING id",
            (self.region_id(), body, person, end_day, NOW, NOW))[0][0]

    def create(self, **kw):
        """Creates a person through the form; returns its id."""
        self.c.get("/register/personen/neu")
        r = self.c.post("/register/personen/neu", person_form(**kw))
        self.assertStatus(r, 303, "creating %r" % (kw,))
        m = re.match(r"^/register/personen/(\d+)\?gespeichert=person$", location_path(r))
        self.assertTrue(m, location_path(r))
        return int(m.group(1))

    def count(self, sql, params=()):
        return self.server.query(sql, params)[0][0]

    # ---- the form ---------------------------------------------------------------

    def test_01_bad_input_422_nothing_stored(self):
        r = self.c.get("/register/personen/neu")
        self.assertStatus(r, 200)
        self.assertInBody('id="person-last_name"', r)
        before = self.count("SELECT count(*) FROM person")
        fields = person_form(first_name="Fehler", last_name="", email="kaputt@",
                             preferred_channel="post", postcode="4711", title="Dr.")
        r = self.c.post("/register/personen/neu", fields)
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "person-last_name"),
                         "Nachname: Bitte füllen Sie dieses Feld aus.", r.describe(4000))
        self.assertIn("E-Mail", field_error(r, "person-email") or "", r.describe(4000))
        self.assertEqual(field_error(r, "person-street"),
                         "Post ist der bevorzugte Kontaktweg: Bitte geben Sie Straße und "
                         "Hausnummer ein.")
        self.assertEqual(field_error(r, "person-city"),
                         "Post ist der bevorzugte Kontaktweg: Bitte geben Sie den Ort ein.")
        self.assertIsNotNone(field_error(r, "person-postcode"))
        # the summary links to the fields; the values stay
        self.assertInBody('href="#person-last_name"', r)
        self.assertInBody('id="person-errors"', r)
        self.assertEqual(input_value(r, "person-first_name"), "Fehler")
        self.assertEqual(input_value(r, "person-email"), "kaputt@")
        self.assertEqual(input_value(r, "person-postcode"), "4711")
        self.assertEqual(self.count("SELECT count(*) FROM person"), before)

        # e-mail channel without an address; an account that does not exist
        r = self.c.post("/register/personen/neu",
                        person_form(last_name="Ohne", account_email="niemand@example.org"))
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "person-email"),
                         "E-Mail ist der bevorzugte Kontaktweg: Bitte geben Sie eine "
                         "E-Mail-Adresse ein oder wählen Sie Post.")
        r = self.c.post("/register/personen/neu",
                        person_form(last_name="Ohne", email="ohne@example.org",
                                    account_email="niemand@example.org"))
        self.assertStatus(r, 422)
        self.assertIn("Kein Benutzerkonto", field_error(r, "person-account_email") or "")
        self.assertEqual(self.count("SELECT count(*) FROM person"), before)

    def test_02_create_show_edit(self):
        pid = self.create(address_form="frau", title="Dr.", first_name="Petra",
                          last_name="Beispielhaft", function="Schulleitung",
                          email="p.beispielhaft@example.org", phone="0203 1234",
                          street="Königstraße 1", postcode="47051", city="Duisburg",
                          preferred_channel="post", legal_basis="consent",
                          legal_basis_note="Formular vom 2.1.2026")
        row = self.server.query(
            "SELECT address_form, title, first_name, last_name, email, preferred_channel, "
            "legal_basis, sort_name, letter_salutation FROM person WHERE id = ?", (pid,))[0]
        self.assertEqual(row, ("frau", "Dr.", "Petra", "Beispielhaft",
                               "p.beispielhaft@example.org", "post", "consent",
                               "beispielhaft petra", ""))
        self.assertEqual(self.count("SELECT count(*) FROM search_entry WHERE kind = 'person' "
                                    "AND ref_id = ?", (pid,)), 1)
        r = self.c.get("/register/personen/%d?gespeichert=person" % pid)
        self.assertStatus(r, 200)
        text = main_text(r)
        self.assertIn("Die Person wurde gespeichert.", text)
        self.assertIn("Sehr geehrte Frau Dr. Beispielhaft,", text)
        self.assertIn("Einwilligung (Art. 6 Abs. 1 lit. a DSGVO)", text)
        self.assertIn("Königstraße 1", text)

        # the edit form shows the generated salutation as the hint
        r = self.c.get("/register/personen/%d/bearbeiten" % pid)
        self.assertStatus(r, 200)
        self.assertInBody("„Sehr geehrte Frau Dr. Beispielhaft,“", r)
        self.assertEqual(input_value(r, "person-last_name"), "Beispielhaft")
        # a free salutation and a linked account
        r = self.c.post("/register/personen/%d/bearbeiten" % pid,
                        person_form(address_form="frau", title="Dr.", first_name="Petra",
                                    last_name="Beispielhaft", email="p.beispielhaft@example.org",
                                    letter_salutation="Liebe Petra,",
                                    account_email=LINKED[0].upper()))
        self.assertRedirect(r, "/register/personen/%d?gespeichert=person" % pid)
        acc = self.server.query("SELECT id FROM account WHERE email = ?", (LINKED[0],))[0][0]
        self.assertEqual(self.server.query(
            "SELECT account_id, region_id FROM account_person WHERE person_id = ?", (pid,)),
            [(acc, self.region_id())])
        r = self.c.get("/register/personen/%d" % pid)
        text = main_text(r)
        self.assertIn("Liebe Petra,", text)
        self.assertIn("Sehr geehrte Frau Dr. Beispielhaft,", text)  # the default, shown beside
        self.assertIn(LINKED[0], text)
        # a second person cannot take the same account, nor the demo member's
        other = self.create(last_name="Zweitperson", email="zweit@example.org")
        for taken in (LINKED[0], MEMBER_EMAIL):
            r = self.c.post("/register/personen/%d/bearbeiten" % other,
                            person_form(last_name="Zweitperson", email="zweit@example.org",
                                        account_email=taken))
            self.assertStatus(r, 422)
            self.assertIn("bereits mit einer anderen Person",
                          field_error(r, "person-account_email") or "", r.describe(3000))
        r = self.c.post("/register/personen/%d/bearbeiten" % other,
                        person_form(last_name="Zweitperson", email="zweit@example.org",
                                    account_email=LINKED[0]))
        self.assertStatus(r, 422)
        self.assertIn("bereits mit einer anderen Person",
                      field_error(r, "person-account_email") or "", r.describe(3000))
        # unlinking: the field emptied (and put back for the other tests' sake)
        r = self.c.post("/register/personen/%d/bearbeiten" % pid,
                        person_form(last_name="Beispielhaft", email="p.beispielhaft@example.org"))
        self.assertStatus(r, 303)
        self.assertEqual(self.count("SELECT count(*) FROM account_person WHERE person_id = ?",
                                    (pid,)), 0)

    def test_03_json(self):
        self.c.get("/register/personen/neu")
        before = self.count("SELECT count(*) FROM person")
        r = self.c.post("/register/personen/neu", person_form(last_name="", email="x"),
                        headers=JSON)
        self.assertStatus(r, 422)
        body = json.loads(r.text)
        fields = {e["field"] for e in body["errors"]}
        self.assertIn("last_name", fields)
        self.assertIn("email", fields)
        self.assertTrue(all(e["message"] for e in body["errors"]))
        self.assertEqual(body["values"]["email"], "x")
        self.assertEqual(self.count("SELECT count(*) FROM person"), before)

        r = self.c.post("/register/personen/neu",
                        person_form(address_form="herr", first_name="Jürgen",
                                    last_name="Jsonmann", email="json@example.org"),
                        headers=JSON)
        self.assertStatus(r, 201)
        p = json.loads(r.text)["person"]
        self.assertEqual(p["letter_salutation_default"], "Sehr geehrter Herr Jsonmann,")
        self.assertEqual(p["legal_basis"], "public_task")
        self.assertEqual([c["kind"] for c in p["consents"]],
                         ["publish_name", "photos", "newsletter"])
        r = self.c.get("/register/personen/%d" % p["id"], headers=JSON)
        self.assertStatus(r, 200)
        self.assertEqual(json.loads(r.text)["person"]["display_name"], "Jürgen Jsonmann")
        r = self.c.get("/register/personen?q=jsonmann", headers=JSON)
        self.assertStatus(r, 200)
        got = json.loads(r.text)
        self.assertEqual(got["total"], 1)
        self.assertEqual(got["people"][0]["id"], p["id"])

    # ---- affiliations and consents -------------------------------------------------

    def test_04_affiliations(self):
        inst = self.institution("Grundschule Lange Straße")
        pid = self.create(first_name="Kim", last_name="Zugehoerig", email="kim@example.org")
        self.c.get("/register/personen/%d" % pid)
        r = self.c.post("/register/personen/%d/zugehoerigkeiten" % pid,
                        {"institution_id": str(inst), "function": "Lehrerin",
                         "start_day": "1.8.2025", "end_day": "31.7.2025"})
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "affiliation-end_day"),
                         "Das Ende darf nicht vor dem Beginn liegen. Bitte prüfen Sie beide Tage.")
        self.assertEqual(input_value(r, "affiliation-function"), "Lehrerin")
        self.assertInBody('href="#affiliation-end_day"', r)
        self.assertEqual(self.count("SELECT count(*) FROM person_affiliation WHERE person_id = ?",
                                    (pid,)), 0)
        # no institution chosen
        r = self.c.post("/register/personen/%d/zugehoerigkeiten" % pid, {"institution_id": ""})
        self.assertStatus(r, 422)
        self.assertIsNotNone(field_error(r, "affiliation-institution_id"))

        r = self.c.post("/register/personen/%d/zugehoerigkeiten" % pid,
                        {"institution_id": str(inst), "function": "Lehrerin",
                         "start_day": "1.8.2021", "end_day": ""})
        self.assertRedirect(r, "/register/personen/%d?gespeichert=zugehoerigkeit" % pid)
        rows = self.server.query("SELECT id, institution_id, function, start_day, end_day FROM "
                                 "person_affiliation WHERE person_id = ?", (pid,))
        self.assertEqual([x[1:] for x in rows], [(inst, "Lehrerin", "2021-08-01", None)])
        aid = rows[0][0]
        # the search now finds her by the school's street
        r = self.c.get("/register/personen?q=lange+strasse", headers=JSON)
        self.assertEqual([p["id"] for p in json.loads(r.text)["people"]], [pid])
        r = self.c.get("/register/personen/%d" % pid)
        text = main_text(r)
        self.assertIn("Grundschule Lange Straße", text)
        self.assertIn("seit 01.08.2021", text)
        self.assertInBody('href="/register/institutionen/%d"' % inst, r)
        # the list filtered by the institution
        r = self.c.get("/register/personen?institution=%d" % inst, headers=JSON)
        got = json.loads(r.text)
        self.assertEqual([p["id"] for p in got["people"]], [pid])
        self.assertEqual(got["people"][0]["institutions"][0]["name"], "Grundschule Lange Straße")
        # removed (another person's id in the path: 404, nothing removed)
        r = self.c.post("/register/personen/%d/zugehoerigkeiten/%d/loeschen" % (pid + 9999, aid))
        self.assertStatus(r, 404)
        r = self.c.post("/register/personen/%d/zugehoerigkeiten/%d/loeschen" % (pid, aid))
        self.assertRedirect(r, "/register/personen/%d?gespeichert=zugehoerigkeit-entfernt" % pid)
        self.assertEqual(self.count("SELECT count(*) FROM person_affiliation WHERE person_id = ?",
                                    (pid,)), 0)
        r = self.c.get("/register/personen?q=lange+strasse", headers=JSON)
        self.assertEqual(json.loads(r.text)["total"], 0)

    def test_05_consents(self):
        pid = self.create(first_name="Cora", last_name="Consent", email="cora@example.org")
        self.c.get("/register/personen/%d" % pid)
        r = self.c.post("/register/personen/%d/einwilligungen" % pid,
                        {"kind": "publish_name", "given": "1", "day": "1.1.2999", "source": "x"})
        self.assertStatus(r, 422)
        self.assertEqual(field_error(r, "consent-day"), "Der Tag darf nicht in der Zukunft liegen.")
        r = self.c.post("/register/personen/%d/einwilligungen" % pid,
                        {"kind": "", "given": "1", "day": "", "source": ""})
        self.assertStatus(r, 422)
        self.assertIsNotNone(field_error(r, "consent-kind"))
        self.assertIsNotNone(field_error(r, "consent-day"))
        self.assertEqual(self.count("SELECT count(*) FROM person_consent WHERE person_id = ?",
                                    (pid,)), 0)
        r = self.c.post("/register/personen/%d/einwilligungen" % pid,
                        {"kind": "publish_name", "given": "1", "day": "10.01.2025",
                         "source": "Einwilligungsformular"})
        self.assertRedirect(r, "/register/personen/%d?gespeichert=einwilligung" % pid)
        r = self.c.get("/register/personen?einwilligung=ja&q=cora", headers=JSON)
        self.assertEqual([p["id"] for p in json.loads(r.text)["people"]], [pid])
        r = self.c.post("/register/personen/%d/einwilligungen" % pid,
                        {"kind": "publish_name", "given": "0", "day": "2025-02-01",
                         "source": "E-Mail vom 1.2.2025"})
        self.assertStatus(r, 303)
        rows = self.server.query("SELECT given, day, source FROM person_consent WHERE "
                                 "person_id = ? ORDER BY id", (pid,))
        self.assertEqual(rows, [(1, "2025-01-10", "Einwilligungsformular"),
                                (0, "2025-02-01", "E-Mail vom 1.2.2025")])
        r = self.c.get("/register/personen/%d" % pid)
        m = re.search(r'<tr class="kern-table__row" id="consent-publish_name">.*?</tr>', r.text, re.S)
        self.assertTrue(m, r.describe(3000))
        row = html.unescape(m.group(0))
        self.assertIn("Widerrufen", row)
        self.assertIn("01.02.2025", row)
        self.assertIn("Frühere Antworten", row)
        self.assertIn("10.01.2025: Erteilt", row)
        r = self.c.get("/register/personen?einwilligung=ja&q=cora", headers=JSON)
        self.assertEqual(json.loads(r.text)["total"], 0)
        r = self.c.get("/register/personen?einwilligung=nein&q=cora", headers=JSON)
        self.assertEqual(json.loads(r.text)["total"], 1)

    # ---- the list -----------------------------------------------------------------

    def test_06_list_filters_pages_search(self):
        inst = self.institution("Testschule Seitenweise")
        rid = self.region_id()
        ids = []
        for i in range(60):
            ids.append(self.server.query(
                "INSERT INTO person (region_id, first_name, last_name, email, preferred_channel, "
                "street, postcode, city, sort_name, created_at, updated_at) VALUES (?, 'Seite', ?, "
                "?, ?, 'Weg 1', '47051', 'Duisburg', ?, ?, ?) RETURNING id",
                (rid, "Blatt%02d" % i, "blatt%02d@example.org" % i,
                 "post" if i < 7 else "email", "blatt%02d seite" % i, NOW, NOW))[0][0])
            self.server.execute("INSERT INTO person_affiliation (region_id, person_id, "
                                "institution_id) VALUES (?, ?, ?)", (rid, ids[-1], inst))
        r = self.c.get("/register/personen?institution=%d" % inst)
        self.assertStatus(r, 200)
        self.assertInBody("60 Personen entsprechen den Filtern.", r)
        self.assertEqual(r.text.count('<th class="kern-table__header" scope="row">'), 50)
        self.assertInBody(">Seite Blatt00</a>", r)
        self.assertNotInBody(">Seite Blatt50</a>", r)
        self.assertInBody('href="/register/personen?institution=%d&amp;seite=2"' % inst, r)
        r = self.c.get("/register/personen?institution=%d&seite=2" % inst)
        self.assertEqual(r.text.count('<th class="kern-table__header" scope="row">'), 10)
        self.assertInBody(">Seite Blatt59</a>", r)
        r = self.c.get("/register/personen?institution=%d&kanal=post" % inst, headers=JSON)
        got = json.loads(r.text)
        self.assertEqual(got["total"], 7)
        self.assertEqual([p["last_name"] for p in got["people"]],
                         ["Blatt%02d" % i for i in range(7)])
        r = self.c.get("/register/personen?institution=%d&sortierung=email" % inst, headers=JSON)
        self.assertEqual(json.loads(r.text)["people"][0]["email"], "blatt00@example.org")
        # body filter: current memberships only
        body = self.body("Testforum Seitenweise")
        self.membership(body, ids[3])
        self.membership(body, ids[4], end_day="2001-01-01")
        r = self.c.get("/register/personen?gremium=%d" % body, headers=JSON)
        self.assertEqual([p["id"] for p in json.loads(r.text)["people"]], [ids[3]])
        # garbage in a filter
        self.assertStatus(self.c.get("/register/personen?institution=abc"), 400)
        self.assertStatus(self.c.get("/register/personen?kanal=fax"), 400)

    def test_07_search_folding(self):
        a = self.create(first_name="Anna", last_name="Müllerova", email="anna.m@example.org")
        b = self.create(first_name="Ben", last_name="Muellerova", email="ben.m@example.org")
        c = self.create(first_name="Carl", last_name="Mullerova", email="carl.m@example.org")
        for q in ("muellerova", "mullerova", "Müllerova", "MÜLLEROVA"):
            r = self.c.get("/register/personen?q=" + urllib.parse.quote(q), headers=JSON)
            self.assertEqual(sorted(p["id"] for p in json.loads(r.text)["people"]),
                             sorted([a, b, c]), q)
        r = self.c.get("/register/personen?q=m%C3%BCllerova+anna")
        self.assertStatus(r, 200)
        self.assertInBody("1 Person für „müllerova anna“ gefunden.", r)
        r = self.c.get("/register/personen?q=" + "x" * 201)
        self.assertStatus(r, 422)
        self.assertIn("zu lang", field_error(r, "people-q") or "", r.describe(3000))

    # ---- delete and regions ----------------------------------------------------------

    def test_08_delete(self):
        body = self.body("Löschprobe")
        member = self.create(first_name="Mia", last_name="Mitgliedsperson", email="mia@example.org")
        self.membership(body, member, end_day="2020-12-31")
        r = self.c.get("/register/personen/%d/loeschen" % member)
        self.assertStatus(r, 200)
        self.assertInBody('id="person-delete-blocked"', r)
        self.assertNotInBody('id="person-delete-confirm"', r)
        r = self.c.post("/register/personen/%d/loeschen" % member)
        self.assertStatus(r, 409)
        self.assertIn("kann nicht gelöscht werden", main_text(r))
        self.assertEqual(self.count("SELECT count(*) FROM person WHERE id = ?", (member,)), 1)

        pid = self.create(first_name="Ole", last_name="Loeschbar", email="ole@example.org")
        inst = self.institution("Löschschule")
        self.c.get("/register/personen/%d" % pid)
        self.c.post("/register/personen/%d/zugehoerigkeiten" % pid, {"institution_id": str(inst)})
        self.c.post("/register/personen/%d/einwilligungen" % pid,
                    {"kind": "photos", "given": "1", "day": "1.1.2025", "source": ""})
        r = self.c.get("/register/personen/%d/loeschen" % pid)
        self.assertStatus(r, 200)
        self.assertIn("1 Zugehörigkeit zu einer Institution", main_text(r))
        r = self.c.post("/register/personen/%d/loeschen" % pid)
        self.assertRedirect(r, "/register/personen?geloescht=1")
        for table, col in (("person", "id"), ("person_affiliation", "person_id"),
                           ("person_consent", "person_id")):
            self.assertEqual(self.count("SELECT count(*) FROM %s WHERE %s = ?" % (table, col),
                                        (pid,)), 0, table)
        self.assertEqual(self.count("SELECT count(*) FROM search_entry WHERE kind = 'person' AND "
                                    "ref_id = ?", (pid,)), 0)
        self.assertStatus(self.c.get("/register/personen/%d" % pid), 404)
        r = self.c.get("/register/personen?geloescht=1")
        self.assertInBody("Die Person wurde gelöscht.", r)

    def test_09_other_region(self):
        wesel = self.region_id("wesel")
        pid = self.server.query(
            "INSERT INTO person (region_id, last_name, sort_name, created_at, updated_at) "
            "VALUES (?, 'Weselperson', 'weselperson', ?, ?) RETURNING id", (wesel, NOW, NOW))[0][0]
        self.assertStatus(self.c.get("/register/personen/%d" % pid), 404)
        self.assertStatus(self.c.get("/register/personen/%d/bearbeiten" % pid), 404)
        self.c.get("/register/personen")
        self.assertStatus(self.c.post("/register/personen/%d/einwilligungen" % pid,
                                      {"kind": "photos", "given": "1", "day": "1.1.2025"}), 404)
        self.assertStatus(self.c.post("/register/personen/%d/loeschen" % pid), 404)
        self.assertEqual(self.count("SELECT count(*) FROM person WHERE id = ?", (pid,)), 1)
        # a member is no office: 403
        m = Client(self.server)
        m.login(*DEMO_ACCOUNTS["member"])
        self.assertStatus(m.get("/register/personen"), 403)

    def test_10_long_list_counted_up_to_a_cap(self):
        # 10,130 more people (the cap is 10,000): "more than", pages after the
        # cap still work, the page where the list ends knows the total
        rid = self.region_id()
        # people erased under Art. 17 (the demo has one) are not in the list
        before = self.count("SELECT count(*) FROM person WHERE region_id = ? AND erased_at IS NULL",
                            (rid,))
        self.server.execute(
            "INSERT INTO person (region_id, last_name, email, sort_name, created_at, updated_at) "
            "SELECT ?, 'Massenperson' || (100000 + i), '', 'zzz massenperson' || (100000 + i), "
            "?, ? FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            "WHERE i < 10130) SELECT i FROM n) s", (rid, NOW, NOW))
        try:
            total = before + 10130
            r = self.c.get("/register/personen")
            self.assertStatus(r, 200)
            self.assertInBody("Mehr als 10.000 Personen im Register.", r)
            self.assertInBody("1–50 von mehr als 10.000", r)
            self.assertInBody('href="/register/personen?seite=2" rel="next"', r)
            r = self.c.get("/register/personen", headers=JSON)
            got = json.loads(r.text)
            self.assertEqual((got["total"], got["more"]), (10000, True))
            self.assertTrue(got["pagination"]["more"])
            # the last page: sorted last, exact again
            last = (total + 49) // 50
            r = self.c.get("/register/personen?seite=%d" % last, headers=JSON)
            got = json.loads(r.text)
            self.assertEqual((got["total"], got["more"]), (total, False))
            self.assertEqual(got["people"][-1]["last_name"], "Massenperson110130")
            self.assertEqual(got["pagination"]["next_href"], "")
            # the page before it: a next page, known up to its end
            r = self.c.get("/register/personen?seite=%d" % (last - 1))
            self.assertInBody("von mehr als", r)
            self.assertInBody('href="/register/personen?seite=%d" rel="next"' % last, r)
            # after the end
            r = self.c.get("/register/personen?seite=%d" % (last + 5), headers=JSON)
            got = json.loads(r.text)
            self.assertEqual((got["total"], got["more"], got["people"]), (total, False, []))
            # filtered and sorted variants count up to the cap as well
            r = self.c.get("/register/personen?kanal=email", headers=JSON)
            self.assertEqual(json.loads(r.text)["more"], True)
            r = self.c.get("/register/personen?kanal=email")
            self.assertInBody("Mehr als 10.000 Personen entsprechen den Filtern.", r)
            for sort in ("email", "geaendert"):
                r = self.c.get("/register/personen?sortierung=%s&seite=%d" % (sort, last),
                               headers=JSON)
                got = json.loads(r.text)
                self.assertEqual((got["total"], got["more"]), (total, False), sort)
            r = self.c.get("/register/personen?einwilligung=nein", headers=JSON)
            self.assertEqual(json.loads(r.text)["more"], True)
        finally:
            self.server.execute("DELETE FROM person WHERE region_id = ? AND sort_name LIKE "
                                "'zzz massenperson%'", (rid,))


if __name__ == "__main__":
    sys.exit(harness.main("register-people"))
