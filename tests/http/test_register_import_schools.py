#!/usr/bin/env python3
"""test_register_import_schools.py — the NRW school directory import
(/register/import/schulen) and the Schulform labels (/register/schulformen) against the
real binary, on SQLite or PostgreSQL (BIREG_TEST_BACKEND):

  * the page shows the demo region's Gemeindeschlüssel and the demo's import (batch 1);
  * bad keys: 422 with the German message next to the field, nothing stored; JSON errors;
  * upload → preview (nothing written) → commit: a changed row updates its school, the
    batch is done, the change log has the import entry; the preview as JSON;
  * a Windows-1252 copy is recognised (shown in the preview) and can be discarded;
  * a wrong column set: 422 naming the missing columns, no batch; a rejected row: the
    preview lists its line, the commit is refused, nothing changes;
  * `bireg import schools` (dry run, a real run, a rejected file: exit 1);
  * the Schulform labels: the office reads, the admin edits, the institution page shows
    the region's label.

Run:  python3 tests/http/test_register_import_schools.py   (BIREG_BIN=build-x/bireg)

The last line of the output is `register-import-schools: N passed, N failed, N skipped`.
"""

import json
import os
import re
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DEMO_ACCOUNTS, Client, field_error, input_value, location_path  # noqa: E402

JSON = {"Accept": "application/json"}
DATA = os.path.join(os.path.dirname(harness.REPO_ROOT), "shared", "data")
DUISBURG = os.path.join(DATA, "schuldaten_duisburg_2022-06.csv")


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


def duisburg_lines():
    with open(DUISBURG, encoding="utf-8") as f:
        return f.read().split("\n")


def with_street(lines, line_no, street):
    """The file with the street (9th field) of physical line line_no replaced."""
    out = list(lines)
    fields = out[line_no - 1].split('";"')
    fields[8] = street
    out[line_no - 1] = '";"'.join(fields)
    return "\n".join(out)


class SchoolImportTest(harness.OfficeTestCase):

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(DUISBURG):
            raise harness.unittest.SkipTest("../shared/data is not beside the source tree")
        super().setUpClass()

    def upload(self, data, filename="schulen.csv", client=None, headers=None):
        c = client or self.c
        r = c.get("/register/import/schulen")
        self.assertStatus(r, 200)
        body, ct = multipart([("csrf", c.csrf)], [("file", filename, "text/csv", data)])
        h = {"Content-Type": ct}
        h.update(headers or {})
        return c.request("POST", "/register/import/schulen", body=body, headers=h)

    def batches(self):
        return self.q("SELECT b.id, b.state FROM import_batch b JOIN region r ON r.id = b.region_id "
                      "WHERE r.slug = 'duisburg' AND b.kind = 'schools' ORDER BY b.id")

    def street_of(self, number):
        return self.one("SELECT i.street FROM institution i JOIN region r ON r.id = i.region_id "
                        "WHERE r.slug = 'duisburg' AND i.school_number = ?", (number,))

    def test_01_page(self):
        r = self.c.get("/register/import/schulen")
        self.assertStatus(r, 200)
        self.assertEqual(input_value(r, "keys-school_keys"), "05112000")
        self.assertInBody("Schulverzeichnis importieren", r)
        self.assertInBody('id="schools-history"', r)
        self.assertInBody("importiert", r)
        data = json.loads(self.c.get("/register/import/schulen", headers=JSON).text)
        self.assertEqual(data["keys"], ["05112000"])
        self.assertEqual(data["batches"][-1]["state"], "done")
        self.assertEqual(data["batches"][-1]["new"], 136)
        # Linked from the register's overview.
        self.assertInBody("/register/import/schulen", self.c.get("/register"))

    def test_02_bad_keys(self):
        before = self.one("SELECT settings FROM region WHERE slug = 'duisburg'")
        for bad in ("0511", "05112000, 123456789", "abcde"):
            self.c.get("/register/import/schulen")
            r = self.c.post("/register/import/schulen/schluessel", {"school_keys": bad})
            self.assertStatus(r, 422, bad)
            msg = field_error(r, "keys-school_keys")
            self.assertTrue(msg and "8 Ziffern" in msg, msg)
            self.assertEqual(input_value(r, "keys-school_keys"), bad)
        self.c.get("/register/import/schulen")
        r = self.c.post("/register/import/schulen/schluessel", {"school_keys": "0511"}, headers=JSON)
        self.assertStatus(r, 422)
        self.assertEqual([e["field"] for e in json.loads(r.text)["errors"]], ["school_keys"])
        self.assertEqual(self.one("SELECT settings FROM region WHERE slug = 'duisburg'"), before)
        # A good list is stored (and put back).
        self.c.get("/register/import/schulen")
        r = self.c.post("/register/import/schulen/schluessel", {"school_keys": "05112000; 05170"})
        self.assertRedirect(r, "/register/import/schulen?hinweis=schluessel")
        settings = json.loads(self.one("SELECT settings FROM region WHERE slug = 'duisburg'"))
        self.assertEqual(settings["school_keys"], ["05112000", "05170"])
        self.c.get("/register/import/schulen")
        self.c.post("/register/import/schulen/schluessel", {"school_keys": "05112000"})

    def test_03_upload_preview_commit(self):
        lines = duisburg_lines()
        number = lines[4][1:7]
        old = self.street_of(number)
        changed = with_street(lines, 5, "Neue Straße 5")
        r = self.upload(changed.encode("utf-8"))
        self.assertEqual(r.status, 303, r.describe())
        m = re.match(r"^/register/import/schulen/(\d+)$", location_path(r))
        self.assertTrue(m, location_path(r))
        bid = int(m.group(1))
        self.assertEqual(self.batches()[-1], (bid, "preview"))
        self.assertEqual(self.street_of(number), old, "the preview writes nothing")
        page = self.c.get("/register/import/schulen/%d" % bid)
        self.assertStatus(page, 200)
        self.assertInBody("UTF-8 (erkannt)", page)
        self.assertInBody("Neue Straße 5", page)
        self.assertInBody('id="schools-commit"', page)
        data = json.loads(self.c.get("/register/import/schulen/%d" % bid, headers=JSON).text)
        rep = data["report"]
        self.assertEqual((len(rep["new"]), len(rep["changed"]), rep["unchanged"], len(rep["rejected"])),
                         (0, 1, 135, 0))
        self.assertEqual(rep["changed"][0]["changes"],
                         [{"field": "street", "old": old, "new": "Neue Straße 5",
                           "field_label": "Straße"}])
        self.assertEqual(data["state"], "preview")
        log_before = self.one("SELECT count(*) FROM change_log WHERE action = 'import'")
        r = self.c.post("/register/import/schulen/%d/uebernehmen" % bid, {})
        self.assertRedirect(r, "/register/import/schulen/%d?hinweis=uebernommen" % bid)
        self.assertEqual(self.street_of(number), "Neue Straße 5")
        self.assertEqual(self.batches()[-1], (bid, "done"))
        self.assertEqual(self.one("SELECT count(*) FROM change_log WHERE action = 'import'"),
                         log_before + 1)
        self.assertEqual(self.one("SELECT summary FROM change_log WHERE action = 'import' "
                                  "ORDER BY id DESC LIMIT 1"),
                         "Schulverzeichnis, Import Nr. %d" % bid)
        done = self.c.get("/register/import/schulen/%d?hinweis=uebernommen" % bid)
        self.assertInBody("Die Schulen wurden importiert.", done)
        self.assertNotInBody('id="schools-commit"', done)
        # Done is final: a second commit is refused.
        r = self.c.post("/register/import/schulen/%d/uebernehmen" % bid, {})
        self.assertStatus(r, 409)
        # Back to the directory's street.
        r = self.upload("\n".join(lines).encode("utf-8"))
        bid2 = int(location_path(r).rsplit("/", 1)[1])
        self.c.get("/register/import/schulen/%d" % bid2)
        self.assertStatus(self.c.post("/register/import/schulen/%d/uebernehmen" % bid2, {}), 303)
        self.assertEqual(self.street_of(number), old)

    def test_04_windows_1252_and_discard(self):
        text = "\n".join(duisburg_lines())
        r = self.upload(text.encode("cp1252"), filename="schulen-ansi.csv")
        self.assertEqual(r.status, 303, r.describe())
        bid = int(location_path(r).rsplit("/", 1)[1])
        page = self.c.get("/register/import/schulen/%d" % bid)
        self.assertInBody("Windows-1252 (erkannt)", page)
        self.assertInBody("Unveränderte Schulen: 136", page)
        r = self.c.post("/register/import/schulen/%d/verwerfen" % bid, {})
        self.assertRedirect(r, "/register/import/schulen?hinweis=verworfen")
        self.assertEqual(self.batches()[-1], (bid, "cancelled"))

    def test_05_bad_files(self):
        schools = self.one("SELECT count(*) FROM institution")
        n = len(self.batches())
        r = self.upload(b"Schulnummer;Name;PLZ\n\"100000\";\"X\";\"47051\"\n")
        self.assertStatus(r, 422)
        msg = field_error(r, "schools-file")
        self.assertTrue(msg and "Schulform" in msg and "Gemeindeschluessel" in msg, msg)
        self.assertEqual(len(self.batches()), n, "no batch for a file that cannot be used")
        # No file at all.
        self.c.get("/register/import/schulen")
        body, ct = multipart([("csrf", self.c.csrf)])
        r = self.c.request("POST", "/register/import/schulen", body=body, headers={"Content-Type": ct})
        self.assertStatus(r, 422)
        self.assertTrue(field_error(r, "schools-file"))
        # A bad school number in line 5: listed, the commit refused.
        lines = duisburg_lines()
        lines[4] = '"12345' + lines[4][7:]
        r = self.upload("\n".join(lines).encode("utf-8"))
        self.assertEqual(r.status, 303, r.describe())
        bid = int(location_path(r).rsplit("/", 1)[1])
        page = self.c.get("/register/import/schulen/%d" % bid)
        self.assertInBody("Die Schulnummer muss sechs Ziffern haben.", page)
        self.assertInBody('id="schools-refused"', page)
        self.assertNotInBody('id="schools-commit"', page)
        data = json.loads(self.c.get("/register/import/schulen/%d" % bid, headers=JSON).text)
        self.assertEqual([(x["line"], x["field"]) for x in data["report"]["rejected"]],
                         [(5, "school_number")])
        r = self.c.post("/register/import/schulen/%d/uebernehmen" % bid, {})
        self.assertStatus(r, 422)
        self.assertEqual(self.one("SELECT count(*) FROM institution"), schools)
        self.assertEqual(self.batches()[-1], (bid, "preview"))

    def test_06_command_line(self):
        r = self.server.bireg("import", "schools", DUISBURG, "--region", "duisburg", "--dry-run")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("new 0, changed 0, unchanged 136, vanished 0, rejected 0", r.stdout)
        self.assertIn("dry run", r.stdout)
        n = len(self.batches())
        r = self.server.bireg("import", "schools", os.path.join(DATA, "schuldaten_nrw_2022-06.csv"),
                              "--region", "duisburg")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("5350 of other Gemeinden skipped", r.stdout)
        self.assertEqual(len(self.batches()), n + 1)
        self.assertEqual(self.batches()[-1][1], "done")
        lines = duisburg_lines()
        lines[4] = '"12345' + lines[4][7:]
        with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8", delete=False) as f:
            f.write("\n".join(lines))
        try:
            r = self.server.bireg("import", "schools", f.name, "--region", "duisburg")
        finally:
            os.unlink(f.name)
        self.assertEqual(r.returncode, 1)
        self.assertIn("line 5: school_number:", r.stdout)
        self.assertIn("nothing was imported", r.stderr)
        self.assertEqual(len(self.batches()), n + 1)
        # `bireg import FILE` (a region archive) still has its own help.
        r = self.server.bireg("import", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("bireg import schools FILE", r.stdout)

    def test_07_school_forms(self):
        r = self.c.get("/register/schulformen")
        self.assertStatus(r, 200)
        self.assertInBody("Grundschule", r)
        self.assertIsNone(input_value(r, "label_02"), "the office reads only")
        self.c.get("/register/schulformen")
        self.assertStatus(self.c.post("/register/schulformen", {"label_02": "x"}), 403)
        admin = Client(self.server)
        self.assertStatus(admin.login(*DEMO_ACCOUNTS["admin"]), 303)
        r = admin.get("/register/schulformen")
        self.assertEqual(input_value(r, "label_20"), "")
        r = admin.post("/register/schulformen", {"label_20": "x" * 201})
        self.assertStatus(r, 422)
        self.assertEqual(self.one("SELECT count(*) FROM school_form_label"), 0)
        admin.get("/register/schulformen")
        r = admin.post("/register/schulformen", {"label_20": "Gymnasium (Sek. I und II)"})
        self.assertRedirect(r, "/register/schulformen?gespeichert=1")
        self.assertEqual(self.q("SELECT code, label FROM school_form_label"),
                         [("20", "Gymnasium (Sek. I und II)")])
        iid = self.one("SELECT id FROM institution WHERE school_number = '164549'")
        page = self.c.get("/register/institutionen/%d" % iid)
        self.assertInBody("Gymnasium (Sek. I und II)", page)
        data = json.loads(self.c.get("/register/schulformen", headers=JSON).text)
        row = [x for x in data["forms"] if x["code"] == "20"][0]
        self.assertEqual((row["label"], row["builtin_label"]), ("Gymnasium (Sek. I und II)", "Gymnasium"))
        self.assertGreater(row["institutions"], 0)
        # Emptied: the built-in label again.
        admin.get("/register/schulformen")
        admin.post("/register/schulformen", {"label_20": ""})
        self.assertEqual(self.one("SELECT count(*) FROM school_form_label"), 0)


if __name__ == "__main__":
    sys.exit(harness.main("register-import-schools"))
