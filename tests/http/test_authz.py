#!/usr/bin/env python3
"""test_authz.py — the authorization matrix (tests/authz.tsv) against the real binary.

Run:  python3 tests/http/test_authz.py        (BIREG_BIN=build-x/bireg to pick a build)

tests/authz.tsv has one row per route x role x resource (tab-separated, header line):

  route     the route's name as `bireg routes` prints it
  role      anonymous, applicant, member, chair, coordinator, board, office, admin,
            office_other_region (office in region wesel only, not a demo account),
            pending (an account with a second factor whose password was checked,
            second step not done yet)
  resource  own: the role's own region (duisburg; wesel for office_other_region);
            foreign: the same route in the other region; cross: the other region's
            record through this region's URL (extra rows)
  method    GET or POST
  path      the request path; placeholders: {static} (the static prefix with its
            version), {duisburg_feedback} / {wesel_feedback} (a feedback id of that region),
            {duisburg_failed_job} / {wesel_failed_job} (a failed job of that region),
            {duisburg_waiting_job} / {wesel_waiting_job} (a job due in 2099),
            {duisburg_file_id}/{duisburg_file_name}, {wesel_file_id}/{wesel_file_name} (an
            office-only file of that region),
            {duisburg_mail} / {wesel_mail} (a mail of that region's outbox, delivered),
            {duisburg_dev_mail} / {wesel_dev_mail} (its file in the development folder)
  expected  the status; `login` = 303 to the login page of the request's region
            (with next=<path> when given), `303` = a redirect elsewhere (in the region)
  data      urlencoded form fields of a POST (the csrf token of the role's page in
            that region is added, so the matrix tests permissions, not CSRF)
  note      why, where it is not obvious

The test (1) checks that every route of `bireg routes` has a row for every role x
{own, foreign} and that every row names an existing route with a matching method and
path; (2) starts a fresh server, logs in each role once, sends every row and prints
all mismatches in one table at the end.

The last line of the output is `authz: N passed, N failed, N skipped`.
"""

import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (DEMO_ACCOUNTS, Client, add_region_wesel, add_user,  # noqa: E402
                     location_path, run_bireg, totp_code, totp_secret_from)

TSV = os.environ.get("BIREG_AUTHZ_TSV") or os.path.join(harness.REPO_ROOT, "tests", "authz.tsv")
COLUMNS = ["route", "role", "resource", "method", "path", "expected", "data", "note"]
ROLES = ["anonymous", "applicant", "member", "chair", "coordinator", "board", "office", "admin",
         "office_other_region", "pending"]
RESOURCES = ["own", "foreign"]
PREFIX = {"duisburg": "", "wesel": "/r/wesel"}

# office_other_region: an ordinary account with the office role in wesel only.
WESEL_OFFICE = ("buero@wesel.bireg.test", "Büro Wesel", "Kiefernwald-Sonne-2024!")
# pending: an ordinary account with a second factor, logged in with its password only.
TOTP_USER = ("zweifaktor@bireg.test", "Zwei Faktor", "Leuchtturm-Abendrot-77!")

# Rows that end the client's session run on a fresh login of the role.
FRESH_LOGIN_ROUTES = {"account.logout", "account.login.cancel"}


def read_matrix(path=TSV):
    """The rows of authz.tsv as dicts (line numbers in '_line')."""
    rows = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    if not lines:
        raise AssertionError("%s is empty" % path)
    header = lines[0].split("\t")
    if header[:6] != COLUMNS[:6]:
        raise AssertionError("%s: header must start with %s, is %s" % (path, COLUMNS[:6], header))
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        row = dict(zip(header, cells))
        for c in COLUMNS:
            row.setdefault(c, "")
        row["_line"] = n
        rows.append(row)
    return rows


def bireg_routes():
    """{name: (methods set, pattern, permission, test_only)} from `bireg routes`."""
    r = run_bireg(["routes"], dict(os.environ))
    if r.returncode != 0:
        raise AssertionError("bireg routes exited %d:\n%s%s" % (r.returncode, r.stdout, r.stderr))
    out = {}
    for line in r.stdout.splitlines():
        if not line.strip():
            continue
        f = line.split("\t")
        if len(f) < 4:
            raise AssertionError("bireg routes: a line with fewer than 4 fields: %r" % line)
        out[f[0]] = (set(f[1].split(",")), f[2], f[3], len(f) > 4 and f[4] == "test-only")
    return out


def pattern_matches(pattern, path):
    """Does path (without region prefix and query) match a route pattern?"""
    segs = [s for s in path.split("/") if s != ""]
    pats = [s for s in pattern.split("/") if s != ""]
    for i, p in enumerate(pats):
        if p.startswith("{") and p.endswith("*}"):
            return i < len(segs)
        if i >= len(segs):
            return False
        if p.startswith("{") and p.endswith("}"):
            continue
        if p != segs[i]:
            return False
    return len(pats) == len(segs)


def split_prefix(path):
    """'/r/wesel/konto' -> ('/r/wesel', '/konto'); '/konto' -> ('', '/konto')."""
    m = re.match(r"^(/r/[^/]+)(/.*)?$", path)
    if m:
        return m.group(1), m.group(2) or "/"
    return "", path


def same_region(prefix_a, prefix_b):
    """'' and '/r/duisburg' are the same (the default) region."""
    norm = lambda p: "" if p in ("", "/r/duisburg") else p  # noqa: E731
    return norm(prefix_a) == norm(prefix_b)


def describe_got(resp):
    if resp.status in (301, 302, 303, 307, 308):
        return "%d -> %s" % (resp.status, resp.header("Location"))
    return str(resp.status)


def check_row(row, path, resp):
    """None when resp is what the row expects, else a short reason."""
    expected = row["expected"]
    req_prefix, req_path = split_prefix(urllib.parse.urlsplit(path).path)
    if resp.status == 303:
        loc = location_path(resp)
        loc_prefix, loc_rest = split_prefix(urllib.parse.urlsplit(loc).path)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
        if not same_region(loc_prefix, req_prefix):
            return "the redirect leaves the request's region"
        is_login = loc_rest == "/anmelden"
        if expected == "login":
            if not is_login:
                return "a redirect, but not to the login page"
            if "next" in query and query["next"] != [req_path]:
                return "login redirect with next=%r, expected %r" % (query["next"], req_path)
            return None
        if expected == "303":
            return "a redirect to the login page, expected elsewhere" if is_login else None
        return "unexpected redirect"
    if expected in ("login", "303"):
        return "no redirect"
    if str(resp.status) != expected:
        return "status differs"
    return None


class AuthzMatrixTest(harness.ServerTestCase):

    @classmethod
    def prepare_server(cls, srv):
        add_region_wesel(srv)
        add_user(srv, *WESEL_OFFICE, ("wesel", "office"))
        add_user(srv, *TOTP_USER)

    # ---- 1: coverage ---------------------------------------------------------

    def test_1_every_route_has_its_rows(self):
        routes = bireg_routes()
        rows = read_matrix()
        problems = []
        seen = {}
        for row in rows:
            key = (row["route"], row["role"], row["resource"])
            where = "authz.tsv:%d" % row["_line"]
            if key in seen:
                problems.append("%s: duplicate of line %d: %s" % (where, seen[key], "/".join(key)))
            seen[key] = row["_line"]
            if row["route"] not in routes:
                problems.append("%s: no route named %r (bireg routes)" % (where, row["route"]))
                continue
            methods, pattern, _perm, _test = routes[row["route"]]
            if row["role"] not in ROLES:
                problems.append("%s: unknown role %r" % (where, row["role"]))
            if row["resource"] not in RESOURCES + ["cross"]:
                problems.append("%s: unknown resource %r" % (where, row["resource"]))
            if row["method"] not in methods:
                problems.append("%s: %s has methods %s, not %s"
                                % (where, row["route"], ",".join(sorted(methods)), row["method"]))
            if not re.fullmatch(r"\d{3}|login|303", row["expected"]):
                problems.append("%s: expected must be a status, login or 303: %r"
                                % (where, row["expected"]))
            _, rest = split_prefix(row["path"].replace("{static}", "/static/v"))
            rest = urllib.parse.urlsplit(rest).path
            if not pattern_matches(pattern, rest):
                problems.append("%s: path %s does not match %s's pattern %s"
                                % (where, row["path"], row["route"], pattern))
        for name in sorted(routes):
            for role in ROLES:
                for res in RESOURCES:
                    if (name, role, res) not in seen:
                        problems.append("missing row: %s\t%s\t%s" % (name, role, res))
        self.assertFalse(problems, "tests/authz.tsv does not fit `bireg routes` (%d problems):\n%s"
                         % (len(problems), "\n".join(problems)))

    # ---- 2: the matrix against the server -------------------------------------

    def _login(self, role, region):
        """A fresh client of role with a session (none for anonymous)."""
        srv = self.server
        c = Client(srv)
        if role == "anonymous":
            c.fetch_csrf(PREFIX[region] + "/anmelden")
            return c
        if role in DEMO_ACCOUNTS:
            email, pw = DEMO_ACCOUNTS[role]
            r = c.login(email, pw)
            self.assertRedirect(r, "/konto", "login of %s" % role)
        elif role == "office_other_region":
            r = c.login(WESEL_OFFICE[0], WESEL_OFFICE[2], prefix="/r/wesel")
            self.assertRedirect(r, "/r/wesel/konto", "login of %s" % role)
        elif role == "pending":
            r = c.login(TOTP_USER[0], TOTP_USER[2])
            self.assertStatus(r, 303, "login of %s" % role)
            self.assertTrue(location_path(r).startswith("/anmelden/zweiter-faktor"),
                            "pending login did not ask for the second factor:\n%s" % r.describe())
        else:
            raise AssertionError("unknown role %s" % role)
        self.assertTrue(c.session, "no session cookie for %s" % role)
        return c

    def _csrf_for(self, client, region):
        """The token the role's browser would send with a form of that region."""
        r = client.get(PREFIX[region] + "/barrierefreiheit")
        self.assertStatus(r, 200)
        token = harness.csrf_from(r.text)
        self.assertTrue(token, "no csrf token on the accessibility page")
        return token

    def _enable_totp_for(self, email, password):
        c = Client(self.server)
        self.assertRedirect(c.login(email, password), "/konto")
        r = c.get("/konto/zwei-faktor")
        self.assertStatus(r, 200)
        secret = totp_secret_from(r.text)
        self.assertTrue(secret, "no secret on the second-factor page:\n%s" % r.describe())
        r = c.post("/konto/zwei-faktor", {"code": totp_code(secret)})
        self.assertStatus(r, 200, "turning on the second factor")
        c.post("/abmelden")

    def _fixtures(self):
        srv = self.server
        anon = Client(srv)
        fixtures = {}
        # one feedback row in each region (through the public form)
        for region in ("duisburg", "wesel"):
            msg = "Matrix-Rückmeldung für %s" % region
            anon.fetch_csrf(PREFIX[region] + "/barrierefreiheit")
            r = anon.post(PREFIX[region] + "/barrierefreiheit", {"message": msg})
            self.assertStatus(r, 303, "feedback in %s" % region)
            ids = srv.query("SELECT f.id FROM accessibility_feedback f JOIN region r "
                            "ON r.id = f.region_id WHERE r.slug = ? AND f.message = ?",
                            (region, msg))
            self.assertEqual(len(ids), 1, "feedback row of %s" % region)
            fixtures["{%s_feedback}" % region] = str(ids[0][0])
        # jobs in each region (through the test-only route): one failed, one waiting
        for region in ("duisburg", "wesel"):
            anon.fetch_csrf(PREFIX[region] + "/anmelden")
            for name, fields in (("failed_job", {"kind": "test.fail", "max_attempts": "1"}),
                                 ("waiting_job", {"kind": "test.record",
                                                  "run_at": "2099-01-01T00:00:00Z"})):
                r = anon.post(PREFIX[region] + "/_test/jobs", fields,
                              headers={"Accept": "application/json"})
                self.assertStatus(r, 201, "%s in %s" % (name, region))
                fixtures["{%s_%s}" % (region, name)] = str(json.loads(r.text)["id"])
            job_id = fixtures["{%s_failed_job}" % region]
            self.assertTrue(harness.wait_for(lambda: srv.query(
                "SELECT state FROM job WHERE id = ?", (int(job_id),)) == [("failed",)],
                timeout=15), "the failed job of %s did not fail" % region)
        # one office-only file in each region (file.download rows)
        for region in ("duisburg", "wesel"):
            name = "protokoll-%s.png" % region
            fid = harness.add_file(srv, region, name, harness.png_bytes(2, 2), visibility="office")
            fixtures["{%s_file_id}" % region] = str(fid)
            fixtures["{%s_file_name}" % region] = name
        # one mail in each region's outbox, delivered into its development folder
        for region in ("duisburg", "wesel"):
            anon.fetch_csrf(PREFIX[region] + "/anmelden")
            r = anon.post(PREFIX[region] + "/_test/mail",
                          {"to": "matrix@example.org", "subject": "Matrix %s" % region,
                           "text": "Test"}, headers={"Accept": "application/json"})
            self.assertStatus(r, 201, "mail in %s" % region)
            mail = json.loads(r.text)
            self.assertTrue(harness.wait_for(lambda: srv.query(
                "SELECT status FROM mail_outbox WHERE id = ?", (mail["id"],)) == [("sent",)],
                timeout=15), "the mail of %s was not delivered" % region)
            fixtures["{%s_mail}" % region] = str(mail["id"])
            fixtures["{%s_dev_mail}" % region] = "%08d-%s.eml" % (mail["id"], mail["message_id"])
        fixtures.update(self._register_fixtures())
        home = anon.get("/")
        m = re.search(r'(/static/[^/"]+)/', home.text)
        self.assertTrue(m, "no static prefix on the home page")
        fixtures["{static}"] = m.group(1)
        return fixtures

    def _register_fixtures(self):
        """The register's placeholders. duisburg: rows of the demo (register_demo.h),
        each still in use, so that a delete the permission lets through is refused
        (409) and the row stays for the other rows. wesel: the same shape, inserted
        here (the test reads and writes as the database's superuser, past row-level
        security)."""
        srv = self.server
        fx = {}

        def one(sql, params=()):
            rows = srv.query(sql, params)
            self.assertEqual(len(rows), 1, "fixture query: %s %r -> %r" % (sql, params, rows))
            return int(rows[0][0])

        d = one("SELECT id FROM region WHERE slug = 'duisburg'")
        # a Stadtbezirk with Ortsteile, institutions and a body in it
        fx["{duisburg_area}"] = one("SELECT id FROM area WHERE region_id = ? AND name = 'Mitte' "
                                    "AND parent_id IS NULL", (d,))
        fx["{duisburg_postcode}"] = one("SELECT id FROM area_postcode WHERE region_id = ? AND "
                                        "postcode = '47051'", (d,))
        fx["{duisburg_institution_type}"] = one("SELECT id FROM institution_type WHERE "
                                                "region_id = ? AND key = 'school'", (d,))
        # people work there and represent it in bodies
        fx["{duisburg_institution}"] = one("SELECT id FROM institution WHERE region_id = ? AND "
                                           "name = 'Stadt Duisburg'", (d,))
        # a member of the Lenkungskreis and the conference, no account
        fx["{duisburg_person}"] = one("SELECT id FROM person WHERE region_id = ? AND "
                                      "first_name = 'Thomas' AND last_name = 'Musterfeld'", (d,))
        # an affiliation of another person (Dr. Petra Beispiel)
        fx["{duisburg_affiliation}"] = one(
            "SELECT a.id FROM person_affiliation a JOIN person p ON p.id = a.person_id WHERE "
            "a.region_id = ? AND p.first_name = 'Petra' AND p.last_name = 'Beispiel'", (d,))
        fx["{duisburg_body}"] = one("SELECT id FROM body WHERE region_id = ? AND "
                                    "name = 'Lenkungskreis'", (d,))
        fx["{duisburg_public_body}"] = one("SELECT id FROM body WHERE region_id = ? AND "
                                           "name = 'Regionale Bildungskonferenz'", (d,))
        # Petra Beispiel's chair of the Lenkungskreis: a substitute stands in for it
        fx["{duisburg_membership}"] = one(
            "SELECT m.id FROM membership m JOIN person p ON p.id = m.person_id WHERE "
            "m.region_id = ? AND m.body_id = ? AND m.role = 'chair' AND p.last_name = "
            "'Beispiel' AND p.first_name = 'Petra'", (d, int(fx["{duisburg_body}"])))

        w = one("SELECT id FROM region WHERE slug = 'wesel'")
        now = "2026-01-01T00:00:00Z"
        rid = lambda sql, params: int(srv.query(sql, params)[0][0])  # noqa: E731
        kreis = rid("INSERT INTO area (region_id, hierarchy, parent_id, kind, code, name, "
                    "position) VALUES (?, 'admin', NULL, 'Kommune', '1', 'Stadt Wesel', 1) "
                    "RETURNING id", (w,))
        ort = rid("INSERT INTO area (region_id, hierarchy, parent_id, kind, code, name, "
                  "position) VALUES (?, 'admin', ?, 'Ortsteil', '', 'Feldmark', 1) RETURNING id",
                  (w, kreis))
        fx["{wesel_area}"] = kreis
        fx["{wesel_postcode}"] = rid("INSERT INTO area_postcode (region_id, postcode, quarter, "
                                     "area_id) VALUES (?, '46483', '', ?) RETURNING id", (w, ort))
        types = srv.query("SELECT id FROM institution_type WHERE region_id = ? AND key = 'school'",
                          (w,))
        school = int(types[0][0]) if types else rid(
            "INSERT INTO institution_type (region_id, key, name, is_school, position) VALUES "
            "(?, 'school', 'Schule', 1, 1) RETURNING id", (w,))
        fx["{wesel_institution_type}"] = school
        inst = rid("INSERT INTO institution (region_id, type_id, name, postcode, city, sort_name, "
                   "created_at, updated_at) VALUES (?, ?, 'Musterschule Wesel', '46483', 'Wesel', "
                   "'musterschule wesel', ?, ?) RETURNING id", (w, school, now, now))
        srv.execute("INSERT INTO institution_area (region_id, institution_id, area_id) "
                    "VALUES (?, ?, ?)", (w, inst, ort))
        fx["{wesel_institution}"] = inst
        people = {}
        for key, first, last in (("member", "Wiebke", "Musterwesel"),
                                 ("substitute", "Hauke", "Beispielrhein"),
                                 ("teacher", "Frauke", "Probedeich")):
            people[key] = rid("INSERT INTO person (region_id, first_name, last_name, email, "
                              "sort_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                              "RETURNING id", (w, first, last, "%s@example.org" % first.lower(),
                                               ("%s %s" % (last, first)).lower(), now, now))
        fx["{wesel_person}"] = people["member"]
        for key in ("member", "teacher"):
            aff = rid("INSERT INTO person_affiliation (region_id, person_id, institution_id, "
                      "function, start_day) VALUES (?, ?, ?, 'Lehrkraft', '2024-01-01') "
                      "RETURNING id", (w, people[key], inst))
        fx["{wesel_affiliation}"] = aff  # the teacher's, not the member's
        body = rid("INSERT INTO body (region_id, name, type, sort_name, created_at, updated_at) "
                   "VALUES (?, 'Lenkungskreis Wesel', 'steering', 'lenkungskreis wesel', ?, ?) "
                   "RETURNING id", (w, now, now))
        fx["{wesel_body}"] = body
        member = rid("INSERT INTO membership (region_id, body_id, person_id, role, institution_id, "
                     "start_day, created_at, updated_at) VALUES (?, ?, ?, 'member', ?, "
                     "'2024-01-01', ?, ?) RETURNING id", (w, body, people["member"], inst, now,
                                                          now))
        srv.execute("INSERT INTO membership (region_id, body_id, person_id, role, "
                    "substitute_for_id, start_day, created_at, updated_at) VALUES (?, ?, ?, "
                    "'substitute', ?, '2024-01-01', ?, ?)",
                    (w, body, people["substitute"], member, now, now))
        fx["{wesel_membership}"] = member
        return {k: str(v) for k, v in fx.items()}

    def test_2_matrix(self):
        rows = read_matrix()
        fixtures = self._fixtures()
        self._enable_totp_for(TOTP_USER[0], TOTP_USER[2])

        clients, tokens = {}, {}
        for role in ROLES:
            clients[role] = self._login(role, "duisburg")
            if role not in ("anonymous", "pending"):
                # account.totp.enable needs a pending secret: the setup page makes one
                own = "/r/wesel" if role == "office_other_region" else ""
                self.assertStatus(clients[role].get(own + "/konto/zwei-faktor"), 200,
                                  "second-factor page of %s" % role)
            for region in PREFIX:
                tokens[role, region] = self._csrf_for(clients[role], region)

        results = []  # (row, path, got, reason)
        # session-ending rows last
        ordered = sorted(rows, key=lambda r: r["route"] in FRESH_LOGIN_ROUTES)
        for row in ordered:
            path = row["path"]
            for k, v in fixtures.items():
                path = path.replace(k, v)
            region = "wesel" if split_prefix(path)[0] == "/r/wesel" else "duisburg"
            client = clients[row["role"]]
            token = tokens[row["role"], region]
            if row["route"] in FRESH_LOGIN_ROUTES:
                client = self._login(row["role"], region)
                token = self._csrf_for(client, region)
            if row["method"] == "GET":
                resp = client.get(path)
            else:
                fields = urllib.parse.parse_qsl(row["data"], keep_blank_values=True)
                resp = client.post(path, fields, csrf=token)
            reason = check_row(row, path, resp)
            results.append((row, path, describe_got(resp), reason))

        # the roles' sessions must have survived the matrix (else later rows meant little)
        for role in ROLES:
            if role in ("anonymous", "pending"):
                continue
            own = "/r/wesel" if role == "office_other_region" else ""
            r = clients[role].get(own + "/konto")
            if r.status != 200:
                results.append(({"route": "(session check)", "role": role, "resource": "own",
                                 "method": "GET", "expected": "200", "_line": 0},
                                own + "/konto", describe_got(r), "the session ended during the matrix"))

        bad = [x for x in results if x[3]]
        if bad:
            cols = ["route", "role", "resource", "method", "path", "expected", "got", "why"]
            table = [cols] + [[r["route"], r["role"], r["resource"], r["method"], p, r["expected"],
                               got, why] for r, p, got, why in bad]
            widths = [max(len(str(t[i])) for t in table) for i in range(len(cols))]
            text = "\n".join("  ".join(str(c).ljust(w) for c, w in zip(t, widths)).rstrip()
                             for t in table)
            self.fail("%d of %d matrix rows differ:\n%s" % (len(bad), len(results), text))

    # ---- 3: details of refusals ----------------------------------------------

    def test_3_anonymous_json_gets_403_json(self):
        for path in ("/konto", "/verwaltung/rueckmeldungen", "/r/wesel/verwaltung/benutzer"):
            with self.subTest(path=path):
                r = self.server.get(path, headers={"Accept": "application/json"})
                self.assertStatus(r, 403)
                self.assertTrue((r.header("Content-Type") or "").startswith("application/json"),
                                r.describe())
                json.loads(r.text)
                self.assertIsNone(r.header("Location"))

    def test_4_refusal_pages_german(self):
        c = self._login("applicant", "duisburg")
        r = c.get("/verwaltung/rueckmeldungen")
        self.assertStatus(r, 403)
        self.assertInBody("Zugriff verweigert", r)
        self.assertInBody('<html lang="de"', r)
        r = Client(self.server).post("/konto/sprache", {"lang": "en"}, csrf=False)
        self.assertStatus(r, 403)
        self.assertInBody("Zugriff verweigert", r)


if __name__ == "__main__":
    sys.exit(harness.main("authz"))
