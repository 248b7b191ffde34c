#!/usr/bin/env python3
"""test_register_import.py — the generic import of people and institutions
(/register/import…) against the real binary, on SQLite or PostgreSQL (BIREG_TEST_BACKEND):

  * the overview links the three imports and lists batches and saved mappings;
  * upload → mapping (proposed from the headers) → preview → commit: the people are in the
    database with the mapped values, one change-log entry "import" each, the batch done;
  * the mapping step refuses a column used twice and a missing last name with 422, the
    message next to the field; a JSON client gets errors [{field, message}];
  * a bad e-mail address: the preview names the line, the commit is refused, nothing stored;
  * a file of garbage and an empty upload: 422 with the reason, no batch;
  * an upload without the kind (art): 422 with the form and a German message, no batch;
  * a batch committed once cannot be committed again: 409, the people exist once;
  * a saved mapping is listed and can be deleted; an import can be discarded;
  * more than 1,000 rows go through the background job and end done.

Run:  python3 tests/http/test_register_import.py   (BIREG_BIN=build-x/bireg to pick a build)

The last line of the output is `register-import: N passed, N failed, N skipped`.
"""

import json
import os
import re
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import field_error, location_path, main_text, selected_value  # noqa: E402

JSON = {"Accept": "application/json"}

PEOPLE = ("Anrede;Vorname;Nachname;E-Mail;PLZ;Ort\r\n"
          "Frau;Ida;Importiert;ida.importiert@example.org;47051;Duisburg\r\n"
          "Herr;Ole;Eingelesen;ole.eingelesen@example.org;47057;Duisburg\r\n")


def multipart(fields=(), files=()):
    boundary = "----bireg" + uuid.uuid4().hex
    out = []
    for name, value in fields:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary, name, value)).encode("utf-8"))
    for name, filename, ctype, data in files:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: %s\r\n\r\n" % (boundary, name, filename, ctype)).encode("utf-8"))
        out.append(data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode("ascii"))
    return b"".join(out), "multipart/form-data; boundary=%s" % boundary


class RegisterImportTest(harness.OfficeTestCase):

    def upload(self, data, filename="kontakte.csv", art="personen"):
        r = self.c.get("/register/import/neu?art=" + art)
        self.assertStatus(r, 200)
        body, ct = multipart([("csrf", self.c.csrf), ("art", art)],
                             [("file", filename, "text/csv", data)] if data is not None else ())
        return self.c.request("POST", "/register/import/neu", body=body,
                              headers={"Content-Type": ct})

    def upload_ok(self, data, filename="kontakte.csv", art="personen"):
        r = self.upload(data, filename, art)
        self.assertStatus(r, 303)
        path = location_path(r)
        self.assertRegex(path, r"^/register/import/\d+$")
        return int(path.rsplit("/", 1)[1])

    def people(self, like):
        return self.one("SELECT count(*) FROM person p JOIN region r ON r.id = p.region_id "
                        "WHERE r.slug = 'duisburg' AND p.email LIKE ?", (like,))

    def test_01_overview(self):
        r = self.c.get("/register/import")
        self.assertStatus(r, 200)
        for link in ("/register/import/neu?art=personen", "/register/import/neu?art=institutionen",
                     "/register/import/schulen"):
            self.assertIn('href="%s"' % link, r.text.replace("&amp;", "&"))
        home = self.c.get("/register")
        self.assertIn('href="/register/import"', home.text)

    def test_02_upload_map_preview_commit(self):
        bid = self.upload_ok(PEOPLE.encode("utf-8"))
        page = self.c.get("/register/import/%d" % bid)
        self.assertStatus(page, 200)
        # Proposed from the header names.
        self.assertEqual(selected_value(page, "importmap-last_name"), "Nachname")
        self.assertEqual(selected_value(page, "importmap-email"), "E-Mail")
        self.assertEqual(selected_value(page, "importmap-postcode"), "PLZ")
        fields = {"address_form": "Anrede", "first_name": "Vorname", "last_name": "Nachname",
                  "email": "E-Mail", "postcode": "PLZ", "city": "Ort",
                  "mapping_name": "Kontaktliste"}
        r = self.c.post("/register/import/%d/zuordnung" % bid, fields)
        self.assertStatus(r, 303)
        preview = self.c.get("/register/import/%d" % bid)
        self.assertIn('id="import-count-new">2<', preview.text)
        self.assertIn("ida.importiert@example.org", preview.text)
        self.assertEqual(self.people("%.importiert@example.org"), 0)  # the preview wrote nothing
        data = json.loads(self.c.get("/register/import/%d" % bid, headers=JSON).text)
        self.assertEqual(data["batch"]["report"]["new"], 2)
        self.assertEqual(data["batch"]["mapping"]["email"], "E-Mail")
        self.assertEqual(self.one("SELECT count(*) FROM import_mapping WHERE name = ?",
                                  ("Kontaktliste",)), 1)

        r = self.c.post("/register/import/%d/uebernehmen" % bid, {})
        self.assertStatus(r, 303)
        done = self.c.get("/register/import/%d" % bid)
        self.assertIn("import-result", done.text)
        rows = self.q("SELECT address_form, first_name, last_name, postcode, city FROM person "
                      "WHERE email = 'ida.importiert@example.org'")
        self.assertEqual([tuple(x) for x in rows], [("frau", "Ida", "Importiert", "47051", "Duisburg")])
        self.assertEqual(self.one("SELECT state FROM import_batch WHERE id = ?", (bid,)), "done")
        self.assertEqual(self.one(
            "SELECT count(*) FROM change_log WHERE entity = 'person' AND action = 'import' "
            "AND summary = ?", ("Import Nr. %d (kontakte.csv)" % bid,)), 2)
        # A second commit is refused: the batch is done, the people exist once.
        self.assertStatus(self.c.post("/register/import/%d/uebernehmen" % bid, {}), 409)
        self.assertEqual(self.people("%.importiert@example.org"), 1)
        self.assertEqual(self.people("%.eingelesen@example.org"), 1)
        self.assertEqual(self.one("SELECT state FROM import_batch WHERE id = ?", (bid,)), "done")

    def test_03_mapping_refused(self):
        bid = self.upload_ok(PEOPLE.encode("utf-8"))
        self.c.get("/register/import/%d" % bid)
        r = self.c.post("/register/import/%d/zuordnung" % bid,
                        {"last_name": "Nachname", "first_name": "Nachname", "email": "E-Mail"})
        self.assertStatus(r, 422)
        self.assertIsNotNone(field_error(r, "importmap-first_name") or
                             field_error(r, "importmap-last_name"))
        self.assertIn("nur in ein Feld", main_text(r))
        self.assertIn("importmap-errors", r.text)
        r = self.c.post("/register/import/%d/zuordnung" % bid, {"email": "E-Mail"}, headers=JSON)
        self.assertStatus(r, 422)
        errors = json.loads(r.text)["errors"]
        self.assertTrue(any("last_name" in e["field"] for e in errors), errors)
        self.assertEqual(self.one("SELECT report FROM import_batch WHERE id = ?", (bid,)), "{}")

    def test_04_bad_email_rejected(self):
        text = PEOPLE + "Frau;Eva;Falsch;kein-at;47051;Duisburg\r\n"
        bid = self.upload_ok(text.encode("utf-8"))
        self.c.get("/register/import/%d" % bid)
        self.c.post("/register/import/%d/zuordnung" % bid,
                    {"last_name": "Nachname", "email": "E-Mail"})
        page = self.c.get("/register/import/%d" % bid)
        self.assertIn("import-rejected", page.text)
        self.assertNotIn('id="import-commit"', page.text)
        data = json.loads(self.c.get("/register/import/%d" % bid, headers=JSON).text)
        rej = data["batch"]["report"]["rejected"]
        self.assertEqual([(x["line"], x["field"]) for x in rej], [(4, "email")])
        r = self.c.post("/register/import/%d/uebernehmen" % bid, {})
        self.assertStatus(r, 422)
        self.assertEqual(self.people("eva%"), 0)
        self.assertEqual(self.one("SELECT count(*) FROM person WHERE last_name = 'Falsch'"), 0)

    def test_05_bad_files(self):
        before = self.one("SELECT count(*) FROM import_batch")
        r = self.upload(bytes(range(256)) * 64, filename="muell.csv")
        self.assertStatus(r, 422)
        self.assertIsNotNone(field_error(r, "import-file"))
        r = self.upload(None)
        self.assertStatus(r, 422)
        self.assertIn("CSV", field_error(r, "import-file") or "")
        r = self.upload(b'Nachname;E-Mail\n"offen;x@example.org\n', filename="quote.csv")
        self.assertStatus(r, 422)
        self.assertIn("2", field_error(r, "import-file") or "")
        self.assertEqual(self.one("SELECT count(*) FROM import_batch"), before)

    def test_05b_upload_without_art(self):
        # A form without the kind (hand-made or cut short): the form again with a German
        # message at the choice of the kind, not a bare 400; nothing stored.
        before = self.one("SELECT count(*) FROM import_batch")
        self.c.get("/register/import/neu?art=personen")
        body, ct = multipart([("csrf", self.c.csrf)],
                             [("file", "kontakte.csv", "text/csv", PEOPLE.encode("utf-8"))])
        r = self.c.request("POST", "/register/import/neu", body=body, headers={"Content-Type": ct})
        self.assertStatus(r, 422)
        self.assertIn("Personen oder Institutionen", field_error(r, "art") or "")
        self.assertIn('href="#art"', r.text)
        self.assertIn('name="art" value="personen"', r.text)
        self.assertIn('name="art" value="institutionen"', r.text)
        body, ct = multipart([("csrf", self.c.csrf), ("art", "schulen")],
                             [("file", "kontakte.csv", "text/csv", PEOPLE.encode("utf-8"))])
        r = self.c.request("POST", "/register/import/neu", body=body,
                           headers={"Content-Type": ct, "Accept": "application/json"})
        self.assertStatus(r, 422)
        errors = json.loads(r.text)["errors"]
        self.assertEqual([e["field"] for e in errors], ["art"], errors)
        self.assertIn("Personen oder Institutionen", errors[0]["message"])
        self.assertEqual(self.one("SELECT count(*) FROM import_batch"), before)

    def test_06_discard_and_mapping_delete(self):
        bid = self.upload_ok(PEOPLE.encode("utf-8"))
        self.c.get("/register/import/%d" % bid)
        r = self.c.post("/register/import/%d/verwerfen" % bid, {})
        self.assertStatus(r, 303)
        self.assertEqual(self.one("SELECT state FROM import_batch WHERE id = ?", (bid,)), "cancelled")
        rid = self.region_id()
        self.server.execute("INSERT INTO import_mapping (region_id, kind, name, mapping, created_at, "
                            "updated_at) VALUES (?, 'people', 'Weg damit', '{}', "
                            "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')", (rid,))
        mid = self.one("SELECT id FROM import_mapping WHERE name = 'Weg damit'")
        page = self.c.get("/register/import")
        self.assertIn("Weg damit", page.text)
        r = self.c.post("/register/import/zuordnungen/%d/loeschen" % mid, {})
        self.assertStatus(r, 303)
        self.assertEqual(self.one("SELECT count(*) FROM import_mapping WHERE id = ?", (mid,)), 0)

    def test_07_large_file_as_job(self):
        lines = ["Nachname;E-Mail"] + ["Gross%d;gross%d@example.org" % (i, i) for i in range(1200)]
        bid = self.upload_ok(("\n".join(lines) + "\n").encode("utf-8"), filename="gross.csv")
        self.c.get("/register/import/%d" % bid)
        self.assertStatus(self.c.post("/register/import/%d/zuordnung" % bid,
                                      {"last_name": "Nachname", "email": "E-Mail"}), 303)
        self.c.get("/register/import/%d" % bid)
        r = self.c.post("/register/import/%d/uebernehmen" % bid, {})
        self.assertStatus(r, 303)
        self.assertIn(self.one("SELECT state FROM import_batch WHERE id = ?", (bid,)),
                      ("queued", "running", "done"))
        page = self.c.get("/register/import/%d" % bid)
        self.assertStatus(page, 200)
        if "import-progress" in page.text:
            self.assertIn("<progress", page.text)
        state = harness.wait_for(lambda: self.one("SELECT state FROM import_batch WHERE id = ?",
                                                  (bid,)) in ("done", "failed"), timeout=60)
        self.assertTrue(state)
        self.assertEqual(self.one("SELECT state FROM import_batch WHERE id = ?", (bid,)), "done")
        self.assertEqual(self.people("gross%@example.org"), 1200)
        done = self.c.get("/register/import/%d" % bid)
        self.assertIn("import-result", done.text)


if __name__ == "__main__":
    sys.exit(harness.main("register-import"))
