#!/usr/bin/env python3
"""test_http.py — HTTP tests against the real bireg binary.

Run:  python3 tests/http/test_http.py        (BIREG_BIN=build-x/bireg to pick a build)

Every test class starts its own server (one per class, in setUpClass) on a fresh
database in a temp dir; tests that need special settings start a fresh one. After
SIGTERM every server must exit 0 — also for an AddressSanitizer build, where a
leak report makes the exit code non-zero.

The last line of the output is `http: N passed, N failed, N skipped` (per test
method); the exit code is non-zero when anything failed.
"""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import access_lines, html_lang, multipart_body, run_bireg, wait_for  # noqa: E402


def anon_post(server, path, fields, multipart=False, **kw):
    """POSTs a form as an anonymous visitor does: with the CSRF token of the
    page it came from (cookie bireg_csrf and the hidden field csrf)."""
    page = server.get("/barrierefreiheit")
    token = None
    for c in page.headers_all("Set-Cookie"):
        m = re.match(r"bireg_csrf=([^;]+)", c)
        if m:
            token = m.group(1)
    if token is None:
        raise AssertionError("no CSRF cookie on the form page:\n" + page.describe())
    items = list(fields.items() if isinstance(fields, dict) else fields) + [("csrf", token)]
    headers = {"Cookie": "bireg_csrf=" + token}
    if multipart:
        body, ctype = multipart_body(items)
        headers["Content-Type"] = ctype
        return server.request("POST", path, body=body, headers=headers, **kw)
    return server.post_form(path, items, headers=headers, **kw)

REGION_NAME = "Bildungsregion Duisburg"

# The German error headings (po/de.po) and their English msgids.
ERROR_HEADINGS = {
    400: ("Ungültige Anfrage", "Bad request"),
    403: ("Zugriff verweigert", "Access denied"),
    404: ("Seite nicht gefunden", "Page not found"),
    413: ("Anfrage zu groß", "Request too large"),
    500: ("Interner Fehler", "Internal error"),
    503: ("Dienst nicht verfügbar", "Service unavailable"),
}

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON_ACCEPT = {"Accept": "application/json"}


# ---------------------------------------------------------------------------
# Base class: harness.ServerTestCase (one server per class, its log printed on
# failure, exit 0 after SIGTERM) and the stored accessibility feedback.
# ---------------------------------------------------------------------------

class ServerTestCase(harness.ServerTestCase):

    def feedback_rows(self, srv=None, message=None):
        srv = srv or self.server
        sql = ("SELECT region_id, name, email, message, page, status, created_at "
               "FROM accessibility_feedback")
        if message is None:
            return srv.query(sql + " ORDER BY id")
        return srv.query(sql + " WHERE message = ? ORDER BY id", (message,))


# ---------------------------------------------------------------------------
# 1–6, 11–14: pages, languages, errors, static files, health and metrics
# ---------------------------------------------------------------------------

class PagesTest(ServerTestCase):

    def test_01_home_page_german_with_security_headers(self):
        r = self.server.get("/")
        self.assertStatus(r, 200)
        self.assertEqual(r.header("Content-Type"), "text/html; charset=utf-8")
        self.assertInBody(REGION_NAME, r)
        self.assertInBody('<html lang="de"', r)
        csp = r.header("Content-Security-Policy")
        self.assertIsNotNone(csp, "no Content-Security-Policy header")
        self.assertIn("default-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertTrue(r.header("Referrer-Policy"), "no Referrer-Policy header")
        self.assertEqual(r.header("Cache-Control"), "no-store")

    def test_02a_lang_query_sets_cookie(self):
        r = self.server.get("/?lang=en")
        self.assertStatus(r, 200)
        self.assertInBody('<html lang="en"', r)
        cookies = r.headers_all("Set-Cookie")
        self.assertTrue(any(c.startswith("lang=en") for c in cookies),
                        "no Set-Cookie lang=en in %r" % cookies)
        r2 = self.server.get("/", headers={"Cookie": "lang=en"})
        self.assertStatus(r2, 200)
        self.assertEqual(html_lang(r2.text), "en", "the lang=en cookie did not give English")

    def test_02b_accept_language(self):
        r = self.server.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
        self.assertStatus(r, 200)
        self.assertEqual(html_lang(r.text), "en")
        r = self.server.get("/", headers={"Accept-Language": "fr"})
        self.assertStatus(r, 200)
        self.assertEqual(html_lang(r.text), "de")
        r = self.server.get("/?lang=de", headers={"Accept-Language": "en"})
        self.assertEqual(html_lang(r.text), "de", "?lang=de must win over Accept-Language")

    def test_03_home_as_json(self):
        r = self.server.get("/", headers=JSON_ACCEPT)
        self.assertStatus(r, 200)
        self.assertTrue((r.header("Content-Type") or "").startswith("application/json"),
                        r.describe())
        doc = json.loads(r.text)
        self.assertEqual(doc["region"]["name"], REGION_NAME)
        self.assertEqual(len(doc["region"]["levels"]), 3, json.dumps(doc["region"]["levels"]))

    def test_04_region_prefix(self):
        r = self.server.get("/r/duisburg/")
        self.assertStatus(r, 200)
        self.assertInBody(REGION_NAME, r)
        r = self.server.get("/r/nope/")
        self.assertStatus(r, 404)

    def test_05a_not_found_german(self):
        r = self.server.get("/gibt-es-nicht")
        self.assertStatus(r, 404)
        self.assertInBody("Seite nicht gefunden", r)
        self.assertInBody('<html lang="de"', r)

    def test_05b_not_found_never_echoes_input(self):
        r = self.server.get("/%3Cscript%3Ealert(1)%3C/script%3E")
        self.assertStatus(r, 404)
        self.assertNotInBody("<script>alert", r)
        self.assertNotInBody("alert(1)", r)
        self.assertNotInBody("%3Cscript", r)

    def test_05c_not_found_json(self):
        r = self.server.get("/gibt-es-nicht", headers=JSON_ACCEPT)
        self.assertStatus(r, 404)
        self.assertTrue((r.header("Content-Type") or "").startswith("application/json"),
                        r.describe())
        doc = json.loads(r.text)
        self.assertIsInstance(doc.get("error"), dict, r.text)
        self.assertEqual(doc["error"]["status"], 404)

    def test_06_method_not_allowed(self):
        r = self.server.post_form("/", "a=b&c=d")
        self.assertStatus(r, 405)
        allow = [m.strip() for m in (r.header("Allow") or "").split(",")]
        self.assertIn("GET", allow, "Allow: %r" % r.header("Allow"))
        self.assertIn("HEAD", allow, "Allow: %r" % r.header("Allow"))
        self.assertInBody("nicht erlaubt", r, "German 405 heading missing")

    def _stylesheet(self):
        r = self.server.get("/")
        self.assertStatus(r, 200)
        m = re.search(r'<link[^>]*rel="stylesheet"[^>]*href="(/static/[0-9a-f]+/[^"]*\.css)"', r.text)
        if not m:
            m = re.search(r'href="(/static/[0-9a-f]+/[^"]*\.css)"', r.text)
        self.assertIsNotNone(m, "no /static/<digest>/...css link in:\n" + r.describe())
        return m.group(1)

    def test_11a_static_stylesheet_and_etag(self):
        url = self._stylesheet()
        r = self.server.get(url)
        self.assertStatus(r, 200)
        self.assertTrue((r.header("Content-Type") or "").startswith("text/css"),
                        r.header("Content-Type"))
        etag = r.header("ETag")
        self.assertTrue(etag, "no ETag")
        self.assertEqual(r.header("Cache-Control"), "public, max-age=31536000, immutable")
        self.assertGreater(len(r.body), 0)
        r2 = self.server.get(url, headers={"If-None-Match": etag})
        self.assertStatus(r2, 304)
        self.assertEqual(r2.body, b"")

    def test_11b_static_traversal_and_unknown(self):
        url = self._stylesheet()
        digest = url.split("/")[2]
        for path in ["/static/x/../../etc/passwd", "/static/deadbeef/nope.css",
                     "/static/%s/../../etc/passwd" % digest,
                     "/static/%s/%%2e%%2e/%%2e%%2e/etc/passwd" % digest,
                     "/static/%s/nope.css" % digest]:
            with self.subTest(path=path):
                r = self.server.get(path)
                self.assertStatus(r, 404)
                self.assertNotInBody("root:", r)

    def test_12a_healthz(self):
        r = self.server.get("/healthz")
        self.assertStatus(r, 200)
        self.assertEqual(r.text.strip(), "ok")

    def test_12b_metrics(self):
        self.assertStatus(self.server.get("/"), 200)
        # The access is counted after the response is written: allow a moment.
        want = 'bireg_http_requests_total{route="region.home",status="200"}'
        r = wait_for(lambda: (lambda x: x if want in x.text else None)(self.server.get("/metrics")),
                     timeout=3)
        r = r or self.server.get("/metrics")
        self.assertStatus(r, 200)
        self.assertTrue((r.header("Content-Type") or "").startswith("text/plain"),
                        r.header("Content-Type"))
        self.assertInBody(want, r)
        self.assertInBody("bireg_http_request_duration_seconds_bucket", r)
        self.assertInBody("bireg_worker_queue_length", r)

    def test_13a_head(self):
        g = self.server.get("/")
        self.assertStatus(g, 200)
        conn = self.server.connection()
        try:
            conn.request("HEAD", "/")
            h = conn.getresponse()
            body = h.read()  # http.client never reads a body for HEAD
            self.assertEqual(h.status, 200)
            self.assertEqual(body, b"")
            self.assertEqual(h.getheader("Content-Type"), g.header("Content-Type"))
        finally:
            conn.close()

    def test_13b_head_sends_no_body_on_the_wire(self):
        # http.client ignores whatever follows a HEAD response's headers; read the
        # raw bytes instead. A body after HEAD breaks keep-alive connections.
        for path in ("/healthz", "/"):
            with self.subTest(path=path):
                data, secs, how = send_raw(self.server, (
                    "HEAD %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
                head, _, rest = data.partition(b"\r\n\r\n")
                self.assertRegex(head.decode("latin-1"), r"^HTTP/1\.1 \d{3}")
                self.assertEqual(len(rest), 0, "HEAD %s: %d bytes of body after the headers "
                                 "(%s): %r..." % (path, len(rest), head.decode("latin-1").split("\r\n")[0],
                                                  rest[:80]))

    def test_14a_error_pages_german(self):
        for status, (de, en) in sorted(ERROR_HEADINGS.items()):
            with self.subTest(status=status):
                r = self.server.get("/_test/error/%d" % status)
                self.assertStatus(r, status)
                self.assertInBody(de, r)
                self.assertEqual(html_lang(r.text), "de")

    def test_14b_error_pages_english(self):
        for status, (de, en) in sorted(ERROR_HEADINGS.items()):
            with self.subTest(status=status):
                r = self.server.get("/_test/error/%d?lang=en" % status)
                self.assertStatus(r, status)
                self.assertInBody(en, r)
                self.assertEqual(html_lang(r.text), "en")
                self.assertNotInBody(de, r)


# ---------------------------------------------------------------------------
# 7–9: limits, bad input, slow clients
# ---------------------------------------------------------------------------

def read_until_closed(sock, timeout):
    """Reads until EOF or reset; returns (data, seconds, how) or how == 'timeout'."""
    start = time.monotonic()
    data = b""
    sock.settimeout(0.5)
    while True:
        if time.monotonic() - start > timeout:
            return data, time.monotonic() - start, "timeout"
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return data, time.monotonic() - start, "reset"
        if not chunk:
            return data, time.monotonic() - start, "eof"
        data += chunk


def send_raw(srv, request, timeout=10):
    """Sends request (bytes) on a new connection to srv and reads until the server
    closes it; returns read_until_closed's (data, seconds, how)."""
    s = srv.raw_socket()
    try:
        s.sendall(request)
        return read_until_closed(s, timeout)
    finally:
        s.close()


class LimitsTest(ServerTestCase):

    def test_07a_form_too_large(self):
        body = "message=" + "a" * (100 * 1024)
        r = self.server.post_form("/barrierefreiheit", body)
        self.assertStatus(r, 413)
        self.assertInBody("zu groß", r)
        self.assertEqual(self.feedback_rows(), [])

    def _send_large(self, srv, size):
        """Sends a POST with a body of size bytes; returns (status or None, detail)."""
        s = srv.raw_socket(timeout=15)
        try:
            head = ("POST /barrierefreiheit HTTP/1.1\r\nHost: x\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\n"
                    "Content-Length: %d\r\n\r\n" % size).encode()
            body = b"message=" + b"a" * (size - 8)
            try:
                s.sendall(head)
                s.sendall(body)
            except (BrokenPipeError, ConnectionResetError) as e:
                detail = "closed while sending (%s)" % type(e).__name__
            else:
                detail = "whole body sent"
            data, secs, how = read_until_closed(s, 15)
        finally:
            s.close()
        m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
        return (int(m.group(1)) if m else None), "%s; then %s after %.1f s; got %r" % (
            detail, how, secs, data[:300])

    def test_07b_hard_body_cap(self):
        # As the contract says: only the hard cap lowered.
        srv = self.fresh_server({"BIREG_MAX_BODY_BYTES": "65536"})
        status, detail = self._send_large(srv, 200 * 1024)
        self.assertIn(status, (413, None), detail)
        self.assertStatus(srv.get("/healthz"), 200, "server must keep serving after a huge body")
        self.assertEqual(self.feedback_rows(srv), [])

    def test_07c_hard_body_cap_below_form_limit(self):
        # The same with the form limit lowered too (max_form_bytes <= max_body_bytes).
        srv = self.fresh_server({"BIREG_MAX_BODY_BYTES": "65536", "BIREG_MAX_FORM_BYTES": "65536"})
        status, detail = self._send_large(srv, 200 * 1024)
        self.assertIn(status, (413, None), detail)
        self.assertStatus(srv.get("/healthz"), 200, "server must keep serving after a huge body")
        self.assertEqual(self.feedback_rows(srv), [])

    def test_08a_invalid_utf8_in_path(self):
        r = self.server.get("/%FF")
        self.assertStatus(r, 400)
        self.assertInBody("Ungültige Anfrage", r)

    def test_08b_invalid_utf8_in_form_field(self):
        r = self.server.post_form("/barrierefreiheit", "message=%FF")
        self.assertStatus(r, 400)
        self.assertEqual(self.feedback_rows(), [])

    def test_08c_malformed_percent_escape_in_query(self):
        r = self.server.get("/?a=%ZZ")
        self.assertStatus(r, 400)

    def test_08d_broken_multipart(self):
        body = (b"--XYZ\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\n"
                b"Hallo ohne Ende\r\n")
        r = self.server.request("POST", "/barrierefreiheit", body=body,
                                headers={"Content-Type": "multipart/form-data; boundary=XYZ"})
        self.assertStatus(r, 400)
        self.assertEqual(self.feedback_rows(), [])

    def test_08e_unknown_declared_parameter_value(self):
        r = self.server.get("/barrierefreiheit?gesendet=2")
        self.assertStatus(r, 400)

    def test_09a_unfinished_headers_cut_off(self):
        data, secs, how = send_raw(self.server, b"GET / HTTP/1.1\r\nHost: x\r\n")
        self.assertNotEqual(how, "timeout",
                            "connection with unfinished headers still open after %.1f s" % secs)

    def test_09b_unfinished_body_cut_off(self):
        data, secs, how = send_raw(self.server, b"POST /barrierefreiheit HTTP/1.1\r\nHost: x\r\n"
                                   b"Content-Type: application/x-www-form-urlencoded\r\n"
                                   b"Content-Length: 1000\r\n\r\nmessage=ab")
        self.assertNotEqual(how, "timeout",
                            "connection with an unfinished body still open after %.1f s" % secs)
        self.assertEqual(self.feedback_rows(), [])
        self.assertStatus(self.server.get("/healthz"), 200)


# ---------------------------------------------------------------------------
# 10: the accessibility feedback form
# ---------------------------------------------------------------------------

class FeedbackTest(ServerTestCase):

    def region_id(self):
        rows = self.server.query("SELECT id FROM region WHERE slug = 'duisburg'")
        self.assertEqual(len(rows), 1)
        return rows[0][0]

    def test_10a_form_page(self):
        r = self.server.get("/barrierefreiheit")
        self.assertStatus(r, 200)
        self.assertRegex(r.text, r'<form[^>]*method="post"', "no POST form")
        self.assertRegex(r.text, r'<textarea[^>]*name="message"', "no textarea named message")

    def test_10b_empty_message_422(self):
        before = self.feedback_rows()
        r = anon_post(self.server, "/barrierefreiheit", [("message", "")])
        self.assertStatus(r, 422)
        self.assertInBody("Bitte geben Sie Ihre Nachricht ein.", r)
        self.assertEqual(self.feedback_rows(), before, "a 422 must store nothing")

    def test_10c_values_kept(self):
        before = self.feedback_rows()
        r = anon_post(self.server, "/barrierefreiheit", [("name", "Erika Muster"), ("email", "bad"), ("message", "")])
        self.assertStatus(r, 422)
        self.assertRegex(r.text, r'<input[^>]*name="name"[^>]*value="Erika Muster"',
                         "the entered name is not kept in the form")
        self.assertRegex(r.text, r'<input[^>]*name="email"[^>]*value="bad"',
                         "the entered e-mail is not kept in the form")
        self.assertEqual(self.feedback_rows(), before)

    def test_10d_valid_feedback_with_umlauts(self):
        msg = "Die Schrift ist zu klein für mich – Grüße"
        r = anon_post(self.server, "/barrierefreiheit",
                                  [("name", "Jürgen Öztürk"), ("email", "j.oe@example.org"),
                                   ("message", msg)])
        self.assertStatus(r, 303)
        self.assertEqual(r.header("Location"), "/barrierefreiheit?gesendet=1")
        rows = self.feedback_rows(message=msg)
        self.assertEqual(len(rows), 1, "expected exactly one stored row, got %r" % rows)
        region_id, name, email, message, page, status, created_at = rows[0]
        self.assertEqual(region_id, self.region_id())
        self.assertEqual(name, "Jürgen Öztürk")
        self.assertEqual(email, "j.oe@example.org")
        self.assertEqual(message, msg)
        self.assertEqual(status, "new")
        self.assertRegex(created_at, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        g = self.server.get(r.header("Location"))
        self.assertStatus(g, 200)
        self.assertInBody("Vielen Dank", g)

    def test_10e_multipart_feedback(self):
        msg = "Mehrteilig gesendet: Kontrast der Schaltflächen ist zu schwach"
        r = anon_post(self.server, "/barrierefreiheit",
                      [("name", "Erika Muster"), ("email", ""), ("message", msg)], multipart=True)
        self.assertStatus(r, 303)
        self.assertEqual(r.header("Location"), "/barrierefreiheit?gesendet=1")
        rows = self.feedback_rows(message=msg)
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(rows[0][1], "Erika Muster")

    def test_10f_xss_in_name_escaped(self):
        evil = '"><img src=x onerror=alert(1)>'
        before = self.feedback_rows()
        r = anon_post(self.server, "/barrierefreiheit", [("name", evil), ("message", "")])
        self.assertStatus(r, 422)
        self.assertInBody("&quot;&gt;&lt;img", r)
        self.assertNotInBody(evil, r)
        self.assertNotInBody("<img src=x", r)
        self.assertEqual(self.feedback_rows(), before)

    def test_10g_feedback_under_region_prefix(self):
        msg = "Über den Regionspfad gesendet"
        r = anon_post(self.server, "/r/duisburg/barrierefreiheit", [("message", msg)])
        self.assertStatus(r, 303)
        self.assertEqual(r.header("Location"), "/r/duisburg/barrierefreiheit?gesendet=1")
        self.assertEqual(len(self.feedback_rows(message=msg)), 1)


# ---------------------------------------------------------------------------
# 15: a busy database gives 503 and writes nothing
# ---------------------------------------------------------------------------

class OverloadTest(ServerTestCase):

    def test_15b_full_queue_answers_503_from_the_loop(self):
        # One worker, room for one waiting request: while the worker waits for
        # a locked database, the queue fills and further requests are answered
        # at once by the event loop, with the page made at start, in German and
        # with the same security headers as every other response.
        srv = self.fresh_server(env={"BIREG_WORKERS": "1", "BIREG_QUEUE": "1"}, name="overload")
        self.assertStatus(srv.get("/healthz"), 200)
        results = []

        def post(i):
            try:
                results.append(anon_post(srv, "/barrierefreiheit",
                                         [("message", "Überlast %d" % i)], timeout=60))
            except Exception as e:  # noqa: BLE001 - reported below
                results.append(e)

        with srv.hold_write_lock():
            first = threading.Thread(target=post, args=(0,), daemon=True)
            first.start()
            time.sleep(1.0)  # the worker is now waiting for the lock
            queued = threading.Thread(target=post, args=(1,), daemon=True)
            queued.start()
            time.sleep(0.5)  # ... and this one waits in the queue
            r = srv.get("/impressum", timeout=10)
        first.join(60)
        queued.join(60)
        self.assertStatus(r, 503)
        self.assertInBody("Dienst", r)
        self.assertEqual(r.header("Retry-After"), "5")
        self.assertIn("default-src 'self'", r.header("Content-Security-Policy") or "")
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertIn("bireg_requests_rejected_total 1", srv.get("/metrics").text)
        for x in results:
            self.assertNotIsInstance(x, Exception, "a queued request failed: %r" % (x,))


class BusyDatabaseTest(ServerTestCase):

    def test_15_busy_database_503_nothing_half_written(self):
        msg = "Gesendet, während die Datenbank gesperrt ist"
        # Warm up: the region is readable and the form works.
        self.assertStatus(self.server.get("/barrierefreiheit"), 200)
        with self.server.hold_write_lock():
            t0 = time.monotonic()
            r = anon_post(self.server, "/barrierefreiheit", [("message", msg)], timeout=30)
            secs = time.monotonic() - t0
            self.assertStatus(r, 503, "after %.1f s with the write lock held" % secs)
        self.assertEqual(self.feedback_rows(message=msg), [],
                         "a request answered 503 left a row behind")
        r = anon_post(self.server, "/barrierefreiheit", [("message", msg)], timeout=30)
        self.assertStatus(r, 303)
        self.assertEqual(len(self.feedback_rows(message=msg)), 1)


# ---------------------------------------------------------------------------
# 16: graceful shutdown under load
# ---------------------------------------------------------------------------

class ShutdownTest(ServerTestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        pass  # the test starts its own server

    @classmethod
    def tearDownClass(cls):
        pass

    def test_16_graceful_shutdown(self):
        srv = self.fresh_server(name="shutdown")
        static = re.search(r'href="(/static/[0-9a-f]+/[^"]*\.css)"', srv.get("/").text)
        paths = ["/", "/healthz", "/barrierefreiheit", "/impressum"]
        if static:
            paths.append(static.group(1))

        nthreads, per_thread = 5, 10
        results = []  # (path, outcome, detail)
        lock = threading.Lock()
        done_count = [0]
        half = threading.Event()
        start = threading.Barrier(nthreads + 1)

        def worker(ti):
            conn = None
            start.wait()
            for i in range(per_thread):
                path = paths[(ti + i) % len(paths)]
                outcome, detail = "ok", ""
                try:
                    if conn is None:
                        conn = srv.connection(timeout=40)
                    conn.request("GET", path, headers={"Connection": "keep-alive"})
                    resp = conn.getresponse()
                    body = resp.read()
                    cl = resp.getheader("Content-Length")
                    if cl is None and resp.getheader("Transfer-Encoding") is None:
                        outcome, detail = "incomplete", "no Content-Length"
                    elif cl is not None and int(cl) != len(body):
                        outcome, detail = "incomplete", "Content-Length %s, got %d" % (cl, len(body))
                    elif resp.getheader("Content-Type", "").startswith("text/html") and \
                            resp.status == 200 and not body.rstrip().endswith(b"</html>"):
                        outcome, detail = "incomplete", "HTML page does not end with </html>"
                    else:
                        detail = "HTTP %d" % resp.status
                    if resp.will_close:
                        conn.close()
                        conn = None
                except (http.client.RemoteDisconnected, ConnectionRefusedError,
                        ConnectionResetError, BrokenPipeError) as e:
                    outcome, detail = "no response", type(e).__name__
                    if conn:
                        conn.close()
                    conn = None
                except (http.client.IncompleteRead, http.client.BadStatusLine,
                        http.client.LineTooLong) as e:
                    outcome, detail = "incomplete", "%s: %s" % (type(e).__name__, e)
                    if conn:
                        conn.close()
                    conn = None
                except socket.timeout as e:
                    outcome, detail = "timeout", str(e)
                    if conn:
                        conn.close()
                    conn = None
                with lock:
                    results.append((path, outcome, detail))
                    done_count[0] += 1
                    if done_count[0] >= 12:
                        half.set()
            if conn:
                conn.close()

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(nthreads)]
        for t in threads:
            t.start()
        start.wait()
        half.wait(timeout=30)
        t_term = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(timeout=60)
        try:
            code = srv.proc.wait(timeout=35)
        except subprocess.TimeoutExpired:
            code = None
        secs = time.monotonic() - t_term
        summary = "\n".join("%-40s %-12s %s" % r for r in results)

        self.assertEqual(len(results), nthreads * per_thread, "some request threads hung\n" + summary)
        bad = [r for r in results if r[1] in ("incomplete", "timeout")]
        self.assertEqual(bad, [], "incomplete responses during shutdown:\n" + summary)
        ok = [r for r in results if r[1] == "ok"]
        self.assertGreaterEqual(len(ok), 12, "too few requests answered before SIGTERM\n" + summary)
        self.assertIsNotNone(code, "bireg serve did not exit within 35 s of SIGTERM\n" + summary)
        self.assertEqual(code, 0, "exit code after SIGTERM (%.1f s)\n%s" % (secs, summary))
        self.assertLess(secs, 25, "shutdown used up the grace period: some request was never "
                        "answered\n" + summary)
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", srv.port), timeout=5).close()

    def test_16b_request_in_flight_at_sigterm_is_finished(self):
        # A request is held in a worker by a write lock on the database while
        # SIGTERM arrives; the lock is released a moment later. The request must
        # still get its complete answer, and the server must then exit 0 soon.
        srv = self.fresh_server(name="inflight")
        msg = "Während des Herunterfahrens gesendet"
        self.assertEqual(srv.get("/healthz").status, 200)
        res = {}

        def post():
            t = time.monotonic()
            try:
                r = anon_post(srv, "/barrierefreiheit", [("message", msg)], timeout=60)
                res["resp"] = r
            except Exception as e:  # noqa: BLE001 - reported below
                res["error"] = repr(e)
            res["secs"] = time.monotonic() - t

        with srv.hold_write_lock():
            th = threading.Thread(target=post, daemon=True)
            th.start()
            time.sleep(1.0)
            t_term = time.monotonic()
            srv.proc.send_signal(signal.SIGTERM)
            time.sleep(1.0)
        th.join(timeout=60)
        try:
            code = srv.proc.wait(timeout=35)
        except subprocess.TimeoutExpired:
            code = None
        secs = time.monotonic() - t_term
        self.assertNotIn("error", res, "the request in flight at SIGTERM got no response "
                         "(after %.1f s): %s" % (res.get("secs", -1), res.get("error")))
        r = res["resp"]
        self.assertIn(r.status, (303, 503), r.describe())
        rows = self.feedback_rows(srv, message=msg)
        self.assertEqual(len(rows), 1 if r.status == 303 else 0, rows)
        self.assertIsNotNone(code, "bireg serve did not exit within 35 s of SIGTERM")
        self.assertEqual(code, 0)
        self.assertLess(secs, 25, "shutdown used up the grace period")


# ---------------------------------------------------------------------------
# 17: the access log
# ---------------------------------------------------------------------------

class AccessLogTest(ServerTestCase):

    def test_17_access_log(self):
        off = self.server.log_size()
        reqs = [("/", "region.home", 200), ("/?lang=de&token=SECRET123", "region.home", 200),
                ("/healthz", "system.healthz", 200), ("/gibt-es-nicht", None, 404),
                ("/barrierefreiheit?gesendet=1&token=SECRET456", "region.accessibility", 200)]
        for path, _, status in reqs:
            self.assertStatus(self.server.get(path), status, path)
        wait_for(lambda: len(access_lines(self.server.log(off))) >= len(reqs), timeout=5)
        time.sleep(0.3)
        log = self.server.log(off)
        lines = access_lines(log)
        self.assertEqual(len(lines), len(reqs), "expected one access line per request:\n" + log)
        for m, (path, route, status) in zip(lines, reqs):
            self.assertEqual(int(m.group("status")), status, m.group(0))
            if route:
                self.assertEqual(m.group("route"), route, m.group(0))
        ids = [m.group("id") for m in lines]
        self.assertEqual(len(set(ids)), len(ids), "request ids are not unique: %r" % ids)
        full = self.server.log()
        for secret in ("SECRET123", "SECRET456", "token="):
            self.assertNotIn(secret, full, "the query string reached the log")


# ---------------------------------------------------------------------------
# 18–19: command line, settings, migrations
# ---------------------------------------------------------------------------

class CommandLineTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bireg-http-cli-")
        self.addCleanup(lambda: harness.keep_dirs() or __import__("shutil").rmtree(
            self.dir, ignore_errors=True))
        self.database = harness.TestDatabase(self.dir, self._testMethodName)
        self.addCleanup(lambda: harness.keep_dirs() or self.database.drop())
        self._outputs = []

    def env(self, **more):
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("BIREG_") or k in ("BIREG_BIN", "BIREG_DATA_DIR")}
        e.update(self.database.env())
        e.update({"BIREG_LOCALE_DIR": harness.locale_dir()})
        e.update(more)
        return e

    def run_cmd(self, *args, **env):
        r = run_bireg(args, self.env(**env))
        self._outputs.append("$ bireg %s -> exit %d\n--- stdout\n%s--- stderr\n%s"
                             % (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r

    def server_logs(self):
        return [("commands", "\n".join(self._outputs))]

    def test_18a_bad_worker_count(self):
        r = self.run_cmd("serve", "--check-config", BIREG_WORKERS="abc")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("server.workers", r.stdout + r.stderr)

    def test_18b_unknown_key_in_config_file(self):
        path = os.path.join(self.dir, "file.ini")
        with open(path, "w") as f:
            f.write("[server]\nfoo=1\n")
        r = self.run_cmd("serve", "--check-config", "--config", path)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("server.foo", r.stdout + r.stderr)

    def test_18c_valid_settings(self):
        path = os.path.join(self.dir, "ok.ini")
        with open(path, "w") as f:
            f.write("[server]\nworkers=2\n[limits]\nrequest_timeout=5\n")
        r = self.run_cmd("serve", "--check-config", "--config", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("database.url = ", r.stdout)
        self.assertIn("server.workers = 2", r.stdout)
        r = self.run_cmd("serve", "--check-config")
        self.assertEqual(r.returncode, 0, r.stderr)
        if self.database.backend == "sqlite":
            self.assertIn("database.url = %s" % self.database.url, r.stdout)
        else:
            # A PostgreSQL URL may carry a password: its line is there, the URL is bireg's
            # to show or not.
            self.assertRegex(r.stdout, r"(?m)^database\.url = ")
            self.assertRegex(r.stdout, r"(?m)^database\.owner_url = ")

    def test_18d_help_and_version(self):
        for args in (["--help"], ["serve", "--help"], ["init", "--help"], ["demo", "--help"],
                     ["user", "--help"], ["version"]):
            with self.subTest(args=args):
                r = self.run_cmd(*args)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertTrue(r.stdout.strip(), "no text on stdout")
        r = self.run_cmd("version")
        self.assertRegex(r.stdout, r"^bireg \d+\.\d+")

    def test_18e_unknown_command(self):
        r = self.run_cmd("nonsense")
        self.assertEqual(r.returncode, 2)

    def test_19_init_twice_and_schema(self):
        r = self.run_cmd("init")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_cmd("init")
        self.assertEqual(r.returncode, 0, r.stderr)
        tables = self.database.tables()
        for t in ("region", "region_level", "schema_migrations"):
            self.assertIn(t, tables)
        if self.database.backend == "sqlite":
            self.assertEqual(self.database.query("PRAGMA journal_mode")[0][0].lower(), "wal")
        versions = [row[0] for row in self.database.query("SELECT version FROM schema_migrations")]
        self.assertTrue(versions, "no migration recorded")
        self.assertEqual(len(versions), len(set(versions)),
                         "a migration was recorded twice: %r" % versions)


if __name__ == "__main__":
    sys.exit(harness.main("http"))
