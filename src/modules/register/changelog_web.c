/*
 * changelog_web.c — the change log's pages (changelog_web.h).
 *
 * The log keeps raw values (text of the fields, ids, "1"/"0", ISO days);
 * this file turns them into what the office reads: field names by the
 * labels of the edit forms (the same msgids), days in German, yes/no, the
 * action and the part of the record in words, the time in Europe/Berlin.
 * The JSON answer keeps the raw values next to the labels.
 */
#include "modules/register/changelog_web.h"

#include <string.h>

#include "db/db.h"
#include "modules/account/perm.h"
#include "modules/register/changelog.h"
#include "modules/register/area_web.h"
#include "modules/register/body_store.h"
#include "modules/register/body_web.h"
#include "modules/register/institution_store.h"
#include "modules/register/person_store.h"
#include "modules/register/person_web.h"
#include "modules/register/register.h"
#include "modules/register/register_page.h"
#include "view/format.h"
#include "view/form.h"
#include "view/i18n.h"
#include "view/listing.h"
#include "view/view.h"

#define PER_PAGE 50

/* ---- labels ------------------------------------------------------------- */

typedef struct label {
	const char *key;
	const char *msgid;
} label;

static const label action_labels[] = {
	{"create", N_("Created")},   {"update", N_("Changed")},   {"delete", N_("Deleted")},
	{"merge", N_("Merged")},     {"export", N_("Exported")},  {"erase", N_("Erased")},
	{"import", N_("Imported")},  {"restrict", N_("Restricted")},
};

static const label entity_labels[] = {
	{"person", N_("Person")},
	{"institution", N_("Institution")},
	{"body", N_("Body")},
	{"area", N_("Area")},
	{"institution_type", N_("Kind of institution")},
	{"level", N_("Level")},
	{"person_list", N_("List of people")},
	{"member_list", N_("List of members")},
};

static const label sub_labels[] = {
	{"membership", N_("Membership")},
	{"affiliation", N_("Affiliation")},
	{"consent", N_("Consent")},
	{"account", N_("User account")},
	{"merged", N_("Duplicate")},
};

/* The translated label of key in table, or key itself when unknown. */
static const char *label_of(const req_ctx *rc, const label *table, size_t n, const char *key)
{
	for (size_t i = 0; key && i < n; i++)
		if (!strcmp(table[i].key, key))
			return view_t(rc, table[i].msgid);
	return key ? key : "";
}
#define LABEL(rc, table, key) label_of(rc, table, G_N_ELEMENTS(table), key)

static bool one_of(const char *v, const char *const *set)
{
	return register_one_of(v, set);
}

/* ---- names of the records a value refers to ------------------------------ */

/* What an id in the log refers to. */
typedef enum ref_kind {
	REF_NONE = -1,
	REF_PERSON,
	REF_INSTITUTION,
	REF_BODY,
	REF_AREA,
	REF_TYPE,
	REF_LEVEL,
	REF_MEMBERSHIP, /* named by its member */
	REF_ACCOUNT,
	REF_COUNT
} ref_kind;

/* The query of one kind: $1 the region, the ids follow as $2, $3 … after
 * the open "IN (". Columns: id and name, or id, title, first and last name
 * (person). Accounts are not the region's rows: only those that work in
 * the region or are linked to one of its people are named. */
static const struct {
	const char *sql;
	bool person;
} ref_queries[REF_COUNT] = {
	[REF_PERSON] = {"SELECT id, title, first_name, last_name FROM person "
			"WHERE region_id = $1 AND id IN (",
			true},
	[REF_INSTITUTION] = {"SELECT id, name FROM institution WHERE region_id = $1 AND id IN (",
			     false},
	[REF_BODY] = {"SELECT id, name FROM body WHERE region_id = $1 AND id IN (", false},
	[REF_AREA] = {"SELECT id, name FROM area WHERE region_id = $1 AND id IN (", false},
	[REF_TYPE] = {"SELECT id, name FROM institution_type WHERE region_id = $1 AND id IN (",
		      false},
	[REF_LEVEL] = {"SELECT id, name FROM region_level WHERE region_id = $1 AND id IN (", false},
	[REF_MEMBERSHIP] = {"SELECT m.id, p.title, p.first_name, p.last_name FROM membership m "
			    "JOIN person p ON p.id = m.person_id "
			    "WHERE m.region_id = $1 AND m.id IN (",
			    true},
	[REF_ACCOUNT] = {"SELECT a.id, a.display_name FROM account a WHERE "
			 "(EXISTS (SELECT 1 FROM account_role r WHERE r.account_id = a.id "
			 "AND r.region_id = $1) OR EXISTS (SELECT 1 FROM account_person ap "
			 "WHERE ap.account_id = a.id AND ap.region_id = $1)) AND a.id IN (",
			 false},
};

/* Ids per chunk of a query: far below the parameter limits of both
 * databases; a page of 50 entries rarely needs a second chunk. */
#define REF_CHUNK 500

/* The names of the records the values of a page refer to: per kind a table
 * id → name (NULL while unknown, and for a record that is gone), filled by
 * one query per kind; and the region's own Schulform labels. */
typedef struct ref_names {
	GHashTable *ids[REF_COUNT]; /* gint64* → char* */
	GHashTable *school_forms;   /* code → the region's label; NULL: not read */
	bool want_school_forms;
} ref_names;

static void ref_names_init(ref_names *n)
{
	for (int k = 0; k < REF_COUNT; k++)
		n->ids[k] = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	n->school_forms = NULL;
	n->want_school_forms = false;
}

static void ref_names_clear(ref_names *n)
{
	for (int k = 0; k < REF_COUNT; k++)
		g_clear_pointer(&n->ids[k], g_hash_table_unref);
	g_clear_pointer(&n->school_forms, g_hash_table_unref);
}

/* The kind of the record whose entries these are, for the region's log. */
static ref_kind ref_of_entity(const char *entity)
{
	static const struct {
		const char *entity;
		ref_kind kind;
	} map[] = {
		{"person", REF_PERSON}, {"institution", REF_INSTITUTION}, {"body", REF_BODY},
		{"area", REF_AREA},     {"institution_type", REF_TYPE},   {"level", REF_LEVEL},
	};
	for (size_t i = 0; entity && i < G_N_ELEMENTS(map); i++)
		if (!strcmp(map[i].entity, entity))
			return map[i].kind;
	return REF_NONE;
}

/* What field's value refers to in an entry of entity (and sub). */
static ref_kind ref_of_field(const char *entity, const char *sub, const char *field)
{
	static const struct {
		const char *field;
		ref_kind kind;
	} map[] = {
		{"person_id", REF_PERSON},
		{"institution_id", REF_INSTITUTION},
		{"body_id", REF_BODY},
		{"substitute_for_id", REF_MEMBERSHIP},
		{"type_id", REF_TYPE},
		{"level_id", REF_LEVEL},
		{"area_id", REF_AREA},
		{"area_admin_id", REF_AREA},
		{"area_social_id", REF_AREA},
		{"account_id", REF_ACCOUNT},
	};

	if (!field)
		return REF_NONE;
	for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
		if (!strcmp(map[i].field, field))
			return map[i].kind;
	/* an area's parent is an area, a body's the body it reports to */
	if (!strcmp(field, "parent_id") && !g_strcmp0(entity, "area"))
		return REF_AREA;
	if (!strcmp(field, "parent_id") && !g_strcmp0(entity, "body") && !(sub && *sub))
		return REF_BODY;
	return REF_NONE;
}

static bool parse_id(const char *v, int64_t *id)
{
	gint64 x;

	if (!v || !g_ascii_string_to_signed(v, 10, 1, G_MAXINT64, &x, NULL))
		return false;
	*id = x;
	return true;
}

static void ref_want(ref_names *n, ref_kind k, int64_t id)
{
	if (k == REF_NONE || id <= 0 || g_hash_table_contains(n->ids[k], &id))
		return;
	g_hash_table_insert(n->ids[k], g_memdup2(&id, sizeof id), NULL);
}

/* Notes every id the rows' values (and, with with_record, the rows'
 * records) refer to. */
static void ref_collect(ref_names *n, json_t *rows, bool with_record)
{
	size_t i, j;
	json_t *r, *c;

	json_array_foreach (rows, i, r) {
		const char *entity = register_jstr(r, "entity");
		const char *sub = register_jstr(r, "sub");
		if (with_record)
			ref_want(n, ref_of_entity(entity), register_jint(r, "entity_id"));
		json_array_foreach (json_object_get(r, "changes"), j, c) {
			const char *field = register_jstr(c, "field");
			ref_kind k = ref_of_field(entity, sub, field);
			const char *vals[] = {json_string_value(json_object_get(c, "old")),
					      json_string_value(json_object_get(c, "new"))};
			int64_t id;
			if (!strcmp(field, "school_form"))
				n->want_school_forms = true;
			for (size_t v = 0; k != REF_NONE && v < G_N_ELEMENTS(vals); v++)
				if (parse_id(vals[v], &id))
					ref_want(n, k, id);
		}
	}
}

/* One query of kind k for ids[0..count). 0 or -1. */
static int ref_query(const req_ctx *rc, ref_names *n, ref_kind k, const int64_t *ids,
		     size_t count, GError **err)
{
	g_autoptr(GString) sql = g_string_new(ref_queries[k].sql);
	db_status s;

	for (size_t i = 0; i < count; i++)
		g_string_append_printf(sql, "%s$%zu", i ? ", " : "", i + 2);
	g_string_append_c(sql, ')');
	g_autoptr(db_stmt) st = db_prepare(rc->ctx.db, sql->str, err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, rc->ctx.region_id);
	for (size_t i = 0; i < count; i++)
		db_bind_int64(st, (int)i + 2, ids[i]);
	while ((s = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		char *name = ref_queries[k].person
				     ? person_display_name(db_col_text(st, 1), db_col_text(st, 2),
							   db_col_text(st, 3))
				     : g_strdup(register_nz(db_col_text(st, 1)));
		g_hash_table_replace(n->ids[k], g_memdup2(&id, sizeof id), name);
	}
	return s == DB_DONE ? 0 : -1;
}

/* Looks up every noted id: one query per kind (per REF_CHUNK ids), and the
 * region's Schulform labels when a value needs them. 0 or -1. */
static int ref_resolve(const req_ctx *rc, ref_names *n, GError **err)
{
	for (int k = 0; k < REF_COUNT; k++) {
		g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
		GHashTableIter it;
		gpointer key;

		g_hash_table_iter_init(&it, n->ids[k]);
		while (g_hash_table_iter_next(&it, &key, NULL))
			g_array_append_val(ids, *(int64_t *)key);
		for (size_t at = 0; at < ids->len; at += REF_CHUNK)
			if (ref_query(rc, n, (ref_kind)k, &g_array_index(ids, int64_t, at),
				      MIN((size_t)REF_CHUNK, ids->len - at), err) < 0)
				return -1;
	}
	if (n->want_school_forms) {
		db_status s;
		g_autoptr(db_stmt) st = db_prepare(
			rc->ctx.db, "SELECT code, label FROM school_form_label WHERE region_id = $1",
			err);
		if (!st)
			return -1;
		n->school_forms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
		db_bind_int64(st, 1, rc->ctx.region_id);
		while ((s = db_step(st, err)) == DB_ROW)
			g_hash_table_replace(n->school_forms, g_strdup(register_nz(db_col_text(st, 0))),
					     g_strdup(register_nz(db_col_text(st, 1))));
		if (s != DB_DONE)
			return -1;
	}
	return 0;
}

/* The name of record id of kind k: "" when it has no name, NULL when it is
 * gone (or was not looked up). Borrowed. */
static const char *ref_name(const ref_names *n, ref_kind k, int64_t id)
{
	return k == REF_NONE ? NULL : g_hash_table_lookup(n->ids[k], &id);
}

/* "deleted record (No. 12)". New. */
static char *gone_label(const req_ctx *rc, int64_t id)
{
	g_autofree char *no = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)id);
	return view_tf(rc, N_("deleted record (No. {n})"), "n", no, NULL);
}

/* The name of record id of kind k; "No. 12" for a record without a name.
 * New. */
static char *ref_label_id(const req_ctx *rc, const ref_names *n, ref_kind k, int64_t id)
{
	const char *name = ref_name(n, k, id);
	if (!name)
		return gone_label(rc, id);
	if (!*name) {
		g_autofree char *no = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)id);
		return view_tf(rc, N_("No. {n}"), "n", no, NULL);
	}
	return g_strdup(name);
}

/* The name of what v (an id) refers to. New. */
static char *ref_label(const req_ctx *rc, const ref_names *n, ref_kind k, const char *v)
{
	int64_t id;

	return parse_id(v, &id) ? ref_label_id(rc, n, k, id) : g_strdup(v);
}

/* The label of a code in the request's language, or NULL (or "") when field
 * holds no code or v is unknown. Borrowed. */
static const char *code_label(const req_ctx *rc, const char *entity, const char *sub,
			      const char *field, const char *v)
{
	static const struct {
		const char *field;
		const char *(*label)(const req_ctx *, const char *);
	} codes[] = {
		{"address_form", person_address_form_label},
		{"preferred_channel", person_channel_label},
		{"legal_basis", person_legal_basis_label},
		{"chair_mode", body_chair_mode_label},
		{"decision_mode", body_decision_mode_label},
		{"quorum_rule", body_quorum_rule_label},
		{"written_procedure", body_written_procedure_label},
		{"nonpublic_access", body_nonpublic_access_label},
		{"partner_side", membership_partner_side_label},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(codes); i++)
		if (!strcmp(codes[i].field, field))
			return codes[i].label(rc, v);
	/* fields whose name other kinds use for free text */
	if (!strcmp(field, "kind") && !g_strcmp0(sub, "consent"))
		return person_consent_kind_label(rc, v);
	if (!strcmp(field, "role") && !g_strcmp0(sub, "membership"))
		return membership_role_label(rc, v);
	if (!strcmp(field, "type") && !g_strcmp0(entity, "body") && !*sub)
		return body_type_label(rc, v);
	if (!strcmp(field, "hierarchy") && !g_strcmp0(entity, "area"))
		return area_hierarchy_label(rc, v);
	if (!strcmp(field, "legal_form"))
		return school_legal_form_label(v);
	return NULL;
}

/* A Schulform code as "Gymnasium (20)": the region's label, else the
 * built-in one; the bare code when neither knows it. New. */
static char *school_form_text(const ref_names *n, const char *code)
{
	const char *name = n->school_forms ? g_hash_table_lookup(n->school_forms, code) : NULL;

	if (!name)
		name = school_form_label(code);
	return name && *name ? g_strdup_printf("%s (%s)", name, code) : g_strdup(code);
}

/* A value as the office reads it. Newly allocated. */
static char *value_label(const req_ctx *rc, const ref_names *n, const char *entity,
			 const char *sub, const char *field, const char *v)
{
	static const char *const days[] = {"day", "start_day", "end_day", "active_from",
					   "active_until", NULL};
	static const char *const flags[] = {"public", "voting", "is_school", NULL};

	if (!v)
		return g_strdup("");
	if (one_of(field, days)) {
		g_autofree char *d = register_day_label(rc, v);
		return g_strdup(*d ? d : v);
	}
	if (one_of(field, flags))
		return g_strdup(view_t(rc, !strcmp(v, "1") ? N_("Yes") : N_("No")));
	if (!strcmp(field, "given"))
		return g_strdup(view_t(rc, !strcmp(v, "1") ? N_("Given") : N_("Withdrawn")));
	ref_kind k = ref_of_field(entity, sub, field);
	if (k != REF_NONE)
		return ref_label(rc, n, k, v);
	if (!strcmp(field, "school_form"))
		return school_form_text(n, v);
	const char *code = code_label(rc, entity, sub, field, v);
	return g_strdup(code && *code ? code : v);
}

static json_t *changes_model(const req_ctx *rc, const ref_names *names, const char *entity,
			     const char *sub, json_t *changes)
{
	json_t *out = json_array();
	size_t i;
	json_t *c;

	json_array_foreach (changes, i, c) {
		const char *field = register_jstr(c, "field");
		json_t *o = json_object_get(c, "old"), *n = json_object_get(c, "new");
		const char *ov = json_string_value(o), *nv = json_string_value(n);
		g_autofree char *ol = value_label(rc, names, entity, sub, field, ov);
		g_autofree char *nl = value_label(rc, names, entity, sub, field, nv);
		json_array_append_new(
			out, json_pack("{s:s,s:s,s:O,s:O,s:s,s:s,s:b,s:b}", "field", field,
				       "field_label", register_field_label(rc, field), "old",
				       o ? o : json_null(), "new", n ? n : json_null(), "old_label",
				       ol, "new_label", nl, "has_old", ov != NULL, "has_new",
				       nv != NULL));
	}
	return out;
}

/* The name of a record for a record's own log ("" when it is gone). New. */
static char *record_name(const req_ctx *rc, const char *entity, int64_t id)
{
	const char *sql = NULL;

	if (!strcmp(entity, "person"))
		sql = "SELECT title, first_name, last_name FROM person WHERE region_id = $1 AND id = $2";
	else if (!strcmp(entity, "institution"))
		sql = "SELECT name, '', '' FROM institution WHERE region_id = $1 AND id = $2";
	else if (!strcmp(entity, "body"))
		sql = "SELECT name, '', '' FROM body WHERE region_id = $1 AND id = $2";
	if (!sql || id <= 0)
		return g_strdup("");
	g_autoptr(db_stmt) st = db_prepare(rc->ctx.db, sql, NULL);
	if (!st)
		return g_strdup("");
	db_bind_int64(st, 1, rc->ctx.region_id);
	db_bind_int64(st, 2, id);
	if (db_step(st, NULL) != DB_ROW)
		return g_strdup("");
	if (!strcmp(entity, "person"))
		return person_display_name(db_col_text(st, 0), db_col_text(st, 1),
					   db_col_text(st, 2));
	return g_strdup(register_nz(db_col_text(st, 0)));
}

/* The page of a record, or NULL for kinds without one. */
static const char *record_path(const char *entity)
{
	if (!strcmp(entity, "person"))
		return "/register/personen/";
	if (!strcmp(entity, "institution"))
		return "/register/institutionen/";
	if (!strcmp(entity, "body"))
		return "/register/gremien/";
	return NULL;
}

/* Adds the labels to the rows of changelog_list(); with_record: the
 * record's name and link (the region's log). The names of the records the
 * values refer to are read with one query per kind for the whole page.
 * 0 or -1. */
static int decorate(req_ctx *rc, json_t *rows, bool with_record, GError **err)
{
	size_t i;
	json_t *r;
	ref_names names;

	ref_names_init(&names);
	ref_collect(&names, rows, with_record);
	if (ref_resolve(rc, &names, err) < 0) {
		ref_names_clear(&names);
		return -1;
	}
	json_array_foreach (rows, i, r) {
		const char *actor = register_jstr(r, "actor");
		const char *entity = register_jstr(r, "entity");
		const char *sub = register_jstr(r, "sub");
		g_autofree char *at = view_datetime(rc, register_jstr(r, "at"));
		json_t *ch = changes_model(rc, &names, entity, sub, json_object_get(r, "changes"));

		json_object_set_new(r, "at_label", json_string(at));
		json_object_set_new(r, "actor_label",
				    json_string(*actor ? actor : view_t(rc, N_("System"))));
		json_object_set_new(r, "action_label",
				    json_string(LABEL(rc, action_labels, register_jstr(r, "action"))));
		json_object_set_new(r, "entity_label", json_string(LABEL(rc, entity_labels, entity)));
		json_object_set_new(r, "sub_label", json_string(*sub ? LABEL(rc, sub_labels, sub) : ""));
		json_object_set_new(r, "has_changes", json_boolean(json_array_size(ch) > 0));
		json_object_set_new(r, "change_rows", ch);
		if (with_record) {
			int64_t id = register_jint(r, "entity_id");
			ref_kind k = ref_of_entity(entity);
			const char *found = ref_name(&names, k, id);
			const char *path = record_path(entity);
			g_autofree char *href = path && found ? register_href_id(rc, path, id, NULL)
							      : g_strdup("");
			/* list pseudo records have no name */
			g_autofree char *name = k == REF_NONE || id <= 0
							? g_strdup("")
							: ref_label_id(rc, &names, k, id);
			json_object_set_new(r, "record_label", json_string(name));
			json_object_set_new(r, "record_href", json_string(href));
		}
	}
	ref_names_clear(&names);
	return 0;
}

/* ---- one record's log ----------------------------------------------------- */

typedef struct record_kind {
	const char *entity;
	const char *path;      /* "/register/personen/" */
	const char *list_msgid; /* the list's name in the breadcrumb */
	const char *list_path;
} record_kind;

static const record_kind kinds[] = {
	{"person", "/register/personen/", N_("People"), "/register/personen"},
	{"institution", "/register/institutionen/", N_("Institutions"), "/register/institutionen"},
	{"body", "/register/gremien/", N_("Bodies"), "/register/gremien"},
};

static int record_log(req_ctx *rc, const record_kind *k)
{
	g_autoptr(GError) err = NULL;
	int64_t id = register_path_id(rc, "id");
	list_page pg = list_page_from(rc, PER_PAGE);

	if (!id)
		return 404;
	g_autofree char *name = record_name(rc, k->entity, id);
	if (!*name) {
		/* an existing record with an empty name still has its log */
		g_autofree char *sql = g_strdup_printf(
			"SELECT 1 FROM %s WHERE region_id = $1 AND id = $2", k->entity);
		bool found = false;
		if (register_exists(&rc->ctx, sql, id, &found, &err) < 0)
			return register_store_failed(rc, "reading a record", err);
		if (!found)
			return 404;
	}
	changelog_filter f = {.entity = k->entity,
			      .entity_id = id,
			      .person_id = !strcmp(k->entity, "person") ? id : 0,
			      .limit = pg.per_page,
			      .offset = pg.offset};
	json_t *list = changelog_list(&rc->ctx, &f, &err);
	if (!list)
		return register_store_failed(rc, "reading the change log", err);
	int64_t total = register_jint(list, "total");
	json_t *rows = json_incref(json_object_get(list, "rows"));
	json_decref(list);
	if (decorate(rc, rows, false, &err) < 0) {
		json_decref(rows);
		return register_store_failed(rc, "reading the names in the change log", err);
	}

	g_autofree char *rec_href = register_href_id(rc, k->path, id, NULL);
	g_autofree char *self = g_strdup_printf("%s%" G_GINT64_FORMAT "/protokoll", k->path, id);
	g_autofree char *title = view_tf(rc, N_("Change log: {name}"), "name", name, NULL);
	g_autofree char *n = format_int(rc->req->lang, total);
	g_autofree char *count = view_tf(rc, total == 1 ? N_("1 entry.") : N_("{n} entries."), "n",
					 n, NULL);
	g_autofree char *reg = view_href(rc, "/register");
	g_autofree char *list_href = view_href(rc, k->list_path);
	g_autofree char *all_href = view_href(rc, "/register/protokoll");
	json_t *model = json_pack(
		"{s:s,s:I,s:s,s:s,s:s,s:s,s:I,s:s,s:o,s:b,s:o,s:s}", "entity", k->entity, "id",
		(json_int_t)id, "name", name, "title", title, "record_href", rec_href,
		"record_kind_label", LABEL(rc, entity_labels, k->entity), "total",
		(json_int_t)total, "count_label", count, "entries", rows, "has_entries",
		json_array_size(rows) > 0, "pagination",
		list_pagination_model(rc, self, total, pg), "all_href", all_href);
	json_object_set_new(model, "with_record", json_false());
	json_t *crumbs = json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s}]", "label",
				   view_t(rc, N_("Register")), "href", reg, "label",
				   view_t(rc, k->list_msgid), "href", list_href, "label", name, "href",
				   rec_href);
	return view_page_full(rc, 200, "pages/register_changelog", title, model, crumbs);
}

static int person_log(req_ctx *rc)
{
	return record_log(rc, &kinds[0]);
}

static int institution_log(req_ctx *rc)
{
	return record_log(rc, &kinds[1]);
}

static int body_log(req_ctx *rc)
{
	return record_log(rc, &kinds[2]);
}

/* ---- the region's log ----------------------------------------------------- */

static const char *const entity_choices[] = {"person", "institution", "body", "area",
					     "institution_type", "level", "person_list",
					     "member_list", NULL};
static const char *const action_choices[] = {"create", "update", "delete", "merge", "export",
					     "erase", "import", "restrict", NULL};

/* A day of the filter: "" (none), or ISO into *iso; false with msg when it
 * is no day. */
static bool filter_day(const req_ctx *rc, const char *raw, char **iso, const char **msg)
{
	bireg_date d;

	*iso = NULL;
	if (!raw || !*raw)
		return true;
	if (!format_parse_date(raw, &d, NULL)) {
		*msg = view_t(rc, N_("Please enter the day, e.g. 26.11.2026."));
		return false;
	}
	*iso = g_strdup_printf("%04d-%02d-%02d", d.year, d.month, d.day);
	return true;
}

static json_t *options(const req_ctx *rc, const char *const *set, const label *table, size_t n,
		       const char *current)
{
	json_t *o = json_array();

	json_array_append_new(o, register_option("", view_t(rc, N_("All")),
						 !current || !*current));
	for (size_t i = 0; set[i]; i++)
		json_array_append_new(o, register_option(set[i], label_of(rc, table, n, set[i]),
							 !g_strcmp0(current, set[i])));
	return o;
}

static int region_log(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	const char *entity = http_params_get(rc->req->query, "art");
	const char *action = http_params_get(rc->req->query, "aktion");
	const char *from_raw = http_params_get(rc->req->query, "von");
	const char *until_raw = http_params_get(rc->req->query, "bis");
	g_autofree char *from = NULL, *until = NULL;
	const char *from_msg = NULL, *until_msg = NULL;
	list_page pg = list_page_from(rc, PER_PAGE);
	int status = 200;
	int64_t total = 0;
	json_t *rows;

	filter_day(rc, from_raw, &from, &from_msg);
	filter_day(rc, until_raw, &until, &until_msg);
	if (!from_msg && !until_msg && from && until && strcmp(until, from) < 0)
		until_msg = view_t(rc, N_("The end cannot be before the start. Please check both days."));
	if (from_msg || until_msg) {
		status = 422;
		rows = json_array();
	} else {
		changelog_filter f = {.entity = entity,
				      .action = action,
				      .from_day = from,
				      .until_day = until,
				      .limit = pg.per_page,
				      .offset = pg.offset};
		json_t *list = changelog_list(&rc->ctx, &f, &err);
		if (!list)
			return register_store_failed(rc, "reading the change log", err);
		total = register_jint(list, "total");
		rows = json_incref(json_object_get(list, "rows"));
		json_decref(list);
		if (decorate(rc, rows, true, &err) < 0) {
			json_decref(rows);
			return register_store_failed(rc, "reading the names in the change log",
						     err);
		}
	}

	const char *fields[] = {"von", "bis"};
	const char *msgs[] = {from_msg, until_msg};
	g_autofree char *action_href = view_href(rc, "/register/protokoll");
	g_autofree char *n = format_int(rc->req->lang, total);
	bool filtered = (entity && *entity) || (action && *action) || from || until;
	g_autofree char *count = view_tf(
		rc, filtered ? (total == 1 ? N_("1 entry matches the filters.")
					   : N_("{n} entries match the filters."))
			     : (total == 1 ? N_("1 entry.") : N_("{n} entries.")),
		"n", n, NULL);
	json_t *filter = json_pack(
		"{s:s,s:o,s:o,s:s,s:s,s:s,s:s,s:b,s:o,s:b,s:s}", "action", action_href,
		"entity_options",
		options(rc, entity_choices, entity_labels, G_N_ELEMENTS(entity_labels), entity),
		"action_options",
		options(rc, action_choices, action_labels, G_N_ELEMENTS(action_labels), action),
		"from", from_raw ? from_raw : "", "until", until_raw ? until_raw : "", "from_error",
		from_msg ? from_msg : "", "until_error", until_msg ? until_msg : "", "has_errors",
		from_msg || until_msg, "errors", view_form_errors(fields, msgs, 2), "active",
		filtered, "reset_href", action_href);
	json_t *model = json_pack("{s:o,s:I,s:s,s:o,s:b,s:o,s:o,s:b}", "filter", filter, "total",
				  (json_int_t)total, "count_label", count, "entries", rows,
				  "has_entries", json_array_size(rows) > 0, "pagination",
				  list_pagination_model(rc, "/register/protokoll", total, pg),
				  "errors", view_form_errors(fields, msgs, 2), "with_record", true);
	g_autofree char *reg = view_href(rc, "/register");
	json_t *crumbs =
		json_pack("[{s:s,s:s}]", "label", view_t(rc, N_("Register")), "href", reg);
	return view_page_full(rc, status, "pages/register_changelog_region",
			      view_t(rc, N_("Change log of the register")), model, crumbs);
}

/* ---- routes --------------------------------------------------------------- */

static const param_rule record_params[] = {
	{.name = "seite", .kind = PARAM_STRING, .max_len = 20},
	{0},
};

static const param_rule region_params[] = {
	{.name = "art", .kind = PARAM_ENUM,
	 .choices = "|person|institution|body|area|institution_type|level|person_list|member_list"},
	{.name = "aktion", .kind = PARAM_ENUM,
	 .choices = "|create|update|delete|merge|export|erase|import|restrict"},
	{.name = "von", .kind = PARAM_STRING, .max_len = 20},
	{.name = "bis", .kind = PARAM_STRING, .max_len = 20},
	{.name = "seite", .kind = PARAM_STRING, .max_len = 20},
	{0},
};

const route changelog_routes[] = {
	{HTTP_GET, "/register/protokoll", "register.changelog", perm_office, "office",
	 region_params, region_log, ROUTE_REGION, 0},
	{HTTP_GET, "/register/personen/{id}/protokoll", "register.people.changelog", perm_office,
	 "office", record_params, person_log, ROUTE_REGION, 0},
	{HTTP_GET, "/register/institutionen/{id}/protokoll", "register.institutions.changelog",
	 perm_office, "office", record_params, institution_log, ROUTE_REGION, 0},
	{HTTP_GET, "/register/gremien/{id}/protokoll", "register.bodies.changelog", perm_office,
	 "office", record_params, body_log, ROUTE_REGION, 0},
	{0},
};
