/*
 * body_store.c — SQL for the bodies of a region and their rules of
 * procedure (see body_store.h). Memberships are in membership_store.c.
 *
 * Everything a rule of procedure needs is checked here, before anything is
 * written, so the web layer, the demo and later imports all get the same
 * refusals with the same field names.
 */
#include "modules/register/body_store.h"

#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "db/db.h"
#include "modules/register/changelog.h"
#include "modules/register/register.h"
#include "search/search.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/view.h"

/* ---- labels ---------------------------------------------------------- */

typedef struct type_label {
	const char *key;
	const char *msgid; /* for the UI */
	const char *de;    /* for the search index, which is the same for every language */
} type_label;

static const type_label type_labels[] = {
	{"conference", N_("Education conference"), "Bildungskonferenz"},
	{"steering", N_("Steering group"), "Lenkungskreis"},
	{"forum", N_("Action forum"), "Handlungsforum"},
	{"district_forum", N_("Regional education forum"), "regionales Bildungsforum"},
	{"board", N_("Board of the support association"), "Vorstand des Fördervereins"},
	{"working_group", N_("Working group"), "Arbeitsgruppe"},
	{"other", N_("Other kind of body"), "Sonstiges"},
};

const char *const body_types[] = {"conference", "steering", "forum", "district_forum",
				  "board", "working_group", "other", NULL};

static const type_label *find_type(const char *type)
{
	for (size_t i = 0; type && i < G_N_ELEMENTS(type_labels); i++)
		if (!strcmp(type_labels[i].key, type))
			return &type_labels[i];
	return NULL;
}

const char *body_type_label(const req_ctx *rc, const char *type)
{
	const type_label *t = find_type(type);
	return t ? view_t(rc, t->msgid) : "";
}

const char *body_type_label_de(const char *type)
{
	const type_label *t = find_type(type);
	return t ? t->de : "";
}

/* ---- helpers --------------------------------------------------------- */

static const char *or_default(const char *v, const char *def)
{
	return v && *v ? v : def;
}

/* ---- checks ---------------------------------------------------------- */

static const char *const chair_modes[] = {"single", "co_chairs", NULL};
static const char *const decision_modes[] = {"consensus", "majority", "unanimity",
					     "recommendation", NULL};
static const char *const quorum_rules[] = {"none", "share", "both_partners", NULL};
static const char *const written_procedures[] = {"none", "majority", "all_consent", NULL};
static const char *const nonpublic_accesses[] = {"members", "voting", "office", NULL};

void body_input_defaults(body_input *in)
{
	memset(in, 0, sizeof *in);
	in->type = "other";
	in->chair_mode = "single";
	in->decision_mode = "majority";
	in->quorum_rule = "share";
	in->quorum_share_pct = 50;
	in->invitation_days = 14;
	in->invitation_days_urgent = 3;
	in->papers_days = 7;
	in->objection_days = 14;
	in->written_procedure = "none";
	in->nonpublic_access = "members";
}

/* The values to write: in with defaults applied. */
typedef struct body_row {
	const char *type, *chair_mode, *decision_mode, *quorum_rule, *written_procedure,
		*nonpublic_access;
	int64_t quorum_share_pct;
} body_row;

/* Does walking up from parent reach id (a cycle)? */
static int reaches(const bireg_ctx *ctx, int64_t parent, int64_t id, bool *cycle, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT parent_id FROM body WHERE region_id = $1 AND id = $2", err);
	int64_t cur = parent;

	if (!st)
		return -1;
	*cycle = false;
	/* A chain longer than the number of bodies of a region is itself a
	 * cycle that predates this check; 10,000 steps are far beyond any
	 * real hierarchy. */
	for (int steps = 0; cur > 0 && steps < 10000; steps++) {
		int r;
		if (cur == id) {
			*cycle = true;
			return 0;
		}
		db_reset(st);
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, cur);
		r = db_step(st, err);
		if (r < 0)
			return -1;
		cur = r == DB_ROW && !db_col_is_null(st, 0) ? db_col_int64(st, 0) : 0;
	}
	return 0;
}

/* Checks in (id 0 for a new body) and fills the values to write. */
static int body_check(const bireg_ctx *ctx, int64_t id, const body_input *in, body_row *row,
		      GError **err)
{
	row->type = or_default(in->type, "other");
	row->chair_mode = or_default(in->chair_mode, "single");
	row->decision_mode = or_default(in->decision_mode, "majority");
	row->quorum_rule = or_default(in->quorum_rule, "share");
	row->written_procedure = or_default(in->written_procedure, "none");
	row->nonpublic_access = or_default(in->nonpublic_access, "members");
	row->quorum_share_pct = in->quorum_share_pct;

	if (!in->name || !*in->name)
		return register_invalid(err, "name", N_("Please enter the name of the body."));
	if (!register_text_ok(in->name, 0, 200))
		return register_invalid(err, "name", N_("The name may have at most 200 characters."));
	if (!register_text_ok(in->short_name, 0, 60))
		return register_invalid(err, "short_name",
					N_("The short name may have at most 60 characters."));
	if (!register_one_of(row->type, body_types))
		return register_invalid(err, "type", N_("Please choose the type of the body."));
	if (!register_text_ok(in->description, 0, 10000))
		return register_invalid(err, "description",
					N_("The description may have at most 10,000 characters."));
	if (!register_text_ok(in->goals, 0, 10000))
		return register_invalid(err, "goals",
					N_("The goals may have at most 10,000 characters."));
	if (register_nullable(in->active_from) && !register_is_day(in->active_from))
		return register_invalid(err, "active_from", N_("Please enter a valid date."));
	if (register_nullable(in->active_until) && !register_is_day(in->active_until))
		return register_invalid(err, "active_until", N_("Please enter a valid date."));
	if (register_nullable(in->active_from) && register_nullable(in->active_until) &&
	    strcmp(in->active_until, in->active_from) < 0)
		return register_invalid(err, "active_until",
					N_("The body cannot end its work before it starts: the end of the active period is before its start."));
	if (!register_one_of(row->chair_mode, chair_modes))
		return register_invalid(err, "chair_mode", N_("Please choose how the body is chaired."));
	if (!register_one_of(row->decision_mode, decision_modes))
		return register_invalid(err, "decision_mode",
					N_("Please choose how the body decides."));
	if (!register_one_of(row->quorum_rule, quorum_rules))
		return register_invalid(err, "quorum_rule",
					N_("Please choose when the body has a quorum."));
	if (in->quorum_share_pct > 100)
		return register_invalid(err, "quorum_share_pct",
					N_("The quorum share cannot be more than 100 %: enter the share of the voting members that must be present, from 1 to 100."));
	if (!strcmp(row->quorum_rule, "share") && in->quorum_share_pct < 1)
		return register_invalid(err, "quorum_share_pct",
					N_("Please enter the share of the voting members that must be present, from 1 to 100 %."));
	if (row->quorum_share_pct < 1)
		row->quorum_share_pct = 50; /* not used by the rule; the column needs a value */
	if (in->invitation_days < 0 || in->invitation_days > 365)
		return register_invalid(err, "invitation_days",
					N_("Please enter a number of days from 0 to 365."));
	if (in->invitation_days_urgent < 0 || in->invitation_days_urgent > 365)
		return register_invalid(err, "invitation_days_urgent",
					N_("Please enter a number of days from 0 to 365."));
	if (in->invitation_days_urgent > in->invitation_days)
		return register_invalid(err, "invitation_days_urgent",
					N_("The shortened period for urgent meetings cannot be longer than the normal Ladungsfrist."));
	if (in->papers_days < 0 || in->papers_days > 365)
		return register_invalid(err, "papers_days",
					N_("Please enter a number of days from 0 to 365."));
	if (in->objection_days < 0 || in->objection_days > 365)
		return register_invalid(err, "objection_days",
					N_("Please enter a number of days from 0 to 365."));
	if (!register_one_of(row->written_procedure, written_procedures))
		return register_invalid(err, "written_procedure",
					N_("Please choose whether decisions in writing are allowed."));
	if (!register_one_of(row->nonpublic_access, nonpublic_accesses))
		return register_invalid(err, "nonpublic_access",
					N_("Please choose who may see the non-public papers."));

	if (in->level_id) {
		if (register_check_ref(ctx, "SELECT id FROM region_level WHERE region_id = $1 AND id = $2",
				       in->level_id, "level_id", N_("Please choose a level of this region."), err) < 0)
			return -1;
	}
	if (in->area_id) {
		if (register_check_ref(ctx, "SELECT id FROM area WHERE region_id = $1 AND id = $2",
				       in->area_id, "area_id", N_("Please choose an area of this region."), err) < 0)
			return -1;
	}
	if (in->parent_id) {
		bool cycle = false;
		if (id && in->parent_id == id)
			return register_invalid(err, "parent_id",
						N_("A body cannot report to itself."));
		if (register_check_ref(ctx, "SELECT id FROM body WHERE region_id = $1 AND id = $2",
				       in->parent_id, "parent_id",
				       N_("Please choose a body of this region."), err) < 0)
			return -1;
		if (id && reaches(ctx, in->parent_id, id, &cycle, err) < 0)
			return -1;
		if (cycle)
			return register_invalid(err, "parent_id",
						N_("This body cannot report to a body that reports to it, directly or through others."));
	}
	if (id && !strcmp(row->chair_mode, "single")) {
		g_autofree char *today = register_today();
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"SELECT count(*) FROM membership WHERE region_id = $1 AND body_id = $2 "
			"AND role = 'chair' AND (start_day IS NULL OR start_day <= $3) "
			"AND (end_day IS NULL OR end_day >= $3)", err);
		if (!st)
			return -1;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, id);
		db_bind_text(st, 3, today);
		if (db_step(st, err) != DB_ROW)
			return -1;
		if (db_col_int64(st, 0) > 1)
			return register_invalid(err, "chair_mode",
						N_("The body has two co-chairs at present. End one of these memberships before choosing a single chair."));
	}
	return 0;
}

/* Binds the columns of in/row as $2..$22 (see the statements below). */
static void bind_row(db_stmt *st, const body_input *in, const body_row *row,
		     const char *sort_name)
{
	int64_t ids[] = {in->level_id, in->area_id, in->parent_id};

	db_bind_text(st, 2, in->name);
	db_bind_text(st, 3, in->short_name ? in->short_name : "");
	db_bind_text(st, 4, row->type);
	for (int i = 0; i < 3; i++) {
		if (ids[i])
			db_bind_int64(st, 5 + i, ids[i]);
		else
			db_bind_null(st, 5 + i);
	}
	db_bind_text(st, 8, in->description ? in->description : "");
	db_bind_text(st, 9, in->goals ? in->goals : "");
	db_bind_text(st, 10, register_nullable(in->active_from));
	db_bind_text(st, 11, register_nullable(in->active_until));
	db_bind_text(st, 12, row->chair_mode);
	db_bind_text(st, 13, row->decision_mode);
	db_bind_text(st, 14, row->quorum_rule);
	db_bind_int64(st, 15, row->quorum_share_pct);
	db_bind_int64(st, 16, in->invitation_days);
	db_bind_int64(st, 17, in->invitation_days_urgent);
	db_bind_int64(st, 18, in->papers_days);
	db_bind_int64(st, 19, in->objection_days);
	db_bind_text(st, 20, row->written_procedure);
	db_bind_int64(st, 21, in->public ? 1 : 0);
	db_bind_text(st, 22, row->nonpublic_access);
	db_bind_text(st, 23, sort_name);
}

int64_t body_store_create(const bireg_ctx *ctx, const body_input *in, GError **err)
{
	body_row row;
	bool own = false;
	int64_t id = -1;
	char now[21];

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (body_check(ctx, 0, in, &row, err) == 0) {
		g_autofree char *sort = register_sort_key(in->name, NULL);
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"INSERT INTO body (region_id, name, short_name, type, level_id, area_id, "
			"parent_id, description, goals, active_from, active_until, chair_mode, "
			"decision_mode, quorum_rule, quorum_share_pct, invitation_days, "
			"invitation_days_urgent, papers_days, objection_days, written_procedure, "
			"public, nonpublic_access, sort_name, created_at, updated_at) VALUES ($1, $2, "
			"$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
			"$20, $21, $22, $23, $24, $24) RETURNING id", err);
		if (st) {
			util_now_iso(now);
			db_bind_int64(st, 1, ctx->region_id);
			bind_row(st, in, &row, sort);
			db_bind_text(st, 24, now);
			if (db_step(st, err) == DB_ROW)
				id = db_col_int64(st, 0);
		}
		if (id > 0 && body_store_index(ctx, id, err) < 0)
			id = -1;
		if (id > 0 && changelog_track(ctx, "body", id, "create", NULL, NULL, err) < 0)
			id = -1;
	}
	if (db_join_end(ctx->db, own, id > 0 ? 0 : -1, err) < 0)
		return -1;
	return id;
}

int body_store_update(const bireg_ctx *ctx, int64_t id, const body_input *in, GError **err)
{
	body_row row;
	bool own = false;
	int rc = -1;
	char now[21];
	json_t *before = NULL; /* the change log's snapshot */

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (register_require(ctx, "SELECT id FROM body WHERE region_id = $1 AND id = $2", id,
			     N_("This body does not exist."), err) < 0)
		goto out;
	if (body_check(ctx, id, in, &row, err) < 0)
		goto out;
	if (changelog_snapshot(ctx, "body", id, &before, err) < 0)
		goto out;
	{
		g_autofree char *sort = register_sort_key(in->name, NULL);
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"UPDATE body SET name = $2, short_name = $3, type = $4, level_id = $5, "
			"area_id = $6, parent_id = $7, description = $8, goals = $9, active_from = $10, "
			"active_until = $11, chair_mode = $12, decision_mode = $13, quorum_rule = $14, "
			"quorum_share_pct = $15, invitation_days = $16, invitation_days_urgent = $17, "
			"papers_days = $18, objection_days = $19, written_procedure = $20, public = $21, "
			"nonpublic_access = $22, sort_name = $23, updated_at = $24 "
			"WHERE region_id = $1 AND id = $25", err);
		if (!st)
			goto out;
		util_now_iso(now);
		db_bind_int64(st, 1, ctx->region_id);
		bind_row(st, in, &row, sort);
		db_bind_text(st, 24, now);
		db_bind_int64(st, 25, id);
		if (db_run(st, err) < 0)
			goto out;
	}
	rc = body_store_index(ctx, id, err);
	if (rc == 0 && changelog_track(ctx, "body", id, "update", before, NULL, err) < 0)
		rc = -1;
out:
	json_decref(before);
	return db_join_end(ctx->db, own, rc, err);
}

int body_store_delete(const bireg_ctx *ctx, int64_t id, GError **err)
{
	bool own = false;
	int rc = -1;
	int64_t members = 0;
	json_t *before = NULL; /* the change log's snapshot */

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (register_require(ctx, "SELECT id FROM body WHERE region_id = $1 AND id = $2", id,
			     N_("This body does not exist."), err) < 0 ||
	    (members = register_count(ctx, "SELECT count(*) FROM membership WHERE region_id = $1 "
					   "AND body_id = $2", id, err)) < 0)
		goto out;
	if (members) {
		register_fail(err, REGISTER_ERROR_IN_USE,
			      N_("This body has memberships, also former ones, which belong to its record. Delete erroneous memberships first, or end the body's active period instead of deleting it."));
		goto out;
	}
	if (changelog_snapshot(ctx, "body", id, &before, err) < 0 ||
	    register_run(ctx, "UPDATE body SET parent_id = NULL WHERE region_id = $1 AND parent_id = $2",
			 id, err) < 0 ||
	    register_run(ctx, "DELETE FROM body WHERE region_id = $1 AND id = $2", id, err) < 0)
		goto out;
	rc = search_remove(ctx, SEARCH_KIND_BODY, id, err);
	if (rc == 0 && changelog_track(ctx, "body", id, "delete", before, NULL, err) < 0)
		rc = -1;
out:
	json_decref(before);
	return db_join_end(ctx->db, own, rc, err);
}

/* ---- reading --------------------------------------------------------- */

/* $1 region, $2 today. */
#define BODY_COLS                                                                             \
	"b.id, b.name, b.short_name, b.type, b.level_id, b.area_id, b.parent_id, "           \
	"b.active_from, b.active_until, b.chair_mode, b.decision_mode, b.quorum_rule, "      \
	"b.quorum_share_pct, b.invitation_days, b.invitation_days_urgent, b.papers_days, "   \
	"b.objection_days, b.written_procedure, b.public, b.nonpublic_access, b.sort_name, " \
	"b.created_at, b.updated_at, coalesce(l.name, ''), coalesce(l.position, 0), "        \
	"coalesce(a.name, ''), coalesce(p.name, ''), "                                       \
	"(SELECT count(*) FROM membership m WHERE m.region_id = b.region_id "                \
	"AND m.body_id = b.id AND (m.start_day IS NULL OR m.start_day <= $2) "               \
	"AND (m.end_day IS NULL OR m.end_day >= $2)), b.description, b.goals "
#define BODY_FROM                                                                  \
	"FROM body b LEFT JOIN region_level l ON l.id = b.level_id "              \
	"LEFT JOIN area a ON a.id = b.area_id "                                   \
	"LEFT JOIN body p ON p.id = b.parent_id AND p.region_id = b.region_id "

static json_t *body_row_json(db_stmt *st, const char *today, bool with_texts)
{
	const char *from = db_col_text(st, 7), *until = db_col_text(st, 8);
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
	json_object_set_new(o, "name", json_string(db_col_text(st, 1)));
	json_object_set_new(o, "short_name", json_string(db_col_text(st, 2)));
	json_object_set_new(o, "type", json_string(db_col_text(st, 3)));
	json_object_set_new(o, "level_id", register_col_id_or_null(st, 4));
	json_object_set_new(o, "area_id", register_col_id_or_null(st, 5));
	json_object_set_new(o, "parent_id", register_col_id_or_null(st, 6));
	json_object_set_new(o, "active_from", register_col_text_or_null(st, 7));
	json_object_set_new(o, "active_until", register_col_text_or_null(st, 8));
	json_object_set_new(o, "chair_mode", json_string(db_col_text(st, 9)));
	json_object_set_new(o, "decision_mode", json_string(db_col_text(st, 10)));
	json_object_set_new(o, "quorum_rule", json_string(db_col_text(st, 11)));
	json_object_set_new(o, "quorum_share_pct", json_integer(db_col_int64(st, 12)));
	json_object_set_new(o, "invitation_days", json_integer(db_col_int64(st, 13)));
	json_object_set_new(o, "invitation_days_urgent", json_integer(db_col_int64(st, 14)));
	json_object_set_new(o, "papers_days", json_integer(db_col_int64(st, 15)));
	json_object_set_new(o, "objection_days", json_integer(db_col_int64(st, 16)));
	json_object_set_new(o, "written_procedure", json_string(db_col_text(st, 17)));
	json_object_set_new(o, "public", json_boolean(db_col_int64(st, 18) != 0));
	json_object_set_new(o, "nonpublic_access", json_string(db_col_text(st, 19)));
	json_object_set_new(o, "sort_name", json_string(db_col_text(st, 20)));
	json_object_set_new(o, "created_at", json_string(db_col_text(st, 21)));
	json_object_set_new(o, "updated_at", json_string(db_col_text(st, 22)));
	json_object_set_new(o, "level_name", json_string(db_col_text(st, 23)));
	json_object_set_new(o, "level_position", json_integer(db_col_int64(st, 24)));
	json_object_set_new(o, "area_name", json_string(db_col_text(st, 25)));
	json_object_set_new(o, "parent_name", json_string(db_col_text(st, 26)));
	json_object_set_new(o, "current_members", json_integer(db_col_int64(st, 27)));
	json_object_set_new(o, "is_active", json_boolean(register_within(today, from, until)));
	if (with_texts) {
		json_object_set_new(o, "description", json_string(db_col_text(st, 28)));
		json_object_set_new(o, "goals", json_string(db_col_text(st, 29)));
	}
	return o;
}

static json_t *child_row(db_stmt *st, void *data)
{
	(void)data;
	return json_pack("{s:I,s:s,s:s,s:s,s:b}", "id", (json_int_t)db_col_int64(st, 0), "name",
			 db_col_text(st, 1), "short_name", db_col_text(st, 2), "type",
			 db_col_text(st, 3), "public", db_col_int64(st, 4) != 0);
}

static json_t *children(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id, name, short_name, type, public FROM body WHERE region_id = $1 AND parent_id = $2 "
		"ORDER BY sort_name, id", err);

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	return register_collect(st, child_row, NULL, err);
}

json_t *body_store_get(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autofree char *today = register_today();
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT " BODY_COLS BODY_FROM "WHERE b.region_id = $1 AND b.id = $3", err);
	json_t *o, *kids;
	int r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, today);
	db_bind_int64(st, 3, id);
	r = db_step(st, err);
	if (r < 0)
		return NULL;
	if (r != DB_ROW) {
		register_fail(err, REGISTER_ERROR_NOT_FOUND, N_("This body does not exist."));
		return NULL;
	}
	o = body_row_json(st, today, true);
	kids = children(ctx, id, err);
	if (!kids) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "children", kids);
	return o;
}

/* $1 region, $2 today, $3 level, $4 type, $5 area, $6 current only, $7 public only. */
#define LIST_WHERE                                                                      \
	"WHERE b.region_id = $1 AND ($3 = 0 OR b.level_id = $3 OR ($3 = -1 AND b.level_id IS NULL)) " \
	"AND ($4 = '' OR b.type = $4) AND ($5 = 0 OR b.area_id = $5) "                 \
	"AND ($6 = 0 OR ((b.active_from IS NULL OR b.active_from <= $2) "              \
	"AND (b.active_until IS NULL OR b.active_until >= $2))) "                       \
	"AND ($7 = 0 OR b.public = 1) "

static void bind_filter(db_stmt *st, const bireg_ctx *ctx, const char *today, const body_filter *f)
{
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, today);
	db_bind_int64(st, 3, f ? f->level_id : 0);
	db_bind_text(st, 4, f && f->type ? f->type : "");
	db_bind_int64(st, 5, f ? f->area_id : 0);
	db_bind_int64(st, 6, f && f->current_only ? 1 : 0);
	db_bind_int64(st, 7, f && f->public_only ? 1 : 0);
}

json_t *body_store_list(const bireg_ctx *ctx, const body_filter *f, GError **err)
{
	g_autofree char *today = register_today();
	g_autoptr(db_stmt) count = db_prepare(ctx->db,
		"SELECT count(*) FROM body b " LIST_WHERE, err);
	g_autoptr(db_stmt) st = NULL;
	int64_t total;
	json_t *rows;
	int r;

	if (!count)
		return NULL;
	bind_filter(count, ctx, today, f);
	if (db_step(count, err) != DB_ROW)
		return NULL;
	total = db_col_int64(count, 0);
	st = db_prepare(ctx->db,
		"SELECT " BODY_COLS BODY_FROM LIST_WHERE
		"ORDER BY b.sort_name, b.id LIMIT $8 OFFSET $9", err);
	if (!st)
		return NULL;
	bind_filter(st, ctx, today, f);
	db_bind_int64(st, 8, f && f->limit > 0 ? f->limit : G_MAXINT32);
	db_bind_int64(st, 9, f && f->offset > 0 ? f->offset : 0);
	rows = json_array();
	while ((r = db_step(st, err)) == DB_ROW)
		json_array_append_new(rows, body_row_json(st, today, false));
	if (r < 0) {
		json_decref(rows);
		return NULL;
	}
	return json_pack("{s:I,s:o}", "total", (json_int_t)total, "rows", rows);
}

/* ---- search ---------------------------------------------------------- */

int body_store_index(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT b.name, b.short_name, b.type, coalesce(l.name, ''), coalesce(a.name, ''), "
		"b.description FROM body b LEFT JOIN region_level l ON l.id = b.level_id "
		"LEFT JOIN area a ON a.id = b.area_id WHERE b.region_id = $1 AND b.id = $2", err);
	int r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	r = db_step(st, err);
	if (r < 0)
		return -1;
	if (r != DB_ROW)
		return search_remove(ctx, SEARCH_KIND_BODY, id, err);
	g_autofree char *text = g_strjoin("\n", db_col_text(st, 1),
					  body_type_label_de(db_col_text(st, 2)), db_col_text(st, 3),
					  db_col_text(st, 4), db_col_text(st, 5), NULL);
	return search_put(ctx, SEARCH_KIND_BODY, id, db_col_text(st, 0), text, err);
}

int body_store_reindex_all(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id FROM body WHERE region_id = $1 ORDER BY id", err);
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	bool own = false;
	int rc = 0, r;

	if (!st)
		return -1;
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		g_array_append_val(ids, id);
	}
	if (r < 0)
		rc = -1;
	for (guint i = 0; rc == 0 && i < ids->len; i++)
		if (body_store_index(ctx, g_array_index(ids, int64_t, i), err) < 0)
			rc = -1;
	if (db_join_end(ctx->db, own, rc, err) < 0)
		return -1;
	return (int)ids->len;
}

/* ---- choices for the form -------------------------------------------- */

/* Runs sql ($1 = region) and turns each row into an object with the given
 * keys: a leading '#' in a key reads an integer (NULL as null), else text. */
static json_t *rows_as(const bireg_ctx *ctx, const char *sql, const char *const *keys,
		       GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db, sql, err);
	json_t *list;
	int r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	list = json_array();
	while ((r = db_step(st, err)) == DB_ROW) {
		json_t *o = json_object();
		for (int i = 0; keys[i]; i++) {
			if (keys[i][0] == '#')
				json_object_set_new(o, keys[i] + 1, register_col_id_or_null(st, i));
			else
				json_object_set_new(o, keys[i], json_string(db_col_text(st, i)));
		}
		json_array_append_new(list, o);
	}
	if (r < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

json_t *body_store_choices(const bireg_ctx *ctx, GError **err)
{
	static const char *const level_keys[] = {"#id", "name", "#position", NULL};
	static const char *const area_keys[] = {"#id", "name", "kind", "hierarchy", "#parent_id",
						"parent_name", NULL};
	static const char *const body_keys[] = {"#id", "name", NULL};
	json_t *levels = rows_as(ctx,
		"SELECT id, name, position FROM region_level WHERE region_id = $1 ORDER BY position, id",
		level_keys, err);
	json_t *areas = levels ? rows_as(ctx,
		"SELECT a.id, a.name, a.kind, a.hierarchy, a.parent_id, coalesce(pa.name, '') "
		"FROM area a LEFT JOIN area pa ON pa.id = a.parent_id AND pa.region_id = a.region_id "
		"WHERE a.region_id = $1 ORDER BY a.hierarchy, coalesce(pa.position, a.position), "
		"coalesce(pa.name, a.name), CASE WHEN a.parent_id IS NULL THEN 0 ELSE 1 END, "
		"a.position, a.name, a.id", area_keys, err) : NULL;
	json_t *bodies = areas ? rows_as(ctx,
		"SELECT id, name FROM body WHERE region_id = $1 ORDER BY sort_name, id", body_keys,
		err) : NULL;

	if (!bodies) {
		json_decref(levels);
		json_decref(areas);
		return NULL;
	}
	return json_pack("{s:o,s:o,s:o}", "levels", levels, "areas", areas, "bodies", bodies);
}
