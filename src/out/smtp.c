/*
 * smtp.c — one SMTP session through libcurl (see smtp.h).
 *
 * libcurl reports only the last reply code, not its text, and not which
 * command it answered. Both come from its debug callback (CURLOPT_VERBOSE
 * routed to our function, never to stderr): CURLINFO_HEADER_OUT carries the
 * commands we send (only their verb is kept: AUTH carries the password),
 * CURLINFO_HEADER_IN the server's reply lines. A 5xx only counts as a
 * refusal of the message when it answered MAIL, RCPT or DATA (or the data
 * itself); a 5xx to AUTH or STARTTLS is a setting to fix, not the message's
 * fault, so it is retried like a temporary failure.
 */
#include "out/smtp.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <string.h>

#define RESPONSE_MAX_BYTES 1000

void smtp_global_init(void)
{
	static gsize done = 0;

	if (g_once_init_enter(&done)) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		g_once_init_leave(&done, 1);
	}
}

typedef struct session {
	const char *data;
	size_t len, pos;
	GString *reply;     /* lines of the reply being read */
	GString *last;      /* the last complete reply */
	GString *fail;      /* the first reply with a 4xx or 5xx code ("" when none) */
	char verb[16];      /* the last command sent: "MAIL", "RCPT", "DATA", "AUTH", ... */
	char last_verb[16]; /* the command the last complete reply answered */
	char fail_verb[16]; /* the command that got the failure reply */
	bool reply_done;
} session;

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
	session *s = ud;
	size_t n = size * nitems;

	if (n > s->len - s->pos)
		n = s->len - s->pos;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return n;
}

/* One reply line "250-..." (more follow) or "250 ..." (the last one). */
static void reply_line(session *s, const char *line, size_t len)
{
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (s->reply_done) {
		g_string_truncate(s->reply, 0);
		s->reply_done = false;
	}
	if (s->reply->len)
		g_string_append_c(s->reply, ' ');
	g_string_append_len(s->reply, line, (gssize)len);
	if (len < 4 || line[3] != '-') {
		s->reply_done = true;
		g_string_assign(s->last, s->reply->str);
		memcpy(s->last_verb, s->verb, sizeof s->verb);
		/* The refusal, not the "221 Bye" to the QUIT that follows it
		 * (nor a refused EHLO, after which libcurl tries HELO). */
		if (!s->fail->len && (s->reply->str[0] == '4' || s->reply->str[0] == '5') &&
		    strcmp(s->verb, "EHLO")) {
			g_string_assign(s->fail, s->reply->str);
			memcpy(s->fail_verb, s->verb, sizeof s->verb);
		}
	}
}

static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
	session *s = ud;

	(void)h;
	if (type == CURLINFO_HEADER_IN) {
		/* May hold several lines. */
		const char *p = data, *end = data + size;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);
			reply_line(s, p, n);
			p += n;
		}
	} else if (type == CURLINFO_HEADER_OUT) {
		size_t n = 0;
		while (n < size && n < sizeof s->verb - 1 && g_ascii_isalpha(data[n])) {
			s->verb[n] = g_ascii_toupper(data[n]);
			n++;
		}
		s->verb[n] = '\0';
	}
	return 0;
}

/* At most RESPONSE_MAX_BYTES of valid UTF-8, without control characters. */
static char *clean(const char *s)
{
	g_autofree char *v = g_utf8_make_valid(s ? s : "", -1);
	GString *out = g_string_new(NULL);

	for (const char *p = v; *p && out->len < RESPONSE_MAX_BYTES; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (c < 0x20 || c == 0x7f)
			g_string_append_c(out, ' ');
		else
			g_string_append_unichar(out, c);
	}
	return g_string_free(out, FALSE);
}

static bool message_verb(const char *verb)
{
	return !strcmp(verb, "MAIL") || !strcmp(verb, "RCPT") || !strcmp(verb, "DATA");
}

static const char *verb_name(const char *verb)
{
	if (!strcmp(verb, "MAIL"))
		return "MAIL FROM";
	if (!strcmp(verb, "RCPT"))
		return "RCPT TO";
	if (!strcmp(verb, "DATA"))
		return "the message data";
	return *verb ? verb : "connecting";
}

smtp_outcome smtp_send(const smtp_config *c, const char *rcpt, const void *data, size_t len,
		       smtp_result *res)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	session s = {.data = data, .len = len, .reply = g_string_new(NULL), .last = g_string_new(NULL),
		     .fail = g_string_new(NULL)};
	const char *answer, *answered;
	struct curl_slist *rcpts = NULL;
	g_autofree char *from = g_strdup_printf("<%s>", c->from);
	g_autofree char *to = g_strdup_printf("<%s>", rcpt);
	long code = 0;
	CURLcode rc;
	CURL *h;

	memset(res, 0, sizeof *res);
	smtp_global_init();
	h = curl_easy_init();
	if (!h) {
		res->outcome = SMTP_TEMPORARY;
		res->response = g_strdup("libcurl could not start a session");
		res->summary = g_strdup(res->response);
		g_string_free(s.reply, TRUE);
		g_string_free(s.last, TRUE);
		g_string_free(s.fail, TRUE);
		return res->outcome;
	}
	rcpts = curl_slist_append(rcpts, to);
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(h, CURLOPT_READDATA, &s);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)MIN(c->timeout, 10));
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, &s);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	if (g_str_has_prefix(c->url, "smtp://")) {
		long ssl = !strcmp(c->starttls, "off")             ? CURLUSESSL_NONE
			   : !strcmp(c->starttls, "opportunistic") ? CURLUSESSL_TRY
								   : CURLUSESSL_ALL;
		curl_easy_setopt(h, CURLOPT_USE_SSL, ssl);
	}
	if (c->user && *c->user) {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->password ? c->password : "");
	}

	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	/* The refusal when there was one, else the last reply. */
	answer = s.fail->len ? s.fail->str : s.last->str;
	answered = s.fail->len ? s.fail_verb : s.last_verb;
	if (s.fail->len)
		code = g_ascii_strtoll(s.fail->str, NULL, 10);
	res->code = (int)code;
	if (rc == CURLE_OK) {
		res->outcome = SMTP_SENT;
		res->response = clean(s.last->len ? s.last->str : "250 accepted");
		res->summary = g_strdup_printf("accepted by the SMTP server (%d)", res->code);
	} else if (code >= 500 && code < 600 && message_verb(answered)) {
		res->outcome = SMTP_PERMANENT;
		res->response = clean(answer);
		res->summary = g_strdup_printf("the SMTP server refused the message for good "
					       "(%d after %s)", res->code, verb_name(answered));
	} else {
		g_autofree char *what = g_strdup_printf("%s%s%s", curl_easy_strerror(rc),
							*errbuf ? ": " : "", errbuf);
		res->outcome = SMTP_TEMPORARY;
		if (code >= 400 && *answer) {
			res->response = clean(answer);
			res->summary = g_strdup_printf("the SMTP server answered %d after %s; will "
						       "try again", res->code, verb_name(answered));
		} else {
			/* No answer to show: what libcurl saw (host and port, no
			 * addresses). */
			res->response = clean(what);
			res->summary = g_strdup_printf("SMTP delivery failed (%s); will try again",
						       res->response);
		}
	}
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(h);
	g_string_free(s.reply, TRUE);
	g_string_free(s.last, TRUE);
	g_string_free(s.fail, TRUE);
	return res->outcome;
}

void smtp_result_clear(smtp_result *res)
{
	g_clear_pointer(&res->response, g_free);
	g_clear_pointer(&res->summary, g_free);
}
