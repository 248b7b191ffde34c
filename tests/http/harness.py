"""harness.py — start the real bireg binary for HTTP tests (Python 3 standard library only).

BiregServer makes a temp dir, runs `bireg init` and `bireg demo` there, starts
`bireg serve --listen 127.0.0.1:0`, reads the port from its stdout and keeps its
stderr (the access log) in a file. stop() sends SIGTERM and returns the exit code.

Each installation has a database of its own, on the backend the environment
chooses (TestDatabase): a SQLite file in the temp dir, or on PostgreSQL a fresh
database bireg_t_<random> owned by bireg_owner, served as bireg_app
(BIREG_DATABASE) and migrated as its owner (BIREG_DATABASE_OWNER), dropped in
cleanup. Tests read and change rows only through server.query()/execute() and
hold locks through server.hold_write_lock(), which work on both backends.

Environment:
  BIREG_BIN         binary to test (default build/bireg, relative to the repo root);
                    may be an AddressSanitizer build
  BIREG_HTTP_KEEP   1 = keep the temp dirs (database, logs) after the run, and on
                    PostgreSQL the databases
  BIREG_TEST_BACKEND  sqlite (default) or postgres; postgres also needs
                    BIREG_TEST_PG_ADMIN_URL (and _HOST, _PORT, _BINDIR) from
                    tools/pg-test-cluster's DIR/env, as tests/run-all sets them
  BIREG_TEST_SMTP_URL, BIREG_TEST_SMTP_DIR
                    the SMTP test server (tools/smtp-sink) tests/run-all started;
                    without them SmtpSink.shared() starts one for this process

Mail: every server delivers into its own development folder (DIR/mail) unless
a test asks for SMTP: BiregServer(extra_env=smtp_env()), or smtp = True on a
ServerTestCase. SmtpSink.shared() reads, clears and steers (set_mode) the
messages that reached the test server.
"""

import contextlib
import html
import http.client
import json
import os
import re
import secrets
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

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


def run_bireg(args, env, cwd=None, timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL, input=None):
    """Runs `bireg ARGS...` to completion; returns CompletedProcess with text output.
    input (a str) is written to its standard input instead of stdin."""
    if input is not None:
        return subprocess.run([bin_path()] + list(args), env=env, cwd=cwd or REPO_ROOT,
                              input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, text=True, errors="replace")
    return subprocess.run([bin_path()] + list(args), env=env, cwd=cwd or REPO_ROOT,
                          stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, text=True, errors="replace")


class BiregError(Exception):
    pass


# ---------------------------------------------------------------------------
# The database of one installation, on SQLite or PostgreSQL
# ---------------------------------------------------------------------------

def backend():
    """'sqlite' or 'postgres', from BIREG_TEST_BACKEND."""
    b = (os.environ.get("BIREG_TEST_BACKEND") or "sqlite").lower()
    if b in ("postgres", "postgresql", "pg"):
        return "postgres"
    if b != "sqlite":
        raise BiregError("BIREG_TEST_BACKEND=%s: expected sqlite or postgres" % b)
    return "sqlite"


def is_postgres():
    return backend() == "postgres"


def _pg_env(name):
    v = os.environ.get(name)
    if not v:
        raise BiregError("BIREG_TEST_BACKEND=postgres needs %s (tests/run-all sets it from "
                         "tools/pg-test-cluster's DIR/env)" % name)
    return v


def _psql_path():
    bindir = os.environ.get("BIREG_TEST_PG_BINDIR")
    if bindir and os.path.exists(os.path.join(bindir, "psql")):
        return os.path.join(bindir, "psql")
    return shutil.which("psql") or "psql"


def pg_url(role, dbname):
    """postgresql://<role>@/<dbname>?host=<socket dir>&port=<port> of the test cluster."""
    host = urllib.parse.quote(_pg_env("BIREG_TEST_PG_HOST"), safe="/")
    return "postgresql://%s@/%s?host=%s&port=%s" % (role, dbname, host,
                                                     _pg_env("BIREG_TEST_PG_PORT"))


def pg_admin_url(dbname=None):
    """The superuser's URL of the test cluster, for database dbname (default: its own)."""
    admin = _pg_env("BIREG_TEST_PG_ADMIN_URL")
    if dbname is None:
        return admin
    u = urllib.parse.urlsplit(admin)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + dbname, u.query, u.fragment))


def psql(url, sql, timeout=COMMAND_TIMEOUT, check=True):
    """Runs sql (one or more statements) through psql on url; returns stdout
    (unaligned, tuples only). Raises BiregError on failure when check."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["PGCONNECT_TIMEOUT"] = "10"
    env["PGAPPNAME"] = "bireg-test"
    p = subprocess.run([_psql_path(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                        "-d", url, "-f", "-"], input=sql, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout, text=True, errors="replace")
    if check and p.returncode != 0:
        raise BiregError("psql failed (exit %d) on:\n%s\n%s" % (p.returncode, sql, p.stderr))
    return p.stdout


def sql_literal(v):
    """A value as a PostgreSQL literal (standard_conforming_strings is on)."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"  # booleans are integer 0/1 in bireg's schema
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "'\\x%s'::bytea" % bytes(v).hex()
    s = str(v)
    if "\0" in s:
        raise ValueError("a NUL character cannot be sent to PostgreSQL")
    return "'" + s.replace("'", "''") + "'"


def bind_params(sql, params):
    """Replaces each ? outside quotes, identifiers and comments of sql with the
    next parameter as a literal (the sqlite3 style the tests are written in)."""
    params = list(params)
    out = []
    i, n, used = 0, len(sql), 0
    while i < n:
        c = sql[i]
        if c in ("'", '"'):
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i:j + 1])
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j])
            i = j
        elif c == "?":
            if used >= len(params):
                raise BiregError("more ? than parameters in: %s" % sql)
            out.append(sql_literal(params[used]))
            used += 1
            i += 1
        else:
            out.append(c)
            i += 1
    if used != len(params):
        raise BiregError("%d parameters for %d ? in: %s" % (len(params), used, sql))
    return "".join(out)


class _Pairs(list):
    """A JSON object as parsed: its (key, value) pairs in order, duplicates kept."""


def _plain(v):
    if isinstance(v, _Pairs):
        return {k: _plain(x) for k, x in v}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def _row_values(pairs):
    """One row of row_to_json as a tuple, in column order (duplicate names kept).
    JSON values (jsonb columns) come back as JSON text, as SQLite stores them."""
    return tuple(json.dumps(_plain(v), ensure_ascii=False) if isinstance(v, list) else v
                 for _, v in pairs)


class TestDatabase:
    """The database of one bireg installation.

    sqlite:   DIR/bireg.db (made by `bireg init`).
    postgres: a new database bireg_t_<random> in the test cluster, owned by
              bireg_owner; url is the serving role bireg_app, owner_url the
              owner. Tests read it as the cluster's superuser, which row-level
              security does not restrict, so region tables show every row.
    query()/execute() take sqlite3-style ? parameters on both backends and
    return rows as tuples of int/str/None (float for real numbers)."""

    __test__ = False  # not a unittest case

    def __init__(self, dir, label="bireg"):
        self.backend = backend()
        self.dir = dir
        self.label = label
        self.name = None
        self.dropped = False
        if self.backend == "postgres":
            self.name = "bireg_t_" + secrets.token_hex(8)
            psql(pg_admin_url(), "CREATE DATABASE %s OWNER bireg_owner;\n" % self.name)
            self.url = pg_url("bireg_app", self.name)
            self.owner_url = pg_url("bireg_owner", self.name)
            self.admin_url = pg_admin_url(self.name)
        else:
            self.url = os.path.join(dir, "bireg.db")
            self.owner_url = None
            self.admin_url = None

    def env(self):
        """The settings of bireg for this database."""
        e = {"BIREG_DATABASE": self.url}
        if self.owner_url:
            e["BIREG_DATABASE_OWNER"] = self.owner_url
        return e

    @property
    def path(self):
        if self.backend != "sqlite":
            raise BiregError("no database file on PostgreSQL; use query()/execute()")
        return self.url

    def describe(self):
        return self.name if self.backend == "postgres" else self.url

    # ---- reading and writing as the test ------------------------------------

    def query(self, sql, params=()):
        """Rows of a SELECT (or of a statement with RETURNING) as a list of tuples."""
        if self.backend == "sqlite":
            con = sqlite3.connect(self.url, timeout=30)
            try:
                rows = con.execute(sql, params).fetchall()
                con.commit()
                return rows
            finally:
                con.close()
        q = bind_params(sql, params).strip().rstrip(";")
        head = q.lstrip("( \t\n").split(None, 1)[0].upper() if q else ""
        if head in ("SELECT", "WITH", "VALUES", "TABLE"):
            wrapped = "SELECT coalesce(json_agg(row_to_json(q)), '[]') FROM (%s) q;\n" % q
        elif re.search(r"\bRETURNING\b", q, re.I):
            wrapped = "WITH q AS (%s) SELECT coalesce(json_agg(row_to_json(q)), '[]') FROM q;\n" % q
        else:
            psql(self.admin_url, q + ";\n")
            return []
        out = psql(self.admin_url, wrapped).strip()
        return [_row_values(r) for r in json.loads(out or "[]", object_pairs_hook=_Pairs)]

    def execute(self, sql, params=()):
        """Runs one statement (committed); returns its rows if it has any."""
        return self.query(sql, params)

    def tables(self):
        """The names of the tables of the schema."""
        if self.backend == "sqlite":
            return {r[0] for r in self.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {r[0] for r in self.query(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")}

    def _pg_lock_all_tables(self):
        """A psql session holding EXCLUSIVE locks on every table of the schema
        in an open transaction, or None when PostgreSQL broke a deadlock by
        aborting it (the caller tries again)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["PGAPPNAME"] = "bireg-test-lock"
        p = subprocess.Popen([_psql_path(), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                              "-d", self.admin_url], env=env, stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        p.stdin.write(
            "BEGIN;\n"
            "DO $$ DECLARE t record; BEGIN\n"
            "  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP\n"
            "    EXECUTE format('LOCK TABLE %I IN EXCLUSIVE MODE', t.tablename);\n"
            "  END LOOP;\n"
            "END $$;\n")
        p.stdin.flush()
        # psql does not report back on a pipe; watch the locks being granted.
        want = int(self.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")[0][0])
        deadline = time.monotonic() + 30
        while True:
            got = int(self.query(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE a.application_name = 'bireg-test-lock' AND a.datname = ? "
                "AND l.mode = 'ExclusiveLock' AND l.granted AND l.locktype = 'relation'",
                (self.name,))[0][0])
            if got >= want:
                return p
            if p.poll() is not None or time.monotonic() > deadline:
                failed = p.poll() is not None
                msg = p.stderr.read() if failed else "timed out"
                if not failed:
                    p.kill()
                p.wait()
                p.stderr.close()
                if failed and "deadlock detected" in msg:
                    return None
                raise BiregError("could not lock the tables of %s: %s" % (self.name, msg))
            time.sleep(0.05)

    @contextlib.contextmanager
    def hold_write_lock(self):
        """While the block runs, no one else can write: SQLite's BEGIN IMMEDIATE;
        on PostgreSQL an open transaction holding EXCLUSIVE locks on every table
        of the schema (reads still work, as under SQLite's WAL)."""
        if self.backend == "sqlite":
            con = sqlite3.connect(self.url, isolation_level=None, timeout=30)
            try:
                con.execute("BEGIN IMMEDIATE")
                try:
                    yield
                finally:
                    con.execute("ROLLBACK")
            finally:
                con.close()
            return
        # Taking the locks table by table can deadlock with a transaction of
        # the server (a background job that started with it); PostgreSQL then
        # aborts one side, sometimes this one. Such an attempt is repeated.
        for attempt in range(5):
            p = self._pg_lock_all_tables()
            if p is not None:
                break
        else:
            raise BiregError("could not lock the tables of %s: deadlocks" % self.name)
        try:
            yield
        finally:
            try:
                if p.poll() is None:
                    p.stdin.write("ROLLBACK;\n")
                    p.stdin.close()
                p.wait(timeout=30)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                p.kill()
                p.wait()
            if p.stderr:
                p.stderr.close()

    # ---- removal ------------------------------------------------------------

    def drop(self):
        """Removes a PostgreSQL database (even with connections left); SQLite's
        file goes with its directory."""
        if self.backend != "postgres" or self.dropped:
            return
        self.dropped = True
        psql(pg_admin_url(), "DROP DATABASE IF EXISTS %s WITH (FORCE);\n" % self.name,
             check=False)


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
        self.database = None  # TestDatabase, made by prepare()

    # ---- set-up -------------------------------------------------------------

    @property
    def db_path(self):
        """The SQLite file (SQLite only; use query()/execute() to work on both)."""
        return self.database.path

    def env(self, **more):
        e = dict(os.environ)
        # The settings under test must not be overridden by the caller's shell.
        for k in list(e):
            if k.startswith("BIREG_") and k not in ("BIREG_BIN", "BIREG_DATA_DIR"):
                del e[k]
        if self.database is None:
            raise BiregError("no database yet: call prepare() first")
        e.update(self.database.env())
        e.update({
            "BIREG_LOCALE_DIR": locale_dir(),
            "BIREG_TEST_ROUTES": "1",
            "BIREG_REQUEST_TIMEOUT": "2",
            # No SMTP unless a test asks for it: mail goes into this
            # installation's own development folder, never into the tree.
            "BIREG_MAIL_DEV_DIR": os.path.join(self.dir, "mail"),
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
        self.database = TestDatabase(self.dir, self.name)
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
            if self.database and not keep_dirs():
                self.database.drop()
            elif self.database and self.database.backend == "postgres":
                sys.stderr.write("harness: kept database %s\n" % self.database.name)

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
        """A sqlite3 connection to the installation's database (SQLite only;
        query()/execute()/hold_write_lock() work on both backends)."""
        kw.setdefault("timeout", 30)
        return sqlite3.connect(self.db_path, **kw)

    def query(self, sql, params=()):
        """Rows of sql (sqlite3-style ? parameters) as tuples, on either backend;
        on PostgreSQL read as the superuser, so row-level security hides nothing."""
        return self.database.query(sql, params)

    sql = query

    def execute(self, sql, params=()):
        """Runs one statement on the installation's database (committed)."""
        return self.database.execute(sql, params)

    def hold_write_lock(self):
        """Context manager: nobody else can write while it is held."""
        return self.database.hold_write_lock()

    def bireg(self, *args, input=None, check=False):
        """Runs a bireg command on this installation's database (prepare() first).
        check=True raises BiregError on a non-zero exit."""
        r = run_bireg(args, self.env(), input=input)
        self.setup_output += "$ bireg %s (exit %d)\n%s%s" % (" ".join(args), r.returncode,
                                                             r.stdout, r.stderr)
        if check and r.returncode != 0:
            raise BiregError("bireg %s failed with exit %d:\n%s%s"
                             % (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r

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


def html_lang(page):
    """The lang attribute of a page's <html> element (page: a Response or its text), or None."""
    text = page.text if isinstance(page, Response) else page
    m = re.search(r'<html[^>]*\blang="([^"]*)"', text)
    return m.group(1) if m else None


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


# ---------------------------------------------------------------------------
# Mail: the SMTP test server (tools/smtp-sink) and what reached it
# ---------------------------------------------------------------------------

import atexit  # noqa: E402
import email  # noqa: E402
import email.policy  # noqa: E402

SMTP_SINK = os.path.join(REPO_ROOT, "tools", "smtp-sink")


class ReceivedMail:
    """One message as the test SMTP server stored it: raw bytes (as received),
    msg (parsed by Python's email package, policy.default: an independent
    parser), envelope ({mail_from, rcpt_tos, peer, received_at, mode})."""

    def __init__(self, name, raw, envelope):
        self.name = name
        self.raw = raw
        self.envelope = envelope
        self.msg = email.message_from_bytes(raw, policy=email.policy.default)

    @property
    def message_id(self):
        return (self.msg["Message-ID"] or "").strip()

    def __repr__(self):
        return "<ReceivedMail %s %s %r>" % (self.name, self.message_id, str(self.msg["Subject"]))


class SmtpSink:
    """The SMTP test server: the one tests/run-all started (BIREG_TEST_SMTP_URL,
    BIREG_TEST_SMTP_DIR), or, when a test runs alone, one started for this
    process on first use and stopped at its exit.

      env()          the settings that make a bireg deliver to it
      set_mode(m)    accept, tempfail, tempfail-rcpt, permfail, permfail-data, drop
                     (see tools/smtp-sink); read by the server for every command
      pause()/resume()  the server down (connections refused) and up again, same port
      messages()     what arrived, oldest first, as ReceivedMail
      clear()        forget what arrived
      wait_for(pred) messages() once pred(messages) holds, or after the timeout
    """

    _shared = None

    def __init__(self, url, messages_dir, own_dir=None):
        self.url = url
        self.messages_dir = messages_dir
        self.control_dir = os.path.dirname(os.path.abspath(messages_dir))
        self.own_dir = own_dir

    @classmethod
    def shared(cls):
        if cls._shared is None:
            url = os.environ.get("BIREG_TEST_SMTP_URL")
            d = os.environ.get("BIREG_TEST_SMTP_DIR")
            if url and d:
                cls._shared = cls(url, d)
            else:
                cls._shared = cls._start_own()
        return cls._shared

    @classmethod
    def _start_own(cls):
        d = tempfile.mkdtemp(prefix="bireg-smtp-")
        p = subprocess.run([SMTP_SINK, "start", d], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=COMMAND_TIMEOUT)
        if p.returncode != 0:
            shutil.rmtree(d, ignore_errors=True)
            raise BiregError("tools/smtp-sink start failed: %s%s" % (p.stdout, p.stderr))
        env = {}
        with open(os.path.join(d, "env")) as f:
            for line in f:
                k, eq, v = line.strip().partition("=")
                if eq:
                    env[k] = v.strip("'")
        sink = cls(env["BIREG_TEST_SMTP_URL"], env["BIREG_TEST_SMTP_DIR"], own_dir=d)
        atexit.register(sink._stop_own)
        return sink

    def _stop_own(self):
        if self.own_dir:
            subprocess.run([SMTP_SINK, "stop", self.own_dir], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            self.own_dir = None

    def _control(self, action):
        p = subprocess.run([SMTP_SINK, action, self.control_dir], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=COMMAND_TIMEOUT)
        if p.returncode != 0:
            raise BiregError("tools/smtp-sink %s failed: %s%s" % (action, p.stdout, p.stderr))

    def pause(self):
        """Stops the server: its port refuses connections (a mail server that is down)."""
        self._control("pause")

    def resume(self):
        """Starts it again on the same port (a no-op while it runs)."""
        self._control("resume")

    def env(self):
        """bireg's settings for delivering here (plain SMTP on loopback)."""
        return {"BIREG_SMTP_URL": self.url, "BIREG_SMTP_STARTTLS": "off",
                "BIREG_MAIL_TIMEOUT": "10"}

    def set_mode(self, mode):
        tmp = os.path.join(self.control_dir, "mode.tmp")
        with open(tmp, "w") as f:
            f.write(mode + "\n")
        os.replace(tmp, os.path.join(self.control_dir, "mode"))

    def names(self):
        try:
            return sorted(n for n in os.listdir(self.messages_dir) if n.endswith(".eml"))
        except FileNotFoundError:
            return []

    def messages(self):
        out = []
        for n in self.names():
            base = os.path.join(self.messages_dir, n[:-4])
            try:
                with open(base + ".eml", "rb") as f:
                    raw = f.read()
                with open(base + ".json") as f:
                    env = json.load(f)
            except FileNotFoundError:
                continue  # cleared meanwhile
            out.append(ReceivedMail(n, raw, env))
        return out

    def clear(self):
        for n in os.listdir(self.messages_dir):
            try:
                os.unlink(os.path.join(self.messages_dir, n))
            except FileNotFoundError:
                pass

    def wait_for(self, predicate, timeout=15.0):
        """Polls messages() until predicate(messages) is true; returns the last list."""
        deadline = time.monotonic() + timeout
        while True:
            msgs = self.messages()
            if predicate(msgs) or time.monotonic() >= deadline:
                return msgs
            time.sleep(0.05)


def smtp_env():
    """The settings that make a bireg server deliver to the SMTP test server."""
    return SmtpSink.shared().env()


# ---------------------------------------------------------------------------
# Accounts: a browser-like client with cookies, CSRF tokens, logins, TOTP.
# Used by test_accounts.py and test_authz.py.
# ---------------------------------------------------------------------------

import base64  # noqa: E402
import hashlib  # noqa: E402
import hmac  # noqa: E402
import html as _html  # noqa: E402
import struct  # noqa: E402
import urllib.parse  # noqa: E402

SESSION_COOKIE = "bireg_session"
CSRF_COOKIE = "bireg_csrf"

# The demo accounts of `bireg demo` (only valid in region duisburg).
DEMO_ACCOUNTS = {
    "admin": ("verwaltung@demo.bireg.example", "duisburg-demo-admin"),
    "office": ("geschaeftsstelle@demo.bireg.example", "duisburg-demo-office"),
    "applicant": ("antrag@demo.bireg.example", "duisburg-demo-applicant"),
    "member": ("mitglied@demo.bireg.example", "duisburg-demo-member"),
    "chair": ("vorsitz@demo.bireg.example", "duisburg-demo-chair"),
    "coordinator": ("koordination@demo.bireg.example", "duisburg-demo-coordinator"),
    "board": ("vorstand@demo.bireg.example", "duisburg-demo-board"),
}

CSRF_INPUT_RE = re.compile(r'<input\b[^>]*\bname="csrf"[^>]*>')
VALUE_RE = re.compile(r'\bvalue="([^"]*)"')


def csrf_from(text):
    """The value of the first hidden csrf input of a page, or None."""
    m = CSRF_INPUT_RE.search(text)
    if not m:
        return None
    v = VALUE_RE.search(m.group(0))
    return _html.unescape(v.group(1)) if v else None


def parse_set_cookie(value):
    """'name=value; Path=/; HttpOnly' -> (name, value, {'path': '/', 'httponly': True})."""
    parts = [p.strip() for p in value.split(";")]
    name, _, val = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        if not p:
            continue
        k, eq, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip() if eq else True
    return name.strip(), val.strip(), attrs


def set_cookies(resp):
    """{name: (value, attrs)} of a response's Set-Cookie headers (the last one wins)."""
    out = {}
    for h in resp.headers_all("Set-Cookie"):
        n, v, a = parse_set_cookie(h)
        out[n] = (v, a)
    return out


class Client:
    """One browser: a cookie jar on one server, and the CSRF token of the last
    page that had a form. Redirects are not followed."""

    def __init__(self, server, cookies=None, headers=None):
        self.server = server
        self.cookies = dict(cookies or {})
        self.headers = dict(headers or {})
        self.csrf = None
        self.last = None

    def cookie_header(self):
        return "; ".join("%s=%s" % kv for kv in self.cookies.items())

    def absorb(self, resp):
        for name, (value, attrs) in set_cookies(resp).items():
            if value == "" or attrs.get("max-age") == "0":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        ctype = resp.header("Content-Type") or ""
        if ctype.startswith("text/html"):
            token = csrf_from(resp.text)
            if token:
                self.csrf = token
        self.last = resp

    def request(self, method, path, body=None, headers=None):
        h = dict(self.headers)
        h.update(headers or {})
        if self.cookies and not any(k.lower() == "cookie" for k in h):
            h["Cookie"] = self.cookie_header()
        resp = self.server.request(method, path, body=body, headers=h)
        self.absorb(resp)
        return resp

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def post(self, path, fields=(), csrf=None, headers=None):
        """POSTs urlencoded fields (dict or pairs). csrf: None = the token of the
        last page seen, False = none, a str = that token."""
        items = list(fields.items() if isinstance(fields, dict) else fields)
        token = self.csrf if csrf is None else (csrf or None)
        if token is not None and not any(k == "csrf" for k, _ in items):
            items.append(("csrf", token))
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", path, body=urllib.parse.urlencode(items), headers=h)

    def fetch_csrf(self, path="/anmelden"):
        """GETs a page with a form and returns its csrf token (also kept as self.csrf)."""
        r = self.get(path)
        token = csrf_from(r.text)
        if token is None:
            raise AssertionError("no csrf input on %s:\n%s" % (path, r.describe()))
        self.csrf = token
        return token

    def login(self, email, password, prefix="", next=None):
        """GET <prefix>/anmelden, POST the form; returns the POST's response."""
        self.fetch_csrf(prefix + "/anmelden")
        fields = [("email", email), ("password", password)]
        if next is not None:
            fields.append(("next", next))
        return self.post(prefix + "/anmelden", fields)

    @property
    def session(self):
        return self.cookies.get(SESSION_COOKIE)


def location_path(resp):
    """The path (with query) of a redirect's Location, whether absolute or not."""
    loc = resp.header("Location") or ""
    u = urllib.parse.urlsplit(loc)
    return u.path + ("?" + u.query if u.query else "")


def add_region_wesel(srv):
    """`bireg region add` of a second region, wesel (prepare() first)."""
    srv.bireg("region", "add", "--slug", "wesel", "--name", "Bildungsregion Kreis Wesel",
              check=True)


def add_user(srv, email, name, password, *grants):
    """`bireg user add` with the password on stdin, then `bireg user grant` per (region, role)."""
    srv.bireg("user", "add", "--email", email, "--name", name, "--password-stdin",
              input=password + "\n", check=True)
    for region, role in grants:
        srv.bireg("user", "grant", "--email", email, "--region", region, "--role", role,
                  check=True)


def add_file(srv, region, name, data, media_type="image/png", visibility="office",
             purpose="test.fixture"):
    """Stores a file of region (slug) straight into the database as the file store
    would (src/files: the content-addressed blob of the region, then the file row)
    and returns its id. For kinds of files no page stores yet (office-only ones)."""
    sha = hashlib.sha256(data).hexdigest()
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    rid = srv.query("SELECT id FROM region WHERE slug = ?", (region,))[0][0]
    got = srv.query("SELECT id FROM file_blob WHERE region_id = ? AND sha256 = ?", (rid, sha))
    if got:
        blob = got[0][0]
    else:
        blob = srv.query("INSERT INTO file_blob (region_id, sha256, size, content, created_at) "
                         "VALUES (?, ?, ?, ?, ?) RETURNING id",
                         (rid, sha, len(data), bytes(data), now))[0][0]
    return srv.query("INSERT INTO file (region_id, blob_id, name, media_type, size, purpose, "
                     "visibility, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                     (rid, blob, name, media_type, len(data), purpose, visibility, now))[0][0]


def png_bytes(width, height, rgba=(200, 30, 30, 255)):
    """A real PNG of width x height pixels of one colour."""
    import zlib
    raw = b"".join(b"\x00" + bytes(rgba) * width for _ in range(height))

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# ---- TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) ----------------

TOTP_PERIOD = 30


def totp_step(t=None):
    return int((time.time() if t is None else t) // TOTP_PERIOD)


def totp_code(secret_b32, step=None):
    """The 6-digit code of secret (base32, spaces and case ignored) for a time step."""
    s = re.sub(r"\s+", "", secret_b32).upper()
    s += "=" * (-len(s) % 8)
    key = base64.b32decode(s)
    if step is None:
        step = totp_step()
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = digest[-1] & 0x0F
    n = (struct.unpack(">I", digest[off:off + 4])[0] & 0x7FFFFFFF) % 1000000
    return "%06d" % n


def totp_invalid_code(secret_b32, around=None, spread=3):
    """A 6-digit code valid in none of the steps around now (± spread)."""
    base = totp_step() if around is None else around
    used = {totp_code(secret_b32, base + d) for d in range(-spread, spread + 1)}
    for n in range(1000000):
        c = "%06d" % ((n * 7919 + 123457) % 1000000)
        if c not in used:
            return c
    raise AssertionError("no invalid code found")  # pragma: no cover


SECRET_RE = re.compile(r'<code id="totp-secret">([^<]*)</code>')
RECOVERY_RE = re.compile(r"<li><code>([^<]+)</code></li>")


def totp_secret_from(text):
    m = SECRET_RE.search(text)
    return _html.unescape(m.group(1)).strip() if m else None


# ---------------------------------------------------------------------------
# A test base class and a runner that prints "<prefix>: N passed, N failed,
# N skipped" as the last line. Used by test_http.py, test_accounts.py and
# test_authz.py.
# ---------------------------------------------------------------------------

import unittest  # noqa: E402


class ServerTestCase(unittest.TestCase):
    """One server per class (setUpClass); its log is printed when a test fails;
    after SIGTERM it must exit 0."""
    server_env = {}
    server = None
    demo = True
    smtp = False  # True: the class's server delivers to the SMTP test server

    @classmethod
    def prepare_server(cls, srv):
        """Hook: runs after init/demo and before serve (e.g. bireg region add)."""

    @classmethod
    def setUpClass(cls):
        env = dict(smtp_env()) if cls.smtp else {}
        env.update(cls.server_env)
        cls.server = BiregServer(extra_env=env, demo=cls.demo, name=cls.__name__)
        try:
            cls.server.prepare()
            cls.prepare_server(cls.server)
            cls.server.start()
        except Exception:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        srv = cls.server
        if srv is None:
            return
        try:
            code = srv.stop()
            log = srv.log()
        finally:
            srv.cleanup()
        if code != 0:
            raise AssertionError("%s: bireg serve exited with %r after SIGTERM (expected 0)\n"
                                 "--- server stderr ---\n%s" % (cls.__name__, code, log[-20000:]))

    def setUp(self):
        self._logs = []
        if self.server is not None:
            self._logs.append((self.server, self.server.log_size()))

    def fresh_server(self, env=None, name=None, prepare=None, start=True):
        """A server of this test alone; prepare(srv) runs before it starts."""
        srv = BiregServer(extra_env=env, name=name or self._testMethodName)
        self._logs.append((srv, 0))
        self.addCleanup(srv.cleanup)
        srv.prepare()
        if prepare:
            prepare(srv)
        if start:
            srv.start()
        return srv

    def server_logs(self):
        out = []
        for srv, off in getattr(self, "_logs", []):
            text = srv.log(off)
            if not text and srv.proc is None:
                text = srv.setup_output
            if text:
                out.append((srv.name, text))
        return out

    def client(self, srv=None, **kw):
        return Client(srv or self.server, **kw)

    def assertStatus(self, resp, status, msg=""):
        self.assertEqual(resp.status, status,
                         "%sexpected HTTP %d, got:\n%s" % (msg + "\n" if msg else "", status,
                                                           resp.describe()))

    def assertRedirect(self, resp, path, msg=""):
        """303 to exactly path (with query)."""
        self.assertStatus(resp, 303, msg)
        self.assertEqual(location_path(resp), path, "%sLocation: %r\n%s"
                         % (msg + "\n" if msg else "", resp.header("Location"), resp.describe()))

    def assertInBody(self, needle, resp, msg=""):
        self.assertIn(needle, resp.text, "%s%r not in the body of:\n%s"
                      % (msg + "\n" if msg else "", needle, resp.describe()))

    def assertNotInBody(self, needle, resp, msg=""):
        self.assertNotIn(needle, resp.text, "%s%r must not be in the body of:\n%s"
                         % (msg + "\n" if msg else "", needle, resp.describe()))


class OfficeTestCase(ServerTestCase):
    """A ServerTestCase whose every test starts with self.c, a Client logged in
    as the demo office (DEMO_ACCOUNTS["office"]), and with small SQL helpers."""

    def setUp(self):
        super().setUp()
        self.c = Client(self.server)
        self.assertStatus(self.c.login(*DEMO_ACCOUNTS["office"]), 303, "office login")

    def q(self, sql, params=()):
        """The rows of sql (? placeholders) on the server's database."""
        return self.server.query(sql, params)

    def one(self, sql, params=()):
        """The first column of the first row of sql."""
        return self.q(sql, params)[0][0]

    def region_id(self, slug="duisburg"):
        return self.one("SELECT id FROM region WHERE slug = ?", (slug,))


# ---- reading the register's HTML pages -------------------------------------

def field_error(resp, field_id):
    """The text of the error under a form field (id="<field_id>-error"), or None."""
    m = re.search(r'id="%s-error">.*?</span><span><span class="kern-sr-only">[^<]*</span>(.*?)</span>'
                  % re.escape(field_id), resp.text, re.S)
    return html.unescape(m.group(1)).strip() if m else None


def input_value(resp, field_id):
    """The value of the <input id="field_id"> ("" without one), or None when there is no such input."""
    m = re.search(r'<input[^>]*\bid="%s"[^>]*>' % re.escape(field_id), resp.text)
    if not m:
        return None
    v = re.search(r'\bvalue="([^"]*)"', m.group(0))
    return html.unescape(v.group(1)) if v else None


def selected_value(resp, field_id):
    """The value of the selected option of <select id="field_id">, or None."""
    m = re.search(r'<select[^>]*\bid="%s"[^>]*>(.*?)</select>' % re.escape(field_id), resp.text, re.S)
    if not m:
        return None
    o = re.search(r'<option value="([^"]*)" selected>', m.group(1))
    return html.unescape(o.group(1)) if o else None


def main_text(resp):
    """The text of the page's <main> (the whole body without one), tags dropped and
    white space folded."""
    m = re.search(r"<main\b.*?</main>", resp.text, re.S)
    t = html.unescape(re.sub(r"<[^>]+>", " ", m.group(0) if m else resp.text))
    return re.sub(r"\s+", " ", t)


class CountingResult(unittest.TextTestResult):

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.passed_ids = set()
        self.skipped_ids = set()
        self.class_errors = []

    def _print_logs(self, test):
        getter = getattr(test, "server_logs", None)
        if not callable(getter):
            return
        try:
            logs = getter()
        except Exception as e:  # pragma: no cover
            logs = [("?", "cannot read the server log: %s" % e)]
        for name, text in logs:
            self.stream.write("\n----- log of %s (%s) -----\n%s\n----- end of log -----\n"
                              % (name, test.id(), text[-20000:]))
        self.stream.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed_ids.add(test.id())

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.skipped_ids.add(test.id())

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._print_logs(test)

    def addError(self, test, err):
        super().addError(test, err)
        if not isinstance(test, unittest.TestCase):
            # setUpClass/tearDownClass: the description names it.
            self.class_errors.append(str(test))
        self._print_logs(test)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._print_logs(test)


def _all_test_ids(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _all_test_ids(t)
        else:
            yield t.id()


def main(prefix, module_name="__main__"):
    """Runs the tests of a module (or those named on the command line) and prints
    '<prefix>: N passed, N failed, N skipped' last; returns the exit code."""
    module = sys.modules[module_name]
    loader = unittest.TestLoader()
    suite = loader.loadTestsFromModule(module)
    if len(sys.argv) > 1:
        suite = unittest.TestSuite(loader.loadTestsFromNames(sys.argv[1:], module))
    ids = list(_all_test_ids(suite))
    runner = unittest.TextTestRunner(verbosity=2, resultclass=CountingResult, stream=sys.stdout)
    sys.stdout.write("bireg binary: %s\nbackend: %s\n" % (bin_path(), backend()))
    result = runner.run(suite)
    passed = len([i for i in ids if i in result.passed_ids])
    skipped = len([i for i in ids if i in result.skipped_ids])
    failed = len(ids) - passed - skipped
    # tearDownClass errors (e.g. a non-zero exit code after SIGTERM) happen
    # after every method passed; count each as one failure.
    failed += len([e for e in result.class_errors if "tearDown" in e])
    sys.stdout.flush()
    print("%s: %d passed, %d failed, %d skipped" % (prefix, passed, failed, skipped))
    return 1 if failed else 0
