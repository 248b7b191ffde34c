/*
 * person_store.c — the people of the register (person_store.h): SQL for
 * person, person_consent, person_affiliation and account_person, and the
 * people's search entries.
 *
 * Lists must stay fast with 100,000 people of a region: the page is read in
 * the order of an index (region_id, sort_name, id and the like), the total
 * is counted over the same conditions but only up to PERSON_COUNT_MAX + 1
 * rows (beyond, the list says "more than"; the page's next row tells whether
 * a next page exists), and the institutions of a page's people come in one
 * query for the whole page (ids bound in blocks of a fixed size, so that
 * each SQL text is prepared once per connection). A request's work thus
 * grows with the page and the cap, not with the register. A search (q) asks
 * the search index for ids in rank order; with filters as well, the best
 * PERSON_SEARCH_MAX hits are filtered in blocks the same way.
 */
#include "modules/register/person_store.h"

#include <string.h>

#include "core/log.h"
#include "core/text.h"
#include "core/util.h"
#include "db/db.h"
#include "modules/register/changelog.h"
#include "modules/register/register.h"
#include "search/search.h"
#include "view/format.h"
#include "view/i18n.h"

/* Ids bound per statement when a list of ids goes into SQL (padded with 0,
 * which no row has). */
#define ID_BLOCK 50

const char *const person_consent_kinds[] = {"publish_name", "photos", "newsletter", NULL};

static bool empty(const char *s)
{
	return !s || !*s;
}

/* ---- names ------------------------------------------------------------ */

/* Parts joined by single spaces, empty ones left out, white space inside
 * each collapsed. Newly allocated. */
static char *join_words(const char *const *parts, size_t n)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < n; i++) {
		g_autofree char *p = parts[i] ? text_collapse_ws(parts[i]) : NULL;
		if (!p || !*p)
			continue;
		if (s->len)
			g_string_append_c(s, ' ');
		g_string_append(s, p);
	}
	return g_string_free(s, FALSE);
}

char *person_display_name(const char *title, const char *first_name, const char *last_name)
{
	const char *parts[] = {title, first_name, last_name};
	return join_words(parts, G_N_ELEMENTS(parts));
}

char *person_letter_salutation(const char *address_form, const char *title,
			       const char *first_name, const char *last_name)
{
	g_autofree char *name = NULL;

	if (!g_strcmp0(address_form, "frau") || !g_strcmp0(address_form, "herr")) {
		const char *parts[] = {title, last_name};
		name = join_words(parts, G_N_ELEMENTS(parts));
		return g_strdup_printf("%s %s,",
				       !strcmp(address_form, "frau") ? "Sehr geehrte Frau"
								     : "Sehr geehrter Herr",
				       name);
	}
	name = person_display_name(title, first_name, last_name);
	return *name ? g_strdup_printf("Guten Tag %s,", name) : g_strdup("Guten Tag,");
}

/* ---- checks ----------------------------------------------------------- */

static bool day_valid(const char *s)
{
	bireg_date d;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !g_ascii_isdigit(s[i]))
			return false;
	return format_parse_date(s, &d, NULL);
}

static bool too_long(const char *s, long max)
{
	return s && g_utf8_strlen(s, -1) > max;
}

/* A plausible address: something@something.tld without spaces. The web
 * form checks the shape more closely; this keeps other callers honest. */
static bool email_plausible(const char *s)
{
	const char *at = strchr(s, '@');

	if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.'))
		return false;
	for (const char *p = s; *p; p++)
		if (g_ascii_isspace(*p))
			return false;
	return at[1] != '.' && s[strlen(s) - 1] != '.';
}

static const char *const address_forms[] = {"", "frau", "herr", NULL};
static const char *const channels[] = {"email", "post", NULL};
static const char *const legal_bases[] = {"public_task", "consent", "contract",
					  "legitimate_interest", NULL};

static const char *channel_of(const person_input *in)
{
	return empty(in->preferred_channel) ? "email" : in->preferred_channel;
}

static const char *legal_basis_of(const person_input *in)
{
	return empty(in->legal_basis) ? "public_task" : in->legal_basis;
}

int person_input_check(const person_input *in, GError **err)
{
	static const struct {
		size_t offset;
		const char *field;
		long max;
	} lengths[] = {
		{G_STRUCT_OFFSET(person_input, title), "title", 60},
		{G_STRUCT_OFFSET(person_input, first_name), "first_name", 100},
		{G_STRUCT_OFFSET(person_input, last_name), "last_name", 100},
		{G_STRUCT_OFFSET(person_input, letter_salutation), "letter_salutation", 200},
		{G_STRUCT_OFFSET(person_input, function), "function", 200},
		{G_STRUCT_OFFSET(person_input, phone), "phone", 50},
		{G_STRUCT_OFFSET(person_input, mobile), "mobile", 50},
		{G_STRUCT_OFFSET(person_input, email), "email", 254},
		{G_STRUCT_OFFSET(person_input, street), "street", 200},
		{G_STRUCT_OFFSET(person_input, city), "city", 100},
		{G_STRUCT_OFFSET(person_input, legal_basis_note), "legal_basis_note", 500},
		{G_STRUCT_OFFSET(person_input, notes), "notes", 5000},
	};
	const char *channel = channel_of(in);

	for (size_t i = 0; i < G_N_ELEMENTS(lengths); i++) {
		const char *v = G_STRUCT_MEMBER(const char *, in, lengths[i].offset);
		if (v && !g_utf8_validate(v, -1, NULL))
			return register_invalid(err, lengths[i].field,
						N_("This entry contains characters that are not allowed."));
		if (too_long(v, lengths[i].max))
			return register_invalid(err, lengths[i].field, N_("This entry is too long."));
	}
	if (empty(in->last_name))
		return register_invalid(err, "last_name", N_("Please enter the last name."));
	if (!register_one_of(register_nz(in->address_form), address_forms))
		return register_invalid(err, "address_form", N_("Please choose a form of address."));
	if (!register_one_of(channel, channels))
		return register_invalid(err, "preferred_channel",
					N_("Please choose e-mail or post as the preferred channel."));
	if (!register_one_of(legal_basis_of(in), legal_bases))
		return register_invalid(err, "legal_basis",
					N_("Please choose the legal basis of processing."));
	if (!empty(in->postcode) && !register_digits(in->postcode, 5, 5))
		return register_invalid(err, "postcode",
					N_("Please enter a postcode of five digits, e.g. 47051, or leave the field empty."));
	if (!empty(in->email) && !email_plausible(in->email))
		return register_invalid(err, "email",
					N_("Please enter a valid e-mail address, e.g. name@example.org, or leave the field empty."));
	if (!strcmp(channel, "email") && empty(in->email))
		return register_invalid(err, "email",
					N_("E-mail is the preferred channel: please enter an e-mail address, or choose post."));
	if (!strcmp(channel, "post")) {
		if (empty(in->street))
			return register_invalid(err, "street",
						N_("Post is the preferred channel: please enter the street and number."));
		if (empty(in->postcode))
			return register_invalid(err, "postcode",
						N_("Post is the preferred channel: please enter the postcode."));
		if (empty(in->city))
			return register_invalid(err, "city",
						N_("Post is the preferred channel: please enter the town or city."));
	}
	return 0;
}

/* ---- small queries ---------------------------------------------------- */

/* 1 when the person exists in the region, 0 when not, -1 on error. */
static int person_exists(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st =
		db_prepare(ctx->db, "SELECT id FROM person WHERE region_id = $1 AND id = $2", err);
	db_status r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	r = db_step(st, err);
	return r < 0 ? -1 : r == DB_ROW;
}

int person_store_exists(const bireg_ctx *ctx, int64_t id, GError **err)
{
	if (ctx->region_id <= 0) {
		g_set_error_literal(err, BIREG_DB_ERROR, DB_ERROR, "person store called without a region");
		return -1;
	}
	return person_exists(ctx, id, err);
}

/* The person exists and was not erased (Art. 17): an erased person's row
 * only keeps official records consistent and takes no new data. */
static int need_person(const bireg_ctx *ctx, int64_t id, GError **err)
{
	int64_t erased = register_count(ctx,
		"SELECT count(*) FROM person WHERE region_id = $1 AND id = $2 AND erased_at IS NOT NULL",
		id, err);
	int r;

	if (erased < 0)
		return -1;
	if (erased > 0)
		return register_fail(err, REGISTER_ERROR_IN_USE,
				     N_("The data of this person have been erased; the record cannot be changed."));
	r = person_exists(ctx, id, err);
	if (r < 0)
		return -1;
	if (r == 0)
		return register_fail(err, REGISTER_ERROR_NOT_FOUND, N_("This person does not exist."));
	return 0;
}

static int no_region(GError **err)
{
	g_set_error_literal(err, BIREG_DB_ERROR, DB_ERROR, "person store called without a region");
	return -1;
}

/* Runs a statement of one int64 result row; *out gets it (0 without a row). */
static int query_int(db_stmt *st, int64_t *out, GError **err)
{
	db_status r = db_step(st, err);

	if (r < 0)
		return -1;
	*out = r == DB_ROW ? db_col_int64(st, 0) : 0;
	return 0;
}

/* ---- the search entry ------------------------------------------------- */

/* The SQL condition "this affiliation is current today", today as $2. */
#define AFF_CURRENT "(a.start_day IS NULL OR a.start_day <= $2) AND (a.end_day IS NULL OR a.end_day >= $2)"

/* The title and text of a person's entry from its columns and the names of
 * its current institutions (a GString of names separated by " "). */
static int put_entry(const bireg_ctx *ctx, int64_t id, const char *title, const char *first,
		     const char *last, const char *function, const char *email,
		     const char *city, const char *institutions, GError **err)
{
	g_autofree char *name = person_display_name(title, first, last);
	const char *parts[] = {function, email, city, institutions};
	g_autofree char *text = join_words(parts, G_N_ELEMENTS(parts));

	return search_put(ctx, SEARCH_KIND_PERSON, id, name, text, err);
}

int person_store_index(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autoptr(db_stmt) st = NULL;
	g_autoptr(db_stmt) inst = NULL;
	g_autoptr(GString) names = g_string_new(NULL);
	g_autofree char *today = register_today();
	db_status r;

	if (ctx->region_id <= 0)
		return no_region(err);
	st = db_prepare(ctx->db,
		"SELECT title, first_name, last_name, function, email, city FROM person "
		"WHERE region_id = $1 AND id = $2 AND erased_at IS NULL", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	r = db_step(st, err);
	if (r < 0)
		return -1;
	if (r != DB_ROW)
		return search_remove(ctx, SEARCH_KIND_PERSON, id, err);
	inst = db_prepare(ctx->db,
		"SELECT i.name FROM person_affiliation a JOIN institution i ON i.id = a.institution_id "
		"WHERE a.region_id = $1 AND i.region_id = $1 AND a.person_id = $3 AND " AFF_CURRENT
		" ORDER BY i.sort_name, i.id", err);
	if (!inst)
		return -1;
	db_bind_int64(inst, 1, ctx->region_id);
	db_bind_text(inst, 2, today);
	db_bind_int64(inst, 3, id);
	while ((r = db_step(inst, err)) == DB_ROW)
		g_string_append_printf(names, "%s%s", names->len ? " " : "", register_nz(db_col_text(inst, 0)));
	if (r < 0)
		return -1;
	return put_entry(ctx, id, db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2),
			 db_col_text(st, 3), db_col_text(st, 4), db_col_text(st, 5), names->str,
			 err);
}

static void gstring_free_cb(gpointer p)
{
	g_string_free(p, TRUE);
}

/* Every person entry of the region, in the caller's transaction: one query
 * for the people, one for all current affiliations. */
static int reindex_all_in(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(GHashTable) inst = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
							   gstring_free_cb);
	g_autofree char *today = register_today();
	int count = 0;
	db_status r;

	{
		g_autoptr(db_stmt) del = db_prepare(ctx->db,
			"DELETE FROM search_entry WHERE region_id = $1 AND kind = $2 AND ref_id NOT IN "
			"(SELECT id FROM person WHERE region_id = $1 AND erased_at IS NULL)", err);
		if (!del)
			return -1;
		db_bind_int64(del, 1, ctx->region_id);
		db_bind_text(del, 2, SEARCH_KIND_PERSON);
		if (db_run(del, err) < 0)
			return -1;
	}
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"SELECT a.person_id, i.name FROM person_affiliation a "
			"JOIN institution i ON i.id = a.institution_id "
			"WHERE a.region_id = $1 AND i.region_id = $1 AND " AFF_CURRENT
			" ORDER BY a.person_id, i.sort_name, i.id", err);
		if (!st)
			return -1;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_text(st, 2, today);
		while ((r = db_step(st, err)) == DB_ROW) {
			gint64 pid = db_col_int64(st, 0);
			GString *s = g_hash_table_lookup(inst, &pid);
			if (!s) {
				s = g_string_new(NULL);
				g_hash_table_insert(inst, g_memdup2(&pid, sizeof pid), s);
			}
			g_string_append_printf(s, "%s%s", s->len ? " " : "", register_nz(db_col_text(st, 1)));
		}
		if (r < 0)
			return -1;
	}
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id, title, first_name, last_name, function, email, city FROM person "
		"WHERE region_id = $1 AND erased_at IS NULL ORDER BY id", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	while ((r = db_step(st, err)) == DB_ROW) {
		gint64 pid = db_col_int64(st, 0);
		GString *s = g_hash_table_lookup(inst, &pid);
		if (put_entry(ctx, pid, db_col_text(st, 1), db_col_text(st, 2), db_col_text(st, 3),
			      db_col_text(st, 4), db_col_text(st, 5), db_col_text(st, 6),
			      s ? s->str : "", err) < 0)
			return -1;
		count++;
	}
	return r < 0 ? -1 : count;
}

int person_store_reindex_all(const bireg_ctx *ctx, GError **err)
{
	bool own;
	int rc;

	if (ctx->region_id <= 0)
		return no_region(err);
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	rc = reindex_all_in(ctx, err);
	return db_join_end(ctx->db, own, rc, err);
}

/* Re-indexes every person with an affiliation to the institution. */
static int reindex_institution_in(const bireg_ctx *ctx, int64_t institution_id, GError **err)
{
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT DISTINCT person_id FROM person_affiliation WHERE region_id = $1 AND "
		"institution_id = $2 ORDER BY person_id", err);
	db_status r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, institution_id);
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		g_array_append_val(ids, id);
	}
	if (r < 0)
		return -1;
	for (guint i = 0; i < ids->len; i++)
		if (person_store_index(ctx, g_array_index(ids, int64_t, i), err) < 0)
			return -1;
	return 0;
}

int person_store_reindex_institution(const bireg_ctx *ctx, int64_t institution_id, GError **err)
{
	bool own;
	int rc;

	if (ctx->region_id <= 0)
		return no_region(err);
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	rc = reindex_institution_in(ctx, institution_id, err);
	return db_join_end(ctx->db, own, rc, err);
}

int person_store_detach_institution(const bireg_ctx *ctx, int64_t institution_id, GError **err)
{
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	bool own;
	int rc = -1;
	db_status r;

	if (ctx->region_id <= 0)
		return no_region(err);
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"DELETE FROM person_affiliation WHERE region_id = $1 AND institution_id = $2 "
			"RETURNING person_id", err);
		if (!st)
			goto out;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, institution_id);
		while ((r = db_step(st, err)) == DB_ROW) {
			int64_t id = db_col_int64(st, 0);
			g_array_append_val(ids, id);
		}
		if (r < 0)
			goto out;
	}
	for (guint i = 0; i < ids->len; i++)
		if (person_store_index(ctx, g_array_index(ids, int64_t, i), err) < 0)
			goto out;
	rc = 0;
out:
	return db_join_end(ctx->db, own, rc, err);
}

/* ---- create, update, delete ------------------------------------------ */

static void bind_input(db_stmt *st, int first, const person_input *in, const char *sort_name,
		       const char *now)
{
	int i = first;

	db_bind_text(st, i++, register_nz(in->address_form));
	db_bind_text(st, i++, register_nz(in->title));
	db_bind_text(st, i++, register_nz(in->first_name));
	db_bind_text(st, i++, register_nz(in->last_name));
	db_bind_text(st, i++, register_nz(in->letter_salutation));
	db_bind_text(st, i++, register_nz(in->function));
	db_bind_text(st, i++, register_nz(in->phone));
	db_bind_text(st, i++, register_nz(in->mobile));
	db_bind_text(st, i++, register_nz(in->email));
	db_bind_text(st, i++, register_nz(in->street));
	db_bind_text(st, i++, register_nz(in->postcode));
	db_bind_text(st, i++, register_nz(in->city));
	db_bind_text(st, i++, channel_of(in));
	db_bind_text(st, i++, legal_basis_of(in));
	db_bind_text(st, i++, register_nz(in->legal_basis_note));
	db_bind_text(st, i++, register_nz(in->notes));
	db_bind_text(st, i++, sort_name);
	db_bind_text(st, i, now);
}

int64_t person_store_create(const bireg_ctx *ctx, const person_input *in, GError **err)
{
	g_autofree char *sort_name = NULL;
	char now[21];
	int64_t id = -1;
	bool own;

	if (ctx->region_id <= 0)
		return no_region(err);
	if (person_input_check(in, err) < 0)
		return -1;
	sort_name = register_sort_key(in->last_name, in->first_name);
	util_now_iso(now);
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"INSERT INTO person (region_id, address_form, title, first_name, last_name, "
			"letter_salutation, function, phone, mobile, email, street, postcode, city, "
			"preferred_channel, legal_basis, legal_basis_note, notes, sort_name, created_at, "
			"updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
			"$15, $16, $17, $18, $19, $19) RETURNING id", err);
		if (st) {
			db_bind_int64(st, 1, ctx->region_id);
			bind_input(st, 2, in, sort_name, now);
			if (query_int(st, &id, err) < 0)
				id = -1;
		}
	}
	if (id > 0 && person_store_index(ctx, id, err) < 0)
		id = -1;
	if (id > 0 && changelog_track(ctx, "person", id, in->log_action ? in->log_action : "create",
				      NULL, in->log_summary, err) < 0)
		id = -1;
	return db_join_end(ctx->db, own, id > 0 ? 0 : -1, err) < 0 ? -1 : id;
}

int person_store_update(const bireg_ctx *ctx, int64_t id, const person_input *in, GError **err)
{
	g_autofree char *sort_name = NULL;
	json_t *before = NULL; /* the change log's snapshot */
	char now[21];
	int rc = -1;
	bool own;

	if (ctx->region_id <= 0)
		return no_region(err);
	if (person_input_check(in, err) < 0)
		return -1;
	sort_name = register_sort_key(in->last_name, in->first_name);
	util_now_iso(now);
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (need_person(ctx, id, err) < 0)
		goto out;
	if (changelog_snapshot(ctx, "person", id, &before, err) < 0)
		goto out;
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"UPDATE person SET address_form = $3, title = $4, first_name = $5, "
			"last_name = $6, letter_salutation = $7, function = $8, phone = $9, mobile = $10, "
			"email = $11, street = $12, postcode = $13, city = $14, preferred_channel = $15, "
			"legal_basis = $16, legal_basis_note = $17, notes = $18, sort_name = $19, "
			"updated_at = $20 WHERE region_id = $1 AND id = $2 RETURNING id", err);
		int64_t got = 0;
		if (!st)
			goto out;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, id);
		bind_input(st, 3, in, sort_name, now);
		if (query_int(st, &got, err) < 0)
			goto out;
		if (!got) {
			register_fail(err, REGISTER_ERROR_NOT_FOUND, N_("This person does not exist."));
			goto out;
		}
	}
	rc = person_store_index(ctx, id, err);
	if (rc == 0 && changelog_track(ctx, "person", id, in->log_action ? in->log_action : "update",
				       before, in->log_summary, err) < 0)
		rc = -1;
out:
	json_decref(before);
	return db_join_end(ctx->db, own, rc, err);
}

int person_store_delete(const bireg_ctx *ctx, int64_t id, GError **err)
{
	static const char *const steps[] = {
		"DELETE FROM account_person WHERE region_id = $1 AND person_id = $2",
		"DELETE FROM person_consent WHERE region_id = $1 AND person_id = $2",
		"DELETE FROM person_affiliation WHERE region_id = $1 AND person_id = $2",
		"DELETE FROM person WHERE region_id = $1 AND id = $2",
	};
	json_t *before = NULL; /* the change log's snapshot */
	int64_t memberships = 0;
	int rc = -1;
	bool own;

	if (ctx->region_id <= 0)
		return no_region(err);
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (need_person(ctx, id, err) < 0)
		goto out;
	memberships = register_count(
		ctx, "SELECT count(*) FROM membership WHERE region_id = $1 AND person_id = $2", id, err);
	if (memberships < 0)
		goto out;
	if (memberships > 0) {
		register_fail(err, REGISTER_ERROR_IN_USE,
			      N_("This person is or was a member of a body and cannot be deleted. The memberships are part of the bodies' history; remove them first if they were entered by mistake."));
		goto out;
	}
	if (changelog_snapshot(ctx, "person", id, &before, err) < 0)
		goto out;
	for (size_t i = 0; i < G_N_ELEMENTS(steps); i++)
		if (register_run(ctx, steps[i], id, err) < 0)
			goto out;
	rc = search_remove(ctx, SEARCH_KIND_PERSON, id, err);
	if (rc == 0 && changelog_track(ctx, "person", id, "delete", before, NULL, err) < 0)
		rc = -1;
out:
	json_decref(before);
	return db_join_end(ctx->db, own, rc, err);
}

/* ---- reading one person ----------------------------------------------- */

#define PERSON_COLS                                                                               \
	"p.id, p.address_form, p.title, p.first_name, p.last_name, p.letter_salutation, "           \
	"p.function, p.phone, p.mobile, p.email, p.street, p.postcode, p.city, "                    \
	"p.preferred_channel, p.legal_basis, p.legal_basis_note, p.notes, p.sort_name, "            \
	"p.created_at, p.updated_at, p.erased_at"
static const char *const person_col_names[] = {
	"id", "address_form", "title", "first_name", "last_name", "letter_salutation",
	"function", "phone", "mobile", "email", "street", "postcode", "city",
	"preferred_channel", "legal_basis", "legal_basis_note", "notes", "sort_name",
	"created_at", "updated_at", "erased_at",
};

static json_t *text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *person_from_row(db_stmt *st)
{
	json_t *p = json_object();

	json_object_set_new(p, "id", json_integer(db_col_int64(st, 0)));
	for (size_t i = 1; i < G_N_ELEMENTS(person_col_names); i++)
		json_object_set_new(p, person_col_names[i], json_string(register_nz(db_col_text(st, (int)i))));
	return p;
}

static int load_account(const bireg_ctx *ctx, int64_t id, json_t *p, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT a.id, a.email, a.display_name FROM account_person ap "
		"JOIN account a ON a.id = ap.account_id WHERE ap.region_id = $1 AND ap.person_id = $2 "
		"ORDER BY a.id", err);
	db_status r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	r = db_step(st, err);
	if (r < 0)
		return -1;
	json_object_set_new(p, "account",
			    r == DB_ROW ? json_pack("{s:I,s:s,s:s}", "id",
						    (json_int_t)db_col_int64(st, 0), "email",
						    register_nz(db_col_text(st, 1)), "display_name",
						    register_nz(db_col_text(st, 2)))
					: json_null());
	return 0;
}

static int load_affiliations(const bireg_ctx *ctx, int64_t id, const char *today, json_t *p,
			     GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT a.id, a.institution_id, i.name, a.function, a.start_day, a.end_day, "
		"CASE WHEN " AFF_CURRENT " THEN 1 ELSE 0 END AS cur "
		"FROM person_affiliation a JOIN institution i ON i.id = a.institution_id "
		"WHERE a.region_id = $1 AND i.region_id = $1 AND a.person_id = $3 "
		"ORDER BY cur DESC, a.start_day DESC, i.sort_name, a.id", err);
	json_t *list = json_array();
	db_status r;

	json_object_set_new(p, "affiliations", list);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, today);
	db_bind_int64(st, 3, id);
	while ((r = db_step(st, err)) == DB_ROW)
		json_array_append_new(list, json_pack(
			"{s:I,s:I,s:s,s:s,s:o,s:o,s:b}", "id", (json_int_t)db_col_int64(st, 0),
			"institution_id", (json_int_t)db_col_int64(st, 1), "institution_name",
			register_nz(db_col_text(st, 2)), "function", register_nz(db_col_text(st, 3)), "start_day",
			text_or_null(db_col_text(st, 4)), "end_day", text_or_null(db_col_text(st, 5)),
			"current", db_col_int64(st, 6) != 0));
	return r < 0 ? -1 : 0;
}

/* Memberships are the membership store's; read here for the person's page. */
static int load_memberships(const bireg_ctx *ctx, int64_t id, const char *today, json_t *p,
			    GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT m.id, m.body_id, b.name, b.public, m.role, m.institution_id, i.name, "
		"m.partner_side, m.voting, m.start_day, m.end_day, "
		"CASE WHEN (m.start_day IS NULL OR m.start_day <= $2) AND "
		"(m.end_day IS NULL OR m.end_day >= $2) THEN 1 ELSE 0 END AS cur "
		"FROM membership m JOIN body b ON b.id = m.body_id "
		"LEFT JOIN institution i ON i.id = m.institution_id AND i.region_id = $1 "
		"WHERE m.region_id = $1 AND b.region_id = $1 AND m.person_id = $3 "
		"ORDER BY cur DESC, b.sort_name, b.id, m.start_day, m.id", err);
	json_t *list = json_array();
	db_status r;

	json_object_set_new(p, "memberships", list);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, today);
	db_bind_int64(st, 3, id);
	while ((r = db_step(st, err)) == DB_ROW)
		json_array_append_new(list, json_pack(
			"{s:I,s:I,s:s,s:b,s:s,s:o,s:o,s:s,s:b,s:o,s:o,s:b}", "id",
			(json_int_t)db_col_int64(st, 0), "body_id", (json_int_t)db_col_int64(st, 1),
			"body_name", register_nz(db_col_text(st, 2)), "body_public", db_col_int64(st, 3) != 0,
			"role", register_nz(db_col_text(st, 4)), "institution_id",
			db_col_is_null(st, 5) ? json_null() : json_integer(db_col_int64(st, 5)),
			"institution_name", text_or_null(db_col_text(st, 6)), "partner_side",
			register_nz(db_col_text(st, 7)), "voting", db_col_int64(st, 8) != 0, "start_day",
			text_or_null(db_col_text(st, 9)), "end_day", text_or_null(db_col_text(st, 10)),
			"current", db_col_int64(st, 11) != 0));
	return r < 0 ? -1 : 0;
}

static int load_consents(const bireg_ctx *ctx, int64_t id, json_t *p, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT c.id, c.kind, c.given, c.day, c.source, c.recorded_at, a.display_name "
		"FROM person_consent c LEFT JOIN account a ON a.id = c.recorded_by "
		"WHERE c.region_id = $1 AND c.person_id = $2 ORDER BY c.id DESC", err);
	json_t *list = json_array();
	json_t *by_kind[G_N_ELEMENTS(person_consent_kinds)] = {0};
	db_status r;

	json_object_set_new(p, "consents", list);
	for (size_t k = 0; person_consent_kinds[k]; k++) {
		by_kind[k] = json_pack("{s:s,s:s,s:n,s:s,s:[]}", "kind", person_consent_kinds[k],
				       "state", "none", "day", "source", "", "history");
		json_array_append_new(list, by_kind[k]);
	}
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	while ((r = db_step(st, err)) == DB_ROW) {
		const char *kind = register_nz(db_col_text(st, 1));
		bool given = db_col_int64(st, 2) != 0;
		for (size_t k = 0; person_consent_kinds[k]; k++) {
			json_t *c = by_kind[k];
			json_t *history;
			if (strcmp(kind, person_consent_kinds[k]))
				continue;
			history = json_object_get(c, "history");
			if (json_array_size(history) == 0) {
				/* the newest row: the current answer */
				json_object_set_new(c, "state", json_string(given ? "given" : "withdrawn"));
				json_object_set_new(c, "day", json_string(register_nz(db_col_text(st, 3))));
				json_object_set_new(c, "source", json_string(register_nz(db_col_text(st, 4))));
			}
			json_array_append_new(history, json_pack(
				"{s:I,s:b,s:s,s:s,s:s,s:s}", "id", (json_int_t)db_col_int64(st, 0),
				"given", given, "day", register_nz(db_col_text(st, 3)), "source",
				register_nz(db_col_text(st, 4)), "recorded_at", register_nz(db_col_text(st, 5)),
				"recorded_by_name", register_nz(db_col_text(st, 6))));
		}
	}
	return r < 0 ? -1 : 0;
}

json_t *person_store_get(const bireg_ctx *ctx, int64_t id, GError **err)
{
	g_autofree char *today = register_today();
	g_autoptr(db_stmt) st = NULL;
	json_t *p;
	db_status r;

	if (ctx->region_id <= 0) {
		no_region(err);
		return NULL;
	}
	st = db_prepare(ctx->db, "SELECT " PERSON_COLS " FROM person p WHERE p.region_id = $1 AND "
			"p.id = $2", err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, id);
	r = db_step(st, err);
	if (r < 0)
		return NULL;
	if (r != DB_ROW) {
		register_fail(err, REGISTER_ERROR_NOT_FOUND, N_("This person does not exist."));
		return NULL;
	}
	p = person_from_row(st);
	json_object_set_new(p, "erased", json_boolean(!db_col_is_null(st, 20)));
	{
		g_autofree char *name = person_display_name(register_jstr(p, "title"), register_jstr(p, "first_name"),
							    register_jstr(p, "last_name"));
		g_autofree char *salutation = person_letter_salutation(
			register_jstr(p, "address_form"), register_jstr(p, "title"), register_jstr(p, "first_name"),
			register_jstr(p, "last_name"));
		const char *free_text = register_jstr(p, "letter_salutation");
		json_object_set_new(p, "display_name", json_string(name));
		json_object_set_new(p, "letter_salutation_default", json_string(salutation));
		json_object_set_new(p, "letter_salutation_effective",
				    json_string(*free_text ? free_text : salutation));
	}
	if (load_account(ctx, id, p, err) < 0 || load_affiliations(ctx, id, today, p, err) < 0 ||
	    load_memberships(ctx, id, today, p, err) < 0 || load_consents(ctx, id, p, err) < 0) {
		json_decref(p);
		return NULL;
	}
	return p;
}

/* ---- lists -------------------------------------------------------------- */

/* A statement's parameters, collected while its SQL is built. */
typedef struct qparam {
	bool is_text;
	int64_t i;
	const char *s;
} qparam;

typedef struct query {
	GString *sql;
	qparam p[ID_BLOCK + 16];
	int n;
} query;

/* A new parameter without its "$<n>" in the SQL; returns n. */
static int q_param_text(query *q, const char *v)
{
	g_assert(q->n < (int)G_N_ELEMENTS(q->p));
	q->p[q->n] = (qparam){.is_text = true, .s = v};
	return ++q->n;
}

/* Appends "$<n>" for a new parameter. */
static void q_int(query *q, int64_t v)
{
	g_assert(q->n < (int)G_N_ELEMENTS(q->p));
	q->p[q->n] = (qparam){.i = v};
	q->n++;
	g_string_append_printf(q->sql, "$%d", q->n);
}

static void q_text(query *q, const char *v)
{
	g_assert(q->n < (int)G_N_ELEMENTS(q->p));
	q->p[q->n] = (qparam){.is_text = true, .s = v};
	q->n++;
	g_string_append_printf(q->sql, "$%d", q->n);
}

static void q_bind(const query *q, db_stmt *st)
{
	for (int i = 0; i < q->n; i++) {
		if (q->p[i].is_text)
			db_bind_text(st, i + 1, q->p[i].s);
		else
			db_bind_int64(st, i + 1, q->p[i].i);
	}
}

/* The people whose newest answer on publishing the name is "given": one
 * pass over the region's answers of that kind along the index
 * person_consent_region_kind (region_id, kind, person_id, id, given), grouped
 * by person — not over every consent, and not a probe per person (which
 * PostgreSQL plans as a nested loop over the whole region when the set is
 * written with NOT EXISTS: 0.5 s at 100,000 people). */
#define CONSENT_PUBLISH_GIVEN                                                                      \
	"(SELECT c.person_id FROM person_consent c WHERE c.region_id = $1 AND "                    \
	"c.kind = 'publish_name' GROUP BY c.person_id "                                            \
	"HAVING max(c.id) = max(CASE WHEN c.given = 1 THEN c.id END))"

static bool has_filters(const person_filter *f)
{
	return f->institution_id > 0 || f->body_id > 0 || !empty(f->channel) ||
	       f->publish_consent == 0 || f->publish_consent == 1;
}

/* A filter that names a set of people (an institution's, a body's, those
 * who consented): counting can start from that set. */
static bool has_positive_filter(const person_filter *f)
{
	return f->institution_id > 0 || f->body_id > 0 || f->publish_consent == 1;
}

/* How the person rows are found: along the index (region_id, …), or from
 * a set of ids (a filter's subquery, a block of ids). SQLite has no
 * statistics, so it takes "region_id = $1" for selective and walks the
 * region's whole index even when the statement names the ids; "+" hides
 * the column from the index there (PostgreSQL plans by its statistics and
 * reads "+x" as x). */
typedef enum { BY_INDEX, BY_IDS } q_drive;

/* "FROM person p WHERE p.region_id = $1 AND <filters>" into q ($1 is the
 * region, the first parameter). Sets with today as current by period. */
static void q_from_where(query *q, const bireg_ctx *ctx, const person_filter *f,
			 const char *today, q_drive drive)
{
	int today_param = 0;

	g_string_append(q->sql, drive == BY_IDS ? " FROM person p WHERE +p.region_id = "
						: " FROM person p WHERE p.region_id = ");
	q_int(q, ctx->region_id);
	if (f->institution_id > 0 || f->body_id > 0)
		today_param = q_param_text(q, today); /* referred to twice per filter */
	if (f->institution_id > 0) {
		g_string_append_printf(q->sql,
			" AND p.id IN (SELECT a.person_id FROM person_affiliation a WHERE "
			"a.region_id = $1 AND (a.start_day IS NULL OR a.start_day <= $%d) AND "
			"(a.end_day IS NULL OR a.end_day >= $%d) AND a.institution_id = ",
			today_param, today_param);
		q_int(q, f->institution_id);
		g_string_append(q->sql, ")");
	}
	if (f->body_id > 0) {
		g_string_append_printf(q->sql,
			" AND p.id IN (SELECT m.person_id FROM membership m WHERE m.region_id = $1 AND "
			"(m.start_day IS NULL OR m.start_day <= $%d) AND "
			"(m.end_day IS NULL OR m.end_day >= $%d) AND m.body_id = ",
			today_param, today_param);
		q_int(q, f->body_id);
		g_string_append(q->sql, ")");
	}
	if (!empty(f->channel)) {
		g_string_append(q->sql, " AND p.preferred_channel = ");
		q_text(q, f->channel);
	}
	if (!f->include_erased)
		g_string_append(q->sql, " AND p.erased_at IS NULL");
	if (f->publish_consent == 1)
		g_string_append(q->sql, " AND p.id IN " CONSENT_PUBLISH_GIVEN);
	else if (f->publish_consent == 0)
		g_string_append(q->sql, " AND p.id NOT IN " CONSENT_PUBLISH_GIVEN);
}

#define LIST_COLS                                                                                  \
	"p.id, p.title, p.first_name, p.last_name, p.function, p.email, p.phone, p.city, "          \
	"p.preferred_channel, p.updated_at"

static json_t *list_row(db_stmt *st)
{
	g_autofree char *name = person_display_name(db_col_text(st, 1), db_col_text(st, 2),
						    db_col_text(st, 3));

	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:[]}", "id",
			 (json_int_t)db_col_int64(st, 0), "title", register_nz(db_col_text(st, 1)),
			 "first_name", register_nz(db_col_text(st, 2)), "last_name", register_nz(db_col_text(st, 3)),
			 "display_name", name, "function", register_nz(db_col_text(st, 4)), "email",
			 register_nz(db_col_text(st, 5)), "phone", register_nz(db_col_text(st, 6)), "city",
			 register_nz(db_col_text(st, 7)), "preferred_channel", register_nz(db_col_text(st, 8)),
			 "updated_at", register_nz(db_col_text(st, 9)), "institutions");
}

/* " IN ($k, …)" with ID_BLOCK parameters: ids[from..], padded with 0. */
static void q_id_block(query *q, const int64_t *ids, size_t n, size_t from)
{
	g_string_append(q->sql, " IN (");
	for (size_t i = 0; i < ID_BLOCK; i++) {
		if (i)
			g_string_append(q->sql, ", ");
		q_int(q, from + i < n ? ids[from + i] : 0);
	}
	g_string_append(q->sql, ")");
}

/* The rows of the given ids, in the order of ids; the institutions of
 * their current affiliations attached. */
static json_t *rows_by_ids(const bireg_ctx *ctx, const int64_t *ids, size_t n, GError **err)
{
	g_autoptr(GHashTable) by_id = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
							    (GDestroyNotify)json_decref);
	g_autofree char *today = register_today();
	json_t *rows = json_array();
	db_status r;

	for (size_t from = 0; from < n; from += ID_BLOCK) {
		/* "+": found by id, not along the region's index (q_drive) */
		g_autoptr(GString) sql = g_string_new("SELECT " LIST_COLS
						      " FROM person p WHERE +p.region_id = $1 AND p.id");
		g_autoptr(GString) sql2 = g_string_new(
			"SELECT a.person_id, i.id, i.name FROM person_affiliation a "
			"JOIN institution i ON i.id = a.institution_id WHERE +a.region_id = $1 AND "
			"+i.region_id = $1 AND " AFF_CURRENT " AND a.person_id");
		query bq = {.sql = sql};
		query *q = &bq;
		g_autoptr(db_stmt) st = NULL;
		g_autoptr(db_stmt) st2 = NULL;

		/* The same id block for both statements; the affiliations
		 * query has today as $2. */
		bq.p[0] = (qparam){.i = ctx->region_id};
		bq.n = 1;
		q_id_block(q, ids, n, from);
		st = db_prepare(ctx->db, sql->str, err);
		if (!st)
			goto fail;
		q_bind(q, st);
		while ((r = db_step(st, err)) == DB_ROW) {
			gint64 id = db_col_int64(st, 0);
			g_hash_table_insert(by_id, g_memdup2(&id, sizeof id), list_row(st));
		}
		if (r < 0)
			goto fail;

		query bq2 = {.sql = sql2};
		query *q2 = &bq2;
		bq2.p[0] = (qparam){.i = ctx->region_id};
		bq2.p[1] = (qparam){.is_text = true, .s = today};
		bq2.n = 2;
		q_id_block(q2, ids, n, from);
		g_string_append(sql2, " ORDER BY a.person_id, i.sort_name, i.id");
		st2 = db_prepare(ctx->db, sql2->str, err);
		if (!st2)
			goto fail;
		q_bind(q2, st2);
		while ((r = db_step(st2, err)) == DB_ROW) {
			gint64 pid = db_col_int64(st2, 0);
			json_t *row = g_hash_table_lookup(by_id, &pid);
			if (!row)
				continue;
			json_t *list = json_object_get(row, "institutions");
			/* one entry per institution, even with two affiliations to it */
			int64_t iid = db_col_int64(st2, 1);
			size_t k;
			json_t *e;
			bool seen = false;
			json_array_foreach(list, k, e)
				seen |= json_integer_value(json_object_get(e, "id")) == iid;
			if (!seen)
				json_array_append_new(list, json_pack("{s:I,s:s}", "id", (json_int_t)iid,
								      "name", register_nz(db_col_text(st2, 2))));
		}
		if (r < 0)
			goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *row = g_hash_table_lookup(by_id, &ids[i]);
		if (row)
			json_array_append(rows, row);
	}
	return rows;
fail:
	json_decref(rows);
	return NULL;
}

static int64_t clamp_limit(int64_t limit)
{
	if (limit <= 0)
		return 50;
	return limit > 200 ? 200 : limit;
}

/* count(*) of the filtered people with extra (SQL text, no parameters)
 * appended to the conditions, counting at most max rows: the work is
 * bounded by max, not by the register. */
static int count_people(const bireg_ctx *ctx, const person_filter *f, const char *today,
			const char *extra, int64_t max, int64_t *total, GError **err)
{
	g_autoptr(GString) sql = g_string_new("SELECT count(*) FROM (SELECT 1");
	g_autoptr(db_stmt) st = NULL;
	query q = {.sql = sql};

	/* Along an index of the region (a channel has its own), also minus a
	 * consent set; a positive filter names its ids: then from those. */
	q_from_where(&q, ctx, f, today, has_positive_filter(f) ? BY_IDS : BY_INDEX);
	g_string_append(sql, extra);
	g_string_append(sql, " LIMIT ");
	q_int(&q, max);
	g_string_append(sql, ") t");
	st = db_prepare(ctx->db, sql->str, err);
	if (!st)
		return -1;
	q_bind(&q, st);
	return query_int(st, total, err);
}

/* Appends the ids of the filtered people with extra conditions, in order,
 * limit from offset. */
static int select_ids(const bireg_ctx *ctx, const person_filter *f, const char *today,
		      const char *extra, const char *order, int64_t limit, int64_t offset,
		      GArray *ids, GError **err)
{
	g_autoptr(GString) sql = g_string_new("SELECT p.id");
	g_autoptr(db_stmt) st = NULL;
	query q = {.sql = sql};
	db_status r;

	q_from_where(&q, ctx, f, today, BY_INDEX);
	g_string_append_printf(sql, "%s ORDER BY %s LIMIT ", extra, order);
	q_int(&q, limit);
	g_string_append(sql, " OFFSET ");
	q_int(&q, offset);
	st = db_prepare(ctx->db, sql->str, err);
	if (!st)
		return -1;
	q_bind(&q, st);
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		g_array_append_val(ids, id);
	}
	return r < 0 ? -1 : 0;
}

/* Up to n ids of the page in the filter's sort order, from offset. By
 * e-mail: the people with an address by address, then those without by
 * name (two reads, each along its index); where the second part starts is
 * known from the first read, or counted up to the offset only. */
static int sorted_ids(const bireg_ctx *ctx, const person_filter *f, const char *today, int64_t n,
		      int64_t offset, GArray *ids, GError **err)
{
	int64_t with_email = 0;

	if (!g_strcmp0(f->sort, "updated"))
		return select_ids(ctx, f, today, "", "p.updated_at DESC, p.id DESC", n, offset, ids,
				  err);
	if (g_strcmp0(f->sort, "email"))
		return select_ids(ctx, f, today, "", "p.sort_name, p.id", n, offset, ids, err);
	if (select_ids(ctx, f, today, " AND p.email <> ''", "p.email, p.id", n, offset, ids, err) <
	    0)
		return -1;
	if ((int64_t)ids->len >= n)
		return 0;
	if (ids->len > 0)
		with_email = offset + (int64_t)ids->len; /* they end on this page */
	else if (offset > 0 &&
		 count_people(ctx, f, today, " AND p.email <> ''", offset, &with_email, err) < 0)
		return -1;
	return select_ids(ctx, f, today, " AND p.email = ''", "p.sort_name, p.id",
			  n - (int64_t)ids->len, MAX(0, offset - with_email), ids, err);
}

/* Ids of one page without a search: the filters in SQL, sorted along an
 * index; the total counted up to PERSON_COUNT_MAX + 1. Beyond that, *more
 * is set and *total is what is known: the cap, or on a page after it the
 * end of that page when a row follows (then the exact total when the list
 * ends on the page, *more cleared). */
static int page_ids(const bireg_ctx *ctx, const person_filter *f, int64_t limit, GArray *ids,
		    int64_t *total, bool *more, GError **err)
{
	g_autofree char *today = register_today();
	int64_t offset = f->offset > 0 ? f->offset : 0;
	int64_t n = 0;

	if (count_people(ctx, f, today, "", PERSON_COUNT_MAX + 1, &n, err) < 0)
		return -1;
	*more = n > PERSON_COUNT_MAX;
	*total = MIN(n, PERSON_COUNT_MAX);
	if (!*more)
		return offset >= n ? 0 : sorted_ids(ctx, f, today, limit, offset, ids, err);
	/* one row more than the page: is there a next page? */
	if (sorted_ids(ctx, f, today, limit + 1, offset, ids, err) < 0)
		return -1;
	if ((int64_t)ids->len > limit) {
		g_array_set_size(ids, (guint)limit);
		*total = MAX(*total, offset + limit);
	} else if (ids->len > 0) {
		*total = offset + (int64_t)ids->len; /* the list ends on this page */
		*more = false;
	} else {
		/* a page after the end: how many there are, counted up to it */
		if (count_people(ctx, f, today, "", offset, &n, err) < 0)
			return -1;
		*total = n;
		*more = false;
	}
	return 0;
}

/* The hits of a search that pass the filters, in rank order. */
static int filter_hits(const bireg_ctx *ctx, const person_filter *f, const int64_t *hits,
		       size_t n, GArray *out, GError **err)
{
	g_autofree char *today = register_today();
	g_autoptr(GHashTable) pass = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	db_status r;

	for (size_t from = 0; from < n; from += ID_BLOCK) {
		g_autoptr(GString) sql = g_string_new("SELECT p.id");
		query bq = {.sql = sql};
		query *q = &bq;
		g_autoptr(db_stmt) st = NULL;

		q_from_where(q, ctx, f, today, BY_IDS);
		g_string_append(sql, " AND p.id");
		q_id_block(q, hits, n, from);
		st = db_prepare(ctx->db, sql->str, err);
		if (!st)
			return -1;
		q_bind(q, st);
		while ((r = db_step(st, err)) == DB_ROW) {
			gint64 id = db_col_int64(st, 0);
			g_hash_table_add(pass, g_memdup2(&id, sizeof id));
		}
		if (r < 0)
			return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (g_hash_table_contains(pass, &hits[i]))
			g_array_append_val(out, hits[i]);
	return 0;
}

json_t *person_store_list(const bireg_ctx *ctx, const person_filter *f, GError **err)
{
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	int64_t limit = clamp_limit(f->limit);
	int64_t offset = f->offset > 0 ? f->offset : 0;
	int64_t total = 0;
	bool capped = false, more = false;
	json_t *rows;

	if (ctx->region_id <= 0) {
		no_region(err);
		return NULL;
	}
	if (!empty(f->q)) {
		static const char *const kinds[] = {SEARCH_KIND_PERSON, NULL};
		search_hits hits = {0};
		bool filtered = has_filters(f);
		int rc;

		if (filtered)
			rc = search_query(ctx, f->q, kinds, PERSON_SEARCH_MAX, 0, &hits, err);
		else
			rc = search_query(ctx, f->q, kinds, (int)limit, (int)MIN(offset, G_MAXINT),
					  &hits, err);
		if (rc < 0)
			return NULL;
		g_autofree int64_t *hit_ids = g_new0(int64_t, hits.n + 1);
		for (size_t i = 0; i < hits.n; i++)
			hit_ids[i] = hits.hits[i].ref_id;
		if (!filtered) {
			total = hits.total;
			g_array_append_vals(ids, hit_ids, (guint)hits.n);
		} else {
			g_autoptr(GArray) pass = g_array_new(FALSE, FALSE, sizeof(int64_t));
			capped = hits.total > PERSON_SEARCH_MAX;
			if (filter_hits(ctx, f, hit_ids, hits.n, pass, err) < 0) {
				search_hits_clear(&hits);
				return NULL;
			}
			total = pass->len;
			for (int64_t i = offset; i < total && i < offset + limit; i++)
				g_array_append_val(ids, g_array_index(pass, int64_t, i));
		}
		search_hits_clear(&hits);
	} else if (page_ids(ctx, f, limit, ids, &total, &more, err) < 0) {
		return NULL;
	}
	rows = rows_by_ids(ctx, (const int64_t *)(void *)ids->data, ids->len, err);
	if (!rows)
		return NULL;
	return json_pack("{s:I,s:b,s:b,s:o}", "total", (json_int_t)total, "more", more, "capped",
			 capped, "rows", rows);
}

/* ---- export --------------------------------------------------------------- */

/* person id -> the names of the institutions of the person's current
 * affiliations, ", "-separated, for every person the filter selects: one
 * query (ordered as rows_by_ids orders a page's; an institution named once
 * even with two affiliations to it). */
static GHashTable *export_institutions(const bireg_ctx *ctx, const person_filter *f,
				       const char *today, GError **err)
{
	g_autoptr(GString) sql = g_string_new(
		"SELECT pa.person_id, i.id, i.name FROM person_affiliation pa "
		"JOIN institution i ON i.id = pa.institution_id WHERE pa.region_id = ");
	g_autoptr(GHashTable) out = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
							  (GDestroyNotify)g_free);
	g_autoptr(db_stmt) st = NULL;
	query q = {.sql = sql};
	int64_t last_pid = 0, last_iid = 0;
	GString *names = NULL;
	db_status r;

	q_int(&q, ctx->region_id);
	g_string_append(sql, " AND i.region_id = $1 AND (pa.start_day IS NULL OR pa.start_day <= ");
	q_text(&q, today);
	g_string_append(sql, ") AND (pa.end_day IS NULL OR pa.end_day >= $2) AND pa.person_id IN "
			     "(SELECT p.id");
	q_from_where(&q, ctx, f, today, BY_INDEX);
	g_string_append(sql, ") ORDER BY pa.person_id, i.sort_name, i.id");
	st = db_prepare(ctx->db, sql->str, err);
	if (!st)
		return NULL;
	q_bind(&q, st);
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t pid = db_col_int64(st, 0), iid = db_col_int64(st, 1);
		if (pid != last_pid) {
			if (names)
				g_hash_table_insert(out, g_memdup2(&last_pid, sizeof last_pid),
						    g_string_free(names, FALSE));
			names = g_string_new(NULL);
			last_pid = pid;
			last_iid = 0;
		} else if (iid == last_iid) {
			continue;
		}
		g_string_append_printf(names, "%s%s", names->len ? ", " : "",
				       register_nz(db_col_text(st, 2)));
		last_iid = iid;
	}
	if (names)
		g_hash_table_insert(out, g_memdup2(&last_pid, sizeof last_pid),
				    g_string_free(names, FALSE));
	if (r < 0)
		return NULL;
	return g_steal_pointer(&out);
}

/* The filtered people with extra conditions in order, one callback each.
 * Returns the rows passed or -1. */
static int64_t export_rows(const bireg_ctx *ctx, const person_filter *f, const char *today,
			   const char *extra, const char *order, GHashTable *institutions,
			   person_export_fn fn, void *user, GError **err)
{
	g_autoptr(GString) sql = g_string_new("SELECT " LIST_COLS);
	g_autoptr(db_stmt) st = NULL;
	query q = {.sql = sql};
	int64_t n = 0;
	db_status r;

	q_from_where(&q, ctx, f, today, BY_INDEX);
	g_string_append_printf(sql, "%s ORDER BY %s", extra, order);
	st = db_prepare(ctx->db, sql->str, err);
	if (!st)
		return -1;
	q_bind(&q, st);
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		const char *inst = g_hash_table_lookup(institutions, &id);
		person_export_row row = {
			.id = id,
			.title = register_nz(db_col_text(st, 1)),
			.first_name = register_nz(db_col_text(st, 2)),
			.last_name = register_nz(db_col_text(st, 3)),
			.function = register_nz(db_col_text(st, 4)),
			.email = register_nz(db_col_text(st, 5)),
			.phone = register_nz(db_col_text(st, 6)),
			.city = register_nz(db_col_text(st, 7)),
			.preferred_channel = register_nz(db_col_text(st, 8)),
			.updated_at = register_nz(db_col_text(st, 9)),
			.institutions = inst ? inst : "",
		};
		if (fn(&row, user, err) < 0)
			return -1;
		n++;
	}
	return r < 0 ? -1 : n;
}

int64_t person_store_export(const bireg_ctx *ctx, const person_filter *f, person_export_fn fn,
			    void *user, GError **err)
{
	g_autofree char *today = register_today();
	g_autoptr(GHashTable) institutions = NULL;
	int64_t a, b;

	if (ctx->region_id <= 0)
		return no_region(err);
	g_return_val_if_fail(empty(f->q), -1);
	institutions = export_institutions(ctx, f, today, err);
	if (!institutions)
		return -1;
	if (!g_strcmp0(f->sort, "updated"))
		return export_rows(ctx, f, today, "", "p.updated_at DESC, p.id DESC", institutions,
				   fn, user, err);
	if (g_strcmp0(f->sort, "email"))
		return export_rows(ctx, f, today, "", "p.sort_name, p.id", institutions, fn, user,
				   err);
	/* as sorted_ids pages them: by address, then those without by name */
	a = export_rows(ctx, f, today, " AND p.email <> ''", "p.email, p.id", institutions, fn,
			user, err);
	if (a < 0)
		return -1;
	b = export_rows(ctx, f, today, " AND p.email = ''", "p.sort_name, p.id", institutions, fn,
			user, err);
	return b < 0 ? -1 : a + b;
}

/* ---- consents ----------------------------------------------------------- */

bool person_consent_kind_valid(const char *kind)
{
	return kind && register_one_of(kind, person_consent_kinds);
}

int64_t person_consent_record(const bireg_ctx *ctx, int64_t person_id, const char *kind,
			      bool given, const char *day, const char *source, GError **err)
{
	g_autofree char *today = register_today();
	char now[21];
	int64_t id = -1;
	bool own;

	if (ctx->region_id <= 0)
		return no_region(err);
	if (!person_consent_kind_valid(kind))
		return register_invalid(err, "kind", N_("Please choose the kind of consent."));
	if (!day_valid(day))
		return register_invalid(err, "day", N_("Please enter the day, e.g. 26.11.2026."));
	if (strcmp(day, today) > 0)
		return register_invalid(err, "day", N_("The day cannot be in the future."));
	if (source && !g_utf8_validate(source, -1, NULL))
		return register_invalid(err, "source",
					N_("This entry contains characters that are not allowed."));
	if (too_long(source, 300))
		return register_invalid(err, "source", N_("This entry is too long."));
	util_now_iso(now);
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (need_person(ctx, person_id, err) == 0) {
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"INSERT INTO person_consent (region_id, person_id, kind, given, day, source, "
			"recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
			err);
		if (st) {
			db_bind_int64(st, 1, ctx->region_id);
			db_bind_int64(st, 2, person_id);
			db_bind_text(st, 3, kind);
			db_bind_int64(st, 4, given ? 1 : 0);
			db_bind_text(st, 5, day);
			db_bind_text(st, 6, register_nz(source));
			if (ctx->user_id > 0)
				db_bind_int64(st, 7, ctx->user_id);
			else
				db_bind_null(st, 7);
			db_bind_text(st, 8, now);
			if (query_int(st, &id, err) < 0)
				id = -1;
		}
	}
	if (id > 0 && changelog_track(ctx, "consent", id, "create", NULL, NULL, err) < 0)
		id = -1;
	return db_join_end(ctx->db, own, id > 0 ? 0 : -1, err) < 0 ? -1 : id;
}

int person_consent_current(const bireg_ctx *ctx, int64_t person_id, const char *kind,
			   GError **err)
{
	g_autoptr(db_stmt) st = NULL;
	db_status r;

	if (ctx->region_id <= 0)
		return no_region(err);
	st = db_prepare(ctx->db,
		"SELECT given FROM person_consent WHERE region_id = $1 AND person_id = $2 AND "
		"kind = $3 ORDER BY id DESC LIMIT 1", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, person_id);
	db_bind_text(st, 3, register_nz(kind));
	r = db_step(st, err);
	if (r < 0)
		return -1;
	return r == DB_ROW && db_col_int64(st, 0) != 0 ? 1 : 0;
}

/* ---- affiliations ------------------------------------------------------- */

int64_t affiliation_add(const bireg_ctx *ctx, int64_t person_id, int64_t institution_id,
			const char *function, const char *start_day, const char *end_day,
			GError **err)
{
	int64_t id = -1, found = 0;
	bool own;

	if (ctx->region_id <= 0)
		return no_region(err);
	if (empty(start_day))
		start_day = NULL;
	if (empty(end_day))
		end_day = NULL;
	if (institution_id <= 0)
		return register_invalid(err, "institution_id", N_("Please choose an institution."));
	if (function && !g_utf8_validate(function, -1, NULL))
		return register_invalid(err, "function",
					N_("This entry contains characters that are not allowed."));
	if (too_long(function, 200))
		return register_invalid(err, "function", N_("This entry is too long."));
	if (start_day && !day_valid(start_day))
		return register_invalid(err, "start_day", N_("Please enter the day, e.g. 26.11.2026."));
	if (end_day && !day_valid(end_day))
		return register_invalid(err, "end_day", N_("Please enter the day, e.g. 26.11.2026."));
	if (start_day && end_day && strcmp(end_day, start_day) < 0)
		return register_invalid(err, "end_day",
					N_("The end cannot be before the start. Please check both days."));
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (need_person(ctx, person_id, err) < 0)
		goto out;
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"SELECT id FROM institution WHERE region_id = $1 AND id = $2", err);
		if (!st)
			goto out;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, institution_id);
		if (query_int(st, &found, err) < 0)
			goto out;
		if (!found) {
			register_invalid(err, "institution_id", N_("Please choose an institution."));
			goto out;
		}
	}
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"INSERT INTO person_affiliation (region_id, person_id, institution_id, function, "
			"start_day, end_day) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id", err);
		int64_t got = 0;
		if (!st)
			goto out;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, person_id);
		db_bind_int64(st, 3, institution_id);
		db_bind_text(st, 4, register_nz(function));
		db_bind_text(st, 5, start_day);
		db_bind_text(st, 6, end_day);
		if (query_int(st, &got, err) < 0)
			goto out;
		if (person_store_index(ctx, person_id, err) < 0)
			goto out;
		if (changelog_track(ctx, "affiliation", got, "create", NULL, NULL, err) < 0)
			goto out;
		id = got;
	}
out:
	return db_join_end(ctx->db, own, id > 0 ? 0 : -1, err) < 0 ? -1 : id;
}

int affiliation_delete(const bireg_ctx *ctx, int64_t person_id, int64_t affiliation_id,
		       GError **err)
{
	int64_t owner = 0;
	int rc = -1;
	bool own;
	json_t *before = NULL; /* the change log's snapshot */

	if (ctx->region_id <= 0)
		return no_region(err);
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (changelog_snapshot(ctx, "affiliation", affiliation_id, &before, err) < 0)
		goto out;
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"DELETE FROM person_affiliation WHERE region_id = $1 AND id = $2 AND "
			"($3 = 0 OR person_id = $3) RETURNING person_id", err);
		if (!st)
			goto out;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, affiliation_id);
		db_bind_int64(st, 3, person_id);
		if (query_int(st, &owner, err) < 0)
			goto out;
	}
	if (!owner) {
		register_fail(err, REGISTER_ERROR_NOT_FOUND, N_("This affiliation does not exist."));
		goto out;
	}
	rc = person_store_index(ctx, owner, err);
	if (rc == 0 && changelog_track(ctx, "affiliation", affiliation_id, "delete", before, NULL,
				       err) < 0)
		rc = -1;
out:
	json_decref(before);
	return db_join_end(ctx->db, own, rc, err);
}

json_t *affiliation_list_for_institution(const bireg_ctx *ctx, int64_t institution_id,
					 GError **err)
{
	g_autofree char *today = register_today();
	g_autoptr(db_stmt) st = NULL;
	json_t *list;
	db_status r;

	if (ctx->region_id <= 0) {
		no_region(err);
		return NULL;
	}
	st = db_prepare(ctx->db,
		"SELECT a.id, a.person_id, p.title, p.first_name, p.last_name, a.function, "
		"a.start_day, a.end_day, CASE WHEN " AFF_CURRENT " THEN 1 ELSE 0 END AS cur "
		"FROM person_affiliation a JOIN person p ON p.id = a.person_id "
		"WHERE a.region_id = $1 AND p.region_id = $1 AND a.institution_id = $3 "
		"ORDER BY cur DESC, p.sort_name, p.id, a.id", err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, today);
	db_bind_int64(st, 3, institution_id);
	list = json_array();
	while ((r = db_step(st, err)) == DB_ROW) {
		g_autofree char *name = person_display_name(db_col_text(st, 2), db_col_text(st, 3),
							    db_col_text(st, 4));
		json_array_append_new(list, json_pack(
			"{s:I,s:I,s:s,s:s,s:o,s:o,s:b}", "id", (json_int_t)db_col_int64(st, 0),
			"person_id", (json_int_t)db_col_int64(st, 1), "display_name", name,
			"function", register_nz(db_col_text(st, 5)), "start_day",
			text_or_null(db_col_text(st, 6)), "end_day", text_or_null(db_col_text(st, 7)),
			"current", db_col_int64(st, 8) != 0));
	}
	if (r < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

/* ---- account link ------------------------------------------------------- */

int person_link_account(const bireg_ctx *ctx, int64_t person_id, int64_t account_id,
			GError **err)
{
	int64_t other = 0;
	int rc = -1;
	bool own;
	db_status r;
	json_t *before = NULL; /* the change log's snapshot */

	if (ctx->region_id <= 0)
		return no_region(err);
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (need_person(ctx, person_id, err) < 0)
		goto out;
	if (changelog_snapshot(ctx, "account", person_id, &before, err) < 0)
		goto out;
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"SELECT id, demo_region_id FROM account WHERE id = $1", err);
		if (!st)
			goto out;
		db_bind_int64(st, 1, account_id);
		r = db_step(st, err);
		if (r < 0)
			goto out;
		if (r != DB_ROW) {
			register_fail(err, REGISTER_ERROR_NOT_FOUND, N_("This account does not exist."));
			goto out;
		}
		if (!db_col_is_null(st, 1) && db_col_int64(st, 1) != ctx->region_id) {
			register_invalid(err, "account_email",
					 N_("This is a demo account of another education region; it cannot be linked here."));
			goto out;
		}
	}
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"SELECT person_id FROM account_person WHERE region_id = $1 AND account_id = $2",
			err);
		if (!st)
			goto out;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, account_id);
		if (query_int(st, &other, err) < 0)
			goto out;
		if (other && other != person_id) {
			register_invalid(err, "account_email",
					 N_("This account is already linked to another person of this education region."));
			goto out;
		}
	}
	{
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"DELETE FROM account_person WHERE region_id = $1 AND person_id = $2 AND "
			"account_id <> $3", err);
		if (!st)
			goto out;
		db_bind_int64(st, 1, ctx->region_id);
		db_bind_int64(st, 2, person_id);
		db_bind_int64(st, 3, account_id);
		if (db_run(st, err) < 0)
			goto out;
	}
	if (!other) {
		g_autoptr(db_stmt) st = db_prepare(ctx->db,
			"INSERT INTO account_person (account_id, region_id, person_id) "
			"VALUES ($1, $2, $3)", err);
		if (!st)
			goto out;
		db_bind_int64(st, 1, account_id);
		db_bind_int64(st, 2, ctx->region_id);
		db_bind_int64(st, 3, person_id);
		if (db_run(st, err) < 0)
			goto out;
	}
	if (changelog_track(ctx, "account", person_id, before ? "update" : "create", before, NULL,
			    err) < 0)
		goto out;
	rc = 0;
out:
	json_decref(before);
	return db_join_end(ctx->db, own, rc, err);
}

int person_unlink_account(const bireg_ctx *ctx, int64_t person_id, GError **err)
{
	g_autoptr(db_stmt) st = NULL;
	json_t *before = NULL; /* the change log's snapshot */
	int rc = -1;
	bool own;

	if (ctx->region_id <= 0)
		return no_region(err);
	if (db_join_begin(ctx->db, &own, err) < 0)
		return -1;
	if (changelog_snapshot(ctx, "account", person_id, &before, err) < 0)
		goto out;
	st = db_prepare(ctx->db, "DELETE FROM account_person WHERE region_id = $1 AND person_id = $2",
			err);
	if (!st)
		goto out;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, person_id);
	if (db_run(st, err) < 0)
		goto out;
	if (changelog_track(ctx, "account", person_id, "delete", before, NULL, err) < 0)
		goto out;
	rc = 0;
out:
	g_clear_pointer(&st, db_stmt_free);
	json_decref(before);
	return db_join_end(ctx->db, own, rc, err);
}

int64_t person_for_account(const bireg_ctx *ctx, int64_t account_id, GError **err)
{
	g_autoptr(db_stmt) st = NULL;
	int64_t id = 0;

	if (ctx->region_id <= 0)
		return no_region(err);
	st = db_prepare(ctx->db,
		"SELECT ap.person_id FROM account_person ap JOIN person p ON p.id = ap.person_id "
		"WHERE ap.region_id = $1 AND p.region_id = $1 AND ap.account_id = $2", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_int64(st, 2, account_id);
	return query_int(st, &id, err) < 0 ? -1 : id;
}

/* ---- choices for forms -------------------------------------------------- */

/* [{id, name}] of a region table with name and sort_name, in list order. */
static json_t *choices(const bireg_ctx *ctx, const char *sql, GError **err)
{
	g_autoptr(db_stmt) st = NULL;
	json_t *list;
	db_status r;

	if (ctx->region_id <= 0) {
		no_region(err);
		return NULL;
	}
	st = db_prepare(ctx->db, sql, err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	list = json_array();
	while ((r = db_step(st, err)) == DB_ROW)
		json_array_append_new(list, json_pack("{s:I,s:s}", "id",
						      (json_int_t)db_col_int64(st, 0), "name",
						      register_nz(db_col_text(st, 1))));
	if (r < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

json_t *person_institution_choices(const bireg_ctx *ctx, GError **err)
{
	return choices(ctx,
		       "SELECT id, name FROM institution WHERE region_id = $1 ORDER BY sort_name, id",
		       err);
}

json_t *person_body_choices(const bireg_ctx *ctx, GError **err)
{
	return choices(ctx, "SELECT id, name FROM body WHERE region_id = $1 ORDER BY sort_name, id",
		       err);
}
