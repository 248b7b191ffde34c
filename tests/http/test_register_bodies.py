#!/usr/bin/env python3
"""test_register_bodies.py — bodies with their rules of procedure, memberships and the
public body pages (/register/gremien…, /register/mitgliedschaften/…, /gremien…) against
the real binary, on SQLite or PostgreSQL (BIREG_TEST_BACKEND):

  * the body form: bad input (quorum share over 100 %, urgent period longer than the
    normal one, active until before active from, no name, a cycle of bodies, the quorum
    share missing for the rule "share") is answered 422 with the German message next to
    the field and in the summary, the entered values kept and nothing stored; a JSON
    client gets errors [{field, message}]; a good body is stored (row and search entry)
    and its page explains the rules in plain German sentences;
  * the office list with its filters (type, level, current/all);
  * memberships: the person search step, a membership ending before it starts, a
    substitute for someone not in the body, a third co-chair, a person of another
    region: 422 and nothing stored; adding a member and a personal substitute, ending
    (history kept, former members shown apart) and deleting (refused with 409 while a
    substitute stands in for the member);
  * the public pages: the public sees only the names of members whose newest
    publish_name consent is "given" and a count of the others (also in the JSON);
    members of a body and the office see the full list; a logged-in non-member gets
    403 for a non-public body, an anonymous visitor the login page; "Meine Gremien";
  * another region's body and membership are not found; members are no office.

Run:  python3 tests/http/test_register_bodies.py   (BIREG_BIN=build-x/bireg to pick a build)

The last line of the output is `register-bodies: N passed, N failed, N skipped`.
"""

import datetime
import html
import json
import os
import re
import sys
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (DEMO_ACCOUNTS, Client, add_region_wesel, field_error, input_value,  # noqa: E402
                     location_path, main_text, selected_value)

JSON = {"Accept": "application/json"}
NOW = "2026-01-01T00:00:00Z"


def body_form(**kw):
    f = {"name": "", "short_name": "", "type": "working_group", "level_id": "", "area_id": "",
         "parent_id": "", "description": "", "goals": "", "active_from": "", "active_until": "",
         "chair_mode": "single", "decision_mode": "majority", "quorum_rule": "share",
         "quorum_share_pct": "50", "invitation_days": "14", "invitation_days_urgent": "3",
         "papers_days": "7", "objection_days": "14", "written_procedure": "none",
         "nonpublic_access": "members"}
    f.update(kw)
    return f


def membership_form(**kw):
    f = {"person_id": "", "role": "member", "substitute_for_id": "", "institution_id": "",
         "partner_side": "", "voting": "1", "start_day": "", "end_day": "", "note": ""}
    f.update(kw)
    return {k: v for k, v in f.items() if v is not None}


class BodiesTest(harness.OfficeTestCase):

    @classmethod
    def prepare_server(cls, srv):
        add_region_wesel(srv)

    # ---- helpers ---------------------------------------------------------

    def body_id(self, name):
        return self.one("SELECT id FROM body WHERE region_id = ? AND name = ?",
                          (self.region_id(), name))

    def person(self, first, last):
        return self.one("SELECT id FROM person WHERE region_id = ? AND first_name = ? AND "
                          "last_name = ?", (self.region_id(), first, last))

    def new_person(self, first, last, region=None):
        """A person of duisburg through the person form (so the search finds them), or a
        row of another region."""
        if region is not None:
            return self.q("INSERT INTO person (region_id, first_name, last_name, sort_name, "
                          "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                          (region, first, last, (last + " " + first).lower(), NOW, NOW))[0][0]
        self.c.get("/register/personen/neu")
        r = self.c.post("/register/personen/neu", {
            "address_form": "", "title": "", "first_name": first, "last_name": last,
            "letter_salutation": "", "function": "",
            "email": "person-%s@example.org" % uuid.uuid4().hex[:8], "phone": "", "mobile": "",
            "street": "", "postcode": "", "city": "", "preferred_channel": "email",
            "legal_basis": "public_task", "legal_basis_note": "", "account_email": "",
            "notes": ""})
        self.assertStatus(r, 303, "creating a person")
        return self.person(first, last)

    def post_body(self, path, fields, headers=None):
        self.c.get(path)
        return self.c.post(path, fields, headers=headers)

    def name_with_title(self, pid):
        t, f, l = self.q("SELECT title, first_name, last_name FROM person WHERE id = ?", (pid,))[0]
        return " ".join(x for x in (t, f, l) if x)

    # ---- the body form ---------------------------------------------------

    def test_01_body_bad_input(self):
        lk = self.body_id("Lenkungskreis")
        forum = self.body_id("Handlungsforum Die inklusive Bildungsstadt")
        before = self.one("SELECT count(*) FROM body")
        cases = [
            ("quorum share over 100", body_form(name="Testgremium A", quorum_share_pct="150"),
             "body-quorum_share_pct", "100"),
            ("urgent period longer", body_form(name="Testgremium B", invitation_days="7",
                                               invitation_days_urgent="10"),
             "body-invitation_days_urgent", "verkürzte Frist"),
            ("active until before from", body_form(name="Testgremium C", active_from="1.8.2026",
                                                   active_until="31.7.2026"),
             "body-active_until", "vor seinem Beginn"),
            ("no name", body_form(name=""), "body-name", "Name"),
            ("quorum share missing", body_form(name="Testgremium D", quorum_share_pct=""),
             "body-quorum_share_pct", "Prozent"),
            ("Ladungsfrist 400 days", body_form(name="Testgremium E", invitation_days="400"),
             "body-invitation_days", "365"),
            ("unknown type", body_form(name="Testgremium F", type="committee"), "body-type",
             "Art des Gremiums"),
        ]
        for what, fields, fid, needle in cases:
            with self.subTest(what):
                r = self.post_body("/register/gremien/neu", fields)
                self.assertStatus(r, 422, what)
                msg = field_error(r, fid)
                self.assertIsNotNone(msg, "%s: no message next to %s\n%s" % (what, fid, r.describe()))
                self.assertIn(needle, msg)
                self.assertInBody('class="kern-alert kern-alert--danger', r)
                self.assertInBody('href="#%s"' % fid, r)  # in the summary too
                self.assertEqual(input_value(r, "body-name"), fields["name"])
                self.assertEqual(self.one("SELECT count(*) FROM body"), before, what)
        # JSON: the same refusal as data.
        self.c.get("/register/gremien/neu")
        r = self.c.post("/register/gremien/neu", body_form(name="Testgremium G",
                                                           quorum_share_pct="101"), headers=JSON)
        self.assertStatus(r, 422)
        data = json.loads(r.text)
        self.assertEqual([e["field"] for e in data["errors"]], ["quorum_share_pct"])
        self.assertTrue(data["errors"][0]["message"])
        self.assertEqual(data["values"]["quorum_share_pct"], "101")
        # The Lenkungskreis cannot report to a forum that reports to it.
        r = self.post_body("/register/gremien/%d/bearbeiten" % lk,
                           body_form(name="Lenkungskreis", type="steering", chair_mode="co_chairs",
                                     parent_id=str(forum)))
        self.assertStatus(r, 422)
        self.assertIn("berichtet", field_error(r, "body-parent_id"))
        self.assertEqual(self.one("SELECT count(*) FROM body WHERE id = ? AND parent_id = ?",
                                    (lk, forum)), 0)
        # … nor go back to a single chair while it has two co-chairs.
        r = self.post_body("/register/gremien/%d/bearbeiten" % lk,
                           body_form(name="Lenkungskreis", type="steering", chair_mode="single",
                                     decision_mode="consensus", quorum_rule="both_partners"))
        self.assertStatus(r, 422)
        self.assertIn("zwei gleichberechtigte", field_error(r, "body-chair_mode"))
        self.assertEqual(self.one("SELECT count(*) FROM body WHERE id = ? AND "
                                    "chair_mode = 'co_chairs'", (lk,)), 1)

    def test_02_body_create_show_edit(self):
        level = self.one("SELECT id FROM region_level WHERE region_id = ? ORDER BY position "
                           "LIMIT 1", (self.region_id(),))
        lk = self.body_id("Lenkungskreis")
        r = self.post_body("/register/gremien/neu", body_form(
            name="Arbeitsgruppe Übergänge", short_name="AG Ü", type="working_group",
            level_id=str(level), parent_id=str(lk), description="Zeile eins\nZeile zwei",
            goals="Gute Übergänge", active_from="1.8.2025", chair_mode="co_chairs",
            decision_mode="consensus", quorum_rule="both_partners", quorum_share_pct="",
            invitation_days="10", invitation_days_urgent="2", papers_days="5",
            objection_days="0", written_procedure="all_consent", public="1",
            nonpublic_access="voting"))
        self.assertStatus(r, 303)
        bid = self.body_id("Arbeitsgruppe Übergänge")
        self.assertEqual(location_path(r), "/register/gremien/%d?gespeichert=gremium" % bid)
        row = self.q("SELECT short_name, type, level_id, parent_id, active_from, chair_mode, "
                     "decision_mode, quorum_rule, quorum_share_pct, invitation_days, "
                     "invitation_days_urgent, papers_days, objection_days, written_procedure, "
                     "public, nonpublic_access, description FROM body WHERE id = ?", (bid,))[0]
        self.assertEqual(tuple(row), ("AG Ü", "working_group", level, lk, "2025-08-01", "co_chairs",
                                      "consensus", "both_partners", 50, 10, 2, 5, 0,
                                      "all_consent", 1, "voting", "Zeile eins\nZeile zwei"))
        self.assertEqual(self.one("SELECT count(*) FROM search_entry WHERE kind = 'body' AND "
                                    "ref_id = ? AND title = 'Arbeitsgruppe Übergänge'", (bid,)), 1)
        r = self.c.get(location_path(r))
        self.assertStatus(r, 200)
        text = main_text(r)
        for sentence in ("Das Gremium wurde gespeichert.",
                         "Zwei gleichberechtigte Vorsitzende leiten das Gremium gemeinsam.",
                         "Beschlüsse im Konsens.",
                         "Beschlussfähig, wenn beide Partner – Land und Kommune – vertreten sind.",
                         "Ladungsfrist 10 Tage, in dringenden Fällen 2 Tage.",
                         "spätestens 5 Tage vor der Sitzung",
                         "Das Protokoll wird in der nächsten Sitzung genehmigt.",
                         "Zustimmung aller Mitglieder in Textform",
                         "Nicht öffentliche Unterlagen sehen nur die stimmberechtigten Mitglieder.",
                         "seit 01.08.2025", "Lenkungskreis"):
            self.assertIn(sentence, text)
        # The Lenkungskreis lists it among the bodies reporting to it.
        self.assertIn("Arbeitsgruppe Übergänge", main_text(self.c.get("/register/gremien/%d" % lk)))
        # Edit: the form shows the stored values; a change is saved.
        r = self.c.get("/register/gremien/%d/bearbeiten" % bid)
        self.assertStatus(r, 200)
        self.assertEqual(input_value(r, "body-short_name"), "AG Ü")
        self.assertEqual(selected_value(r, "body-decision_mode"), "consensus")
        self.assertEqual(input_value(r, "body-active_from"), "2025-08-01")
        r = self.c.post("/register/gremien/%d/bearbeiten" % bid, body_form(
            name="AG Übergänge Schule–Beruf", type="working_group", quorum_share_pct="60",
            invitation_days="7", invitation_days_urgent="7"))
        self.assertStatus(r, 303)
        self.assertEqual(self.q("SELECT name, quorum_share_pct, parent_id, public FROM body WHERE id = ?",
                                (bid,))[0], ("AG Übergänge Schule–Beruf", 60, None, 0))
        text = main_text(self.c.get("/register/gremien/%d" % bid))
        self.assertIn("Beschlussfähig, wenn mindestens 60 %", text.replace("\u00a0", " "))
        self.assertIn("Ladungsfrist 7 Tage, auch in dringenden Fällen.", text)
        # JSON of the detail page: raw values and labels.
        data = json.loads(self.c.get("/register/gremien/%d" % bid, headers=JSON).text)
        self.assertEqual(data["body"]["quorum_share_pct"], 60)
        self.assertEqual(data["body"]["type_label"], "Arbeitsgruppe")
        self.assertEqual([x["key"] for x in data["rules"]][:3],
                         ["chair_mode", "decision_mode", "quorum_rule"])

    def test_03_list_filters(self):
        rid = self.region_id()
        self.q("INSERT INTO body (region_id, name, type, sort_name, active_until, created_at, "
               "updated_at) VALUES (?, 'Ehemaliger Arbeitskreis', 'working_group', "
               "'ehemaliger arbeitskreis', '2020-12-31', ?, ?) RETURNING id", (rid, NOW, NOW))
        r = self.c.get("/register/gremien")
        self.assertStatus(r, 200)
        self.assertInBody("Regionale Bildungskonferenz", r)
        self.assertNotInBody("Ehemaliger Arbeitskreis", r)
        r = self.c.get("/register/gremien?stand=alle")
        self.assertInBody("Ehemaliger Arbeitskreis", r)
        r = self.c.get("/register/gremien?art=forum&stand=alle")
        text = main_text(r)
        self.assertIn("Handlungsforum Die inklusive Bildungsstadt", text)
        self.assertNotIn("Lenkungskreis (", text)
        self.assertNotIn("Regionales Bildungsforum Walsum", text)
        data = json.loads(self.c.get("/register/gremien?art=district_forum", headers=JSON).text)
        self.assertEqual(data["total"], 7)
        self.assertTrue(all(b["type"] == "district_forum" for b in data["bodies"]))
        level = self.one("SELECT level_id FROM body WHERE id = ?", (self.body_id("Lenkungskreis"),))
        data = json.loads(self.c.get("/register/gremien?ebene=%d" % level, headers=JSON).text)
        self.assertTrue(data["total"] >= 1)
        self.assertTrue(all(b["level_id"] == level for b in data["bodies"]))
        self.assertStatus(self.c.get("/register/gremien?ebene=abc"), 400)
        self.assertStatus(self.c.get("/register/gremien?art=committee"), 400)

    # ---- memberships -----------------------------------------------------

    def test_04_membership_bad_input(self):
        lk = self.body_id("Lenkungskreis")
        forum = self.body_id("Handlungsforum Die inklusive Bildungsstadt")
        pid = self.new_person("Erika", "Testfall")
        other_member = self.one("SELECT id FROM membership WHERE body_id = ? AND role = 'member' "
                                  "ORDER BY id LIMIT 1", (forum,))
        lk_member = self.one("SELECT id FROM membership WHERE body_id = ? AND role = 'member' "
                               "AND end_day IS NULL ORDER BY id LIMIT 1", (lk,))
        wesel_person = self.new_person("Wera", "Wesel", region=self.region_id("wesel"))
        path = "/register/gremien/%d/mitglieder/neu" % lk
        before = self.one("SELECT count(*) FROM membership")
        cases = [
            ("end before start", membership_form(person_id=str(pid), start_day="1.5.2026",
                                                 end_day="30.4.2026"),
             "membership-end_day", "vor dem Beginn"),
            ("substitute for someone not in the body",
             membership_form(person_id=str(pid), role="substitute",
                             substitute_for_id=str(other_member)),
             "membership-substitute_for_id", None),
            ("substitute without a member", membership_form(person_id=str(pid), role="substitute"),
             "membership-substitute_for_id", "vertritt"),
            ("a member named as substitute", membership_form(person_id=str(pid), role="member",
                                                             substitute_for_id=str(lk_member)),
             "membership-substitute_for_id", "persönliche Stellvertretung"),
            ("third co-chair", membership_form(person_id=str(pid), role="chair"),
             "membership-role", "zwei gleichberechtigte Vorsitzende"),
            ("person of another region", membership_form(person_id=str(wesel_person)),
             "membership-person_id", None),
            ("no person", membership_form(person_id=""), "membership-person_id", None),
        ]
        for what, fields, fid, needle in cases:
            with self.subTest(what):
                self.c.get(path + "?person_id=%d" % pid)
                r = self.c.post(path, fields)
                self.assertStatus(r, 422, what)
                msg = field_error(r, fid)
                self.assertIsNotNone(msg, "%s: no message next to %s\n%s" % (what, fid, r.describe()))
                if needle:
                    self.assertIn(needle, msg)
                self.assertEqual(self.one("SELECT count(*) FROM membership"), before, what)
        # Values kept.
        self.c.get(path)
        r = self.c.post(path, membership_form(person_id=str(pid), start_day="1.5.2026",
                                              end_day="30.4.2026", note="Bleibt stehen"))
        self.assertEqual(input_value(r, "membership-note"), "Bleibt stehen")
        self.assertEqual(input_value(r, "membership-start_day"), "2026-05-01")
        self.assertEqual(selected_value(r, "membership-person_id"), str(pid))
        # JSON.
        r = self.c.post(path, membership_form(person_id=str(pid), start_day="1.5.2026",
                                              end_day="30.4.2026"), headers=JSON)
        self.assertStatus(r, 422)
        self.assertEqual([e["field"] for e in json.loads(r.text)["errors"]], ["end_day"])

    def test_05_membership_flow(self):
        rid = self.region_id()
        self.q("INSERT INTO body (region_id, name, type, sort_name, created_at, updated_at) "
               "VALUES (?, 'Arbeitskreis Testlauf', 'working_group', 'arbeitskreis testlauf', ?, ?) "
               "RETURNING id", (rid, NOW, NOW))
        bid = self.body_id("Arbeitskreis Testlauf")
        anna = self.new_person("Anna", "Zwölfer")
        bert = self.new_person("Bert", "Zwölfer-Ersatz")
        inst = self.one("SELECT id FROM institution WHERE region_id = ? ORDER BY id LIMIT 1", (rid,))
        path = "/register/gremien/%d/mitglieder/neu" % bid
        # The search step: folded spelling finds both, each with a link that chooses it.
        r = self.c.get(path + "?q=zwoelfer")
        self.assertStatus(r, 200)
        self.assertInBody("Anna Zwölfer", r)
        self.assertInBody("person_id=%d" % anna, r)
        r = self.c.get(path + "?q=zwoelfer&person_id=%d" % anna)
        self.assertEqual(selected_value(r, "membership-person_id"), str(anna))
        r = self.c.post(path, membership_form(person_id=str(anna), institution_id=str(inst),
                                              partner_side="kommune", start_day="1.1.2025",
                                              note="Sprecherin"))
        self.assertRedirect(r, "/register/gremien/%d?gespeichert=mitglied" % bid)
        m_anna = self.one("SELECT id FROM membership WHERE body_id = ? AND person_id = ?", (bid, anna))
        self.assertEqual(self.q("SELECT role, institution_id, partner_side, voting, start_day, "
                                "end_day, note FROM membership WHERE id = ?", (m_anna,))[0],
                         ("member", inst, "kommune", 1, "2025-01-01", None, "Sprecherin"))
        # A personal substitute for her: the select offers the body's current members.
        r = self.c.get(path + "?person_id=%d" % bert)
        self.assertInBody('<option value="%d">Anna Zwölfer (Mitglied)</option>' % m_anna, r)
        r = self.c.post(path, membership_form(person_id=str(bert), role="substitute",
                                              substitute_for_id=str(m_anna), voting=None,
                                              start_day="1.1.2025"))
        self.assertStatus(r, 303)
        m_bert = self.one("SELECT id FROM membership WHERE body_id = ? AND person_id = ?", (bid, bert))
        self.assertEqual(self.q("SELECT role, substitute_for_id, voting FROM membership WHERE id = ?",
                                (m_bert,))[0], ("substitute", m_anna, 0))
        # The body page: Anna under members, Bert next to her.
        r = self.c.get("/register/gremien/%d" % bid)
        row = re.search(r'<tr class="kern-table__row" id="membership-%d">.*?</tr>' % m_anna, r.text, re.S)
        self.assertIsNotNone(row, r.describe())
        self.assertIn("Bert Zwölfer-Ersatz", row.group(0))
        # Edit: the note changes.
        edit = "/register/mitgliedschaften/%d/bearbeiten" % m_anna
        r = self.c.get(edit)
        self.assertEqual(input_value(r, "membership-note"), "Sprecherin")
        r = self.c.post(edit, membership_form(person_id=str(anna), institution_id=str(inst),
                                              partner_side="kommune", start_day="1.1.2025",
                                              note="Sprecherin des Arbeitskreises"))
        self.assertRedirect(r, "/register/gremien/%d?gespeichert=mitgliedschaft" % bid)
        self.assertEqual(self.one("SELECT count(*) FROM membership WHERE id = ? AND "
                                    "note = 'Sprecherin des Arbeitskreises'", (m_anna,)), 1)
        # Deleting Anna is refused while Bert stands in for her.
        delete = "/register/mitgliedschaften/%d/loeschen" % m_anna
        self.assertStatus(self.c.get(delete), 200)
        r = self.c.post(delete)
        self.assertStatus(r, 409)
        self.assertInBody("Persönliche Stellvertretungen", r)
        self.assertEqual(self.one("SELECT count(*) FROM membership WHERE id = ?", (m_anna,)), 1)
        # Ending before the start is refused; ending yesterday moves her to the former members.
        end = "/register/mitgliedschaften/%d/beenden" % m_anna
        r = self.c.get(end)
        today = self.one("SELECT CAST(? AS TEXT)", (datetime.date.today().isoformat(),))
        self.assertEqual(input_value(r, "membership-end-end_day"), today)
        r = self.c.post(end, {"end_day": "31.12.2024"})
        self.assertStatus(r, 422)
        self.assertIn("vor dem Beginn", field_error(r, "membership-end-end_day"))
        self.assertIsNone(self.q("SELECT end_day FROM membership WHERE id = ?", (m_anna,))[0][0])
        yesterday = (datetime.date.today() - datetime.timedelta(days=1))
        r = self.c.post(end, {"end_day": yesterday.strftime("%d.%m.%Y")})
        self.assertRedirect(r, "/register/gremien/%d?gespeichert=beendet" % bid)
        self.assertEqual(self.q("SELECT end_day FROM membership WHERE id = ?", (m_anna,))[0][0],
                         yesterday.isoformat())
        r = self.c.get("/register/gremien/%d" % bid)
        former = re.search(r'<table[^>]*id="body-former".*?</table>', r.text, re.S)
        self.assertIsNotNone(former, r.describe())
        self.assertIn("Anna Zwölfer", former.group(0))
        # Bert stays, now a substitute whose member left: shown apart, so the office notices.
        current = re.search(r'<table[^>]*id="body-members-substitute".*?</table>', r.text, re.S)
        self.assertIsNotNone(current, r.describe())
        self.assertIn("Bert Zwölfer-Ersatz", current.group(0))
        self.assertIn("vertritt Anna Zwölfer", html.unescape(current.group(0)))
        # Bert's entry was a mistake: deleted; then Anna's too.
        r = self.c.post("/register/mitgliedschaften/%d/loeschen" % m_bert)
        self.assertRedirect(r, "/register/gremien/%d?gespeichert=geloescht" % bid)
        r = self.c.post(delete)
        self.assertStatus(r, 303)
        self.assertEqual(self.one("SELECT count(*) FROM membership WHERE body_id = ?", (bid,)), 0)

    def test_06_body_delete(self):
        lk = self.body_id("Lenkungskreis")
        r = self.c.get("/register/gremien/%d/loeschen" % lk)
        self.assertStatus(r, 200)
        r = self.c.post("/register/gremien/%d/loeschen" % lk)
        self.assertStatus(r, 409)
        self.assertInBody("Mitgliedschaften", r)
        self.assertEqual(self.one("SELECT count(*) FROM body WHERE id = ?", (lk,)), 1)
        self.c.get("/register/gremien/neu")
        r = self.c.post("/register/gremien/neu", body_form(name="Irrtum"))
        self.assertStatus(r, 303)
        bid = self.body_id("Irrtum")
        r = self.c.post("/register/gremien/%d/loeschen" % bid)
        self.assertRedirect(r, "/register/gremien?gespeichert=geloescht")
        self.assertEqual(self.one("SELECT count(*) FROM body WHERE id = ?", (bid,)), 0)
        self.assertEqual(self.one("SELECT count(*) FROM search_entry WHERE kind = 'body' AND "
                                    "ref_id = ?", (bid,)), 0)
        self.assertInBody("Das Gremium wurde gelöscht.", self.c.get(location_path(r)))

    # ---- the public pages ------------------------------------------------

    def consenting(self, bid):
        """(names with consent, names without) of the current members of body bid."""
        today = datetime.date.today().isoformat()
        rows = self.q("SELECT m.person_id, (SELECT c.given FROM person_consent c WHERE "
                      "c.person_id = m.person_id AND c.kind = 'publish_name' ORDER BY c.id DESC "
                      "LIMIT 1) FROM membership m WHERE m.body_id = ? AND (m.start_day IS NULL OR "
                      "m.start_day <= ?) AND (m.end_day IS NULL OR m.end_day >= ?)",
                      (bid, today, today))
        yes = [self.name_with_title(p) for p, g in rows if g == 1]
        no = [self.name_with_title(p) for p, g in rows if g != 1]
        return yes, no

    def test_07_public_page_shows_only_consenting_names(self):
        bid = self.body_id("Regionale Bildungskonferenz")
        yes, no = self.consenting(bid)
        self.assertTrue(yes and no, "the demo needs members with and without consent")
        anon = Client(self.server)
        r = anon.get("/gremien/%d" % bid)
        self.assertStatus(r, 200)
        for n in yes:
            self.assertInBody(html.escape(n, quote=False), r)
        for n in no:
            self.assertNotIn(n, html.unescape(r.text), "%s has not consented" % n)
        self.assertIn("und %d weitere Mitglieder" % len(no) if len(no) != 1
                      else "und 1 weiteres Mitglied", main_text(r))
        # The JSON carries no more than the page.
        r = anon.get("/gremien/%d" % bid, headers=JSON)
        self.assertStatus(r, 200)
        data = json.loads(r.text)
        self.assertFalse(data["full"])
        self.assertEqual(data["limited"]["others"], len(no))
        self.assertEqual(sorted(x["person_name"] for x in data["limited"]["names"]), sorted(yes))
        for n in no:
            self.assertNotIn(n, r.text)
        # A withdrawn consent counts: the newest answer wins.
        pid = self.q("SELECT m.person_id FROM membership m WHERE m.body_id = ? AND EXISTS (SELECT 1 "
                     "FROM person_consent c WHERE c.person_id = m.person_id AND "
                     "c.kind = 'publish_name' AND c.given = 1) ORDER BY m.id LIMIT 1", (bid,))[0][0]
        name = self.name_with_title(pid)
        self.q("INSERT INTO person_consent (region_id, person_id, kind, given, day, recorded_at) "
               "VALUES (?, ?, 'publish_name', 0, '2026-01-02', ?) RETURNING id",
               (self.region_id(), pid, NOW))
        r = anon.get("/gremien/%d" % bid)
        self.assertNotIn(name, html.unescape(r.text))
        # The office sees everybody there.
        r = self.c.get("/gremien/%d" % bid)
        for n in yes + no:
            self.assertIn(n, html.unescape(r.text))

    def test_08_members_see_their_bodies(self):
        forum = self.body_id("Handlungsforum Bildungsberatung im Lebenslauf")
        lk = self.body_id("Lenkungskreis")
        member = Client(self.server)
        self.assertStatus(member.login(*DEMO_ACCOUNTS["member"]), 303)
        r = member.get("/gremien/%d" % forum)
        self.assertStatus(r, 200)
        yes, no = self.consenting(forum)
        for n in yes + no:
            self.assertIn(n, html.unescape(r.text), "a member sees every member")
        self.assertInBody("Sam Mitglied", r)
        data = json.loads(member.get("/gremien/%d" % forum, headers=JSON).text)
        self.assertTrue(data["full"])
        # Not a member of the Lenkungskreis: 403.
        self.assertStatus(member.get("/gremien/%d" % lk), 403)
        # "Meine Gremien" lists the forum (not public) but not the Lenkungskreis.
        r = member.get("/gremien")
        mine = re.search(r'<ul class="kern-list" id="bodies-mine">.*?</ul>', r.text, re.S)
        self.assertIsNotNone(mine, r.describe())
        self.assertIn("Handlungsforum Bildungsberatung im Lebenslauf", mine.group(0))
        self.assertNotIn("Lenkungskreis", mine.group(0))
        # The chair sits in the Lenkungskreis.
        chair = Client(self.server)
        chair.login(*DEMO_ACCOUNTS["chair"])
        r = chair.get("/gremien/%d" % lk)
        self.assertStatus(r, 200)
        self.assertInBody("Mika Vorsitz", r)
        # Anonymous: the login page for the non-public body; JSON 403.
        anon = Client(self.server)
        r = anon.get("/gremien/%d" % lk)
        self.assertStatus(r, 303)
        self.assertTrue(location_path(r).startswith("/anmelden?next=/gremien/%d" % lk), r.describe())
        self.assertStatus(anon.get("/gremien/%d" % lk, headers=JSON), 403)
        self.assertStatus(anon.get("/gremien/999999"), 404)
        r = anon.get("/gremien")
        self.assertStatus(r, 200)
        self.assertNotInBody('id="bodies-mine"', r)
        self.assertNotInBody("Lenkungskreis</a>", r)
        # A member is no office.
        self.assertStatus(member.get("/register/gremien"), 403)
        self.assertStatus(member.get("/register/gremien/%d" % forum), 403)

    def test_09_other_region(self):
        wesel = self.region_id("wesel")
        bid = self.q("INSERT INTO body (region_id, name, type, sort_name, created_at, updated_at) "
                     "VALUES (?, 'Weseler Kreis', 'steering', 'weseler kreis', ?, ?) RETURNING id",
                     (wesel, NOW, NOW))[0][0]
        pid = self.new_person("Wilma", "Weselerin", region=wesel)
        mid = self.q("INSERT INTO membership (region_id, body_id, person_id, role, created_at, "
                     "updated_at) VALUES (?, ?, ?, 'member', ?, ?) RETURNING id",
                     (wesel, bid, pid, NOW, NOW))[0][0]
        for path in ("/register/gremien/%d" % bid, "/register/gremien/%d/bearbeiten" % bid,
                     "/register/gremien/%d/mitglieder/neu" % bid, "/gremien/%d" % bid,
                     "/register/mitgliedschaften/%d/bearbeiten" % mid,
                     "/register/mitgliedschaften/%d/beenden" % mid):
            self.assertStatus(self.c.get(path), 404, path)
        self.c.get("/register/gremien")
        self.assertStatus(self.c.post("/register/mitgliedschaften/%d/loeschen" % mid), 404)
        self.assertStatus(self.c.post("/register/gremien/%d/loeschen" % bid), 404)
        self.assertEqual(self.one("SELECT count(*) FROM membership WHERE id = ?", (mid,)), 1)
        self.assertNotInBody("Weseler Kreis", self.c.get("/register/gremien?stand=alle"))


if __name__ == "__main__":
    sys.exit(harness.main("register-bodies"))
