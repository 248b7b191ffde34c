/*
 * bench_school_import.c — the whole NRW school directory (5,486 schools, all
 * regions) imported into a fresh region whose Gemeindeschlüssel cover the
 * whole state ("05"), through school_import.c exactly as the web and the
 * command line do. A benchmark, not a test: it asserts nothing beyond
 * "every call worked".
 *
 *   bench_school_import --database URL [--file PATH]
 *
 * The database must be at the current schema (bireg init). A region
 * "bench-nrw-<n>" is created for the run (and left there). Timed
 * separately:
 *   parse    tabular_read of the file (encoding detection, CSV);
 *   preview  school_import_upload: parse, check, compare with the region,
 *            the batch with its file and report (what the upload page does);
 *   commit   school_import_commit: the plan again (inside the transaction)
 *            and every school written through institution_store, with its
 *            search entry and change-log entry;
 *   again    the same file once more (upload + commit): 0 new, 0 changed.
 *
 * Output: a few lines of text and one line "RESULT {json}".
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "build_config.h"
#include "core/tabular.h"
#include "db/db.h"
#include "modules/region/region_store.h"
#include "modules/register/institution_store.h"
#include "modules/register/school_import.h"

static double now_ms(void)
{
	return (double)g_get_monotonic_time() / 1000.0;
}

int main(int argc, char **argv)
{
	g_autofree char *database = NULL, *file = NULL;
	g_autoptr(GOptionContext) oc = g_option_context_new("- NRW school directory import benchmark");
	g_autoptr(GError) err = NULL;
	GOptionEntry entries[] = {
		{"database", 0, 0, G_OPTION_ARG_STRING, &database, "database URL (or SQLite file)",
		 "URL"},
		{"file", 0, 0, G_OPTION_ARG_FILENAME, &file,
		 "the directory (default ../shared/data/schuldaten_nrw_2022-06.csv)", "PATH"},
		{NULL},
	};
	g_autofree char *data = NULL, *slug = NULL;
	gsize len = 0;
	double t0, t_parse, t_preview, t_commit, t_again;
	json_t *report = NULL;
	int64_t batch;
	db *d;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!g_option_context_parse(oc, &argc, &argv, &err) || !database) {
		fprintf(stderr, "bench_school_import: %s\n", err ? err->message : "--database URL is required");
		return 2;
	}
	if (!file)
		file = g_build_filename(BIREG_SOURCE_ROOT, "..", "shared", "data",
					"schuldaten_nrw_2022-06.csv", NULL);
	if (!g_file_get_contents(file, &data, &len, &err)) {
		fprintf(stderr, "bench_school_import: %s\n", err->message);
		return 1;
	}
	d = db_open(database, &err);
	if (!d) {
		fprintf(stderr, "bench_school_import: %s\n", err->message);
		return 1;
	}
	bireg_ctx ctx = {.db = d};
	slug = g_strdup_printf("bench-nrw-%" G_GINT64_FORMAT, (gint64)(g_get_real_time() / 1000000));
	{
		region_input in = {.slug = slug, .name = "Benchmark NRW"};
		const char *const keys[] = {"05", NULL};
		ctx.region_id = region_store_upsert(&ctx, &in, &err);
		if (ctx.region_id <= 0)
			goto fail;
		db_set_region(d, ctx.region_id);
		if (institution_type_seed(&ctx, &err) < 0 || school_keys_set(&ctx, keys, &err) < 0)
			goto fail;
	}

	t0 = now_ms();
	{
		tabular t = {0};
		tabular_options opt = {.drop_trailing_empty = true};
		if (tabular_read(data, len, &opt, &t, &err) < 0)
			goto fail;
		printf("parse:    %u records, %s\n", t.table->records->len, t.encoding);
		tabular_clear(&t);
	}
	t_parse = now_ms() - t0;

	t0 = now_ms();
	batch = school_import_upload(&ctx, "schuldaten_nrw_2022-06.csv", data, len, &err);
	if (batch <= 0)
		goto fail;
	t_preview = now_ms() - t0;

	t0 = now_ms();
	if (school_import_commit(&ctx, batch, &report, &err) < 0)
		goto fail;
	t_commit = now_ms() - t0;
	printf("commit:   %zu new, %zu changed, %zu rejected\n",
	       json_array_size(json_object_get(report, "new")),
	       json_array_size(json_object_get(report, "changed")),
	       json_array_size(json_object_get(report, "rejected")));
	json_decref(report);

	t0 = now_ms();
	batch = school_import_upload(&ctx, "schuldaten_nrw_2022-06.csv", data, len, &err);
	if (batch <= 0 || school_import_commit(&ctx, batch, &report, &err) < 0)
		goto fail;
	t_again = now_ms() - t0;
	printf("again:    %zu new, %zu changed, %" JSON_INTEGER_FORMAT " unchanged\n",
	       json_array_size(json_object_get(report, "new")),
	       json_array_size(json_object_get(report, "changed")),
	       json_integer_value(json_object_get(report, "unchanged")));
	json_decref(report);

	printf("backend:  %s, region %s\n",
	       db_get_backend(d) == DB_BACKEND_POSTGRES ? "postgres" : "sqlite", slug);
	printf("times:    parse %.0f ms, preview %.0f ms, commit %.0f ms (upload to done %.0f ms), "
	       "re-import %.0f ms\n",
	       t_parse, t_preview, t_commit, t_preview + t_commit, t_again);
	printf("RESULT {\"backend\":\"%s\",\"parse_ms\":%.1f,\"preview_ms\":%.1f,\"commit_ms\":%.1f,"
	       "\"reimport_ms\":%.1f}\n",
	       db_get_backend(d) == DB_BACKEND_POSTGRES ? "postgres" : "sqlite", t_parse, t_preview,
	       t_commit, t_again);
	db_close(d);
	return 0;
fail:
	fprintf(stderr, "bench_school_import: %s\n", err ? err->message : "failed");
	db_close(d);
	return 1;
}
