/*
 * register_merge.c — merging duplicate people and institutions, and the
 * reference table every merge and erasure goes by (register_merge.h).
 *
 * The merge is written table by table from register_refs: nothing here
 * knows a table the table does not name, so a module that adds a column
 * referring to a person (attendance, minutes) adds one row below and is
 * merged (and erased) correctly from then on. The SQL is built from these
 * constant names only, never from input.
 */
#include "modules/register/register_merge.h"

#include <string.h>

#include "core/util.h"
#include "db/db.h"
#include "modules/register/changelog.h"
#include "modules/register/institution_store.h"
#include "modules/register/person_store.h"
#include "modules/register/register.h"
#include "search/search.h"
#include "view/i18n.h"

/*
 * Every column of the database that holds the id of a person or an
 * institution. Later modules add theirs here (meetings' attendance, minutes
 * and decisions naming a person: merge REGISTER_REF_MOVE, erase
 * REGISTER_ERASE_KEEP), so that merge and erasure (privacy.c) know them.
 * Search entries are not references: they are rebuilt from the records.
 */
static const register_ref refs[] = {
	{"person", "membership", "person_id", NULL, REGISTER_REF_MOVE, NULL, REGISTER_ERASE_KEEP,
	 N_("memberships in bodies")},
	{"person", "person_affiliation", "person_id", NULL, REGISTER_REF_COLLAPSE,
	 "institution_id, function, start_day, end_day", REGISTER_ERASE_DELETE,
	 N_("affiliations to institutions")},
	{"person", "person_consent", "person_id", NULL, REGISTER_REF_HISTORY, "kind",
	 REGISTER_ERASE_DELETE, N_("answers on consents")},
	{"person", "account_person", "person_id", NULL, REGISTER_REF_SINGLE, NULL,
	 REGISTER_ERASE_DELETE, N_("link to a user account")},
	{"person", "change_log", "entity_id", "entity = 'person'", REGISTER_REF_LOG, NULL,
	 REGISTER_ERASE_SCRUB, N_("entries in the change log")},
	{"person", "change_log", "person_id", NULL, REGISTER_REF_LOG, NULL, REGISTER_ERASE_SCRUB,
	 N_("entries in the change log concerning the person")},
	{"person", "duplicate_dismissed", "low_id", "entity = 'person'", REGISTER_REF_DROP, NULL,
	 REGISTER_ERASE_DELETE, N_("pairs marked as not duplicates")},
	{"person", "duplicate_dismissed", "high_id", "entity = 'person'", REGISTER_REF_DROP, NULL,
	 REGISTER_ERASE_DELETE, N_("pairs marked as not duplicates")},

	{"institution", "institution_area", "institution_id", NULL, REGISTER_REF_CHOSEN, NULL,
	 REGISTER_ERASE_NONE, N_("areas")},
	{"institution", "institution_tag", "institution_id", NULL, REGISTER_REF_COLLAPSE, "tag",
	 REGISTER_ERASE_NONE, N_("tags")},
	{"institution", "person_affiliation", "institution_id", NULL, REGISTER_REF_COLLAPSE,
	 "person_id, function, start_day, end_day", REGISTER_ERASE_NONE,
	 N_("affiliations of people")},
	{"institution", "membership", "institution_id", NULL, REGISTER_REF_MOVE, NULL,
	 REGISTER_ERASE_NONE, N_("memberships representing the institution")},
	{"institution", "change_log", "entity_id", "entity = 'institution'", REGISTER_REF_LOG, NULL,
	 REGISTER_ERASE_NONE, N_("entries in the change log")},
	{"institution", "duplicate_dismissed", "low_id", "entity = 'institution'",
	 REGISTER_REF_DROP, NULL, REGISTER_ERASE_NONE, N_("pairs marked as not duplicates")},
	{"institution", "duplicate_dismissed", "high_id", "entity = 'institution'",
	 REGISTER_REF_DROP, NULL, REGISTER_ERASE_NONE, N_("pairs marked as not duplicates")},
};

const register_ref *register_refs(size_t *n)
{
	*n = G_N_ELEMENTS(refs);
	return refs;
}

const char *const register_merge_person_fields[] = {
	"address_form", "title", "first_name", "last_name", "letter_salutation", "function",
	"phone", "mobile", "email", "street", "postcode", "city", "preferred_channel",
	"legal_basis", "legal_basis_note", "notes", NULL,
};

const char *const register_merge_institution_fields[] = {
	"type_id", "name", "name_extra", "short_name", "street", "postcode", "city", "phone",
	"email", "website", "notes", "school_number", "school_form", "legal_form",
	"carrier_number", "area_admin_id", "area_social_id", NULL,
};

static bool is_person(const char *entity)
{
	return !g_strcmp0(entity, "person");
}

/* "FROM table WHERE region_id = $1 AND column = $2 [AND where]". New. */
static char *ref_rows(const register_ref *r)
{
	return g_strdup_printf("FROM %s WHERE region_id = $1 AND %s = $2%s%s", r->table, r->column,
			       r->where ? " AND " : "", r->where ? r->where : "");
}

static int64_t ref_count(const bireg_ctx *ctx, const register_ref *r, int64_t id, GError **err)
{
	g_autofree char *rows = ref_rows(r);
	g_autofree char *sql = g_strconcat("SELECT count(*) ", rows, NULL);
	return register_count(ctx, sql, id, err);
}

static bool erase_in(register_ref_erase e, const register_ref_erase *kinds)
{
	if (!kinds)
		return true;
	for (; *kinds; kinds++)
		if (*kinds == e)
			return true;
	return false;
}

int64_t register_refs_count(const bireg_ctx *ctx, const char *entity, int64_t id,
			    const register_ref_erase *kinds, GError **err)
{
	int64_t total = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(refs); i++) {
		if (g_strcmp0(refs[i].entity, entity) || !erase_in(refs[i].erase, kinds))
			continue;
		int64_t n = ref_count(ctx, &refs[i], id, err);
		if (n < 0)
			return -1;
		total += n;
	}
	return total;
}

/* ---- checks ----------------------------------------------------------------- */

/* Both records exist in the region, are two, and (people) neither is
 * erased. Their records (the store's get) in *keep and *other. */
static int load_pair(const bireg_ctx *ctx, const char *entity, int64_t keep_id, int64_t other_id,
		     json_t **keep, json_t **other, GError **err)
{
	*keep = *other = NULL;
	if (keep_id == other_id)
		return register_invalid(err, "other_id",
					N_("A record cannot be merged with itself: choose two different records."));
	if (is_person(entity)) {
		*keep = person_store_get(ctx, keep_id, err);
		*other = *keep ? person_store_get(ctx, other_id, err) : NULL;
	} else {
		*keep = institution_store_get(ctx, keep_id, err);
		*other = *keep ? institution_store_get(ctx, other_id, err) : NULL;
	}
	if (!*other)
		goto fail;
	if (is_person(entity)) {
		bool erased = false;
		int64_t ids[] = {keep_id, other_id};
		for (size_t i = 0; i < 2 && !erased; i++)
			if (register_exists(ctx, "SELECT 1 FROM person WHERE region_id = $1 AND id = $2 "
					    "AND erased_at IS NOT NULL", ids[i], &erased, err) < 0)
				goto fail;
		if (erased) {
			register_fail(err, REGISTER_ERROR_IN_USE,
				      N_("An anonymised (erased) person cannot be merged."));
			goto fail;
		}
	}
	return 0;
fail:
	g_clear_pointer(keep, json_decref);
	g_clear_pointer(other, json_decref);
	return -1;
}

/* The number of account links of the person, or -1. */
static int64_t account_links(const bireg_ctx *ctx, int64_t id, GError **err)
{
	return register_count(ctx, "SELECT count(*) FROM account_person WHERE region_id = $1 AND "
			      "person_id = $2", id, err);
}

/* Is one of the two the personal substitute of the other in a body? They
 * would become their own substitute (membership_store refuses that). */
static int substitutes_each_other(const bireg_ctx *ctx, int64_t a, int64_t b, bool *found,
				  GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT 1 FROM membership s JOIN membership m ON m.id = s.substitute_for_id "
		"WHERE s.region_id = $1 AND ((s.person_id = $2 AND m.person_id = $3) OR "
		"(s.person_id = $3 AND m.person_id = $2))", err);
	db_status r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, a);
	db_bind_int64(st, 3, b);
	r = db_step(st, err);
	if (r < 0)
		return -1;
	*found = r == DB_ROW;
	return 0;
}

/* The msgid why the pair cannot be merged as it is (people: both linked to
 * an account, substitutes of each other), NULL when it can; -1 on error. */
static int blocked_reason(const bireg_ctx *ctx, const char *entity, int64_t keep_id,
			  int64_t other_id, const char **why, GError **err)
{
	*why = NULL;
	if (!is_person(entity))
		return 0;
	int64_t a = account_links(ctx, keep_id, err);
	int64_t b = a < 0 ? -1 : account_links(ctx, other_id, err);
	bool subst = false;

	if (b < 0)
		return -1;
	if (a > 0 && b > 0) {
		*why = N_("Both people are linked to a user account. An account belongs to one person: remove the link of one of them (edit the person) before merging.");
		return 0;
	}
	if (substitutes_each_other(ctx, keep_id, other_id, &subst, err) < 0)
		return -1;
	if (subst)
		*why = N_("One of the two is the personal substitute of the other in a body, and would become their own substitute. Change that membership on the body's page before merging.");
	return 0;
}

/* ---- values ------------------------------------------------------------------ */

/* A field of a record as text: strings as they are, integers in decimal (0
 * and null as ""). New. */
static char *field_text(json_t *rec, const char *field)
{
	json_t *v = json_object_get(rec, field);

	if (json_is_string(v))
		return g_strdup(json_string_value(v));
	if (json_is_integer(v) && json_integer_value(v) != 0)
		return g_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	return g_strdup("");
}

/* "keep" or "other": what take says, else the default (the kept value,
 * the other's when the kept one is empty). */
static bool take_other(json_t *take, json_t *keep, json_t *other, const char *field)
{
	const char *t = take ? json_string_value(json_object_get(take, field)) : NULL;
	g_autofree char *k = field_text(keep, field);
	g_autofree char *o = field_text(other, field);

	if (!g_strcmp0(t, "other"))
		return true;
	if (!g_strcmp0(t, "keep"))
		return false;
	return !*k && *o;
}

/* The chosen values: {field: text} for every field, and the changes the
 * merge makes to the kept record ([{field, old, new}]) in *changes. New. */
static json_t *chosen_values(const char *const *fields, json_t *keep, json_t *other,
			     json_t *take, json_t **changes)
{
	json_t *v = json_object();

	*changes = json_array();
	for (size_t i = 0; fields[i]; i++) {
		g_autofree char *k = field_text(keep, fields[i]);
		g_autofree char *o = field_text(other, fields[i]);
		bool use_other = take_other(take, keep, other, fields[i]);

		json_object_set_new(v, fields[i], json_string(use_other ? o : k));
		if (use_other && strcmp(k, o))
			json_array_append_new(*changes,
					      json_pack("{s:s,s:o,s:o}", "field", fields[i], "old",
							*k ? json_string(k) : json_null(), "new",
							*o ? json_string(o) : json_null()));
	}
	return v;
}

static int64_t id_of(const char *s)
{
	return s && *s ? g_ascii_strtoll(s, NULL, 10) : 0;
}

/* ---- moving the references ----------------------------------------------------- */

static int run_ids(const bireg_ctx *ctx, const char *sql, int64_t a, int64_t b, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db, sql, err);

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, a);
	db_bind_int64(st, 3, b);
	return db_run(st, err) < 0 ? -1 : 0;
}

static int move_rows(const bireg_ctx *ctx, const register_ref *r, int64_t keep_id,
		     int64_t other_id, GError **err)
{
	g_autofree char *sql = g_strdup_printf("UPDATE %s SET %s = $3 WHERE region_id = $1 AND %s = $2%s%s",
					       r->table, r->column, r->column,
					       r->where ? " AND " : "", r->where ? r->where : "");
	return run_ids(ctx, sql, other_id, keep_id, err);
}

static int delete_rows(const bireg_ctx *ctx, const register_ref *r, int64_t other_id,
		       GError **err)
{
	g_autofree char *rows = ref_rows(r);
	g_autofree char *sql = g_strconcat("DELETE ", rows, NULL);
	return register_run(ctx, sql, other_id, err);
}

/* Drops the other's rows equal to one of the kept record's in the columns
 * of r->same (NULL equal to NULL), then moves the rest. */
static int collapse_rows(const bireg_ctx *ctx, const register_ref *r, int64_t keep_id,
			 int64_t other_id, GError **err)
{
	g_auto(GStrv) cols = g_strsplit(r->same, ",", -1);
	g_autoptr(GString) sql = g_string_new(NULL);

	g_string_printf(sql, "DELETE FROM %s WHERE region_id = $1 AND %s = $2 AND EXISTS "
			"(SELECT 1 FROM %s k WHERE k.region_id = $1 AND k.%s = $3",
			r->table, r->column, r->table, r->column);
	for (size_t i = 0; cols[i]; i++) {
		g_strstrip(cols[i]);
		g_string_append_printf(sql, " AND (k.%s = %s.%s OR (k.%s IS NULL AND %s.%s IS NULL))",
				       cols[i], r->table, cols[i], cols[i], r->table, cols[i]);
	}
	g_string_append(sql, ")");
	if (run_ids(ctx, sql->str, other_id, keep_id, err) < 0)
		return -1;
	return move_rows(ctx, r, keep_id, other_id, err);
}

/* A consent's current answer is its row with the highest id. After the
 * rows of two people came together, the newest answer per kind (by day,
 * then when it was recorded) must be that row: when it is not, it is
 * written again as a new row and its old one deleted. */
static int history_fixup(const bireg_ctx *ctx, const register_ref *r, int64_t keep_id,
			 GError **err)
{
	g_autofree char *sql = g_strdup_printf(
		"SELECT c.id FROM %s c WHERE c.region_id = $1 AND c.%s = $2 AND c.id = "
		"(SELECT n.id FROM %s n WHERE n.region_id = $1 AND n.%s = $2 AND n.%s = c.%s "
		"ORDER BY n.day DESC, n.recorded_at DESC, n.id DESC LIMIT 1) AND c.id < "
		"(SELECT max(m.id) FROM %s m WHERE m.region_id = $1 AND m.%s = $2 AND m.%s = c.%s)",
		r->table, r->column, r->table, r->column, r->same, r->same, r->table, r->column,
		r->same, r->same);
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db, sql, err);
		db_status s;
		if (!st)
			return -1;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, keep_id);
		while ((s = db_step(st, err)) == DB_ROW) {
			int64_t id = db_col_int64(st, 0);
			g_array_append_val(ids, id);
		}
		if (s < 0)
			return -1;
	}
	for (guint i = 0; i < ids->len; i++) {
		int64_t id = g_array_index(ids, int64_t, i);
		/* The columns of person_consent, the one history the table has. */
		if (run_ids(ctx, "INSERT INTO person_consent (region_id, person_id, kind, given, day, "
			    "source, recorded_by, recorded_at) SELECT region_id, person_id, kind, given, "
			    "day, source, recorded_by, recorded_at FROM person_consent "
			    "WHERE region_id = $1 AND id = $2 AND person_id = $3", id, keep_id, err) < 0 ||
		    register_run(ctx, "DELETE FROM person_consent WHERE region_id = $1 AND id = $2", id,
				 err) < 0)
			return -1;
	}
	return 0;
}

static int move_refs(const bireg_ctx *ctx, const char *entity, int64_t keep_id,
		     int64_t other_id, GError **err)
{
	bool log_done = false;

	for (size_t i = 0; i < G_N_ELEMENTS(refs); i++) {
		const register_ref *r = &refs[i];
		int rc = 0;

		if (strcmp(r->entity, entity))
			continue;
		switch (r->merge) {
		case REGISTER_REF_MOVE:
			rc = move_rows(ctx, r, keep_id, other_id, err);
			break;
		case REGISTER_REF_COLLAPSE:
			rc = collapse_rows(ctx, r, keep_id, other_id, err);
			break;
		case REGISTER_REF_HISTORY:
			rc = move_rows(ctx, r, keep_id, other_id, err);
			if (rc == 0)
				rc = history_fixup(ctx, r, keep_id, err);
			break;
		case REGISTER_REF_SINGLE: {
			/* blocked_reason() refused the merge when both have one */
			int64_t n = ref_count(ctx, r, keep_id, err);
			rc = n < 0 ? -1 : n == 0 ? move_rows(ctx, r, keep_id, other_id, err)
						 : delete_rows(ctx, r, other_id, err);
			break;
		}
		case REGISTER_REF_CHOSEN:
		case REGISTER_REF_DROP:
			rc = delete_rows(ctx, r, other_id, err);
			break;
		case REGISTER_REF_LOG:
			/* changelog_reassign moves every column of the log at once */
			if (!log_done)
				rc = changelog_reassign(ctx, entity, other_id, keep_id, err) < 0 ? -1 : 0;
			log_done = true;
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The "merge" entry on the kept record. */
static int log_merge(const bireg_ctx *ctx, const char *entity, int64_t keep_id, int64_t other_id,
		     json_t *changes, GError **err)
{
	g_autofree char *summary = g_strdup_printf("Dublette Nr. %" G_GINT64_FORMAT
						   " zusammengeführt", other_id);
	changelog_entry e = {
		.entity = entity,
		.entity_id = keep_id,
		.sub = "merged",
		.sub_id = other_id,
		.person_id = is_person(entity) ? keep_id : 0,
		.action = "merge",
		.summary = summary,
		.changes = changes,
	};
	return changelog_add(ctx, &e, err) < 0 ? -1 : 0;
}

/* ---- people -------------------------------------------------------------------- */

int register_merge_person(const bireg_ctx *ctx, int64_t keep_id, int64_t other_id,
			  json_t *take, GError **err)
{
	g_autoptr(json_t) keep = NULL, other = NULL, values = NULL, changes = NULL;
	const char *why = NULL;
	bool own;
	int rc = -1;

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (load_pair(ctx, "person", keep_id, other_id, &keep, &other, err) < 0 ||
	    blocked_reason(ctx, "person", keep_id, other_id, &why, err) < 0)
		goto out;
	if (why) {
		register_fail(err, REGISTER_ERROR_IN_USE, why);
		goto out;
	}
	values = chosen_values(register_merge_person_fields, keep, other, take, &changes);
#define V(f) register_jstr(values, f)
	person_input in = {
		.address_form = V("address_form"),
		.title = V("title"),
		.first_name = V("first_name"),
		.last_name = V("last_name"),
		.letter_salutation = V("letter_salutation"),
		.function = V("function"),
		.phone = V("phone"),
		.mobile = V("mobile"),
		.email = V("email"),
		.street = V("street"),
		.postcode = V("postcode"),
		.city = V("city"),
		.preferred_channel = V("preferred_channel"),
		.legal_basis = V("legal_basis"),
		.legal_basis_note = V("legal_basis_note"),
		.notes = V("notes"),
	};
#undef V
	if (person_input_check(&in, err) < 0 || move_refs(ctx, "person", keep_id, other_id, err) < 0 ||
	    register_run(ctx, "DELETE FROM person WHERE region_id = $1 AND id = $2", other_id, err) < 0 ||
	    search_remove(ctx, SEARCH_KIND_PERSON, other_id, err) < 0 ||
	    person_store_update(ctx, keep_id, &in, err) < 0 ||
	    log_merge(ctx, "person", keep_id, other_id, changes, err) < 0)
		goto out;
	rc = 0;
out:
	return db_join_end(ctx->db, own, rc, err);
}

/* ---- institutions ---------------------------------------------------------------- */

/* The tags of both records, the kept one's first, without duplicates.
 * Free with g_strfreev. */
static char **tags_union(json_t *keep, json_t *other)
{
	g_autoptr(GPtrArray) tags = g_ptr_array_new();
	json_t *recs[] = {keep, other};
	size_t i;
	json_t *t;

	for (size_t r = 0; r < 2; r++)
		json_array_foreach(json_object_get(recs[r], "tags"), i, t) {
			const char *s = json_string_value(t);
			bool seen = false;
			for (guint k = 0; s && k < tags->len && !seen; k++)
				seen = !strcmp(g_ptr_array_index(tags, k), s);
			if (s && !seen)
				g_ptr_array_add(tags, g_strdup(s));
		}
	g_ptr_array_add(tags, NULL);
	return (char **)g_ptr_array_free(g_steal_pointer(&tags), FALSE);
}

int register_merge_institution(const bireg_ctx *ctx, int64_t keep_id, int64_t other_id,
			       json_t *take, GError **err)
{
	g_autoptr(json_t) keep = NULL, other = NULL, values = NULL, changes = NULL;
	g_auto(GStrv) tags = NULL;
	bool own;
	int rc = -1;

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (load_pair(ctx, "institution", keep_id, other_id, &keep, &other, err) < 0)
		goto out;
	values = chosen_values(register_merge_institution_fields, keep, other, take, &changes);
	tags = tags_union(keep, other);
	if (g_strv_length(tags) != json_array_size(json_object_get(keep, "tags"))) {
		g_autofree char *all = g_strjoinv(", ", tags);
		json_array_append_new(changes, json_pack("{s:s,s:o,s:s}", "field", "tags", "old",
							 *register_jstr(keep, "tags_text")
								 ? json_string(register_jstr(keep, "tags_text"))
								 : json_null(),
							 "new", all));
	}
#define V(f) register_jstr(values, f)
	int64_t areas[2] = {id_of(V("area_admin_id")), id_of(V("area_social_id"))};
	institution_input in = {
		.type_id = id_of(V("type_id")),
		.name = V("name"),
		.name_extra = V("name_extra"),
		.short_name = V("short_name"),
		.street = V("street"),
		.postcode = V("postcode"),
		.city = V("city"),
		.phone = V("phone"),
		.email = V("email"),
		.website = V("website"),
		.notes = V("notes"),
		.school_number = V("school_number"),
		.school_form = V("school_form"),
		.legal_form = V("legal_form"),
		.carrier_number = V("carrier_number"),
		.area_ids = areas,
		.n_areas = 2,
		.tags = (const char *const *)tags,
	};
#undef V
	/* The other goes first: a Schulnummer taken from it is unique only
	 * once it is gone. */
	if (move_refs(ctx, "institution", keep_id, other_id, err) < 0 ||
	    register_run(ctx, "DELETE FROM institution WHERE region_id = $1 AND id = $2", other_id,
			 err) < 0 ||
	    search_remove(ctx, SEARCH_KIND_INSTITUTION, other_id, err) < 0 ||
	    institution_store_update(ctx, keep_id, &in, err) < 0 ||
	    log_merge(ctx, "institution", keep_id, other_id, changes, err) < 0)
		goto out;
	rc = 0;
out:
	return db_join_end(ctx->db, own, rc, err);
}

/* ---- the preview --------------------------------------------------------------- */

json_t *register_merge_preview(const bireg_ctx *ctx, const char *entity, int64_t keep_id,
			       int64_t other_id, GError **err)
{
	g_autoptr(json_t) keep = NULL, other = NULL;
	const char *const *fields = is_person(entity) ? register_merge_person_fields
						      : register_merge_institution_fields;
	const char *why = NULL;
	json_t *list, *refl, *model;

	if (load_pair(ctx, entity, keep_id, other_id, &keep, &other, err) < 0 ||
	    blocked_reason(ctx, entity, keep_id, other_id, &why, err) < 0)
		return NULL;
	list = json_array();
	for (size_t i = 0; fields[i]; i++) {
		g_autofree char *k = field_text(keep, fields[i]);
		g_autofree char *o = field_text(other, fields[i]);
		json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:b,s:s}", "field", fields[i],
						      "keep", k, "other", o, "differ", strcmp(k, o) != 0,
						      "take",
						      take_other(NULL, keep, other, fields[i]) ? "other"
											       : "keep"));
	}
	refl = json_array();
	for (size_t i = 0; i < G_N_ELEMENTS(refs); i++) {
		if (strcmp(refs[i].entity, entity) || refs[i].merge == REGISTER_REF_DROP ||
		    refs[i].merge == REGISTER_REF_CHOSEN ||
		    (refs[i].merge == REGISTER_REF_LOG && refs[i].where == NULL))
			continue;
		int64_t a = ref_count(ctx, &refs[i], keep_id, err);
		int64_t b = a < 0 ? -1 : ref_count(ctx, &refs[i], other_id, err);
		if (b < 0) {
			json_decref(list);
			json_decref(refl);
			return NULL;
		}
		json_array_append_new(refl, json_pack("{s:s,s:s,s:s,s:I,s:I}", "table", refs[i].table,
						      "column", refs[i].column, "what", refs[i].what,
						      "keep", (json_int_t)a, "other", (json_int_t)b));
	}
	model = json_pack("{s:s,s:O,s:O,s:o,s:o,s:o}", "entity", entity, "keep", keep, "other", other,
			  "fields", list, "refs", refl, "blocked",
			  why ? json_string(why) : json_null());
	return model;
}
