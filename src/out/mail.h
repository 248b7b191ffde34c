/*
 * mail.h — e-mail as bireg sends it: one recipient per message, composed with
 * GMime, kept in the region's outbox and delivered by a background job
 * (outbox.h). A feature that sends mail fills a mail_message and calls
 * outbox_enqueue() in the transaction of the change that causes the mail.
 *
 * What every message gets (mail_compose):
 *   From          "<the region's office name>" <mail.from>, the name RFC 2047
 *                 encoded when it has umlauts
 *   Reply-To      the region's office e-mail (or mail_message.reply_to)
 *   To            "<to_name>" <to_addr>
 *   Subject       RFC 2047 encoded (UTF-8) where it is not plain ASCII
 *   Date          the time of composing, in Europe/Berlin
 *   Message-ID    <random@host of server.base_url>, made once when the mail
 *                 is queued and stored with it: every retry sends the same
 *                 bytes with the same id, so a receiver can spot a duplicate
 *   Auto-Submitted: auto-generated, unless a person of the office wrote it
 *   Content-Language, MIME-Version
 *   List-Unsubscribe (+ List-Unsubscribe-Post: List-Unsubscribe=One-Click)
 *                 only when the message has an unsubscribe URL (newsletters)
 * Body: text/plain (UTF-8, quoted-printable); with html multipart/alternative
 * of text and HTML; with attachments multipart/mixed around that, each
 * attachment base64 with its file name RFC 2231 encoded. Lines end in CRLF:
 * the stored bytes are exactly what goes over SMTP.
 *
 * Header injection: a CR or LF (or another control character) in any value
 * that ends up in a header — address, name, subject, unsubscribe URL,
 * attachment name or type — is refused with MAIL_ERROR_HEADER_INJECTION and
 * nothing is queued.
 *
 * Documents that are not public are never attached: send a link to bireg,
 * where the reader logs in (mail leaves the office's control once sent).
 *
 * Errors are in BIREG_MAIL_ERROR; the message starts with the field's name
 * ("subject: ..."), so a JSON error can name it.
 */
#pragma once
#include <glib.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"

#define BIREG_MAIL_ERROR (bireg_mail_error_quark())
GQuark bireg_mail_error_quark(void);

typedef enum {
	MAIL_ERROR_INVALID = 1,          /* missing, not UTF-8, too long, not an address */
	MAIL_ERROR_HEADER_INJECTION = 2, /* CR, LF or another control character in a header value */
	MAIL_ERROR_PARSE = 3,            /* stored bytes that are not a readable message */
	MAIL_ERROR_NO_REGION = 4,        /* outbox_enqueue without a region (ctx->region_id 0) */
} mail_error_code;

typedef struct mail_attachment {
	const char *filename;        /* UTF-8, RFC 2231-encoded by the composer */
	const char *media_type;      /* e.g. "application/pdf", "text/calendar; method=REQUEST" */
	GBytes *data;
} mail_attachment;

typedef struct mail_message {
	const char *to_addr, *to_name;      /* one recipient per message (per-recipient status) */
	const char *subject;                /* UTF-8; RFC 2047-encoded by the composer */
	const char *text;                   /* text/plain part, required */
	const char *html;                   /* text/html part or NULL */
	const mail_attachment *attachments; size_t n_attachments;
	const char *list_unsubscribe;       /* URL, or NULL (only for lists/newsletters) */
	const char *kind;                   /* what it is for the office's list, e.g. "account.password_reset" */
	const char *reply_to;               /* or NULL: the region's office e-mail */
	const char *lang;                   /* Content-Language: "de" (NULL) or "en" */
	bool written_by_person;             /* an office member wrote it: no Auto-Submitted header */
} mail_message;

/* Composes m (GMime; From = the region's sender, a stable Message-ID made now) and writes it to the
 * outbox of ctx->region_id, joining the caller's transaction when one is open (so the mail exists
 * exactly when the change that causes it commits), and enqueues its delivery job. Sets *id_out
 * (may be NULL) to the outbox id. Returns 0, or -1 with err (BIREG_MAIL_ERROR for bad input,
 * BIREG_DB_ERROR or BIREG_JOB_ERROR otherwise); on error nothing is written. outbox_setup()
 * must have run (it registers the delivery job). Implemented in outbox.c. */
int outbox_enqueue(const bireg_ctx *ctx, const mail_message *m, int64_t *id_out, GError **err);

/* ---- composition (outbox.c; public for tests) ---------------------------- */

/* Who a message comes from: the installation's address and the region. */
typedef struct mail_sender {
	const char *from_addr;  /* mail.from, the envelope and From address */
	const char *from_name;  /* display name: the region's office name; NULL or "" for none */
	const char *reply_to;   /* the region's office e-mail; NULL or "" for none */
} mail_sender;

#define MAIL_SUBJECT_MAX_BYTES 500
#define MAIL_NAME_MAX_BYTES 200
#define MAIL_ADDRESS_MAX_BYTES 254
#define MAIL_KIND_MAX_BYTES 100

/* Initialises GMime once (thread-safe; every function here calls it). */
void mail_init(void);

/* The host of url in lower case when it is a plain host name or IPv4
 * address ([a-z0-9.-]), else "localhost". Newly allocated. */
char *mail_url_host(const char *url);

/* A plain addr-spec: local@domain in printable ASCII, no blanks, quotes,
 * brackets or commas, one '@', a domain with a dot or "localhost", at most
 * 254 bytes. (Quoted local parts and internationalised addresses are not
 * accepted: bireg sends to addresses people typed into forms.) */
bool mail_address_valid(const char *addr);

/* A new Message-ID's content (without the angle brackets): 24 random
 * characters, '@', and the host of base_url ("localhost" when it has none
 * usable). Newly allocated. Needs token_init(). */
char *mail_message_id_new(const char *base_url);

/* Checks m and the sender and composes the RFC 5322 message with the given
 * Message-ID (without <>) and date (NULL: now), lines ending in CRLF.
 * Returns the bytes (caller unrefs), or NULL with err. */
GBytes *mail_compose(const mail_message *m, const mail_sender *s, const char *message_id,
		     GDateTime *date, GError **err);

/* Reads a stored message for the office's and the developer's views:
 *   {message_id, subject, from, to, reply_to, date (the header as sent),
 *    headers: [{name, value}] (top-level headers, decoded),
 *    text (the first text/plain part that is not an attachment, or ""),
 *    has_html, attachments: [{filename, media_type, size}]}
 * Attachments are only named, never returned. NULL with err
 * (MAIL_ERROR_PARSE) when the bytes are not a message. */
json_t *mail_describe(const void *data, size_t len, GError **err);
