#!/usr/bin/env python3
"""test_jobs.py — the background job queue against the real binary: jobs the running
server does by itself (exactly once), backoff after a failure, the admin page
/verwaltung/auftraege (German labels, retry, cancel, JSON), the recurring jobs, and the
`bireg jobs` command.

Run:  python3 tests/http/test_jobs.py     (BIREG_BIN=build-x/bireg to pick a build)

Jobs are enqueued through the test-only route POST /_test/jobs (BIREG_TEST_ROUTES=1),
with the test kinds test.record (writes one row into job_test_effect, whose key would
refuse a second run) and test.fail (always fails; permanent=1 fails for good at once).
The database is read through the harness (server.query), on SQLite or PostgreSQL.

The last line of the output is `jobs: N passed, N failed, N skipped`.
"""

import json
import os
import re
import sys
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import DEMO_ACCOUNTS, Client, add_region_wesel, location_path, wait_for  # noqa: E402

ADMIN_EMAIL, ADMIN_PW = DEMO_ACCOUNTS["admin"]
OFFICE_EMAIL, OFFICE_PW = DEMO_ACCOUNTS["office"]
GERMAN_DATETIME_RE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}, \d{1,2}:\d{2} Uhr")


def iso(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def job_row(srv, job_id):
    rows = srv.query("SELECT state, attempts, max_attempts, run_at, last_error, updated_at, "
                     "finished_at, locked_by, region_id FROM job WHERE id = ?", (job_id,))
    if not rows:
        return None
    keys = ("state", "attempts", "max_attempts", "run_at", "last_error", "updated_at",
            "finished_at", "locked_by", "region_id")
    return dict(zip(keys, rows[0]))


def wait_state(srv, job_id, states, timeout=15.0):
    """Polls the job's row until its state is one of states; returns the row."""
    states = (states,) if isinstance(states, str) else tuple(states)
    row = wait_for(lambda: (lambda r: r if r and r["state"] in states else None)(
        job_row(srv, job_id)), timeout=timeout, interval=0.1)
    if not row:
        raise AssertionError("job %s did not reach %s within %.0f s: %r"
                             % (job_id, "/".join(states), timeout, job_row(srv, job_id)))
    return row


def page_row(text, job_id):
    """The <tr> of a job on the admin page."""
    m = re.search(r'<tr class="kern-table__row" id="job-%d">.*?</tr>' % job_id, text, re.S)
    return m.group(0) if m else None


class JobsTestBase(harness.ServerTestCase):

    @classmethod
    def prepare_server(cls, srv):
        add_region_wesel(srv)

    def enqueue(self, client, prefix="", **fields):
        """POST /_test/jobs; returns the new job's id."""
        r = client.post(prefix + "/_test/jobs", fields, headers={"Accept": "application/json"})
        self.assertIn(r.status, (200, 201), r.describe())
        body = json.loads(r.text)
        self.assertGreater(body["id"], 0)
        return body["id"]

    def admin(self):
        c = Client(self.server)
        self.assertRedirect(c.login(ADMIN_EMAIL, ADMIN_PW, next="/verwaltung/auftraege"),
                            "/verwaltung/auftraege")
        self.assertStatus(c.get("/verwaltung/auftraege"), 200)  # the session's CSRF token
        return c

    def anon(self, prefix=""):
        c = Client(self.server)
        c.fetch_csrf(prefix + "/anmelden")
        return c


class RunnerTest(JobsTestBase):
    """What the server's runner does with jobs."""

    def test_01_record_runs_exactly_once(self):
        srv = self.server
        c = self.anon()
        ids = [self.enqueue(c, kind="test.record") for _ in range(20)]
        for job_id in ids:
            row = wait_state(srv, job_id, "done")
            self.assertEqual(row["attempts"], 1)
            self.assertIsNone(row["locked_by"])
            self.assertIsNotNone(row["finished_at"])
        placeholders = ",".join("?" * len(ids))
        effects = srv.query("SELECT job_id, node FROM job_test_effect WHERE job_id IN (%s)"
                            % placeholders, ids)
        self.assertEqual(sorted(e[0] for e in effects), sorted(ids))
        for _, node in effects:
            self.assertRegex(node, r"^[^:]+:\d+:\d+$")
        # the log names every job's start and end, never a payload
        log = srv.log()
        for job_id in ids:
            self.assertIn("job %d test.record: attempt 1 of 3 started" % job_id, log)
            self.assertIn("job %d test.record: done in" % job_id, log)

    def test_02_failure_is_retried_with_backoff(self):
        srv = self.server
        job_id = self.enqueue(self.anon(), kind="test.fail")
        row = wait_for(lambda: (lambda r: r if r and r["attempts"] == 1 and r["state"] == "queued"
                                else None)(job_row(srv, job_id)), timeout=15, interval=0.1)
        self.assertTrue(row, "no first failed attempt: %r" % job_row(srv, job_id))
        self.assertEqual(row["last_error"], "test failure (retryable, as asked)")
        self.assertIsNone(row["locked_by"])
        # 30 s after the first attempt, less up to a fifth of jitter
        delay = (parse_iso(row["run_at"]) - parse_iso(row["updated_at"])).total_seconds()
        self.assertGreaterEqual(delay, 24, row)
        self.assertLessEqual(delay, 30, row)
        time.sleep(1.5)
        self.assertEqual(job_row(srv, job_id)["attempts"], 1, "retried before its time")
        self.assertRegex(srv.log(), r"job %d test\.fail: attempt 1 of 3 failed, next in (2[4-9]|30) s"
                         % job_id)

    def test_03_permanent_failure_and_max_attempts(self):
        srv = self.server
        c = self.anon()
        perm = self.enqueue(c, kind="test.fail", permanent="1")
        once = self.enqueue(c, kind="test.fail", max_attempts="1")
        for job_id in (perm, once):
            row = wait_state(srv, job_id, "failed")
            self.assertEqual(row["attempts"], 1)
            self.assertIsNotNone(row["finished_at"])

    def test_04_future_job_waits(self):
        srv = self.server
        later = iso(datetime.now(timezone.utc) + timedelta(hours=2))
        job_id = self.enqueue(self.anon(), kind="test.record", run_at=later)
        time.sleep(1.5)
        row = job_row(srv, job_id)
        self.assertEqual(row["state"], "queued")
        self.assertEqual(row["attempts"], 0)
        self.assertEqual(row["run_at"], later)

    def test_05_dedupe_key(self):
        srv = self.server
        c = self.anon()
        a = self.enqueue(c, kind="test.record", dedupe_key="test:once")
        r = c.post("/_test/jobs", {"kind": "test.record", "dedupe_key": "test:once"},
                   headers={"Accept": "application/json"})
        self.assertStatus(r, 200)
        self.assertEqual(json.loads(r.text), {"id": a, "created": False})
        wait_state(srv, a, "done")
        self.assertEqual(srv.query("SELECT count(*) FROM job WHERE dedupe_key = ?",
                                   ("test:once",))[0][0], 1)

    def test_06_recurring_jobs_scheduled_at_start(self):
        srv = self.server
        hour = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H")

        def scheduled():
            rows = srv.query("SELECT dedupe_key, state FROM job WHERE kind = 'session.cleanup'")
            return [r for r in rows if r[0].startswith("session.cleanup:")]
        rows = wait_for(scheduled, timeout=10)
        self.assertTrue(rows, "no session.cleanup job")
        keys = [r[0] for r in rows]
        # the start may have been in the previous hour
        self.assertTrue(any(k.startswith("session.cleanup:") for k in keys), keys)
        self.assertEqual(len(set(keys)), len(keys))
        if ("session.cleanup:" + hour) in keys:
            job_id = srv.query("SELECT id FROM job WHERE dedupe_key = ?",
                               ("session.cleanup:" + hour,))[0][0]
            wait_state(srv, job_id, "done")
        regions = srv.query("SELECT count(*) FROM region")[0][0]
        ret = srv.query("SELECT count(*) FROM job WHERE kind = 'feedback.retention' "
                        "AND region_id IS NOT NULL")[0][0]
        self.assertGreaterEqual(ret, regions)
        self.assertGreaterEqual(srv.query("SELECT count(*) FROM job WHERE kind = 'job.purge'")[0][0],
                                1)

    def test_07_bad_test_requests(self):
        c = self.anon()
        r = c.post("/_test/jobs", {"kind": "mail.send"}, headers={"Accept": "application/json"})
        self.assertStatus(r, 400)
        self.assertEqual(json.loads(r.text)["error"]["field"], "kind")
        r = c.post("/_test/jobs", {"kind": "test.record", "run_at": "morgen"},
                   headers={"Accept": "application/json"})
        self.assertStatus(r, 400)
        r = c.post("/_test/jobs", {"kind": "test.record"}, csrf=False,
                   headers={"Accept": "application/json"})
        self.assertStatus(r, 403)


class AdminPageTest(JobsTestBase):
    """/verwaltung/auftraege for the region's admin."""

    def setUp(self):
        super().setUp()
        self.c = self.admin()

    def test_01_lists_jobs_with_german_labels(self):
        srv, c = self.server, self.c
        done = self.enqueue(c, kind="test.record")
        failed = self.enqueue(c, kind="test.fail", max_attempts="1")
        waiting = self.enqueue(c, kind="test.record",
                               run_at=iso(datetime.now(timezone.utc) + timedelta(days=1)))
        inst = self.enqueue(c, kind="test.record", scope="installation",
                            run_at=iso(datetime.now(timezone.utc) + timedelta(days=1)))
        wesel = self.enqueue(self.anon("/r/wesel"), "/r/wesel", kind="test.record",
                             run_at=iso(datetime.now(timezone.utc) + timedelta(days=1)))
        wait_state(srv, done, "done")
        wait_state(srv, failed, "failed")

        r = c.get("/verwaltung/auftraege")
        self.assertStatus(r, 200)
        self.assertInBody("<h1 class=\"kern-heading-x-large bireg-page__title\">Hintergrundaufträge</h1>", r)
        self.assertInBody('href="/verwaltung/auftraege" aria-current="page">Aufträge</a>', r)
        row = page_row(r.text, done)
        self.assertTrue(row, r.describe())
        self.assertIn("Test: Ausführung festhalten", row)
        self.assertIn("Erledigt", row)
        self.assertIn("1 von 3", row)
        self.assertEqual(len(GERMAN_DATETIME_RE.findall(row)), 3, row)  # due, created, finished
        self.assertNotIn("Erneut versuchen", row)
        row = page_row(r.text, failed)
        self.assertIn("Test: schlägt immer fehl", row)
        self.assertIn("Fehlgeschlagen", row)
        self.assertIn("1 von 1", row)
        self.assertIn("test failure (retryable, as asked)", row)
        self.assertIn("Erneut versuchen", row)
        self.assertIn('action="/verwaltung/auftraege/%d/erneut"' % failed, row)
        row = page_row(r.text, waiting)
        self.assertIn("Wartet", row)
        self.assertIn("Abbrechen", row)
        row = page_row(r.text, inst)
        self.assertIn("ganze Installation", row)
        self.assertNotIn("Abbrechen", row)  # the installation's jobs are only shown
        self.assertIsNone(page_row(r.text, wesel), "a job of region wesel is listed in duisburg")

        # the same view as JSON
        r = c.get("/verwaltung/auftraege", headers={"Accept": "application/json"})
        self.assertStatus(r, 200)
        model = json.loads(r.text)
        jobs = {j["id"]: j for j in model["jobs"]}
        self.assertEqual(jobs[failed]["state"], "failed")
        self.assertEqual(jobs[failed]["state_label"], "Fehlgeschlagen")
        self.assertEqual(jobs[failed]["kind"], "test.fail")
        self.assertTrue(jobs[failed]["can_retry"])
        self.assertTrue(jobs[inst]["installation"])
        self.assertNotIn(wesel, jobs)
        self.assertNotIn("payload", jobs[done])

        # filter by state
        r = c.get("/verwaltung/auftraege?status=failed")
        self.assertStatus(r, 200)
        self.assertTrue(page_row(r.text, failed))
        self.assertIsNone(page_row(r.text, done))
        self.assertInBody('<option value="failed" selected>Fehlgeschlagen</option>', r)
        self.assertStatus(c.get("/verwaltung/auftraege?status=kaputt"), 400)

        # English
        r = c.get("/verwaltung/auftraege?lang=en")
        self.assertInBody("Background jobs", r)
        self.assertInBody("Try again", r)
        c.get("/verwaltung/auftraege?lang=de")

    def test_02_retry_failed_job(self):
        srv, c = self.server, self.c
        job_id = self.enqueue(c, kind="test.fail", max_attempts="1")
        wait_state(srv, job_id, "failed")
        before = srv.log().count("job %d test.fail: failed for good" % job_id)
        self.assertEqual(before, 1)
        page = c.get("/verwaltung/auftraege?status=failed")
        r = c.post("/verwaltung/auftraege/%d/erneut" % job_id, {"status": "failed"})
        self.assertRedirect(r, "/verwaltung/auftraege?hinweis=erneut&status=failed")
        self.assertTrue(page.status == 200)
        # back in the queue with fresh attempts; the runner tries it again at once
        self.assertTrue(wait_for(lambda: srv.log().count(
            "job %d test.fail: failed for good" % job_id) == 2, timeout=15),
            "the job was not run again:\n%s" % srv.log()[-3000:])
        row = wait_state(srv, job_id, "failed")
        self.assertEqual(row["attempts"], 1)
        self.assertIn("job %d queued again by account" % job_id, srv.log())
        r = c.get(location_path(r))
        self.assertInBody("Der Auftrag wird gleich erneut versucht.", r)

    def test_03_retry_of_a_job_that_is_not_failed(self):
        srv, c = self.server, self.c
        job_id = self.enqueue(c, kind="test.record",
                              run_at=iso(datetime.now(timezone.utc) + timedelta(days=1)))
        r = c.post("/verwaltung/auftraege/%d/erneut" % job_id)
        self.assertRedirect(r, "/verwaltung/auftraege?hinweis=veraltet")
        r = c.get(location_path(r))
        self.assertInBody("Es wurde nichts geändert", r)
        self.assertEqual(job_row(srv, job_id)["state"], "queued")
        r = c.post("/verwaltung/auftraege/%d/erneut" % job_id,
                   headers={"Accept": "application/json"})
        self.assertStatus(r, 409)
        err = json.loads(r.text)["error"]
        self.assertEqual(err["field"], "id")
        self.assertIn("fehlgeschlagener", err["message"])

    def test_04_cancel_waiting_job(self):
        srv, c = self.server, self.c
        job_id = self.enqueue(c, kind="test.record",
                              run_at=iso(datetime.now(timezone.utc) + timedelta(days=1)))
        c.get("/verwaltung/auftraege")
        r = c.post("/verwaltung/auftraege/%d/abbrechen" % job_id)
        self.assertRedirect(r, "/verwaltung/auftraege?hinweis=abgebrochen")
        row = job_row(srv, job_id)
        self.assertEqual(row["state"], "cancelled")
        self.assertIsNotNone(row["finished_at"])
        r = c.get(location_path(r))
        self.assertInBody("Der Auftrag wurde abgebrochen.", r)
        self.assertIn("Abgebrochen", page_row(r.text, job_id))
        # JSON: the job as it is now
        other = self.enqueue(c, kind="test.record",
                             run_at=iso(datetime.now(timezone.utc) + timedelta(days=1)))
        r = c.post("/verwaltung/auftraege/%d/abbrechen" % other,
                   headers={"Accept": "application/json"})
        self.assertStatus(r, 200)
        self.assertEqual(json.loads(r.text)["state"], "cancelled")

    def test_05_not_for_other_regions_or_the_installation(self):
        srv, c = self.server, self.c
        later = iso(datetime.now(timezone.utc) + timedelta(days=1))
        wesel = self.enqueue(self.anon("/r/wesel"), "/r/wesel", kind="test.record", run_at=later)
        inst = self.enqueue(c, kind="test.record", scope="installation", run_at=later)
        for job_id in (wesel, inst):
            r = c.post("/verwaltung/auftraege/%d/abbrechen" % job_id)
            self.assertStatus(r, 404)
            self.assertEqual(job_row(srv, job_id)["state"], "queued")
        self.assertStatus(c.post("/verwaltung/auftraege/999999/erneut"), 404)
        # without the CSRF token nothing happens
        job_id = self.enqueue(c, kind="test.record", run_at=later)
        r = c.post("/verwaltung/auftraege/%d/abbrechen" % job_id, csrf=False)
        self.assertStatus(r, 403)
        self.assertEqual(job_row(srv, job_id)["state"], "queued")

    def test_06_office_and_anonymous_refused(self):
        office = Client(self.server)
        office.login(OFFICE_EMAIL, OFFICE_PW)
        r = office.get("/verwaltung/auftraege")
        self.assertIn(r.status, (303, 403))
        anon = Client(self.server)
        r = anon.get("/verwaltung/auftraege")
        self.assertStatus(r, 303)
        self.assertTrue(location_path(r).startswith("/anmelden?next=/verwaltung/auftraege"))


class TwoNodesTest(harness.ServerTestCase):
    """Two `bireg serve` on one database: every job runs once, on one of them."""
    server_env = {"BIREG_JOB_WORKERS": "2", "BIREG_JOB_POLL_MS": "50"}

    def second_node(self):
        import copy
        import tempfile
        node = harness.BiregServer(extra_env=self.server_env, name="node2")
        node.dir = tempfile.mkdtemp(prefix="bireg-http-node2-")
        # the first node's database; only the first node drops it
        node.database = copy.copy(self.server.database)
        node.database.drop = lambda: None
        self._logs.append((node, 0))
        self.addCleanup(node.cleanup)
        return node.start()

    def test_01_each_job_once_across_two_nodes(self):
        srv = self.server
        node2 = self.second_node()
        c = Client(srv)
        c.fetch_csrf("/anmelden")
        # all due at the same moment, so that both nodes' runners compete for them
        due = iso(datetime.now(timezone.utc) + timedelta(seconds=3))
        n = 200
        ids = []
        for _ in range(n):
            r = c.post("/_test/jobs", {"kind": "test.record", "run_at": due},
                       headers={"Accept": "application/json"})
            self.assertStatus(r, 201)
            ids.append(json.loads(r.text)["id"])
        lo, hi = min(ids), max(ids)

        def all_done():
            return srv.query("SELECT count(*) FROM job WHERE id BETWEEN ? AND ? AND state = 'done'",
                             (lo, hi))[0][0] == n
        self.assertTrue(wait_for(all_done, timeout=60, interval=0.2),
                        srv.query("SELECT state, count(*) FROM job WHERE id BETWEEN ? AND ? "
                                  "GROUP BY state", (lo, hi)))
        rows = srv.query("SELECT job_id, node FROM job_test_effect WHERE job_id BETWEEN ? AND ?",
                         (lo, hi))
        self.assertEqual(len(rows), n)
        self.assertEqual(sorted(r[0] for r in rows), sorted(ids))
        self.assertEqual(srv.query("SELECT count(*) FROM job WHERE id BETWEEN ? AND ? "
                                   "AND attempts <> 1", (lo, hi))[0][0], 0)
        pids = {r[1].split(":")[1] for r in rows}
        self.assertTrue(pids <= {str(srv.proc.pid), str(node2.proc.pid)}, pids)
        if harness.is_postgres():
            # SKIP LOCKED lets both take jobs side by side
            self.assertEqual(len(pids), 2, "only one node ran jobs: %s" % pids)
        sys.stdout.write("\n  jobs per node: %s\n" % {
            p: sum(1 for r in rows if r[1].split(":")[1] == p) for p in pids})
        self.assertEqual(node2.stop(), 0)


class CommandTest(harness.ServerTestCase):
    """`bireg jobs` and a server without job threads (jobs.workers = 0)."""
    server_env = {"BIREG_JOB_WORKERS": "0"}

    def test_01_no_runner_then_run_once(self):
        srv = self.server
        c = Client(srv)
        c.fetch_csrf("/anmelden")
        r = c.post("/_test/jobs", {"kind": "test.record"}, headers={"Accept": "application/json"})
        self.assertStatus(r, 201)
        job_id = json.loads(r.text)["id"]
        time.sleep(1.5)
        self.assertEqual(job_row(srv, job_id)["state"], "queued")
        out = srv.bireg("jobs", "run-once", check=True)
        self.assertRegex(out.stdout, r"bireg: \d+ jobs run")
        ran = int(re.search(r"bireg: (\d+) jobs run", out.stdout).group(1))
        self.assertGreaterEqual(ran, 1 + 2 + 1)  # ours, cleanup and purge, one region
        self.assertEqual(job_row(srv, job_id)["state"], "done")
        self.assertEqual(srv.query("SELECT count(*) FROM job_test_effect WHERE job_id = ?",
                                   (job_id,))[0][0], 1)
        self.assertEqual(srv.query("SELECT count(*) FROM job WHERE kind = 'session.cleanup' "
                                   "AND state = 'done'")[0][0], 1)
        # again: nothing is due, and the recurring jobs are not doubled
        out = srv.bireg("jobs", "run-once", check=True)
        self.assertIn("bireg: 0 jobs run", out.stdout)

    def test_02_list_retry_cancel(self):
        srv = self.server
        c = Client(srv)
        c.fetch_csrf("/anmelden")
        r = c.post("/_test/jobs", {"kind": "test.fail", "max_attempts": "1"},
                   headers={"Accept": "application/json"})
        failed = json.loads(r.text)["id"]
        srv.bireg("jobs", "run-once", check=True)
        self.assertEqual(job_row(srv, failed)["state"], "failed")
        out = srv.bireg("jobs", "list", "--state", "failed", check=True).stdout
        self.assertRegex(out, r"(?m)^%d\s+failed\s+test\.fail\s+\d+\s+1/1 " % failed)
        self.assertIn("test failure (retryable, as asked)", out)
        out = srv.bireg("jobs", "retry", str(failed), check=True).stdout
        self.assertIn("job %d is queued again" % failed, out)
        row = job_row(srv, failed)
        self.assertEqual((row["state"], row["attempts"]), ("queued", 0))
        r = srv.bireg("jobs", "retry", str(failed))
        self.assertEqual(r.returncode, 1)
        self.assertIn("is not failed", r.stderr)
        out = srv.bireg("jobs", "cancel", str(failed), check=True).stdout
        self.assertEqual(job_row(srv, failed)["state"], "cancelled")
        r = srv.bireg("jobs", "retry", "424242")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no job 424242", r.stderr)
        self.assertEqual(srv.bireg("jobs", "list", "--state", "kaputt").returncode, 2)
        self.assertEqual(srv.bireg("jobs", "frobnicate").returncode, 2)
        self.assertEqual(srv.bireg("jobs").returncode, 2)
        r = srv.bireg("jobs", "--help", check=True)
        for word in ("list", "retry ID", "cancel ID", "run-once", "jobs.workers"):
            self.assertIn(word, r.stdout)
        r = srv.bireg("serve", "--help", check=True)
        self.assertIn("BIREG_JOB_WORKERS", r.stdout)
        self.assertIn("BIREG_JOB_POLL_MS", r.stdout)


if __name__ == "__main__":
    sys.exit(harness.main("jobs"))
