/*
 * db_pg.c — the PostgreSQL backend of db.h, on libpq.
 *
 * One PGconn per connection, used by one thread at a time. Choices:
 *
 *  - Parameters go as text with no declared type (the server infers each
 *    from its context), except blobs, which go in binary format. Results
 *    come back in text format as a whole PGresult; db_step() walks its rows.
 *    bytea columns arrive hex-encoded (bytea_output=hex is set for the
 *    session) and db_col_blob() decodes them with PQunescapeBytea, which is
 *    binary-safe: NUL bytes and any byte value come back as they went in.
 *  - Every distinct SQL text is prepared once per connection as a named
 *    statement (Parse and Describe in one round trip), kept in a cache keyed
 *    by the text; a reconnect empties the cache, and statements prepared
 *    before it are prepared again when next stepped.
 *  - Region scope (db_set_region): every transaction starts with
 *    set_config('bireg.region_id', <id or ''>, true), the SET LOCAL of
 *    row-level security. A statement outside db_begin() runs as BEGIN,
 *    set_config, the statement, COMMIT sent as one pipeline (libpq's pipeline
 *    mode), so it costs one round trip like a plain statement would.
 *    Transactions run at READ COMMITTED, PostgreSQL's default: stores that
 *    need more use one statement (ON CONFLICT, UPDATE ... WHERE) or row locks.
 *  - Session settings (UTC time zone, UTF-8, application name, statement and
 *    lock timeouts) are startup parameters of the connection, so a
 *    reconnect (PQreset) applies them again by itself.
 *  - Reconnecting: before a statement or transaction outside a transaction,
 *    a connection that went away (a restarted server, a terminated backend)
 *    is noticed without sending anything and reset once, bounded by
 *    connect_timeout. A statement that fails because the connection broke
 *    under it is not sent again unless the server said, in answer to the
 *    BEGIN in front of it, that the session was terminated: then nothing of
 *    it ran. A write that might have committed is never repeated; inside a
 *    transaction a broken connection ends the transaction and the caller
 *    gets DB_UNAVAILABLE (and rolls back, which is then a no-op).
 */
#include "db/db_internal.h"

#include "core/log.h"

#include <libpq-fe.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

/* More distinct SQL texts than this means SQL is built at run time; those
 * are then parsed each time they run instead of filling the cache. */
#define STMT_CACHE_MAX 512
/* The oldest server bireg accepts: what it uses (identity columns, FORCE
 * ROW LEVEL SECURITY, set_config, the pipeline's extended protocol) is all
 * there from 13 on. It is tested on 15 (Debian 12). */
#define PG_MIN_VERSION 130000
/* After a failed reconnect, statements fail at once for this long instead
 * of each waiting for connect_timeout again (the server is down). */
#define RECONNECT_BACKOFF_US (500 * 1000)
/* Serialises migrations of several processes on one database. */
#define MIGRATION_LOCK_KEY "4242001"
/* How long a process waits for another one's migrations. */
#define MIGRATION_WAIT "5min"
#define BYTEA_OID 17

#define SET_REGION_SQL "SELECT set_config('bireg.region_id', $1, true)"

typedef struct pg_db pg_db;

/* A statement as prepared on the server. */
typedef struct pg_prep {
	char name[32]; /* "" when not cached: then run by its text */
	int nparams;
	int nfields;
} pg_prep;

typedef struct pg_stmt {
	struct db_stmt base; /* first: a db_stmt * is a pg_stmt * */
	pg_db *owner;
	char *sql;
	pg_prep prep;
	bool cached;         /* prep names a statement of the connection's cache */
	unsigned generation; /* the connection's generation prep belongs to */
	char **values;       /* nparams, NULL = SQL NULL; owned */
	int *lengths;
	int *formats;
	char *bind_error;
	PGresult *res; /* NULL until executed */
	int row;       /* current row of res, -1 before the first */
	unsigned char **blobs; /* decoded bytea per column of the current row */
	size_t *blob_lens;
} pg_stmt;

struct pg_db {
	struct db base; /* first: a db * is a pg_db * */
	PGconn *conn;
	db_options opts;
	char *what;        /* "PostgreSQL database "x" on host h port p", for messages */
	GHashTable *cache; /* SQL text (owned) -> pg_prep (owned) */
	unsigned next_name;
	unsigned generation; /* counts reconnects */
	gint64 reconnect_failed_at;
	bool broken;     /* the protocol state is unknown: reset before the next use */
	bool in_tx;      /* db_begin() ... commit/rollback */
	bool tx_failed;  /* a statement in the transaction failed: only rollback is left */
	int64_t tx_region; /* the region set in the open transaction */
	int64_t changes;
};

static const struct db_ops pg_ops;

/* ---- messages ------------------------------------------------------------ */

static char *chomp_dup(const char *s)
{
	return g_strchomp(g_strdup(s ? s : ""));
}

/* Describes the connection without its password. */
static char *describe_conn(PGconn *c)
{
	const char *name = PQdb(c), *host = PQhost(c), *port = PQport(c), *user = PQuser(c);
	return g_strdup_printf("PostgreSQL database \"%s\" on %s%s port %s as role \"%s\"",
			name ? name : "?", host && *host == '/' ? "socket directory " : "host ",
			host && *host ? host : "localhost", port && *port ? port : "5432",
			user ? user : "?");
}

char *db_pg_describe_url(const char *url)
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &perr);
	PQfreemem(perr);
	if (!opts)
		return g_strdup("a PostgreSQL URL (not valid; not shown)");
	const char *name = NULL, *host = NULL, *port = NULL, *user = NULL;
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (!o->val || !*o->val)
			continue;
		if (!strcmp(o->keyword, "dbname"))
			name = o->val;
		else if (!strcmp(o->keyword, "host"))
			host = o->val;
		else if (!strcmp(o->keyword, "port"))
			port = o->val;
		else if (!strcmp(o->keyword, "user"))
			user = o->val;
	}
	char *s = g_strdup_printf("PostgreSQL database \"%s\" on %s%s%s%s%s%s",
			name ? name : "(default)",
			host ? host : "the default host", port ? " port " : "", port ? port : "",
			user ? " as role \"" : "", user ? user : "", user ? "\"" : "");
	PQconninfoFree(opts);
	return s;
}

/* libpq prints notices to stderr by default; they go to the log instead
 * (NOTICEs such as "relation already exists, skipping" only at debug). */
static void notice_processor(void *arg, const char *message)
{
	pg_db *d = arg;
	g_autofree char *m = chomp_dup(message);
	if (g_str_has_prefix(m, "NOTICE") || g_str_has_prefix(m, "DEBUG") ||
			g_str_has_prefix(m, "INFO") || g_str_has_prefix(m, "LOG"))
		log_debug("%s: %s", d->what, m);
	else
		log_warn("%s: %s", d->what, m);
}

static bool is_unavailable_state(const char *state)
{
	return g_str_has_prefix(state, "08") || !strcmp(state, "57P01") ||
			!strcmp(state, "57P02") || !strcmp(state, "57P03");
}

/* The session was ended by the server (shutdown, pg_terminate_backend,
 * crash recovery) before it ran what was sent. */
static bool is_terminated(const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	return state && (!strcmp(state, "57P01") || !strcmp(state, "57P02") ||
			!strcmp(state, "57P03"));
}

/* A prepared statement the server no longer has (26000), or whose result
 * columns a schema change altered ("cached plan must not change result
 * type", 0A000). */
static bool is_stale_statement(const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	return state && (!strcmp(state, "26000") ||
			(!strcmp(state, "0A000") && msg && strstr(msg, "cached plan")));
}

static db_status map_state(pg_db *d, const char *state)
{
	if (state) {
		if (g_str_has_prefix(state, "23"))
			return DB_CONSTRAINT;
		if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03") ||
				!strcmp(state, "53300") || !strcmp(state, "57014"))
			return DB_BUSY;
		if (is_unavailable_state(state))
			return DB_UNAVAILABLE;
	}
	if (d->broken || PQstatus(d->conn) != CONNECTION_OK)
		return DB_UNAVAILABLE;
	return DB_ERROR;
}

/* Reports the failed result r (NULL: the connection failed before there was
 * one). what is the SQL or the action, without values. */
static db_status fail_result(pg_db *d, const PGresult *r, GError **err, const char *what)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	db_status code = map_state(d, state);
	g_autofree char *msg = NULL;
	if (r && PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY))
		msg = chomp_dup(PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY));
	else if (r && *PQresultErrorMessage(r))
		msg = chomp_dup(PQresultErrorMessage(r));
	else
		msg = chomp_dup(PQerrorMessage(d->conn));
	if (!*msg) {
		g_free(msg);
		msg = g_strdup(code == DB_UNAVAILABLE ? "the connection was lost" : "unknown error");
	}
	/* DETAIL is left out: it quotes row values (personal data) into logs. */
	const char *constraint = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
	g_autofree char *where = g_strdup_printf("SQLSTATE %s%s%s", state ? state : "none",
			constraint ? ", constraint " : "", constraint ? constraint : "");
	if (code == DB_UNAVAILABLE)
		return db_fail(err, code, "%s: %s (%s, in: %s)", d->what, msg, where, what);
	return db_fail(err, code, "%s (%s, in: %s)", msg, where, what);
}

/* ---- connection state ---------------------------------------------------- */

static void cache_clear(pg_db *d)
{
	g_hash_table_remove_all(d->cache);
	d->generation++;
}

/* Resets the connection once; false (err set) if the server cannot be
 * reached. Only outside a transaction. */
static bool reconnect(pg_db *d, GError **err)
{
	gint64 now = g_get_monotonic_time();
	if (d->reconnect_failed_at && now - d->reconnect_failed_at < RECONNECT_BACKOFF_US) {
		db_fail(err, DB_UNAVAILABLE, "%s cannot be reached (retrying shortly)", d->what);
		return false;
	}
	PQreset(d->conn);
	d->broken = false;
	cache_clear(d);
	if (PQstatus(d->conn) != CONNECTION_OK) {
		d->reconnect_failed_at = g_get_monotonic_time();
		g_autofree char *msg = chomp_dup(PQerrorMessage(d->conn));
		db_fail(err, DB_UNAVAILABLE, "lost the connection to %s and could not reconnect: %s",
				d->what, msg);
		log_warn("%s: could not reconnect: %s", d->what, msg);
		return false;
	}
	d->reconnect_failed_at = 0;
	log_info("%s: reconnected", d->what);
	return true;
}

/* Reads whatever the server sent while the connection was idle (the
 * FATAL message and end of file of a terminated session) without waiting,
 * so that a dead connection is noticed before anything is sent on it. */
static void notice_idle_close(pg_db *d)
{
	for (int i = 0; i < 4 && PQstatus(d->conn) == CONNECTION_OK; i++) {
		struct pollfd p = {.fd = PQsocket(d->conn), .events = POLLIN};
		if (p.fd < 0 || poll(&p, 1, 0) <= 0)
			return;
		if (!PQconsumeInput(d->conn))
			return;
		/* Parses what arrived: an error while idle becomes a notice. */
		(void)PQisBusy(d->conn);
		PGnotify *n;
		while ((n = PQnotifies(d->conn)))
			PQfreemem(n);
	}
}

/* Makes sure the connection is usable before a statement. Outside a
 * transaction a lost connection is reset; inside one it is DB_UNAVAILABLE
 * (the server has rolled the transaction back). */
static db_status ensure(pg_db *d, GError **err)
{
	if (!d->in_tx && !d->broken)
		notice_idle_close(d);
	if (!d->broken && PQstatus(d->conn) == CONNECTION_OK)
		return DB_OK;
	if (d->in_tx) {
		d->tx_failed = true;
		return db_fail(err, DB_UNAVAILABLE,
				"%s: the connection was lost during a transaction; it was rolled back",
				d->what);
	}
	return reconnect(d, err) ? DB_OK : DB_UNAVAILABLE;
}

/* After a failure outside a transaction: a transaction block left open
 * (BEGIN ran, then the statement failed) is rolled back. */
static void cleanup_implicit(pg_db *d)
{
	if (d->broken || PQstatus(d->conn) != CONNECTION_OK)
		return;
	if (PQtransactionStatus(d->conn) == PQTRANS_IDLE)
		return;
	PGresult *r = PQexec(d->conn, "ROLLBACK");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		g_autofree char *m = chomp_dup(PQresultErrorMessage(r));
		log_warn("%s: ROLLBACK failed: %s", d->what, m);
	}
	PQclear(r);
}

static void region_text(const pg_db *d, char out[static 24])
{
	if (d->base.region_id > 0)
		g_snprintf(out, 24, "%" G_GINT64_FORMAT, d->base.region_id);
	else
		out[0] = '\0';
}

/* ---- pipelines ----------------------------------------------------------- */

typedef enum { OP_QUERY, OP_PREPARED, OP_PREPARE, OP_DESCRIBE } op_kind;

typedef struct pg_op {
	op_kind kind;
	const char *sql;  /* OP_QUERY, OP_PREPARE */
	const char *name; /* OP_PREPARED, OP_PREPARE, OP_DESCRIBE */
	int nparams;
	const char *const *values;
	const int *lengths;
	const int *formats;
	PGresult *res; /* out, owned by the caller: PQclear */
} pg_op;

static bool op_ok(const pg_op *op)
{
	ExecStatusType st = op->res ? PQresultStatus(op->res) : PGRES_FATAL_ERROR;
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

static void ops_clear(pg_op *ops, int n)
{
	for (int i = 0; i < n; i++)
		g_clear_pointer(&ops[i].res, PQclear);
}

/*
 * Sends ops as one pipeline ending in a Sync and collects one result per
 * op. Returns -1 when every op succeeded, else the index of the first that
 * failed (its res says why, or is NULL when the connection failed).
 */
static int pipeline(pg_db *d, pg_op *ops, int n)
{
	PGconn *c = d->conn;
	int sent = 0;
	bool synced = false;

	if (!PQenterPipelineMode(c)) {
		d->broken = PQstatus(c) == CONNECTION_OK;
		return 0;
	}
	for (; sent < n; sent++) {
		pg_op *op = &ops[sent];
		int ok = 0;
		switch (op->kind) {
		case OP_QUERY:
			ok = PQsendQueryParams(c, op->sql, op->nparams, NULL, op->values, op->lengths,
					op->formats, 0);
			break;
		case OP_PREPARED:
			ok = PQsendQueryPrepared(c, op->name, op->nparams, op->values, op->lengths,
					op->formats, 0);
			break;
		case OP_PREPARE:
			ok = PQsendPrepare(c, op->name, op->sql, 0, NULL);
			break;
		case OP_DESCRIBE:
			ok = PQsendDescribePrepared(c, op->name);
			break;
		}
		if (!ok)
			break;
	}
	synced = PQpipelineSync(c) == 1;

	int failed = sent < n ? sent : -1;
	for (int i = 0; i < sent; i++) {
		PGresult *r;
		/* Each op's results end with NULL. */
		while ((r = PQgetResult(c))) {
			if (!ops[i].res)
				ops[i].res = r;
			else
				PQclear(r);
		}
		if (failed < 0 && !op_ok(&ops[i]))
			failed = i;
		if (PQstatus(c) != CONNECTION_OK)
			break;
	}
	if (synced && PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQgetResult(c);
		if (!r || PQresultStatus(r) != PGRES_PIPELINE_SYNC)
			d->broken = true;
		PQclear(r);
	} else if (PQstatus(c) == CONNECTION_OK) {
		d->broken = true; /* a half-sent pipeline: start over on a new connection */
	}
	if (!PQexitPipelineMode(c) && PQstatus(c) == CONNECTION_OK)
		d->broken = true;
	/* The connection may have broken after an op that succeeded, before
	 * the later ones answered: an op without a good result has failed. This
	 * matters most for the implicit COMMIT at the end: an INSERT that
	 * answered while its COMMIT did not must not count as written. */
	if (failed < 0)
		for (int i = 0; i < n; i++)
			if (!op_ok(&ops[i])) {
				failed = i;
				break;
			}
	/* Every op answered: it is done, even if the connection broke at the
	 * Sync (it is reset before its next use). */
	return failed;
}

/* ---- statements ---------------------------------------------------------- */

static bool is_ident_char(char c)
{
	return g_ascii_isalnum(c) || c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* Skips blanks and comments (-- and nested C style). */
static const char *skip_blanks(const char *p)
{
	for (;;) {
		while (g_ascii_isspace(*p))
			p++;
		if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			int depth = 1;
			p += 2;
			while (*p && depth) {
				if (p[0] == '/' && p[1] == '*') {
					depth++;
					p += 2;
				} else if (p[0] == '*' && p[1] == '/') {
					depth--;
					p += 2;
				} else {
					p++;
				}
			}
		} else {
			return p;
		}
	}
}

/* The end of the statement starting at p: its ';' at the top level (not
 * in a literal, quoted identifier, dollar-quoted body or comment), or the
 * end of the text. */
static const char *statement_end(const char *p)
{
	char prev = ' ';
	while (*p) {
		if (p[0] == '-' && p[1] == '-') {
			p = skip_blanks(p);
			prev = ' ';
			continue;
		}
		if (p[0] == '/' && p[1] == '*') {
			p = skip_blanks(p);
			prev = ' ';
			continue;
		}
		if (*p == '\'' || *p == '"') {
			char q = *p++;
			/* E'...' takes backslash escapes. */
			bool escapes = q == '\'' && (prev == 'E' || prev == 'e');
			while (*p) {
				if (escapes && *p == '\\' && p[1]) {
					p += 2;
					continue;
				}
				if (*p == q) {
					if (p[1] != q)
						break;
					p++;
				}
				p++;
			}
			if (*p)
				p++;
			prev = q;
			continue;
		}
		if (*p == '$' && !is_ident_char(prev) && !g_ascii_isdigit(p[1])) {
			/* $tag$ ... $tag$ (the tag may be empty). */
			const char *t = p + 1;
			while (*t && *t != '$' && (g_ascii_isalnum(*t) || *t == '_' ||
							  (unsigned char)*t >= 0x80))
				t++;
			if (*t == '$') {
				size_t taglen = (size_t)(t - p) + 1;
				const char *close = t + 1;
				while ((close = strchr(close, '$')) && strncmp(close, p, taglen) != 0)
					close++;
				p = close ? close + taglen : p + strlen(p);
				prev = '$';
				continue;
			}
		}
		if (*p == ';')
			return p;
		prev = *p++;
	}
	return p;
}

/* The word at p (letters only), upper-cased into out. */
static const char *read_word(const char *p, char out[static 16])
{
	size_t n = 0;
	while (g_ascii_isalpha(*p) && n < 15)
		out[n++] = g_ascii_toupper(*p++);
	out[n] = '\0';
	if (is_ident_char(*p))
		out[0] = '\0'; /* longer than any word of interest, or an identifier */
	return p;
}

/* True when the statement at p (up to its end) ends or nests the
 * transaction it runs in: BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK,
 * ABORT, PREPARE TRANSACTION. */
static bool ends_transaction(const char *p)
{
	char w[16], w2[16];
	p = read_word(skip_blanks(p), w);
	if (!strcmp(w, "BEGIN") || !strcmp(w, "COMMIT") || !strcmp(w, "END") ||
			!strcmp(w, "ROLLBACK") || !strcmp(w, "ABORT"))
		return true;
	if (!strcmp(w, "START") || !strcmp(w, "PREPARE")) {
		read_word(skip_blanks(p), w2);
		return !strcmp(w2, "TRANSACTION");
	}
	return false;
}

/* Number of statements in sql with something in them (not only blanks
 * and comments); *tx_end is set to the first one that ends the
 * transaction, if any. */
static int count_statements(const char *sql, const char **tx_end)
{
	int n = 0;
	*tx_end = NULL;
	const char *p = sql;
	while (*p) {
		const char *start = skip_blanks(p);
		const char *end = statement_end(start);
		if (end > start) {
			n++;
			if (!*tx_end && ends_transaction(start))
				*tx_end = start;
		}
		p = *end ? end + 1 : end;
	}
	return n;
}

/* Finds or makes the server-side statement for sql. */
static db_status get_prep(pg_db *d, const char *sql, pg_prep *out, bool *cached, GError **err)
{
	pg_prep *p = g_hash_table_lookup(d->cache, sql);
	if (p) {
		*out = *p;
		*cached = true;
		return DB_OK;
	}
	for (int attempt = 0;; attempt++) {
		pg_prep fresh = {0};
		*cached = g_hash_table_size(d->cache) < STMT_CACHE_MAX;
		if (*cached)
			g_snprintf(fresh.name, sizeof fresh.name, "bireg_%u", ++d->next_name);
		/* An uncached statement is checked through the unnamed statement
		 * and later run by its text. */
		pg_op ops[2] = {
			{.kind = OP_PREPARE, .sql = sql, .name = fresh.name},
			{.kind = OP_DESCRIBE, .name = fresh.name},
		};
		int failed = pipeline(d, ops, 2);
		if (failed < 0) {
			fresh.nparams = PQnparams(ops[1].res);
			fresh.nfields = PQnfields(ops[1].res);
			ops_clear(ops, 2);
			*out = fresh;
			if (*cached)
				g_hash_table_insert(d->cache, g_strdup(sql), g_memdup2(&fresh, sizeof fresh));
			return DB_OK;
		}
		g_autoptr(GError) e = NULL;
		g_autofree char *what = g_strdup_printf("prepare \"%s\"", sql);
		db_status code = fail_result(d, ops[failed].res, &e, what);
		bool retry = code == DB_UNAVAILABLE && !d->in_tx && attempt == 0;
		ops_clear(ops, 2);
		if (d->in_tx)
			d->tx_failed = true;
		/* Preparing changes nothing: after a reconnect it is tried again. */
		if (retry && reconnect(d, NULL))
			continue;
		g_propagate_error(err, g_steal_pointer(&e));
		return code;
	}
}

/* An op for one of the small statements around every implicit or explicit
 * transaction (BEGIN, set_config, COMMIT): prepared once per connection, so
 * the server does not parse and plan them again for every request. Outside
 * a transaction only; if preparing fails the text is sent instead, and the
 * pipeline reports whatever is wrong. name must hold sizeof(pg_prep.name). */
static pg_op tx_op(pg_db *d, const char *sql, char *name, int nparams,
		   const char *const *values)
{
	pg_prep p;
	bool cached = false;

	if (!d->in_tx && get_prep(d, sql, &p, &cached, NULL) == DB_OK && cached) {
		memcpy(name, p.name, sizeof p.name);
		return (pg_op){.kind = OP_PREPARED, .name = name, .nparams = nparams,
			.values = values};
	}
	return (pg_op){.kind = OP_QUERY, .sql = sql, .nparams = nparams, .values = values};
}

static db_stmt *pg_prepare(db *base, const char *sql, GError **err)
{
	pg_db *d = (pg_db *)base;
	const char *tx_end;
	int n = count_statements(sql, &tx_end);
	if (n == 0) {
		db_fail(err, DB_ERROR, "prepare \"%s\": no SQL statement in it", sql);
		return NULL;
	}
	if (n > 1) {
		db_fail(err, DB_ERROR, "prepare \"%s\": db_prepare takes one statement", sql);
		return NULL;
	}
	if (ensure(d, err) < 0)
		return NULL;
	pg_prep prep;
	bool cached;
	if (get_prep(d, sql, &prep, &cached, err) < 0)
		return NULL;
	pg_stmt *s = g_new0(pg_stmt, 1);
	s->base.ops = &pg_ops;
	s->owner = d;
	s->sql = g_strdup(sql);
	s->prep = prep;
	s->cached = cached;
	s->generation = d->generation;
	s->values = g_new0(char *, MAX(prep.nparams, 1));
	s->lengths = g_new0(int, MAX(prep.nparams, 1));
	s->formats = g_new0(int, MAX(prep.nparams, 1));
	s->row = -1;
	return &s->base;
}

static void clear_blobs(pg_stmt *s)
{
	if (!s->blobs)
		return;
	for (int i = 0; i < s->prep.nfields; i++)
		g_clear_pointer(&s->blobs[i], PQfreemem);
}

static void clear_result(pg_stmt *s)
{
	clear_blobs(s);
	g_clear_pointer(&s->res, PQclear);
	s->row = -1;
}

static void pg_stmt_free(db_stmt *base)
{
	pg_stmt *s = (pg_stmt *)base;
	/* Touches nothing of the connection: a statement may outlive it. */
	clear_result(s);
	for (int i = 0; i < s->prep.nparams; i++)
		g_free(s->values[i]);
	g_free(s->values);
	g_free(s->lengths);
	g_free(s->formats);
	g_free(s->blobs);
	g_free(s->blob_lens);
	g_free(s->bind_error);
	g_free(s->sql);
	g_free(s);
}

/* Checks a bind and clears the parameter; false (bind_error set) if the
 * bind is a bug. Binding is void in db.h; the next step reports it. */
static bool bind_slot(pg_stmt *s, int idx)
{
	if (s->bind_error)
		return false;
	if (idx < 1 || idx > s->prep.nparams) {
		s->bind_error = g_strdup_printf("binding $%d of \"%s\": it has %d parameters", idx,
				s->sql, s->prep.nparams);
		return false;
	}
	if (s->res) {
		s->bind_error = g_strdup_printf("binding $%d of \"%s\" while it runs (db_reset first)",
				idx, s->sql);
		return false;
	}
	g_clear_pointer(&s->values[idx - 1], g_free);
	s->lengths[idx - 1] = 0;
	s->formats[idx - 1] = 0;
	return true;
}

static void pg_bind_int64(db_stmt *base, int idx, int64_t v)
{
	pg_stmt *s = (pg_stmt *)base;
	if (bind_slot(s, idx))
		s->values[idx - 1] = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)v);
}

static void pg_bind_text(db_stmt *base, int idx, const char *v)
{
	pg_stmt *s = (pg_stmt *)base;
	if (!g_utf8_validate(v, -1, NULL)) {
		if (!s->bind_error)
			s->bind_error = g_strdup_printf("binding $%d of \"%s\": text is not valid UTF-8",
					idx, s->sql);
		return;
	}
	if (bind_slot(s, idx))
		s->values[idx - 1] = g_strdup(v);
}

static void pg_bind_null(db_stmt *base, int idx)
{
	bind_slot((pg_stmt *)base, idx);
}

static void pg_bind_blob(db_stmt *base, int idx, const void *data, size_t len)
{
	pg_stmt *s = (pg_stmt *)base;
	if (len > G_MAXINT) {
		if (!s->bind_error)
			s->bind_error = g_strdup_printf("binding $%d of \"%s\": blob too large", idx,
					s->sql);
		return;
	}
	if (!bind_slot(s, idx))
		return;
	/* Binary format: the bytes go as they are, NULs included. A non-NULL
	 * pointer even when empty: NULL would mean SQL NULL. */
	s->values[idx - 1] = len ? g_memdup2(data, len) : g_malloc0(1);
	s->lengths[idx - 1] = (int)len;
	s->formats[idx - 1] = 1;
}

/* The number in a command tag such as "UPDATE 3" counts changed rows only
 * for statements that change rows. */
static void note_changes(pg_db *d, const PGresult *r)
{
	const char *tag = PQcmdStatus((PGresult *)r);
	if (g_str_has_prefix(tag, "INSERT") || g_str_has_prefix(tag, "UPDATE") ||
			g_str_has_prefix(tag, "DELETE") || g_str_has_prefix(tag, "MERGE"))
		d->changes = g_ascii_strtoll(PQcmdTuples((PGresult *)r), NULL, 10);
}

/* Runs s: within the open transaction, or as BEGIN, set_config, s, COMMIT
 * in one pipeline. */
static db_status execute(pg_stmt *s, GError **err)
{
	pg_db *d = s->owner;

	for (int attempt = 0;; attempt++) {
		if (ensure(d, err) < 0)
			return DB_UNAVAILABLE;
		if (s->generation != d->generation) {
			/* Prepared on a connection that has been reset since. */
			db_status prc = get_prep(d, s->sql, &s->prep, &s->cached, err);
			if (prc < 0)
				return prc;
			s->generation = d->generation;
		}
		char region[24];
		region_text(d, region);
		const char *region_param[1] = {region};
		bool implicit = !d->in_tx;
		/* Without a region there is nothing to SET LOCAL: outside a
		 * transaction bireg.region_id is unset, which the policies read
		 * as no region, exactly as an empty set_config would. Such a
		 * statement (sessions, accounts, the region table itself) runs
		 * on its own, saving BEGIN, set_config and COMMIT. */
		bool wrap = implicit && d->base.region_id > 0;
		pg_op ops[4];
		char names[3][sizeof ((pg_prep *)0)->name];
		int n = 0;
		memset(ops, 0, sizeof ops);
		if (wrap) {
			ops[n++] = tx_op(d, "BEGIN", names[0], 0, NULL);
			ops[n++] = tx_op(d, SET_REGION_SQL, names[1], 1, region_param);
		} else if (!implicit && d->tx_region != d->base.region_id) {
			ops[n++] = (pg_op){.kind = OP_QUERY, .sql = SET_REGION_SQL, .nparams = 1,
				.values = region_param};
		}
		int main_op = n;
		if (s->cached)
			ops[n++] = (pg_op){.kind = OP_PREPARED, .name = s->prep.name,
				.nparams = s->prep.nparams, .values = (const char *const *)s->values,
				.lengths = s->lengths, .formats = s->formats};
		else
			ops[n++] = (pg_op){.kind = OP_QUERY, .sql = s->sql, .nparams = s->prep.nparams,
				.values = (const char *const *)s->values, .lengths = s->lengths,
				.formats = s->formats};
		if (wrap)
			ops[n++] = tx_op(d, "COMMIT", names[2], 0, NULL);

		int failed = pipeline(d, ops, n);
		if (failed < 0) {
			s->res = g_steal_pointer(&ops[main_op].res);
			ops_clear(ops, n);
			note_changes(d, s->res);
			if (!implicit)
				d->tx_region = d->base.region_id;
			s->row = -1;
			g_clear_pointer(&s->blobs, g_free);
			g_clear_pointer(&s->blob_lens, g_free);
			s->blobs = g_new0(unsigned char *, MAX(PQnfields(s->res), 1));
			s->blob_lens = g_new0(size_t, MAX(PQnfields(s->res), 1));
			s->prep.nfields = PQnfields(s->res);
			return DB_OK;
		}
		g_autoptr(GError) e = NULL;
		db_status code = fail_result(d, ops[failed].res, &e, s->sql);
		/* Safe to send again only when the server ended the session
		 * before the BEGIN in front of it: then none of it ran. */
		bool retry = implicit && attempt == 0 && failed == 0 && is_terminated(ops[0].res);
		/* The statement was prepared before a migration changed what it
		 * returns (or the server forgot it): it is prepared afresh. It
		 * failed before running, so outside a transaction it is sent
		 * again at once. */
		bool stale = failed == main_op && is_stale_statement(ops[main_op].res);
		if (stale) {
			if (s->cached)
				g_hash_table_remove(d->cache, s->sql);
			s->generation = d->generation - 1;
		}
		ops_clear(ops, n);
		if (!implicit) {
			d->tx_failed = true;
		} else {
			cleanup_implicit(d);
			if (stale && attempt == 0)
				continue;
			if (code == DB_UNAVAILABLE && reconnect(d, NULL) && retry)
				continue;
		}
		g_propagate_error(err, g_steal_pointer(&e));
		return code;
	}
}

static db_status pg_step(db_stmt *base, GError **err)
{
	pg_stmt *s = (pg_stmt *)base;

	if (s->bind_error)
		return db_fail(err, DB_ERROR, "%s", s->bind_error);
	if (!s->res) {
		db_status rc = execute(s, err);
		if (rc < 0)
			return rc;
	}
	clear_blobs(s);
	if (s->row + 1 < PQntuples(s->res)) {
		s->row++;
		return DB_ROW;
	}
	/* Stays done until db_reset(): stepping again does not run it again. */
	s->row = PQntuples(s->res);
	return DB_DONE;
}

static void pg_reset(db_stmt *base)
{
	pg_stmt *s = (pg_stmt *)base;
	clear_result(s);
	g_clear_pointer(&s->bind_error, g_free);
}

static int pg_col_count(db_stmt *base)
{
	pg_stmt *s = (pg_stmt *)base;
	return s->res ? PQnfields(s->res) : s->prep.nfields;
}

static bool valid_cell(pg_stmt *s, int col)
{
	return s->res && s->row >= 0 && s->row < PQntuples(s->res) && col >= 0 &&
			col < PQnfields(s->res);
}

static bool pg_col_is_null(db_stmt *base, int col)
{
	pg_stmt *s = (pg_stmt *)base;
	return !valid_cell(s, col) || PQgetisnull(s->res, s->row, col);
}

static int64_t pg_col_int64(db_stmt *base, int col)
{
	pg_stmt *s = (pg_stmt *)base;
	if (pg_col_is_null(base, col))
		return 0;
	const char *v = PQgetvalue(s->res, s->row, col);
	/* booleans come as t/f */
	if (!strcmp(v, "t"))
		return 1;
	if (!strcmp(v, "f"))
		return 0;
	return g_ascii_strtoll(v, NULL, 10);
}

static const char *pg_col_text(db_stmt *base, int col)
{
	pg_stmt *s = (pg_stmt *)base;
	if (pg_col_is_null(base, col))
		return NULL;
	return PQgetvalue(s->res, s->row, col);
}

static const void *pg_col_blob(db_stmt *base, int col, size_t *len)
{
	pg_stmt *s = (pg_stmt *)base;
	*len = 0;
	if (pg_col_is_null(base, col))
		return NULL;
	const char *v = PQgetvalue(s->res, s->row, col);
	if (PQftype(s->res, col) != BYTEA_OID) {
		*len = (size_t)PQgetlength(s->res, s->row, col);
		return v;
	}
	if (!s->blobs[col]) {
		s->blobs[col] = PQunescapeBytea((const unsigned char *)v, &s->blob_lens[col]);
		if (!s->blobs[col])
			return NULL; /* out of memory */
	}
	*len = s->blob_lens[col];
	return s->blobs[col];
}

/* ---- transactions -------------------------------------------------------- */

static db_status pg_begin(db *base, GError **err)
{
	pg_db *d = (pg_db *)base;
	if (d->in_tx)
		return db_fail(err, DB_ERROR, "cannot start a transaction within a transaction");
	for (int attempt = 0;; attempt++) {
		if (ensure(d, err) < 0)
			return DB_UNAVAILABLE;
		char region[24];
		region_text(d, region);
		const char *region_param[1] = {region};
		char names[2][sizeof ((pg_prep *)0)->name];
		pg_op ops[2] = {
			tx_op(d, "BEGIN", names[0], 0, NULL),
			tx_op(d, SET_REGION_SQL, names[1], 1, region_param),
		};
		int failed = pipeline(d, ops, 2);
		if (failed < 0) {
			ops_clear(ops, 2);
			d->in_tx = true;
			d->tx_failed = false;
			d->tx_region = d->base.region_id;
			return DB_OK;
		}
		g_autoptr(GError) e = NULL;
		db_status code = fail_result(d, ops[failed].res, &e, "BEGIN");
		ops_clear(ops, 2);
		cleanup_implicit(d);
		/* BEGIN changes nothing, so it may always be sent again. */
		if (code == DB_UNAVAILABLE && attempt == 0 && reconnect(d, NULL))
			continue;
		g_propagate_error(err, g_steal_pointer(&e));
		return code;
	}
}

static void pg_rollback(db *base)
{
	pg_db *d = (pg_db *)base;
	if (!d->in_tx)
		return;
	d->in_tx = false;
	d->tx_failed = false;
	if (d->broken || PQstatus(d->conn) != CONNECTION_OK)
		return; /* the server has rolled it back */
	if (PQtransactionStatus(d->conn) == PQTRANS_IDLE)
		return;
	PGresult *r = PQexec(d->conn, "ROLLBACK");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		g_autofree char *m = chomp_dup(PQresultErrorMessage(r));
		log_warn("%s: ROLLBACK failed: %s", d->what, m);
	}
	PQclear(r);
}

static bool pg_in_transaction(db *base)
{
	return ((pg_db *)base)->in_tx;
}

static db_status pg_commit(db *base, GError **err)
{
	pg_db *d = (pg_db *)base;
	if (!d->in_tx)
		return db_fail(err, DB_ERROR, "COMMIT without a transaction");
	if (d->tx_failed) {
		pg_rollback(base);
		return db_fail(err, DB_ERROR,
				"COMMIT after a failed statement: the transaction was rolled back");
	}
	if (d->broken || PQstatus(d->conn) != CONNECTION_OK) {
		d->in_tx = false;
		return db_fail(err, DB_UNAVAILABLE,
				"%s: the connection was lost during a transaction; it was rolled back",
				d->what);
	}
	PGresult *r = PQexec(d->conn, "COMMIT");
	db_status rc = DB_OK;
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		rc = fail_result(d, r, err, "COMMIT");
		if (rc == DB_UNAVAILABLE)
			g_prefix_error(err, "the outcome of the transaction is unknown: ");
	} else if (!strcmp(PQcmdStatus(r), "ROLLBACK")) {
		/* COMMIT of a transaction the server had aborted rolls back. */
		rc = db_fail(err, DB_ERROR, "COMMIT: the transaction had failed and was rolled back");
	}
	PQclear(r);
	d->in_tx = true;
	pg_rollback(base); /* a no-op unless the COMMIT left the block open */
	return rc;
}

/* Runs sql (several statements allowed) through the simple protocol. A
 * region is set in front when one is needed: a multi-statement text runs
 * as one transaction, so set_config(..., true) covers all of it. Without a
 * region nothing is added, so that statements that cannot run in a
 * transaction block (CREATE DATABASE) work as a single text. */
static db_status pg_exec(db *base, const char *sql, GError **err)
{
	pg_db *d = (pg_db *)base;
	if (ensure(d, err) < 0)
		return DB_UNAVAILABLE;
	g_autofree char *full = NULL;
	int64_t region = d->base.region_id;
	if ((d->in_tx && d->tx_region != region) || (!d->in_tx && region > 0)) {
		char rt[24];
		region_text(d, rt);
		full = g_strdup_printf("SELECT set_config('bireg.region_id', '%s', true);\n%s", rt, sql);
	}
	PGresult *r = PQexec(d->conn, full ? full : sql);
	ExecStatusType st = PQresultStatus(r);
	db_status rc = DB_OK;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
		note_changes(d, r);
		if (d->in_tx)
			d->tx_region = region;
	} else {
		g_autofree char *what = g_strndup(skip_blanks(sql), 200);
		rc = fail_result(d, r, err, what);
		if (d->in_tx)
			d->tx_failed = true;
	}
	PQclear(r);
	if (!d->in_tx) {
		if (rc == DB_OK && PQstatus(d->conn) == CONNECTION_OK &&
				PQtransactionStatus(d->conn) != PQTRANS_IDLE) {
			rc = db_fail(err, DB_ERROR, "db_exec left a transaction open (use db_begin)");
		}
		cleanup_implicit(d);
		if (rc == DB_UNAVAILABLE)
			reconnect(d, NULL);
	}
	return rc;
}

static int64_t pg_last_insert_id(db *base)
{
	/* Not on PostgreSQL: INSERT ... RETURNING id works on both backends. */
	return -1;
}

static int64_t pg_changes(db *base)
{
	return ((pg_db *)base)->changes;
}

/* ---- schema and migrations ----------------------------------------------- */

static int pg_table_exists(db *base, const char *name, GError **err)
{
	g_autoptr(db_stmt) s = pg_prepare(base,
			"SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
			"AND tablename = $1", err);
	if (!s)
		return -1;
	db_bind_text(s, 1, name);
	db_status rc = db_step(s, err);
	if (rc < 0)
		return -1;
	return rc == DB_ROW ? 1 : 0;
}

/* Migrations of several processes (two nodes starting at once) take turns:
 * the lock is held to the end of the migration's transaction, and
 * apply_one() looks again whether the migration is still missing. Waiting
 * for another node's migration may take minutes, and so may a migration
 * itself (building an index): the statement timeout is off for it. Locks
 * on tables are still given up after the usual lock timeout, so that a
 * migration never stalls the serving nodes' queries queued behind it for
 * long; it then fails as a whole and is tried again at the next start. */
static db_status pg_migration_begin(db *base, GError **err)
{
	pg_db *d = (pg_db *)base;
	if (d->in_tx)
		return db_fail(err, DB_ERROR, "migrations cannot run inside a transaction");
	db_status rc = pg_begin(base, err);
	if (rc < 0)
		return rc;
	g_autofree char *sql = g_strdup_printf(
			"SET LOCAL statement_timeout = 0;\n"
			"SET LOCAL lock_timeout = '" MIGRATION_WAIT "';\n"
			"SELECT pg_advisory_xact_lock(" MIGRATION_LOCK_KEY ");\n"
			"SET LOCAL lock_timeout = %d;", d->opts.busy_timeout_ms);
	return pg_exec(base, sql, err);
}

static db_status pg_migration_exec(db *base, const char *sql, GError **err)
{
	pg_db *d = (pg_db *)base;
	const char *tx_end;
	count_statements(sql, &tx_end);
	if (tx_end) {
		g_autofree char *stmt = g_strndup(tx_end, (gsize)(statement_end(tx_end) - tx_end));
		d->tx_failed = true;
		return db_fail(err, DB_ERROR,
				"a migration must not contain BEGIN, COMMIT, END or ROLLBACK "
				"(it runs in a transaction of its own): %s", stmt);
	}
	db_status rc = pg_exec(base, sql, err);
	if (rc < 0)
		return rc;
	if (PQtransactionStatus(d->conn) != PQTRANS_INTRANS) {
		d->tx_failed = true;
		return db_fail(err, DB_ERROR,
				"the migration ended its own transaction; remove BEGIN/COMMIT from it");
	}
	return DB_OK;
}

static db_status pg_migration_commit(db *base, GError **err)
{
	return pg_commit(base, err);
}

static void pg_migration_end(db *base)
{
	pg_rollback(base);
}

/* ---- roles ---------------------------------------------------------------- */

/* The serving role must be subject to row-level security: not superuser,
 * not BYPASSRLS, and not (a member of) the owner of any table of the
 * schema, since owners may switch the policies off. */
static db_status pg_check_serving_role(db *base, GError **err)
{
	pg_db *d = (pg_db *)base;
	g_autoptr(GError) e = NULL;
	g_autoptr(db_stmt) s = pg_prepare(base,
			"SELECT r.rolname, CAST(r.rolsuper AS integer), CAST(r.rolbypassrls AS integer), "
			"(SELECT min(c.relname) FROM pg_catalog.pg_class c "
			" JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
			" WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
			" AND pg_catalog.pg_has_role(current_user, c.relowner, 'MEMBER')) "
			"FROM pg_catalog.pg_roles r WHERE r.rolname = current_user", &e);
	if (!s) {
		db_status code = (db_status)e->code;
		g_propagate_error(err, g_steal_pointer(&e));
		return code;
	}
	db_status rc = db_step(s, err);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW)
		return db_fail(err, DB_ERROR, "%s: the current role is not in pg_roles", d->what);
	const char *role = db_col_text(s, 0);
	const char *why = NULL;
	g_autofree char *owned = NULL;
	if (db_col_int64(s, 1))
		why = "is a superuser";
	else if (db_col_int64(s, 2))
		why = "has BYPASSRLS";
	else if (!db_col_is_null(s, 3))
		why = owned = g_strdup_printf("owns table %s (or is a member of its owner)",
				db_col_text(s, 3));
	if (why)
		return db_fail(err, DB_ERROR,
				"refusing to serve through role \"%s\": it %s, so row-level security "
				"would not separate the regions. Serve through a role that owns no "
				"table (database.url), and migrate through the owner "
				"(database.owner_url)", role, why);
	return DB_OK;
}

/* The role a connection logs in as, and the schema it works in. */
static db_status current_role_schema(db *d, char **role, char **schema, GError **err)
{
	g_autoptr(db_stmt) s = pg_prepare(d, "SELECT current_user, current_schema()", err);
	if (!s)
		return DB_ERROR;
	db_status rc = db_step(s, err);
	if (rc != DB_ROW)
		return rc < 0 ? rc : db_fail(err, DB_ERROR, "SELECT current_user returned nothing");
	*role = g_strdup(db_col_text(s, 0));
	*schema = g_strdup(db_col_text(s, 1) ? db_col_text(s, 1) : "public");
	return DB_OK;
}

db_status db_pg_grant_serving_role(db *owner, db *app, GError **err)
{
	g_autofree char *app_role = NULL, *app_schema = NULL, *owner_role = NULL,
			*owner_schema = NULL;
	if (owner->ops != &pg_ops || app->ops != &pg_ops)
		return db_fail(err, DB_ERROR, "granting roles is for PostgreSQL only");
	if (current_role_schema(app, &app_role, &app_schema, err) < 0 ||
			current_role_schema(owner, &owner_role, &owner_schema, err) < 0)
		return DB_ERROR;
	if (!strcmp(app_role, owner_role))
		return DB_OK; /* one role for both: nothing to grant */
	PGconn *c = ((pg_db *)owner)->conn;
	char *r = PQescapeIdentifier(c, app_role, strlen(app_role));
	char *n = PQescapeIdentifier(c, owner_schema, strlen(owner_schema));
	if (!r || !n) {
		PQfreemem(r);
		PQfreemem(n);
		return db_fail(err, DB_ERROR, "cannot quote role %s", app_role);
	}
	/* Under the migrations' lock: concurrent GRANTs on one table fail
	 * with "tuple concurrently updated". */
	g_autofree char *sql = g_strdup_printf(
			"SET LOCAL lock_timeout = '" MIGRATION_WAIT "';\n"
			"SELECT pg_advisory_xact_lock(" MIGRATION_LOCK_KEY ");\n"
			"GRANT USAGE ON SCHEMA %s TO %s;\n"
			"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %s TO %s;\n"
			"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %s TO %s;",
			n, r, n, r, n, r);
	PQfreemem(r);
	PQfreemem(n);
	db_status rc = pg_exec(owner, sql, err);
	if (rc < 0)
		g_prefix_error(err, "granting role %s its rights: ", app_role);
	return rc;
}

/* ---- opening and closing ------------------------------------------------- */

static void pg_close(db *base)
{
	pg_db *d = (pg_db *)base;
	/* Closing ends an open transaction with a rollback on the server. */
	PQfinish(d->conn);
	g_hash_table_destroy(d->cache);
	g_free(d->what);
	g_free(d);
}

/* A URL libpq cannot parse is reported without echoing it when it may
 * hold a password (libpq's message can quote any part of it). */
static bool may_hold_password(const char *url)
{
	if (strstr(url, "password"))
		return true;
	const char *auth = strstr(url, "://");
	auth = auth ? auth + 3 : url;
	size_t len = strcspn(auth, "/?");
	const char *at = memchr(auth, '@', len);
	return at && memchr(auth, ':', (size_t)(at - auth));
}

db *db_pg_open(const char *url, const db_options *opts, GError **err)
{
	char *perr = NULL;
	PQconninfoOption *parsed = PQconninfoParse(url, &perr);
	if (!parsed) {
		g_autofree char *m = chomp_dup(perr);
		PQfreemem(perr);
		if (may_hold_password(url))
			db_fail(err, DB_ERROR, "the PostgreSQL URL is not valid (libpq's message is not "
					"shown as it may quote the password); see "
					"https://www.postgresql.org/docs/current/libpq-connect.html");
		else
			db_fail(err, DB_ERROR, "the PostgreSQL URL is not valid: %s", m);
		return NULL;
	}
	PQconninfoFree(parsed);

	g_autofree char *timeout = g_strdup_printf("%d", opts->connect_timeout_s);
	/* Startup parameters: a reset connection gets them again. */
	g_autofree char *options = g_strdup_printf(
			"-c TimeZone=UTC -c statement_timeout=%d -c lock_timeout=%d -c bytea_output=hex",
			opts->statement_timeout_ms, opts->busy_timeout_ms);
	/* Entries before dbname may be overridden by the URL, those after
	 * it may not. */
	const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname",
		"client_encoding", "options", NULL};
	const char *const vals[] = {timeout, "bireg", url, "UTF8", options, NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (!c) {
		db_fail(err, DB_UNAVAILABLE, "cannot connect to PostgreSQL: out of memory");
		return NULL;
	}
	g_autofree char *what = describe_conn(c);
	if (PQstatus(c) != CONNECTION_OK) {
		g_autofree char *m = chomp_dup(PQerrorMessage(c));
		db_fail(err, DB_UNAVAILABLE, "cannot connect to %s: %s", what, m);
		PQfinish(c);
		return NULL;
	}
	if (PQserverVersion(c) < PG_MIN_VERSION) {
		db_fail(err, DB_ERROR, "%s: the server is PostgreSQL %d.%d; bireg needs 13 or newer",
				what, PQserverVersion(c) / 10000, PQserverVersion(c) % 10000);
		PQfinish(c);
		return NULL;
	}
	const char *enc = PQparameterStatus(c, "server_encoding");
	if (enc && strcmp(enc, "UTF8") != 0) {
		/* Text beyond the server's character set could not be stored. */
		db_fail(err, DB_ERROR, "%s: the database's encoding is %s; bireg needs UTF8 "
				"(CREATE DATABASE ... ENCODING 'UTF8')", what, enc);
		PQfinish(c);
		return NULL;
	}

	pg_db *d = g_new0(pg_db, 1);
	d->base.ops = &pg_ops;
	d->conn = c;
	d->opts = *opts;
	d->what = g_steal_pointer(&what);
	d->cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	PQsetNoticeProcessor(c, notice_processor, d);
	return &d->base;
}

static const struct db_ops pg_ops = {
	.backend = DB_BACKEND_POSTGRES,
	.name = "postgres",
	.migrations_dir = "/bireg/migrations/postgres/",
	/* In one text, hence one transaction, with the migrations' lock: two
	 * processes creating it at once would otherwise collide. */
	.migrations_table_sql = "SET LOCAL lock_timeout = '" MIGRATION_WAIT "';\n"
		"SELECT pg_advisory_xact_lock(" MIGRATION_LOCK_KEY ");\n"
		"CREATE TABLE IF NOT EXISTS schema_migrations ("
		"version integer PRIMARY KEY, "
		"name text NOT NULL, "
		"applied_at text NOT NULL)",
	.close = pg_close,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.in_transaction = pg_in_transaction,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.stmt_free = pg_stmt_free,
	.bind_int64 = pg_bind_int64,
	.bind_text = pg_bind_text,
	.bind_null = pg_bind_null,
	.bind_blob = pg_bind_blob,
	.step = pg_step,
	.reset = pg_reset,
	.col_count = pg_col_count,
	.col_is_null = pg_col_is_null,
	.col_int64 = pg_col_int64,
	.col_text = pg_col_text,
	.col_blob = pg_col_blob,
	.last_insert_id = pg_last_insert_id,
	.changes = pg_changes,
	.table_exists = pg_table_exists,
	.migration_begin = pg_migration_begin,
	.migration_exec = pg_migration_exec,
	.migration_commit = pg_migration_commit,
	.migration_end = pg_migration_end,
	.check_serving_role = pg_check_serving_role,
};
