/*
 * smtp.h — handing one stored message to an SMTP server (libcurl).
 *
 * One call is one SMTP session: connect (smtp:// with STARTTLS as set in
 * mail.starttls, or smtps:// with TLS from the start), AUTH when a user is
 * set, MAIL FROM, RCPT TO, DATA with the stored bytes unchanged (libcurl
 * only dot-stuffs), QUIT. The server's last answer is kept, so the office
 * sees what it said ("451 4.7.1 Try again later").
 *
 * Outcomes:
 *   SMTP_SENT       250 after the data: the server took the message
 *   SMTP_PERMANENT  a 5xx answer to MAIL FROM, RCPT TO, DATA or the data
 *                   itself: the server refuses this message for good
 *   SMTP_TEMPORARY  everything else: a 4xx answer, no connection, a time-out,
 *                   a connection closed in the middle, TLS or login trouble
 *                   (a setting to fix, after which the next attempt works)
 * Thread-safe once smtp_global_init() ran (at start, before threads).
 */
#pragma once
#include <glib.h>

typedef struct smtp_config {
	const char *url;       /* mail.smtp_url: smtp://host:port or smtps://host:port */
	const char *user;      /* "" or NULL: no AUTH */
	const char *password;
	const char *starttls;  /* "required", "opportunistic" or "off" (smtp:// only) */
	const char *from;      /* envelope sender (MAIL FROM) */
	int timeout;           /* seconds for the whole session (connecting: at most 10) */
} smtp_config;

typedef enum {
	SMTP_SENT = 0,
	SMTP_TEMPORARY = 1,
	SMTP_PERMANENT = 2,
} smtp_outcome;

typedef struct smtp_result {
	smtp_outcome outcome;
	int code;        /* the server's last reply code, 0 when none came */
	char *response;  /* the server's last answer (all its lines), or what went wrong on the
			  * way ("Couldn't connect to server: ..."); may name the recipient */
	char *summary;   /* the same without anything personal, for logs and the job list:
			  * "SMTP server refused the message (550 after RCPT TO)" */
} smtp_result;

/* Calls curl_global_init once. */
void smtp_global_init(void);

/* Sends len bytes at data to rcpt. Fills *res (clear it with
 * smtp_result_clear) and returns res->outcome. */
smtp_outcome smtp_send(const smtp_config *c, const char *rcpt, const void *data, size_t len,
		       smtp_result *res);
void smtp_result_clear(smtp_result *res);
