/* fuzz_mustache.c — libFuzzer target for the Mustache engine.
 *
 * The input is split at NUL bytes into up to three parts: the main template,
 * a partial called "p", and a string the translate callback returns for
 * every msgid (so broken and hostile translations are exercised too).  Each
 * part is compiled in both modes, linked and rendered against a small fixed
 * JSON object.  Errors are fine; crashes, leaks and sanitizer reports are
 * not.
 *
 * Build and run from the repository root:
 *   clang -g -O1 -std=c17 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
 *     -Isrc tests/fuzz/fuzz_mustache.c src/view/mustache.c \
 *     $(pkg-config --cflags --libs glib-2.0 jansson) -lm -o fuzz_mustache
 *   ./fuzz_mustache -max_total_time=60 -max_len=4096 tests/fuzz/corpus/mustache
 */
#include "view/mustache.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_translate(void *ud, const char *msgid)
{
	return ud ? ud : msgid;
}

static void run(mustache_mode mode, const char *main_src, size_t main_len, const char *p_src,
		size_t p_len, const char *translation, json_t *data)
{
	mustache_set *s = mustache_set_new(mode);
	GError *err = NULL;
	/* both may fail to compile; what did compile is still linked and rendered */
	mustache_set_add(s, "main", main_src, main_len, &err);
	g_clear_error(&err);
	if (p_src)
		mustache_set_add(s, "p", p_src, p_len, &err);
	g_clear_error(&err);
	if (mustache_set_link(s, &err) == 0) {
		mustache_render_opts opts = { .translate = fuzz_translate, .translate_ud = (void *)translation };
		const char *names[] = { "main", "p" };
		for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
			GString *out = g_string_new("x");
			if (mustache_render(s, names[i], data, &opts, out, &err) < 0 && out->len != 1)
				__builtin_trap(); /* a failed render must not leave output behind */
			g_clear_error(&err);
			g_string_free(out, TRUE);
		}
	}
	g_clear_error(&err);
	mustache_set_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *ctx;
	if (!ctx) {
		/* set once, then only read */
		ctx = json_loads("{\"a\": 1, \"b\": [1, {\"c\": \"x<\", \"b\": []}, [], \"\"], \"t\": true,"
				" \"f\": false, \"s\": \"str\", \"n\": null, \"e\": \"\", \"r\": 2.5,"
				" \"o\": {\"p\": {\"q\": 2.5, \"a\": [true]}}, \"name\": \"{{a}}\"}", 0, NULL);
	}
	const char *src = (const char *)data;
	const char *end = src + size;
	const char *nul1 = memchr(src, '\0', size);
	size_t main_len = nul1 ? (size_t)(nul1 - src) : size;
	const char *p_src = NULL, *translation = NULL;
	size_t p_len = 0;
	if (nul1) {
		p_src = nul1 + 1;
		const char *nul2 = memchr(p_src, '\0', (size_t)(end - p_src));
		p_len = nul2 ? (size_t)(nul2 - p_src) : (size_t)(end - p_src);
		if (nul2)
			translation = nul2 + 1; /* NUL-terminated only if the input ends in NUL */
	}
	g_autofree char *tr = NULL;
	if (translation)
		tr = g_strndup(translation, (size_t)(end - translation));

	run(MUSTACHE_SPEC, src, main_len, p_src, p_len, tr, ctx);
	run(MUSTACHE_STRICT, src, main_len, p_src, p_len, tr, ctx);
	return 0;
}
