/*
 * area_store.c — SQL for the areas of a region and its post-code table
 * (area_store.h).
 *
 * The tree is built in C from one query per call: a region has tens of
 * areas, not thousands, and sorting siblings by their folded name in C
 * gives the same order on both backends (their collations differ).
 */
#include "modules/register/area_store.h"
#include "modules/register/body_store.h"

#include <string.h>

#include "core/text.h"
#include "db/db.h"
#include "modules/register/changelog.h"
#include "modules/register/register.h"
#include "view/i18n.h"

bool area_hierarchy_valid(const char *hierarchy)
{
	return hierarchy && (!strcmp(hierarchy, AREA_HIERARCHY_ADMIN) ||
			     !strcmp(hierarchy, AREA_HIERARCHY_SOCIAL));
}

/* ---- the tree -------------------------------------------------------- */

typedef struct node {
	int64_t id, parent_id, position;
	char *hierarchy, *kind, *code, *name, *sort;
	GPtrArray *children; /* node*, borrowed */
} node;

static void node_free(gpointer p)
{
	node *n = p;
	g_free(n->hierarchy);
	g_free(n->kind);
	g_free(n->code);
	g_free(n->name);
	g_free(n->sort);
	g_ptr_array_free(n->children, TRUE);
	g_free(n);
}

static int node_cmp(gconstpointer a, gconstpointer b)
{
	const node *x = *(node *const *)a, *y = *(node *const *)b;
	int c;

	/* admin before social, then position, folded name, id */
	if ((c = strcmp(x->hierarchy, y->hierarchy)))
		return c;
	if (x->position != y->position)
		return x->position < y->position ? -1 : 1;
	if ((c = strcmp(x->sort, y->sort)))
		return c;
	if ((c = strcmp(x->name, y->name)))
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

typedef struct tree {
	GPtrArray *all;    /* node*, owned */
	GHashTable *by_id; /* gint64* -> node* */
	GPtrArray *roots;  /* node*, borrowed */
} tree;

static void tree_free(tree *t)
{
	if (!t)
		return;
	g_hash_table_destroy(t->by_id);
	g_ptr_array_free(t->roots, TRUE);
	g_ptr_array_free(t->all, TRUE);
	g_free(t);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(tree, tree_free)

static tree *tree_load(const bireg_ctx *ctx, const char *hierarchy, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id, hierarchy, coalesce(parent_id, 0), kind, code, name, position FROM area "
		"WHERE region_id = $1 AND ($2 = '' OR hierarchy = $2)", err);
	tree *t;
	int r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, hierarchy ? hierarchy : "");
	t = g_new0(tree, 1);
	t->all = g_ptr_array_new_with_free_func(node_free);
	t->by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	t->roots = g_ptr_array_new();
	while ((r = db_step(st, err)) == DB_ROW) {
		node *n = g_new0(node, 1);
		n->id = db_col_int64(st, 0);
		n->hierarchy = g_strdup(db_col_text(st, 1));
		n->parent_id = db_col_int64(st, 2);
		n->kind = g_strdup(db_col_text(st, 3));
		n->code = g_strdup(db_col_text(st, 4));
		n->name = g_strdup(db_col_text(st, 5));
		n->position = db_col_int64(st, 6);
		n->sort = text_search_fold(n->name);
		if (!n->sort)
			n->sort = g_strdup("");
		n->children = g_ptr_array_new();
		g_ptr_array_add(t->all, n);
		g_hash_table_insert(t->by_id, &n->id, n);
	}
	if (r < 0) {
		tree_free(t);
		return NULL;
	}
	for (guint i = 0; i < t->all->len; i++) {
		node *n = g_ptr_array_index(t->all, i);
		node *p = n->parent_id ? g_hash_table_lookup(t->by_id, &n->parent_id) : NULL;
		g_ptr_array_add(p ? p->children : t->roots, n);
	}
	g_ptr_array_sort(t->roots, node_cmp);
	for (guint i = 0; i < t->all->len; i++) {
		node *n = g_ptr_array_index(t->all, i);
		g_ptr_array_sort(n->children, node_cmp);
	}
	return t;
}

/* "Mitte › Altstadt": the names from the top down to n. Newly allocated. */
static char *node_label(const tree *t, const node *n)
{
	GPtrArray *chain = g_ptr_array_new();
	GString *s = g_string_new(NULL);
	const node *c = n;

	/* The depth bound guards against a cycle a bug could have stored. */
	for (int guard = 0; c && guard < 64; guard++) {
		g_ptr_array_add(chain, (gpointer)c);
		c = c->parent_id ? g_hash_table_lookup(t->by_id, &c->parent_id) : NULL;
	}
	for (guint i = chain->len; i > 0; i--) {
		const node *x = g_ptr_array_index(chain, i - 1);
		g_string_append_printf(s, "%s%s", i < chain->len ? " › " : "", x->name);
	}
	g_ptr_array_free(chain, TRUE);
	return g_string_free(s, FALSE);
}

static json_t *node_json(const tree *t, const node *n, int depth)
{
	g_autofree char *label = node_label(t, n);
	const node *p = n->parent_id ? g_hash_table_lookup(t->by_id, &n->parent_id) : NULL;
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:I,s:i,s:s,s:s,s:I}", "id", (json_int_t)n->id,
			      "hierarchy", n->hierarchy, "kind", n->kind, "code", n->code, "name",
			      n->name, "position", (json_int_t)n->position, "depth", depth, "label",
			      label, "parent_name", p ? p->name : "", "children",
			      (json_int_t)n->children->len);

	json_object_set_new(o, "parent_id", n->parent_id ? json_integer(n->parent_id) : json_null());
	return o;
}

static void walk(const tree *t, GPtrArray *level, int depth, json_t *out)
{
	if (depth > 64)
		return;
	for (guint i = 0; i < level->len; i++) {
		const node *n = g_ptr_array_index(level, i);
		json_array_append_new(out, node_json(t, n, depth));
		walk(t, n->children, depth + 1, out);
	}
}

json_t *area_store_list(const bireg_ctx *ctx, const char *hierarchy, GError **err)
{
	g_autoptr(tree) t = tree_load(ctx, hierarchy, err);
	json_t *out;

	if (!t)
		return NULL;
	out = json_array();
	walk(t, t->roots, 0, out);
	return out;
}

/* ---- one area -------------------------------------------------------- */

int64_t area_store_find(const bireg_ctx *ctx, const char *hierarchy, int64_t parent_id,
			const char *name, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id FROM area WHERE region_id = $1 AND hierarchy = $2 "
		"AND coalesce(parent_id, 0) = $3 AND name = $4", err);
	int r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, register_nz(hierarchy));
	db_bind_int64(st, 3, parent_id);
	db_bind_text(st, 4, register_nz(name));
	r = db_step(st, err);
	if (r < 0)
		return -1;
	return r == DB_ROW ? db_col_int64(st, 0) : 0;
}

json_t *area_store_get(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(tree) t = tree_load(ctx, NULL, err);
	const node *n;
	int depth = 0;
	json_t *o;
	int64_t counts[3];
	static const char *const sql[] = {
		"SELECT count(*) FROM institution_area WHERE region_id = $1 AND area_id = $2",
		"SELECT count(*) FROM body WHERE region_id = $1 AND area_id = $2",
		"SELECT count(*) FROM area_postcode WHERE region_id = $1 AND area_id = $2",
	};

	if (!t)
		return NULL;
	n = g_hash_table_lookup(t->by_id, &id);
	if (!n) {
		register_fail(err, REGISTER_ERROR_NOT_FOUND, "no such area");
		return NULL;
	}
	for (const node *c = n; c->parent_id && depth < 64; depth++)
		if (!(c = g_hash_table_lookup(t->by_id, &c->parent_id)))
			break;
	for (size_t i = 0; i < G_N_ELEMENTS(sql); i++)
		if ((counts[i] = register_count(ctx, sql[i], id, err)) < 0)
			return NULL;
	o = node_json(t, n, depth);
	json_object_set_new(o, "institutions", json_integer(counts[0]));
	json_object_set_new(o, "bodies", json_integer(counts[1]));
	json_object_set_new(o, "postcodes", json_integer(counts[2]));
	return o;
}

/* Checks what create and update share; parent_hierarchy gets checked
 * against hierarchy. */
static int check_input(const bireg_ctx *ctx, const char *hierarchy, const area_input *in,
		       GError **err)
{
	if (!register_text_ok(in->name, 1, 120))
		return register_invalid(err, "name", N_("Please enter a name of at most 120 characters."));
	if (!register_text_ok(in->kind, 1, 60))
		return register_invalid(err, "kind", N_("Please enter the kind of area (for example Stadtbezirk, Ortsteil or Sozialraum), at most 60 characters."));
	if (!register_text_ok(in->code, 0, 20))
		return register_invalid(err, "code", N_("The code may have at most 20 characters."));
	if (in->parent_id) {
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"SELECT hierarchy FROM area WHERE region_id = $1 AND id = $2", err);
		int r;
		if (!st)
			return -1;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, in->parent_id);
		r = db_step(st, err);
		if (r < 0)
			return -1;
		if (r != DB_ROW)
			return register_invalid(err, "parent_id", N_("The chosen parent area does not exist."));
		if (strcmp(db_col_text(st, 0), hierarchy))
			return register_invalid(err, "parent_id", N_("The parent area must belong to the same hierarchy."));
	}
	return 0;
}

static int check_unique(const bireg_ctx *ctx, const char *hierarchy, const area_input *in,
			int64_t self, GError **err)
{
	int64_t other = area_store_find(ctx, hierarchy, in->parent_id, in->name, err);

	if (other < 0)
		return -1;
	if (other && other != self)
		return register_invalid(err, "name", N_("An area of this name already exists at this place."));
	return 0;
}

int64_t area_store_create(const bireg_ctx *ctx, const area_input *in, GError **err)
{
	bool own;
	int64_t id = -1;

	if (!area_hierarchy_valid(in->hierarchy))
		return register_invalid(err, "hierarchy", N_("Please choose a hierarchy."));
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (check_input(ctx, in->hierarchy, in, err) == 0 &&
	    check_unique(ctx, in->hierarchy, in, 0, err) == 0) {
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"INSERT INTO area (region_id, hierarchy, parent_id, kind, code, name, position) "
			"VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id", err);
		if (st) {
			db_bind_int64(st, 1, ctx->region_id);
			db_bind_text(st, 2, in->hierarchy);
			if (in->parent_id)
				db_bind_int64(st, 3, in->parent_id);
			else
				db_bind_null(st, 3);
			db_bind_text(st, 4, in->kind);
			db_bind_text(st, 5, register_nz(in->code));
			db_bind_text(st, 6, in->name);
			db_bind_int64(st, 7, in->position);
			if (db_step(st, err) == DB_ROW)
				id = db_col_int64(st, 0);
		}
		if (id > 0 && changelog_track(ctx, "area", id, "create", NULL, NULL, err) < 0)
			id = -1;
	}
	if (db_join_end(ctx->db, own, id < 0 ? -1 : 0, err) < 0)
		return -1;
	return id;
}

/* The hierarchy of area id in the region into *out; 0, or -1 with NOT_FOUND. */
static int area_hierarchy(const bireg_ctx *ctx, int64_t id, char **out, GError **err)
{
	g_autoptr(db_stmt) st = register_get_row(
		ctx, "SELECT hierarchy FROM area WHERE region_id = $1 AND id = $2", id, "no such area", err);

	if (!st)
		return -1;
	*out = g_strdup(db_col_text(st, 0));
	return 0;
}

/* Would parent_id (walking up) reach id? */
static int check_no_cycle(const bireg_ctx *ctx, int64_t id, int64_t parent_id, GError **err)
{
	g_autoptr(tree) t = NULL;
	const node *c;

	if (!parent_id)
		return 0;
	if (parent_id == id)
		return register_invalid(err, "parent_id", N_("An area cannot lie within itself or one of its sub-areas."));
	if (!(t = tree_load(ctx, NULL, err)))
		return -1;
	c = g_hash_table_lookup(t->by_id, &parent_id);
	for (int guard = 0; c && guard < 64; guard++) {
		if (c->id == id)
			return register_invalid(err, "parent_id", N_("An area cannot lie within itself or one of its sub-areas."));
		c = c->parent_id ? g_hash_table_lookup(t->by_id, &c->parent_id) : NULL;
	}
	return 0;
}

/* A body's search text names its area: after a rename, the bodies of the
 * area are indexed again in the same transaction. */
static int reindex_bodies_of_area(const bireg_ctx *ctx, int64_t area_id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id FROM body WHERE region_id = $1 AND area_id = $2 ORDER BY id", err);
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	int r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, area_id);
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t body_id = db_col_int64(st, 0);
		g_array_append_val(ids, body_id);
	}
	if (r != DB_DONE)
		return -1;
	for (guint k = 0; k < ids->len; k++)
		if (body_store_index(ctx, g_array_index(ids, int64_t, k), err) < 0)
			return -1;
	return 0;
}

int area_store_update(const bireg_ctx *ctx, int64_t id, const area_input *in, GError **err)
{
	g_autofree char *hierarchy = NULL;
	json_t *before = NULL; /* the change log's snapshot */
	bool own;
	int rc = -1;

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (area_hierarchy(ctx, id, &hierarchy, err) == 0 &&
	    check_input(ctx, hierarchy, in, err) == 0 &&
	    check_no_cycle(ctx, id, in->parent_id, err) == 0 &&
	    check_unique(ctx, hierarchy, in, id, err) == 0 &&
	    changelog_snapshot(ctx, "area", id, &before, err) == 0) {
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"UPDATE area SET parent_id = $3, kind = $4, code = $5, name = $6, position = $7 "
			"WHERE region_id = $1 AND id = $2", err);
		if (st) {
			db_bind_int64(st, 1, ctx->region_id);
			db_bind_int64(st, 2, id);
			if (in->parent_id)
				db_bind_int64(st, 3, in->parent_id);
			else
				db_bind_null(st, 3);
			db_bind_text(st, 4, in->kind);
			db_bind_text(st, 5, register_nz(in->code));
			db_bind_text(st, 6, in->name);
			db_bind_int64(st, 7, in->position);
			rc = db_run(st, err) == DB_OK ? 0 : -1;
		}
	}
	if (rc == 0)
		rc = reindex_bodies_of_area(ctx, id, err);
	if (rc == 0 && changelog_track(ctx, "area", id, "update", before, NULL, err) < 0)
		rc = -1;
	json_decref(before);
	return db_join_end(ctx->db, own, rc, err);
}

int area_store_delete(const bireg_ctx *ctx, int64_t id, GError **err)
{
	static const struct {
		const char *sql;
		const char *msgid;
	} uses[] = {
		{"SELECT count(*) FROM area WHERE region_id = $1 AND parent_id = $2",
		 N_("This area cannot be deleted while it has sub-areas. Delete or move them first.")},
		{"SELECT count(*) FROM institution_area WHERE region_id = $1 AND area_id = $2",
		 N_("This area cannot be deleted while institutions are assigned to it. Assign them to another area first.")},
		{"SELECT count(*) FROM body WHERE region_id = $1 AND area_id = $2",
		 N_("This area cannot be deleted while bodies are assigned to it. Change their area first.")},
	};
	g_autofree char *hierarchy = NULL;
	json_t *before = NULL; /* the change log's snapshot */
	bool own;
	int rc = -1;

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (area_hierarchy(ctx, id, &hierarchy, err) < 0)
		goto out;
	for (size_t i = 0; i < G_N_ELEMENTS(uses); i++) {
		int64_t n = register_count(ctx, uses[i].sql, id, err);
		if (n < 0)
			goto out;
		if (n > 0) {
			register_fail(err, REGISTER_ERROR_IN_USE, uses[i].msgid);
			goto out;
		}
	}
	if (changelog_snapshot(ctx, "area", id, &before, err) < 0)
		goto out;
	rc = register_run(ctx, "DELETE FROM area WHERE region_id = $1 AND id = $2", id, err);
	if (rc == 0 && changelog_track(ctx, "area", id, "delete", before, NULL, err) < 0)
		rc = -1;
out:
	json_decref(before);
	return db_join_end(ctx->db, own, rc, err);
}

/* ---- the post-code table --------------------------------------------- */

int64_t area_postcode_add(const bireg_ctx *ctx, const char *postcode, const char *quarter,
			  int64_t area_id, GError **err)
{
	g_autofree char *hierarchy = NULL;
	bool own;
	int64_t id = -1;

	if (!register_digits(postcode, 5, 5))
		return register_invalid(err, "postcode", N_("Please enter a postcode of five digits, for example 47051."));
	if (!register_text_ok(quarter, 0, 120))
		return register_invalid(err, "quarter", N_("The quarter may have at most 120 characters."));
	if (area_id <= 0)
		return register_invalid(err, "area_id", N_("Please choose an area."));
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (area_hierarchy(ctx, area_id, &hierarchy, err) < 0) {
		if (g_error_matches(*err, BIREG_REGISTER_ERROR, REGISTER_ERROR_NOT_FOUND)) {
			g_clear_error(err);
			register_invalid(err, "area_id", N_("Please choose an area."));
		}
		goto out;
	}
	{
		g_autoptr(db_stmt) dup = db_prepare(ctx->db,
			"SELECT count(*) FROM area_postcode WHERE region_id = $1 AND postcode = $2 "
			"AND quarter = $3 AND area_id = $4", err);
		if (!dup)
			goto out;
		db_bind_int64(dup, 1, ctx->region_id);
		db_bind_text(dup, 2, postcode);
		db_bind_text(dup, 3, register_nz(quarter));
		db_bind_int64(dup, 4, area_id);
		if (db_step(dup, err) != DB_ROW)
			goto out;
		if (db_col_int64(dup, 0) > 0) {
			register_invalid(err, "postcode", N_("This postcode is already assigned to this area."));
			goto out;
		}
	}
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"INSERT INTO area_postcode (region_id, postcode, quarter, area_id) "
			"VALUES ($1, $2, $3, $4) RETURNING id", err);
		if (st) {
			db_bind_int64(st, 1, ctx->region_id);
			db_bind_text(st, 2, postcode);
			db_bind_text(st, 3, register_nz(quarter));
			db_bind_int64(st, 4, area_id);
			if (db_step(st, err) == DB_ROW)
				id = db_col_int64(st, 0);
		}
	}
out:
	if (db_join_end(ctx->db, own, id < 0 ? -1 : 0, err) < 0)
		return -1;
	return id;
}

int area_postcode_delete(const bireg_ctx *ctx, int64_t id, GError **err)
{
	bool own;
	int rc = -1;
	g_autoptr(db_stmt) st = NULL;

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	st = db_prepare(ctx->db, "DELETE FROM area_postcode WHERE region_id = $1 AND id = $2", err);
	if (st) {
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, id);
		if (db_run(st, err) == DB_OK)
			rc = db_changes(ctx->db) > 0
				     ? 0
				     : register_fail(err, REGISTER_ERROR_NOT_FOUND, "no such post code row");
	}
	return db_join_end(ctx->db, own, rc, err);
}

json_t *area_postcode_list(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(tree) t = tree_load(ctx, NULL, err);
	g_autoptr(db_stmt) st = NULL;
	json_t *out;
	int r;

	if (!t)
		return NULL;
	st = db_prepare(ctx->db,
		"SELECT id, postcode, quarter, area_id FROM area_postcode WHERE region_id = $1 "
		"ORDER BY postcode, quarter, id", err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	out = json_array();
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t area_id = db_col_int64(st, 3);
		const node *n = g_hash_table_lookup(t->by_id, &area_id);
		g_autofree char *label = n ? node_label(t, n) : g_strdup("");
		json_array_append_new(out, json_pack(
			"{s:I,s:s,s:s,s:I,s:s,s:s,s:s}", "id", (json_int_t)db_col_int64(st, 0),
			"postcode", db_col_text(st, 1), "quarter", db_col_text(st, 2), "area_id",
			(json_int_t)area_id, "area_name", n ? n->name : "", "area_label", label,
			"hierarchy", n ? n->hierarchy : ""));
	}
	if (r < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* The decision of area_for_postcode() over the rows of one post code and
 * hierarchy, fed in the table's order (by id). */
typedef struct pc_pick {
	int64_t any, whole;
	bool several;
} pc_pick;

static void pc_pick_add(pc_pick *p, int64_t area, const char *quarter)
{
	if (p->any && area != p->any)
		p->several = true;
	if (!p->any)
		p->any = area;
	if (!*quarter) {
		/* Two rows without quarter naming different areas leave the
		 * code undecided. */
		if (p->whole && p->whole != area)
			p->whole = -1;
		else if (!p->whole)
			p->whole = area;
	}
}

static int64_t pc_pick_result(const pc_pick *p)
{
	if (!p->several)
		return p->any;
	return p->whole > 0 ? p->whole : 0;
}

int64_t area_for_postcode(const bireg_ctx *ctx, const char *postcode, const char *hierarchy,
			  GError **err)
{
	g_autoptr(db_stmt) st = NULL;
	pc_pick pick = {0};
	int r;

	if (!register_digits(postcode, 5, 5) || !area_hierarchy_valid(hierarchy))
		return 0;
	st = db_prepare(ctx->db,
		"SELECT p.area_id, p.quarter FROM area_postcode p JOIN area a ON a.id = p.area_id "
		"WHERE p.region_id = $1 AND a.region_id = $1 AND p.postcode = $2 AND a.hierarchy = $3 "
		"ORDER BY p.id", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, postcode);
	db_bind_text(st, 3, hierarchy);
	while ((r = db_step(st, err)) == DB_ROW)
		pc_pick_add(&pick, db_col_int64(st, 0), db_col_text(st, 1));
	if (r < 0)
		return -1;
	return pc_pick_result(&pick);
}

GHashTable *area_postcode_map(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT p.postcode, a.hierarchy, p.area_id, p.quarter FROM area_postcode p "
		"JOIN area a ON a.id = p.area_id WHERE p.region_id = $1 AND a.region_id = $1 "
		"ORDER BY p.id", err);
	g_autoptr(GHashTable) picks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GHashTable *out;
	GHashTableIter it;
	gpointer k, v;
	int r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	while ((r = db_step(st, err)) == DB_ROW) {
		char *key = g_strconcat(db_col_text(st, 0), "\t", db_col_text(st, 1), NULL);
		pc_pick *p = g_hash_table_lookup(picks, key);
		if (!p) {
			p = g_new0(pc_pick, 1);
			g_hash_table_insert(picks, key, p);
		} else {
			g_free(key);
		}
		pc_pick_add(p, db_col_int64(st, 2), db_col_text(st, 3));
	}
	if (r < 0)
		return NULL;
	out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_iter_init(&it, picks);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		int64_t area = pc_pick_result(v);
		if (area > 0)
			g_hash_table_insert(out, g_strdup(k), g_memdup2(&area, sizeof area));
	}
	return out;
}

int64_t area_postcode_map_get(GHashTable *map, const char *postcode, const char *hierarchy)
{
	g_autofree char *key = NULL;
	const int64_t *area;

	if (!register_digits(postcode, 5, 5) || !area_hierarchy_valid(hierarchy))
		return 0;
	key = g_strconcat(postcode, "\t", hierarchy, NULL);
	area = g_hash_table_lookup(map, key);
	return area ? *area : 0;
}
