/*
 * membership_store.c — SQL for memberships: people in bodies with a role,
 * what they represent, a voting right and a period (see body_store.h).
 *
 * The history of a body's composition is the set of its membership rows:
 * ending one only sets end_day, and deleting is for erroneous entries. The
 * rules that need other rows — a substitute stands in for a current member
 * of the same body, chairs per the body's chair mode, one membership per
 * person and body at a time — are checked here, before anything is
 * written.
 */
#include "modules/register/body_store.h"

#include <string.h>

#include "core/util.h"
#include "db/db.h"
#include "modules/register/changelog.h"
#include "modules/register/register.h"
#include "view/format.h"
#include "view/i18n.h"
#include "view/view.h"

/* ---- labels ---------------------------------------------------------- */

const char *const membership_roles[] = {"chair", "vice_chair", "coordination", "management",
					"member", "substitute", "advisory", "guest", NULL};

static const struct {
	const char *key, *msgid;
} role_labels[] = {
	{"chair", N_("Chair")},
	{"vice_chair", N_("Vice chair")},
	{"member", N_("Member")},
	{"substitute", N_("Personal substitute")},
	{"advisory", N_("Advisory member")},
	{"guest", N_("Guest")},
	{"management", N_("Management")},
	{"coordination", N_("Coordination")},
};

const char *membership_role_label(const req_ctx *rc, const char *role)
{
	for (size_t i = 0; role && i < G_N_ELEMENTS(role_labels); i++)
		if (!strcmp(role_labels[i].key, role))
			return view_t(rc, role_labels[i].msgid);
	return "";
}

/* ---- helpers --------------------------------------------------------- */

/* "Dr. Petra Beispiel": title, first and last name, the empty ones left out. */
static char *display_name(const char *title, const char *first, const char *last)
{
	GString *s = g_string_new(NULL);
	const char *parts[] = {title, first, last};

	for (size_t i = 0; i < G_N_ELEMENTS(parts); i++)
		if (parts[i] && *parts[i])
			g_string_append_printf(s, "%s%s", s->len ? " " : "", parts[i]);
	return g_string_free(s, FALSE);
}

/* The display order of roles, as an SQL expression over m.role. */
#define ROLE_ORDER                                                                            \
	"CASE m.role WHEN 'chair' THEN 1 WHEN 'vice_chair' THEN 2 WHEN 'coordination' THEN 3 " \
	"WHEN 'management' THEN 4 WHEN 'member' THEN 5 WHEN 'substitute' THEN 6 "              \
	"WHEN 'advisory' THEN 7 ELSE 8 END"

/* Columns of a membership with its person, institution, substitute's
 * member and body. $1 is the region. */
#define MEMBERSHIP_COLS                                                                         \
	"m.id, m.body_id, m.person_id, m.role, m.substitute_for_id, m.institution_id, "        \
	"m.partner_side, m.voting, m.start_day, m.end_day, m.note, m.created_at, m.updated_at, " \
	"p.title, p.first_name, p.last_name, p.sort_name, coalesce(i.name, ''), s.person_id, "  \
	"coalesce(sp.title, ''), coalesce(sp.first_name, ''), coalesce(sp.last_name, ''), "     \
	"b.name, b.chair_mode, b.type, b.public, b.sort_name, "                                 \
	"coalesce((SELECT c.given FROM person_consent c WHERE c.region_id = m.region_id "       \
	"AND c.person_id = m.person_id AND c.kind = 'publish_name' ORDER BY c.id DESC LIMIT 1), 0), " \
	"CASE WHEN p.erased_at IS NULL THEN 0 ELSE 1 END "
#define MEMBERSHIP_FROM                                                                 \
	"FROM membership m JOIN person p ON p.id = m.person_id AND p.region_id = m.region_id " \
	"JOIN body b ON b.id = m.body_id AND b.region_id = m.region_id "                \
	"LEFT JOIN institution i ON i.id = m.institution_id AND i.region_id = m.region_id " \
	"LEFT JOIN membership s ON s.id = m.substitute_for_id AND s.region_id = m.region_id " \
	"LEFT JOIN person sp ON sp.id = s.person_id AND sp.region_id = m.region_id "

static json_t *membership_json(db_stmt *st, const char *today, bool with_body)
{
	const char *start = db_col_text(st, 8), *end = db_col_text(st, 9);
	g_autofree char *name = display_name(db_col_text(st, 13), db_col_text(st, 14),
					     db_col_text(st, 15));
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(db_col_int64(st, 0)));
	json_object_set_new(o, "body_id", json_integer(db_col_int64(st, 1)));
	json_object_set_new(o, "person_id", json_integer(db_col_int64(st, 2)));
	json_object_set_new(o, "role", json_string(db_col_text(st, 3)));
	json_object_set_new(o, "substitute_for_id", register_col_id_or_null(st, 4));
	json_object_set_new(o, "institution_id", register_col_id_or_null(st, 5));
	json_object_set_new(o, "partner_side", json_string(db_col_text(st, 6)));
	json_object_set_new(o, "voting", json_boolean(db_col_int64(st, 7) != 0));
	json_object_set_new(o, "start_day", register_col_text_or_null(st, 8));
	json_object_set_new(o, "end_day", register_col_text_or_null(st, 9));
	json_object_set_new(o, "note", json_string(db_col_text(st, 10)));
	json_object_set_new(o, "created_at", json_string(db_col_text(st, 11)));
	json_object_set_new(o, "updated_at", json_string(db_col_text(st, 12)));
	json_object_set_new(o, "person_name", json_string(name));
	json_object_set_new(o, "person_sort", json_string(db_col_text(st, 16)));
	json_object_set_new(o, "institution_name", json_string(db_col_text(st, 17)));
	json_object_set_new(o, "substitute_for_person_id", register_col_id_or_null(st, 18));
	if (db_col_is_null(st, 18)) {
		json_object_set_new(o, "substitute_for_name", json_string(""));
	} else {
		g_autofree char *sname = display_name(db_col_text(st, 19), db_col_text(st, 20),
						      db_col_text(st, 21));
		json_object_set_new(o, "substitute_for_name", json_string(sname));
	}
	json_object_set_new(o, "current", json_boolean(register_within(today, start, end)));
	/* The person's newest answer on publishing the name (person_consent:
	 * the row with the highest id is the current one). */
	json_object_set_new(o, "publish_name", json_boolean(db_col_int64(st, 27) != 0));
	/* Erased under Art. 17: the row stays for the body's history, the name
	 * is "Anonymisierte Person" (pages show it translated). */
	json_object_set_new(o, "person_erased", json_boolean(db_col_int64(st, 28) != 0));
	if (with_body) {
		json_object_set_new(o, "body_name", json_string(db_col_text(st, 22)));
		json_object_set_new(o, "body_chair_mode", json_string(db_col_text(st, 23)));
		json_object_set_new(o, "body_type", json_string(db_col_text(st, 24)));
		json_object_set_new(o, "body_public", json_boolean(db_col_int64(st, 25) != 0));
	}
	return o;
}

/* What membership_json() needs besides the row (register_collect's data). */
typedef struct json_opts {
	const char *today;
	bool with_body;
} json_opts;

static json_t *membership_row(db_stmt *st, void *data)
{
	const json_opts *o = data;
	return membership_json(st, o->today, o->with_body);
}

/* Collects every row of st (bound) as memberships. */
static json_t *collect(db_stmt *st, const char *today, bool with_body, GError **err)
{
	json_opts o = {today, with_body};
	return register_collect(st, membership_row, &o, err);
}

/* ---- reading --------------------------------------------------------- */

json_t *membership_store_get(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autofree char *today = register_today();
	g_autoptr(db_stmt) st = register_get_row(ctx,
		"SELECT " MEMBERSHIP_COLS MEMBERSHIP_FROM "WHERE m.region_id = $1 AND m.id = $2", id,
		N_("This membership does not exist."), err);

	return st ? membership_json(st, today, true) : NULL;
}

json_t *membership_store_for_body(const bireg_ctx *ctx, int64_t body_id, bool current_only,
				  GError **err)
{
	g_autofree char *today = register_today();
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT " MEMBERSHIP_COLS MEMBERSHIP_FROM
		"WHERE m.region_id = $1 AND m.body_id = $2 AND ($3 = 0 OR "
		"((m.start_day IS NULL OR m.start_day <= $4) AND (m.end_day IS NULL OR m.end_day >= $4))) "
		"ORDER BY " ROLE_ORDER ", p.sort_name, m.id", err);

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, body_id);
	db_bind_int64(st, 3, current_only ? 1 : 0);
	db_bind_text(st, 4, today);
	return collect(st, today, false, err);
}

json_t *membership_store_for_person(const bireg_ctx *ctx, int64_t person_id, GError **err)
{
	g_autofree char *today = register_today();
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT " MEMBERSHIP_COLS MEMBERSHIP_FROM
		"WHERE m.region_id = $1 AND m.person_id = $2 ORDER BY "
		"CASE WHEN (m.start_day IS NULL OR m.start_day <= $3) AND "
		"(m.end_day IS NULL OR m.end_day >= $3) THEN 0 ELSE 1 END, b.sort_name, b.id, m.id",
		err);

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, person_id);
	db_bind_text(st, 3, today);
	return collect(st, today, true, err);
}

bool membership_store_current_for_person_in_body(const bireg_ctx *ctx, int64_t person_id,
						 int64_t body_id, GError **err)
{
	g_autofree char *today = register_today();
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT 1 FROM membership WHERE region_id = $1 AND person_id = $2 AND body_id = $3 "
		"AND (start_day IS NULL OR start_day <= $4) AND (end_day IS NULL OR end_day >= $4) "
		"LIMIT 1", err);

	if (!st || person_id <= 0)
		return false;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, person_id);
	db_bind_int64(st, 3, body_id);
	db_bind_text(st, 4, today);
	return db_step(st, err) == DB_ROW;
}

/* ---- checks ---------------------------------------------------------- */

static const char *const partner_sides[] = {"", "land", "kommune", NULL};

/* What a check needs of a membership already stored. */
typedef struct stored {
	int64_t id, body_id, person_id, substitute_for_id;
	char *role, *start_day, *end_day;
} stored;

static void stored_clear(stored *s)
{
	g_free(s->role);
	g_free(s->start_day);
	g_free(s->end_day);
	memset(s, 0, sizeof *s);
}

/* Loads membership id of the region into *s; 0 when found, 1 when not. */
static int load(const bireg_ctx *ctx, int64_t id, stored *s, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id, body_id, person_id, role, substitute_for_id, start_day, end_day "
		"FROM membership WHERE region_id = $1 AND id = $2", err);
	int r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	r = db_step(st, err);
	if (r < 0)
		return -1;
	if (r != DB_ROW)
		return 1;
	s->id = db_col_int64(st, 0);
	s->body_id = db_col_int64(st, 1);
	s->person_id = db_col_int64(st, 2);
	s->role = g_strdup(db_col_text(st, 3));
	s->substitute_for_id = db_col_is_null(st, 4) ? 0 : db_col_int64(st, 4);
	s->start_day = g_strdup(db_col_text(st, 5));
	s->end_day = g_strdup(db_col_text(st, 6));
	return 0;
}

/* Memberships of body (not `self`) that overlap [start, end] (NULL ends
 * open) and meet cond, a condition on m that uses $6 (bound to arg);
 * returns the count in *n. */
static int count_overlapping(const bireg_ctx *ctx, const char *cond, int64_t body_id,
			     int64_t self, int64_t arg, const char *start, const char *end,
			     int64_t *n, GError **err)
{
	g_autofree char *sql = g_strconcat(
		"SELECT count(*) FROM membership m WHERE m.region_id = $1 AND m.body_id = $2 "
		"AND m.id <> $3 AND (m.start_day IS NULL OR CAST($5 AS text) IS NULL "
		"OR m.start_day <= CAST($5 AS text)) AND (m.end_day IS NULL "
		"OR CAST($4 AS text) IS NULL OR m.end_day >= CAST($4 AS text)) AND ", cond, NULL);
	g_autoptr(db_stmt) st = db_prepare(ctx->db, sql, err);

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, body_id);
	db_bind_int64(st, 3, self);
	db_bind_text(st, 4, start);
	db_bind_text(st, 5, end);
	db_bind_int64(st, 6, arg);
	if (db_step(st, err) != DB_ROW)
		return -1;
	*n = db_col_int64(st, 0);
	return 0;
}

/*
 * Checks in for membership `self` (0 for a new one) of body_id. old is the
 * stored row on update (NULL on create).
 */
static int membership_check(const bireg_ctx *ctx, int64_t body_id, const membership_input *in,
			    const stored *old, GError **err)
{
	g_autofree char *today = register_today();
	g_autofree char *chair_mode = NULL;
	const char *start = register_nullable(in->start_day), *end = register_nullable(in->end_day);
	int64_t self = old ? old->id : 0;
	int64_t n = 0;

	if (!register_one_of(in->role, membership_roles))
		return register_invalid(err, "role", N_("Please choose the role in the body."));
	if (!register_one_of(in->partner_side ? in->partner_side : "", partner_sides))
		return register_invalid(err, "partner_side",
					N_("Please choose the partner side: Land, Kommune or none."));
	if (in->note && (!g_utf8_validate(in->note, -1, NULL) || g_utf8_strlen(in->note, -1) > 500))
		return register_invalid(err, "note", N_("The note may have at most 500 characters."));
	if (start && !register_is_day(start))
		return register_invalid(err, "start_day", N_("Please enter a valid date."));
	if (end && !register_is_day(end))
		return register_invalid(err, "end_day", N_("Please enter a valid date."));
	if (start && end && strcmp(end, start) < 0)
		return register_invalid(err, "end_day",
					N_("The membership cannot end before it starts: the end is before the start."));

	{
		g_autoptr(db_stmt) st = register_get_row(ctx,
			"SELECT chair_mode FROM body WHERE region_id = $1 AND id = $2", body_id,
			N_("This body does not exist."), err);
		if (!st)
			return -1;
		chair_mode = g_strdup(db_col_text(st, 0));
	}
	if (in->person_id <= 0)
		return register_invalid(err, "person_id", N_("Please choose a person."));
	if (register_check_ref(ctx, "SELECT 1 FROM person WHERE region_id = $1 AND id = $2",
			       in->person_id, "person_id",
			       N_("Please choose a person of this region."), err) < 0)
		return -1;
	if (in->institution_id &&
	    register_check_ref(ctx, "SELECT 1 FROM institution WHERE region_id = $1 AND id = $2",
			       in->institution_id, "institution_id",
			       N_("Please choose an institution of this region."), err) < 0)
		return -1;

	/* Personal substitutes. */
	if (!strcmp(in->role, "substitute")) {
		if (in->substitute_for_id <= 0)
			return register_invalid(err, "substitute_for_id",
						N_("Please choose the member this person stands in for."));
	} else if (in->substitute_for_id) {
		return register_invalid(err, "substitute_for_id",
					N_("Only a personal substitute stands in for a named member: choose the role personal substitute, or leave this field empty."));
	}
	if (in->substitute_for_id) {
		stored target = {0};
		int r = load(ctx, in->substitute_for_id, &target, err);
		int rc = 0;
		bool unchanged = old && old->substitute_for_id == in->substitute_for_id;

		if (r < 0)
			return -1;
		if (r > 0 || target.body_id != body_id)
			rc = register_invalid(err, "substitute_for_id",
					      N_("The member chosen does not belong to this body. A personal substitute can only stand in for a member of the same body."));
		else if (!unchanged && !register_within(today, target.start_day, target.end_day))
			rc = register_invalid(err, "substitute_for_id",
					      N_("The member chosen is not a current member of this body."));
		else if (!strcmp(target.role, "substitute"))
			rc = register_invalid(err, "substitute_for_id",
					      N_("A personal substitute cannot have a substitute of their own: choose the member they stand in for."));
		else if (target.person_id == in->person_id || target.id == self)
			rc = register_invalid(err, "substitute_for_id",
					      N_("A person cannot be their own substitute."));
		stored_clear(&target);
		if (rc < 0)
			return rc;
	}
	if (old && !strcmp(in->role, "substitute")) {
		bool has_substitutes = false;
		if (register_exists(ctx,
				    "SELECT 1 FROM membership WHERE region_id = $1 AND substitute_for_id = $2",
				    self, &has_substitutes, err) < 0)
			return -1;
		if (has_substitutes)
			return register_invalid(err, "role",
						N_("Others are personal substitutes for this member, so the member cannot become a substitute. Change their memberships first."));
	}

	/* One membership per person and body at a time. */
	if (count_overlapping(ctx, "m.person_id = $6", body_id, self, in->person_id, start, end, &n,
			      err) < 0)
		return -1;
	if (n)
		return register_invalid(err, "person_id",
					N_("This person already has a membership of this body in this period. Change or end that membership instead."));

	/* Chairs: one, or two equal co-chairs, at any time. A chair without a
	 * start counts from today, so that former chairs with an unknown start
	 * do not block a new one. */
	if (!strcmp(in->role, "chair")) {
		bool co = !g_strcmp0(chair_mode, "co_chairs");
		const char *from = start ? start : (end && strcmp(end, today) < 0 ? NULL : today);
		if (count_overlapping(ctx, "m.role = 'chair' AND m.person_id <> $6", body_id, self,
				      in->person_id, from, end, &n, err) < 0)
			return -1;
		if (!co && n >= 1)
			return register_invalid(err, "role",
						N_("This body has a single chair, and another member holds the chair in this period. End that membership first, or change the rules of procedure to two equal co-chairs."));
		if (co && n >= 2)
			return register_invalid(err, "role",
						N_("This body already has two co-chairs in this period. End one of these memberships first."));
	}
	return 0;
}

/* ---- writing --------------------------------------------------------- */

static void bind_input(db_stmt *st, const membership_input *in)
{
	db_bind_int64(st, 2, in->person_id);
	db_bind_text(st, 3, in->role);
	if (in->substitute_for_id)
		db_bind_int64(st, 4, in->substitute_for_id);
	else
		db_bind_null(st, 4);
	if (in->institution_id)
		db_bind_int64(st, 5, in->institution_id);
	else
		db_bind_null(st, 5);
	db_bind_text(st, 6, in->partner_side ? in->partner_side : "");
	db_bind_int64(st, 7, in->voting ? 1 : 0);
	db_bind_text(st, 8, register_nullable(in->start_day));
	db_bind_text(st, 9, register_nullable(in->end_day));
	db_bind_text(st, 10, in->note ? in->note : "");
}

int64_t membership_store_create(const bireg_ctx *ctx, const membership_input *in, GError **err)
{
	bool own = false;
	int64_t id = -1;
	char now[21];

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (membership_check(ctx, in->body_id, in, NULL, err) == 0) {
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"INSERT INTO membership (region_id, person_id, role, substitute_for_id, "
			"institution_id, partner_side, voting, start_day, end_day, note, body_id, "
			"created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
			"$12, $12) RETURNING id", err);
		if (st) {
			util_now_iso(now);
			db_bind_int64(st, 1, ctx->region_id);
			bind_input(st, in);
			db_bind_int64(st, 11, in->body_id);
			db_bind_text(st, 12, now);
			if (db_step(st, err) == DB_ROW)
				id = db_col_int64(st, 0);
		}
		if (id > 0 && changelog_track(ctx, "membership", id, "create", NULL, NULL, err) < 0)
			id = -1;
	}
	if (db_join_end(ctx->db, own, id > 0 ? 0 : -1, err) < 0)
		return -1;
	return id;
}

int membership_store_update(const bireg_ctx *ctx, int64_t id, const membership_input *in,
			    GError **err)
{
	json_t *before = NULL; /* the change log's snapshot */
	stored old = {0};
	bool own = false;
	int rc = -1, r;
	char now[21];

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	r = load(ctx, id, &old, err);
	if (r > 0)
		register_fail(err, REGISTER_ERROR_NOT_FOUND, N_("This membership does not exist."));
	if (r != 0 || membership_check(ctx, old.body_id, in, &old, err) < 0)
		goto out;
	if (changelog_snapshot(ctx, "membership", id, &before, err) < 0)
		goto out;
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"UPDATE membership SET person_id = $2, role = $3, substitute_for_id = $4, "
			"institution_id = $5, partner_side = $6, voting = $7, start_day = $8, "
			"end_day = $9, note = $10, updated_at = $12 WHERE region_id = $1 AND id = $11",
			err);
		if (!st)
			goto out;
		util_now_iso(now);
		db_bind_int64(st, 1, ctx->region_id);
		bind_input(st, in);
		db_bind_int64(st, 11, id);
		db_bind_text(st, 12, now);
		if (db_run(st, err) < 0)
			goto out;
	}
	if (changelog_track(ctx, "membership", id, "update", before, NULL, err) < 0)
		goto out;
	rc = 0;
out:
	stored_clear(&old);
	json_decref(before);
	return db_join_end(ctx->db, own, rc, err);
}

int membership_store_end(const bireg_ctx *ctx, int64_t id, const char *day, GError **err)
{
	g_autofree char *today = register_today();
	const char *d = day && *day ? day : today;
	json_t *before = NULL; /* the change log's snapshot */
	stored old = {0};
	bool own = false;
	int rc = -1, r;
	char now[21];

	if (!register_is_day(d))
		return register_invalid(err, "end_day", N_("Please enter a valid date."));
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	r = load(ctx, id, &old, err);
	if (r > 0)
		register_fail(err, REGISTER_ERROR_NOT_FOUND, N_("This membership does not exist."));
	if (r != 0)
		goto out;
	if (old.start_day && strcmp(d, old.start_day) < 0) {
		register_invalid(err, "end_day",
				 N_("The membership cannot end before it starts: the end is before the start."));
		goto out;
	}
	if (changelog_snapshot(ctx, "membership", id, &before, err) < 0)
		goto out;
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"UPDATE membership SET end_day = $3, updated_at = $4 WHERE region_id = $1 AND id = $2",
			err);
		if (!st)
			goto out;
		util_now_iso(now);
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, id);
		db_bind_text(st, 3, d);
		db_bind_text(st, 4, now);
		if (db_run(st, err) < 0)
			goto out;
	}
	if (changelog_track(ctx, "membership", id, "update", before, NULL, err) < 0)
		goto out;
	rc = 0;
out:
	stored_clear(&old);
	json_decref(before);
	return db_join_end(ctx->db, own, rc, err);
}

int membership_store_delete(const bireg_ctx *ctx, int64_t id, GError **err)
{
	json_t *before = NULL; /* the change log's snapshot */
	stored old = {0};
	bool own = false;
	int rc = -1, r;
	bool has_substitutes = false;

	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	r = load(ctx, id, &old, err);
	if (r > 0)
		register_fail(err, REGISTER_ERROR_NOT_FOUND, N_("This membership does not exist."));
	if (r != 0)
		goto out;
	if (register_exists(ctx,
			    "SELECT 1 FROM membership WHERE region_id = $1 AND substitute_for_id = $2",
			    id, &has_substitutes, err) < 0)
		goto out;
	if (has_substitutes) {
		register_fail(err, REGISTER_ERROR_IN_USE,
			      N_("Personal substitutes stand in for this membership (also in the past). Delete their memberships or choose another member for them first."));
		goto out;
	}
	if (changelog_snapshot(ctx, "membership", id, &before, err) < 0 ||
	    register_run(ctx, "DELETE FROM membership WHERE region_id = $1 AND id = $2", id,
			 err) < 0 ||
	    changelog_track(ctx, "membership", id, "delete", before, NULL, err) < 0)
		goto out;
	rc = 0;
out:
	stored_clear(&old);
	json_decref(before);
	return db_join_end(ctx->db, own, rc, err);
}

/* ---- choices for the form -------------------------------------------- */

json_t *membership_store_choices(const bireg_ctx *ctx, int64_t body_id, GError **err)
{
	json_t *current = membership_store_for_body(ctx, body_id, true, err);
	json_t *members, *institutions, *m;
	g_autoptr(db_stmt) st = NULL;
	size_t i;
	int r;

	if (!current)
		return NULL;
	members = json_array();
	json_array_foreach(current, i, m) {
		if (!g_strcmp0(json_string_value(json_object_get(m, "role")), "substitute"))
			continue;
		json_array_append_new(members, json_pack("{s:O,s:O,s:O,s:O}", "id",
							 json_object_get(m, "id"), "person_id",
							 json_object_get(m, "person_id"), "person_name",
							 json_object_get(m, "person_name"), "role",
							 json_object_get(m, "role")));
	}
	json_decref(current);
	st = db_prepare(ctx->db,
		"SELECT id, name FROM institution WHERE region_id = $1 ORDER BY sort_name, id", err);
	if (!st) {
		json_decref(members);
		return NULL;
	}
	db_bind_int64(st, 1, ctx->region_id);
	institutions = json_array();
	while ((r = db_step(st, err)) == DB_ROW)
		json_array_append_new(institutions, json_pack("{s:I,s:s}", "id",
							      (json_int_t)db_col_int64(st, 0),
							      "name", db_col_text(st, 1)));
	if (r < 0) {
		json_decref(members);
		json_decref(institutions);
		return NULL;
	}
	return json_pack("{s:o,s:o}", "members", members, "institutions", institutions);
}

json_t *membership_store_person(const bireg_ctx *ctx, int64_t person_id, GError **err)
{
	g_autoptr(db_stmt) st = register_get_row(ctx,
		"SELECT id, title, first_name, last_name, sort_name FROM person "
		"WHERE region_id = $1 AND id = $2", person_id, N_("This person does not exist."), err);

	if (!st)
		return NULL;
	g_autofree char *name = display_name(db_col_text(st, 1), db_col_text(st, 2),
					     db_col_text(st, 3));
	return json_pack("{s:I,s:s,s:s}", "id", (json_int_t)db_col_int64(st, 0), "name", name,
			 "sort_name", db_col_text(st, 4));
}
