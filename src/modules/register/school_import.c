/*
 * school_import.c — the NRW school directory import (school_import.h).
 *
 * One plan serves the preview and the commit: the file is read whole
 * (tabular.h), every row of the region checked, and the region's schools
 * loaded in one query to compare by Schulnummer. The commit plans the
 * batch's file again inside its transaction, so what it writes matches the
 * register at that moment, not at the time of the preview.
 */
#include "modules/register/school_import.h"

#include <string.h>

#include "core/csv.h"
#include "core/tabular.h"
#include "core/util.h"
#include "db/db.h"
#include "modules/region/region_store.h"
#include "modules/register/area_store.h"
#include "modules/register/import_store.h"
#include "modules/register/institution_store.h"
#include "modules/register/register.h"
#include "view/i18n.h"

G_DEFINE_QUARK(bireg-school-import-error-quark, bireg_school_import_error)

/* The columns read, in this order. */
enum {
	C_NUMBER, C_FORM, C_NAME1, C_NAME2, C_NAME3, C_SHORT, C_POSTCODE, C_CITY, C_STREET,
	C_AREA_CODE, C_PHONE, C_FAX_CODE, C_FAX, C_EMAIL, C_WEBSITE, C_LEGAL, C_CARRIER, C_KEY,
	C_N
};

const char *const school_import_columns[] = {
	"Schulnummer", "Schulform", "Schulbezeichnung_1", "Schulbezeichnung_2",
	"Schulbezeichnung_3", "Kurzbezeichnung", "PLZ", "Ort", "Strasse", "Telefonvorwahl",
	"Telefon", "Faxvorwahl", "Fax", "E-Mail", "Homepage", "Rechtsform", "Traegernummer",
	"Gemeindeschluessel", NULL,
};

/* The fields of an institution the directory owns, in the order of the
 * report's changes. */
enum {
	F_NAME, F_NAME_EXTRA, F_SHORT, F_STREET, F_POSTCODE, F_CITY, F_PHONE, F_EMAIL, F_WEBSITE,
	F_NUMBER, F_FORM, F_LEGAL, F_CARRIER, F_N
};
static const char *const field_names[F_N] = {
	"name", "name_extra", "short_name", "street", "postcode", "city", "phone", "email",
	"website", "school_number", "school_form", "legal_form", "carrier_number",
};
/* The longest value of each field the institution store takes (0: checked
 * otherwise). */
static const long field_max[F_N] = {200, 200, 100, 200, 0, 100, 50, 254, 300, 0, 0, 0, 0};

static const struct {
	const char *field, *msgid;
} field_labels[] = {
	{"name", N_("Name")},
	{"name_extra", N_("Name addition")},
	{"short_name", N_("Short name")},
	{"street", N_("Street")},
	{"postcode", N_("Postcode")},
	{"city", N_("City")},
	{"phone", N_("Phone")},
	{"email", N_("Email")},
	{"website", N_("Website")},
	{"school_number", N_("School number")},
	{"school_form", N_("School form")},
	{"legal_form", N_("Legal form")},
	{"carrier_number", N_("Provider number")},
};

const char *school_import_field_label(const char *field, const char *lang)
{
	for (size_t i = 0; i < G_N_ELEMENTS(field_labels); i++)
		if (!g_strcmp0(field_labels[i].field, field))
			return i18n_translate(lang, field_labels[i].msgid);
	return field ? field : "";
}

/* ---- keys --------------------------------------------------------------- */

char **school_keys_get(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db, "SELECT settings FROM region WHERE id = $1", err);
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	json_t *settings, *v, *k;
	size_t i;
	int r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	r = db_step(st, err);
	if (r < 0)
		return NULL;
	if (r == DB_ROW) {
		settings = json_loads(register_nz(db_col_text(st, 0)), 0, NULL);
		v = json_object_get(settings, "school_keys");
		json_array_foreach(v, i, k) {
			if (json_is_string(k) && register_digits(json_string_value(k), 2, 8))
				g_ptr_array_add(keys, g_strdup(json_string_value(k)));
		}
		json_decref(settings);
	}
	g_ptr_array_add(keys, NULL);
	return (char **)g_ptr_array_steal(keys, NULL);
}

char **school_keys_parse(const char *text, GError **err)
{
	g_auto(GStrv) parts = g_regex_split_simple("[\\s,;]+", register_nz(text), 0, 0);
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);

	for (size_t i = 0; parts && parts[i]; i++) {
		const char *k = parts[i];
		size_t n = strlen(k);
		bool dup = false;
		if (!n)
			continue;
		if (!register_digits(k, 2, 8) || (n != 2 && n != 5 && n != 8)) {
			register_invalid(err, "school_keys",
					 N_("A Gemeindeschlüssel has 8 digits (a town, for example 05112000), or 5 for a whole Kreis (for example 05170). Separate several by commas."));
			return NULL;
		}
		for (guint j = 0; j < keys->len; j++)
			dup = dup || !strcmp(g_ptr_array_index(keys, j), k);
		if (!dup)
			g_ptr_array_add(keys, g_strdup(k));
	}
	if (keys->len > 100) {
		register_invalid(err, "school_keys", N_("Please enter at most 100 keys."));
		return NULL;
	}
	g_ptr_array_add(keys, NULL);
	return (char **)g_ptr_array_steal(keys, NULL);
}

int school_keys_set(const bireg_ctx *ctx, const char *const *keys, GError **err)
{
	json_t *v = json_array();
	int rc;

	for (size_t i = 0; keys && keys[i]; i++)
		json_array_append_new(v, json_string(keys[i]));
	rc = region_store_set_setting(ctx, ctx->region_id, "school_keys", v, err);
	json_decref(v);
	return rc;
}

char *school_keys_text(const char *const *keys)
{
	return g_strjoinv(", ", (char **)keys);
}

/* ---- the plan ------------------------------------------------------------ */

/* A school of the region as the register has it. */
typedef struct existing {
	int64_t id;
	char *v[F_N];
	bool seen;
} existing;

static void existing_free(gpointer p)
{
	existing *e = p;
	for (int i = 0; i < F_N; i++)
		g_free(e->v[i]);
	g_free(e);
}

static int existing_cmp(gconstpointer a, gconstpointer b)
{
	const existing *x = *(existing *const *)a, *y = *(existing *const *)b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* A row to write: id 0 for a new school. */
typedef struct planned {
	int64_t id;
	size_t line;
	char *v[F_N];
	char *old_postcode; /* an update: the post code the register has */
} planned;

static void planned_free(gpointer p)
{
	planned *x = p;
	for (int i = 0; i < F_N; i++)
		g_free(x->v[i]);
	g_free(x->old_postcode);
	g_free(x);
}

typedef struct plan {
	json_t *report;
	GPtrArray *writes; /* planned* */
	int64_t type_id;   /* the region's "school" kind */
	int64_t rejected;
} plan;

static void plan_clear(plan *p)
{
	json_decref(p->report);
	if (p->writes)
		g_ptr_array_free(p->writes, TRUE);
	memset(p, 0, sizeof *p);
}

static int fail(GError **err, school_import_error_code code, const char *msg)
{
	g_set_error_literal(err, BIREG_SCHOOL_IMPORT_ERROR, code, msg);
	return -1;
}

/* The region's schools with a Schulnummer, by number. */
static GHashTable *load_existing(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id, name, name_extra, short_name, street, postcode, city, phone, email, "
		"website, school_number, school_form, legal_form, carrier_number FROM institution "
		"WHERE region_id = $1 AND school_number <> '' ORDER BY id", err);
	GHashTable *by = NULL;
	int r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	by = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, existing_free);
	while ((r = db_step(st, err)) == DB_ROW) {
		existing *e = g_new0(existing, 1);
		e->id = db_col_int64(st, 0);
		for (int i = 0; i < F_N; i++)
			e->v[i] = g_strdup(register_nz(db_col_text(st, 1 + i)));
		g_hash_table_replace(by, e->v[F_NUMBER], e);
	}
	if (r < 0) {
		g_hash_table_destroy(by);
		return NULL;
	}
	return by;
}

/* "a b" of two parts, either may be empty. Newly allocated. */
static char *join2(const char *a, const char *b)
{
	if (!*a)
		return g_strdup(b);
	if (!*b)
		return g_strdup(a);
	return g_strconcat(a, " ", b, NULL);
}

/* The directory's fields of one row into v (newly allocated strings). */
static void row_values(const csv_record *r, const int *col, char **v)
{
	char *f[C_N];

	for (int c = 0; c < C_N; c++)
		f[c] = g_strstrip(g_strdup(csv_record_get(r, (size_t)col[c])));
	v[F_NAME] = g_strdup(f[C_NAME1]);
	{
		g_autofree char *extra = join2(f[C_NAME2], f[C_NAME3]);
		v[F_NAME_EXTRA] = g_steal_pointer(&extra);
	}
	v[F_SHORT] = g_strdup(f[C_SHORT]);
	v[F_STREET] = g_strdup(f[C_STREET]);
	v[F_POSTCODE] = g_strdup(f[C_POSTCODE]);
	v[F_CITY] = g_strdup(f[C_CITY]);
	v[F_PHONE] = join2(f[C_AREA_CODE], f[C_PHONE]);
	v[F_EMAIL] = g_strdup(f[C_EMAIL]);
	/* A few addresses come without a scheme; a link needs one. */
	if (*f[C_WEBSITE] && !g_str_has_prefix(f[C_WEBSITE], "http://") &&
	    !g_str_has_prefix(f[C_WEBSITE], "https://"))
		v[F_WEBSITE] = g_strconcat("http://", f[C_WEBSITE], NULL);
	else
		v[F_WEBSITE] = g_strdup(f[C_WEBSITE]);
	v[F_NUMBER] = g_strdup(f[C_NUMBER]);
	v[F_FORM] = g_strdup(f[C_FORM]);
	v[F_LEGAL] = g_strdup(f[C_LEGAL]);
	v[F_CARRIER] = g_strdup(f[C_CARRIER]);
	for (int c = 0; c < C_N; c++)
		g_free(f[c]);
}

/* The first rule a row breaks: its field and msgid; NULL when none. */
static const char *row_problem(char *const *v, const char **field)
{
	if (!register_digits(v[F_NUMBER], 6, 6)) {
		*field = "school_number";
		return N_("The school number must have six digits.");
	}
	if (!*v[F_NAME]) {
		*field = "name";
		return N_("The school's name (Schulbezeichnung_1) is empty.");
	}
	if (!register_digits(v[F_POSTCODE], 5, 5)) {
		*field = "postcode";
		return N_("The postcode must have five digits.");
	}
	if (!*v[F_FORM]) {
		*field = "school_form";
		return N_("The Schulform code is empty.");
	}
	if (!school_form_code_ok(v[F_FORM])) {
		*field = "school_form";
		return N_("The Schulform code must have one to ten letters or digits.");
	}
	if (*v[F_LEGAL] && !school_legal_form_label(v[F_LEGAL])) {
		*field = "legal_form";
		return N_("The Rechtsform must be 1 (public) or 2 (private).");
	}
	if (*v[F_CARRIER] && !register_digits(v[F_CARRIER], 1, 10)) {
		*field = "carrier_number";
		return N_("The provider number (Traegernummer) must have at most ten digits.");
	}
	for (int i = 0; i < F_N; i++) {
		if (field_max[i] && !register_text_ok(v[i], 0, field_max[i])) {
			*field = field_names[i];
			return N_("This value is longer than the register allows.");
		}
	}
	return NULL;
}

static bool in_region(const char *key, char *const *keys)
{
	for (size_t i = 0; keys[i]; i++)
		if (g_str_has_prefix(key, keys[i]))
			return true;
	return false;
}

static json_t *string_array(char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static int plan_build(const bireg_ctx *ctx, const char *data, size_t len, plan *p,
		      GError **err)
{
	tabular_options opt = {.drop_trailing_empty = true};
	tabular t = {0};
	g_auto(GStrv) keys = school_keys_get(ctx, err);
	g_autoptr(GHashTable) have = NULL;
	g_autoptr(GHashTable) first = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	json_t *news, *changed, *vanished, *rejected;
	int col[C_N];
	int64_t rows = 0, in = 0, skipped = 0, unchanged = 0;
	int rc = -1;

	memset(p, 0, sizeof *p);
	if (!keys)
		return -1;
	if (!keys[0])
		return fail(err, SCHOOL_IMPORT_ERROR_NO_KEYS,
			    N_("Enter the Gemeindeschlüssel of the region first: only the schools of these Gemeinden are imported."));
	p->type_id = institution_type_id_by_key(ctx, "school", err);
	if (p->type_id < 0)
		return -1;
	if (p->type_id == 0)
		return fail(err, SCHOOL_IMPORT_ERROR_NO_KIND,
			    N_("The region has no kind of institution \"Schule\" (key school)."));
	if (tabular_read(data, len, &opt, &t, err) < 0)
		return -1;
	if (t.table->records->len < 1) {
		g_set_error_literal(err, BIREG_TABULAR_ERROR, TABULAR_ERROR_EMPTY, "the file is empty");
		goto out;
	}
	{
		const csv_record *h = g_ptr_array_index(t.table->records, 0);
		g_autoptr(GString) missing = g_string_new(NULL);
		for (int c = 0; c < C_N; c++) {
			col[c] = csv_header_index(h, school_import_columns[c]);
			if (col[c] < 0)
				g_string_append_printf(missing, "%s%s", missing->len ? ", " : "",
						       school_import_columns[c]);
		}
		if (missing->len) {
			g_set_error(err, BIREG_SCHOOL_IMPORT_ERROR, SCHOOL_IMPORT_ERROR_COLUMNS, "%s %s",
				    SCHOOL_IMPORT_COLUMNS_MSGID, missing->str);
			goto out;
		}
	}
	have = load_existing(ctx, err);
	if (!have)
		goto out;
	p->writes = g_ptr_array_new_with_free_func(planned_free);
	news = json_array();
	changed = json_array();
	vanished = json_array();
	rejected = json_array();
	p->report = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "format",
			      t.format == TABULAR_XLSX ? "xlsx" : "csv", "encoding",
			      t.encoding ? t.encoding : "utf-8", "keys", string_array(keys), "new",
			      news, "changed", changed, "vanished", vanished, "rejected", rejected);
	if (t.separator)
		json_object_set_new(p->report, "separator", json_sprintf("%c", t.separator));

	for (guint i = 1; i < t.table->records->len; i++) {
		const csv_record *r = g_ptr_array_index(t.table->records, i);
		g_autofree char *key = g_strstrip(g_strdup(csv_record_get(r, (size_t)col[C_KEY])));
		planned *x;
		const char *field = NULL, *problem;
		gpointer seen_line;
		existing *e;

		rows++;
		if (!in_region(key, keys)) {
			skipped++;
			continue;
		}
		in++;
		x = g_new0(planned, 1);
		x->line = r->line;
		row_values(r, col, x->v);
		problem = row_problem(x->v, &field);
		if (!problem && g_hash_table_lookup_extended(first, x->v[F_NUMBER], NULL, &seen_line)) {
			json_array_append_new(rejected, json_pack("{s:I,s:s,s:s,s:s,s:I}", "line",
				(json_int_t)x->line, "school_number", x->v[F_NUMBER], "field",
				"school_number", "reason",
				N_("The school number appears more than once in the file."),
				"first_line", (json_int_t)GPOINTER_TO_SIZE(seen_line)));
			p->rejected++;
			planned_free(x);
			continue;
		}
		if (problem) {
			json_array_append_new(rejected, json_pack("{s:I,s:s,s:s,s:s}", "line",
				(json_int_t)x->line, "school_number", x->v[F_NUMBER], "field", field,
				"reason", problem));
			p->rejected++;
			planned_free(x);
			continue;
		}
		g_hash_table_insert(first, g_strdup(x->v[F_NUMBER]), GSIZE_TO_POINTER(x->line));
		e = g_hash_table_lookup(have, x->v[F_NUMBER]);
		if (!e) {
			json_array_append_new(news, json_pack("{s:I,s:s,s:s,s:s,s:s}", "line",
				(json_int_t)x->line, "school_number", x->v[F_NUMBER], "name",
				x->v[F_NAME], "school_form", x->v[F_FORM], "city", x->v[F_CITY]));
			g_ptr_array_add(p->writes, x);
			continue;
		}
		e->seen = true;
		{
			json_t *diff = json_array();
			for (int f = 0; f < F_N; f++)
				if (strcmp(e->v[f], x->v[f]))
					json_array_append_new(diff, json_pack("{s:s,s:s,s:s}", "field",
						field_names[f], "old", e->v[f], "new", x->v[f]));
			if (json_array_size(diff) == 0) {
				unchanged++;
				json_decref(diff);
				planned_free(x);
				continue;
			}
			x->id = e->id;
			x->old_postcode = g_strdup(e->v[F_POSTCODE]);
			json_array_append_new(changed, json_pack("{s:I,s:I,s:s,s:s,s:o}", "line",
				(json_int_t)x->line, "id", (json_int_t)e->id, "school_number",
				x->v[F_NUMBER], "name", x->v[F_NAME], "changes", diff));
			g_ptr_array_add(p->writes, x);
		}
	}
	{
		/* In the order of the register (by id), not of the hash table. */
		g_autoptr(GList) all = g_hash_table_get_values(have);
		g_autoptr(GPtrArray) gone = g_ptr_array_new();
		for (GList *l = all; l; l = l->next)
			if (!((existing *)l->data)->seen)
				g_ptr_array_add(gone, l->data);
		g_ptr_array_sort(gone, existing_cmp);
		for (guint i = 0; i < gone->len; i++) {
			existing *e = g_ptr_array_index(gone, i);
			json_array_append_new(vanished, json_pack("{s:I,s:s,s:s}", "id",
				(json_int_t)e->id, "school_number", e->v[F_NUMBER], "name", e->v[F_NAME]));
		}
	}
	json_object_set_new(p->report, "rows", json_integer(rows));
	json_object_set_new(p->report, "in_region", json_integer(in));
	json_object_set_new(p->report, "skipped", json_integer(skipped));
	json_object_set_new(p->report, "unchanged", json_integer(unchanged));
	rc = 0;
out:
	tabular_clear(&t);
	if (rc < 0)
		plan_clear(p);
	return rc;
}

json_t *school_import_plan(const bireg_ctx *ctx, const char *data, size_t len, GError **err)
{
	plan p;
	json_t *out;

	if (plan_build(ctx, data, len, &p, err) < 0)
		return NULL;
	out = json_incref(p.report);
	plan_clear(&p);
	return out;
}

/* ---- writing ------------------------------------------------------------ */

/* What an update keeps of an existing school (the office's own): its kind,
 * notes, tags and the areas set by hand. */
typedef struct office {
	int64_t type_id;
	char *notes;
	GPtrArray *tags;  /* char*, owned, NULL-terminated */
	int64_t area[2];  /* admin, social; 0 none */
} office;

static void office_free(gpointer p)
{
	office *o = p;
	g_free(o->notes);
	if (o->tags)
		g_ptr_array_free(o->tags, TRUE);
	g_free(o);
}

/* The office's fields of the region's schools, by id, in three queries
 * (instead of institution_store_get per school). */
static GHashTable *load_office(const bireg_ctx *ctx, GError **err)
{
	static const char *const sql[] = {
		"SELECT id, type_id, notes FROM institution WHERE region_id = $1 "
		"AND school_number <> ''",
		"SELECT t.institution_id, t.tag FROM institution_tag t JOIN institution i "
		"ON i.id = t.institution_id WHERE t.region_id = $1 AND i.region_id = $1 "
		"AND i.school_number <> '' ORDER BY t.institution_id, t.tag",
		"SELECT ia.institution_id, ia.area_id, a.hierarchy FROM institution_area ia "
		"JOIN area a ON a.id = ia.area_id JOIN institution i ON i.id = ia.institution_id "
		"WHERE ia.region_id = $1 AND a.region_id = $1 AND i.region_id = $1 "
		"AND i.school_number <> ''",
	};
	g_autoptr(GHashTable) by = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
							 office_free);

	for (size_t q = 0; q < G_N_ELEMENTS(sql); q++) {
		g_autoptr(db_stmt) st = db_prepare(ctx->db, sql[q], err);
		int r;
		if (!st)
			return NULL;
		db_bind_int64(st, 1, ctx->region_id);
		while ((r = db_step(st, err)) == DB_ROW) {
			gint64 id = db_col_int64(st, 0);
			office *o = g_hash_table_lookup(by, &id);
			if (q == 0) {
				o = g_new0(office, 1);
				o->type_id = db_col_int64(st, 1);
				o->notes = g_strdup(register_nz(db_col_text(st, 2)));
				o->tags = g_ptr_array_new_with_free_func(g_free);
				g_hash_table_insert(by, g_memdup2(&id, sizeof id), o);
			} else if (o && q == 1) {
				g_ptr_array_add(o->tags, g_strdup(db_col_text(st, 1)));
			} else if (o) {
				o->area[strcmp(db_col_text(st, 2), AREA_HIERARCHY_ADMIN) ? 1 : 0] =
					db_col_int64(st, 1);
			}
		}
		if (r < 0)
			return NULL;
	}
	{
		GHashTableIter it;
		gpointer k, v;
		g_hash_table_iter_init(&it, by);
		while (g_hash_table_iter_next(&it, &k, &v))
			g_ptr_array_add(((office *)v)->tags, NULL);
	}
	return g_steal_pointer(&by);
}

/* The area of hierarchy h an existing school keeps: the one set by hand;
 * 0 when it is the post-code table's for the school's old post code and
 * the post code changes (the store then takes the new post code's). */
static int64_t kept_area(GHashTable *postcodes, int64_t area, const char *h, const char *old_pc,
			 const char *new_pc)
{
	if (!area || !strcmp(old_pc, new_pc) || !*old_pc)
		return area;
	return area_postcode_map_get(postcodes, old_pc, h) == area ? 0 : area;
}

/* Writes the plan of batch_id in one institution_store_write_many(); the
 * caller's transaction. */
static int apply(const bireg_ctx *ctx, const plan *p, int64_t batch_id, GError **err)
{
	g_autofree char *summary = g_strdup_printf("Schulverzeichnis, Import Nr. %" G_GINT64_FORMAT,
						   (gint64)batch_id);
	size_t n = p->writes->len, failed = 0;
	g_autofree institution_input *ins = g_new0(institution_input, n ? n : 1);
	g_autofree int64_t *ids = g_new0(int64_t, n ? n : 1);
	g_autofree int64_t *areas = g_new0(int64_t, 2 * (n ? n : 1));
	g_autoptr(GHashTable) offices = NULL;
	g_autoptr(GHashTable) postcodes = NULL;
	bool updates = false;

	for (size_t i = 0; i < n; i++)
		updates = updates || ((const planned *)g_ptr_array_index(p->writes, i))->id;
	if (updates) {
		offices = load_office(ctx, err);
		postcodes = offices ? area_postcode_map(ctx, err) : NULL;
		if (!postcodes)
			return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const planned *x = g_ptr_array_index(p->writes, i);
		institution_input *in = &ins[i];
		*in = (institution_input){
			.type_id = p->type_id,
			.name = x->v[F_NAME],
			.name_extra = x->v[F_NAME_EXTRA],
			.short_name = x->v[F_SHORT],
			.street = x->v[F_STREET],
			.postcode = x->v[F_POSTCODE],
			.city = x->v[F_CITY],
			.phone = x->v[F_PHONE],
			.email = x->v[F_EMAIL],
			.website = x->v[F_WEBSITE],
			.school_number = x->v[F_NUMBER],
			.school_form = x->v[F_FORM],
			.legal_form = x->v[F_LEGAL],
			.carrier_number = x->v[F_CARRIER],
			.school_form_any = true,
			.log_action = "import",
			.log_summary = summary,
		};
		ids[i] = x->id;
		if (x->id) {
			/* An update keeps what the office owns: kind, notes, tags, areas. */
			gint64 key = x->id;
			office *o = g_hash_table_lookup(offices, &key);
			if (!o) {
				register_fail(err, REGISTER_ERROR_NOT_FOUND, "no such institution");
				g_prefix_error(err, "line %zu (%s): ", x->line, x->v[F_NUMBER]);
				return -1;
			}
			in->type_id = o->type_id;
			in->notes = o->notes;
			in->tags = (const char *const *)o->tags->pdata;
			areas[2 * i] = kept_area(postcodes, o->area[0], AREA_HIERARCHY_ADMIN,
						 x->old_postcode, x->v[F_POSTCODE]);
			areas[2 * i + 1] = kept_area(postcodes, o->area[1], AREA_HIERARCHY_SOCIAL,
						     x->old_postcode, x->v[F_POSTCODE]);
			in->area_ids = &areas[2 * i];
			in->n_areas = 2;
		}
	}
	if (institution_store_write_many(ctx, n, ins, ids, &failed, err) < 0) {
		if (n) {
			const planned *x = g_ptr_array_index(p->writes, failed);
			g_prefix_error(err, "line %zu (%s): ", x->line, x->v[F_NUMBER]);
		}
		return -1;
	}
	return 0;
}

static int rejected_error(const plan *p, GError **err)
{
	g_set_error(err, BIREG_SCHOOL_IMPORT_ERROR, SCHOOL_IMPORT_ERROR_REJECTED,
		    "rejected rows: %" G_GINT64_FORMAT,
		    (gint64)p->rejected);
	return -1;
}

int64_t school_import_upload(const bireg_ctx *ctx, const char *file_name, const char *data,
			     size_t len, GError **err)
{
	plan p;
	bool own;
	int64_t id = -1;

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (plan_build(ctx, data, len, &p, err) == 0) {
		import_batch_input in = {
			.kind = "schools",
			.file_name = file_name,
			.format = register_jstr(p.report, "format"),
			.encoding = register_jstr(p.report, "encoding"),
			.data = data,
			.len = len,
			.rows_total = register_jint(p.report, "in_region"),
			.report = p.report,
		};
		id = import_batch_create(ctx, &in, err);
		plan_clear(&p);
	}
	if (db_join_end(ctx->db, own, id > 0 ? 0 : -1, err) < 0)
		return -1;
	return id;
}

/* The batch, when it is a school import in preview; else NULL with err. */
static json_t *batch_in_preview(const bireg_ctx *ctx, int64_t batch_id, GError **err)
{
	json_t *b = import_batch_get(ctx, batch_id, err);

	if (!b)
		return NULL;
	if (strcmp(register_jstr(b, "kind"), "schools") || strcmp(register_jstr(b, "state"), "preview")) {
		json_decref(b);
		fail(err, SCHOOL_IMPORT_ERROR_STATE,
		     N_("This import is no longer waiting for confirmation."));
		return NULL;
	}
	return b;
}

int school_import_commit(const bireg_ctx *ctx, int64_t batch_id, json_t **report, GError **err)
{
	g_autoptr(GBytes) bytes = NULL;
	json_t *b;
	plan p = {0};
	bool own, have_plan = false;
	int rc = -1;

	if (report)
		*report = NULL;
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	b = batch_in_preview(ctx, batch_id, err);
	if (!b)
		goto out;
	json_decref(b);
	bytes = import_batch_file(ctx, batch_id, err);
	if (!bytes)
		goto out;
	if (plan_build(ctx, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), &p, err) < 0)
		goto out;
	have_plan = true;
	if (p.rejected > 0) {
		rejected_error(&p, err);
		goto out;
	}
	if (apply(ctx, &p, batch_id, err) < 0)
		goto out;
	json_object_set_new(p.report, "committed", json_true());
	if (import_batch_progress(ctx, batch_id, register_jint(p.report, "in_region"), err) < 0 ||
	    import_batch_set_state(ctx, batch_id, "done", p.report, NULL, err) < 0)
		goto out;
	if (report)
		*report = json_incref(p.report);
	rc = 0;
out:
	if (have_plan)
		plan_clear(&p);
	return db_join_end(ctx->db, own, rc, err);
}

int school_import_cancel(const bireg_ctx *ctx, int64_t batch_id, GError **err)
{
	bool own;
	int rc = -1;
	json_t *b;

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	b = batch_in_preview(ctx, batch_id, err);
	if (b) {
		json_decref(b);
		rc = import_batch_set_state(ctx, batch_id, "cancelled", NULL, NULL, err);
	}
	return db_join_end(ctx->db, own, rc, err);
}

int64_t school_import_run(const bireg_ctx *ctx, const char *file_name, const char *data,
			  size_t len, bool dry_run, json_t **report, GError **err)
{
	plan p;
	bool own;
	int64_t id = -1;

	if (report)
		*report = NULL;
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (plan_build(ctx, data, len, &p, err) < 0)
		goto out;
	if (report)
		*report = json_incref(p.report);
	if (p.rejected > 0) {
		rejected_error(&p, err);
	} else if (dry_run) {
		id = 0;
	} else {
		import_batch_input in = {
			.kind = "schools",
			.file_name = file_name,
			.format = register_jstr(p.report, "format"),
			.encoding = register_jstr(p.report, "encoding"),
			.data = data,
			.len = len,
			.rows_total = register_jint(p.report, "in_region"),
			.report = p.report,
		};
		int64_t bid = import_batch_create(ctx, &in, err);
		json_object_set_new(p.report, "committed", json_true());
		if (bid > 0 && apply(ctx, &p, bid, err) == 0 &&
		    import_batch_progress(ctx, bid, register_jint(p.report, "in_region"), err) == 0 &&
		    import_batch_set_state(ctx, bid, "done", p.report, NULL, err) == 0)
			id = bid;
	}
	plan_clear(&p);
out:
	if (db_join_end(ctx->db, own, id >= 0 ? 0 : -1, err) < 0)
		return -1;
	return id;
}

char *school_import_error_text(const GError *err, const char *lang)
{
	if (!err)
		return g_strdup("");
	if (err->domain == BIREG_SCHOOL_IMPORT_ERROR) {
		if (err->code == SCHOOL_IMPORT_ERROR_COLUMNS) {
			const char *list = err->message + strlen(SCHOOL_IMPORT_COLUMNS_MSGID);
			return g_strconcat(i18n_translate(lang, SCHOOL_IMPORT_COLUMNS_MSGID), list,
					   NULL);
		}
		if (err->code == SCHOOL_IMPORT_ERROR_REJECTED)
			return g_strdup(i18n_translate(lang, N_("Some rows were rejected. Nothing was imported: correct the file and upload it again.")));
		return g_strdup(i18n_translate(lang, err->message));
	}
	if (err->domain == BIREG_TABULAR_ERROR || err->domain == BIREG_CSV_ERROR) {
		/* tabular_error_message translates in the thread's locale. */
		locale_t want = i18n_locale(lang), old = (locale_t)0;
		char *s;
		if (want)
			old = uselocale(want);
		s = tabular_error_message(err);
		if (want)
			uselocale(old);
		return s;
	}
	if (err->domain == BIREG_REGISTER_ERROR)
		return g_strdup(i18n_translate(lang, register_error_msgid(err)));
	return g_strdup(err->message);
}
