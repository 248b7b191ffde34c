/* mustache.h — bireg's own Mustache template engine.
 *
 * Templates are compiled once into a node tree, collected in a set (partials
 * resolve among the templates of the same set) and linked; rendering then
 * walks the tree against a jansson value and appends to a GString.  Output is
 * HTML-escaped unless the template asks for raw output ({{{x}}} or {{& x}}).
 * Data is never parsed as a template, not even inside translated text.
 *
 * Two modes:
 *  - MUSTACHE_SPEC follows the Mustache specification (comments, delimiters,
 *    interpolation, inverted, partials, sections; no lambdas): a name that is
 *    not found renders as empty and an unknown partial renders nothing.
 *  - MUSTACHE_STRICT is what bireg itself uses: an unknown partial fails at
 *    mustache_set_link() (i.e. at start-up) and a name that is absent from the
 *    whole context stack fails the render.  Present but falsey values (false,
 *    null, [], "") are fine.  A name written with a trailing '?' ({{x?}},
 *    {{#x?}}…{{/x}}, {{^x?}}…{{/x}}) is optional: if absent it counts as
 *    empty/falsey instead of failing.  The '?' is accepted in both modes.
 *
 * Falsey values are false, null, the empty array and the empty string; every
 * other value (including 0) is truthy.  Numbers print as JSON integers or as
 * the shortest decimal that reads back to the same double, always with '.'.
 * Interpolating an object or an array prints nothing in SPEC mode and is a
 * render error in STRICT mode (it is always a template bug).
 *
 * Translation (both modes; "t" is reserved as a section name):
 * {{#t}}Hello {{name}}{{/t}} marks translatable text.  Its msgid
 * is the verbatim source between the tags with whitespace trimmed and runs of
 * whitespace collapsed to one space ("Hello {{name}}").  At render time the
 * msgid goes through opts->translate and the result is rendered as a template
 * in the current context (text verbatim, variables escaped as usual).  Inside
 * {{#t}} partials, nested {{#t}} and set-delimiter tags are not allowed.  A
 * translation that does not compile, or that uses a name the msgid does not
 * use, is ignored and the msgid is rendered instead, so a bad .po file cannot
 * break a page.  Compiled translations are cached in the set (under a mutex),
 * keyed by the {{#t}} tag and the translated text's content, so a callback
 * may return a reused buffer.  Translated text is rendered with the
 * delimiters in force at its {{#t}} tag.
 *
 * Partials: a standalone partial tag indents every line of the partial by
 * the blanks in front of the tag (nested standalone partials add up); an
 * inline partial is not indented.  Newlines coming from data are never
 * indented.
 *
 * Threads: mustache_set_add() and mustache_set_link() are start-up calls and
 * must not race with anything.  After linking, any number of threads may call
 * mustache_render() on the same set at once.
 *
 * Nesting of sections and partials is limited to MUSTACHE_MAX_DEPTH levels,
 * at compile time for sections and at render time for recursive partials.
 * One render visits at most MUSTACHE_MAX_STEPS nodes, so nested loops over
 * large data fail with an error instead of tying up a worker for minutes.
 */
#pragma once

#include <glib.h>
#include <jansson.h>
#include <stddef.h>

#define MUSTACHE_MAX_DEPTH 64
#define MUSTACHE_MAX_STEPS 10000000

#define MUSTACHE_ERROR (mustache_error_quark())
GQuark mustache_error_quark(void);

typedef enum {
	MUSTACHE_ERROR_COMPILE,   /* syntax error; message "name:line:col: reason" */
	MUSTACHE_ERROR_LINK,      /* unknown partial (strict), or set not linked */
	MUSTACHE_ERROR_RENDER,    /* unknown name (strict), too deep, no such template */
} mustache_error_code;

typedef enum {
	MUSTACHE_STRICT = 0,
	MUSTACHE_SPEC = 1,
} mustache_mode;

typedef struct mustache_set mustache_set;

/* Returns a new, empty set; free it with mustache_set_free(). */
mustache_set *mustache_set_new(mustache_mode mode);
void mustache_set_free(mustache_set *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(mustache_set, mustache_set_free)

/* Compiles `source` (exactly len bytes; it need not be NUL-terminated) under
 * `name` and adds it to the set.  The set copies
 * name and source.  A name may be added only once.  Returns 0, or -1 with
 * MUSTACHE_ERROR_COMPILE "name:line:col: reason".  Adding marks the set as
 * unlinked until the next mustache_set_link(). */
int mustache_set_add(mustache_set *s, const char *name, const char *source, size_t len,
		GError **err);

/* Resolves every partial tag against the templates of the set.  In strict
 * mode an unknown partial is an error (all of them are listed in the
 * message, one "name:line:col: unknown partial 'x'" per line). */
int mustache_set_link(mustache_set *s, GError **err);

/* TRUE if the set holds a template called `name`. */
gboolean mustache_set_has(const mustache_set *s, const char *name);

typedef struct {
	/* Returns the translation of msgid, or NULL/msgid itself when there is
	 * none.  The returned string must stay valid until the render returns;
	 * it is not freed by the engine.  Called from render threads. */
	const char *(*translate)(void *ud, const char *msgid);
	void *translate_ud;
} mustache_render_opts;

/* Renders template `name` with `data` as the root context and appends the
 * result to `out`.  `opts` may be NULL (no translation).  On error returns -1
 * with MUSTACHE_ERROR_RENDER/LINK, and `out` is left as it was before the
 * call (nothing half-rendered is appended). */
int mustache_render(const mustache_set *s, const char *name, json_t *data,
		const mustache_render_opts *opts, GString *out, GError **err);

/* Calls fn once for every {{#t}} section of every template, in the order the
 * templates were added and in source order within a template.  `line` is the
 * line of the opening {{#t}} tag.  The strings are owned by the set. */
typedef void (*mustache_msgid_func)(void *ud, const char *template_name, unsigned line,
		const char *msgid);
void mustache_set_foreach_msgid(const mustache_set *s, mustache_msgid_func fn, void *ud);

/* Checks that `translation` would be accepted for `msgid` at render time:
 * it compiles (default delimiters) and uses no name that msgid does not use.
 * For a .po checker.  Returns 0, or -1 with a reason in err. */
int mustache_translation_check(const char *msgid, const char *translation, GError **err);
