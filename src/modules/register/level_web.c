/*
 * level_web.c — the levels (Ebenen) of a region, for its office:
 * /register/ebenen shows them with their bodies and lets the office rename
 * them, describe them, add levels and remove the last ones.
 *
 * A region has one to LEVELS_MAX levels, numbered from 1. The page shows a
 * row per level plus one empty row for a new level; a level is removed by
 * emptying its name, which is only allowed from the end (the positions stay
 * without gaps) and only while no body belongs to it. Levels are updated in
 * place (region_store_set_levels), so bodies keep their level; the bodies'
 * search entries name their level and are indexed again in the same
 * transaction.
 */
#include "modules/register/level_web.h"

#include <string.h>

#include "core/log.h"
#include "db/db.h"
#include "modules/account/perm.h"
#include "modules/region/region_store.h"
#include "modules/register/body_store.h"
#include "modules/register/changelog.h"
#include "modules/register/register.h"
#include "modules/register/register_page.h"
#include "view/form.h"
#include "view/i18n.h"
#include "view/view.h"

#define LEVELS_MAX 6

#define LEVEL_FIELDS(n, legend)                                                                  \
	{"name_" #n, N_("Name"), NULL, .kind = FORM_TEXT, .max_chars = 120, .group = legend},    \
	{"description_" #n, N_("Description"),                                                   \
	 N_("What the bodies of this level do; shown on the public bodies page."),              \
	 .kind = FORM_TEXTAREA, .max_chars = 1000, .rows = 2}

static const form_field level_fields[] = {
	LEVEL_FIELDS(1, N_("Level 1")), LEVEL_FIELDS(2, N_("Level 2")),
	LEVEL_FIELDS(3, N_("Level 3")), LEVEL_FIELDS(4, N_("Level 4")),
	LEVEL_FIELDS(5, N_("Level 5")), LEVEL_FIELDS(6, N_("Level 6")),
};

/* Bodies per level position: [{position, name, bodies}], from the region's
 * levels joined with its bodies. */
static json_t *level_rows(req_ctx *rc, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(rc->ctx.db,
		"SELECT l.position, l.name, l.description, "
		"(SELECT count(*) FROM body b WHERE b.region_id = l.region_id AND b.level_id = l.id) "
		"FROM region_level l WHERE l.region_id = $1 ORDER BY l.position",
		err);
	json_t *rows;
	int r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, rc->ctx.region_id);
	rows = json_array();
	while ((r = db_step(st, err)) == DB_ROW)
		json_array_append_new(rows, json_pack("{s:I,s:s,s:s,s:I}", "position",
						      (json_int_t)db_col_int64(st, 0), "name",
						      db_col_text(st, 1), "description",
						      db_col_text(st, 2), "bodies",
						      (json_int_t)db_col_int64(st, 3)));
	if (r != DB_DONE) {
		json_decref(rows);
		return NULL;
	}
	return rows;
}

static int levels_page(req_ctx *rc, int status, form *f, json_t *rows, const char *notice)
{
	g_autofree char *action = view_href(rc, "/register/ebenen");
	g_autofree char *bodies = view_href(rc, "/register/gremien");
	g_autofree char *reg = view_href(rc, "/register");
	json_t *model = json_pack("{s:s,s:s,s:s,s:O,s:b}", "action", action, "bodies_href", bodies,
				  "notice", notice ? notice : "", "levels", rows, "has_levels",
				  json_array_size(rows) > 0);

	register_put_form(model, f, rc);
	return view_page_full(rc, status, "pages/register_levels", view_t(rc, N_("Levels")), model,
			      json_pack("[{s:s,s:s}]", "label", view_t(rc, N_("Register")), "href",
					reg));
}

static int levels_get(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = form_new(level_fields, G_N_ELEMENTS(level_fields), "levels");
	json_t *rows = level_rows(rc, &err);
	const char *saved = http_params_get(rc->req->query, "gespeichert");
	size_t i;
	json_t *l;
	int status;

	if (!rows)
		return register_store_failed(rc, "reading the levels", err);
	json_array_foreach(rows, i, l) {
		g_autofree char *name = g_strdup_printf("name_%zu", i + 1);
		g_autofree char *desc = g_strdup_printf("description_%zu", i + 1);
		form_set(f, name, register_jstr(l, "name"));
		form_set(f, desc, register_jstr(l, "description"));
	}
	status = levels_page(rc, 200, f, rows,
			     saved ? view_t(rc, N_("The levels have been saved.")) : NULL);
	json_decref(rows);
	return status;
}

/* Checks the posted rows: names without gaps, at least one. Returns the
 * number of levels, 0 when refused (messages in f). */
static size_t posted_levels(form *f, const req_ctx *rc)
{
	size_t n = 0;

	for (size_t i = 1; i <= LEVELS_MAX; i++) {
		g_autofree char *name = g_strdup_printf("name_%zu", i);
		g_autofree char *desc = g_strdup_printf("description_%zu", i);
		bool has_name = *form_value(f, name) != '\0';

		if (has_name && n + 1 < i) {
			g_autofree char *gap = g_strdup_printf("name_%zu", n + 1);
			form_error(f, gap, view_t(rc, N_("Levels are numbered without gaps: give this level a name, or move the names below up.")));
			return 0;
		}
		if (!has_name && *form_value(f, desc)) {
			form_error(f, name, view_t(rc, N_("A level with a description needs a name.")));
			return 0;
		}
		if (has_name)
			n = i;
	}
	if (!n)
		form_error(f, "name_1", view_t(rc, N_("A region needs at least one level.")));
	return n;
}

/* Saves n levels in one transaction: refused when a level to be removed
 * still has bodies. */
static int save_levels(req_ctx *rc, const form *f, size_t n, GError **err)
{
	const char *names[LEVELS_MAX], *descs[LEVELS_MAX];
	int64_t orphaned;
	int rc_ = -1;
	json_t *before = NULL; /* the change log's snapshot of every level */

	for (size_t i = 0; i < n; i++) {
		g_autofree char *name = g_strdup_printf("name_%zu", i + 1);
		g_autofree char *desc = g_strdup_printf("description_%zu", i + 1);
		names[i] = form_value(f, name);
		descs[i] = form_value(f, desc);
	}
	if (db_begin(rc->ctx.db, err) < 0)
		return -1;
	orphaned = register_count(&rc->ctx,
				  "SELECT count(*) FROM body b JOIN region_level l ON l.id = b.level_id "
				  "WHERE b.region_id = $1 AND l.region_id = $1 AND l.position > $2",
				  (int64_t)n, err);
	if (orphaned < 0)
		goto out;
	if (orphaned > 0) {
		g_autofree char *field = g_strdup_printf("name_%zu", n + 1);
		register_invalid(err, field,
				 N_("This level still has bodies. Move them to another level first (edit the body), then remove the level."));
		goto out;
	}
	if (!(before = changelog_levels_snapshot(&rc->ctx, err)))
		goto out;
	if (region_store_set_levels(&rc->ctx, names, descs, n, err) < 0)
		goto out;
	if (body_store_reindex_all(&rc->ctx, err) < 0)
		goto out;
	if (changelog_levels_track(&rc->ctx, before, err) < 0)
		goto out;
	rc_ = 0;
out:
	json_decref(before);
	if (rc_ < 0) {
		db_rollback(rc->ctx.db);
		return -1;
	}
	return db_commit(rc->ctx.db, err) < 0 ? -1 : 0;
}

static int levels_post(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(form) f = form_new(level_fields, G_N_ELEMENTS(level_fields), "levels");
	size_t n = 0;

	if (form_read(f, rc))
		n = posted_levels(f, rc);
	if (n && save_levels(rc, f, n, &err) == 0) {
		log_info("request %s: %zu levels saved by account %" G_GINT64_FORMAT,
			 rc->req->request_id, n, rc->ctx.user_id);
		return view_redirect(rc, "/register/ebenen?gespeichert=1");
	}
	if (n && !register_error_to_form(f, rc, err))
		return register_store_failed(rc, "saving the levels", err);
	{
		g_autoptr(GError) err2 = NULL;
		json_t *rows = level_rows(rc, &err2);
		int status;
		if (!rows)
			return register_store_failed(rc, "reading the levels", err2);
		status = levels_page(rc, 422, f, rows, NULL);
		json_decref(rows);
		return status;
	}
}

static const param_rule levels_params[] = {
	{.name = "gespeichert", .kind = PARAM_STRING, .max_len = 10},
	{0},
};

const route level_routes[] = {
	{HTTP_GET, "/register/ebenen", "register.level.list", perm_office, "office", levels_params,
	 levels_get, ROUTE_REGION, 0},
	{HTTP_POST, "/register/ebenen", "register.level.save", perm_office, "office", NULL,
	 levels_post, ROUTE_REGION, 64 * 1024},
	{0},
};
