/*
 * static.c — serving the front-end assets from memory (see static.h).
 */
#include "http/static.h"

#include <string.h>

typedef struct asset {
	GBytes *data;
	char *etag;
	const char *type;
} asset;

struct static_files {
	GHashTable *files; /* relative path -> asset* */
	char prefix[32];
};

static const struct {
	const char *ext, *type;
} types[] = {
	{".css", "text/css; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".json", "application/json"},
	{".map", "application/json"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".jpg", "image/jpeg"},
	{".jpeg", "image/jpeg"},
	{".ico", "image/x-icon"},
	{".woff2", "font/woff2"},
	{".woff", "font/woff"},
	{".ttf", "font/ttf"},
	{".otf", "font/otf"},
	{".txt", "text/plain; charset=utf-8"},
	{".pdf", "application/pdf"},
};

static const char *type_of(const char *path)
{
	for (size_t i = 0; i < G_N_ELEMENTS(types); i++)
		if (g_str_has_suffix(path, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

static void asset_free(asset *a)
{
	g_bytes_unref(a->data);
	g_free(a->etag);
	g_free(a);
}

static gint cmp_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(static_files *sf, const char *root, const char *rel, GChecksum *all,
		    GError **err)
{
	g_autofree char *dirpath = g_build_filename(root, rel, NULL);
	g_autoptr(GDir) dir = g_dir_open(dirpath, 0, err);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	if (!dir)
		return -1;
	while ((name = g_dir_read_name(dir)))
		if (name[0] != '.')
			g_ptr_array_add(names, g_strdup(name));
	/* Sorted, so that the digest does not depend on directory order. */
	g_ptr_array_sort(names, cmp_names);
	for (guint i = 0; i < names->len; i++) {
		const char *n = g_ptr_array_index(names, i);
		g_autofree char *child = *rel ? g_strconcat(rel, "/", n, NULL) : g_strdup(n);
		g_autofree char *full = g_build_filename(root, child, NULL);
		if (g_file_test(full, G_FILE_TEST_IS_DIR)) {
			if (load_dir(sf, root, child, all, err) < 0)
				return -1;
			continue;
		}
		char *contents;
		gsize len;
		if (!g_file_get_contents(full, &contents, &len, err))
			return -1;
		asset *a = g_new0(asset, 1);
		a->data = g_bytes_new_take(contents, len);
		g_autofree char *sum = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, a->data);
		a->etag = g_strdup_printf("\"%.16s\"", sum);
		a->type = type_of(child);
		g_checksum_update(all, (const guchar *)child, (gssize)strlen(child) + 1);
		g_checksum_update(all, (const guchar *)sum, (gssize)strlen(sum));
		g_hash_table_replace(sf->files, g_steal_pointer(&child), a);
	}
	return 0;
}

static_files *static_files_load(const char *dir, GError **err)
{
	static_files *sf = g_new0(static_files, 1);
	g_autoptr(GChecksum) all = g_checksum_new(G_CHECKSUM_SHA256);

	sf->files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)asset_free);
	if (load_dir(sf, dir, "", all, err) < 0) {
		g_prefix_error(err, "server.static_dir: ");
		static_files_free(sf);
		return NULL;
	}
	g_snprintf(sf->prefix, sizeof sf->prefix, "/static/%.8s", g_checksum_get_string(all));
	return sf;
}

void static_files_free(static_files *sf)
{
	if (!sf)
		return;
	g_hash_table_unref(sf->files);
	g_free(sf);
}

const char *static_files_prefix(const static_files *sf)
{
	return sf->prefix;
}

int static_files_serve(const static_files *sf, const char *rel_path, const http_request *req,
		       http_response *resp)
{
	const asset *a = g_hash_table_lookup(sf->files, rel_path);
	const char *inm;

	if (!a)
		return 404;
	http_response_set_header(resp, "ETag", a->etag);
	http_response_set_header(resp, "Cache-Control", "public, max-age=31536000, immutable");
	inm = http_request_header(req, "If-None-Match");
	if (inm && strstr(inm, a->etag)) {
		resp->status = 304;
		return 0;
	}
	resp->status = 200;
	http_response_set_header(resp, "Content-Type", a->type);
	resp->body_bytes = g_bytes_ref(a->data);
	return 0;
}
