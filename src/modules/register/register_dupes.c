/*
 * register_dupes.c — likely duplicates of people and institutions
 * (register_dupes.h).
 *
 * One query reads the region's rows; every key is computed once. Pairs are
 * collected as (row, row, reason) candidates in an array, sorted and merged
 * at the end, so a pair found for several reasons is listed once with all
 * of them. Groups of equal keys come from sorting row indexes by the key;
 * near names of people come from a deletion neighbourhood: every name of
 * six or more characters is hashed whole and with each one character left
 * out, and two names one edit apart always share one of these hashes (the
 * candidates are checked with the real distance). So nothing compares every
 * name with every other: 100,000 people take 0.7 s on a small two-core
 * machine (1.5 s while it is busy), a good part of it reading the rows.
 */
#include "modules/register/register_dupes.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/util.h"
#include "db/db.h"
#include "modules/register/person_store.h"
#include "modules/register/register.h"
#include "view/i18n.h"

/* A key shared by more records than this says little about any two of
 * them (a shared mailbox, a very common name): it pairs nobody. */
#define GROUP_MAX_EMAIL 10
#define GROUP_MAX_NAME 25
#define GROUP_MAX_NEAR 50
/* An institution's post code with more rows is compared only in part. */
#define POSTCODE_BLOCK_MAX 400
/* Candidates kept at most before merging (bounds memory on odd data). */
#define CANDIDATES_MAX 400000
/* People's names shorter than this are not compared by edit distance. */
#define NEAR_MIN_CHARS 6

/* ---- reasons ------------------------------------------------------------------- */

static const struct {
	unsigned bit;
	const char *code, *msgid;
	int weight; /* for the order of the list */
} reasons[] = {
	{REGISTER_DUPE_EMAIL, "email", N_("same e-mail address"), 4},
	{REGISTER_DUPE_NAME, "name", N_("same name"), 4},
	{REGISTER_DUPE_WEBSITE, "website", N_("same website"), 3},
	{REGISTER_DUPE_SIMILAR, "similar_name", N_("similar name"), 2},
	{REGISTER_DUPE_NEAR_POSTCODE, "postcode_name", N_("similar name at the same postcode"), 2},
};

const char *register_dupe_reason_code(unsigned reason)
{
	for (size_t i = 0; i < G_N_ELEMENTS(reasons); i++)
		if (reasons[i].bit == reason)
			return reasons[i].code;
	return NULL;
}

const char *register_dupe_reason_msgid(unsigned reason)
{
	for (size_t i = 0; i < G_N_ELEMENTS(reasons); i++)
		if (reasons[i].bit == reason)
			return reasons[i].msgid;
	return NULL;
}

static int score_of(unsigned bits)
{
	int s = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(reasons); i++)
		if (bits & reasons[i].bit)
			s += reasons[i].weight;
	return s;
}

/* ---- keys ---------------------------------------------------------------------- */

/* text_search_fold of pure ASCII, which is all most names are, without the
 * Unicode normalisation (a third of the time of a large list went there):
 * lower case, white space collapsed, and the fold's rule that an e right
 * after a, o or u is dropped. test_register_merge checks it against
 * text_search_fold. NULL when s is not ASCII. */
static char *fold_ascii(const char *s)
{
	const char *p = s;
	GString *out;
	char last = 0;
	bool space = false;

	for (; *p; p++)
		if ((unsigned char)*p >= 0x80)
			return NULL;
	out = g_string_sized_new(p - s);
	for (p = s; *p; p++) {
		char c = g_ascii_tolower(*p);
		if (g_ascii_isspace(c)) {
			space = out->len > 0;
			continue;
		}
		if (space) {
			g_string_append_c(out, ' ');
			last = ' ';
			space = false;
		}
		if (c == 'e' && (last == 'a' || last == 'o' || last == 'u'))
			continue;
		g_string_append_c(out, c);
		last = c;
	}
	return g_string_free(out, FALSE);
}

/* text_search_fold with white space collapsed; "" for NULL or invalid. */
static char *fold(const char *s)
{
	char *f = fold_ascii(s ? s : "");

	if (f)
		return f;
	g_autofree char *c = text_collapse_ws(s);
	f = c ? text_search_fold(c) : NULL;
	return f ? f : g_strdup("");
}

/* "first last" of two folded names, or the one that is not empty. */
static char *join_names(const char *f, const char *l)
{
	if (!*f)
		return g_strdup(l);
	if (!*l)
		return g_strdup(f);
	return g_strconcat(f, " ", l, NULL);
}

char *register_dupes_person_key(const char *first_name, const char *last_name)
{
	g_autofree char *f = fold(first_name);
	g_autofree char *l = fold(last_name);
	return join_names(f, l);
}

/* The folded first name (f) with only its letters and digits: "j." → "j",
 * "hans-peter" → "hanspeter". */
static char *first_key_of_folded(const char *f)
{
	GString *k = g_string_sized_new(strlen(f));

	for (const char *p = f; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (g_unichar_isalnum(c))
			g_string_append_unichar(k, c);
	}
	return g_string_free(k, FALSE);
}

static bool has_prefix_alike(const char *a, const char *b)
{
	if (!*a || !*b)
		return false;
	return g_str_has_prefix(a, b) || g_str_has_prefix(b, a);
}

bool register_dupes_first_names_alike(const char *a, const char *b)
{
	g_autofree char *fa = fold(a);
	g_autofree char *fb = fold(b);
	g_autofree char *ka = first_key_of_folded(fa);
	g_autofree char *kb = first_key_of_folded(fb);
	return has_prefix_alike(ka, kb);
}

/* Legal forms left out of an institution's name (after dots are removed
 * and the rest of the punctuation became spaces). "e. V." comes as the two
 * words "e" "v". */
static const char *const legal_forms[] = {"ev", "ggmbh", "gmbh", "gug", "ug", "mbh", NULL};

char *register_dupes_institution_key(const char *name)
{
	g_autofree char *f = fold(name);
	GString *s = g_string_sized_new(strlen(f));
	GString *out = g_string_sized_new(strlen(f));
	g_auto(GStrv) words = NULL;

	for (const char *p = f; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (c == '.')
			continue; /* "e.V." → "ev", "e. V." → "e v" */
		if (g_unichar_isalnum(c))
			g_string_append_unichar(s, c);
		else
			g_string_append_c(s, ' ');
	}
	words = g_strsplit(s->str, " ", -1);
	g_string_free(s, TRUE);
	for (size_t i = 0; words[i]; i++) {
		const char *w = words[i];
		if (!*w || register_one_of(w, legal_forms))
			continue;
		if (!strcmp(w, "e") && words[i + 1] && !strcmp(words[i + 1], "v")) {
			i++;
			continue;
		}
		if (out->len)
			g_string_append_c(out, ' ');
		g_string_append(out, w);
	}
	return g_string_free(out, FALSE);
}

/* Lower case, trimmed; "" for none. */
static char *email_key(const char *email)
{
	if (!email)
		return g_strdup("");
	if (g_str_is_ascii(email))
		return g_strstrip(g_ascii_strdown(email, -1));
	g_autofree char *t = text_trim_dup(email);
	return t ? g_utf8_strdown(t, -1) : g_strdup("");
}

/* The website without scheme, "www." and trailing slashes, lower case. */
static char *website_key(const char *url)
{
	g_autofree char *k = email_key(url);
	char *p = k;

	if (g_str_has_prefix(p, "https://"))
		p += 8;
	else if (g_str_has_prefix(p, "http://"))
		p += 7;
	if (g_str_has_prefix(p, "www."))
		p += 4;
	size_t n = strlen(p);
	while (n && p[n - 1] == '/')
		p[--n] = '\0';
	return g_strdup(p);
}

/* The digits of s in order ("1. Gesamtschule 2" → "12"). */
static char *digits_of(const char *s)
{
	GString *d = g_string_new(NULL);
	for (; *s; s++)
		if (g_ascii_isdigit(*s))
			g_string_append_c(d, *s);
	return g_string_free(d, FALSE);
}

/* ---- edit distance ------------------------------------------------------------- */

/* Levenshtein distance of a and b, computed only within the band |i-j| <=
 * max; max + 1 when it is larger. */
static int distance_ucs4(const gunichar *a, long n, const gunichar *b, long m, int max)
{
	int big = max + 1;
	int stack[2][128];
	g_autofree int *heap = NULL;
	int *prev, *cur;

	if (labs(n - m) > max)
		return big;
	if (m + 1 <= 128) {
		prev = stack[0];
		cur = stack[1];
	} else {
		heap = g_new(int, 2 * (m + 1));
		prev = heap;
		cur = heap + m + 1;
	}
	for (long j = 0; j <= m; j++)
		prev[j] = j <= max ? (int)j : big;
	for (long i = 1; i <= n; i++) {
		long lo = MAX(1, i - max), hi = MIN(m, i + max);
		int rowmin = big;
		cur[0] = i <= max ? (int)i : big;
		if (lo == 1)
			rowmin = cur[0];
		else
			cur[lo - 1] = big;
		for (long j = lo; j <= hi; j++) {
			int v = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			cur[j] = MIN(v, big);
			rowmin = MIN(rowmin, cur[j]);
		}
		if (hi < m)
			cur[hi + 1] = big;
		if (rowmin > max)
			return big;
		int *t = prev;
		prev = cur;
		cur = t;
	}
	return MIN(prev[m], big);
}

int register_dupes_distance(const char *a, const char *b, int max)
{
	glong n = 0, m = 0;
	g_autofree gunichar *ua = g_utf8_to_ucs4_fast(a ? a : "", -1, &n);
	g_autofree gunichar *ub = g_utf8_to_ucs4_fast(b ? b : "", -1, &m);
	return distance_ucs4(ua, n, ub, m, max);
}

/* ---- candidates ------------------------------------------------------------------ */

typedef struct cand {
	guint32 a, b; /* row indexes, a < b */
	guint32 bits;
} cand;

typedef struct finder {
	GArray *cands;
	bool capped;
} finder;

static void add_pair(finder *f, guint32 a, guint32 b, unsigned bit)
{
	if (a == b)
		return;
	if (f->cands->len >= CANDIDATES_MAX) {
		f->capped = true;
		return;
	}
	cand c = {MIN(a, b), MAX(a, b), bit};
	g_array_append_val(f->cands, c);
}

static int cand_cmp(const void *x, const void *y)
{
	const cand *a = x, *b = y;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return 0;
}

/* Sorting row indexes by a string key of the rows. */
typedef struct keyed {
	const char *key;
	guint32 row;
} keyed;

static int keyed_cmp(const void *x, const void *y)
{
	const keyed *a = x, *b = y;
	int c = strcmp(a->key, b->key);
	return c ? c : (a->row < b->row ? -1 : a->row > b->row);
}

/* Pairs every two rows with the same non-empty key, in groups of at most
 * max rows (larger groups pair nobody). keys[i] is row i's key. */
static void pair_equal(finder *f, char **keys, guint32 n, unsigned bit, guint32 max)
{
	g_autofree keyed *k = g_new(keyed, n ? n : 1);
	guint32 m = 0;

	for (guint32 i = 0; i < n; i++)
		if (keys[i] && *keys[i])
			k[m++] = (keyed){keys[i], i};
	qsort(k, m, sizeof *k, keyed_cmp);
	for (guint32 s = 0; s < m;) {
		guint32 e = s + 1;
		while (e < m && !strcmp(k[e].key, k[s].key))
			e++;
		if (e - s <= max)
			for (guint32 i = s; i < e; i++)
				for (guint32 j = i + 1; j < e; j++)
					add_pair(f, k[i].row, k[j].row, bit);
		s = e;
	}
}

/* ---- the dismissed pairs ------------------------------------------------------------ */

static GHashTable *dismissed_pairs(const bireg_ctx *ctx, const char *entity, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT low_id, high_id FROM duplicate_dismissed WHERE region_id = $1 AND entity = $2",
		err);
	GHashTable *set;
	db_status r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, entity);
	set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	while ((r = db_step(st, err)) == DB_ROW)
		g_hash_table_add(set, g_strdup_printf("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
						      db_col_int64(st, 0), db_col_int64(st, 1)));
	if (r < 0) {
		g_hash_table_destroy(set);
		return NULL;
	}
	return set;
}

static bool is_dismissed(GHashTable *set, int64_t a, int64_t b)
{
	char key[48];
	g_snprintf(key, sizeof key, "%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, MIN(a, b), MAX(a, b));
	return g_hash_table_contains(set, key);
}

/* ---- the list ------------------------------------------------------------------------ */

typedef struct merged {
	guint32 a, b, bits;
	int score;
} merged;

typedef struct rowset {
	guint32 n;
	const int64_t *ids;
	char **sort; /* sort key per row */
} rowset;

static int merged_cmp_with(const merged *x, const merged *y, const rowset *rs)
{
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	int c = strcmp(rs->sort[x->a], rs->sort[y->a]);
	if (c)
		return c;
	if (rs->ids[x->a] != rs->ids[y->a])
		return rs->ids[x->a] < rs->ids[y->a] ? -1 : 1;
	return rs->ids[x->b] < rs->ids[y->b] ? -1 : rs->ids[x->b] > rs->ids[y->b];
}

static int merged_cmp(const void *x, const void *y, gpointer data)
{
	return merged_cmp_with(x, y, data);
}

/* The candidates merged per pair, without the dismissed ones, ordered,
 * as {total, capped, pairs} with row(i) making each side. */
static json_t *build_list(finder *f, const rowset *rs, GHashTable *dismissed,
			  json_t *(*row)(void *data, guint32 i), void *data)
{
	g_autoptr(GArray) out = g_array_new(FALSE, FALSE, sizeof(merged));
	json_t *pairs = json_array();
	bool capped = f->capped;

	if (f->cands->len) /* an empty GArray's data is NULL */
		qsort(f->cands->data, f->cands->len, sizeof(cand), cand_cmp);
	for (guint s = 0; s < f->cands->len;) {
		cand *c = &g_array_index(f->cands, cand, s);
		merged m = {c->a, c->b, 0, 0};
		guint e = s;
		while (e < f->cands->len && !cand_cmp(&g_array_index(f->cands, cand, e), c))
			m.bits |= g_array_index(f->cands, cand, e++).bits;
		s = e;
		int64_t ia = rs->ids[m.a], ib = rs->ids[m.b];
		if (is_dismissed(dismissed, ia, ib))
			continue;
		/* a is the lower id: the older record, kept by default */
		if (ia > ib) {
			guint32 t = m.a;
			m.a = m.b;
			m.b = t;
		}
		m.score = score_of(m.bits);
		g_array_append_val(out, m);
	}
	g_array_sort_with_data(out, merged_cmp, (gpointer)rs);
	if (out->len > REGISTER_DUPES_MAX_PAIRS) {
		capped = true;
		g_array_set_size(out, REGISTER_DUPES_MAX_PAIRS);
	}
	for (guint i = 0; i < out->len; i++) {
		merged *m = &g_array_index(out, merged, i);
		json_t *why = json_array();
		for (size_t r = 0; r < G_N_ELEMENTS(reasons); r++)
			if (m->bits & reasons[r].bit)
				json_array_append_new(why, json_string(reasons[r].code));
		json_array_append_new(pairs, json_pack("{s:o,s:o,s:o}", "a", row(data, m->a), "b",
						       row(data, m->b), "reasons", why));
	}
	return json_pack("{s:I,s:b,s:o}", "total", (json_int_t)out->len, "capped", capped, "pairs",
			 pairs);
}

/* ---- people ------------------------------------------------------------------------------ */

enum { P_TITLE, P_FIRST, P_LAST, P_EMAIL, P_CITY, P_N };

typedef struct people {
	guint32 n;
	GArray *ids;         /* int64_t */
	GPtrArray *cols[P_N]; /* owned strings */
	GPtrArray *sort;
} people;

static void people_clear(people *p)
{
	g_clear_pointer(&p->ids, g_array_unref);
	for (int c = 0; c < P_N; c++)
		g_clear_pointer(&p->cols[c], g_ptr_array_unref);
	g_clear_pointer(&p->sort, g_ptr_array_unref);
}

static int people_load(const bireg_ctx *ctx, people *p, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT id, title, first_name, last_name, email, city, sort_name FROM person "
		"WHERE region_id = $1 AND erased_at IS NULL", err);
	db_status r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	p->ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	for (int c = 0; c < P_N; c++)
		p->cols[c] = g_ptr_array_new_with_free_func(g_free);
	p->sort = g_ptr_array_new_with_free_func(g_free);
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		g_array_append_val(p->ids, id);
		for (int c = 0; c < P_N; c++)
			g_ptr_array_add(p->cols[c], g_strdup(register_nz(db_col_text(st, c + 1))));
		g_ptr_array_add(p->sort, g_strdup(register_nz(db_col_text(st, 6))));
	}
	p->n = p->ids->len;
	return r < 0 ? -1 : 0;
}

static json_t *person_row(void *data, guint32 i)
{
	people *p = data;
#define COL(c) ((const char *)g_ptr_array_index(p->cols[c], i))
	g_autofree char *display = person_display_name(COL(P_TITLE), COL(P_FIRST), COL(P_LAST));
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "id",
			      (json_int_t)g_array_index(p->ids, int64_t, i), "title", COL(P_TITLE),
			      "first_name", COL(P_FIRST), "last_name", COL(P_LAST), "display_name",
			      display, "email", COL(P_EMAIL), "city", COL(P_CITY));
#undef COL
	return o;
}

/* First names alike under the same last name: rows sorted by (last key,
 * first key); a first key's prefixes sort right before it, so each row
 * looks only at the following rows that start with its key. */
typedef struct named {
	const char *last, *first, *full;
	guint32 row;
} named;

static int named_cmp(const void *x, const void *y)
{
	const named *a = x, *b = y;
	int c = strcmp(a->last, b->last);
	if (!c)
		c = strcmp(a->first, b->first);
	return c ? c : (a->row < b->row ? -1 : a->row > b->row);
}

static void pair_first_names(finder *f, char **last, char **first, char **full, guint32 n)
{
	g_autofree named *k = g_new(named, n ? n : 1);
	guint32 m = 0;

	for (guint32 i = 0; i < n; i++)
		if (*last[i] && *first[i])
			k[m++] = (named){last[i], first[i], full[i], i};
	qsort(k, m, sizeof *k, named_cmp);
	for (guint32 i = 0; i < m; i++) {
		guint32 seen = 0;
		for (guint32 j = i + 1; j < m && !strcmp(k[j].last, k[i].last) &&
					g_str_has_prefix(k[j].first, k[i].first);
		     j++) {
			/* equal names are the "same name" reason's; a very
			 * common short prefix ("a") pairs only so many */
			if (strcmp(k[j].full, k[i].full) && ++seen <= GROUP_MAX_NEAR)
				add_pair(f, k[i].row, k[j].row, REGISTER_DUPE_SIMILAR);
		}
	}
}

/* FNV-1a over the characters of s without the one at skip (-1: none). */
static guint64 hash_without(const gunichar *s, glong n, glong skip)
{
	guint64 h = 1469598103934665603ULL;
	for (glong i = 0; i < n; i++) {
		if (i == skip)
			continue;
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	/* the length, so that "ab" without nothing and "abc" without c
	 * meet only when they should (both "ab") */
	h ^= (guint64)(n - (skip >= 0));
	h *= 1099511628211ULL;
	return h;
}

typedef struct hashed {
	guint64 h;
	guint32 row;
} hashed;

/* Sorts by h: a radix sort, 16 bits a pass (the array has a dozen entries
 * per person, and qsort's comparisons were the bulk of the time). */
static void sort_hashed(GArray *arr)
{
	size_t n = arr->len;
	hashed *a = (hashed *)arr->data;
	g_autofree hashed *tmp = g_new(hashed, n ? n : 1);
	g_autofree size_t *pos = g_new(size_t, 65536);
	hashed *from = a, *to = tmp;

	for (int shift = 0; shift < 64; shift += 16) {
		size_t sum = 0;
		memset(pos, 0, 65536 * sizeof *pos);
		for (size_t i = 0; i < n; i++)
			pos[(from[i].h >> shift) & 0xffff]++;
		for (size_t b = 0; b < 65536; b++) {
			size_t c = pos[b];
			pos[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			to[pos[(from[i].h >> shift) & 0xffff]++] = from[i];
		hashed *t = from;
		from = to;
		to = t;
	}
	/* four passes: the sorted entries are back in a */
	g_assert(from == a);
}

/* Full names one edit apart (NEAR_MIN_CHARS or more characters). */
static void pair_near_names(finder *f, char **full, guint32 n)
{
	g_autofree gunichar **u = g_new0(gunichar *, n ? n : 1);
	g_autofree glong *len = g_new0(glong, n ? n : 1);
	g_autoptr(GArray) hs = g_array_new(FALSE, FALSE, sizeof(hashed));

	for (guint32 i = 0; i < n; i++) {
		if ((glong)g_utf8_strlen(full[i], -1) < NEAR_MIN_CHARS)
			continue;
		u[i] = g_utf8_to_ucs4_fast(full[i], -1, &len[i]);
		for (glong skip = -1; skip < len[i]; skip++) {
			/* leaving out either of two equal neighbours gives the
			 * same string: hash it once */
			if (skip > 0 && u[i][skip] == u[i][skip - 1])
				continue;
			hashed h = {hash_without(u[i], len[i], skip), i};
			g_array_append_val(hs, h);
		}
	}
	sort_hashed(hs);
	for (guint s = 0; s < hs->len;) {
		guint e = s + 1;
		while (e < hs->len && g_array_index(hs, hashed, e).h == g_array_index(hs, hashed, s).h)
			e++;
		if (e - s <= GROUP_MAX_NEAR)
			for (guint i = s; i < e; i++)
				for (guint j = i + 1; j < e; j++) {
					guint32 a = g_array_index(hs, hashed, i).row;
					guint32 b = g_array_index(hs, hashed, j).row;
					if (a != b && distance_ucs4(u[a], len[a], u[b], len[b], 1) == 1)
						add_pair(f, a, b, REGISTER_DUPE_SIMILAR);
				}
		s = e;
	}
	for (guint32 i = 0; i < n; i++)
		g_free(u[i]);
}

json_t *register_dupes_people(const bireg_ctx *ctx, GError **err)
{
	people p = {0};
	finder f = {g_array_new(FALSE, FALSE, sizeof(cand)), false};
	g_autoptr(GHashTable) dismissed = NULL;
	json_t *res = NULL;
	char **email = NULL, **full = NULL, **last = NULL, **first = NULL;

	if (people_load(ctx, &p, err) < 0)
		goto out;
	dismissed = dismissed_pairs(ctx, "person", err);
	if (!dismissed)
		goto out;
	email = g_new0(char *, p.n + 1);
	full = g_new0(char *, p.n + 1);
	last = g_new0(char *, p.n + 1);
	first = g_new0(char *, p.n + 1);
	for (guint32 i = 0; i < p.n; i++) {
		const char *fn = g_ptr_array_index(p.cols[P_FIRST], i);
		const char *ln = g_ptr_array_index(p.cols[P_LAST], i);
		g_autofree char *ff = fold(fn);
		email[i] = email_key(g_ptr_array_index(p.cols[P_EMAIL], i));
		last[i] = fold(ln);
		full[i] = join_names(ff, last[i]);
		first[i] = first_key_of_folded(ff);
	}
	pair_equal(&f, email, p.n, REGISTER_DUPE_EMAIL, GROUP_MAX_EMAIL);
	pair_equal(&f, full, p.n, REGISTER_DUPE_NAME, GROUP_MAX_NAME);
	pair_first_names(&f, last, first, full, p.n);
	pair_near_names(&f, full, p.n);
	{
		rowset rs = {p.n, (const int64_t *)p.ids->data, (char **)p.sort->pdata};
		res = build_list(&f, &rs, dismissed, person_row, &p);
	}
out:
	g_strfreev(email);
	g_strfreev(full);
	g_strfreev(last);
	g_strfreev(first);
	g_array_unref(f.cands);
	people_clear(&p);
	return res;
}

/* ---- institutions ------------------------------------------------------------------------ */

enum { I_NAME, I_EXTRA, I_POSTCODE, I_CITY, I_EMAIL, I_WEBSITE, I_SCHOOL, I_TYPE, I_N };

typedef struct insts {
	guint32 n;
	GArray *ids;
	GPtrArray *cols[I_N];
	GPtrArray *sort;
} insts;

static void insts_clear(insts *p)
{
	g_clear_pointer(&p->ids, g_array_unref);
	for (int c = 0; c < I_N; c++)
		g_clear_pointer(&p->cols[c], g_ptr_array_unref);
	g_clear_pointer(&p->sort, g_ptr_array_unref);
}

static int insts_load(const bireg_ctx *ctx, insts *p, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT i.id, i.name, i.name_extra, i.postcode, i.city, i.email, i.website, "
		"i.school_number, t.name, i.sort_name FROM institution i "
		"JOIN institution_type t ON t.id = i.type_id WHERE i.region_id = $1", err);
	db_status r;

	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	p->ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	for (int c = 0; c < I_N; c++)
		p->cols[c] = g_ptr_array_new_with_free_func(g_free);
	p->sort = g_ptr_array_new_with_free_func(g_free);
	while ((r = db_step(st, err)) == DB_ROW) {
		int64_t id = db_col_int64(st, 0);
		g_array_append_val(p->ids, id);
		for (int c = 0; c < I_N; c++)
			g_ptr_array_add(p->cols[c], g_strdup(register_nz(db_col_text(st, c + 1))));
		g_ptr_array_add(p->sort, g_strdup(register_nz(db_col_text(st, 9))));
	}
	p->n = p->ids->len;
	return r < 0 ? -1 : 0;
}

static json_t *inst_row(void *data, guint32 i)
{
	insts *p = data;
#define COL(c) ((const char *)g_ptr_array_index(p->cols[c], i))
	json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "id",
			      (json_int_t)g_array_index(p->ids, int64_t, i), "name", COL(I_NAME),
			      "name_extra", COL(I_EXTRA), "postcode", COL(I_POSTCODE), "city",
			      COL(I_CITY), "email", COL(I_EMAIL), "website", COL(I_WEBSITE),
			      "school_number", COL(I_SCHOOL), "type_name", COL(I_TYPE));
#undef COL
	return o;
}

/* Names at most two edits apart under the same post code, with the same
 * numbers in them ("1. Gesamtschule" and "2. Gesamtschule" are two). */
static void pair_postcode_names(finder *f, char **postcode, char **key, guint32 n)
{
	g_autofree keyed *k = g_new(keyed, n ? n : 1);
	guint32 m = 0;

	for (guint32 i = 0; i < n; i++)
		if (*postcode[i] && g_utf8_strlen(key[i], -1) >= NEAR_MIN_CHARS)
			k[m++] = (keyed){postcode[i], i};
	qsort(k, m, sizeof *k, keyed_cmp);
	for (guint32 s = 0; s < m;) {
		guint32 e = s + 1;
		while (e < m && !strcmp(k[e].key, k[s].key))
			e++;
		guint32 end = MIN(e, s + POSTCODE_BLOCK_MAX);
		for (guint32 i = s; i < end; i++) {
			g_autofree char *di = digits_of(key[k[i].row]);
			for (guint32 j = i + 1; j < end; j++) {
				const char *a = key[k[i].row], *b = key[k[j].row];
				if (!strcmp(a, b))
					continue;
				g_autofree char *dj = digits_of(b);
				if (strcmp(di, dj))
					continue;
				if (register_dupes_distance(a, b, 2) <= 2)
					add_pair(f, k[i].row, k[j].row, REGISTER_DUPE_NEAR_POSTCODE);
			}
		}
		s = e;
	}
}

json_t *register_dupes_institutions(const bireg_ctx *ctx, GError **err)
{
	insts p = {0};
	finder f = {g_array_new(FALSE, FALSE, sizeof(cand)), false};
	g_autoptr(GHashTable) dismissed = NULL;
	json_t *res = NULL;
	char **key = NULL, **email = NULL, **web = NULL;

	if (insts_load(ctx, &p, err) < 0)
		goto out;
	dismissed = dismissed_pairs(ctx, "institution", err);
	if (!dismissed)
		goto out;
	key = g_new0(char *, p.n + 1);
	email = g_new0(char *, p.n + 1);
	web = g_new0(char *, p.n + 1);
	for (guint32 i = 0; i < p.n; i++) {
		key[i] = register_dupes_institution_key(g_ptr_array_index(p.cols[I_NAME], i));
		email[i] = email_key(g_ptr_array_index(p.cols[I_EMAIL], i));
		web[i] = website_key(g_ptr_array_index(p.cols[I_WEBSITE], i));
	}
	pair_equal(&f, key, p.n, REGISTER_DUPE_NAME, GROUP_MAX_NAME);
	pair_equal(&f, email, p.n, REGISTER_DUPE_EMAIL, GROUP_MAX_EMAIL);
	pair_equal(&f, web, p.n, REGISTER_DUPE_WEBSITE, GROUP_MAX_EMAIL);
	pair_postcode_names(&f, (char **)p.cols[I_POSTCODE]->pdata, key, p.n);
	{
		rowset rs = {p.n, (const int64_t *)p.ids->data, (char **)p.sort->pdata};
		res = build_list(&f, &rs, dismissed, inst_row, &p);
	}
out:
	g_strfreev(key);
	g_strfreev(email);
	g_strfreev(web);
	g_array_unref(f.cands);
	insts_clear(&p);
	return res;
}

/* ---- dismissing ---------------------------------------------------------------------------- */

int register_dupes_dismiss(const bireg_ctx *ctx, const char *entity, int64_t a, int64_t b,
			   GError **err)
{
	bool person = !g_strcmp0(entity, "person");
	const char *sql = person ? "SELECT 1 FROM person WHERE region_id = $1 AND id = $2"
				 : "SELECT 1 FROM institution WHERE region_id = $1 AND id = $2";
	const char *msgid = person ? N_("This person does not exist.")
				   : N_("This institution does not exist.");
	char now[21];

	if (!person && g_strcmp0(entity, "institution"))
		return register_fail(err, REGISTER_ERROR_NOT_FOUND, msgid);
	if (a == b)
		return register_invalid(err, "b", N_("A record cannot be merged with itself: choose two different records."));
	if (register_require(ctx, sql, a, msgid, err) < 0 ||
	    register_require(ctx, sql, b, msgid, err) < 0)
		return -1;
	util_now_iso(now);
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"INSERT INTO duplicate_dismissed (region_id, entity, low_id, high_id, dismissed_by, "
		"dismissed_at) VALUES ($1, $2, $3, $4, $5, $6) "
		"ON CONFLICT (region_id, entity, low_id, high_id) DO NOTHING", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, entity);
	db_bind_int64(st, 3, MIN(a, b));
	db_bind_int64(st, 4, MAX(a, b));
	if (ctx->user_id > 0)
		db_bind_int64(st, 5, ctx->user_id);
	else
		db_bind_null(st, 5);
	db_bind_text(st, 6, now);
	return db_run(st, err) < 0 ? -1 : 0;
}
