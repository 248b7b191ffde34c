/*
 * institution_store.c — SQL for institutions and their kinds
 * (institution_store.h).
 *
 * Each write checks every rule first (reading only) and then writes the
 * row, its areas, its tags and its search entry in one transaction, so a
 * refused input leaves nothing behind. The people and bodies of an
 * institution are read here straight from person_affiliation and
 * membership, whose writes belong to the person and membership stores.
 */
#include "modules/register/institution_store.h"

#include <string.h>

#include "core/text.h"
#include "core/util.h"
#include "db/db.h"
#include "modules/register/area_store.h"
#include "modules/register/person_store.h"
#include "modules/register/changelog.h"
#include "modules/register/register.h"
#include "search/search.h"
#include "view/i18n.h"

/* ---- tables ------------------------------------------------------------ */

/* The built-in kinds, exactly as migration 0009 inserts them; msgid is the
 * English name shown in the English UI while the kind is not renamed. */
static const struct builtin_type {
	const char *key;
	const char *name;
	const char *msgid;
	bool is_school;
	int position;
} builtin_types[] = {
	{"school", "Schule", N_("School"), true, 1},
	{"kita", "Kindertageseinrichtung", N_("Day-care centre for children"), false, 2},
	{"youth_welfare", "Jugendhilfe", N_("Youth welfare"), false, 3},
	{"provider", "Träger", N_("Provider organisation"), false, 4},
	{"association", "Verein / Verband", N_("Association or federation"), false, 5},
	{"chamber", "Kammer", N_("Chamber"), false, 6},
	{"company", "Unternehmen", N_("Company"), false, 7},
	{"authority", "Behörde (z. B. Schulamt, Jugendamt)",
	 N_("Authority (for example school or youth welfare office)"), false, 8},
	{"university", "Hochschule", N_("University"), false, 9},
	{"foundation", "Stiftung", N_("Foundation"), false, 10},
	{"other", "Sonstige", N_("Other kind of institution"), false, 11},
};

/* The Schulform codes of the NRW school directory (Schulverzeichnis; the
 * codes in use in its 2022 export) with their German names. German data,
 * not UI text: the directory, the office and its letters use these names. */
static const school_form_entry school_forms[] = {
	{"02", "Grundschule"},
	{"04", "Hauptschule"},
	{"06", "Volksschule"},
	{"08", "Förderschule"},
	{"0A", "Schulaufsicht (Ministerium, Bezirksregierung, Schulamt)"},
	{"10", "Realschule"},
	{"13", "PRIMUS-Schule"},
	{"14", "Sekundarschule"},
	{"15", "Gesamtschule"},
	{"16", "Gemeinschaftsschule"},
	{"17", "Freie Waldorfschule"},
	{"18", "Hiberniaschule"},
	{"19", "Waldorf-Förderschule"},
	{"20", "Gymnasium"},
	{"25", "Weiterbildungskolleg"},
	{"30", "Berufskolleg"},
	{"81", "Förderschule (schulischer Lernort)"},
	{"83", "Schule für Kranke"},
	{"85", "Förderschule im Bildungsbereich der Realschule"},
	{"87", "Förderschule im Bildungsbereich des Gymnasiums"},
	{"88", "Förderschule im Bildungsbereich des Berufskollegs"},
};

const school_form_entry *school_form_table(size_t *n)
{
	*n = G_N_ELEMENTS(school_forms);
	return school_forms;
}

const char *school_form_label(const char *code)
{
	for (size_t i = 0; code && i < G_N_ELEMENTS(school_forms); i++)
		if (!strcmp(school_forms[i].code, code))
			return school_forms[i].label;
	return NULL;
}

const char *school_legal_form_label(const char *code)
{
	if (!g_strcmp0(code, "1"))
		return "öffentlich";
	if (!g_strcmp0(code, "2"))
		return "privat";
	return NULL;
}

bool school_form_code_ok(const char *code)
{
	size_t n = code ? strlen(code) : 0;

	if (n < 1 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(code[i]))
			return false;
	return true;
}

char *school_form_label_for(const bireg_ctx *ctx, const char *code, GError **err)
{
	g_autoptr(db_stmt) st = NULL;
	const char *builtin = school_form_label(code);
	int r;

	if (!code || !*code)
		return NULL;
	st = db_prepare(ctx->db, "SELECT label FROM school_form_label WHERE region_id = $1 AND code = $2",
			err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, code);
	r = db_step(st, err);
	if (r < 0)
		return NULL;
	if (r == DB_ROW)
		return g_strdup(db_col_text(st, 0));
	return g_strdup(builtin);
}

/* Sorts codes as the ministry numbers them: "02" < "0A" < "10" (plain
 * byte order, the same on both backends). */
static int form_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(register_jstr(*(json_t *const *)a, "code"),
		      register_jstr(*(json_t *const *)b, "code"));
}

json_t *school_form_list(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(GHashTable) by_code = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
	size_t n;
	const school_form_entry *t = school_form_table(&n);
	json_t *out;
	int r;

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:I}", "code", t[i].code, "label",
				      t[i].label, "builtin_label", t[i].label, "region_label", "",
				      "builtin", 1, "institutions", (json_int_t)0);
		g_hash_table_insert(by_code, g_strdup(t[i].code), o);
		g_ptr_array_add(rows, o);
	}
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"SELECT code, label FROM school_form_label WHERE region_id = $1", err);
		if (!st)
			return NULL;
		db_bind_int64(st, 1, ctx->region_id);
		while ((r = db_step(st, err)) == DB_ROW) {
			const char *code = db_col_text(st, 0);
			json_t *o = g_hash_table_lookup(by_code, code);
			if (!o) {
				o = json_pack("{s:s,s:s,s:s,s:b,s:I}", "code", code, "builtin_label", "",
					      "region_label", "", "builtin", 0, "institutions",
					      (json_int_t)0);
				g_hash_table_insert(by_code, g_strdup(code), o);
				g_ptr_array_add(rows, o);
			}
			json_object_set_new(o, "region_label", json_string(db_col_text(st, 1)));
			json_object_set_new(o, "label", json_string(db_col_text(st, 1)));
		}
		if (r < 0)
			return NULL;
	}
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"SELECT school_form, count(*) FROM institution WHERE region_id = $1 "
			"AND school_form <> '' GROUP BY school_form", err);
		if (!st)
			return NULL;
		db_bind_int64(st, 1, ctx->region_id);
		while ((r = db_step(st, err)) == DB_ROW) {
			const char *code = db_col_text(st, 0);
			json_t *o = g_hash_table_lookup(by_code, code);
			if (!o) {
				/* A code bireg does not know: shown as the code. */
				o = json_pack("{s:s,s:s,s:s,s:s,s:b}", "code", code, "label", code,
					      "builtin_label", "", "region_label", "", "builtin", 0);
				g_hash_table_insert(by_code, g_strdup(code), o);
				g_ptr_array_add(rows, o);
			}
			json_object_set_new(o, "institutions", json_integer(db_col_int64(st, 1)));
		}
		if (r < 0)
			return NULL;
	}
	g_ptr_array_sort(rows, form_cmp);
	out = json_array();
	for (guint i = 0; i < rows->len; i++)
		json_array_append(out, g_ptr_array_index(rows, i));
	return out;
}

int school_form_set_label(const bireg_ctx *ctx, const char *code, const char *label,
			  GError **err)
{
	g_autofree char *clean = g_strstrip(g_strdup(register_nz(label)));
	g_autoptr(db_stmt) st = NULL;
	char now[21];

	if (!school_form_code_ok(code))
		return register_invalid(err, "code", N_("A school form code has one to ten letters or digits."));
	if (!register_text_ok(clean, 0, 200))
		return register_invalid(err, "label", N_("This entry is too long."));
	if (!*clean) {
		st = db_prepare(ctx->db, "DELETE FROM school_form_label WHERE region_id = $1 AND code = $2",
				err);
		if (!st)
			return -1;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_text(st, 2, code);
		return db_run(st, err) == DB_OK ? 0 : -1;
	}
	util_now_iso(now);
	st = db_prepare(ctx->db,
		"INSERT INTO school_form_label (region_id, code, label, updated_at) VALUES ($1, $2, $3, $4) "
		"ON CONFLICT (region_id, code) DO UPDATE SET label = excluded.label, "
		"updated_at = excluded.updated_at", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, code);
	db_bind_text(st, 3, clean);
	db_bind_text(st, 4, now);
	return db_run(st, err) == DB_OK ? 0 : -1;
}

const char *institution_type_msgid(const char *key, const char *name)
{
	for (size_t i = 0; key && *key && i < G_N_ELEMENTS(builtin_types); i++)
		if (!strcmp(builtin_types[i].key, key))
			return !g_strcmp0(builtin_types[i].name, name) ? builtin_types[i].msgid : NULL;
	return NULL;
}

/* ---- small helpers ----------------------------------------------------- */

/* ", $5, $6, …": n placeholders numbered from first. */
static void placeholders(GString *sql, int first, size_t n)
{
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(sql, "%s$%d", i ? ", " : "", first + (int)i);
}

/* ---- kinds ------------------------------------------------------------- */

int institution_type_seed(const bireg_ctx *ctx, GError **err)
{
	bool own;
	int rc = -1;
	int64_t have;

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	have = register_count(ctx, "SELECT count(*) FROM institution_type WHERE region_id = $1 AND id > $2",
		       0, err);
	if (have < 0)
		goto out;
	rc = 0;
	if (have > 0)
		goto out;
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"INSERT INTO institution_type (region_id, key, name, is_school, position) "
			"VALUES ($1, $2, $3, $4, $5)", err);
		if (!st) {
			rc = -1;
			goto out;
		}
		for (size_t i = 0; i < G_N_ELEMENTS(builtin_types); i++) {
			db_reset(st);
			db_bind_int64(st, 1, ctx->region_id);
			db_bind_text(st, 2, builtin_types[i].key);
			db_bind_text(st, 3, builtin_types[i].name);
			db_bind_int64(st, 4, builtin_types[i].is_school ? 1 : 0);
			db_bind_int64(st, 5, builtin_types[i].position);
			if (db_run(st, err) != DB_OK) {
				rc = -1;
				goto out;
			}
			rc++;
		}
	}
out:
	return db_join_end(ctx->db, own, rc, err);
}

#define TYPE_COLS                                                                         \
	"t.id, t.key, t.name, t.is_school, t.position, "                                  \
	"(SELECT count(*) FROM institution i WHERE i.region_id = t.region_id AND i.type_id = t.id)"

static json_t *type_row(db_stmt *st, void *data)
{
	(void)data;
	return json_pack("{s:I,s:s,s:s,s:b,s:I,s:b,s:I}", "id", (json_int_t)db_col_int64(st, 0),
			 "key", db_col_text(st, 1), "name", db_col_text(st, 2), "is_school",
			 db_col_int64(st, 3) != 0, "position", (json_int_t)db_col_int64(st, 4),
			 "builtin", *db_col_text(st, 1) != '\0', "institutions",
			 (json_int_t)db_col_int64(st, 5));
}

json_t *institution_type_list(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT " TYPE_COLS " FROM institution_type t WHERE t.region_id = $1 "
		"ORDER BY t.position, t.id", err);

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	return register_collect(st, type_row, NULL, err);
}

json_t *institution_type_get(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = register_get_row(ctx,
		"SELECT " TYPE_COLS " FROM institution_type t WHERE t.region_id = $1 AND t.id = $2",
		id, "no such kind of institution", err);

	return st ? type_row(st, NULL) : NULL;
}

int64_t institution_type_id_by_key(const bireg_ctx *ctx, const char *key, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id FROM institution_type WHERE region_id = $1 AND key = $2", err);
	int r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, register_nz(key));
	r = db_step(st, err);
	if (r < 0)
		return -1;
	return r == DB_ROW ? db_col_int64(st, 0) : 0;
}

/* Refuses a name that is empty, too long or taken by another kind. */
static int check_type_name(const bireg_ctx *ctx, const char *name, int64_t self, GError **err)
{
	g_autoptr(db_stmt) st = NULL;
	int r;

	if (!register_text_ok(name, 1, 80))
		return register_invalid(err, "name", N_("Please enter a name of at most 80 characters."));
	st = db_prepare(ctx->db,
		"SELECT id FROM institution_type WHERE region_id = $1 AND name = $2 AND id <> $3", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, name);
	db_bind_int64(st, 3, self);
	r = db_step(st, err);
	if (r < 0)
		return -1;
	if (r == DB_ROW)
		return register_invalid(err, "name", N_("A kind of institution of this name already exists."));
	return 0;
}

int64_t institution_type_add(const bireg_ctx *ctx, const char *name, bool is_school,
			     GError **err)
{
	bool own;
	int64_t id = -1;

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (check_type_name(ctx, name, 0, err) == 0) {
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"INSERT INTO institution_type (region_id, key, name, is_school, position) "
			"SELECT $1, '', $2, $3, coalesce(max(position), 0) + 1 FROM institution_type "
			"WHERE region_id = $1 RETURNING id", err);
		if (st) {
			db_bind_int64(st, 1, ctx->region_id);
			db_bind_text(st, 2, name);
			db_bind_int64(st, 3, is_school ? 1 : 0);
			if (db_step(st, err) == DB_ROW)
				id = db_col_int64(st, 0);
		}
	}
	if (id > 0 && changelog_track(ctx, "institution_type", id, "create", NULL, NULL, err) < 0)
		id = -1;
	if (db_join_end(ctx->db, own, id < 0 ? -1 : 0, err) < 0)
		return -1;
	return id;
}

/* The ids of the institutions of a kind. */
static GArray *ids_of_type(const bireg_ctx *ctx, int64_t type_id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id FROM institution WHERE region_id = $1 AND type_id = $2 ORDER BY id", err);
	GArray *ids;
	int r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, type_id);
	ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		g_array_append_val(ids, id);
	}
	if (r < 0) {
		g_array_free(ids, TRUE);
		return NULL;
	}
	return ids;
}

int institution_type_rename(const bireg_ctx *ctx, int64_t id, const char *name, GError **err)
{
	bool own;
	int rc = -1;
	json_t *t, *before = NULL;

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	t = institution_type_get(ctx, id, err);
	if (!t)
		goto out;
	json_decref(t);
	if (changelog_snapshot(ctx, "institution_type", id, &before, err) < 0)
		goto out;
	if (check_type_name(ctx, name, id, err) < 0)
		goto out;
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"UPDATE institution_type SET name = $3 WHERE region_id = $1 AND id = $2", err);
		if (!st)
			goto out;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, id);
		db_bind_text(st, 3, name);
		if (db_run(st, err) != DB_OK)
			goto out;
	}
	{
		/* The kind's name is in the search text of its institutions. */
		GArray *ids = ids_of_type(ctx, id, err);
		if (!ids)
			goto out;
		rc = 0;
		for (guint i = 0; i < ids->len && rc == 0; i++)
			rc = institution_store_index(ctx, g_array_index(ids, int64_t, i), err);
		g_array_free(ids, TRUE);
	}
	if (rc == 0 && changelog_track(ctx, "institution_type", id, "update", before, NULL, err) < 0)
		rc = -1;
out:
	json_decref(before);
	return db_join_end(ctx->db, own, rc, err);
}

int institution_type_delete(const bireg_ctx *ctx, int64_t id, GError **err)
{
	bool own;
	int rc = -1;
	json_t *t, *before = NULL;

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	t = institution_type_get(ctx, id, err);
	if (!t)
		goto out;
	if (json_integer_value(json_object_get(t, "institutions")) > 0) {
		json_decref(t);
		register_fail(err, REGISTER_ERROR_IN_USE, N_("This kind cannot be deleted while institutions have it. Give them another kind first."));
		goto out;
	}
	json_decref(t);
	if (changelog_snapshot(ctx, "institution_type", id, &before, err) < 0)
		goto out;
	rc = register_run(ctx, "DELETE FROM institution_type WHERE region_id = $1 AND id = $2", id,
			  err);
	if (rc == 0 && changelog_track(ctx, "institution_type", id, "delete", before, NULL, err) < 0)
		rc = -1;
out:
	json_decref(before);
	return db_join_end(ctx->db, own, rc, err);
}

/* ---- tags ---------------------------------------------------------------- */

/* Adds tag to out unless its folded form is there already. */
static void tag_add(GPtrArray *out, GHashTable *seen, const char *tag)
{
	g_autofree char *clean = text_collapse_ws(tag);
	char *key;

	if (!clean || !*clean)
		return;
	key = text_search_fold(clean);
	if (!key)
		key = g_strdup(clean);
	if (g_hash_table_contains(seen, key)) {
		g_free(key);
		return;
	}
	g_hash_table_add(seen, key);
	g_ptr_array_add(out, g_steal_pointer(&clean));
}

char **institution_tags_parse(const char *text)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *out = g_ptr_array_new();
	g_auto(GStrv) parts = g_strsplit_set(text ? text : "", ",;\n", -1);

	for (size_t i = 0; parts[i]; i++)
		tag_add(out, seen, parts[i]);
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* ---- institutions: checks ------------------------------------------------ */

#define MAX_TAGS 30

/* What check_institution() would read from the database, loaded once for
 * many inputs (institution_store_write_many): the same checks, answered
 * from memory. */
typedef struct check_cache {
	GHashTable *types;     /* kind id (gint64*) -> type_info* */
	GHashTable *numbers;   /* school number -> institution id (gint64*; < 0: an input) */
	GHashTable *number_of; /* institution id (gint64*) -> its school number */
	GHashTable *areas;     /* area id (gint64*) -> GINT_TO_POINTER(1 + hierarchy index) */
	GHashTable *area_names; /* area id (gint64*) -> its name (the change log's "areas") */
	GHashTable *postcodes; /* area_postcode_map() */
} check_cache;

typedef struct type_info {
	bool is_school;
	char *name;
} type_info;

typedef struct checked {
	bool is_school;
	int64_t area[2]; /* admin, social; 0 none */
	GPtrArray *tags; /* char*, owned */
	const check_cache *cache; /* NULL: read the database */
} checked;

static void checked_clear(checked *c)
{
	if (c->tags)
		g_ptr_array_free(c->tags, TRUE);
	c->tags = NULL;
}

static const char *const hierarchies[2] = {AREA_HIERARCHY_ADMIN, AREA_HIERARCHY_SOCIAL};

static int check_areas(const bireg_ctx *ctx, const institution_input *in, checked *c,
		       GError **err)
{
	for (size_t i = 0; in->area_ids && i < in->n_areas; i++) {
		int64_t id = in->area_ids[i];
		g_autoptr(db_stmt) st = NULL;
		int r, h;

		if (id <= 0)
			continue;
		if (c->cache) {
			gpointer hv = g_hash_table_lookup(c->cache->areas, &id);
			if (!hv)
				return register_invalid(err, "area_admin", N_("The chosen area does not exist."));
			h = GPOINTER_TO_INT(hv) - 1;
			if (c->area[h] && c->area[h] != id)
				return register_invalid(err, h ? "area_social" : "area_admin",
							N_("An institution lies in at most one area of each hierarchy."));
			c->area[h] = id;
			continue;
		}
		st = db_prepare(ctx->db, "SELECT hierarchy FROM area WHERE region_id = $1 AND id = $2",
				err);
		if (!st)
			return -1;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, id);
		r = db_step(st, err);
		if (r < 0)
			return -1;
		if (r != DB_ROW)
			return register_invalid(err, "area_admin", N_("The chosen area does not exist."));
		h = !strcmp(db_col_text(st, 0), AREA_HIERARCHY_ADMIN) ? 0 : 1;
		if (c->area[h] && c->area[h] != id)
			return register_invalid(err, h ? "area_social" : "area_admin",
						N_("An institution lies in at most one area of each hierarchy."));
		c->area[h] = id;
	}
	/* A hierarchy left open gets its area from the post-code table. */
	for (int h = 0; h < 2; h++) {
		int64_t a;
		if (c->area[h])
			continue;
		a = c->cache ? area_postcode_map_get(c->cache->postcodes, register_nz(in->postcode),
						     hierarchies[h])
			     : area_for_postcode(ctx, register_nz(in->postcode), hierarchies[h], err);
		if (a < 0)
			return -1;
		c->area[h] = a;
	}
	return 0;
}

static int check_tags(const institution_input *in, checked *c, GError **err)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	c->tags = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; in->tags && in->tags[i]; i++) {
		if (!g_utf8_validate(in->tags[i], -1, NULL))
			return register_invalid(err, "tags", N_("A tag may have at most 60 characters."));
		tag_add(c->tags, seen, in->tags[i]);
	}
	for (guint i = 0; i < c->tags->len; i++)
		if (!register_text_ok(g_ptr_array_index(c->tags, i), 1, 60))
			return register_invalid(err, "tags", N_("A tag may have at most 60 characters."));
	if (c->tags->len > MAX_TAGS)
		return register_invalid(err, "tags", N_("An institution may have at most 30 tags."));
	return 0;
}

static int check_institution(const bireg_ctx *ctx, const institution_input *in, int64_t self,
			     checked *c, GError **err)
{
	static const struct {
		const char *field;
		size_t offset;
		long max;
	} lengths[] = {
		{"name_extra", G_STRUCT_OFFSET(institution_input, name_extra), 200},
		{"short_name", G_STRUCT_OFFSET(institution_input, short_name), 100},
		{"street", G_STRUCT_OFFSET(institution_input, street), 200},
		{"city", G_STRUCT_OFFSET(institution_input, city), 100},
		{"phone", G_STRUCT_OFFSET(institution_input, phone), 50},
		{"email", G_STRUCT_OFFSET(institution_input, email), 254},
		{"website", G_STRUCT_OFFSET(institution_input, website), 300},
		{"notes", G_STRUCT_OFFSET(institution_input, notes), 5000},
	};
	const char *school[] = {in->school_number, in->school_form, in->legal_form,
				in->carrier_number};
	const char *school_fields[] = {"school_number", "school_form", "legal_form",
				       "carrier_number"};

	/* The kind first: it decides about the school fields. */
	if (c->cache) {
		const type_info *t = g_hash_table_lookup(c->cache->types, &in->type_id);
		if (!t)
			return register_invalid(err, "type_id", N_("Please choose the kind of institution."));
		c->is_school = t->is_school;
	} else {
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"SELECT is_school FROM institution_type WHERE region_id = $1 AND id = $2", err);
		int r;
		if (!st)
			return -1;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, in->type_id);
		r = db_step(st, err);
		if (r < 0)
			return -1;
		if (r != DB_ROW)
			return register_invalid(err, "type_id", N_("Please choose the kind of institution."));
		c->is_school = db_col_int64(st, 0) != 0;
	}
	if (!register_text_ok(in->name, 1, 200))
		return register_invalid(err, "name", N_("Please enter the name of the institution (at most 200 characters)."));
	for (size_t i = 0; i < G_N_ELEMENTS(lengths); i++) {
		const char *v = G_STRUCT_MEMBER(const char *, in, lengths[i].offset);
		if (!register_text_ok(v, 0, lengths[i].max))
			return register_invalid(err, lengths[i].field, N_("This entry is too long."));
	}
	if (in->postcode && *in->postcode && !register_digits(in->postcode, 5, 5))
		return register_invalid(err, "postcode", N_("Please enter a postcode of five digits, for example 47051."));
	if (!c->is_school) {
		for (size_t i = 0; i < G_N_ELEMENTS(school); i++)
			if (school[i] && *school[i])
				return register_invalid(err, school_fields[i], N_("School details can only be given for a kind of institution with school fields, such as Schule. Please empty this field or choose such a kind."));
	}
	if (in->school_number && *in->school_number) {
		int64_t other;
		if (!register_digits(in->school_number, 6, 6))
			return register_invalid(err, "school_number", N_("The school number has six digits, for example 112233."));
		if (c->cache) {
			const gint64 *o = g_hash_table_lookup(c->cache->numbers, in->school_number);
			other = o ? *o : 0;
		} else {
			other = institution_store_by_school_number(ctx, in->school_number, err);
		}
		if (other < 0 && !c->cache)
			return -1;
		if (other && other != self)
			return register_invalid(err, "school_number", N_("Another institution of the region already has this school number."));
	}
	if (in->school_form && *in->school_form && !school_form_label(in->school_form)) {
		/* A code of the region's label table, or any well-formed code
		 * from the directory import (the ministry adds codes). */
		g_autofree char *label = NULL;
		if (!school_form_code_ok(in->school_form))
			return register_invalid(err, "school_form", N_("Please choose a school form from the list."));
		if (!in->school_form_any) {
			label = school_form_label_for(ctx, in->school_form, err);
			if (!label && err && *err)
				return -1;
			/* The code the school already has (from the import) stays valid. */
			if (!label && self > 0) {
				g_autoptr(db_stmt) cur = db_prepare(ctx->db,
					"SELECT 1 FROM institution WHERE region_id = $1 AND id = $2 "
					"AND school_form = $3", err);
				int r;
				if (!cur)
					return -1;
				db_bind_int64(cur, 1, ctx->region_id);
				db_bind_int64(cur, 2, self);
				db_bind_text(cur, 3, in->school_form);
				r = db_step(cur, err);
				if (r < 0)
					return -1;
				if (r == DB_ROW)
					label = g_strdup(in->school_form);
			}
			if (!label)
				return register_invalid(err, "school_form", N_("Please choose a school form from the list."));
		}
	}
	if (in->legal_form && *in->legal_form && !school_legal_form_label(in->legal_form))
		return register_invalid(err, "legal_form", N_("Please choose public or private."));
	if (in->carrier_number && *in->carrier_number && !register_digits(in->carrier_number, 1, 10))
		return register_invalid(err, "carrier_number", N_("The provider number consists of at most ten digits."));
	if (check_tags(in, c, err) < 0)
		return -1;
	return check_areas(ctx, in, c, err);
}

int institution_input_check(const bireg_ctx *ctx, const institution_input *in, int64_t self,
			    GError **err)
{
	checked c = {0};
	int rc = check_institution(ctx, in, self, &c, err);

	checked_clear(&c);
	return rc;
}

/* ---- institutions: writes ------------------------------------------------ */

static int write_links(const bireg_ctx *ctx, int64_t id, const checked *c, GError **err)
{
	static const char *const clear[] = {
		"DELETE FROM institution_area WHERE region_id = $1 AND institution_id = $2",
		"DELETE FROM institution_tag WHERE region_id = $1 AND institution_id = $2",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(clear); i++)
		if (register_run(ctx, clear[i], id, err) < 0)
			return -1;
	for (int h = 0; h < 2; h++) {
		g_autoptr(db_stmt) st = NULL;
		if (!c->area[h])
			continue;
		st = db_prepare(ctx->db,
			"INSERT INTO institution_area (region_id, institution_id, area_id) "
			"VALUES ($1, $2, $3)", err);
		if (!st)
			return -1;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, id);
		db_bind_int64(st, 3, c->area[h]);
		if (db_run(st, err) != DB_OK)
			return -1;
	}
	for (guint i = 0; i < c->tags->len; i++) {
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"INSERT INTO institution_tag (region_id, institution_id, tag) VALUES ($1, $2, $3)",
			err);
		if (!st)
			return -1;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, id);
		db_bind_text(st, 3, g_ptr_array_index(c->tags, i));
		if (db_run(st, err) != DB_OK)
			return -1;
	}
	return institution_store_index(ctx, id, err);
}

/* Binds the columns of in as $2..$17 (type_id … sort_name). */
static void bind_columns(db_stmt *st, const institution_input *in, const char *sort_name)
{
	const char *texts[] = {in->name, in->name_extra, in->short_name, in->street,
			       in->postcode, in->city, in->phone, in->email, in->website,
			       in->notes, in->school_number, in->school_form, in->legal_form,
			       in->carrier_number, sort_name};

	db_bind_int64(st, 2, in->type_id);
	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++)
		db_bind_text(st, 3 + (int)i, register_nz(texts[i]));
}

int64_t institution_store_create(const bireg_ctx *ctx, const institution_input *in,
				 GError **err)
{
	checked c = {0};
	g_autofree char *sort_name = register_sort_key(in->name, NULL);
	char now[21];
	bool own;
	int64_t id = -1;

	util_now_iso(now);
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (check_institution(ctx, in, 0, &c, err) == 0) {
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"INSERT INTO institution (region_id, type_id, name, name_extra, short_name, "
			"street, postcode, city, phone, email, website, notes, school_number, "
			"school_form, legal_form, carrier_number, sort_name, created_at, updated_at) "
			"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
			"$17, $18, $18) RETURNING id", err);
		if (st) {
			db_bind_int64(st, 1, ctx->region_id);
			bind_columns(st, in, sort_name);
			db_bind_text(st, 18, now);
			if (db_step(st, err) == DB_ROW)
				id = db_col_int64(st, 0);
		}
		if (id > 0 && write_links(ctx, id, &c, err) < 0)
			id = -1;
		if (id > 0 && changelog_track(ctx, "institution", id,
					      in->log_action ? in->log_action : "create", NULL,
					      in->log_summary, err) < 0)
			id = -1;
	}
	checked_clear(&c);
	if (db_join_end(ctx->db, own, id < 0 ? -1 : 0, err) < 0)
		return -1;
	return id;
}

static int require_institution(const bireg_ctx *ctx, int64_t id, GError **err)
{
	return register_require(ctx, "SELECT 1 FROM institution WHERE region_id = $1 AND id = $2", id,
				"no such institution", err);
}

int institution_store_update(const bireg_ctx *ctx, int64_t id, const institution_input *in,
			     GError **err)
{
	checked c = {0};
	g_autofree char *sort_name = register_sort_key(in->name, NULL);
	char now[21];
	bool own;
	int rc = -1;
	json_t *before = NULL; /* the change log's snapshot */

	util_now_iso(now);
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (require_institution(ctx, id, err) == 0 && check_institution(ctx, in, id, &c, err) == 0 &&
	    changelog_snapshot(ctx, "institution", id, &before, err) == 0) {
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"UPDATE institution SET type_id = $2, name = $3, name_extra = $4, "
			"short_name = $5, street = $6, postcode = $7, city = $8, phone = $9, "
			"email = $10, website = $11, notes = $12, school_number = $13, "
			"school_form = $14, legal_form = $15, carrier_number = $16, sort_name = $17, "
			"updated_at = $18 WHERE region_id = $1 AND id = $19", err);
		if (st) {
			db_bind_int64(st, 1, ctx->region_id);
			bind_columns(st, in, sort_name);
			db_bind_text(st, 18, now);
			db_bind_int64(st, 19, id);
			if (db_run(st, err) == DB_OK)
				rc = write_links(ctx, id, &c, err);
			/* The institution's name is in its people's search text. */
			if (rc == 0)
				rc = person_store_reindex_institution(ctx, id, err);
			if (rc == 0 && changelog_track(ctx, "institution", id,
						       in->log_action ? in->log_action : "update",
						       before, in->log_summary, err) < 0)
				rc = -1;
		}
	}
	checked_clear(&c);
	json_decref(before);
	return db_join_end(ctx->db, own, rc, err);
}

int institution_store_delete(const bireg_ctx *ctx, int64_t id, GError **err)
{
	bool own;
	int rc = -1;
	int64_t n;
	json_t *before = NULL; /* the change log's snapshot */

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (require_institution(ctx, id, err) < 0)
		goto out;
	n = register_count(ctx, "SELECT count(*) FROM person_affiliation WHERE region_id = $1 "
			 "AND institution_id = $2", id, err);
	if (n < 0)
		goto out;
	if (n > 0) {
		register_fail(err, REGISTER_ERROR_IN_USE, N_("This institution cannot be deleted while people are affiliated with it. Remove their affiliations first."));
		goto out;
	}
	n = register_count(ctx, "SELECT count(*) FROM membership WHERE region_id = $1 "
			 "AND institution_id = $2", id, err);
	if (n < 0)
		goto out;
	if (n > 0) {
		register_fail(err, REGISTER_ERROR_IN_USE, N_("This institution cannot be deleted while members of bodies represent it. Change those memberships first."));
		goto out;
	}
	if (changelog_snapshot(ctx, "institution", id, &before, err) < 0)
		goto out;
	if (register_run(ctx, "DELETE FROM institution WHERE region_id = $1 AND id = $2", id,
			 err) < 0)
		goto out;
	rc = search_remove(ctx, SEARCH_KIND_INSTITUTION, id, err);
	if (rc == 0 && changelog_track(ctx, "institution", id, "delete", before, NULL, err) < 0)
		rc = -1;
out:
	json_decref(before);
	return db_join_end(ctx->db, own, rc, err);
}

/* ---- institutions: reads ------------------------------------------------- */

#define INST_COLS                                                                          \
	"i.id, i.type_id, i.name, i.name_extra, i.short_name, i.street, i.postcode, i.city, " \
	"i.phone, i.email, i.website, i.notes, i.school_number, i.school_form, i.legal_form, "  \
	"i.carrier_number, i.sort_name, i.created_at, i.updated_at, t.key, t.name, t.is_school, " \
	"(SELECT l.label FROM school_form_label l WHERE l.region_id = i.region_id "            \
	"AND l.code = i.school_form)"

static const char *const inst_names[] = {
	"id", "type_id", "name", "name_extra", "short_name", "street", "postcode", "city",
	"phone", "email", "website", "notes", "school_number", "school_form", "legal_form",
	"carrier_number", "sort_name", "created_at", "updated_at", "type_key", "type_name",
};

static json_t *inst_row(db_stmt *st)
{
	json_t *o = json_object();
	const char *form, *legal;

	for (size_t i = 0; i < G_N_ELEMENTS(inst_names); i++) {
		if (i < 2)
			json_object_set_new(o, inst_names[i], json_integer(db_col_int64(st, (int)i)));
		else
			json_object_set_new(o, inst_names[i], json_string(register_nz(db_col_text(st, (int)i))));
	}
	json_object_set_new(o, "is_school", json_boolean(db_col_int64(st, 21) != 0));
	/* The region's label, else the built-in one, else the code itself. */
	form = db_col_text(st, 22);
	if (!form)
		form = school_form_label(db_col_text(st, 13));
	if (!form)
		form = db_col_text(st, 13);
	legal = school_legal_form_label(db_col_text(st, 14));
	json_object_set_new(o, "school_form_label", json_string(register_nz(form)));
	json_object_set_new(o, "legal_form_label", json_string(legal ? legal : ""));
	return o;
}

/* Adds "areas" and "tags" to each row of rows (objects with "id"). */
static int decorate(const bireg_ctx *ctx, json_t *rows, bool full, GError **err)
{
	g_autoptr(GHashTable) by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	g_autofree gint64 *keys = NULL;
	size_t n = json_array_size(rows), i;
	json_t *row;
	g_autoptr(GString) in = g_string_new(NULL);
	g_autoptr(GString) sql = NULL;
	g_autoptr(db_stmt) st = NULL;
	g_autoptr(GHashTable) labels = NULL;
	int r;

	json_array_foreach(rows, i, row) {
		json_object_set_new(row, "areas", json_array());
		json_object_set_new(row, "tags", json_array());
	}
	if (n == 0)
		return 0;
	keys = g_new0(gint64, n);
	json_array_foreach(rows, i, row) {
		keys[i] = json_integer_value(json_object_get(row, "id"));
		g_hash_table_insert(by_id, &keys[i], row);
	}
	placeholders(in, 2, n);
	if (full) {
		/* The full path label ("Mitte › Altstadt") needs the tree. */
		json_t *all = area_store_list(ctx, NULL, err);
		json_t *a;
		if (!all)
			return -1;
		labels = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
		json_array_foreach(all, i, a) {
			gint64 *k = g_new(gint64, 1);
			*k = json_integer_value(json_object_get(a, "id"));
			g_hash_table_insert(labels, k,
					    g_strdup(json_string_value(json_object_get(a, "label"))));
		}
		json_decref(all);
	}
	sql = g_string_new("SELECT ia.institution_id, a.id, a.hierarchy, a.kind, a.name "
			   "FROM institution_area ia JOIN area a ON a.id = ia.area_id "
			   "WHERE ia.region_id = $1 AND a.region_id = $1 AND ia.institution_id IN (");
	g_string_append_printf(sql, "%s) ORDER BY ia.institution_id, a.hierarchy, a.id", in->str);
	st = db_prepare(ctx->db, sql->str, err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	for (i = 0; i < n; i++)
		db_bind_int64(st, 2 + (int)i, keys[i]);
	while ((r = db_step(st, err)) == DB_ROW) {
		gint64 inst = db_col_int64(st, 0), area = db_col_int64(st, 1);
		json_t *target = g_hash_table_lookup(by_id, &inst);
		const char *label = labels ? g_hash_table_lookup(labels, &area) : NULL;
		json_t *a;
		if (!target)
			continue;
		a = json_pack("{s:I,s:s,s:s,s:s,s:s}", "id", (json_int_t)area, "hierarchy",
			      db_col_text(st, 2), "kind", db_col_text(st, 3), "name",
			      db_col_text(st, 4), "label", label ? label : db_col_text(st, 4));
		json_array_append_new(json_object_get(target, "areas"), a);
	}
	if (r < 0)
		return -1;
	g_clear_pointer(&st, db_stmt_free);
	g_string_assign(sql, "SELECT institution_id, tag FROM institution_tag WHERE region_id = $1 "
			     "AND institution_id IN (");
	g_string_append_printf(sql, "%s) ORDER BY institution_id, tag", in->str);
	st = db_prepare(ctx->db, sql->str, err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	for (i = 0; i < n; i++)
		db_bind_int64(st, 2 + (int)i, keys[i]);
	while ((r = db_step(st, err)) == DB_ROW) {
		gint64 inst = db_col_int64(st, 0);
		json_t *target = g_hash_table_lookup(by_id, &inst);
		if (target)
			json_array_append_new(json_object_get(target, "tags"),
					      json_string(db_col_text(st, 1)));
	}
	return r < 0 ? -1 : 0;
}

json_t *institution_store_get(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = register_get_row(ctx,
		"SELECT " INST_COLS " FROM institution i JOIN institution_type t ON t.id = i.type_id "
		"WHERE i.region_id = $1 AND t.region_id = $1 AND i.id = $2", id, "no such institution",
		err);
	json_t *rows, *o, *a;
	g_autoptr(GString) tags_text = g_string_new(NULL);
	int64_t area_ids[2] = {0, 0};
	size_t i;

	if (!st)
		return NULL;
	o = inst_row(st);
	rows = json_pack("[O]", o);
	if (decorate(ctx, rows, true, err) < 0) {
		json_decref(rows);
		json_decref(o);
		return NULL;
	}
	json_decref(rows);
	json_array_foreach(json_object_get(o, "areas"), i, a)
		area_ids[strcmp(json_string_value(json_object_get(a, "hierarchy")),
				AREA_HIERARCHY_ADMIN) ? 1 : 0] =
			json_integer_value(json_object_get(a, "id"));
	json_array_foreach(json_object_get(o, "tags"), i, a)
		g_string_append_printf(tags_text, "%s%s", i ? ", " : "", json_string_value(a));
	json_object_set_new(o, "area_admin_id", json_integer(area_ids[0]));
	json_object_set_new(o, "area_social_id", json_integer(area_ids[1]));
	json_object_set_new(o, "tags_text", json_string(tags_text->str));
	return o;
}

int64_t institution_store_by_school_number(const bireg_ctx *ctx, const char *number,
					   GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		/* "<> ''" lets both backends use the partial unique index. */
		"SELECT id FROM institution WHERE region_id = $1 AND school_number = $2 "
		"AND school_number <> ''", err);
	int r;

	if (!st)
		return -1;
	if (!number || !*number)
		return 0;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, number);
	r = db_step(st, err);
	if (r < 0)
		return -1;
	return r == DB_ROW ? db_col_int64(st, 0) : 0;
}

/* Is a period of open or "YYYY-MM-DD" days current on today? */
static bool is_current(const char *start, const char *end, const char *today)
{
	return (!start || !*start || strcmp(start, today) <= 0) &&
	       (!end || !*end || strcmp(end, today) >= 0);
}

static json_t *text_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* Moves the current entries of list before the others, keeping order. */
static json_t *current_first(json_t *list)
{
	json_t *out = json_array(), *e;
	size_t i;

	for (int pass = 0; pass < 2; pass++)
		json_array_foreach(list, i, e)
			if (json_is_true(json_object_get(e, "current")) == (pass == 0))
				json_array_append(out, e);
	json_decref(list);
	return out;
}

/* An affiliation of the institution's people; data is today. */
static json_t *person_row(db_stmt *st, void *data)
{
	json_t *e = json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:b}", "affiliation_id",
			      (json_int_t)db_col_int64(st, 0), "person_id",
			      (json_int_t)db_col_int64(st, 1), "title", db_col_text(st, 2),
			      "first_name", db_col_text(st, 3), "last_name", db_col_text(st, 4),
			      "function", db_col_text(st, 5), "current",
			      is_current(db_col_text(st, 6), db_col_text(st, 7), data));

	json_object_set_new(e, "start_day", text_or_null(db_col_text(st, 6)));
	json_object_set_new(e, "end_day", text_or_null(db_col_text(st, 7)));
	return e;
}

json_t *institution_store_people(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT pa.id, p.id, p.title, p.first_name, p.last_name, pa.function, pa.start_day, "
		"pa.end_day FROM person_affiliation pa JOIN person p ON p.id = pa.person_id "
		"WHERE pa.region_id = $1 AND p.region_id = $1 AND pa.institution_id = $2 "
		"ORDER BY p.sort_name, p.id, pa.id", err);
	g_autofree char *today = register_today();
	json_t *out;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	out = register_collect(st, person_row, today, err);
	return out ? current_first(out) : NULL;
}

/* A membership of someone representing the institution; data is today. */
static json_t *body_row(db_stmt *st, void *data)
{
	json_t *e = json_pack("{s:I,s:I,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:b,s:b}", "membership_id",
			      (json_int_t)db_col_int64(st, 0), "body_id",
			      (json_int_t)db_col_int64(st, 1), "body_name", db_col_text(st, 2),
			      "role", db_col_text(st, 3), "person_id",
			      (json_int_t)db_col_int64(st, 4), "title", db_col_text(st, 5),
			      "first_name", db_col_text(st, 6), "last_name", db_col_text(st, 7),
			      "partner_side", db_col_text(st, 8), "voting",
			      db_col_int64(st, 9) != 0, "current",
			      is_current(db_col_text(st, 10), db_col_text(st, 11), data));

	json_object_set_new(e, "start_day", text_or_null(db_col_text(st, 10)));
	json_object_set_new(e, "end_day", text_or_null(db_col_text(st, 11)));
	return e;
}

json_t *institution_store_bodies(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT m.id, b.id, b.name, m.role, p.id, p.title, p.first_name, p.last_name, "
		"m.partner_side, m.voting, m.start_day, m.end_day FROM membership m "
		"JOIN body b ON b.id = m.body_id JOIN person p ON p.id = m.person_id "
		"WHERE m.region_id = $1 AND b.region_id = $1 AND p.region_id = $1 "
		"AND m.institution_id = $2 ORDER BY b.sort_name, b.id, p.sort_name, p.id, m.id", err);
	g_autofree char *today = register_today();
	json_t *out;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	out = register_collect(st, body_row, today, err);
	return out ? current_first(out) : NULL;
}

/* ---- the list ------------------------------------------------------------ */

/* The filter part of the list's SQL: $1 region, $2 type, $3 area, $4 tag,
 * then the search hits from $5 when ids is set. */
static void list_where(GString *sql, size_t n_ids)
{
	g_string_append(sql,
		" FROM institution i JOIN institution_type t ON t.id = i.type_id "
		"WHERE i.region_id = $1 AND t.region_id = $1 "
		"AND (CAST($2 AS bigint) = 0 OR i.type_id = $2) "
		"AND (CAST($3 AS bigint) = 0 OR EXISTS (SELECT 1 FROM institution_area ia "
		"WHERE ia.region_id = $1 AND ia.institution_id = i.id AND ia.area_id IN "
		"(SELECT id FROM sub))) "
		"AND (CAST($4 AS text) = '' OR EXISTS (SELECT 1 FROM institution_tag g "
		"WHERE g.region_id = $1 AND g.institution_id = i.id AND g.tag = $4))");
	if (n_ids) {
		g_string_append(sql, " AND i.id IN (");
		placeholders(sql, 5, n_ids);
		g_string_append(sql, ")");
	}
}

/* The area and its sub-areas, for the filter by area. */
#define LIST_WITH                                                                          \
	"WITH RECURSIVE sub(id) AS (SELECT CAST($3 AS bigint) UNION ALL SELECT a.id FROM area a " \
	"JOIN sub ON a.parent_id = sub.id WHERE a.region_id = $1) "

static void list_bind(db_stmt *st, const bireg_ctx *ctx, const institution_filter *f,
		      const search_hits *hits)
{
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, f->type_id);
	db_bind_int64(st, 3, f->area_id);
	db_bind_text(st, 4, register_nz(f->tag));
	for (size_t i = 0; hits && i < hits->n; i++)
		db_bind_int64(st, 5 + (int)i, hits->hits[i].ref_id);
}

static json_t *list_result(int64_t total, json_t *rows)
{
	return json_pack("{s:I,s:o}", "total", (json_int_t)total, "rows", rows);
}

/* With a search and sorted by relevance: the hits that pass the filters,
 * in the order of the search. */
static json_t *list_by_relevance(const bireg_ctx *ctx, const institution_filter *f,
				 const search_hits *hits, GError **err)
{
	g_autoptr(GString) sql = g_string_new(LIST_WITH "SELECT i.id");
	g_autoptr(GHashTable) pass = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_autoptr(GArray) order = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(db_stmt) st = NULL;
	json_t *rows;
	int64_t from, to;
	int r;

	list_where(sql, hits->n);
	st = db_prepare(ctx->db, sql->str, err);
	if (!st)
		return NULL;
	list_bind(st, ctx, f, hits);
	while ((r = db_step(st, err)) == DB_ROW) {
		gint64 *k = g_new(gint64, 1);
		*k = db_col_int64(st, 0);
		g_hash_table_add(pass, k);
	}
	if (r < 0)
		return NULL;
	for (size_t i = 0; i < hits->n; i++)
		if (g_hash_table_contains(pass, &hits->hits[i].ref_id))
			g_array_append_val(order, hits->hits[i].ref_id);
	from = MIN(f->offset > 0 ? f->offset : 0, (int64_t)order->len);
	to = f->limit > 0 ? MIN(from + f->limit, (int64_t)order->len) : (int64_t)order->len;
	rows = json_array();
	if (to > from) {
		g_autoptr(GString) q = g_string_new("SELECT " INST_COLS " FROM institution i "
						    "JOIN institution_type t ON t.id = i.type_id "
						    "WHERE i.region_id = $1 AND i.id IN (");
		g_autoptr(db_stmt) rs = NULL;
		/* id -> row; the keys live in the rows' own "id" values */
		g_autoptr(GHashTable) by_id = g_hash_table_new_full(g_int64_hash, g_int64_equal,
								    g_free, (GDestroyNotify)json_decref);
		placeholders(q, 2, (size_t)(to - from));
		g_string_append(q, ")");
		rs = db_prepare(ctx->db, q->str, err);
		if (!rs) {
			json_decref(rows);
			return NULL;
		}
		db_bind_int64(rs, 1, ctx->region_id);
		for (int64_t i = from; i < to; i++)
			db_bind_int64(rs, 2 + (int)(i - from), g_array_index(order, gint64, i));
		while ((r = db_step(rs, err)) == DB_ROW) {
			gint64 *k = g_new(gint64, 1);
			*k = db_col_int64(rs, 0);
			g_hash_table_insert(by_id, k, inst_row(rs));
		}
		if (r < 0) {
			json_decref(rows);
			return NULL;
		}
		for (int64_t i = from; i < to; i++) {
			json_t *row = g_hash_table_lookup(by_id, &g_array_index(order, gint64, i));
			if (row)
				json_array_append(rows, row);
		}
	}
	return list_result((int64_t)order->len, rows);
}

json_t *institution_store_list(const bireg_ctx *ctx, const institution_filter *f,
			       GError **err)
{
	search_hits hits = {0};
	g_autofree char *q = text_collapse_ws(f->q ? f->q : "");
	bool searching = q && *q;
	const char *sort = f->sort && *f->sort ? f->sort : (searching ? "relevance" : "name");
	const char *order;
	g_autoptr(GString) sql = NULL;
	g_autoptr(db_stmt) st = NULL;
	json_t *rows = NULL, *out = NULL;
	int64_t total = 0;
	int r;

	if (searching) {
		static const char *const kinds[] = {SEARCH_KIND_INSTITUTION, NULL};
		if (search_query(ctx, q, kinds, SEARCH_LIMIT_MAX, 0, &hits, err) < 0)
			return NULL;
		if (hits.n == 0) {
			search_hits_clear(&hits);
			return list_result(0, json_array());
		}
		if (!strcmp(sort, "relevance")) {
			out = list_by_relevance(ctx, f, &hits, err);
			goto done;
		}
	}
	if (!strcmp(sort, "postcode"))
		order = "CASE WHEN i.postcode = '' THEN 1 ELSE 0 END, i.postcode, i.sort_name, i.id";
	else if (!strcmp(sort, "type"))
		order = "t.position, t.id, i.sort_name, i.id";
	else
		order = "i.sort_name, i.id";

	sql = g_string_new(LIST_WITH "SELECT count(*)");
	list_where(sql, hits.n);
	st = db_prepare(ctx->db, sql->str, err);
	if (!st)
		goto done;
	list_bind(st, ctx, f, &hits);
	if (db_step(st, err) != DB_ROW)
		goto done;
	total = db_col_int64(st, 0);
	g_clear_pointer(&st, db_stmt_free);

	g_string_assign(sql, LIST_WITH "SELECT " INST_COLS);
	list_where(sql, hits.n);
	g_string_append_printf(sql, " ORDER BY %s", order);
	if (f->limit > 0)
		g_string_append_printf(sql, " LIMIT %" G_GINT64_FORMAT " OFFSET %" G_GINT64_FORMAT,
				       (gint64)f->limit, (gint64)MAX(f->offset, 0));
	st = db_prepare(ctx->db, sql->str, err);
	if (!st)
		goto done;
	list_bind(st, ctx, f, &hits);
	rows = json_array();
	while ((r = db_step(st, err)) == DB_ROW)
		json_array_append_new(rows, inst_row(st));
	if (r < 0) {
		json_decref(rows);
		goto done;
	}
	out = list_result(total, rows);
done:
	search_hits_clear(&hits);
	if (out && decorate(ctx, json_object_get(out, "rows"), false, err) < 0)
		g_clear_pointer(&out, json_decref);
	return out;
}

static int fold_cmp(gconstpointer a, gconstpointer b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	g_autofree char *fx = text_search_fold(x), *fy = text_search_fold(y);
	int c = g_strcmp0(fx, fy);
	return c ? c : strcmp(x, y);
}

json_t *institution_store_tags(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT DISTINCT tag FROM institution_tag WHERE region_id = $1", err);
	g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func(g_free);
	json_t *out;
	int r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	while ((r = db_step(st, err)) == DB_ROW)
		g_ptr_array_add(tags, g_strdup(db_col_text(st, 0)));
	if (r < 0)
		return NULL;
	g_ptr_array_sort(tags, fold_cmp);
	out = json_array();
	for (guint i = 0; i < tags->len; i++)
		json_array_append_new(out, json_string(g_ptr_array_index(tags, i)));
	return out;
}

/* ---- search index -------------------------------------------------------- */

/* The text of an institution's entry before its tags: name_extra,
 * short_name, the kind's name, city, street, postcode, school_number (f,
 * as stored) and the built-in label of its school form. */
static void index_text(GString *text, const char *const f[7], const char *school_form)
{
	const char *form = school_form_label(school_form);

	for (int c = 0; c < 7; c++)
		g_string_append_printf(text, "%s%s", c ? " " : "", register_nz(f[c]));
	if (form)
		g_string_append_printf(text, " %s", form);
}

int institution_store_index(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT i.name, i.name_extra, i.short_name, t.name, i.city, i.street, i.postcode, "
		"i.school_number, i.school_form FROM institution i "
		"JOIN institution_type t ON t.id = i.type_id "
		"WHERE i.region_id = $1 AND t.region_id = $1 AND i.id = $2", err);
	g_autoptr(db_stmt) tags = NULL;
	g_autoptr(GString) text = g_string_new(NULL);
	g_autofree char *title = NULL;
	int r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	r = db_step(st, err);
	if (r < 0)
		return -1;
	if (r != DB_ROW)
		return search_remove(ctx, SEARCH_KIND_INSTITUTION, id, err);
	title = g_strdup(db_col_text(st, 0));
	{
		const char *f[7];
		for (int c = 1; c <= 7; c++)
			f[c - 1] = db_col_text(st, c);
		index_text(text, f, db_col_text(st, 8));
	}
	tags = db_prepare(ctx->db,
		"SELECT tag FROM institution_tag WHERE region_id = $1 AND institution_id = $2 "
		"ORDER BY tag", err);
	if (!tags)
		return -1;
	db_bind_int64(tags, 1, ctx->region_id);
	db_bind_int64(tags, 2, id);
	while ((r = db_step(tags, err)) == DB_ROW)
		g_string_append_printf(text, " %s", db_col_text(tags, 0));
	if (r < 0)
		return -1;
	return search_put(ctx, SEARCH_KIND_INSTITUTION, id, title, text->str, err);
}

int institution_store_reindex_all(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id FROM institution WHERE region_id = $1 ORDER BY id", err);
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	bool own;
	int rc = 0, r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		g_array_append_val(ids, id);
	}
	if (r < 0)
		return -1;
	g_clear_pointer(&st, db_stmt_free);
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	for (guint i = 0; i < ids->len && rc >= 0; i++)
		if (institution_store_index(ctx, g_array_index(ids, int64_t, i), err) < 0)
			rc = -1;
		else
			rc++;
	return db_join_end(ctx->db, own, rc, err);
}

/* ---- many institutions at once ------------------------------------------- */

static void type_info_free(gpointer p)
{
	type_info *t = p;
	g_free(t->name);
	g_free(t);
}

static void check_cache_clear(check_cache *cc)
{
	g_clear_pointer(&cc->types, g_hash_table_destroy);
	g_clear_pointer(&cc->numbers, g_hash_table_destroy);
	g_clear_pointer(&cc->number_of, g_hash_table_destroy);
	g_clear_pointer(&cc->areas, g_hash_table_destroy);
	g_clear_pointer(&cc->area_names, g_hash_table_destroy);
	g_clear_pointer(&cc->postcodes, g_hash_table_destroy);
}

static gint64 *id_dup(int64_t id)
{
	gint64 v = id;
	return g_memdup2(&v, sizeof v);
}

/* The region's kinds, school numbers, areas and post-code table. */
static int check_cache_load(const bireg_ctx *ctx, check_cache *cc, GError **err)
{
	g_autoptr(db_stmt) st = NULL;
	int r;

	cc->types = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, type_info_free);
	cc->numbers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	cc->number_of = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	cc->areas = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	cc->area_names = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	st = db_prepare(ctx->db, "SELECT id, is_school, name FROM institution_type WHERE region_id = $1",
			err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	while ((r = db_step(st, err)) == DB_ROW) {
		type_info *t = g_new0(type_info, 1);
		t->is_school = db_col_int64(st, 1) != 0;
		t->name = g_strdup(register_nz(db_col_text(st, 2)));
		g_hash_table_insert(cc->types, id_dup(db_col_int64(st, 0)), t);
	}
	if (r < 0)
		return -1;
	g_clear_pointer(&st, db_stmt_free);
	st = db_prepare(ctx->db, "SELECT id, school_number FROM institution WHERE region_id = $1 "
			"AND school_number <> ''", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		g_hash_table_insert(cc->numbers, g_strdup(db_col_text(st, 1)), id_dup(id));
		g_hash_table_insert(cc->number_of, id_dup(id), g_strdup(db_col_text(st, 1)));
	}
	if (r < 0)
		return -1;
	g_clear_pointer(&st, db_stmt_free);
	st = db_prepare(ctx->db, "SELECT id, hierarchy, name FROM area WHERE region_id = $1", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	while ((r = db_step(st, err)) == DB_ROW) {
		g_hash_table_insert(cc->areas, id_dup(db_col_int64(st, 0)),
				    GINT_TO_POINTER(strcmp(db_col_text(st, 1), AREA_HIERARCHY_ADMIN) ? 2 : 1));
		g_hash_table_insert(cc->area_names, id_dup(db_col_int64(st, 0)),
				    g_strdup(register_nz(db_col_text(st, 2))));
	}
	if (r < 0)
		return -1;
	cc->postcodes = area_postcode_map(ctx, err);
	return cc->postcodes ? 0 : -1;
}

/* After input i passed its checks: its school number is taken (as the
 * write would take it), the old one of an updated institution free. */
static void check_cache_take(check_cache *cc, int64_t id, size_t i, const char *number)
{
	int64_t key = id > 0 ? id : -(int64_t)i - 1;
	const char *old = g_hash_table_lookup(cc->number_of, &key);

	if (old) {
		const gint64 *holder = g_hash_table_lookup(cc->numbers, old);
		if (holder && *holder == key)
			g_hash_table_remove(cc->numbers, old);
		g_hash_table_remove(cc->number_of, &key);
	}
	if (number && *number) {
		g_hash_table_insert(cc->numbers, g_strdup(number), id_dup(key));
		g_hash_table_insert(cc->number_of, id_dup(key), g_strdup(number));
	}
}

static const char *const inst_rows_cols[] = {
	"id bigint", "type_id bigint", "name text", "name_extra text", "short_name text",
	"street text", "postcode text", "city text", "phone text", "email text", "website text",
	"notes text", "school_number text", "school_form text", "legal_form text",
	"carrier_number text", "sort_name text", NULL};

/* One row of inst_rows_cols. */
static void inst_row_add(db_rows *rows, int64_t id, const institution_input *in)
{
	g_autofree char *sort_name = register_sort_key(in->name, NULL);
	const char *texts[] = {in->name, in->name_extra, in->short_name, in->street,
			       in->postcode, in->city, in->phone, in->email, in->website,
			       in->notes, in->school_number, in->school_form, in->legal_form,
			       in->carrier_number, sort_name};

	db_rows_int(rows, id);
	db_rows_int(rows, in->type_id);
	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++)
		db_rows_text(rows, register_nz(texts[i]));
}

/* New ids for n institutions, in ascending order, as the database would
 * give them one by one. */
static int allocate_ids(const bireg_ctx *ctx, int64_t *out, size_t n, GError **err)
{
	g_autoptr(db_stmt) st = NULL;
	size_t k = 0;
	int r;

	if (n == 0)
		return 0;
	if (db_get_backend(ctx->db) == DB_BACKEND_POSTGRES) {
		st = db_prepare(ctx->db,
			"SELECT nextval(pg_get_serial_sequence('institution', 'id')) "
			"FROM generate_series(1, $1) ORDER BY 1", err);
		if (!st)
			return -1;
		db_bind_int64(st, 1, (int64_t)n);
		while ((r = db_step(st, err)) == DB_ROW && k < n)
			out[k++] = db_col_int64(st, 0);
		if (r < 0)
			return -1;
		return k == n ? 0 : util_fail(err, BIREG_DB_ERROR, DB_ERROR, "nextval gave too few ids");
	}
	/* SQLite gives a new row max(rowid) + 1; the write transaction holds
	 * the database, so nobody else takes these meanwhile. */
	st = db_prepare(ctx->db, "SELECT coalesce(max(id), 0) FROM institution", err);
	if (!st || db_step(st, err) != DB_ROW)
		return -1;
	for (k = 0; k < n; k++)
		out[k] = db_col_int64(st, 0) + 1 + (int64_t)k;
	return 0;
}

static gint cmp_int64(gconstpointer a, gconstpointer b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_strp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The people affiliated with any of the institutions ids[is_old] (sorted,
 * without duplicates): the region's affiliations in the range of those
 * ids, filtered here — one index scan, whatever the planner knows. */
static GArray *people_of(const bireg_ctx *ctx, size_t n, const int64_t *ids, const bool *is_new,
			 GError **err)
{
	g_autoptr(GHashTable) want = g_hash_table_new(g_int64_hash, g_int64_equal);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	g_autoptr(GArray) people = g_array_new(FALSE, FALSE, sizeof(int64_t));
	g_autoptr(db_stmt) st = NULL;
	int64_t lo = INT64_MAX, hi = 0;
	int r;

	for (size_t i = 0; i < n; i++) {
		if (is_new[i])
			continue;
		g_hash_table_add(want, (gpointer)&ids[i]);
		lo = MIN(lo, ids[i]);
		hi = MAX(hi, ids[i]);
	}
	if (hi == 0)
		return g_steal_pointer(&people);
	st = db_prepare(ctx->db,
		"SELECT institution_id, person_id FROM person_affiliation WHERE region_id = $1 "
		"AND institution_id BETWEEN $2 AND $3", err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, lo);
	db_bind_int64(st, 3, hi);
	while ((r = db_step(st, err)) == DB_ROW) {
		gint64 inst = db_col_int64(st, 0), person = db_col_int64(st, 1);
		if (!g_hash_table_contains(want, &inst) || g_hash_table_contains(seen, &person))
			continue;
		g_hash_table_add(seen, g_memdup2(&person, sizeof person));
		g_array_append_val(people, person);
	}
	if (r < 0)
		return NULL;
	g_array_sort(people, cmp_int64);
	return g_steal_pointer(&people);
}

/* Writes the rows of the checked inputs: institutions, areas, tags, search
 * entries, the people's search entries (updates). ids final. */
static int write_rows(const bireg_ctx *ctx, size_t n, const institution_input *ins,
		      const int64_t *ids, const bool *is_new, const checked *cs,
		      const check_cache *cc, GError **err)
{
	static const char *const id_cols[] = {"id bigint", NULL};
	static const char *const area_cols[] = {"id bigint", "area_id bigint", NULL};
	static const char *const tag_cols[] = {"id bigint", "tag text", NULL};
	g_autoptr(db_rows) news = db_rows_new(ctx->db, inst_rows_cols);
	g_autoptr(db_rows) olds = db_rows_new(ctx->db, inst_rows_cols);
	g_autoptr(db_rows) old_ids = db_rows_new(ctx->db, id_cols);
	g_autoptr(db_rows) area_rows = db_rows_new(ctx->db, area_cols);
	g_autoptr(db_rows) tag_rows = db_rows_new(ctx->db, tag_cols);
	g_autoptr(GPtrArray) titles = g_ptr_array_new();
	g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) people = NULL;
	char now[21];
	db_param p[2];

	util_now_iso(now);
	p[0] = (db_param){.i = ctx->region_id};
	p[1] = (db_param){.text = now};
	for (size_t i = 0; i < n; i++) {
		g_autoptr(GString) text = g_string_new(NULL);
		g_autoptr(GPtrArray) tags = g_ptr_array_new();
		const type_info *t = g_hash_table_lookup(cc->types, &ins[i].type_id);
		const char *f[7] = {ins[i].name_extra, ins[i].short_name, t ? t->name : "",
				    ins[i].city, ins[i].street, ins[i].postcode,
				    ins[i].school_number};

		inst_row_add(is_new[i] ? news : olds, ids[i], &ins[i]);
		if (!is_new[i])
			db_rows_int(old_ids, ids[i]);
		for (int h = 0; h < 2; h++) {
			if (!cs[i].area[h])
				continue;
			db_rows_int(area_rows, ids[i]);
			db_rows_int(area_rows, cs[i].area[h]);
		}
		for (guint k = 0; k < cs[i].tags->len; k++) {
			db_rows_int(tag_rows, ids[i]);
			db_rows_text(tag_rows, g_ptr_array_index(cs[i].tags, k));
			g_ptr_array_add(tags, g_ptr_array_index(cs[i].tags, k));
		}
		/* As institution_store_index() reads it back. */
		index_text(text, f, ins[i].school_form);
		g_ptr_array_sort(tags, cmp_strp);
		for (guint k = 0; k < tags->len; k++)
			g_string_append_printf(text, " %s", (const char *)g_ptr_array_index(tags, k));
		g_ptr_array_add(titles, (gpointer)register_nz(ins[i].name));
		g_ptr_array_add(texts, g_string_free(g_steal_pointer(&text), FALSE));
	}
	if (db_rows_run(ctx->db,
			"INSERT INTO institution (id, region_id, type_id, name, name_extra, short_name, "
			"street, postcode, city, phone, email, website, notes, school_number, "
			"school_form, legal_form, carrier_number, sort_name, created_at, updated_at) "
			"SELECT x.id, $1, x.type_id, x.name, x.name_extra, x.short_name, x.street, "
			"x.postcode, x.city, x.phone, x.email, x.website, x.notes, x.school_number, "
			"x.school_form, x.legal_form, x.carrier_number, x.sort_name, $2, $2 FROM {rows}",
			p, 2, news, err) < 0 ||
	    db_rows_run(ctx->db,
			"UPDATE institution SET type_id = x.type_id, name = x.name, "
			"name_extra = x.name_extra, short_name = x.short_name, street = x.street, "
			"postcode = x.postcode, city = x.city, phone = x.phone, email = x.email, "
			"website = x.website, notes = x.notes, school_number = x.school_number, "
			"school_form = x.school_form, legal_form = x.legal_form, "
			"carrier_number = x.carrier_number, sort_name = x.sort_name, updated_at = $2 "
			"FROM {rows} WHERE institution.region_id = $1 AND institution.id = x.id",
			p, 2, olds, err) < 0 ||
	    db_rows_run(ctx->db,
			"DELETE FROM institution_area WHERE region_id = $1 AND institution_id IN "
			"(SELECT x.id FROM {rows})", p, 1, old_ids, err) < 0 ||
	    db_rows_run(ctx->db,
			"DELETE FROM institution_tag WHERE region_id = $1 AND institution_id IN "
			"(SELECT x.id FROM {rows})", p, 1, old_ids, err) < 0 ||
	    db_rows_run(ctx->db,
			"INSERT INTO institution_area (region_id, institution_id, area_id) "
			"SELECT $1, x.id, x.area_id FROM {rows}", p, 1, area_rows, err) < 0 ||
	    db_rows_run(ctx->db,
			"INSERT INTO institution_tag (region_id, institution_id, tag) "
			"SELECT $1, x.id, x.tag FROM {rows}", p, 1, tag_rows, err) < 0)
		return -1;
	if (search_put_many(ctx, SEARCH_KIND_INSTITUTION, n, ids, (const char *const *)titles->pdata,
			    (const char *const *)texts->pdata, err) < 0)
		return -1;
	/* The institution's name is in its people's search text. */
	people = people_of(ctx, n, ids, is_new, err);
	if (!people)
		return -1;
	for (guint k = 0; k < people->len; k++)
		if (person_store_index(ctx, g_array_index(people, int64_t, k), err) < 0)
			return -1;
	return 0;
}

/* The fields of an institution's change-log entries (changelog.c's list,
 * which changelog_track_many_known() checks). */
static const char *const log_fields[] = {
	"type_id", "name", "name_extra", "short_name", "street", "postcode", "city", "phone",
	"email", "website", "notes", "school_number", "school_form", "legal_form",
	"carrier_number", "areas", "tags", NULL};
#define LOG_FIELDS (G_N_ELEMENTS(log_fields) - 1)

/* names (borrowed) sorted by byte and joined by ", ", as the change log's
 * snapshot joins an institution's areas and tags. */
static char *joined_sorted(GPtrArray *names)
{
	g_ptr_array_sort(names, cmp_strp);
	g_ptr_array_add(names, NULL);
	return g_strjoinv(", ", (char **)names->pdata);
}

/* The change-log entries: one changelog_track_many_known() per run of
 * inputs with the same action and summary, in the order of the inputs.
 * What each institution is now is what was just written (inputs, areas,
 * tags), so it is not read back. */
static int log_many(const bireg_ctx *ctx, size_t n, const institution_input *ins,
		    const int64_t *ids, const bool *is_new, const checked *cs,
		    const check_cache *cc, json_t *befores, GError **err)
{
	g_autofree const char **afters = g_new0(const char *, n * LOG_FIELDS);
	g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func(g_free);
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		const institution_input *in = &ins[i];
		const char **v = afters + i * LOG_FIELDS;
		g_autoptr(GPtrArray) areas = g_ptr_array_new();
		g_autoptr(GPtrArray) tags = g_ptr_array_new();
		char *type = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)in->type_id);
		const char *texts[] = {type, in->name, in->name_extra, in->short_name, in->street,
				       in->postcode, in->city, in->phone, in->email, in->website,
				       in->notes, in->school_number, in->school_form,
				       in->legal_form, in->carrier_number};
		char *a, *t;

		G_STATIC_ASSERT(G_N_ELEMENTS(texts) == LOG_FIELDS - 2);
		g_ptr_array_add(owned, type);
		for (size_t f = 0; f < G_N_ELEMENTS(texts); f++)
			v[f] = texts[f];
		for (int h = 0; h < 2; h++) {
			const char *name = cs[i].area[h]
				? g_hash_table_lookup(cc->area_names, &cs[i].area[h]) : NULL;
			if (cs[i].area[h])
				g_ptr_array_add(areas, (gpointer)register_nz(name));
		}
		for (guint k = 0; k < cs[i].tags->len; k++)
			g_ptr_array_add(tags, g_ptr_array_index(cs[i].tags, k));
		a = joined_sorted(areas);
		t = joined_sorted(tags);
		g_ptr_array_add(owned, a);
		g_ptr_array_add(owned, t);
		v[LOG_FIELDS - 2] = a;
		v[LOG_FIELDS - 1] = t;
	}
	while (start < n) {
		const char *action = ins[start].log_action ? ins[start].log_action
				   : is_new[start]        ? "create"
							  : "update";
		const char *summary = ins[start].log_summary;
		size_t end = start + 1;
		json_t *run = json_array();
		int64_t r;

		while (end < n) {
			const char *a = ins[end].log_action ? ins[end].log_action
				      : is_new[end]        ? "create"
							   : "update";
			if (strcmp(a, action) || g_strcmp0(ins[end].log_summary, summary))
				break;
			end++;
		}
		for (size_t i = start; i < end; i++)
			json_array_append(run, json_array_get(befores, i));
		r = changelog_track_many_known(ctx, "institution", ids + start, end - start, action,
					       run, log_fields, afters + start * LOG_FIELDS,
					       summary, err);
		json_decref(run);
		if (r < 0)
			return -1;
		start = end;
	}
	return 0;
}

int institution_store_write_many(const bireg_ctx *ctx, size_t n, const institution_input *ins,
				 int64_t *ids, size_t *failed, GError **err)
{
	check_cache cc = {0};
	g_autofree checked *cs = g_new0(checked, n ? n : 1);
	g_autofree bool *is_new = g_new0(bool, n ? n : 1);
	g_autofree int64_t *old_ids = g_new0(int64_t, n ? n : 1);
	g_autofree int64_t *new_ids = g_new0(int64_t, n ? n : 1);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_int64_hash, g_int64_equal);
	json_t *old_snaps = NULL, *befores = NULL;
	size_t n_old = 0, n_new = 0, k_old = 0, k_new = 0;
	bool own;
	int rc = -1;

	if (failed)
		*failed = 0;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		is_new[i] = ids[i] <= 0;
		if (is_new[i]) {
			n_new++;
			continue;
		}
		if (g_hash_table_contains(seen, &ids[i]))
			return util_fail(err, BIREG_DB_ERROR, DB_ERROR,
					 "institution_store_write_many: an institution twice");
		g_hash_table_add(seen, &ids[i]);
		old_ids[n_old++] = ids[i];
	}
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (check_cache_load(ctx, &cc, err) < 0)
		goto out;
	/* The snapshots of the change log, which also tell which institution
	 * is not in the region. */
	old_snaps = changelog_snapshot_many(ctx, "institution", old_ids, n_old, err);
	if (!old_snaps)
		goto out;
	befores = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *before = is_new[i] ? json_null() : json_array_get(old_snaps, k_old++);
		json_array_append(befores, before);
		if (json_is_null(before) && !is_new[i]) {
			if (failed)
				*failed = i;
			register_fail(err, REGISTER_ERROR_NOT_FOUND, "no such institution");
			goto out;
		}
		cs[i].cache = &cc;
		if (check_institution(ctx, &ins[i], is_new[i] ? 0 : ids[i], &cs[i], err) < 0) {
			if (failed)
				*failed = i;
			goto out;
		}
		check_cache_take(&cc, is_new[i] ? 0 : ids[i], i, ins[i].school_number);
	}
	if (allocate_ids(ctx, new_ids, n_new, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (is_new[i])
			ids[i] = new_ids[k_new++];
	if (write_rows(ctx, n, ins, ids, is_new, cs, &cc, err) < 0)
		goto out;
	if (log_many(ctx, n, ins, ids, is_new, cs, &cc, befores, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		for (size_t i = 0; i < n; i++)
			if (is_new[i])
				ids[i] = 0;
	for (size_t i = 0; i < n; i++)
		checked_clear(&cs[i]);
	check_cache_clear(&cc);
	json_decref(old_snaps);
	json_decref(befores);
	return db_join_end(ctx->db, own, rc, err);
}
