/*
 * region_store.c — SQL for regions, levels and accessibility feedback (see
 * region_store.h).
 */
#include "modules/region/region_store.h"

#include <string.h>

#include "core/util.h"
#include "db/db.h"

#define REGION_COLS                                                                        \
	"id, slug, name, coalesce(network, ''), description, coalesce(office_name, ''), "  \
	"coalesce(office_unit, ''), coalesce(street, ''), coalesce(postcode, ''), "       \
	"coalesce(city, ''), coalesce(phone, ''), coalesce(email, ''), coalesce(website, ''), " \
	"settings, coalesce(logo_file_id, 0), coalesce(letterhead_sender_line, ''), "       \
	"coalesce(letterhead_footer, '')"

/* "+49 203 283-1234" -> "tel:+492032831234" */
static char *tel_href(const char *phone)
{
	GString *s = g_string_new("tel:");
	for (const char *p = phone; *p; p++)
		if (g_ascii_isdigit(*p) || (*p == '+' && s->len == 4))
			g_string_append_c(s, *p);
	return g_string_free(s, s->len == 4);
}

/* Plain text with blank lines between paragraphs -> list of paragraphs.
 * (Split by hand: this runs for every page view of the start page.) */
static json_t *paragraphs(const char *text)
{
	json_t *list = json_array();
	const char *p = text;

	while (*p) {
		/* A paragraph ends at a line that holds only white space. */
		const char *end = p, *next = NULL;
		while (*end) {
			if (*end == '\n') {
				const char *q = end + 1;
				while (*q == ' ' || *q == '\t' || *q == '\r')
					q++;
				if (*q == '\n' || !*q) {
					next = q;
					break;
				}
			}
			end++;
		}
		g_autofree char *para = g_strstrip(g_strndup(p, (gsize)(end - p)));
		if (*para)
			json_array_append_new(list, json_string(para));
		if (!next)
			break;
		p = next;
	}
	return list;
}

static json_t *levels(const bireg_ctx *ctx, int64_t region_id, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT position, name, description FROM region_level WHERE region_id = $1 "
		"ORDER BY position", err);
	json_t *list;
	int r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, region_id);
	list = json_array();
	while ((r = db_step(st, err)) == DB_ROW)
		json_array_append_new(list, json_pack("{s:I,s:s,s:s}", "position",
						      (json_int_t)db_col_int64(st, 0), "name",
						      db_col_text(st, 1), "description",
						      db_col_text(st, 2)));
	if (r < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

/* Builds the model of the current row of st (selected with REGION_COLS). */
static json_t *row_model(const bireg_ctx *ctx, db_stmt *st, GError **err)
{
	const char *phone = db_col_text(st, 10), *email = db_col_text(st, 11);
	g_autofree char *phone_href = *phone ? tel_href(phone) : NULL;
	g_autofree char *email_href = *email ? g_strconcat("mailto:", email, NULL) : NULL;
	int64_t id = db_col_int64(st, 0);
	json_t *lv;
	json_t *m = json_pack(
		"{s:I,s:s,s:s,s:s,s:s,s:o,s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}}", "id",
		(json_int_t)id, "slug", db_col_text(st, 1), "name", db_col_text(st, 2), "network",
		db_col_text(st, 3), "description", db_col_text(st, 4), "paragraphs",
		paragraphs(db_col_text(st, 4)), "office", "name", db_col_text(st, 5), "unit",
		db_col_text(st, 6), "street", db_col_text(st, 7), "postcode", db_col_text(st, 8),
		"city", db_col_text(st, 9), "phone", phone, "email", email, "website",
		db_col_text(st, 12), "phone_href", phone_href ? phone_href : "", "email_href",
		email_href ? email_href : "");

	/* 0: no logo. The file is checked when the logo is shown (region_admin_web.c). */
	json_object_set_new(m, "logo_file_id", json_integer(db_col_int64(st, 14)));
	/* For letters and PDFs (src/out/pdf.h): the small sender line above a
	 * window envelope's address, and the letterhead's footer. */
	json_object_set_new(m, "letterhead", json_pack("{s:s,s:s}", "sender_line",
							db_col_text(st, 15), "footer",
							db_col_text(st, 16)));
	json_object_set_new(m, "settings", json_loads(db_col_text(st, 13), 0, NULL));
	if (!json_is_object(json_object_get(m, "settings")))
		json_object_set_new(m, "settings", json_object());
	/* Picking a region makes it the connection's region: what follows in
	 * the request belongs to it, and on PostgreSQL row-level security
	 * shows its levels only then. */
	db_set_region(ctx->db, id);
	lv = levels(ctx, id, err);
	if (!lv) {
		json_decref(m);
		return NULL;
	}
	json_object_set_new(m, "has_levels", json_boolean(json_array_size(lv) > 0));
	json_object_set_new(m, "levels", lv);
	return m;
}

static json_t *get_one(const bireg_ctx *ctx, const char *sql, const char *slug, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db, sql, err);
	json_t *m = NULL;
	int r;

	if (!st)
		return NULL;
	if (slug)
		db_bind_text(st, 1, slug);
	r = db_step(st, err);
	if (r == DB_ROW)
		m = row_model(ctx, st, err);
	return m;
}

json_t *region_store_get_by_slug(const bireg_ctx *ctx, const char *slug, GError **err)
{
	return get_one(ctx, "SELECT " REGION_COLS " FROM region WHERE slug = $1", slug, err);
}

json_t *region_store_get_default(const bireg_ctx *ctx, GError **err)
{
	return get_one(ctx, "SELECT " REGION_COLS " FROM region ORDER BY id LIMIT 1", NULL, err);
}

json_t *region_store_list(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id, slug, name, coalesce(network, '') FROM region ORDER BY name", err);
	json_t *list;
	int r;

	if (!st)
		return NULL;
	list = json_array();
	while ((r = db_step(st, err)) == DB_ROW)
		json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:s}", "id",
						      (json_int_t)db_col_int64(st, 0), "slug",
						      db_col_text(st, 1), "name", db_col_text(st, 2),
						      "network", db_col_text(st, 3)));
	if (r < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

int region_store_count(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db, "SELECT count(*) FROM region", err);
	if (!st || db_step(st, err) != DB_ROW)
		return -1;
	return (int)db_col_int64(st, 0);
}

int64_t region_store_upsert(const bireg_ctx *ctx, const region_input *in, GError **err)
{
	char now[21];
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"INSERT INTO region (slug, name, network, description, office_name, office_unit, "
		"street, postcode, city, phone, email, website, letterhead_sender_line, "
		"letterhead_footer, created_at, updated_at) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) "
		"ON CONFLICT (slug) DO UPDATE SET name = excluded.name, network = excluded.network, "
		"description = excluded.description, office_name = excluded.office_name, "
		"office_unit = excluded.office_unit, street = excluded.street, "
		"postcode = excluded.postcode, city = excluded.city, phone = excluded.phone, "
		"email = excluded.email, website = excluded.website, "
		"letterhead_sender_line = excluded.letterhead_sender_line, "
		"letterhead_footer = excluded.letterhead_footer, updated_at = excluded.updated_at "
		"RETURNING id", err);
	const char *vals[] = {in->slug, in->name, in->network, in->description ? in->description : "",
			      in->office_name, in->office_unit, in->street, in->postcode, in->city,
			      in->phone, in->email, in->website, in->letterhead_sender_line,
			      in->letterhead_footer};

	if (!st)
		return -1;
	util_now_iso(now);
	for (size_t i = 0; i < G_N_ELEMENTS(vals); i++)
		db_bind_text(st, (int)i + 1, vals[i]);
	db_bind_text(st, 15, now);
	if (db_step(st, err) != DB_ROW)
		return -1;
	return db_col_int64(st, 0);
}

int region_store_set_levels(const bireg_ctx *ctx, const char *const *names,
			    const char *const *descriptions, size_t n, GError **err)
{
	/* Levels are updated in place by position, not deleted and inserted
	 * again: bodies refer to their level's row (body.level_id), and a
	 * renamed level must keep its bodies. Only positions beyond n go. */
	g_autoptr(db_stmt) upsert = db_prepare(ctx->db,
		"INSERT INTO region_level (region_id, position, name, description) VALUES ($1, $2, $3, $4) "
		"ON CONFLICT (region_id, position) DO UPDATE SET name = excluded.name, "
		"description = excluded.description",
		err);
	g_autoptr(db_stmt) del = NULL;

	if (!upsert)
		return -1;
	for (size_t i = 0; i < n; i++) {
		db_reset(upsert);
		db_bind_int64(upsert, 1, ctx->region_id);
		db_bind_int64(upsert, 2, (int64_t)i + 1);
		db_bind_text(upsert, 3, names[i]);
		db_bind_text(upsert, 4, descriptions[i] ? descriptions[i] : "");
		if (db_run(upsert, err) < 0)
			return -1;
	}
	del = db_prepare(ctx->db, "DELETE FROM region_level WHERE region_id = $1 AND position > $2", err);
	if (!del)
		return -1;
	db_bind_int64(del, 1, ctx->region_id);
	db_bind_int64(del, 2, (int64_t)n);
	return db_run(del, err) < 0 ? -1 : 0;
}

int64_t region_store_add_feedback(const bireg_ctx *ctx, const feedback_input *in, GError **err)
{
	char now[21];
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"INSERT INTO accessibility_feedback (region_id, name, email, message, page, created_at) "
		"VALUES ($1, $2, $3, $4, $5, $6) RETURNING id", err);
	if (!st)
		return -1;
	util_now_iso(now);
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, in->name ? in->name : "");
	db_bind_text(st, 3, in->email ? in->email : "");
	db_bind_text(st, 4, in->message);
	db_bind_text(st, 5, in->page ? in->page : "");
	db_bind_text(st, 6, now);
	if (db_step(st, err) != DB_ROW)
		return -1;
	return db_col_int64(st, 0);
}

json_t *region_store_list_feedback(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id, name, email, message, page, status, created_at FROM accessibility_feedback "
		"WHERE region_id = $1 ORDER BY created_at DESC, id DESC", err);
	json_t *list;
	int r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	list = json_array();
	while ((r = db_step(st, err)) == DB_ROW)
		json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "id",
						      (json_int_t)db_col_int64(st, 0), "name",
						      db_col_text(st, 1), "email", db_col_text(st, 2),
						      "message", db_col_text(st, 3), "page",
						      db_col_text(st, 4), "status", db_col_text(st, 5),
						      "created_at", db_col_text(st, 6)));
	if (r < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

int region_store_set_feedback_status(const bireg_ctx *ctx, int64_t id, const char *status,
				     GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"UPDATE accessibility_feedback SET status = $1 WHERE id = $2 AND region_id = $3", err);
	if (!st)
		return -1;
	db_bind_text(st, 1, status);
	db_bind_int64(st, 2, id);
	db_bind_int64(st, 3, ctx->region_id);
	if (db_run(st, err) < 0)
		return -1;
	return db_changes(ctx->db) > 0 ? 1 : 0;
}

int region_store_set_setting(const bireg_ctx *ctx, int64_t region_id, const char *key,
			     json_t *value, GError **err)
{
	char now[21];
	json_t *settings = NULL;
	char *text = NULL;
	int rc = -1;
	g_autoptr(db_stmt) get = db_prepare(ctx->db, "SELECT settings FROM region WHERE id = $1", err);

	if (!get)
		return -1;
	db_bind_int64(get, 1, region_id);
	if (db_step(get, err) != DB_ROW) {
		if (err && !*err)
			g_set_error(err, BIREG_DB_ERROR, DB_ERROR, "no region %" G_GINT64_FORMAT, region_id);
		return -1;
	}
	settings = json_loads(db_col_text(get, 0), 0, NULL);
	if (!json_is_object(settings)) {
		json_decref(settings);
		settings = json_object();
	}
	json_object_set(settings, key, value);
	text = json_dumps(settings, JSON_COMPACT | JSON_SORT_KEYS);
	g_autoptr(db_stmt) put = db_prepare(ctx->db,
		"UPDATE region SET settings = $1, updated_at = $2 WHERE id = $3", err);
	if (put) {
		util_now_iso(now);
		db_bind_text(put, 1, text);
		db_bind_text(put, 2, now);
		db_bind_int64(put, 3, region_id);
		rc = db_run(put, err) < 0 ? -1 : 0;
	}
	free(text);
	json_decref(settings);
	return rc;
}

/* NULL for "", so that an emptied field is no different from one never set. */
static void bind_opt_text(db_stmt *st, int idx, const char *v)
{
	if (v && *v)
		db_bind_text(st, idx, v);
	else
		db_bind_null(st, idx);
}

int region_store_update_contact(const bireg_ctx *ctx, const region_contact *in, GError **err)
{
	char now[21];
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"UPDATE region SET office_name = $1, office_unit = $2, street = $3, postcode = $4, "
		"city = $5, phone = $6, email = $7, website = $8, updated_at = $9 WHERE id = $10", err);
	const char *vals[] = {in->office_name, in->office_unit, in->street, in->postcode,
			      in->city, in->phone, in->email, in->website};

	if (!st)
		return -1;
	util_now_iso(now);
	for (size_t i = 0; i < G_N_ELEMENTS(vals); i++)
		bind_opt_text(st, (int)i + 1, vals[i]);
	db_bind_text(st, 9, now);
	db_bind_int64(st, 10, ctx->region_id);
	if (db_run(st, err) < 0)
		return -1;
	if (db_changes(ctx->db) == 0) {
		g_set_error(err, BIREG_DB_ERROR, DB_ERROR, "no region %" G_GINT64_FORMAT,
			    ctx->region_id);
		return -1;
	}
	return 0;
}

int region_store_set_logo(const bireg_ctx *ctx, int64_t file_id, int64_t *old_file_id,
			  GError **err)
{
	char now[21];
	g_autoptr(db_stmt) lock = db_prepare(ctx->db,
		"UPDATE region SET updated_at = $1 WHERE id = $2", err);
	g_autoptr(db_stmt) get = NULL, put = NULL;

	if (!lock)
		return -1;
	util_now_iso(now);
	/* Lock the row first: of two admins replacing the logo at once, the
	 * second then reads the first one's logo as the old one (and deletes
	 * it) instead of both deleting the same old one. */
	db_bind_text(lock, 1, now);
	db_bind_int64(lock, 2, ctx->region_id);
	if (db_run(lock, err) < 0)
		return -1;
	get = db_prepare(ctx->db, "SELECT coalesce(logo_file_id, 0) FROM region WHERE id = $1", err);
	if (!get)
		return -1;
	db_bind_int64(get, 1, ctx->region_id);
	if (db_step(get, err) != DB_ROW) {
		if (err && !*err)
			g_set_error(err, BIREG_DB_ERROR, DB_ERROR, "no region %" G_GINT64_FORMAT,
				    ctx->region_id);
		return -1;
	}
	if (old_file_id)
		*old_file_id = db_col_int64(get, 0);
	put = db_prepare(ctx->db, "UPDATE region SET logo_file_id = $1 WHERE id = $2", err);
	if (!put)
		return -1;
	if (file_id > 0)
		db_bind_int64(put, 1, file_id);
	else
		db_bind_null(put, 1);
	db_bind_int64(put, 2, ctx->region_id);
	return db_run(put, err) < 0 ? -1 : 0;
}
