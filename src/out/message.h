/*
 * message.h — the texts bireg sends: mail and letter templates with
 * placeholders, their built-in defaults (German and English), the region's
 * own versions, and rendering them into a mail (subject, text and HTML part)
 * or a letter (through pdf_render_letter).
 *
 * Every message has a key ("account.password_reset", "meeting.invitation",
 * …) and a fixed list of placeholders it may use ({{anrede}}, {{link}}, …),
 * each with a description for the office's editor and a sample value for the
 * preview. The defaults are compiled into the program; a region may store
 * its own subject and body per key and language (table message_template,
 * migration 0008), and "reset to default" deletes that row again.
 *
 * The template language is a small part of Mustache: {{name}} inserts a
 * value, {{#name}}…{{/name}} shows its content only when the value is not
 * empty, {{^name}}…{{/name}} only when it is. Nothing else ({{{x}}}, {{&x}},
 * partials, comments, changed delimiters). message_check() refuses every
 * unknown placeholder and every other tag when the office saves, so a stored
 * template always renders; rendering itself uses bireg's Mustache engine in
 * strict mode.
 *
 * The body is "Markdown light": paragraphs separated by an empty line, lines
 * starting with "- " as a list, web addresses (and [text](https://…)) as
 * links. A mail's text part is the rendered body with [text](url) written as
 * "text (url)"; its HTML part is made from that text with everything escaped
 * (message_text_to_html). A letter's rendered body is split into salutation
 * (first paragraph), text and closing (last paragraph) for pdf_render_letter;
 * values inserted into a letter's body are escaped for Markdown, except
 * placeholders marked as Markdown themselves ({{inhalt}}, the letter's
 * text); salutation and closing, which the letter sets as plain text, lose
 * those escapes again. Subjects are plain text everywhere.
 *
 * Ownership: returned structs and strings are newly allocated; free them
 * with the matching _free function or g_free. The definitions are static.
 * Errors are in BIREG_MESSAGE_ERROR or BIREG_DB_ERROR.
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"

#define BIREG_MESSAGE_ERROR (bireg_message_error_quark())
GQuark bireg_message_error_quark(void);

typedef enum {
	MESSAGE_ERROR_UNKNOWN_KEY = 1, /* no message with that key or language */
	MESSAGE_ERROR_INVALID,         /* a template that message_check() refuses */
	MESSAGE_ERROR_VALUES,          /* a placeholder's value missing or not a string (a bug) */
	MESSAGE_ERROR_RENDER,          /* the engine failed (a bug) */
} message_error_code;

typedef enum {
	MESSAGE_MAIL,
	MESSAGE_LETTER,
} message_kind;

#define MESSAGE_SUBJECT_MAX_CHARS 200
#define MESSAGE_BODY_MAX_CHARS 20000

typedef struct message_placeholder {
	const char *name;        /* as written: {{name}} */
	const char *description; /* English msgid (N_), shown translated in the editor */
	const char *sample[2];   /* preview value in German and English */
	bool markdown;           /* the value is Markdown itself (letters: not escaped) */
} message_placeholder;

typedef struct message_def {
	const char *key;
	message_kind kind;
	const char *label;       /* msgid: the message's name in the editor */
	const char *purpose;     /* msgid: when bireg sends it */
	const message_placeholder *placeholders; /* ends with {0} */
	const char *subject[2];  /* default subject, German and English */
	const char *body[2];     /* default body, German and English */
} message_def;

/* The languages of templates, in the order of message_def's arrays. */
#define MESSAGE_LANGS 2
extern const char *const message_langs[MESSAGE_LANGS]; /* "de", "en" */
/* 0 for "de", 1 for "en", -1 for anything else. */
int message_lang_index(const char *lang);

/* Every message, in the order the editor lists them. */
size_t message_def_count(void);
const message_def *message_def_at(size_t i);
/* The message with that key, or NULL. */
const message_def *message_def_find(const char *key);
/* The placeholder called name of d, or NULL. */
const message_placeholder *message_def_placeholder(const message_def *d, const char *name);

/* ---- checking ---------------------------------------------------------- */

/* One thing wrong with a template the office wants to save. */
typedef struct message_issue {
	const char *field;  /* "subject" or "body" */
	const char *msgid;  /* English msgid; "{tag}" stands for arg */
	char *arg;          /* e.g. "{{foo}}", or NULL */
} message_issue;
void message_issue_free(message_issue *i);

/* Checks subject and body for d: lengths (subject 1–200 characters, one
 * line; body 1–20,000), valid UTF-8, and every tag: only {{name}},
 * {{#name}}, {{^name}} and {{/name}} with names of d's placeholders,
 * sections properly nested and closed. Returns the issues in the order
 * found, subject first (an empty array when the template is fine; free it
 * with g_ptr_array_unref). Every unknown placeholder is reported, once. */
GPtrArray *message_check(const message_def *d, const char *subject, const char *body);

/* ---- rendering --------------------------------------------------------- */

typedef struct message_out {
	char *subject; /* one line */
	char *text;    /* the mail's text part, or the letter's rendered body */
	char *html;    /* the mail's HTML part (a whole document); NULL for letters */
	char *html_body; /* what is inside its <body> (for a preview); NULL for letters */
} message_out;
void message_out_free(message_out *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(message_out, message_out_free)

/* Renders subject and body (templates for d in lang, checked or not) with
 * values, a JSON object with a string for every placeholder of d (missing
 * ones fail: a caller's bug). A template message_check() refuses fails with
 * MESSAGE_ERROR_INVALID. In a letter's body the values are escaped for
 * Markdown (unless the placeholder is marked markdown). */
message_out *message_render(const message_def *d, const char *lang, const char *subject,
			    const char *body, json_t *values, GError **err);

/* The sample values of d in lang (for previews): a new object. */
json_t *message_sample_values(const message_def *d, const char *lang);

/* The HTML document for a mail's text: paragraphs, line breaks, "- " lists,
 * http(s) addresses and [text](url) as links; everything else escaped.
 * title becomes <title>, lang the document's language. Newly allocated. */
char *message_text_to_html(const char *text, const char *lang, const char *title);

/* The same without the document around it: the <p>/<ul> elements (for the
 * editor's preview). Newly allocated. */
char *message_text_to_html_fragment(const char *text);

/* A letter's rendered body split for pdf_render_letter: the first paragraph
 * is the salutation (as written, comma included), the last the closing,
 * both as plain text (Markdown escapes removed), everything between the
 * text (Markdown). With fewer
 * than three paragraphs everything is text and salutation and closing are
 * "". Newly allocated strings. */
void message_letter_split(const char *body, char **salutation, char **text, char **closing);

/* ---- the region's templates -------------------------------------------- */

typedef struct message_template {
	const message_def *def;
	char lang[3];
	char *subject, *body;
	bool custom;            /* the region's own version (else the default) */
	char *updated_at;       /* custom only, else NULL */
	char *updated_by_name;  /* custom only; NULL when unknown */
} message_template;
void message_template_free(message_template *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(message_template, message_template_free)

/* The template of ctx->region_id for key and lang: the region's own, or the
 * default. NULL with MESSAGE_ERROR_UNKNOWN_KEY for an unknown key or
 * language, or with a database error. */
message_template *message_template_get(const bireg_ctx *ctx, const char *key, const char *lang,
				       GError **err);
/* The region's own versions: [{key, lang, updated_at, updated_by_name}]. */
json_t *message_template_list_custom(const bireg_ctx *ctx, GError **err);
/* Stores the region's own version (ctx->user_id as its author), replacing
 * an earlier one. Checks again with message_check() and refuses
 * (MESSAGE_ERROR_INVALID) what it refuses. Returns 0 or -1. */
int message_template_save(const bireg_ctx *ctx, const char *key, const char *lang,
			  const char *subject, const char *body, GError **err);
/* Deletes the region's own version: 1 when there was one, 0 when not, -1. */
int message_template_reset(const bireg_ctx *ctx, const char *key, const char *lang,
			   GError **err);

/* Renders the template of ctx->region_id for key in lang with values. A
 * region's own version that no longer renders (it names a placeholder a
 * newer bireg dropped) is logged and the default used instead. */
message_out *message_render_stored(const bireg_ctx *ctx, const char *key, const char *lang,
				   json_t *values, GError **err);

/* Renders the region's mail template key in lang with values and queues it
 * for to_addr through the outbox (outbox_enqueue: it joins the caller's
 * transaction when one is open). kind of the outbox entry = key. *id_out
 * (may be NULL) gets the outbox id. Returns 0 or -1. */
int message_send_mail(const bireg_ctx *ctx, const char *key, const char *lang, json_t *values,
		      const char *to_addr, const char *to_name, int64_t *id_out, GError **err);

/* A letter as PDF in the region's letterhead (region: the region model of
 * region_store). m is a rendered letter (message_render of a
 * MESSAGE_LETTER); recipient_lines the address field (NULL-terminated),
 * date the formatted date, signature the lines under the closing. */
GBytes *message_letter_pdf(const bireg_ctx *ctx, json_t *region, const message_out *m,
			   const char *lang, const char *const *recipient_lines, const char *date,
			   const char *signature, GError **err);
