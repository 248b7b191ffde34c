/*
 * text.h — small UTF-8 helpers shared by every part of bireg.
 *
 * Validation at the edge (is this valid UTF-8, does it carry control
 * characters), tidying of user input (trim, collapse whitespace, cut at a
 * character boundary) and the German search folding that DESIGN.md asks for,
 * so that "Müller", "Mueller", "MÜLLER" and "muller" all meet.
 *
 * Unless a function says otherwise, string arguments are NUL-terminated,
 * valid UTF-8 and borrowed; returned strings are newly allocated and owned by
 * the caller (g_free, or g_strfreev for vectors). Functions that need valid
 * UTF-8 to work return NULL for invalid input instead of guessing.
 */
#pragma once
#include <glib.h>
#include <stddef.h>

/* TRUE if the len bytes at s are valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF) and none of them is NUL. s may be NULL
 * only when len is 0. */
gboolean text_is_valid_utf8(const char *s, size_t len);

/* TRUE if s contains a control character: C0 (U+0000..U+001F) except tab,
 * line feed and carriage return, DEL (U+007F) or C1 (U+0080..U+009F).
 * Invalid UTF-8 also answers TRUE, so that a "no" can be trusted. */
gboolean text_has_control_chars(const char *s);
/* The same for len bytes that need not be NUL-terminated; a NUL byte counts
 * as a control character. */
gboolean text_has_control_chars_len(const char *s, size_t len);

/* A copy of s without any control characters in the sense of
 * text_has_control_chars, and without tab, line feed and carriage return
 * either (meant for one-line values such as file names). NULL if s is not
 * valid UTF-8. */
char *text_strip_control_chars(const char *s);

/* A copy of s without leading and trailing white space (Unicode white space,
 * including no-break space). NULL if s is NULL or not valid UTF-8. */
char *text_trim_dup(const char *s);

/* Like text_trim_dup, and every inner run of white space (line breaks
 * included) becomes one ASCII space. For one-line fields such as names and
 * titles. NULL if s is NULL or not valid UTF-8. */
char *text_collapse_ws(const char *s);

/* Length of the longest prefix of the len bytes at s that is at most
 * max_bytes long and does not end inside a multi-byte UTF-8 sequence. */
size_t text_utf8_prefix_len(const char *s, size_t len, size_t max_bytes);

/* A copy of s cut to at most max_bytes bytes at a character boundary (a
 * combining mark may be separated from its base letter). s must be valid
 * UTF-8; NULL if s is NULL. */
char *text_truncate_utf8(const char *s, size_t max_bytes);

/*
 * Search folding. Index and query both go through text_search_fold, so the
 * scheme only has to be deterministic, not linguistically perfect:
 *
 *   1. compatibility decomposition (NFKD), full case folding (so ß and ẞ
 *      become "ss"), NFKD again;
 *   2. non-spacing and enclosing marks are dropped, so ä→a, é→e, ñ→n;
 *      letters without a decomposition are mapped by hand (ø→o, æ→ae,
 *      œ→oe, ł→l, đ/ð→d, þ→th, ı→i, ħ→h, ŧ→t);
 *   3. "ae", "oe" and "ue" lose their "e": after an a, o or u every directly
 *      following e is dropped. So "Mueller" and "Müller" both give "muller",
 *      "Koeln" and "Köln" give "koln", "Goethe" gives "gothe".
 *
 * The price of step 3 is a few false friends ("Michael" and "Michal" both
 * give "michal", "Feuer" gives "feur", "Queen" gives "qun"); since a search
 * folds the query the same way, every word still finds itself. Dropping all
 * following e's (not just one) keeps the function idempotent:
 * fold(fold(x)) == fold(x), so already folded text may be folded again.
 * Everything else (digits, punctuation, spaces, other scripts) passes
 * through after steps 1 and 2.
 *
 * Returns a newly allocated string, or NULL if utf8 is NULL or not valid
 * UTF-8.
 */
char *text_search_fold(const char *utf8);

/* Folds utf8 like text_search_fold and splits the result into words: maximal
 * runs of letters, digits and (spacing) marks. Everything else separates.
 * Order and duplicates are kept. Returns a NULL-terminated vector (free with
 * g_strfreev; empty, not NULL, for text without words), or NULL if utf8 is
 * NULL or not valid UTF-8. */
char **text_search_tokens(const char *utf8);
