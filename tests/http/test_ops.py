#!/usr/bin/env python3
"""test_ops.py — the operations commands against the real binary:
`bireg export`/`bireg import` (a whole region, across installations and
backends) and `bireg backup`/`bireg restore` (SQLite).

Export/import: the demo region, made richer (feedback, a logo file, a second
factor with recovery codes, a person link) next to a second region that must
stay out, is exported, imported into a fresh installation, exported again, and
the two archives compared table by table with ids renumbered; the imported
installation serves the region, its logo and its logins (password, TOTP,
recovery code). With a PostgreSQL test cluster in the environment the same
round trip also runs into the other backend. Bad archives change nothing:
every table's row count is compared before and after.

Backup/restore (SQLite; on PostgreSQL both commands point at pg_dump): a
backup taken while the server runs, a restore refused while it runs, and a
restore that the restarted server then serves.

Runs on the backend BIREG_TEST_BACKEND names (see harness.py).
"""

import base64
import contextlib
import hashlib
import json
import os
import re
import stat
import struct
import zlib

import harness
from harness import (DEMO_ACCOUNTS, RECOVERY_RE, BiregServer, Client, ServerTestCase,
                     add_region_wesel, add_user, location_path, totp_code, totp_secret_from,
                     totp_step)

ADMIN_EMAIL, ADMIN_PW = DEMO_ACCOUNTS["admin"]
OFFICE_EMAIL, OFFICE_PW = DEMO_ACCOUNTS["office"]
WESEL_EMAIL = "leitung@kreis-wesel.example"
WESEL_PW = "Rheinufer-Abendlicht-42"


def png(width, height):
    """A valid PNG of width x height grey pixels."""
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


LOGO = png(3, 2)


@contextlib.contextmanager
def backend_as(name):
    """Makes harness.TestDatabase (created in BiregServer.prepare) use backend name."""
    old = os.environ.get("BIREG_TEST_BACKEND")
    os.environ["BIREG_TEST_BACKEND"] = name
    try:
        yield
    finally:
        if old is None:
            del os.environ["BIREG_TEST_BACKEND"]
        else:
            os.environ["BIREG_TEST_BACKEND"] = old


def pg_available():
    return bool(os.environ.get("BIREG_TEST_PG_ADMIN_URL"))


def normalise(archive):
    """The archive's tables with every id dropped and every reference replaced by
    what the row it points at holds (its own references followed the same way, a
    few levels deep), each table's rows sorted: archives of the same data from
    different installations compare equal, whatever ids the rows got and in which
    order an import inserted them (a row referring to a later row of its own table
    is inserted after it)."""
    info = archive["table_info"]
    tables = archive["tables"]
    by_id = {}
    for t, rows in tables.items():
        idcol = info[t]["id"]
        if idcol:
            by_id[t] = {row[idcol]: row for row in rows}

    def content(t, row, depth):
        idcol = info[t]["id"]
        refs = info[t]["references"]
        r = {}
        for k, v in row.items():
            if k == idcol:
                continue
            ref = refs.get(k)
            if isinstance(ref, dict):
                # the table depends on the row: {"by": column, "tables": {value: table}}
                ref = ref["tables"].get(row.get(ref["by"]))
            if ref and v is not None:
                target = by_id.get(ref, {}).get(v)
                if target is None:
                    # a record not in the archive (deleted before the export):
                    # the import links to nothing (NULL, or 0 where the column
                    # is NOT NULL), never to whichever record has that id there
                    v = None
                elif depth == 0:
                    v = ("ref", ref)
                else:
                    v = ("ref", ref, content(ref, target, depth - 1))
            if k == "settings" and isinstance(v, str):
                v = json.loads(v)  # jsonb on PostgreSQL spaces JSON its own way
            r[k] = v
        return r

    return {t: sorted(json.dumps(content(t, row, 3), sort_keys=True, ensure_ascii=False)
                      for row in rows)
            for t, rows in tables.items()}


# The register's tables (migration 0009), in archive order.
REGISTER_TABLES = ["area", "area_postcode", "institution_type", "institution", "institution_area",
                   "institution_tag", "person", "person_consent", "person_affiliation", "body",
                   "membership"]
# Migration 0012 (the register's data in and out), archived after account_person.
DATA_TABLES = ["import_batch", "import_mapping", "school_form_label",
               "duplicate_dismissed_person", "duplicate_dismissed_institution", "change_log"]


def region_counts(srv, slug):
    """Rows per table that belong to region slug, read from the database."""
    rid = srv.query("SELECT id FROM region WHERE slug = ?", (slug,))[0][0]
    accounts = ("(SELECT account_id FROM account_role WHERE region_id = ? UNION "
                "SELECT account_id FROM account_person WHERE region_id = ? UNION "
                "SELECT id FROM account WHERE demo_region_id = ?)")
    q = {
        "region_level": ("SELECT count(*) FROM region_level WHERE region_id = ?", (rid,)),
        "accessibility_feedback": ("SELECT count(*) FROM accessibility_feedback "
                                   "WHERE region_id = ?", (rid,)),
        "account": ("SELECT count(*) FROM account WHERE id IN " + accounts, (rid, rid, rid)),
        "account_role": ("SELECT count(*) FROM account_role WHERE region_id = ?", (rid,)),
        "account_person": ("SELECT count(*) FROM account_person WHERE region_id = ?", (rid,)),
        "file_blob": ("SELECT count(*) FROM file_blob WHERE region_id = ?", (rid,)),
        "file": ("SELECT count(*) FROM file WHERE region_id = ?", (rid,)),
        "message_template": ("SELECT count(*) FROM message_template WHERE region_id = ?",
                             (rid,)),
        "recovery_code": ("SELECT count(*) FROM recovery_code WHERE account_id IN " + accounts,
                          (rid, rid, rid)),
        "search_entry": ("SELECT count(*) FROM search_entry WHERE region_id = ?", (rid,)),
    }
    for t in REGISTER_TABLES + ["import_batch", "import_mapping", "school_form_label",
                                "change_log"]:
        q[t] = ("SELECT count(*) FROM %s WHERE region_id = ?" % t, (rid,))
    for kind in ("person", "institution"):
        q["duplicate_dismissed_" + kind] = (
            "SELECT count(*) FROM duplicate_dismissed WHERE region_id = ? AND entity = ?",
            (rid, kind))
    return {t: int(srv.query(sql, p)[0][0]) for t, (sql, p) in q.items()}


def log_owners(srv, slug):
    """The change-log entries of region slug with the records they name by
    name, not id (the person, the person concerned, the body or institution,
    a membership's member), sorted: equal in two installations when every
    entry still names the same records."""
    name = "(SELECT p.first_name || ' ' || p.last_name FROM person p WHERE p.id = %s AND " \
           "p.region_id = c.region_id)"
    rows = srv.query(
        "SELECT c.at, c.action, c.entity, c.sub, c.summary, "
        "CASE WHEN c.entity = 'person' THEN " + name % "c.entity_id" + " END, "
        + name % "c.person_id" + ", "
        "CASE WHEN c.entity = 'body' THEN (SELECT b.name FROM body b WHERE b.id = c.entity_id "
        "AND b.region_id = c.region_id) END, "
        "CASE WHEN c.entity = 'institution' THEN (SELECT i.name FROM institution i WHERE "
        "i.id = c.entity_id AND i.region_id = c.region_id) END, "
        "CASE WHEN c.sub = 'membership' THEN (SELECT p.first_name || ' ' || p.last_name FROM "
        "membership m JOIN person p ON p.id = m.person_id WHERE m.id = c.sub_id AND "
        "m.region_id = c.region_id) END "
        "FROM change_log c JOIN region r ON r.id = c.region_id WHERE r.slug = ?", (slug,))
    return sorted(tuple("" if v is None else str(v) for v in r) for r in rows)


def all_counts(srv):
    """Rows of every table of the installation (what must not change)."""
    names = sorted(t for t in srv.database.tables() if not t.startswith("search_fts"))
    return {t: int(srv.query("SELECT count(*) FROM %s" % t)[0][0]) for t in names}


def enrich(srv):
    """Adds to the demo installation srv: region wesel with an admin and a
    feedback of its own, two feedbacks and a logo for duisburg, a person link."""
    add_region_wesel(srv)
    add_user(srv, WESEL_EMAIL, "Wesel Leitung", WESEL_PW, ("wesel", "admin"))
    duisburg = srv.query("SELECT id FROM region WHERE slug = 'duisburg'")[0][0]
    wesel = srv.query("SELECT id FROM region WHERE slug = 'wesel'")[0][0]
    for region, name, msg, status in (
            (duisburg, "Jörg Übel", "Die Schrift ist zu klein – bitte größer.", "new"),
            (duisburg, "", "Anonym: Kontrast im Kopf", "answered"),
            (wesel, "Wesel", "nur in Wesel", "new")):
        srv.execute("INSERT INTO accessibility_feedback (region_id, name, email, message, page, "
                    "status, created_at) VALUES (?, ?, '', ?, '/barrierefreiheit', ?, "
                    "'2026-11-20T10:00:00Z')", (region, name, msg, status))
    # The demo's own logo (bireg demo) makes way for this test's logo, as a
    # replacement on the settings page would.
    srv.execute("UPDATE region SET logo_file_id = NULL")
    # (the test's SQL runs without foreign-key actions: clear the references)
    srv.execute("UPDATE import_batch SET file_id = NULL")
    srv.execute("DELETE FROM file")
    srv.execute("DELETE FROM file_blob")
    digest = hashlib.sha256(LOGO).hexdigest()
    blob = srv.query("INSERT INTO file_blob (region_id, sha256, size, content, created_at) "
                     "VALUES (?, ?, ?, ?, '2026-11-20T10:00:00Z') RETURNING id",
                     (duisburg, digest, len(LOGO), LOGO))[0][0]
    fid = srv.query("INSERT INTO file (region_id, blob_id, name, media_type, size, purpose, "
                    "visibility, width, height, created_by, created_at) VALUES "
                    "(?, ?, 'Logo Duisburg.png', 'image/png', ?, 'region.logo', 'public', "
                    "3, 2, (SELECT id FROM account WHERE email = ?), "
                    "'2026-11-20T10:00:00Z') RETURNING id",
                    (duisburg, blob, len(LOGO), ADMIN_EMAIL))[0][0]
    srv.execute("UPDATE region SET logo_file_id = ? WHERE id = ?", (fid, duisburg))
    # An own text of the office, edited by the admin.
    srv.execute("INSERT INTO message_template (region_id, key, lang, subject, body, updated_by, "
                "updated_at) VALUES (?, 'feedback.received', 'de', 'Danke für Ihre Rückmeldung', "
                "'{{anrede}}\n\nvielen Dank – wir melden uns.', "
                "(SELECT id FROM account WHERE email = ?), '2026-11-20T10:00:00Z')",
                (duisburg, ADMIN_EMAIL))
    srv.execute("INSERT INTO account_person (account_id, region_id, person_id) "
                "SELECT a.id, ?, p.id FROM account a, person p WHERE a.email = ? AND "
                "p.region_id = ? AND p.last_name = 'Platzhalter'", (duisburg, ADMIN_EMAIL, duisburg))
    # References within a table that point at a later row (higher id), which
    # the import must insert first: a substitute standing in for a membership
    # made after it, an Ortsteil moved under a newer area, a body reporting to
    # a newer one.
    lk = srv.query("SELECT id FROM body WHERE region_id = ? AND name = 'Lenkungskreis'",
                   (duisburg,))[0][0]
    heike = srv.query("SELECT id FROM person WHERE region_id = ? AND last_name = 'Beispielberg'",
                      (duisburg,))[0][0]
    later = srv.query("INSERT INTO membership (region_id, body_id, person_id, role, partner_side, "
                      "voting, start_day, created_at, updated_at) VALUES (?, ?, ?, 'member', "
                      "'kommune', 1, '2025-01-01', '2026-11-20T10:00:00Z', "
                      "'2026-11-20T10:00:00Z') RETURNING id", (duisburg, lk, heike))[0][0]
    srv.execute("UPDATE membership SET substitute_for_id = ? WHERE region_id = ? AND "
                "role = 'substitute' AND body_id = ? AND person_id = (SELECT id FROM person WHERE "
                "region_id = ? AND last_name = 'Muster' AND first_name = 'Nina')",
                (later, duisburg, lk, duisburg))
    area = srv.query("INSERT INTO area (region_id, hierarchy, kind, code, name, position) VALUES "
                     "(?, 'admin', 'Stadtbezirk', '8', 'Neubezirk', 8) RETURNING id",
                     (duisburg,))[0][0]
    srv.execute("UPDATE area SET parent_id = ? WHERE region_id = ? AND name = 'Altstadt'",
                (area, duisburg))
    group = srv.query("INSERT INTO body (region_id, name, type, sort_name, created_at, updated_at) "
                      "VALUES (?, 'Arbeitsgruppe Übergänge', 'working_group', "
                      "'arbeitsgruppe ubergange', '2026-11-20T10:00:00Z', "
                      "'2026-11-20T10:00:00Z') RETURNING id", (duisburg,))[0][0]
    srv.execute("UPDATE body SET parent_id = ? WHERE region_id = ? AND "
                "name = 'Regionale Bildungskonferenz'", (group, duisburg))
    # Migration 0012: an import with its mapping, a Schulform label, pairs marked
    # "not the same", an erased person and change-log entries of an office account.
    office = srv.query("SELECT id FROM account WHERE email = ?", (OFFICE_EMAIL,))[0][0]
    srv.execute("INSERT INTO import_batch (region_id, kind, state, file_id, file_name, format, "
                "mapping, rows_total, rows_done, report, created_by, created_at, updated_at, "
                "finished_at) VALUES (?, 'people', 'done', ?, 'kontakte.csv', 'csv', "
                "'{\"last_name\": \"Nachname\"}', 2, 2, '{\"new\": 2}', ?, "
                "'2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z', '2026-11-20T10:01:00Z')",
                (duisburg, fid, office))
    srv.execute("INSERT INTO import_mapping (region_id, kind, name, mapping, created_by, "
                "created_at, updated_at) VALUES (?, 'people', 'Kontakte Schulamt', "
                "'{\"email\": \"E-Mail\"}', ?, '2026-11-20T10:00:00Z', "
                "'2026-11-20T10:00:00Z')", (duisburg, office))
    srv.execute("INSERT INTO school_form_label (region_id, code, label, updated_at) VALUES "
                "(?, '02', 'Grundschule (Primarstufe)', '2026-11-20T10:00:00Z')", (duisburg,))
    people = [r[0] for r in srv.query("SELECT id FROM person WHERE region_id = ? ORDER BY id "
                                      "LIMIT 3", (duisburg,))]
    insts = [r[0] for r in srv.query("SELECT id FROM institution WHERE region_id = ? "
                                     "ORDER BY id LIMIT 2", (duisburg,))]
    for kind, low, high in (("person", people[0], people[1]),
                            ("institution", insts[0], insts[1])):
        srv.execute("INSERT INTO duplicate_dismissed (region_id, entity, low_id, high_id, "
                    "dismissed_by, dismissed_at) VALUES (?, ?, ?, ?, ?, "
                    "'2026-11-20T10:00:00Z')", (duisburg, kind, low, high, office))
    srv.execute("UPDATE person SET erased_at = '2026-11-21T09:00:00Z' WHERE id = ?",
                (people[2],))
    srv.execute("INSERT INTO change_log (region_id, at, account_id, actor, entity, entity_id, "
                "person_id, action, summary, changes) VALUES (?, '2026-11-20T10:00:00Z', ?, "
                "'Kim Geschäftsstelle', 'person', ?, ?, 'update', 'Formular', "
                "'[{\"field\": \"email\", \"old\": \"a@x.de\", \"new\": null}]')",
                (duisburg, office, people[0], people[0]))


class ExportImport(ServerTestCase):
    """The source installation: demo region duisburg, enriched, and wesel beside it."""

    archive = None

    @classmethod
    def prepare_server(cls, srv):
        enrich(srv)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The office turns on its second factor through the web, which also
        # stores its recovery codes.
        c = Client(cls.server)
        r = c.login(OFFICE_EMAIL, OFFICE_PW)
        assert r.status == 303, r.describe()
        r = c.get("/konto/zwei-faktor")
        secret = totp_secret_from(r.text)
        assert secret, r.describe()
        cls.totp_secret = secret.replace(" ", "")
        cls.totp_step = totp_step()
        r = c.post("/konto/zwei-faktor", {"code": totp_code(cls.totp_secret, cls.totp_step)})
        assert r.status == 200, r.describe()
        cls.recovery_codes = [m.strip() for m in RECOVERY_RE.findall(r.text)]
        assert len(cls.recovery_codes) >= 2, r.describe()

    def export(self, srv, slug, name, *extra):
        path = os.path.join(srv.dir, name)
        r = srv.bireg("export", "--region", slug, path, *extra)
        self.assertEqual(r.returncode, 0, "export failed:\n%s%s" % (r.stdout, r.stderr))
        with open(path, encoding="utf-8") as f:
            return path, json.load(f)

    def source_archive(self):
        if ExportImport.archive is None:
            ExportImport.archive = self.export(self.server, "duisburg", "duisburg.json")
        return ExportImport.archive

    def target(self, backend=None, name="target", demo=False):
        """A fresh installation (init only) on backend (default: the tests')."""
        with backend_as(backend or harness.backend()):
            srv = BiregServer(name=name, demo=demo)
            self._logs.append((srv, 0))
            self.addCleanup(srv.cleanup)
            srv.prepare()
        return srv

    # ---- the archive -----------------------------------------------------

    def test_01_archive_content(self):
        path, a = self.source_archive()
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600, "the archive must be private")
        self.assertEqual(a["format"], "bireg-region-archive")
        self.assertEqual(a["format_version"], 1)
        self.assertEqual(a["region_slug"], "duisburg")
        t = a["tables"]
        self.assertEqual(list(t), ["region", "region_level", "accessibility_feedback", "account",
                                   "account_role", "file_blob", "file", "message_template"]
                         + REGISTER_TABLES + ["account_person"] + DATA_TABLES
                         + ["recovery_code"])
        for absent in ("session", "login_throttle", "job", "search_entry", "schema_migrations",
                       "mail_outbox", "password_reset"):
            self.assertNotIn(absent, t)
        counts = {k: len(v) for k, v in t.items()}
        # the demo's register (register_demo.h) and this test's additions
        want = {
            "region": 1, "region_level": 3, "accessibility_feedback": 2, "account": 7,
            "account_role": 3, "account_person": 5, "file_blob": 1, "file": 1,
            "message_template": 1, "area": 56, "area_postcode": 28, "institution_type": 11,
            "institution": 154, "body": 15,
            "recovery_code": len(self.recovery_codes)}
        self.assertEqual({k: counts[k] for k in want}, want)
        for k in REGISTER_TABLES + DATA_TABLES:
            self.assertGreater(counts[k], 0, k)
        # an erased person keeps the day of the erasure (the demo's former
        # member and the one this test erased)
        self.assertEqual(sum(1 for x in t["person"] if x["erased_at"]), 2)
        # as in the database
        db = region_counts(self.server, "duisburg")
        for k, n in counts.items():
            if k != "region":
                self.assertEqual(db[k], n, "table %s" % k)
        emails = {x["email"] for x in t["account"]}
        self.assertNotIn(WESEL_EMAIL, emails, "an account of another region was exported")
        self.assertNotIn("nur in Wesel", json.dumps(t, ensure_ascii=False))
        self.assertEqual(base64.b64decode(t["file_blob"][0]["content"]), LOGO)
        office = [x for x in t["account"] if x["email"] == OFFICE_EMAIL][0]
        self.assertEqual(office["totp_enabled"], 1)
        self.assertTrue(office["password_hash"].startswith("$argon2id$"))

    def test_02_export_errors(self):
        srv = self.server
        path = os.path.join(srv.dir, "nowhere.json")
        r = srv.bireg("export", "--region", "gibtsnicht", path)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("no region with the slug gibtsnicht", r.stderr)
        self.assertFalse(os.path.exists(path))
        r = srv.bireg("export", path)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--region", r.stderr)
        # an existing file only with --force
        with open(path, "w") as f:
            f.write("old")
        r = srv.bireg("export", "--region", "duisburg", path)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("--force", r.stderr)
        with open(path) as f:
            self.assertEqual(f.read(), "old")
        self.export(srv, "duisburg", "nowhere.json", "--force")
        leftovers = [n for n in os.listdir(srv.dir) if n.startswith(".")]
        self.assertEqual(leftovers, [], "temporary files left behind")

    # ---- the round trip --------------------------------------------------

    def same_log_owners(self, src, dst, slug):
        """The change log of duisburg in src and of slug in dst names the same
        people and records: a person's entries (Art. 15, Art. 17) are still theirs."""
        want, got = log_owners(src, "duisburg"), log_owners(dst, slug)
        self.assertEqual(got, want)
        # the comparison means something: entries of named people, of the one
        # enrich logged among them
        people = [r for r in got if r[2] == "person" and r[5]]
        self.assertGreater(len(people), 0)
        first = src.query("SELECT first_name || ' ' || last_name FROM person WHERE region_id = "
                          "(SELECT id FROM region WHERE slug = 'duisburg') ORDER BY id LIMIT 1")
        self.assertIn(("update", "Formular", first[0][0], first[0][0]),
                      [(r[1], r[4], r[5], r[6]) for r in people])

    def round_trip(self, backend, name, source=None, totp=True, src=None):
        """Imports the archive (source: (path, parsed), default the class's, made
        from installation src, default the class's) into a fresh installation on
        backend, exports it again and compares."""
        path, a = source or self.source_archive()
        dst = self.target(backend, name)
        r = dst.bireg("import", path)
        self.assertEqual(r.returncode, 0, "import failed:\n%s%s" % (r.stdout, r.stderr))
        self.assertIn("region duisburg imported", r.stdout)
        _, b = self.export(dst, "duisburg", "again.json")
        na, nb = normalise(a), normalise(b)
        for t in na:
            self.assertEqual(nb[t], na[t], "table %s differs after the round trip" % t)
        self.assertEqual(list(nb), list(na))
        counts = region_counts(dst, "duisburg")
        for t, rows in a["tables"].items():
            if t != "region":
                self.assertEqual(counts[t], len(rows), "rows of %s in the target" % t)
        # the search index was rebuilt: one entry per account with a role, person
        # (not the erased one, see enrich), institution and body
        erased = sum(1 for x in a["tables"]["person"] if x.get("erased_at"))
        self.assertEqual(counts["search_entry"], 3 + counts["person"] - erased
                         + counts["institution"] + counts["body"])
        # the references within a table came along (see enrich)
        subst = dst.query("SELECT p.last_name FROM membership s JOIN membership m ON "
                          "m.id = s.substitute_for_id JOIN person p ON p.id = m.person_id "
                          "JOIN person sp ON sp.id = s.person_id WHERE sp.last_name = 'Muster' "
                          "AND sp.first_name = 'Nina'")
        self.assertEqual(subst, [("Beispielberg",)])
        self.assertEqual(dst.query("SELECT p.name FROM area a JOIN area p ON p.id = a.parent_id "
                                   "WHERE a.name = 'Altstadt'"), [("Neubezirk",)])
        self.same_log_owners(src or self.server, dst, "duisburg")
        self.serves_region(dst, totp)
        return dst

    def serves_region(self, dst, totp=True):
        """The imported installation serves the region, its logo and its logins."""
        dst.start()
        home = dst.get("/")
        self.assertStatus(home, 200)
        self.assertInBody("Bildungsregion Duisburg", home)
        m = re.search(r'<img class="bireg-header__region-logo" src="([^"]+)"', home.text)
        self.assertTrue(m, "the imported logo is not in the header:\n%s" % home.describe())
        logo = dst.get(m.group(1).replace("&amp;", "&"))
        self.assertStatus(logo, 200)
        self.assertEqual(logo.body, LOGO)
        self.assertEqual(logo.header("Content-Type"), "image/png")

        c = Client(dst)
        self.assertRedirect(c.login(ADMIN_EMAIL, ADMIN_PW), "/konto")
        self.assertStatus(c.get("/verwaltung/rueckmeldungen"), 200)
        self.assertInBody("Die Schrift ist zu klein", c.last)
        # the register came along, searchable
        r = c.get("/register/suche?q=mueller", headers={"Accept": "application/json"})
        self.assertStatus(r, 200)
        self.assertIn("Jürgen Müller-Muster", [h["title"] for h in json.loads(r.text)["hits"]])

        self.assertStatus(Client(dst).login(WESEL_EMAIL, WESEL_PW), 401,
                          "the account of the other region must not come along")
        if not totp:
            return
        # the second factor came along: a recovery code, then a TOTP code
        c = Client(dst)
        r = c.login(OFFICE_EMAIL, OFFICE_PW)
        self.assertStatus(r, 303)
        self.assertTrue(location_path(r).startswith("/anmelden/zweiter-faktor"), r.describe())
        c.get(location_path(r))
        self.assertRedirect(c.post("/anmelden/zweiter-faktor", {"code": self.recovery_codes[0]}),
                            "/konto")
        c = Client(dst)
        c.login(OFFICE_EMAIL, OFFICE_PW)
        c.get("/anmelden/zweiter-faktor")
        step = max(self.totp_step + 1, totp_step())
        self.assertRedirect(c.post("/anmelden/zweiter-faktor",
                                   {"code": totp_code(self.totp_secret, step)}), "/konto")

    def test_03_round_trip_same_backend(self):
        self.round_trip(None, "target")

    def test_04_round_trip_other_backend(self):
        if not pg_available():
            self.skipTest("no PostgreSQL test cluster in the environment (BIREG_TEST_PG_*)")
        other = "postgres" if harness.backend() == "sqlite" else "sqlite"
        self.round_trip(other, "target-" + other)

    def test_05_round_trip_sqlite_to_postgres(self):
        """The move docs/OPERATIONS.md describes, whatever backend this run is on:
        a SQLite installation's region into PostgreSQL."""
        if not pg_available():
            self.skipTest("no PostgreSQL test cluster in the environment (BIREG_TEST_PG_*)")
        if harness.backend() == "sqlite":
            self.skipTest("test_04 covers SQLite to PostgreSQL on this run")
        with backend_as("sqlite"):
            src = BiregServer(name="sqlite-source")
            self._logs.append((src, 0))
            self.addCleanup(src.cleanup)
            src.prepare()
        enrich(src)
        source = self.export(src, "duisburg", "from-sqlite.json")
        self.round_trip("postgres", "target-postgres", source=source, totp=False, src=src)

    def test_06_import_beside_and_reuse(self):
        """Imported a second time under another slug: the accounts exist and are
        reused (their password stays, their archived recovery codes are not
        added), the region's rows come anew."""
        path, a = self.source_archive()
        dst = self.target(name="twice")
        self.assertEqual(dst.bireg("import", path).returncode, 0)
        codes_before = int(dst.query("SELECT count(*) FROM recovery_code")[0][0])
        r = dst.bireg("import", "--slug", "duisburg-kopie", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("7 existing (same e-mail) kept as they are", r.stdout)
        self.assertEqual(int(dst.query("SELECT count(*) FROM account")[0][0]), 7)
        self.assertEqual(int(dst.query("SELECT count(*) FROM recovery_code")[0][0]), codes_before)
        # the copy's records have other ids than the archive's: its change log
        # names them all the same
        self.same_log_owners(self.server, dst, "duisburg-kopie")
        c = region_counts(dst, "duisburg-kopie")
        self.assertEqual((c["region_level"], c["accessibility_feedback"], c["file"],
                          c["account_role"]), (3, 2, 1, 3))
        # the logo of the copy is the copy's own file
        logo = dst.query("SELECT r.logo_file_id, f.region_id = r.id FROM region r "
                         "JOIN file f ON f.id = r.logo_file_id WHERE r.slug = 'duisburg-kopie'")
        self.assertEqual(len(logo), 1)
        self.assertIn(logo[0][1], (1, True))

    # ---- bad archives ----------------------------------------------------

    def test_07_bad_archives_change_nothing(self):
        path, a = self.source_archive()
        dst = self.target(name="bad", demo=True)  # duisburg exists there
        with open(path, "rb") as f:
            good = f.read()

        def variant(name, change):
            b = json.loads(good)
            change(b)
            p = os.path.join(dst.dir, name)
            with open(p, "w", encoding="utf-8") as f:
                json.dump(b, f)
            return p

        def write(name, data):
            p = os.path.join(dst.dir, name)
            with open(p, "wb") as f:
                f.write(data)
            return p

        def set_(*path_value):
            def change(b):
                *keys, last, value = path_value
                for k in keys:
                    b = b[k]
                b[last] = value
            return change

        cases = [
            ("truncated", write("cut.json", good[:len(good) * 3 // 5]), [],
             "not a readable archive (damaged or cut short?)"),
            ("garbage", write("garbage.json", os.urandom(3000)), [], "not a readable archive"),
            ("other JSON", write("other.json", b'{"hello": "world"}'), [],
             "not a bireg region archive"),
            ("newer format", variant("v2.json", set_("format_version", 2)), [],
             "format version 2"),
            ("newer schema", variant("s999.json", set_("schema_version", 999)), [],
             "schema version 999"),
            ("missing table", variant("lack.json", lambda b: b["tables"].pop("region_level")), [],
             "lacks the table region_level"),
            ("unknown table", variant("more.json", set_("tables", "secrets", [])), [],
             "table secrets"),
            ("slug conflict", path, [], "a region with the slug duisburg exists"),
            # found only after the region and earlier tables are in: rolled back
            ("dangling reference", variant("dangling.json",
                                           set_("tables", "account_role", 0, "account_id", 99999)),
             ["--slug", "neu1"], "account_id refers to account 99999"),
            ("check constraint", variant("check.json",
                                         set_("tables", "region_level", 2, "position", 0)),
             ["--slug", "neu2"], "region_level, row 3"),
            ("bad base64", variant("b64.json", set_("tables", "file_blob", 0, "content", "%%%")),
             ["--slug", "neu3"], "content must be base64"),
            ("wrong type", variant("type.json", set_("tables", "account", 0, "totp_enabled", "ja")),
             ["--slug", "neu4"], "totp_enabled must be a whole number"),
            ("missing column", variant("col.json",
                                       lambda b: b["tables"]["file"][0].pop("media_type")),
             ["--slug", "neu5"], "has no column media_type"),
        ]
        before = all_counts(dst)
        for what, p, extra, says in cases:
            with self.subTest(what):
                r = dst.bireg("import", *extra, p)
                self.assertEqual(r.returncode, 1, "%s: exit %d\n%s%s"
                                 % (what, r.returncode, r.stdout, r.stderr))
                self.assertIn(says, r.stderr)
                self.assertIn("nothing was imported", r.stderr)
                self.assertEqual(all_counts(dst), before, "%s changed the database" % what)
        r = dst.bireg("import", "--slug", "Keine Gute", path)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("not a valid slug", r.stderr)
        self.assertEqual(all_counts(dst), before)


class BackupRestore(ServerTestCase):
    """bireg backup while serving, bireg restore while stopped."""

    def test_01_backup_and_restore(self):
        srv = self.server
        path = os.path.join(srv.dir, "backup.db")
        if harness.is_postgres():
            for cmd, says in (("backup", "pg_dump --format=custom --username=bireg_backup"),
                              ("restore", "pg_restore --exit-on-error --single-transaction")):
                r = srv.bireg(cmd, path)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(says, r.stderr)
                if cmd == "backup":
                    self.assertIn(srv.database.name, r.stderr)
                self.assertNotIn("bireg_app@", r.stderr)
                self.assertFalse(os.path.exists(path))
            return
        # The backup is a SQLite file whatever the harness does, and is checked
        # here with an independent reader: not the installation's database.
        import sqlite3
        rid = srv.query("SELECT id FROM region WHERE slug = 'duisburg'")[0][0]
        srv.execute("INSERT INTO accessibility_feedback (region_id, message, created_at) "
                    "VALUES (?, 'vor der Sicherung', '2026-11-20T10:00:00Z')", (rid,))
        # a write through the server, too
        c = Client(srv)
        self.assertRedirect(c.login(ADMIN_EMAIL, ADMIN_PW), "/konto")

        r = srv.bireg("backup", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("backup of", r.stdout)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertFalse(os.path.exists(path + "-wal"))
        con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        try:
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            self.assertEqual(con.execute("PRAGMA journal_mode").fetchone()[0], "delete")
            self.assertEqual(con.execute("SELECT count(*) FROM accessibility_feedback WHERE "
                                         "message = 'vor der Sicherung'").fetchone()[0], 1)
        finally:
            con.close()
        r = srv.bireg("backup", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--force", r.stderr)

        # changed after the backup
        add_region_wesel(srv)
        self.assertStatus(srv.get("/r/wesel/"), 200)

        # not while the server has the database open, even with --force
        r = srv.bireg("restore", "--force", path)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("in use", r.stderr)
        self.assertEqual(srv.query("SELECT count(*) FROM region WHERE slug = 'wesel'")[0][0], 1)

        self.assertEqual(srv.stop(), 0)
        r = srv.bireg("restore", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("stop bireg", r.stderr)
        self.assertIn("--force", r.stderr)
        r = srv.bireg("restore", "--force", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        kept = re.search(r"kept as (\S+)", r.stdout)
        self.assertTrue(kept and os.path.exists(kept.group(1)), r.stdout)

        srv.start()
        self.assertStatus(srv.get("/r/wesel/"), 404)
        self.assertEqual(srv.query("SELECT count(*) FROM region WHERE slug = 'wesel'")[0][0], 0)
        self.assertEqual(srv.query("SELECT count(*) FROM accessibility_feedback WHERE "
                                   "message = 'vor der Sicherung'")[0][0], 1)
        self.assertRedirect(Client(srv).login(ADMIN_EMAIL, ADMIN_PW), "/konto")
        # the replaced database, kept, still has wesel
        con = sqlite3.connect("file:%s?mode=ro" % kept.group(1), uri=True)
        try:
            self.assertEqual(con.execute("SELECT count(*) FROM region WHERE slug = 'wesel'")
                             .fetchone()[0], 1)
        finally:
            con.close()

    def test_02_restore_refuses_bad_files(self):
        if harness.is_postgres():
            self.skipTest("SQLite only")
        srv = self.server
        before = all_counts(srv)
        bad = os.path.join(srv.dir, "kein-backup.db")
        with open(bad, "wb") as f:
            f.write(b"SQLite format 3\x00" + os.urandom(5000))
        r = srv.bireg("restore", "--force", bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn(bad, r.stderr)
        self.assertEqual(all_counts(srv), before)


if __name__ == "__main__":
    raise SystemExit(harness.main("ops"))
