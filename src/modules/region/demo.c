/*
 * demo.c — building the demo region (see demo.h).
 *
 * The structure (name, network, cooperation contract, the three levels and
 * their roles) comes from the compiled public facts in
 * bildungsregion_duisburg_struktur.json; every address, phone number and
 * mailbox is made up and marked as such, so nobody mistakes the demo for the
 * real office.
 */
#include "modules/region/demo.h"

#include <gio/gio.h>
#include <jansson.h>

#include "core/roles.h"
#include "db/db.h"
#include "files/file_store.h"
#include "modules/account/account_store.h"
#include "modules/account/password.h"
#include "modules/region/region_store.h"
#include "modules/register/institution_store.h"
#include "modules/register/register_demo.h"

#define STRUCTURE_FILE "bildungsregion_duisburg_struktur.json"

static const char *str(json_t *o, const char *key, const char *def)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : def;
}

/* The i-th contract partner's name. */
static const char *partner(json_t *partners, size_t i, const char *def)
{
	const char *s = json_string_value(json_array_get(partners, i));
	return s ? s : def;
}

/* "2008-06" -> "Juni 2008" */
static char *month_year(const char *ym)
{
	static const char *const months[] = {"Januar", "Februar", "März", "April", "Mai", "Juni",
					     "Juli", "August", "September", "Oktober", "November",
					     "Dezember"};
	int y = 0, m = 0;
	if (sscanf(ym, "%d-%d", &y, &m) != 2 || m < 1 || m > 12)
		return g_strdup(ym);
	return g_strdup_printf("%s %d", months[m - 1], y);
}

static char *describe(json_t *root)
{
	json_t *contract = json_object_get(root, "kooperationsvertrag");
	json_t *partners = json_object_get(contract, "partner");
	json_t *forums = json_object_get(root, "handlungsforen");
	g_autofree char *since = month_year(str(contract, "datum", ""));
	GString *d = g_string_new(NULL);
	size_t i;
	json_t *f;

	g_string_append_printf(d,
		"Die %s ist eines der regionalen Bildungsnetzwerke in Nordrhein-Westfalen. "
		"Grundlage ist der im %s geschlossene Kooperationsvertrag (Vertragspartner: "
		"%s und %s).\n\n",
		str(root, "name", "Bildungsregion"), since, partner(partners, 0, "das Land"),
		partner(partners, 1, "die Kommune"));
	g_string_append(d,
		"Die Geschäftsstelle koordiniert die Arbeit der Handlungsforen, bereitet die "
		"Regionale Bildungskonferenz und die Sitzungen des Lenkungskreises vor und nach und ist "
		"Ansprechpartnerin für alle Beteiligten der Bildungsregion und die Zivilgesellschaft.\n\n");
	if (json_array_size(forums)) {
		g_string_append(d, "Handlungsforen: ");
		json_array_foreach(forums, i, f)
			g_string_append_printf(d, "%s„%s“", i ? ", " : "", str(f, "name", ""));
		g_string_append(d, ".\n\n");
	}
	g_string_append(d, "Dies ist eine Demo-Installation von bireg. Alle Kontaktdaten und Personen "
			   "sind frei erfunden.");
	return g_string_free(d, FALSE);
}

/* One demo account per role. The region roles exist now; member, chair,
 * coordinator and board follow from memberships once the register exists,
 * so those accounts have no region role yet. */
static const struct demo_user {
	const char *email, *name, *password, *role, *what;
	unsigned roles;
} demo_users[] = {
	{"verwaltung@demo.bireg.example", "Alex Verwaltung (Demo)", "duisburg-demo-admin", "admin",
	 "Benutzerkonten und Einstellungen", ROLE_ADMIN},
	{"geschaeftsstelle@demo.bireg.example", "Kim Geschäftsstelle (Demo)", "duisburg-demo-office",
	 "office", "die Geschäftsstelle: alles der Region", ROLE_OFFICE},
	{"antrag@demo.bireg.example", "Robin Antrag (Demo)", "duisburg-demo-applicant", "applicant",
	 "Antragstellende beim Förderverein", ROLE_APPLICANT},
	{"mitglied@demo.bireg.example", "Sam Mitglied (Demo)", "duisburg-demo-member", "member",
	 "Mitglied eines Gremiums (mit dem Register)", 0},
	{"vorsitz@demo.bireg.example", "Mika Vorsitz (Demo)", "duisburg-demo-chair", "chair",
	 "Vorsitz eines Gremiums (mit dem Register)", 0},
	{"koordination@demo.bireg.example", "Jo Koordination (Demo)", "duisburg-demo-coordinator",
	 "coordinator", "Koordination eines Handlungsforums (mit dem Register)", 0},
	{"vorstand@demo.bireg.example", "Luca Vorstand (Demo)", "duisburg-demo-board", "board",
	 "Vorstand des Fördervereins (mit dem Register)", 0},
};

void demo_print_logins(FILE *out)
{
	fprintf(out, "bireg: demo region \"Bildungsregion Duisburg\" is ready (slug duisburg)\n"
		     "bireg: demo logins (only valid in the demo region):\n");
	for (size_t i = 0; i < G_N_ELEMENTS(demo_users); i++)
		fprintf(out, "  %-12s %-38s %s\n", demo_users[i].role, demo_users[i].email,
			demo_users[i].password);
}

static int demo_accounts(const bireg_ctx *ctx, gint64 region_id, GError **err)
{
	for (size_t i = 0; i < G_N_ELEMENTS(demo_users); i++) {
		const struct demo_user *u = &demo_users[i];
		g_autoptr(account) a = account_store_get_by_email(ctx, u->email, err);
		gint64 id;
		if (!a && err && *err)
			return -1;
		if (a) {
			id = a->id;
		} else {
			password_status ps;
			g_autofree char *hash = password_hash(u->password, &ps);
			if (!hash) {
				g_set_error(err, BIREG_DB_ERROR, DB_ERROR, "hashing a demo password failed");
				return -1;
			}
			id = account_store_create(ctx, u->email, u->name, hash, "de", region_id, err);
			if (id < 0)
				return -1;
		}
		for (unsigned r = ROLE_ADMIN; r <= ROLE_APPLICANT; r <<= 1)
			if ((u->roles & r) && account_store_grant(ctx, id, region_id, r, err) < 0)
				return -1;
	}
	return 0;
}

/* The demo region's logo: a fictitious mark built into the binary
 * (assets/demo-logo.png, drawn by tools/make-demo-logo), stored through the
 * file store like an upload, so the header shows how a region's own logo
 * looks. A refresh replaces whatever logo the demo had. */
static int demo_logo(const bireg_ctx *rctx, GError **err)
{
	g_autoptr(GBytes) png = g_resources_lookup_data("/bireg/assets/demo-logo.png",
							G_RESOURCE_LOOKUP_FLAGS_NONE, err);
	int64_t id = 0, old = 0;
	gsize len = 0;
	const void *data;

	if (!png)
		return -1;
	data = g_bytes_get_data(png, &len);
	if (file_put(rctx, "logo-bildungsregion-demo.png", data, len, &file_rules_region_logo, &id,
		     err) < 0)
		return -1;
	if (region_store_set_logo(rctx, id, &old, err) < 0)
		return -1;
	if (old > 0 && old != id && file_delete(rctx, old, err) < 0)
		return -1;
	return 0;
}

static json_t *load_structure(const char *data_dir, GError **err)
{
	g_autofree char *path = g_build_filename(data_dir, STRUCTURE_FILE, NULL);
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);

	if (!root) {
		g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s:%d: %s", path, jerr.line,
			    jerr.text);
		return NULL;
	}
	if (!json_is_object(root) || !json_is_array(json_object_get(root, "ebenen")) ||
	    json_array_size(json_object_get(root, "ebenen")) < 3) {
		g_set_error(err, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s: expected an object with at least three \"ebenen\"", path);
		json_decref(root);
		return NULL;
	}
	return root;
}

gint64 demo_load(const bireg_ctx *ctx, const char *data_dir, GError **err)
{
	json_t *root = load_structure(data_dir, err);
	g_autofree char *description = NULL;
	bireg_ctx rctx = *ctx;
	gint64 id = -1;

	if (!root)
		return -1;
	description = describe(root);
	region_input in = {
		.slug = "duisburg",
		.name = str(root, "name", "Bildungsregion Duisburg"),
		.network = str(root, "netzwerk", "Regionale Bildungsnetzwerke NRW"),
		.description = description,
		.office_name = "Geschäftsstelle der Bildungsregion Duisburg (Demo)",
		.office_unit = "Stabsstelle Bildungsregion",
		.street = "Musterstraße 12",
		.postcode = "47051",
		.city = "Duisburg",
		.phone = "+49 203 000 00-00",
		.email = "bildungsregion@example.org",
		.website = "https://bildungsregion.example.org",
		.letterhead_sender_line = "Bildungsregion Duisburg (Demo) · Musterstraße 12 · 47051 Duisburg",
		.letterhead_footer = "Demo-Installation – alle Kontaktdaten sind frei erfunden.",
	};

	if (db_begin(ctx->db, err) < 0)
		goto out;
	id = region_store_upsert(ctx, &in, err);
	if (id < 0)
		goto fail;
	rctx.region_id = id;
	/* The levels are region rows: on PostgreSQL row-level security lets
	 * them through only for the connection's region, which takes effect
	 * within this transaction. */
	db_set_region(ctx->db, id);
	{
		json_t *levels = json_object_get(root, "ebenen");
		const char *names[3], *descs[3];
		char *d[3] = {NULL, NULL, NULL};
		for (size_t i = 0; i < 3; i++) {
			json_t *l = json_array_get(levels, i);
			const char *lead = str(l, "leitung", NULL), *turn = str(l, "turnus", NULL);
			names[i] = str(l, "ebene", "Ebene");
			d[i] = g_strdup_printf("%s%s%s%s%s%s", str(l, "rolle", ""),
					       lead ? ". Leitung: " : "", lead ? lead : "",
					       turn ? ". Turnus: " : "", turn ? turn : "",
					       (lead || turn) ? "." : "");
			descs[i] = d[i];
		}
		if (region_store_set_levels(&rctx, names, descs, 3, err) < 0) {
			for (size_t i = 0; i < 3; i++)
				g_free(d[i]);
			goto fail;
		}
		for (size_t i = 0; i < 3; i++)
			g_free(d[i]);
	}
	if (demo_accounts(&rctx, id, err) < 0)
		goto fail;
	if (demo_logo(&rctx, err) < 0)
		goto fail;
	/* The register: kinds of institution, areas, schools, people, bodies. */
	if (institution_type_seed(&rctx, err) < 0 ||
	    register_demo_load(&rctx, data_dir, root, err) < 0)
		goto fail;
	if (db_commit(ctx->db, err) < 0) {
		id = -1;
		goto out;
	}
	goto out;
fail:
	id = -1;
	db_rollback(ctx->db);
out:
	json_decref(root);
	return id;
}
