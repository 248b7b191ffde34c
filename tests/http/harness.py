"""harness.py — start the real bireg binary for HTTP tests (Python 3 standard library only).

BiregServer makes a temp dir, runs `bireg init` and `bireg demo` there, starts
`bireg serve --listen 127.0.0.1:0`, reads the port from its stdout and keeps its
stderr (the access log) in a file. stop() sends SIGTERM and returns the exit code.

Environment:
  BIREG_BIN         binary to test (default build/bireg, relative to the repo root);
                    may be an AddressSanitizer build
  BIREG_HTTP_KEEP   1 = keep the temp dirs (database, logs) after the run
"""

import http.client
import os
import re
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Timeouts are generous: an AddressSanitizer build is several times slower.
START_TIMEOUT = 10.0
STOP_TIMEOUT = 35.0
COMMAND_TIMEOUT = 60.0

LISTEN_RE = re.compile(r"^bireg: listening on http://127\.0\.0\.1:(\d+)/\s*$")


def bin_path():
    b = os.environ.get("BIREG_BIN") or "build/bireg"
    return b if os.path.isabs(b) else os.path.join(REPO_ROOT, b)


def locale_dir():
    """The compiled catalogues next to the binary: <builddir>/po."""
    return os.path.join(os.path.dirname(bin_path()), "po")


def keep_dirs():
    return os.environ.get("BIREG_HTTP_KEEP") == "1"


class Response:
    """A finished HTTP response: status, headers (case-insensitive), body bytes."""

    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.header_list = headers  # [(name, value), ...] as sent
        self.body = body

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.header_list:
            if k.lower() == name:
                return v
        return default

    def headers_all(self, name):
        name = name.lower()
        return [v for k, v in self.header_list if k.lower() == name]

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def describe(self, limit=1500):
        """For assertion messages: status, headers and the body (of an HTML page only
        what is inside <main>, where the page's own content is)."""
        hdrs = "\n".join("%s: %s" % kv for kv in self.header_list)
        body = self.text
        m = re.search(r"<main\b.*?</main>", body, re.S)
        if m:
            body = "[<main> of the page]\n" + m.group(0)
        if len(body) > limit:
            body = body[:limit] + "\n...[%d more characters]" % (len(body) - limit)
        return "HTTP %d %s\n%s\n\n%s" % (self.status, self.reason, hdrs, body)

    def __repr__(self):
        return "<Response %d, %d bytes>" % (self.status, len(self.body))


def run_bireg(args, env, cwd=None, timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL):
    """Runs `bireg ARGS...` to completion; returns CompletedProcess with text output."""
    return subprocess.run([bin_path()] + list(args), env=env, cwd=cwd or REPO_ROOT,
                          stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, text=True, errors="replace")


class BiregError(Exception):
    pass


class BiregServer:
    """One bireg installation in a temp dir and (after start()) its server process."""

    def __init__(self, extra_env=None, demo=True, name="bireg"):
        self.extra_env = dict(extra_env or {})
        self.demo = demo
        self.name = name
        self.dir = None
        self.proc = None
        self.port = None
        self.exit_code = None
        self.log_path = None
        self._log_file = None
        self.setup_output = ""

    # ---- set-up -------------------------------------------------------------

    @property
    def db_path(self):
        return os.path.join(self.dir, "bireg.db")

    def env(self, **more):
        e = dict(os.environ)
        # The settings under test must not be overridden by the caller's shell.
        for k in list(e):
            if k.startswith("BIREG_") and k not in ("BIREG_BIN", "BIREG_DATA_DIR"):
                del e[k]
        e.update({
            "BIREG_DATABASE": self.db_path,
            "BIREG_LOCALE_DIR": locale_dir(),
            "BIREG_TEST_ROUTES": "1",
            "BIREG_REQUEST_TIMEOUT": "2",
        })
        # AddressSanitizer builds: make leaks and errors fail the exit code.
        e.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        e.update(self.extra_env)
        e.update(more)
        return e

    def prepare(self):
        """Temp dir, `bireg init`, and `bireg demo` unless demo=False."""
        if not os.path.exists(bin_path()):
            raise BiregError("bireg binary not found at %s; build it first or set BIREG_BIN"
                             % bin_path())
        self.dir = tempfile.mkdtemp(prefix="bireg-http-%s-" % self.name)
        steps = [["init"]] + ([["demo"]] if self.demo else [])
        for args in steps:
            r = run_bireg(args, self.env())
            self.setup_output += "$ bireg %s (exit %d)\n%s%s" % (" ".join(args), r.returncode,
                                                                 r.stdout, r.stderr)
            if r.returncode != 0:
                raise BiregError("bireg %s failed with exit %d:\n%s%s"
                                 % (" ".join(args), r.returncode, r.stdout, r.stderr))
        return self

    def start(self):
        if self.dir is None:
            self.prepare()
        self.log_path = os.path.join(self.dir, "serve.stderr.log")
        self._log_file = open(self.log_path, "wb")
        self.exit_code = None
        self.proc = subprocess.Popen(
            [bin_path(), "serve", "--listen", "127.0.0.1:0"], env=self.env(), cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._log_file)
        deadline = time.monotonic() + START_TIMEOUT
        seen = b""
        fd = self.proc.stdout.fileno()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._kill()
                raise BiregError("bireg serve did not report its port within %.0f s\nstdout: %r\n"
                                 "stderr:\n%s" % (START_TIMEOUT, seen, self.log()))
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                code = self.proc.wait(timeout=STOP_TIMEOUT)
                self.exit_code = code
                raise BiregError("bireg serve exited with %d before listening\nstdout: %r\n"
                                 "stderr:\n%s" % (code, seen, self.log()))
            seen += chunk
            for line in seen.decode("utf-8", "replace").splitlines():
                m = LISTEN_RE.match(line)
                if m:
                    self.port = int(m.group(1))
                    return self

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM, wait; returns the exit code (or raises on a hang, after SIGKILL)."""
        if self.proc is None:
            return self.exit_code
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.exit_code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            raise BiregError("bireg serve did not exit within %.0f s of SIGTERM" % timeout)
        finally:
            self._close_pipes()
        return self.exit_code

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.exit_code = self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self._close_pipes()

    def _close_pipes(self):
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def cleanup(self):
        """Stops the server if it still runs (SIGKILL after the grace) and removes the dir."""
        try:
            if self.proc and self.proc.poll() is None:
                try:
                    self.stop()
                except BiregError:
                    pass
        finally:
            self._close_pipes()
            # Keep the log in memory: a failure may be reported after this.
            self.final_log = self.log()
            if self.dir and not keep_dirs():
                shutil.rmtree(self.dir, ignore_errors=True)

    # ---- inspection ---------------------------------------------------------

    def log(self, offset=0):
        """The server's stderr (access log) from byte offset on."""
        if not self.log_path or not os.path.exists(self.log_path):
            final = getattr(self, "final_log", None) or ""
            return final.encode("utf-8")[offset:].decode("utf-8", "replace")
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except (OSError, TypeError):
            return 0

    def db(self, **kw):
        """A sqlite3 connection to the installation's database."""
        kw.setdefault("timeout", 30)
        return sqlite3.connect(self.db_path, **kw)

    def query(self, sql, params=()):
        con = self.db()
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    # ---- HTTP ---------------------------------------------------------------

    def connection(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=30, conn=None):
        """One request (a fresh connection unless conn is given); returns a Response."""
        own = conn is None
        c = conn or self.connection(timeout)
        try:
            hdrs = dict(headers or {})
            if isinstance(body, str):
                body = body.encode("utf-8")
            c.putrequest(method, path, skip_accept_encoding=True)
            for k, v in hdrs.items():
                c.putheader(k, v)
            if body is not None and not any(k.lower() == "content-length" for k in hdrs):
                c.putheader("Content-Length", str(len(body)))
            c.endheaders(body)
            r = c.getresponse()
            data = r.read()
            return Response(r.status, r.reason, r.getheaders(), data)
        finally:
            if own:
                c.close()

    def get(self, path, headers=None, **kw):
        return self.request("GET", path, headers=headers, **kw)

    def post_form(self, path, fields, headers=None, **kw):
        """POSTs fields (list of pairs or dict, or an already encoded str/bytes) urlencoded."""
        import urllib.parse
        if isinstance(fields, (str, bytes)):
            body = fields
        else:
            items = fields.items() if isinstance(fields, dict) else fields
            body = urllib.parse.urlencode(list(items))
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", path, body=body, headers=h, **kw)

    def raw_socket(self, timeout=15):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        return s


def multipart_body(fields, boundary="----biregTestBoundary7MA4YWxkTrZu0gW"):
    """Builds a multipart/form-data body from (name, value) text fields."""
    out = []
    for name, value in fields:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary, name, value)).encode("utf-8"))
    out.append(("--%s--\r\n" % boundary).encode("ascii"))
    return b"".join(out), "multipart/form-data; boundary=%s" % boundary


ACCESS_LINE_RE = re.compile(r"\b(?P<id>[0-9a-f]{16})\b.*\broute=(?P<route>\S+)\s+status=(?P<status>\d{3})\b")


def access_lines(text):
    """The access-log lines of a stderr text, as match objects."""
    out = []
    for line in text.splitlines():
        m = ACCESS_LINE_RE.search(line)
        if m:
            out.append(m)
    return out


def wait_for(predicate, timeout=5.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)
