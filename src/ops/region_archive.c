/*
 * region_archive.c — export and import of a whole region (see
 * region_archive.h).
 *
 * Everything table-specific is in tables[] below: which rows of a table
 * belong to the region, its columns and their types, and which table each
 * reference column points at. Export and import walk that list and know
 * nothing else about the schema, so a new region table is one entry (after
 * the tables it refers to). A reference to a table that comes later in the
 * list (region.logo_file_id -> file) is inserted as NULL and set once that
 * table is in. A reference to the same table (area.parent_id,
 * body.parent_id, membership.substitute_for_id) is resolved by inserting
 * the rows in an order where the row referred to comes first
 * (import_order()), so the column gets its value with the row — needed
 * where a CHECK ties it to another column (a substitute's member); only
 * rows caught in a cycle would fall back to NULL and an update at the end.
 *
 * The SQL is the same on both backends: $N parameters, RETURNING id, values
 * only through binding. Times, booleans (0/1) and JSON are text or integers
 * on both, so an archive from SQLite imports into PostgreSQL unchanged.
 */
#include "ops/region_archive.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <string.h>

#include "build_config.h"
#include "core/util.h"
#include "modules/register/register_index.h"
#include "ops/backup.h"
#include "search/search.h"

G_DEFINE_QUARK(bireg-archive-error-quark, bireg_archive_error)

/* ---- the tables ----------------------------------------------------------- */

typedef enum {
	COL_INT,  /* integer (also booleans 0/1); JSON number */
	COL_TEXT, /* text; JSON string */
	COL_JSON, /* JSON kept as text (jsonb on PostgreSQL); JSON string holding it */
	COL_BLOB, /* bytes; JSON string in base64 */
} col_type;

static const char *const col_type_names[] = {"integer", "text", "json", "base64"};

/* A reference whose table depends on the row: the text in another column
 * (kind) names it. */
typedef struct kind_ref {
	const char *kind;  /* the other column's value */
	const char *table; /* the table its id column refers to */
} kind_ref;

typedef struct col_desc {
	const char *name;
	col_type type;
	/* The table whose id this column holds: translated on import. */
	const char *ref;
	/* The referenced row may be outside the archive (or its table unknown
	 * here): the column is then set NULL instead of failing the import. */
	bool ref_optional;
	/* The migration that added the column to an older table (0: it came
	 * with the table): an archive made before it may lack the column,
	 * which is then imported as NULL. */
	int since;
	/* Instead of ref: the column refers to the table kinds (ending with a
	 * NULL kind) names for the value of column ref_by. A value not listed
	 * (a pseudo record, a record of a kind not archived) or a row not in
	 * the archive (deleted long ago) is imported as NULL, or as 0 when
	 * gone_zero (a NOT NULL column): never as the old number, which would
	 * name another record in the target. */
	const char *ref_by;
	const kind_ref *kinds;
	bool gone_zero;
} col_desc;

#define MAX_COLS 32
#define SQL_NAME(t) ((t)->sql_name ? (t)->sql_name : (t)->name)

typedef struct table_desc {
	const char *name;  /* in the archive; also the SQL table unless sql_name */
	int since;         /* the migration that created the table */
	/* The SQL table when one table is archived as several parts (a
	 * column that refers to different tables by kind: each part has its
	 * own scope and references). NULL: name. */
	const char *sql_name;
	const char *id;    /* generated id column, NULL when the key is made of references */
	const char *scope; /* WHERE clause choosing the region's rows, region id as $1 */
	const char *order; /* ORDER BY, so that archives of equal data are equal */
	/* Import: a row of the target with the same value in this column is
	 * reused instead of inserting one (accounts, by e-mail). */
	const char *match;
	/* Import: rows whose reference in this column points at a reused row
	 * are dropped; they belong to that row, which keeps its own. */
	const char *owned_by;
	col_desc cols[MAX_COLS]; /* without the id column; ends with a NULL name */
} table_desc;

/* The records a change-log entry names (changelog.h): entity_id by entity
 * ("member_list": a body's member list), sub_id by sub. A "merged" entry's
 * sub_id is the record merged away, which is gone: NULL. */
static const kind_ref changelog_entities[] = {
	{"person", "person"}, {"institution", "institution"}, {"body", "body"},
	{"member_list", "body"}, {"area", "area"}, {"institution_type", "institution_type"},
	{"level", "region_level"}, {NULL, NULL},
};
static const kind_ref changelog_subs[] = {
	{"membership", "membership"}, {"affiliation", "person_affiliation"},
	{"consent", "person_consent"}, {"account", "account"}, {NULL, NULL},
};

/* The accounts that belong to an archive: a role or a person in the region,
 * or demo accounts of it. */
#define REGION_ACCOUNTS                                                               \
	"(SELECT account_id FROM account_role WHERE region_id = $1 "                  \
	"UNION SELECT account_id FROM account_person WHERE region_id = $1 "           \
	"UNION SELECT id FROM account WHERE demo_region_id = $1)"

/* In import order: a table comes after the tables it refers to (apart from
 * nullable references, which may point forward). region must be first. */
static const table_desc tables[] = {
	{
		.name = "region", .since = 1, .id = "id", .scope = "id = $1", .order = "id",
		.cols = {
			{"slug", COL_TEXT}, {"name", COL_TEXT}, {"network", COL_TEXT},
			{"description", COL_TEXT}, {"office_name", COL_TEXT},
			{"office_unit", COL_TEXT}, {"street", COL_TEXT}, {"postcode", COL_TEXT},
			{"city", COL_TEXT}, {"phone", COL_TEXT}, {"email", COL_TEXT},
			{"website", COL_TEXT}, {"letterhead_sender_line", COL_TEXT},
			{"letterhead_footer", COL_TEXT},
			{"logo_file_id", COL_INT, "file", true},
			{"settings", COL_JSON}, {"created_at", COL_TEXT}, {"updated_at", COL_TEXT},
		},
	},
	{
		.name = "region_level", .since = 1, .id = "id", .scope = "region_id = $1",
		.order = "position",
		.cols = {
			{"region_id", COL_INT, "region"}, {"position", COL_INT}, {"name", COL_TEXT},
			{"description", COL_TEXT},
		},
	},
	{
		.name = "accessibility_feedback", .since = 2, .id = "id",
		.scope = "region_id = $1", .order = "id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"name", COL_TEXT}, {"email", COL_TEXT},
			{"message", COL_TEXT}, {"page", COL_TEXT}, {"status", COL_TEXT},
			{"created_at", COL_TEXT},
		},
	},
	{
		.name = "account", .since = 3, .id = "id", .scope = "id IN " REGION_ACCOUNTS,
		.order = "id", .match = "email",
		.cols = {
			{"email", COL_TEXT}, {"display_name", COL_TEXT}, {"lang", COL_TEXT},
			{"status", COL_TEXT}, {"password_hash", COL_TEXT}, {"totp_secret", COL_TEXT},
			{"totp_enabled", COL_INT}, {"totp_last_step", COL_INT},
			/* A demo account of another region (with a role here) loses
			 * its restriction: that region is not in the archive. */
			{"demo_region_id", COL_INT, "region", true},
			{"created_at", COL_TEXT}, {"updated_at", COL_TEXT},
			{"last_login_at", COL_TEXT},
		},
	},
	{
		.name = "account_role", .since = 3, .scope = "region_id = $1",
		.order = "account_id, role",
		.cols = {
			{"account_id", COL_INT, "account"}, {"region_id", COL_INT, "region"},
			{"role", COL_TEXT}, {"granted_at", COL_TEXT},
		},
	},
	{
		.name = "file_blob", .since = 5, .id = "id", .scope = "region_id = $1",
		.order = "id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"sha256", COL_TEXT}, {"size", COL_INT},
			{"content", COL_BLOB}, {"created_at", COL_TEXT},
		},
	},
	{
		.name = "file", .since = 5, .id = "id", .scope = "region_id = $1", .order = "id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"blob_id", COL_INT, "file_blob"},
			{"name", COL_TEXT}, {"media_type", COL_TEXT}, {"size", COL_INT},
			{"purpose", COL_TEXT}, {"visibility", COL_TEXT}, {"width", COL_INT},
			{"height", COL_INT},
			/* Who stored it; an account without a role here is not in
			 * the archive (as if deleted: the column's ON DELETE SET NULL). */
			{"created_by", COL_INT, "account", true},
			{"created_at", COL_TEXT},
		},
	},
	{
		/* The office's own texts of mails and letters. */
		.name = "message_template", .since = 8, .id = "id", .scope = "region_id = $1",
		.order = "id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"key", COL_TEXT}, {"lang", COL_TEXT},
			{"subject", COL_TEXT}, {"body", COL_TEXT},
			{"updated_by", COL_INT, "account", true},
			{"updated_at", COL_TEXT},
		},
	},
	/* The register (migration 0009), each table after those it refers to. */
	{
		.name = "area", .since = 9, .id = "id", .scope = "region_id = $1", .order = "id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"hierarchy", COL_TEXT},
			{"parent_id", COL_INT, "area"}, {"kind", COL_TEXT}, {"code", COL_TEXT},
			{"name", COL_TEXT}, {"position", COL_INT},
		},
	},
	{
		.name = "area_postcode", .since = 9, .id = "id", .scope = "region_id = $1",
		.order = "id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"postcode", COL_TEXT}, {"quarter", COL_TEXT},
			{"area_id", COL_INT, "area"},
		},
	},
	{
		.name = "institution_type", .since = 9, .id = "id", .scope = "region_id = $1",
		.order = "id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"key", COL_TEXT}, {"name", COL_TEXT},
			{"is_school", COL_INT}, {"position", COL_INT},
		},
	},
	{
		.name = "institution", .since = 9, .id = "id", .scope = "region_id = $1", .order = "id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"type_id", COL_INT, "institution_type"},
			{"name", COL_TEXT}, {"name_extra", COL_TEXT}, {"short_name", COL_TEXT},
			{"street", COL_TEXT}, {"postcode", COL_TEXT}, {"city", COL_TEXT},
			{"phone", COL_TEXT}, {"email", COL_TEXT}, {"website", COL_TEXT},
			{"notes", COL_TEXT}, {"school_number", COL_TEXT}, {"school_form", COL_TEXT},
			{"legal_form", COL_TEXT}, {"carrier_number", COL_TEXT}, {"sort_name", COL_TEXT},
			{"created_at", COL_TEXT}, {"updated_at", COL_TEXT},
		},
	},
	{
		.name = "institution_area", .since = 9, .scope = "region_id = $1",
		.order = "institution_id, area_id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"institution_id", COL_INT, "institution"},
			{"area_id", COL_INT, "area"},
		},
	},
	{
		.name = "institution_tag", .since = 9, .scope = "region_id = $1",
		.order = "institution_id, tag",
		.cols = {
			{"region_id", COL_INT, "region"}, {"institution_id", COL_INT, "institution"},
			{"tag", COL_TEXT},
		},
	},
	{
		.name = "person", .since = 9, .id = "id", .scope = "region_id = $1", .order = "id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"address_form", COL_TEXT}, {"title", COL_TEXT},
			{"first_name", COL_TEXT}, {"last_name", COL_TEXT},
			{"letter_salutation", COL_TEXT}, {"function", COL_TEXT}, {"phone", COL_TEXT},
			{"mobile", COL_TEXT}, {"email", COL_TEXT}, {"street", COL_TEXT},
			{"postcode", COL_TEXT}, {"city", COL_TEXT}, {"preferred_channel", COL_TEXT},
			{"legal_basis", COL_TEXT}, {"legal_basis_note", COL_TEXT}, {"notes", COL_TEXT},
			{"sort_name", COL_TEXT}, {"created_at", COL_TEXT}, {"updated_at", COL_TEXT},
			/* Erasure (Art. 17), migration 0012. */
			{"erased_at", COL_TEXT, .since = 12},
		},
	},
	{
		.name = "person_consent", .since = 9, .id = "id", .scope = "region_id = $1",
		.order = "id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"person_id", COL_INT, "person"},
			{"kind", COL_TEXT}, {"given", COL_INT}, {"day", COL_TEXT}, {"source", COL_TEXT},
			/* Who recorded it; an account without a role here is not in
			 * the archive (as if deleted: ON DELETE SET NULL). */
			{"recorded_by", COL_INT, "account", true},
			{"recorded_at", COL_TEXT},
		},
	},
	{
		.name = "person_affiliation", .since = 9, .id = "id", .scope = "region_id = $1",
		.order = "id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"person_id", COL_INT, "person"},
			{"institution_id", COL_INT, "institution"}, {"function", COL_TEXT},
			{"start_day", COL_TEXT}, {"end_day", COL_TEXT},
		},
	},
	{
		.name = "body", .since = 9, .id = "id", .scope = "region_id = $1", .order = "id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"name", COL_TEXT}, {"short_name", COL_TEXT},
			{"type", COL_TEXT}, {"level_id", COL_INT, "region_level"},
			{"area_id", COL_INT, "area"}, {"parent_id", COL_INT, "body"},
			{"description", COL_TEXT}, {"goals", COL_TEXT}, {"active_from", COL_TEXT},
			{"active_until", COL_TEXT}, {"chair_mode", COL_TEXT},
			{"decision_mode", COL_TEXT}, {"quorum_rule", COL_TEXT},
			{"quorum_share_pct", COL_INT}, {"invitation_days", COL_INT},
			{"invitation_days_urgent", COL_INT}, {"papers_days", COL_INT},
			{"objection_days", COL_INT}, {"written_procedure", COL_TEXT},
			{"public", COL_INT}, {"sort_name", COL_TEXT}, {"nonpublic_access", COL_TEXT},
			{"created_at", COL_TEXT}, {"updated_at", COL_TEXT},
		},
	},
	{
		.name = "membership", .since = 9, .id = "id", .scope = "region_id = $1",
		.order = "id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"body_id", COL_INT, "body"},
			{"person_id", COL_INT, "person"}, {"role", COL_TEXT},
			{"substitute_for_id", COL_INT, "membership"},
			{"institution_id", COL_INT, "institution"}, {"partner_side", COL_TEXT},
			{"voting", COL_INT}, {"start_day", COL_TEXT}, {"end_day", COL_TEXT},
			{"note", COL_TEXT}, {"created_at", COL_TEXT}, {"updated_at", COL_TEXT},
		},
	},
	{
		/* An account's person in the region: after the people. */
		.name = "account_person", .since = 3, .scope = "region_id = $1",
		.order = "account_id",
		.cols = {
			{"account_id", COL_INT, "account"}, {"region_id", COL_INT, "region"},
			{"person_id", COL_INT, "person"},
		},
	},
	/* The register's data in and out (migration 0012). */
	{
		/* An import with its kept file (deleted by the retention job
		 * later: then file_id is NULL). job_id names a job of the
		 * installation that ran it: kept as a number, jobs are not
		 * archived. */
		.name = "import_batch", .since = 12, .id = "id", .scope = "region_id = $1",
		.order = "id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"kind", COL_TEXT}, {"state", COL_TEXT},
			{"file_id", COL_INT, "file", true}, {"file_name", COL_TEXT},
			{"format", COL_TEXT}, {"encoding", COL_TEXT}, {"mapping", COL_JSON},
			{"rows_total", COL_INT}, {"rows_done", COL_INT}, {"report", COL_JSON},
			{"job_id", COL_INT}, {"created_by", COL_INT, "account", true},
			{"created_at", COL_TEXT}, {"updated_at", COL_TEXT}, {"finished_at", COL_TEXT},
		},
	},
	{
		.name = "import_mapping", .since = 12, .id = "id", .scope = "region_id = $1",
		.order = "id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"kind", COL_TEXT}, {"name", COL_TEXT},
			{"mapping", COL_JSON}, {"created_by", COL_INT, "account", true},
			{"created_at", COL_TEXT}, {"updated_at", COL_TEXT},
		},
	},
	{
		.name = "school_form_label", .since = 12, .scope = "region_id = $1", .order = "code",
		.cols = {
			{"region_id", COL_INT, "region"}, {"code", COL_TEXT}, {"label", COL_TEXT},
			{"updated_at", COL_TEXT},
		},
	},
	/* Pairs marked "not the same": low_id and high_id are people or
	 * institutions by entity, so each kind is a part of its own. Ids are
	 * given out in the archive's order on import, so low < high holds. */
	{
		.name = "duplicate_dismissed_person", .sql_name = "duplicate_dismissed", .since = 12,
		.scope = "region_id = $1 AND entity = 'person'", .order = "low_id, high_id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"entity", COL_TEXT},
			{"low_id", COL_INT, "person"}, {"high_id", COL_INT, "person"},
			{"dismissed_by", COL_INT, "account", true}, {"dismissed_at", COL_TEXT},
		},
	},
	{
		.name = "duplicate_dismissed_institution", .sql_name = "duplicate_dismissed",
		.since = 12, .scope = "region_id = $1 AND entity = 'institution'",
		.order = "low_id, high_id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"entity", COL_TEXT},
			{"low_id", COL_INT, "institution"}, {"high_id", COL_INT, "institution"},
			{"dismissed_by", COL_INT, "account", true}, {"dismissed_at", COL_TEXT},
		},
	},
	/* The change log: who changed what (account_id: the account when it
	 * is in the archive, else NULL; actor keeps the name). entity_id and
	 * sub_id name records by entity and sub, person_id a person: all get
	 * the new ids of their records, so a person's entries (Art. 15,
	 * Art. 17) stay that person's. An entry about a record deleted before
	 * the export keeps its text but no link: entity_id 0, sub_id and
	 * person_id NULL. One table (not parts per entity), so the entries
	 * keep their order: the log lists them by id. */
	{
		.name = "change_log", .since = 12, .id = "id", .scope = "region_id = $1",
		.order = "id",
		.cols = {
			{"region_id", COL_INT, "region"}, {"at", COL_TEXT},
			{"account_id", COL_INT, "account", true}, {"actor", COL_TEXT},
			{"entity", COL_TEXT},
			{"entity_id", COL_INT, .ref_by = "entity", .kinds = changelog_entities,
			 .gone_zero = true},
			{"sub", COL_TEXT},
			{"sub_id", COL_INT, .ref_by = "sub", .kinds = changelog_subs},
			{"person_id", COL_INT, "person", true}, {"action", COL_TEXT},
			{"summary", COL_TEXT}, {"changes", COL_JSON},
		},
	},
	/* Not here: search_entry (rebuilt after the import from the imported
	 * rows), job and job_test_effect (transient work of the installation
	 * that ran them), mail_outbox (mail already sent or on its way from
	 * the installation that queued it), session, login_throttle and
	 * password_reset (installation state). */
	{
		.name = "recovery_code", .since = 3, .scope = "account_id IN " REGION_ACCOUNTS,
		.order = "account_id, code_digest", .owned_by = "account_id",
		.cols = {
			{"account_id", COL_INT, "account"}, {"code_digest", COL_TEXT},
			{"used_at", COL_TEXT},
		},
	},
};

#define N_TABLES G_N_ELEMENTS(tables)

const char *const *region_archive_table_names(void)
{
	static const char *names[N_TABLES + 1];
	for (size_t i = 0; i < N_TABLES; i++)
		names[i] = tables[i].name;
	return names;
}

static int table_index(const char *name)
{
	for (size_t i = 0; i < N_TABLES; i++)
		if (strcmp(tables[i].name, name) == 0)
			return (int)i;
	return -1;
}

static size_t col_count(const table_desc *t)
{
	size_t n = 0;
	while (n < MAX_COLS && t->cols[n].name)
		n++;
	return n;
}

static int col_index(const table_desc *t, const char *name)
{
	for (size_t i = 0; i < col_count(t); i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ---- helpers -------------------------------------------------------------- */

#define fail(err, code, ...) util_fail(err, BIREG_ARCHIVE_ERROR, code, __VA_ARGS__)

/* A database error as an archive error, with what was being done. */
static int fail_db(GError **err, GError *e, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static int fail_db(GError **err, GError *e, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		g_autofree char *what = g_strdup_vprintf(fmt, ap);
		va_end(ap);
		bool constraint = e && e->domain == BIREG_DB_ERROR && e->code == DB_CONSTRAINT;
		g_set_error(err, BIREG_ARCHIVE_ERROR,
			    constraint ? ARCHIVE_ERROR_FORMAT : ARCHIVE_ERROR_FAILED, "%s: %s", what,
			    e ? e->message : "failed");
	}
	return -1;
}

void archive_summary_clear(archive_summary *s)
{
	g_clear_pointer(&s->slug, g_free);
	if (s->counts)
		g_array_unref(g_steal_pointer(&s->counts));
}

void archive_summary_print(const archive_summary *s, bool import, FILE *out)
{
	for (guint i = 0; s->counts && i < s->counts->len; i++) {
		const archive_count *c = &g_array_index(s->counts, archive_count, i);
		fprintf(out, "  %-24s %6" G_GINT64_FORMAT " %s", c->table, c->rows,
			c->rows == 1 ? "row" : "rows");
		if (import && c->reused)
			fprintf(out, ", %" G_GINT64_FORMAT " existing (same e-mail) kept as they are",
				c->reused);
		if (import && c->skipped)
			fprintf(out, ", %" G_GINT64_FORMAT " dropped with them", c->skipped);
		fputc('\n', out);
	}
}

static void summary_init(archive_summary *s)
{
	memset(s, 0, sizeof *s);
	s->counts = g_array_new(FALSE, TRUE, sizeof(archive_count));
}

/* Same rule as the CHECK on region.slug, checked first for a clear message. */
static bool slug_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (const char *p = s; *p; p++)
		if (!(g_ascii_islower(*p) || g_ascii_isdigit(*p) || *p == '-'))
			return false;
	return true;
}

/* ---- export --------------------------------------------------------------- */

/* The current row of s (selected with t's columns, id first when t has
 * one) as a JSON object; NULL with err set when a value cannot be put into
 * JSON (text that is not UTF-8). */
static json_t *row_to_json(const table_desc *t, db_stmt *s, GError **err)
{
	json_t *o = json_object();
	int col = 0;

	if (t->id)
		json_object_set_new(o, t->id, json_integer(db_col_int64(s, col++)));
	for (size_t i = 0; i < col_count(t); i++, col++) {
		const col_desc *c = &t->cols[i];
		json_t *v;
		if (db_col_is_null(s, col)) {
			v = json_null();
		} else if (c->type == COL_INT) {
			v = json_integer(db_col_int64(s, col));
		} else if (c->type == COL_BLOB) {
			size_t len;
			const void *p = db_col_blob(s, col, &len);
			g_autofree char *b64 = g_base64_encode(p, len);
			v = json_string(b64);
		} else {
			v = json_string(db_col_text(s, col));
		}
		if (!v) {
			json_decref(o);
			fail(err, ARCHIVE_ERROR_FAILED, "table %s, column %s: a value is not valid UTF-8",
			     t->name, c->name);
			return NULL;
		}
		json_object_set_new(o, c->name, v);
	}
	return o;
}

/* Writes the rows of t in region region_id as a JSON array to f. */
static int export_table(db *d, const table_desc *t, int64_t region_id, FILE *f, int64_t *rows,
			GError **err)
{
	g_autoptr(GString) sql = g_string_new("SELECT ");
	g_autoptr(GError) e = NULL;

	if (t->id)
		g_string_append_printf(sql, "%s, ", t->id);
	for (size_t i = 0; i < col_count(t); i++)
		g_string_append_printf(sql, "%s%s", i ? ", " : "", t->cols[i].name);
	g_string_append_printf(sql, " FROM %s WHERE %s ORDER BY %s", SQL_NAME(t), t->scope,
			       t->order);
	g_autoptr(db_stmt) s = db_prepare(d, sql->str, &e);
	if (!s)
		return fail_db(err, e, "reading table %s", t->name);
	db_bind_int64(s, 1, region_id);

	fprintf(f, "\"%s\": [", t->name);
	db_status rc;
	*rows = 0;
	while ((rc = db_step(s, &e)) == DB_ROW) {
		json_t *o = row_to_json(t, s, err);
		if (!o)
			return -1;
		fputs(*rows ? ",\n" : "\n", f);
		int w = json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (w < 0)
			return fail(err, ARCHIVE_ERROR_FAILED, "writing table %s failed", t->name);
		(*rows)++;
	}
	if (rc < 0)
		return fail_db(err, e, "reading table %s", t->name);
	fputs(*rows ? "\n]" : "]", f);
	return 0;
}

/* The archive's head: everything but the rows. */
static json_t *archive_head(db *d, const char *slug, int schema)
{
	char now[21];
	json_t *info = json_object();

	util_now_iso(now);
	for (size_t i = 0; i < N_TABLES; i++) {
		const table_desc *t = &tables[i];
		if (t->since > schema)
			continue;
		json_t *cols = json_object(), *refs = json_object();
		for (size_t k = 0; k < col_count(t); k++) {
			const col_desc *c = &t->cols[k];
			json_object_set_new(cols, c->name, json_string(col_type_names[c->type]));
			if (c->ref)
				json_object_set_new(refs, c->name, json_string(c->ref));
			if (c->kinds) {
				json_t *by = json_object();
				for (const kind_ref *kr = c->kinds; kr->kind; kr++)
					json_object_set_new(by, kr->kind, json_string(kr->table));
				json_object_set_new(refs, c->name,
						    json_pack("{s:s,s:o}", "by", c->ref_by, "tables", by));
			}
		}
		json_object_set_new(info, t->name,
				    json_pack("{s:s?,s:o,s:o}", "id", t->id, "columns", cols,
					      "references", refs));
	}
	return json_pack("{s:s,s:i,s:i,s:s,s:s,s:s,s:s,s:o}", "format", ARCHIVE_FORMAT_NAME,
			 "format_version", ARCHIVE_FORMAT_VERSION, "schema_version", schema,
			 "bireg_version", BIREG_VERSION, "exported_at", now, "source_backend",
			 db_get_backend(d) == DB_BACKEND_POSTGRES ? "postgresql" : "sqlite",
			 "region_slug", slug, "table_info", info);
}

/* Ends what begin_read() began, whatever happened. */
static void end_read(db *d)
{
	db_rollback(d);
	if (db_get_backend(d) == DB_BACKEND_POSTGRES) {
		int64_t region = db_get_region(d);
		db_set_region(d, 0);
		db_exec(d, "RESET default_transaction_isolation", NULL);
		db_set_region(d, region);
	}
}

/* Opens a transaction that reads one snapshot. On SQLite a deferred BEGIN:
 * WAL gives the reader a snapshot and writers are not held up (BEGIN
 * IMMEDIATE, which db_begin() uses, would stop the running server's
 * writes for the whole export). */
static int begin_read(db *d, GError **err)
{
	if (db_get_backend(d) == DB_BACKEND_SQLITE)
		return db_exec(d, "BEGIN", err) < 0 ? -1 : 0;
	/* PostgreSQL: db_begin() is READ COMMITTED, where every statement sees
	 * the newest commits. REPEATABLE READ keeps the first statement's
	 * snapshot to the end, so the tables fit together (no role of an
	 * account that was not exported). Set for the session, before BEGIN,
	 * since db_begin() runs a query at once. */
	int64_t region = db_get_region(d);
	db_set_region(d, 0);
	db_status rc = db_exec(d, "SET default_transaction_isolation = 'repeatable read'", err);
	db_set_region(d, region);
	if (rc < 0)
		return -1;
	if (db_begin(d, err) < 0) {
		end_read(d);
		return -1;
	}
	return 0;
}

/* The database's schema must be this program's: the table list is
 * written for it. */
static int check_schema_current(db *d, int *version, GError **err)
{
	g_autoptr(GError) e = NULL;
	int v = db_schema_version(d, &e);
	int known = ops_known_schema_version();
	if (v < 0)
		return fail_db(err, e, "reading the schema version");
	if (v != known)
		return fail(err, ARCHIVE_ERROR_VERSION,
			    "the database has schema version %d, this bireg has %d; run bireg init "
			    "(or this database's own bireg) first", v, known);
	*version = v;
	return 0;
}

int region_archive_export(db *d, const char *slug, const char *file, bool force,
			  archive_summary *sum, GError **err)
{
	g_autoptr(GError) e = NULL;
	g_autofree char *tmp = NULL;
	g_autofree char *dir = g_path_get_dirname(file);
	int schema = 0, rc = -1;
	int64_t region_id;
	FILE *f = NULL;

	summary_init(sum);
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
		return fail(err, ARCHIVE_ERROR_FAILED, "the directory %s does not exist", dir);
	if (g_file_test(file, G_FILE_TEST_EXISTS) && !force)
		return fail(err, ARCHIVE_ERROR_EXISTS, "%s exists; give --force to replace it", file);
	if (check_schema_current(d, &schema, err) < 0)
		return -1;
	{
		g_autoptr(db_stmt) s = db_prepare(d, "SELECT id FROM region WHERE slug = $1", &e);
		if (!s)
			return fail_db(err, e, "looking up the region");
		db_bind_text(s, 1, slug);
		db_status st = db_step(s, &e);
		if (st < 0)
			return fail_db(err, e, "looking up the region");
		if (st != DB_ROW)
			return fail(err, ARCHIVE_ERROR_NO_REGION, "there is no region with the slug %s",
				    slug);
		region_id = db_col_int64(s, 0);
	}
	sum->slug = g_strdup(slug);
	sum->region_id = region_id;
	sum->schema_version = schema;

	tmp = ops_temp_beside(file, "export", err);
	if (!tmp)
		return -1;
	f = g_fopen(tmp, "w");
	if (!f) {
		fail(err, ARCHIVE_ERROR_FAILED, "cannot write %s: %s", tmp, g_strerror(errno));
		goto out;
	}
	/* Row-level security on PostgreSQL shows the region's rows only. */
	db_set_region(d, region_id);
	if (begin_read(d, &e) < 0) {
		fail_db(err, e, "starting to read");
		goto out;
	}
	{
		json_t *head = archive_head(d, slug, schema);
		char *text = json_dumps(head, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		json_decref(head);
		/* The head without its closing brace; the rows follow. */
		size_t n = strlen(text);
		while (n && text[n - 1] != '}')
			n--;
		if (n)
			n--;
		while (n && g_ascii_isspace(text[n - 1]))
			n--;
		fwrite(text, 1, n, f);
		free(text);
	}
	fputs(",\n \"tables\": {\n", f);
	bool first = true;
	for (size_t i = 0; i < N_TABLES; i++) {
		archive_count c = {.table = tables[i].name};
		if (tables[i].since > schema)
			continue;
		if (!first)
			fputs(",\n", f);
		first = false;
		if (export_table(d, &tables[i], region_id, f, &c.rows, err) < 0)
			goto out_rollback;
		g_array_append_val(sum->counts, c);
	}
	fputs("\n }\n}\n", f);
	if (fflush(f) != 0 || ferror(f)) {
		fail(err, ARCHIVE_ERROR_FAILED, "writing %s failed: %s", tmp, g_strerror(errno));
		goto out_rollback;
	}
	end_read(d);
	if (fclose(g_steal_pointer(&f)) != 0) {
		fail(err, ARCHIVE_ERROR_FAILED, "writing %s failed: %s", tmp, g_strerror(errno));
		goto out;
	}
	if (ops_commit_file(tmp, file, &e) < 0) {
		fail(err, ARCHIVE_ERROR_FAILED, "%s", e->message);
		goto out;
	}
	rc = 0;
	goto out;
out_rollback:
	end_read(d);
out:
	db_set_region(d, 0);
	if (f)
		fclose(f);
	if (rc < 0 && tmp)
		g_unlink(tmp);
	return rc;
}

/* ---- import --------------------------------------------------------------- */

/* A reference that points forward (at a table imported later, or its own
 * table): set once every table is in. */
typedef struct deferred_ref {
	size_t table;
	size_t col;
	int64_t row_id;  /* new id of the row to update */
	int64_t old_ref; /* id in the archive it referred to */
} deferred_ref;

typedef struct import_state {
	db *d;
	GHashTable *map[N_TABLES];    /* old id -> new id (gint64 * both, owned) */
	GHashTable *reused[N_TABLES]; /* old ids reused (gint64 *, owned by map's keys) */
	GArray *deferred;             /* of deferred_ref */
	const char *slug;             /* the slug the region gets */
} import_state;

static void import_state_clear(import_state *st)
{
	for (size_t i = 0; i < N_TABLES; i++) {
		g_clear_pointer(&st->map[i], g_hash_table_unref);
		g_clear_pointer(&st->reused[i], g_hash_table_unref);
	}
	g_clear_pointer(&st->deferred, g_array_unref);
}

static void map_put(import_state *st, size_t t, int64_t old_id, int64_t new_id, bool reused)
{
	gint64 *k = g_memdup2(&old_id, sizeof old_id);
	g_hash_table_insert(st->map[t], k, g_memdup2(&new_id, sizeof new_id));
	if (reused)
		g_hash_table_add(st->reused[t], k);
}

static bool map_get(import_state *st, size_t t, int64_t old_id, int64_t *new_id)
{
	gint64 *v = g_hash_table_lookup(st->map[t], &old_id);
	if (v)
		*new_id = *v;
	return v != NULL;
}

static bool base64_valid(const char *s)
{
	size_t n = strlen(s), pad = 0;
	if (n % 4)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '=') {
			if (i < n - 2)
				return false;
			pad++;
		} else if (pad || !(g_ascii_isalnum(c) || c == '+' || c == '/')) {
			return false;
		}
	}
	return true;
}

/* Binds the value v of column c (parameter idx) of row `row` of table ti;
 * check_rows() has made sure it has the column's type. A forward reference
 * is bound NULL and added to *pending. */
static int bind_value(import_state *st, size_t ti, size_t row, size_t ci, db_stmt *s, int idx,
		      json_t *obj, json_t *v, GArray *pending, GError **err)
{
	const table_desc *t = &tables[ti];
	const col_desc *c = &t->cols[ci];

	if (c->kinds && json_is_integer(v)) {
		/* Every table a kind names comes before this one (checked by
		 * test_ops' round trip), so its map is complete here. */
		const char *kind = json_string_value(json_object_get(obj, c->ref_by));
		int64_t mapped;
		for (const kind_ref *k = c->kinds; kind && k->kind; k++) {
			int ri = table_index(k->table);
			if (strcmp(k->kind, kind) || ri < 0 || ri >= (int)ti)
				continue;
			if (map_get(st, (size_t)ri, json_integer_value(v), &mapped)) {
				db_bind_int64(s, idx, mapped);
				return 0;
			}
			break;
		}
		if (c->gone_zero)
			db_bind_int64(s, idx, 0);
		else
			db_bind_null(s, idx);
		return 0;
	}
	if (!v || json_is_null(v)) {
		db_bind_null(s, idx);
		return 0;
	}
	if (c->type == COL_TEXT || c->type == COL_JSON) {
		db_bind_text(s, idx, json_string_value(v));
		return 0;
	}
	if (c->type == COL_BLOB) {
		gsize len;
		g_autofree guchar *bytes = g_base64_decode(json_string_value(v), &len);
		db_bind_blob(s, idx, bytes, len);
		return 0;
	}
	int64_t n = json_integer_value(v), mapped;
	int ri = c->ref ? table_index(c->ref) : -1;
	if (!c->ref) {
		db_bind_int64(s, idx, n);
	} else if (ri == (int)ti && map_get(st, ti, n, &mapped)) {
		/* A row of this table inserted before (import_order). */
		db_bind_int64(s, idx, mapped);
	} else if (ri >= (int)ti) {
		deferred_ref dr = {.table = ti, .col = ci, .old_ref = n};
		g_array_append_val(pending, dr);
		db_bind_null(s, idx);
	} else if (ri >= 0 && map_get(st, (size_t)ri, n, &mapped)) {
		db_bind_int64(s, idx, mapped);
	} else if (c->ref_optional) {
		db_bind_null(s, idx);
	} else {
		return fail(err, ARCHIVE_ERROR_FORMAT,
			    "table %s, row %zu: %s refers to %s %" G_GINT64_FORMAT
			    ", which is not in the archive", t->name, row + 1, c->name, c->ref, n);
	}
	return 0;
}

/*
 * The order in which to insert the rows of table ti: as archived, except
 * that a row referring to another row of the same table (a parent, the
 * member a substitute stands in for) comes after that row. Rows whose
 * references cannot be satisfied this way (a cycle, which the stores do not
 * let arise) come last, in archive order, and get their reference set at
 * the end (import_deferred). Indexes into rows.
 */
static GArray *import_order(size_t ti, json_t *rows)
{
	const table_desc *t = &tables[ti];
	size_t n = json_array_size(rows), ncols = col_count(t);
	GArray *order = g_array_sized_new(FALSE, FALSE, sizeof(size_t), (guint)n);
	g_autoptr(GHashTable) ids = g_hash_table_new(g_int64_hash, g_int64_equal);
	g_autoptr(GHashTable) placed = g_hash_table_new(g_int64_hash, g_int64_equal);
	g_autofree bool *done = g_new0(bool, n + 1);
	g_autofree gint64 *keys = g_new0(gint64, n + 1);
	bool self = false, progress = true;

	for (size_t k = 0; k < ncols; k++)
		if (t->cols[k].ref && !strcmp(t->cols[k].ref, t->name))
			self = true;
	if (!self || !t->id) {
		for (size_t i = 0; i < n; i++)
			g_array_append_val(order, i);
		return order;
	}
	for (size_t i = 0; i < n; i++) {
		keys[i] = json_integer_value(json_object_get(json_array_get(rows, i), t->id));
		g_hash_table_add(ids, &keys[i]);
	}
	while (progress) {
		progress = false;
		for (size_t i = 0; i < n; i++) {
			json_t *row = json_array_get(rows, i);
			bool ready = true;
			if (done[i])
				continue;
			for (size_t k = 0; k < ncols && ready; k++) {
				const col_desc *c = &t->cols[k];
				json_t *v = json_object_get(row, c->name);
				gint64 ref = json_integer_value(v);
				/* Null, or a row that is not in the archive (left to
				 * bind_value), or one placed already. */
				if (c->ref && !strcmp(c->ref, t->name) && json_is_integer(v) &&
				    g_hash_table_contains(ids, &ref) && !g_hash_table_contains(placed, &ref))
					ready = false;
			}
			if (!ready)
				continue;
			g_array_append_val(order, i);
			g_hash_table_add(placed, &keys[i]);
			done[i] = true;
			progress = true;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!done[i])
			g_array_append_val(order, i);
	return order;
}

static int import_table(import_state *st, size_t ti, json_t *rows, archive_count *count,
			GError **err)
{
	const table_desc *t = &tables[ti];
	size_t ncols = col_count(t);
	g_autoptr(GString) sql = g_string_new(NULL);
	g_autoptr(GError) e = NULL;
	g_autoptr(db_stmt) find = NULL;
	g_autoptr(GArray) pending = g_array_new(FALSE, FALSE, sizeof(deferred_ref));
	int owned_col = t->owned_by ? col_index(t, t->owned_by) : -1;
	int owner_table = owned_col >= 0 ? table_index(t->cols[owned_col].ref) : -1;
	size_t i;
	json_t *row;

	g_string_append_printf(sql, "INSERT INTO %s (", SQL_NAME(t));
	for (size_t k = 0; k < ncols; k++)
		g_string_append_printf(sql, "%s%s", k ? ", " : "", t->cols[k].name);
	g_string_append(sql, ") VALUES (");
	for (size_t k = 0; k < ncols; k++)
		g_string_append_printf(sql, "%s$%zu", k ? ", " : "", k + 1);
	g_string_append(sql, ")");
	if (t->id)
		g_string_append_printf(sql, " RETURNING %s", t->id);
	g_autoptr(db_stmt) ins = db_prepare(st->d, sql->str, &e);
	if (!ins)
		return fail_db(err, e, "table %s", t->name);
	if (t->match) {
		g_autofree char *q = g_strdup_printf("SELECT %s FROM %s WHERE %s = $1", t->id, SQL_NAME(t),
						     t->match);
		find = db_prepare(st->d, q, &e);
		if (!find)
			return fail_db(err, e, "table %s", t->name);
	}

	g_autoptr(GArray) order = import_order(ti, rows);
	for (guint o = 0; o < order->len; o++) {
		i = g_array_index(order, size_t, o);
		row = json_array_get(rows, i);
		int64_t old_id = t->id ? json_integer_value(json_object_get(row, t->id)) : 0;
		int64_t new_id = 0;
		if (owner_table >= 0) {
			json_t *v = json_object_get(row, t->owned_by);
			int64_t owner = json_is_integer(v) ? json_integer_value(v) : 0;
			if (g_hash_table_contains(st->reused[owner_table], &owner)) {
				count->skipped++;
				continue;
			}
		}
		json_t *mv = t->match ? json_object_get(row, t->match) : NULL;
		if (json_is_string(mv)) {
			db_reset(find);
			db_bind_text(find, 1, json_string_value(mv));
			db_status rc = db_step(find, &e);
			if (rc < 0)
				return fail_db(err, e, "table %s, row %zu", t->name, i + 1);
			if (rc == DB_ROW) {
				map_put(st, ti, old_id, db_col_int64(find, 0), true);
				count->reused++;
				continue;
			}
		}

		g_array_set_size(pending, 0);
		db_reset(ins);
		for (size_t k = 0; k < ncols; k++) {
			const col_desc *c = &t->cols[k];
			json_t *v = json_object_get(row, c->name);
			/* The region gets the slug chosen for it. */
			if (ti == 0 && strcmp(c->name, "slug") == 0) {
				db_bind_text(ins, (int)k + 1, st->slug);
				continue;
			}
			if (bind_value(st, ti, i, k, ins, (int)k + 1, row, v, pending, err) < 0)
				return -1;
		}
		if (t->id) {
			db_status rc = db_step(ins, &e);
			if (rc != DB_ROW)
				return fail_db(err, e, "table %s, row %zu (%s %" G_GINT64_FORMAT ")",
					       t->name, i + 1, t->id, old_id);
			new_id = db_col_int64(ins, 0);
			db_reset(ins);
			map_put(st, ti, old_id, new_id, false);
		} else if (db_run(ins, &e) < 0) {
			return fail_db(err, e, "table %s, row %zu", t->name, i + 1);
		}
		for (guint k = 0; k < pending->len; k++) {
			deferred_ref *dr = &g_array_index(pending, deferred_ref, k);
			dr->row_id = new_id;
			g_array_append_val(st->deferred, *dr);
		}
		/* From here on the connection works in the new region, inside
		 * this transaction too: on PostgreSQL row-level security admits
		 * the region's rows only once bireg.region_id names it. */
		if (ti == 0)
			db_set_region(st->d, new_id);
		count->rows++;
	}
	return 0;
}

/* Sets the forward references once their tables are in. */
static int import_deferred(import_state *st, GError **err)
{
	g_autoptr(GError) e = NULL;
	for (guint i = 0; i < st->deferred->len; i++) {
		deferred_ref *dr = &g_array_index(st->deferred, deferred_ref, i);
		const table_desc *t = &tables[dr->table];
		const col_desc *c = &t->cols[dr->col];
		int ri = table_index(c->ref);
		int64_t mapped;
		if (!map_get(st, (size_t)ri, dr->old_ref, &mapped)) {
			if (c->ref_optional)
				continue;
			return fail(err, ARCHIVE_ERROR_FORMAT,
				    "table %s: %s refers to %s %" G_GINT64_FORMAT
				    ", which is not in the archive", t->name, c->name, c->ref, dr->old_ref);
		}
		g_autofree char *sql = g_strdup_printf("UPDATE %s SET %s = $1 WHERE %s = $2", SQL_NAME(t),
						       c->name, t->id);
		g_autoptr(db_stmt) s = db_prepare(st->d, sql, &e);
		if (!s)
			return fail_db(err, e, "table %s", t->name);
		db_bind_int64(s, 1, mapped);
		db_bind_int64(s, 2, dr->row_id);
		if (db_run(s, &e) < 0)
			return fail_db(err, e, "table %s, setting %s", t->name, c->name);
	}
	return 0;
}

/* The value v fits column c. */
static bool value_fits(const col_desc *c, json_t *v)
{
	if (json_is_null(v))
		return true;
	switch (c->type) {
	case COL_INT:
		return json_is_integer(v);
	case COL_TEXT:
		return json_is_string(v);
	case COL_JSON: {
		if (!json_is_string(v))
			return false;
		json_t *parsed = json_loads(json_string_value(v), JSON_DECODE_ANY, NULL);
		json_decref(parsed);
		return parsed != NULL;
	}
	case COL_BLOB:
		return json_is_string(v) && base64_valid(json_string_value(v));
	}
	return false;
}

static const char *const type_wanted[] = {
	"a whole number or null", "text or null", "text holding JSON, or null", "base64 or null",
};

/* Checks every row of every table before anything is written: objects with
 * each column, values of the column's type, ids unique. What only the
 * database can judge (references, constraints) is found during the import
 * and rolls it back. */
static int check_rows(json_t *tabs, GError **err)
{
	for (size_t ti = 0; ti < N_TABLES; ti++) {
		const table_desc *t = &tables[ti];
		json_t *rows = json_object_get(tabs, t->name), *row;
		g_autoptr(GHashTable) seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
								   NULL);
		size_t i;
		json_array_foreach(rows, i, row) {
			if (!json_is_object(row))
				return fail(err, ARCHIVE_ERROR_FORMAT, "table %s, row %zu is not an object",
					    t->name, i + 1);
			if (t->id) {
				json_t *v = json_object_get(row, t->id);
				if (!json_is_integer(v))
					return fail(err, ARCHIVE_ERROR_FORMAT,
						    "table %s, row %zu: %s must be a whole number", t->name,
						    i + 1, t->id);
				gint64 id = json_integer_value(v);
				if (g_hash_table_contains(seen, &id))
					return fail(err, ARCHIVE_ERROR_FORMAT,
						    "table %s, row %zu: %s %" G_GINT64_FORMAT
						    " appears twice", t->name, i + 1, t->id, id);
				g_hash_table_add(seen, g_memdup2(&id, sizeof id));
			}
			for (size_t k = 0; k < col_count(t); k++) {
				const col_desc *c = &t->cols[k];
				json_t *v = json_object_get(row, c->name);
				if (!v && c->since)
					continue; /* an archive from before the column */
				if (!v)
					return fail(err, ARCHIVE_ERROR_FORMAT,
						    "table %s, row %zu has no column %s", t->name, i + 1,
						    c->name);
				if (!value_fits(c, v))
					return fail(err, ARCHIVE_ERROR_FORMAT,
						    "table %s, row %zu: %s must be %s", t->name, i + 1,
						    c->name, type_wanted[c->type]);
			}
		}
	}
	return 0;
}

/* Checks the archive's head and shape before anything is written; returns
 * its schema version. */
static int check_archive(json_t *a, db *d, int *schema, GError **err)
{
	g_autoptr(GError) e = NULL;
	json_t *fmt = json_object_get(a, "format");
	json_t *fv = json_object_get(a, "format_version");
	json_t *sv = json_object_get(a, "schema_version");
	json_t *tabs = json_object_get(a, "tables");

	if (!json_is_object(a) || !json_is_string(fmt) ||
	    strcmp(json_string_value(fmt), ARCHIVE_FORMAT_NAME) != 0)
		return fail(err, ARCHIVE_ERROR_FORMAT,
			    "this is not a bireg region archive (no \"format\": \"%s\")",
			    ARCHIVE_FORMAT_NAME);
	if (!json_is_integer(fv) || json_integer_value(fv) < 1)
		return fail(err, ARCHIVE_ERROR_FORMAT, "the archive has no valid format_version");
	if (json_integer_value(fv) > ARCHIVE_FORMAT_VERSION)
		return fail(err, ARCHIVE_ERROR_VERSION,
			    "the archive has format version %" JSON_INTEGER_FORMAT
			    "; this bireg reads up to version %d: import it with a newer bireg",
			    json_integer_value(fv), ARCHIVE_FORMAT_VERSION);
	if (!json_is_integer(sv) || json_integer_value(sv) < 1)
		return fail(err, ARCHIVE_ERROR_FORMAT, "the archive has no valid schema_version");
	int target = db_schema_version(d, &e);
	if (target < 0)
		return fail_db(err, e, "reading the schema version");
	if (json_integer_value(sv) > target || json_integer_value(sv) > ops_known_schema_version())
		return fail(err, ARCHIVE_ERROR_VERSION,
			    "the archive has schema version %" JSON_INTEGER_FORMAT
			    ", newer than this database (%d) or this bireg (%d): upgrade bireg and "
			    "run bireg init first", json_integer_value(sv), target,
			    ops_known_schema_version());
	*schema = (int)json_integer_value(sv);
	if (!json_is_object(tabs))
		return fail(err, ARCHIVE_ERROR_FORMAT, "the archive has no \"tables\"");
	const char *name;
	json_t *rows;
	json_object_foreach(tabs, name, rows) {
		int ti = table_index(name);
		if (ti < 0 || tables[ti].since > *schema)
			return fail(err, ARCHIVE_ERROR_FORMAT,
				    "the archive holds a table %s, which this bireg does not import",
				    name);
		if (!json_is_array(rows))
			return fail(err, ARCHIVE_ERROR_FORMAT, "table %s in the archive is not a list",
				    name);
	}
	for (size_t i = 0; i < N_TABLES; i++)
		if (tables[i].since <= *schema && !json_object_get(tabs, tables[i].name))
			return fail(err, ARCHIVE_ERROR_FORMAT,
				    "the archive lacks the table %s (damaged or cut short?)",
				    tables[i].name);
	if (json_array_size(json_object_get(tabs, "region")) != 1)
		return fail(err, ARCHIVE_ERROR_FORMAT,
			    "the archive must hold exactly one region, it holds %zu",
			    json_array_size(json_object_get(tabs, "region")));
	return 0;
}

int region_archive_import(db *d, const char *file, const char *new_slug, archive_summary *sum,
			  GError **err)
{
	g_autoptr(GError) e = NULL;
	json_error_t je;
	import_state st = {.d = d};
	int schema = 0, rc = -1;

	summary_init(sum);
	if (!g_file_test(file, G_FILE_TEST_IS_REGULAR))
		return fail(err, ARCHIVE_ERROR_FAILED, "there is no file %s", file);
	json_t *a = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
	if (!a)
		return fail(err, ARCHIVE_ERROR_FORMAT,
			    "%s is not a readable archive (damaged or cut short?): %s, line %d, "
			    "column %d", file, je.text, je.line, je.column);
	if (check_archive(a, d, &schema, err) < 0)
		goto out;
	json_t *tabs = json_object_get(a, "tables");
	if (check_rows(tabs, err) < 0)
		goto out;
	json_t *region = json_array_get(json_object_get(tabs, "region"), 0);
	json_t *old_slug = json_object_get(region, "slug");
	if (!new_slug && !json_is_string(old_slug)) {
		fail(err, ARCHIVE_ERROR_FORMAT, "the region in the archive has no slug");
		goto out;
	}
	st.slug = new_slug ? new_slug : json_string_value(old_slug);
	if (!slug_valid(st.slug)) {
		fail(err, ARCHIVE_ERROR_USAGE,
		     "\"%s\" is not a valid slug (a-z, 0-9 and inner hyphens, at most 63)", st.slug);
		goto out;
	}
	for (size_t i = 0; i < N_TABLES; i++) {
		st.map[i] = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
		st.reused[i] = g_hash_table_new(g_int64_hash, g_int64_equal);
	}
	st.deferred = g_array_new(FALSE, FALSE, sizeof(deferred_ref));
	sum->schema_version = schema;

	db_set_region(d, 0);
	if (db_begin(d, &e) < 0) {
		fail_db(err, e, "starting the import");
		goto out;
	}
	{
		g_autoptr(db_stmt) s = db_prepare(d, "SELECT 1 FROM region WHERE slug = $1", &e);
		db_status r = DB_ERROR;
		if (s) {
			db_bind_text(s, 1, st.slug);
			r = db_step(s, &e);
		}
		if (r < 0) {
			fail_db(err, e, "looking up the slug");
			goto out_rollback;
		}
		if (r == DB_ROW) {
			fail(err, ARCHIVE_ERROR_EXISTS,
			     "a region with the slug %s exists in this installation; import under "
			     "another slug with --slug NEW", st.slug);
			goto out_rollback;
		}
	}
	for (size_t i = 0; i < N_TABLES; i++) {
		archive_count c = {.table = tables[i].name};
		json_t *rows = json_object_get(tabs, tables[i].name);
		if (!rows)
			continue; /* a table newer than the archive */
		if (import_table(&st, i, rows, &c, err) < 0)
			goto out_rollback;
		g_array_append_val(sum->counts, c);
	}
	if (import_deferred(&st, err) < 0)
		goto out_rollback;
	/* The search index is not archived but rebuilt from the rows, in the
	 * same transaction. */
	{
		bireg_ctx ctx = {.db = d, .region_id = db_get_region(d)};
		if (search_reindex_accounts(&ctx, &e) < 0 || register_reindex(&ctx, &e) < 0) {
			fail(err, ARCHIVE_ERROR_FAILED, "rebuilding the search index: %s", e->message);
			goto out_rollback;
		}
		sum->reindexed = true;
	}
	if (db_commit(d, &e) < 0) {
		fail_db(err, e, "committing the import");
		goto out;
	}
	map_get(&st, 0, json_integer_value(json_object_get(region, "id")), &sum->region_id);
	sum->slug = g_strdup(st.slug);
	rc = 0;
	goto out;
out_rollback:
	db_rollback(d);
out:
	db_set_region(d, 0);
	import_state_clear(&st);
	json_decref(a);
	return rc;
}
