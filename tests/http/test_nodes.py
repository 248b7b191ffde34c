#!/usr/bin/env python3
"""test_nodes.py — two `bireg serve` processes on one database behave as one
installation, and nothing acknowledged is lost when the database server or bireg
itself goes away.

Run:  python3 tests/http/test_nodes.py     (BIREG_BIN=build-x/bireg to pick a build)

Node A is a normal test installation (its own database, demo region); node B is a
second `bireg serve` with the same database settings and a directory of its own,
like a second machine behind nginx. On SQLite both nodes share one file (WAL), on
PostgreSQL one database.

The fault drills:
  - PostgreSQL only: the test cluster is restarted (tools/pg-test-cluster restart)
    while clients keep posting accessibility feedback. Requests during the outage
    must get 503 with a German message; afterwards bireg must answer again without
    being restarted, and every POST that was acknowledged (303) must be stored.
  - both backends: bireg is killed with SIGKILL while clients post; after a restart
    every acknowledged POST is stored.

The last line of the output is `nodes: N passed, N failed, N skipped`.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (DEMO_ACCOUNTS, REPO_ROOT, BiregServer, Client, png_bytes,  # noqa: E402
                     wait_for)

ADMIN_EMAIL, ADMIN_PW = DEMO_ACCOUNTS["admin"]
OFFICE_EMAIL, OFFICE_PW = DEMO_ACCOUNTS["office"]

# The German 503 page: "Dienst nicht verfügbar" (service unavailable).
UNAVAILABLE_DE = re.compile(r"Dienst nicht verfügbar")


def second_node(a, name="nodeB", extra_env=None):
    """Another `bireg serve` on the database of a (started or prepared)."""
    b = BiregServer(extra_env=dict(a.extra_env, **(extra_env or {})), demo=False, name=name)
    b.dir = tempfile.mkdtemp(prefix="bireg-http-%s-" % name)
    b.database = a.database
    return b


def dispose_second(b):
    """Stops node b and removes its directory, but not the database it shares."""
    b.database = None
    b.cleanup()


def anon_feedback(srv, message, timeout=10):
    """One anonymous accessibility feedback POST with the double-submit CSRF
    cookie; returns the response (or None when the connection failed)."""
    try:
        c = Client(srv)
        c.fetch_csrf("/barrierefreiheit")
        return c.post("/barrierefreiheit", [("message", message)])
    except (OSError, AssertionError, harness.http.client.HTTPException):
        return None


class Writers:
    """Threads that post feedback in a loop and remember what was acknowledged."""

    def __init__(self, srv, tag, threads=4):
        self.srv = srv
        self.tag = tag
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked = []       # messages answered 303
        self.statuses = {}    # status -> count (None = connection failed)
        self.unavailable = [] # bodies of 503 answers
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(threads)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def run(self, i):
        n = 0
        while not self.stop.is_set():
            n += 1
            msg = "%s Schreiber %d Nachricht %d: Prüfung äöüß" % (self.tag, i, n)
            # The CSRF page fetch is part of the try: during an outage it may 503 too.
            try:
                c = Client(self.srv)
                page = c.get("/barrierefreiheit")
                if page.status != 200:
                    self.note(page.status, page)
                    time.sleep(0.05)
                    continue
                r = c.post("/barrierefreiheit", [("message", msg)])
            except Exception:  # connection refused/reset while bireg is down
                self.note(None, None)
                time.sleep(0.05)
                continue
            self.note(r.status, r)
            if r.status == 303:
                with self.lock:
                    self.acked.append(msg)
            else:
                time.sleep(0.05)

    def note(self, status, resp):
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 503 and resp is not None and len(self.unavailable) < 20:
                self.unavailable.append(resp)

    def count_acked(self):
        with self.lock:
            return len(self.acked)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


def multipart_files(fields, files, boundary="----biregNodeTestBoundary"):
    """A multipart/form-data body of text fields (name, value) and files
    (name, filename, content type, bytes)."""
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


def stored_messages(srv, tag):
    rows = srv.query("SELECT message FROM accessibility_feedback WHERE message LIKE ?",
                     (tag + " %",))
    return {r[0] for r in rows}


class TwoNodes(harness.ServerTestCase):
    """Node A (self.server) and node B share one database."""
    server_env = {"BIREG_JOB_WORKERS": "2", "BIREG_JOB_POLL_MS": "100"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.node_b = second_node(cls.server)
        try:
            cls.node_b.start()
        except Exception:
            dispose_second(cls.node_b)
            super().tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        b = cls.node_b
        code = b.stop()
        log = b.log()
        dispose_second(b)
        super().tearDownClass()
        if code != 0:
            raise AssertionError("node B exited with %r after SIGTERM\n%s" % (code, log[-20000:]))

    def setUp(self):
        super().setUp()
        self._logs.append((self.node_b, self.node_b.log_size()))

    def test_01_session_from_a_works_on_b(self):
        a = Client(self.server)
        self.assertRedirect(a.login(OFFICE_EMAIL, OFFICE_PW, next="/konto"), "/konto")
        b = Client(self.node_b, cookies=a.cookies)
        r = b.get("/konto")
        self.assertStatus(r, 200)
        self.assertInBody("Kim Geschäftsstelle", r)
        # A form token issued on A is accepted on B: it belongs to the session.
        a_page = a.get("/konto")
        token = harness.csrf_from(a_page.text)
        r = b.post("/abmelden", [], csrf=token)
        self.assertIn(r.status, (303,), r.describe())
        # Logged out on B means logged out on A.
        r = a.get("/konto")
        self.assertIn(r.status, (303, 403), "the session must be gone on A too:\n" + r.describe())

    def test_02_login_throttle_is_shared(self):
        # Failures on A count on B: the throttle lives in the database.
        email = "niemand-%d@demo.bireg.example" % os.getpid()
        for srv in (self.server, self.node_b, self.server):
            c = Client(srv)
            c.login(email, "falsches-passwort")
        rows = self.server.query("SELECT failures FROM login_throttle WHERE key LIKE ?",
                                 ("%" + email + "%",))
        self.assertTrue(rows, "no throttle row for the account")
        self.assertEqual(rows[0][0], 3, "failures on both nodes must add up")

    def test_03_upload_on_a_download_on_b(self):
        a = Client(self.server)
        self.assertRedirect(a.login(ADMIN_EMAIL, ADMIN_PW, next="/verwaltung/region"),
                            "/verwaltung/region")
        page = a.get("/verwaltung/region")
        self.assertStatus(page, 200)
        png = png_bytes(40, 20, (10, 90, 160, 255))
        body, ctype = multipart_files([("csrf", a.csrf)],
                                      [("logo", "logo-knoten.png", "image/png", png)])
        r = a.request("POST", "/verwaltung/region/logo", body=body,
                      headers={"Content-Type": ctype})
        self.assertStatus(r, 303)
        # The start page on B shows the logo A stored, and B serves its bytes.
        home = Client(self.node_b).get("/")
        self.assertStatus(home, 200)
        m = re.search(r'<img[^>]*src="(/dateien/\d+/[^"]+)"', home.text)
        self.assertIsNotNone(m, "no logo on node B's start page")
        r = Client(self.node_b).get(m.group(1))
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "image/png")
        self.assertEqual(r.body, png)

    def test_04_jobs_queued_on_both_run_once(self):
        clients = [Client(self.server), Client(self.node_b)]
        for c in clients:
            c.fetch_csrf("/anmelden")
        ids = []
        for i in range(60):
            # Queued alternately on both nodes; either node's runners may take any.
            r = clients[i % 2].post("/_test/jobs", {"kind": "test.record"},
                                    headers={"Accept": "application/json"})
            self.assertIn(r.status, (200, 201), r.describe())
            ids.append(json.loads(r.text)["id"])
        marks = ",".join("?" * len(ids))

        def all_done():
            rows = self.server.query("SELECT count(*) FROM job WHERE state = 'done' AND id IN (%s)"
                                     % marks, ids)
            return rows[0][0] == len(ids)
        self.assertTrue(wait_for(all_done, timeout=60), "not every job was done within 60 s")
        effects = self.server.query("SELECT job_id, node FROM job_test_effect WHERE job_id IN (%s)"
                                    % marks, ids)
        self.assertEqual(sorted(e[0] for e in effects), sorted(ids),
                         "each job must have exactly one effect")
        attempts = self.server.query("SELECT max(attempts) FROM job WHERE id IN (%s)" % marks, ids)
        self.assertEqual(attempts[0][0], 1, "no job may have been taken twice")
        nodes = {e[1].split(":")[1] for e in effects if ":" in e[1]}
        sys.stdout.write("jobs ran on %d process(es): %s\n" % (len(nodes), sorted(nodes)))


class BehindProxy(harness.ServerTestCase):
    """Nodes behind nginx: X-Forwarded-For counts only from a trusted proxy."""
    server_env = {"BIREG_TRUSTED_PROXIES": "127.0.0.1, ::1"}

    def failed_login_from(self, srv, xff):
        c = Client(srv, headers={"X-Forwarded-For": xff} if xff else None)
        c.login("niemand@demo.bireg.example", "falsches-passwort")

    def addr_keys(self, srv):
        return {r[0] for r in srv.query("SELECT key FROM login_throttle WHERE key LIKE 'addr:%'")}

    def test_01_client_address_from_trusted_proxy(self):
        self.failed_login_from(self.server, "203.0.113.7")
        # A client-written entry on the left proves nothing; the proxy's own
        # entry (right-most) names the client.
        self.failed_login_from(self.server, "198.51.100.1, 203.0.113.9")
        keys = self.addr_keys(self.server)
        self.assertIn("addr:203.0.113.7", keys)
        self.assertIn("addr:203.0.113.9", keys)
        self.assertNotIn("addr:198.51.100.1", keys)

    def test_02_header_ignored_without_trusted_proxy(self):
        srv = self.fresh_server(env={"BIREG_TRUSTED_PROXIES": ""}, name="noproxy")
        self.failed_login_from(srv, "203.0.113.50")
        keys = self.addr_keys(srv)
        self.assertIn("addr:127.0.0.1", keys)
        self.assertNotIn("addr:203.0.113.50", keys)

    def test_03_garbage_keeps_proxy_address(self):
        self.failed_login_from(self.server, "nicht-eine-adresse")
        self.assertIn("addr:127.0.0.1", self.addr_keys(self.server))

    def test_04_bad_setting_refused_at_start(self):
        srv = BiregServer(extra_env={"BIREG_TRUSTED_PROXIES": "proxy.example"}, name="badproxy")
        self.addCleanup(srv.cleanup)
        with self.assertRaises(harness.BiregError) as cm:
            srv.prepare()  # bireg init reads the same settings
        self.assertIn('server.trusted_proxies: "proxy.example" is not an IP address',
                      str(cm.exception))


class Faults(harness.ServerTestCase):
    """Drills: the database server restarts, bireg is killed."""

    def test_01_postgres_restart_under_load(self):
        if harness.backend() != "postgres":
            self.skipTest("PostgreSQL only: SQLite has no server to restart")
        cluster = os.environ.get("BIREG_TEST_PG_HOST")
        self.assertTrue(cluster, "BIREG_TEST_PG_HOST is not set")
        srv = self.server
        w = Writers(srv, "pgdrill").start()
        try:
            self.assertTrue(wait_for(lambda: w.count_acked() >= 20, timeout=30),
                            "no writes got through before the restart")
            # Immediate mode: like a crash of the database server.
            r = subprocess.run([os.path.join(REPO_ROOT, "tools", "pg-test-cluster"), "restart",
                                cluster, "--mode", "immediate"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout)
            before = w.count_acked()
            self.assertTrue(wait_for(lambda: w.count_acked() >= before + 20, timeout=60),
                            "bireg did not recover after PostgreSQL came back: %r" % w.statuses)
        finally:
            w.finish()
        sys.stdout.write("statuses during the drill: %r\n" % w.statuses)
        # bireg itself kept running and answers.
        self.assertIsNone(srv.proc.poll(), "bireg died during the restart")
        self.assertEqual(Client(srv).get("/").status, 200)
        # Every acknowledged write is there.
        stored = stored_messages(srv, "pgdrill")
        missing = [m for m in w.acked if m not in stored]
        self.assertEqual(missing, [], "acknowledged writes lost: %d of %d"
                         % (len(missing), len(w.acked)))
        # Requests that hit the outage were told so, in German, with 503.
        for resp in w.unavailable:
            self.assertEqual(resp.status, 503)
            self.assertRegex(resp.text, UNAVAILABLE_DE)
        self.assertNotIn(500, w.statuses, "an outage must not answer 500: %r" % w.statuses)

    def test_02_bireg_killed_under_load(self):
        srv = self.fresh_server(name="killed")
        w = Writers(srv, "killdrill").start()
        try:
            self.assertTrue(wait_for(lambda: w.count_acked() >= 30, timeout=30),
                            "no writes got through")
            srv.proc.send_signal(signal.SIGKILL)
            srv.proc.wait(timeout=30)
        finally:
            w.finish()
        acked = list(w.acked)
        srv.proc = None
        srv.start()
        self.assertEqual(Client(srv).get("/").status, 200)
        stored = stored_messages(srv, "killdrill")
        missing = [m for m in acked if m not in stored]
        self.assertEqual(missing, [], "acknowledged writes lost after SIGKILL: %d of %d"
                         % (len(missing), len(acked)))


if __name__ == "__main__":
    sys.exit(harness.main("nodes"))
