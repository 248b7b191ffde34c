/*
 * register_import.c — the generic import of people and institutions
 * (register_import.h): mapping, per-row checks with the stores' own rules,
 * the preview, the all-or-nothing commit, and the background job for large
 * files.
 *
 * One planning pass serves preview and commit: it loads what the matching
 * needs from the region in a few queries (people by e-mail, institutions by
 * Schulnummer and by name + post code, the kinds of institution, current
 * affiliations), then decides per row new / changed / unchanged / rejected.
 * The commit plans again inside its transaction, so it never writes from a
 * stale preview.
 */
#include "modules/register/register_import.h"

#include <string.h>

#include "core/log.h"
#include "core/text.h"
#include "db/db.h"
#include "jobs/job.h"
#include "modules/register/import_store.h"
#include "modules/register/institution_store.h"
#include "modules/register/person_store.h"
#include "modules/register/register.h"
#include "view/i18n.h"

/* jansson has no g_autoptr support; this file's own. */

/* ---- target fields ---------------------------------------------------- */

#define SYN(...) ((const char *const[]){__VA_ARGS__, NULL})

static const register_import_field people_fields[] = {
	{"address_form", N_("Form of address"), false, SYN("anrede", "salutation", "formofaddress", "geschlecht")},
	{"title", N_("Academic title"), false, SYN("titel", "title", "akademischertitel", "akadgrad")},
	{"first_name", N_("First name"), false, SYN("vorname", "firstname", "givenname", "rufname")},
	{"last_name", N_("Last name"), true, SYN("nachname", "name", "familienname", "lastname", "surname", "zuname")},
	{"function", N_("Function"), false, SYN("funktion", "function", "position", "rolle", "role", "jobtitle")},
	{"email", N_("Email address"), false, SYN("email", "mail", "emailadresse", "mailadresse", "emailaddress")},
	{"phone", N_("Phone"), false, SYN("telefon", "tel", "phone", "telefonnummer", "telephone", "festnetz")},
	{"mobile", N_("Mobile phone"), false, SYN("mobil", "mobile", "handy", "mobiltelefon", "mobilnummer", "mobilephone")},
	{"street", N_("Street and number"), false, SYN("strasse", "street", "adresse", "anschrift", "strassehausnummer", "strasseundhausnummer", "strassenr", "address")},
	{"postcode", N_("Postcode"), false, SYN("plz", "postleitzahl", "postcode", "zip", "zipcode", "postalcode")},
	{"city", N_("Town or city"), false, SYN("ort", "stadt", "city", "town", "wohnort", "gemeinde")},
	{"notes", N_("Notes"), false, SYN("notiz", "notizen", "bemerkung", "bemerkungen", "notes", "anmerkung", "anmerkungen", "kommentar")},
	{"institution", N_("Institution"), false, SYN("institution", "einrichtung", "schule", "organisation", "organization", "dienststelle", "schulnummer")},
};

static const register_import_field institution_fields[] = {
	{"name", N_("Name"), true, SYN("name", "bezeichnung", "einrichtung", "institution", "schulname", "name1", "schulbezeichnung1", "organisation")},
	{"name_extra", N_("Addition to the name"), false, SYN("namenszusatz", "zusatz", "name2", "schulbezeichnung2")},
	{"short_name", N_("Short name"), false, SYN("kurzname", "kurzbezeichnung", "shortname", "abkurzung")},
	{"type", N_("Kind of institution"), false, SYN("art", "typ", "type", "kind", "einrichtungsart", "institutionsart")},
	{"street", N_("Street and number"), false, SYN("strasse", "street", "adresse", "anschrift", "strassehausnummer", "strasseundhausnummer", "address")},
	{"postcode", N_("Postcode"), false, SYN("plz", "postleitzahl", "postcode", "zip", "zipcode", "postalcode")},
	{"city", N_("Town or city"), false, SYN("ort", "stadt", "city", "town", "gemeinde")},
	{"phone", N_("Phone"), false, SYN("telefon", "tel", "phone", "telefonnummer", "telephone")},
	{"email", N_("Email address"), false, SYN("email", "mail", "emailadresse", "mailadresse", "emailaddress")},
	{"website", N_("Website"), false, SYN("website", "homepage", "webseite", "internet", "url", "web", "internetadresse")},
	{"school_number", N_("School number"), false, SYN("schulnummer", "schulnr", "schoolnumber")},
	{"school_form", N_("School form"), false, SYN("schulform", "schoolform")},
	{"notes", N_("Notes"), false, SYN("notiz", "notizen", "bemerkung", "bemerkungen", "notes", "anmerkung", "anmerkungen", "kommentar")},
};

#define MAX_FIELDS 16

const register_import_field *register_import_fields(const char *kind, size_t *n)
{
	if (!g_strcmp0(kind, "people")) {
		*n = G_N_ELEMENTS(people_fields);
		return people_fields;
	}
	if (!g_strcmp0(kind, "institutions")) {
		*n = G_N_ELEMENTS(institution_fields);
		return institution_fields;
	}
	*n = 0;
	return NULL;
}

bool register_import_kind_valid(const char *kind)
{
	return !g_strcmp0(kind, "people") || !g_strcmp0(kind, "institutions");
}

static int field_index(const char *kind, const char *name)
{
	size_t n;
	const register_import_field *f = register_import_fields(kind, &n);

	for (size_t i = 0; f && i < n; i++)
		if (!strcmp(f[i].name, name))
			return (int)i;
	return -1;
}

/* ---- reading ------------------------------------------------------------ */

static bool record_empty(const csv_record *r)
{
	for (size_t i = 0; i < r->n; i++) {
		for (const char *p = r->fields[i]; *p; p++)
			if (!g_ascii_isspace(*p))
				return false;
	}
	return true;
}

int register_import_read(const void *data, size_t len, tabular *out, GError **err)
{
	tabular_options opt = {.max_bytes = REGISTER_IMPORT_MAX_BYTES, .max_records = 200001,
			       .drop_trailing_empty = true};
	size_t rows = 0;

	if (tabular_read(data, len, &opt, out, err) < 0)
		return -1;
	for (guint i = 1; i < out->table->records->len; i++)
		if (!record_empty(g_ptr_array_index(out->table->records, i)))
			rows++;
	if (out->table->records->len < 1 || record_empty(g_ptr_array_index(out->table->records, 0)) ||
	    rows == 0) {
		tabular_clear(out);
		g_set_error_literal(err, BIREG_TABULAR_ERROR, TABULAR_ERROR_EMPTY,
				    "the file has no rows below its header");
		return -1;
	}
	return 0;
}

static const csv_record *header_of(const csv_table *t)
{
	return t && t->records->len ? g_ptr_array_index(t->records, 0) : NULL;
}

json_t *register_import_headers(const csv_table *t)
{
	const csv_record *h = header_of(t);
	json_t *a = json_array();

	for (size_t i = 0; h && i < h->n; i++) {
		g_autofree char *v = g_strstrip(g_strdup(h->fields[i]));
		json_array_append_new(a, json_string(v));
	}
	return a;
}

/* A header folded for matching: search folding, then only letters and
 * digits ("E-Mail-Adresse" → "emailadresse", "Straße" → "strasse"). */
static char *fold_header(const char *s)
{
	g_autofree char *f = text_search_fold(s ? s : "");
	GString *o = g_string_new(NULL);

	for (const char *p = f ? f : ""; *p; p++)
		if (g_ascii_isalnum(*p) || (unsigned char)*p >= 0x80)
			g_string_append_c(o, *p);
	return g_string_free(o, FALSE);
}

/* The column of header name (trimmed, exact; the first of equal names). */
static int column_of(const csv_record *h, const char *name)
{
	for (size_t i = 0; h && name && i < h->n; i++) {
		g_autofree char *v = g_strstrip(g_strdup(h->fields[i]));
		if (*v && !strcmp(v, name))
			return (int)i;
	}
	return -1;
}

json_t *register_import_propose(const char *kind, const csv_table *t)
{
	size_t n;
	const register_import_field *f = register_import_fields(kind, &n);
	const csv_record *h = header_of(t);
	json_t *m = json_object();
	g_autofree bool *used = g_new0(bool, h ? h->n + 1 : 1);

	/* Field by field in the order of its synonyms, so that "Nachname"
	 * wins over "Name" for the last name when both are there. */
	for (size_t i = 0; f && h && i < n; i++) {
		bool done = false;
		for (size_t s = 0; f[i].synonyms[s] && !done; s++) {
			for (size_t c = 0; c < h->n && !done; c++) {
				g_autofree char *folded = fold_header(h->fields[c]);
				if (used[c] || strcmp(folded, f[i].synonyms[s]))
					continue;
				g_autofree char *v = g_strstrip(g_strdup(h->fields[c]));
				if (column_of(h, v) != (int)c)
					continue; /* a repeated header: only its first column */
				json_object_set_new(m, f[i].name, json_string(v));
				used[c] = done = true;
			}
		}
	}
	return m;
}

int register_import_check_mapping(const char *kind, const csv_table *t, json_t *mapping,
				  GError **err)
{
	size_t n;
	const register_import_field *f = register_import_fields(kind, &n);
	const csv_record *h = header_of(t);
	g_autoptr(GHashTable) cols = g_hash_table_new(g_direct_hash, g_direct_equal);
	const char *key;
	json_t *v;

	if (!f || !json_is_object(mapping))
		return register_invalid(err, "mapping", N_("The column mapping is not valid."));
	json_object_foreach(mapping, key, v) {
		int c;
		if (field_index(kind, key) < 0 || !json_is_string(v))
			return register_invalid(err, "mapping", N_("The column mapping is not valid."));
		if (!*json_string_value(v))
			continue;
		c = column_of(h, json_string_value(v));
		if (c < 0)
			return register_invalid(err, key, N_("The file has no column of this name."));
		if (g_hash_table_contains(cols, GINT_TO_POINTER(c + 1)))
			return register_invalid(err, key, N_("This column is already mapped to another field. Each column can go into one field only."));
		g_hash_table_add(cols, GINT_TO_POINTER(c + 1));
	}
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_object_get(mapping, f[i].name);
		if (f[i].required && (!json_is_string(m) || !*json_string_value(m)))
			return register_invalid(err, f[i].name, N_("This field is required: please choose the column that holds it."));
	}
	return 0;
}

/* ---- the plan ------------------------------------------------------------ */

enum { ACT_NEW, ACT_UPDATE, ACT_UNCHANGED, ACT_REJECTED };
static const char *const action_names[] = {"new", "update", "unchanged", "rejected"};

typedef struct row_plan {
	size_t line;
	char *val[MAX_FIELDS];  /* trimmed cell of each mapped field; NULL: not mapped */
	int action;
	int64_t id;             /* the matched record (update, unchanged) */
	json_t *before;         /* its stored columns (borrowed from the plan's index) */
	int64_t type_id;        /* institutions: the kind to store */
	int64_t inst_id;        /* people: the institution of the affiliation, 0 none */
	bool add_affiliation;
	GPtrArray *changed;     /* field names (static) */
	const char *field;      /* rejected: the field */
	char *reason;           /* rejected: msgid (owned: a store's msgid lives
				   in a GError freed before the report is built) */
	char *arg;              /* rejected: the msgid's {arg} */
} row_plan;

typedef struct plan {
	const char *kind;
	const register_import_field *fields;
	size_t nf;
	int col[MAX_FIELDS];    /* column of each field, -1 when not mapped */
	GArray *rows;           /* row_plan */
	/* lookups of the region */
	GHashTable *by_key;     /* people: lower(email); institutions: "s:" number,
				   "n:" folded name | postcode → json record (owned) */
	GHashTable *by_name;    /* institutions by folded name (people's affiliations):
				   → id, or 0 when the name is ambiguous */
	GHashTable *by_number;  /* school number → id (people's affiliations) */
	GHashTable *types;      /* folded kind name or key → id */
	GHashTable *affiliated; /* "person:institution" of current affiliations */
	int64_t type_school, type_other;
	int64_t n_new, n_changed, n_unchanged, n_rejected;
} plan;

static void row_plan_clear(row_plan *r)
{
	for (size_t i = 0; i < MAX_FIELDS; i++)
		g_free(r->val[i]);
	if (r->changed)
		g_ptr_array_free(r->changed, TRUE);
	g_free(r->reason);
	g_free(r->arg);
}

static void plan_free(plan *p)
{
	if (!p)
		return;
	if (p->rows) {
		for (guint i = 0; i < p->rows->len; i++)
			row_plan_clear(&g_array_index(p->rows, row_plan, i));
		g_array_free(p->rows, TRUE);
	}
	g_clear_pointer(&p->by_key, g_hash_table_destroy);
	g_clear_pointer(&p->by_name, g_hash_table_destroy);
	g_clear_pointer(&p->by_number, g_hash_table_destroy);
	g_clear_pointer(&p->types, g_hash_table_destroy);
	g_clear_pointer(&p->affiliated, g_hash_table_destroy);
	g_free(p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(plan, plan_free)

static const char *val(const plan *p, const row_plan *r, const char *field)
{
	int i = field_index(p->kind, field);
	return i >= 0 ? r->val[i] : NULL;
}

/* A mapped and non-empty value, else NULL. */
static const char *given(const plan *p, const row_plan *r, const char *field)
{
	const char *v = val(p, r, field);
	return v && *v ? v : NULL;
}

static void reject(row_plan *r, const char *field, const char *reason, const char *arg)
{
	if (r->action == ACT_REJECTED)
		return; /* the first reason of a row counts */
	r->action = ACT_REJECTED;
	r->field = field;
	r->reason = g_strdup(reason);
	r->arg = g_strdup(arg);
}

static char *lower(const char *s)
{
	g_autofree char *d = g_utf8_strdown(s, -1);
	return g_strdup(d);
}

static char *name_key(const char *name, const char *postcode)
{
	g_autofree char *f = text_search_fold(name ? name : "");
	g_autofree char *c = text_collapse_ws(f ? f : "");
	return g_strconcat("n:", c ? c : "", "|", postcode ? postcode : "", NULL);
}

static json_t *row_object(db_stmt *st, const char *const *names)
{
	json_t *o = json_object();

	for (int i = 0; names[i]; i++) {
		if (!strcmp(names[i], "id") || !strcmp(names[i], "type_id"))
			json_object_set_new(o, names[i], json_integer(db_col_int64(st, i)));
		else
			json_object_set_new(o, names[i], json_string(register_nz(db_col_text(st, i))));
	}
	return o;
}

static int load_people(const bireg_ctx *ctx, plan *p, GError **err)
{
	static const char *const names[] = {"id", "address_form", "title", "first_name",
		"last_name", "function", "email", "phone", "mobile", "street", "postcode", "city",
		"notes", "letter_salutation", "preferred_channel", "legal_basis", "legal_basis_note",
		NULL};
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id, address_form, title, first_name, last_name, function, email, phone, "
		"mobile, street, postcode, city, notes, letter_salutation, preferred_channel, "
		"legal_basis, legal_basis_note FROM person WHERE region_id = $1 AND email <> '' "
		"AND erased_at IS NULL ORDER BY id", err);
	int r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	while ((r = db_step(st, err)) == DB_ROW) {
		json_t *o = row_object(st, names);
		char *k = lower(register_jstr(o, "email"));
		if (g_hash_table_contains(p->by_key, k)) {
			g_free(k); /* two stored people share it: the older one is matched */
			json_decref(o);
			continue;
		}
		g_hash_table_insert(p->by_key, k, o);
	}
	return r < 0 ? -1 : 0;
}

static int load_affiliations(const bireg_ctx *ctx, plan *p, GError **err)
{
	g_autofree char *today = register_today();
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT person_id, institution_id FROM person_affiliation WHERE region_id = $1 "
		"AND (start_day IS NULL OR start_day <= $2) AND (end_day IS NULL OR end_day >= $2)",
		err);
	int r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, today);
	while ((r = db_step(st, err)) == DB_ROW)
		g_hash_table_add(p->affiliated,
				 g_strdup_printf("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
						 db_col_int64(st, 0), db_col_int64(st, 1)));
	return r < 0 ? -1 : 0;
}

static int load_institutions(const bireg_ctx *ctx, plan *p, GError **err)
{
	static const char *const names[] = {"id", "type_id", "name", "name_extra", "short_name",
		"street", "postcode", "city", "phone", "email", "website", "school_number",
		"school_form", "notes", NULL};
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id, type_id, name, name_extra, short_name, street, postcode, city, phone, "
		"email, website, school_number, school_form, notes FROM institution "
		"WHERE region_id = $1 ORDER BY id", err);
	int r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	while ((r = db_step(st, err)) == DB_ROW) {
		json_t *o = row_object(st, names);
		int64_t id = register_jint(o, "id");
		const char *num = register_jstr(o, "school_number");
		g_autofree char *folded = text_search_fold(register_jstr(o, "name"));
		g_autofree char *fname = text_collapse_ws(folded ? folded : "");
		char *nk = name_key(register_jstr(o, "name"), register_jstr(o, "postcode"));

		if (*num) {
			char *sk = g_strconcat("s:", num, NULL);
			g_hash_table_insert(p->by_number, g_strdup(num), g_memdup2(&id, sizeof id));
			if (g_hash_table_contains(p->by_key, sk))
				g_free(sk);
			else
				g_hash_table_insert(p->by_key, sk, json_incref(o));
		}
		if (g_hash_table_contains(p->by_key, nk))
			g_free(nk);
		else
			g_hash_table_insert(p->by_key, nk, json_incref(o));
		if (g_hash_table_contains(p->by_name, fname)) {
			int64_t zero = 0;
			g_hash_table_insert(p->by_name, g_strdup(fname), g_memdup2(&zero, sizeof zero));
		} else {
			g_hash_table_insert(p->by_name, g_strdup(fname), g_memdup2(&id, sizeof id));
		}
		json_decref(o);
	}
	return r < 0 ? -1 : 0;
}

static int load_types(const bireg_ctx *ctx, plan *p, GError **err)
{
	json_t *list = institution_type_list(ctx, err);
	size_t i;
	json_t *t;

	if (!list)
		return -1;
	json_array_foreach(list, i, t) {
		int64_t id = register_jint(t, "id");
		const char *key = register_jstr(t, "key");
		const char *msgid = institution_type_msgid(key, register_jstr(t, "name"));
		const char *names[] = {register_jstr(t, "name"), key, msgid};
		for (size_t k = 0; k < G_N_ELEMENTS(names); k++) {
			if (!names[k] || !*names[k])
				continue;
			char *f = fold_header(names[k]);
			if (g_hash_table_contains(p->types, f))
				g_free(f);
			else
				g_hash_table_insert(p->types, f, g_memdup2(&id, sizeof id));
		}
		if (!strcmp(key, "school"))
			p->type_school = id;
		if (!strcmp(key, "other"))
			p->type_other = id;
	}
	json_decref(list);
	return 0;
}

static int64_t lookup_id(GHashTable *h, const char *k)
{
	int64_t *v = g_hash_table_lookup(h, k);
	return v ? *v : -1;
}

/* The value of an input: the mapped non-empty cell, else the stored one. */
static const char *merged(const plan *p, const row_plan *r, const char *field)
{
	const char *v = given(p, r, field);
	if (v)
		return v;
	return r->before ? register_jstr(r->before, field) : "";
}

static char *normal_address_form(const char *v)
{
	g_autofree char *f = fold_header(v);

	if (!*f)
		return g_strdup("");
	if (!strcmp(f, "frau") || !strcmp(f, "fr") || !strcmp(f, "ms") || !strcmp(f, "mrs") ||
	    !strcmp(f, "w") || !strcmp(f, "weiblich"))
		return g_strdup("frau");
	if (!strcmp(f, "herr") || !strcmp(f, "hr") || !strcmp(f, "mr") || !strcmp(f, "m") ||
	    !strcmp(f, "mannlich"))
		return g_strdup("herr");
	return NULL;
}

static void person_input_of(const plan *p, const row_plan *r, person_input *in)
{
	memset(in, 0, sizeof *in);
	in->address_form = merged(p, r, "address_form");
	in->title = merged(p, r, "title");
	in->first_name = merged(p, r, "first_name");
	in->last_name = merged(p, r, "last_name");
	in->function = merged(p, r, "function");
	in->phone = merged(p, r, "phone");
	in->mobile = merged(p, r, "mobile");
	in->email = merged(p, r, "email");
	in->street = merged(p, r, "street");
	in->postcode = merged(p, r, "postcode");
	in->city = merged(p, r, "city");
	in->notes = merged(p, r, "notes");
	if (r->before) {
		in->letter_salutation = register_jstr(r->before, "letter_salutation");
		in->preferred_channel = register_jstr(r->before, "preferred_channel");
		in->legal_basis = register_jstr(r->before, "legal_basis");
		in->legal_basis_note = register_jstr(r->before, "legal_basis_note");
	}
	/* A new person without an e-mail address is written to by post. */
	if (!*in->email && (!in->preferred_channel || !*in->preferred_channel ||
			    !strcmp(in->preferred_channel, "email")))
		in->preferred_channel = "post";
	if (*in->email && !r->before)
		in->preferred_channel = "email";
}

static void institution_input_of(const plan *p, const row_plan *r, institution_input *in)
{
	memset(in, 0, sizeof *in);
	in->type_id = r->type_id;
	in->name = merged(p, r, "name");
	in->name_extra = merged(p, r, "name_extra");
	in->short_name = merged(p, r, "short_name");
	in->street = merged(p, r, "street");
	in->postcode = merged(p, r, "postcode");
	in->city = merged(p, r, "city");
	in->phone = merged(p, r, "phone");
	in->email = merged(p, r, "email");
	in->website = merged(p, r, "website");
	in->notes = merged(p, r, "notes");
	in->school_number = merged(p, r, "school_number");
	in->school_form = merged(p, r, "school_form");
}

static void check_person_row(const bireg_ctx *ctx, plan *p, row_plan *r)
{
	const char *email = given(p, r, "email");
	const char *inst = given(p, r, "institution");
	person_input in;
	g_autoptr(GError) e = NULL;
	(void)ctx;

	if (val(p, r, "address_form")) {
		char *af = normal_address_form(r->val[field_index(p->kind, "address_form")]);
		if (!af) {
			reject(r, "address_form", N_("The form of address must be Frau, Herr or empty."), NULL);
			return;
		}
		g_free(r->val[field_index(p->kind, "address_form")]);
		r->val[field_index(p->kind, "address_form")] = af;
	}
	if (email) {
		g_autofree char *k = lower(email);
		r->before = g_hash_table_lookup(p->by_key, k);
		if (r->before)
			r->id = register_jint(r->before, "id");
	}
	if (inst) {
		int64_t id = -1;
		if (register_digits(inst, 6, 6))
			id = lookup_id(p->by_number, inst);
		if (id < 0) {
			g_autofree char *f = text_search_fold(inst);
			g_autofree char *c = text_collapse_ws(f ? f : "");
			id = lookup_id(p->by_name, c);
		}
		if (id == 0) {
			reject(r, "institution", N_("Several institutions of the register have this name; please give the school number or a unique name."), inst);
			return;
		}
		if (id < 0) {
			reject(r, "institution", N_("There is no institution of this name or school number in the register."), inst);
			return;
		}
		r->inst_id = id;
	}
	person_input_of(p, r, &in);
	if (!*in.email && (!*in.street || !*in.postcode || !*in.city)) {
		reject(r, "email", N_("A person needs an e-mail address or a full postal address (street, postcode and town)."), NULL);
		return;
	}
	if (person_input_check(&in, &e) < 0) {
		g_autofree char *field = register_error_field(e);
		int i = field_index(p->kind, field);
		/* The field of the import's list (a static string), else the
		 * store's own field name is not one of ours: name the e-mail. */
		reject(r, i >= 0 ? p->fields[i].name : "email", register_error_msgid(e), NULL);
		return;
	}
}

static void check_institution_row(const bireg_ctx *ctx, plan *p, row_plan *r, GError **dberr)
{
	const char *num = given(p, r, "school_number");
	const char *type = given(p, r, "type");
	institution_input in;
	g_autoptr(GError) e = NULL;

	if (num) {
		g_autofree char *k = g_strconcat("s:", num, NULL);
		r->before = g_hash_table_lookup(p->by_key, k);
	}
	if (!r->before) {
		g_autofree char *k = name_key(merged(p, r, "name"), merged(p, r, "postcode"));
		r->before = g_hash_table_lookup(p->by_key, k);
		/* A name match that has another school number is another school. */
		if (r->before && num && *register_jstr(r->before, "school_number"))
			r->before = NULL;
	}
	if (r->before) {
		r->id = register_jint(r->before, "id");
		r->type_id = register_jint(r->before, "type_id");
	}
	if (type) {
		g_autofree char *f = fold_header(type);
		int64_t id = lookup_id(p->types, f);
		if (id < 0) {
			reject(r, "type", N_("There is no kind of institution of this name in the register."), type);
			return;
		}
		r->type_id = id;
	} else if (!r->type_id) {
		r->type_id = num && p->type_school > 0 ? p->type_school : p->type_other;
	}
	institution_input_of(p, r, &in);
	if (institution_input_check(ctx, &in, r->id, &e) < 0) {
		if (e->domain != BIREG_REGISTER_ERROR) {
			g_propagate_error(dberr, g_steal_pointer(&e));
			return;
		}
		g_autofree char *field = register_error_field(e);
		int i = field_index(p->kind, !strcmp(field, "type_id") ? "type" : field);
		reject(r, i >= 0 ? p->fields[i].name : "name", register_error_msgid(e), NULL);
	}
}

/* Which mapped fields differ from the stored record. */
static void diff_row(plan *p, row_plan *r)
{
	r->changed = g_ptr_array_new();
	for (size_t i = 0; i < p->nf; i++) {
		const char *name = p->fields[i].name;
		const char *v = r->val[i];
		if (!v || !*v || !strcmp(name, "institution") || !strcmp(name, "type"))
			continue;
		if (!r->before || strcmp(register_jstr(r->before, name), v))
			g_ptr_array_add(r->changed, (gpointer)name);
	}
	if (r->before && p->type_other >= 0 && !strcmp(p->kind, "institutions") &&
	    given(p, r, "type") && register_jint(r->before, "type_id") != r->type_id)
		g_ptr_array_add(r->changed, (gpointer) "type");
	if (r->inst_id) {
		g_autofree char *k = g_strdup_printf("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
						     r->id, r->inst_id);
		if (!r->id || !g_hash_table_contains(p->affiliated, k)) {
			r->add_affiliation = true;
			g_ptr_array_add(r->changed, (gpointer) "institution");
		}
	}
}

/* The key that must be unique within the file, or NULL. */
static char *file_key(const plan *p, const row_plan *r)
{
	if (!strcmp(p->kind, "people")) {
		const char *e = given(p, r, "email");
		return e ? lower(e) : NULL;
	}
	if (given(p, r, "school_number"))
		return g_strconcat("s:", given(p, r, "school_number"), NULL);
	return name_key(merged(p, r, "name"), merged(p, r, "postcode"));
}

static plan *plan_make(const bireg_ctx *ctx, const char *kind, const csv_table *t,
		       json_t *mapping, GError **err)
{
	g_autoptr(plan) p = g_new0(plan, 1);
	const csv_record *h = header_of(t);
	g_autoptr(GHashTable) keys = NULL;

	if (register_import_check_mapping(kind, t, mapping, err) < 0)
		return NULL;
	p->kind = !strcmp(kind, "people") ? "people" : "institutions";
	p->fields = register_import_fields(kind, &p->nf);
	g_assert(p->nf <= MAX_FIELDS);
	for (size_t i = 0; i < p->nf; i++) {
		json_t *m = json_object_get(mapping, p->fields[i].name);
		p->col[i] = json_is_string(m) && *json_string_value(m)
				    ? column_of(h, json_string_value(m))
				    : -1;
	}
	p->rows = g_array_new(FALSE, TRUE, sizeof(row_plan));
	p->by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					  (GDestroyNotify)json_decref);
	p->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	p->by_number = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	p->types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	p->affiliated = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	p->type_school = p->type_other = -1;

	if (!strcmp(p->kind, "people")) {
		if (load_people(ctx, p, err) < 0 || load_affiliations(ctx, p, err) < 0)
			return NULL;
		/* Institutions only for the affiliation column; their records
		 * are indexed under by_key too, which people do not use. */
		if (p->col[field_index(kind, "institution")] >= 0) {
			g_autoptr(GHashTable) saved = p->by_key;
			p->by_key = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							  (GDestroyNotify)json_decref);
			if (load_institutions(ctx, p, err) < 0) {
				g_hash_table_destroy(p->by_key);
				p->by_key = g_steal_pointer(&saved);
				return NULL;
			}
			g_hash_table_destroy(p->by_key);
			p->by_key = g_steal_pointer(&saved);
		}
	} else if (load_institutions(ctx, p, err) < 0 || load_types(ctx, p, err) < 0) {
		return NULL;
	}

	for (guint i = 1; i < t->records->len; i++) {
		const csv_record *rec = g_ptr_array_index(t->records, i);
		row_plan r = {.line = rec->line, .action = ACT_NEW};
		if (record_empty(rec))
			continue;
		for (size_t f = 0; f < p->nf; f++) {
			if (p->col[f] < 0)
				continue;
			g_autofree char *v = g_strdup(csv_record_get(rec, (size_t)p->col[f]));
			r.val[f] = text_collapse_ws(g_strstrip(v));
		}
		g_array_append_val(p->rows, r);
	}

	/* Keys twice in the file: every such row is rejected. */
	keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
	for (guint i = 0; i < p->rows->len; i++) {
		row_plan *r = &g_array_index(p->rows, row_plan, i);
		char *k = file_key(p, r);
		GArray *lines;
		if (!k)
			continue;
		lines = g_hash_table_lookup(keys, k);
		if (!lines) {
			lines = g_array_new(FALSE, FALSE, sizeof(guint));
			g_hash_table_insert(keys, k, lines);
		} else {
			g_free(k);
		}
		g_array_append_val(lines, i);
	}
	{
		GHashTableIter it;
		gpointer kp, vp;
		g_hash_table_iter_init(&it, keys);
		while (g_hash_table_iter_next(&it, &kp, &vp)) {
			GArray *lines = vp;
			if (lines->len < 2)
				continue;
			for (guint a = 0; a < lines->len; a++) {
				row_plan *r = &g_array_index(p->rows, row_plan,
							     g_array_index(lines, guint, a));
				GString *others = g_string_new(NULL);
				for (guint b = 0; b < lines->len; b++) {
					if (b == a)
						continue;
					row_plan *o = &g_array_index(p->rows, row_plan,
								     g_array_index(lines, guint, b));
					g_string_append_printf(others, "%s%zu", others->len ? ", " : "",
							       o->line);
				}
				if (!strcmp(p->kind, "people"))
					reject(r, "email", N_("The same e-mail address is in line {arg} of the file as well."), others->str);
				else if (given(p, r, "school_number"))
					reject(r, "school_number", N_("The same school number is in line {arg} of the file as well."), others->str);
				else
					reject(r, "name", N_("The same name and postcode are in line {arg} of the file as well."), others->str);
				g_string_free(others, TRUE);
			}
		}
	}

	for (guint i = 0; i < p->rows->len; i++) {
		row_plan *r = &g_array_index(p->rows, row_plan, i);
		if (r->action != ACT_REJECTED) {
			if (!strcmp(p->kind, "people")) {
				check_person_row(ctx, p, r);
			} else {
				GError *dberr = NULL;
				check_institution_row(ctx, p, r, &dberr);
				if (dberr) {
					g_propagate_error(err, dberr);
					return NULL;
				}
			}
		}
		if (r->action == ACT_REJECTED) {
			p->n_rejected++;
			continue;
		}
		diff_row(p, r);
		if (!r->before) {
			r->action = ACT_NEW;
			p->n_new++;
		} else if (r->changed->len) {
			r->action = ACT_UPDATE;
			p->n_changed++;
		} else {
			r->action = ACT_UNCHANGED;
			p->n_unchanged++;
		}
	}
	return g_steal_pointer(&p);
}

static json_t *plan_report(const plan *p)
{
	json_t *rejected = json_array(), *preview = json_array();

	for (guint i = 0; i < p->rows->len; i++) {
		const row_plan *r = &g_array_index(p->rows, row_plan, i);
		if (r->action == ACT_REJECTED)
			json_array_append_new(rejected,
				json_pack("{s:I,s:s,s:s,s:s}", "line", (json_int_t)r->line, "field",
					  r->field, "reason", r->reason, "arg", r->arg ? r->arg : ""));
		if (i < REGISTER_IMPORT_PREVIEW_ROWS) {
			json_t *values = json_object(), *changed = json_array();
			for (size_t f = 0; f < p->nf; f++)
				if (r->val[f])
					json_object_set_new(values, p->fields[f].name,
							    json_string(r->val[f]));
			for (guint c = 0; r->changed && c < r->changed->len; c++)
				json_array_append_new(changed,
						      json_string(g_ptr_array_index(r->changed, c)));
			json_array_append_new(preview,
				json_pack("{s:I,s:s,s:o,s:o,s:o}", "line", (json_int_t)r->line,
					  "action", action_names[r->action], "id",
					  r->id ? json_integer(r->id) : json_null(), "values", values,
					  "changed_fields", changed));
		}
	}
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "rows", (json_int_t)p->rows->len, "new",
			 (json_int_t)p->n_new, "changed", (json_int_t)p->n_changed, "unchanged",
			 (json_int_t)p->n_unchanged, "rejected_count", (json_int_t)p->n_rejected,
			 "rejected", rejected, "preview", preview);
}

json_t *register_import_preview(const bireg_ctx *ctx, const char *kind, const csv_table *t,
				json_t *mapping, GError **err)
{
	g_autoptr(plan) p = plan_make(ctx, kind, t, mapping, err);
	return p ? plan_report(p) : NULL;
}

/* ---- commit ------------------------------------------------------------- */



static int commit_person(const bireg_ctx *ctx, plan *p, row_plan *r, const char *summary,
			 int64_t *affiliations, GError **err)
{
	person_input in;
	int64_t id = r->id;

	person_input_of(p, r, &in);
	/* The store writes the change-log entry: one per person, "import". */
	in.log_action = "import";
	in.log_summary = summary;
	if (r->action == ACT_NEW) {
		id = person_store_create(ctx, &in, err);
		if (id < 0)
			return -1;
		r->id = id;
	} else if (r->action == ACT_UPDATE && r->changed->len > (r->add_affiliation ? 1u : 0u)) {
		if (person_store_update(ctx, id, &in, err) < 0)
			return -1;
	}
	if (r->add_affiliation) {
		const char *fn = given(p, r, "function");
		if (affiliation_add(ctx, id, r->inst_id, fn, NULL, NULL, err) < 0)
			return -1;
		(*affiliations)++;
	}
	return 0;
}

static int commit_institution(const bireg_ctx *ctx, plan *p, row_plan *r, const char *summary,
			      GError **err)
{
	institution_input in;
	g_auto(GStrv) tags = NULL;
	int64_t areas[2] = {0, 0};
	int64_t id = r->id;
	json_t *cur, *t;
	GPtrArray *tv;
	size_t i;
	int rc;

	institution_input_of(p, r, &in);
	in.log_action = "import";
	in.log_summary = summary;
	if (r->action == ACT_NEW) {
		id = institution_store_create(ctx, &in, err);
		if (id < 0)
			return -1;
		r->id = id;
		return 0;
	}
	/* Areas, tags and the school fields the import does not map stay as
	 * the office set them. */
	cur = institution_store_get(ctx, id, err);
	if (!cur)
		return -1;
	areas[0] = register_jint(cur, "area_admin_id");
	areas[1] = register_jint(cur, "area_social_id");
	tv = g_ptr_array_new();
	json_array_foreach(json_object_get(cur, "tags"), i, t)
		g_ptr_array_add(tv, g_strdup(json_string_value(t)));
	g_ptr_array_add(tv, NULL);
	tags = (GStrv)g_ptr_array_free(tv, FALSE);
	in.area_ids = areas;
	in.n_areas = 2;
	in.tags = (const char *const *)tags;
	/* A Schulform code the directory import brought stays valid. */
	in.school_form_any = !strcmp(in.school_form, register_jstr(cur, "school_form"));
	in.legal_form = register_jstr(cur, "legal_form");
	in.carrier_number = register_jstr(cur, "carrier_number");
	rc = institution_store_update(ctx, id, &in, err);
	json_decref(cur);
	return rc;
}

json_t *register_import_commit(const bireg_ctx *ctx, int64_t batch_id, const char *kind,
			       const char *file_name, const csv_table *t, json_t *mapping,
			       register_import_progress_fn progress, void *ud,
			       json_t **report_out, GError **err)
{
	g_autoptr(plan) p = NULL;
	g_autofree char *summary = NULL;
	json_t *report = NULL, *created, *updated;
	int64_t affiliations = 0, done = 0, total;
	bool own;
	int rc = -1;

	if (report_out)
		*report_out = NULL;
	if (db_join_begin(ctx->db, &own, err) < 0)
		return NULL;
	p = plan_make(ctx, kind, t, mapping, err);
	if (!p)
		goto out;
	if (p->n_rejected) {
		if (report_out)
			*report_out = plan_report(p);
		register_invalid(err, "rows", N_("Rows of the file were rejected: nothing was imported. Please correct the file and upload it again."));
		goto out;
	}
	summary = file_name && *file_name
			  ? g_strdup_printf("Import Nr. %" G_GINT64_FORMAT " (%s)", batch_id, file_name)
			  : g_strdup_printf("Import Nr. %" G_GINT64_FORMAT, batch_id);
	created = json_array();
	updated = json_array();
	total = p->rows->len;
	for (guint i = 0; i < p->rows->len; i++) {
		row_plan *r = &g_array_index(p->rows, row_plan, i);
		int res = 0;
		if (r->action == ACT_NEW || r->action == ACT_UPDATE)
			res = !strcmp(p->kind, "people")
				      ? commit_person(ctx, p, r, summary, &affiliations, err)
				      : commit_institution(ctx, p, r, summary, err);
		if (res < 0) {
			g_prefix_error(err, "line %zu: ", r->line);
			json_decref(created);
			json_decref(updated);
			goto out;
		}
		if (r->action == ACT_NEW && json_array_size(created) < 200)
			json_array_append_new(created, json_integer(r->id));
		if (r->action == ACT_UPDATE && json_array_size(updated) < 200)
			json_array_append_new(updated, json_integer(r->id));
		done++;
		if (progress && (done % 250 == 0 || done == total))
			progress(ud, done, total);
	}
	report = plan_report(p);
	json_object_set_new(report, "created", created);
	json_object_set_new(report, "updated", updated);
	json_object_set_new(report, "affiliations", json_integer(affiliations));
	rc = 0;
out:
	if (db_join_end(ctx->db, own, rc, err) < 0) {
		g_clear_pointer(&report, json_decref);
		return NULL;
	}
	if (rc < 0)
		g_clear_pointer(&report, json_decref);
	return report;
}

/* ---- a batch ---------------------------------------------------------- */

json_t *register_import_commit_batch(const bireg_ctx *ctx, int64_t batch_id,
				     register_import_progress_fn progress, void *ud,
				     json_t **report_out, GError **err)
{
	g_autoptr(json_t) b = import_batch_get(ctx, batch_id, err);
	g_autoptr(GBytes) bytes = NULL;
	tabular t = {0};
	json_t *report;
	const void *data;
	gsize len;

	if (report_out)
		*report_out = NULL;
	if (!b)
		return NULL;
	if (!register_import_kind_valid(register_jstr(b, "kind"))) {
		register_invalid(err, "kind", N_("This is not an import of people or institutions."));
		return NULL;
	}
	/* Read in the caller's transaction: a batch already done (or
	 * discarded) is never written a second time. */
	if (!register_one_of(register_jstr(b, "state"),
			     (const char *const[]){"preview", "queued", "running", NULL})) {
		register_invalid(err, "state", N_("This import cannot change to that state any more."));
		return NULL;
	}
	bytes = import_batch_file(ctx, batch_id, err);
	if (!bytes)
		return NULL;
	data = g_bytes_get_data(bytes, &len);
	if (register_import_read(data, len, &t, err) < 0)
		return NULL;
	report = register_import_commit(ctx, batch_id, register_jstr(b, "kind"),
					register_jstr(b, "file_name"), t.table,
					json_object_get(b, "mapping"), progress, ud, report_out, err);
	tabular_clear(&t);
	if (!report)
		return NULL;
	if (import_batch_set_state(ctx, batch_id, "done", report, NULL, err) < 0) {
		json_decref(report);
		return NULL;
	}
	return report;
}

/* ---- the job ------------------------------------------------------------ */

/* Set once at start (register_import_setup), read-only afterwards. */
static char *progress_database;

/* This process's progress notes: batch id → rows done. The one piece of
 * shared mutable state here, because on SQLite nothing else can carry the
 * progress out of the job's open transaction (register_import.h). */
static GMutex progress_lock;
static GHashTable *progress_notes;

static void note_progress(int64_t batch_id, int64_t done)
{
	g_mutex_lock(&progress_lock);
	if (!progress_notes)
		progress_notes = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	if (done < 0)
		g_hash_table_remove(progress_notes, &batch_id);
	else
		g_hash_table_insert(progress_notes, g_memdup2(&batch_id, sizeof batch_id),
				    g_memdup2(&done, sizeof done));
	g_mutex_unlock(&progress_lock);
}

int64_t register_import_progress(int64_t batch_id)
{
	int64_t v = -1;

	g_mutex_lock(&progress_lock);
	if (progress_notes) {
		int64_t *p = g_hash_table_lookup(progress_notes, &batch_id);
		if (p)
			v = *p;
	}
	g_mutex_unlock(&progress_lock);
	return v;
}

typedef struct job_progress {
	int64_t batch_id;
	int64_t region_id;
	db *side; /* PostgreSQL: the second connection; NULL on SQLite */
} job_progress;

static void job_progress_cb(void *ud, int64_t done, int64_t total)
{
	job_progress *jp = ud;
	(void)total;

	note_progress(jp->batch_id, done);
	if (jp->side) {
		g_autoptr(GError) e = NULL;
		bireg_ctx c = {.db = jp->side, .region_id = jp->region_id};
		if (import_batch_progress(&c, jp->batch_id, done, &e) < 0)
			log_warn("import %" G_GINT64_FORMAT ": progress not written: %s",
				 jp->batch_id, e->message);
	}
}

static job_result import_job(job_ctx *jc, json_t *payload, GError **err)
{
	int64_t batch_id = register_jint(payload, "batch_id");
	g_autoptr(json_t) b = NULL;
	g_autoptr(GError) e = NULL;
	json_t *rejected = NULL;
	job_progress jp = {.batch_id = batch_id, .region_id = jc->ctx.region_id};
	json_t *report;
	const char *state;

	if (batch_id <= 0) {
		g_set_error_literal(err, BIREG_JOB_ERROR, JOB_ERROR_INVALID, "no batch_id");
		return JOB_FAIL;
	}
	b = import_batch_get(&jc->ctx, batch_id, &e);
	if (!b) {
		if (e && e->domain == BIREG_REGISTER_ERROR)
			return JOB_OK; /* gone with its region: nothing to do */
		g_propagate_error(err, g_steal_pointer(&e));
		return JOB_RETRY;
	}
	state = register_jstr(b, "state");
	if (strcmp(state, "queued") && strcmp(state, "running"))
		return JOB_OK; /* cancelled meanwhile, or done by an earlier run */

	if (progress_database && db_url_is_postgres(progress_database)) {
		jp.side = db_open(progress_database, &e);
		if (!jp.side) {
			log_warn("import %" G_GINT64_FORMAT ": no progress connection: %s", batch_id,
				 e->message);
			g_clear_error(&e);
		} else {
			bireg_ctx c = {.db = jp.side, .region_id = jc->ctx.region_id};
			db_set_region(jp.side, jc->ctx.region_id);
			if (!strcmp(state, "queued") &&
			    import_batch_set_state(&c, batch_id, "running", NULL, NULL, &e) < 0) {
				log_warn("import %" G_GINT64_FORMAT ": state not shown: %s", batch_id,
					 e->message);
				g_clear_error(&e);
			}
		}
	}
	note_progress(batch_id, 0);
	report = register_import_commit_batch(&jc->ctx, batch_id, job_progress_cb, &jp, &rejected,
					      &e);
	note_progress(batch_id, -1);
	if (jp.side)
		db_close(jp.side);
	if (report) {
		log_info("import %" G_GINT64_FORMAT ": %" JSON_INTEGER_FORMAT " new, %" JSON_INTEGER_FORMAT
			 " changed", batch_id, json_integer_value(json_object_get(report, "new")),
			 json_integer_value(json_object_get(report, "changed")));
		json_decref(report);
		return JOB_OK;
	}
	/* The failure hook records why; the rejected rows travel in the
	 * failure detail, never in err (which is logged). */
	{
		json_t *detail = rejected ? rejected : json_object();
		char *s;
		json_object_set_new(detail, "error", json_string(e ? e->message : "?"));
		json_object_set_new(detail, "error_kind",
				    json_string(e && e->domain == BIREG_REGISTER_ERROR ? "rows" : "failed"));
		s = json_dumps(detail, JSON_COMPACT);
		jc->failure_detail = g_strdup(s);
		free(s);
		json_decref(detail);
	}
	if (e && e->domain == BIREG_DB_ERROR && (e->code == DB_BUSY || e->code == DB_UNAVAILABLE)) {
		g_set_error(err, BIREG_JOB_ERROR, JOB_ERROR_HANDLER, "import %" G_GINT64_FORMAT
			    ": the database was busy", batch_id);
		return JOB_RETRY;
	}
	g_set_error(err, BIREG_JOB_ERROR, JOB_ERROR_HANDLER,
		    "import %" G_GINT64_FORMAT " failed (%s)", batch_id,
		    e && e->domain == BIREG_REGISTER_ERROR ? "rows rejected" : "error");
	return JOB_FAIL;
}

static int import_job_failed(job_ctx *jc, json_t *payload, const char *error, bool final,
			     GError **err)
{
	int64_t batch_id = register_jint(payload, "batch_id");
	g_autoptr(json_t) b = NULL;
	g_autoptr(json_t) report = NULL;
	const char *state;
	(void)error;

	if (!final || batch_id <= 0)
		return 0;
	b = import_batch_get(&jc->ctx, batch_id, err);
	if (!b)
		return err && *err && (*err)->domain == BIREG_REGISTER_ERROR ? (g_clear_error(err), 0)
									      : -1;
	state = register_jstr(b, "state");
	if (strcmp(state, "queued") && strcmp(state, "running"))
		return 0;
	report = jc->failure_detail ? json_loads(jc->failure_detail, 0, NULL) : NULL;
	if (!report)
		report = json_pack("{s:s,s:s}", "error", "the import job failed", "error_kind",
				   "failed");
	return import_batch_set_state(&jc->ctx, batch_id, "failed", report, NULL, err);
}

static const job_kind import_kind = {
	.kind = REGISTER_IMPORT_JOB_KIND,
	.handler = import_job,
	.max_attempts = 3,
	/* 200,000 rows take minutes, not hours. */
	.lease_seconds = 3600,
	.label = N_("Import into the register"),
};

void register_import_setup(const char *database)
{
	if (database && !progress_database)
		progress_database = g_strdup(database);
	job_register(&import_kind);
	job_set_failure_hook(REGISTER_IMPORT_JOB_KIND, import_job_failed);
}
