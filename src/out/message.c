/*
 * message.c — message templates: the built-in texts, checking what the
 * office writes, rendering with the Mustache engine (strict mode), the
 * region's own versions in message_template, and handing a rendered mail to
 * the outbox or a letter to the PDF renderer (see message.h).
 *
 * Why a tokenizer of its own before the engine: the engine in strict mode
 * fails only on names it meets while rendering, so a placeholder inside a
 * section whose value happens to be empty would slip through a test render.
 * message_check() looks at every tag instead, and only what it accepts is
 * ever compiled. It also rewrites {{name}} to {{&name}} for the engine: the
 * text part of a mail is plain text, and the HTML part escapes the whole
 * text itself (message_text_to_html), so values must not be HTML-escaped
 * twice.
 */
#include "out/message.h"

#include <string.h>

#include "core/log.h"
#include "core/text.h"
#include "core/util.h"
#include "db/db.h"
#include "out/mail.h"
#include "out/pdf.h"
#include "view/i18n.h"
#include "view/mustache.h"

G_DEFINE_QUARK(bireg-message-error-quark, bireg_message_error)

const char *const message_langs[MESSAGE_LANGS] = {"de", "en"};

int message_lang_index(const char *lang)
{
	for (int i = 0; i < MESSAGE_LANGS; i++)
		if (lang && !strcmp(lang, message_langs[i]))
			return i;
	return -1;
}

/* ---- the messages and their defaults ------------------------------------ */

#define PH_REGION                                                                          \
	{"region", N_("Name of the education region, e.g. Bildungsregion Duisburg"),         \
	 {"Bildungsregion Duisburg", "Bildungsregion Duisburg"}, false}
#define PH_NAME(desc) {"name", desc, {"Alex Muster", "Alex Muster"}, false}
#define PH_ANREDE                                                                          \
	{"anrede", N_("Salutation as stored for the person, without a comma, e.g. \"Sehr geehrte Frau Muster\""), \
	 {"Sehr geehrte Frau Muster", "Dear Ms Muster"}, false}

static const message_placeholder ph_password_reset[] = {
	PH_NAME(N_("Name of the account holder")),
	{"link", N_("Link to the page where the new password is set (works once)"),
	 {"https://bildungsregion.example/passwort-neu/Beispiel", "https://bildungsregion.example/passwort-neu/example"},
	 false},
	{"ablauf", N_("Date and time until which the link works (one hour after the request)"),
	 {"26.11.2026, 15:30 Uhr", "26 Nov 2026, 15:30"}, false},
	PH_REGION,
	{0},
};

static const message_placeholder ph_password_changed[] = {
	PH_NAME(N_("Name of the account holder")),
	{"zeit", N_("Date and time of the change"), {"26.11.2026, 14:42 Uhr", "26 Nov 2026, 14:42"},
	 false},
	{"link", N_("Link to the login page"),
	 {"https://bildungsregion.example/anmelden", "https://bildungsregion.example/anmelden"}, false},
	PH_REGION,
	{0},
};

static const message_placeholder ph_feedback[] = {
	PH_NAME(N_("Name the person gave in the form (may be empty)")),
	{"datum", N_("Date the feedback arrived"), {"26.11.2026", "26 Nov 2026"}, false},
	{"nummer", N_("Number of the feedback in bireg, for questions"), {"17", "17"}, false},
	{"link", N_("Link to the accessibility statement"),
	 {"https://bildungsregion.example/barrierefreiheit", "https://bildungsregion.example/barrierefreiheit"},
	 false},
	PH_REGION,
	{0},
};

static const message_placeholder ph_meeting[] = {
	PH_ANREDE,
	PH_NAME(N_("Full name of the person")),
	{"gremium", N_("Name of the body, e.g. Lenkungskreis"), {"Lenkungskreis", "Lenkungskreis"},
	 false},
	{"sitzung", N_("Title of the meeting, e.g. 3. Sitzung des Lenkungskreises"),
	 {"3. Sitzung des Lenkungskreises", "3rd meeting of the Lenkungskreis"}, false},
	{"datum", N_("Date and time of the meeting"),
	 {"Donnerstag, 26. November 2026, 14:30 Uhr", "Thursday, 26 November 2026, 14:30"}, false},
	{"ort", N_("Place of the meeting, or the link of an online meeting"),
	 {"Rathaus Duisburg, Burgplatz 19, Raum 100", "Rathaus Duisburg, Burgplatz 19, room 100"},
	 false},
	{"link", N_("Link to the meeting in bireg (agenda and papers)"),
	 {"https://bildungsregion.example/sitzungen/42", "https://bildungsregion.example/sitzungen/42"},
	 false},
	PH_REGION,
	{0},
};

static const message_placeholder ph_letter[] = {
	PH_ANREDE,
	PH_NAME(N_("Full name of the recipient")),
	{"betreff", N_("Subject of this letter, as written when the letter is made"),
	 {"Ihre Anfrage vom 12. November 2026", "Your enquiry of 12 November 2026"}, false},
	{"inhalt", N_("The text of this letter, as written when the letter is made (Markdown)"),
	 {"vielen Dank für Ihre Anfrage. Gern senden wir Ihnen die Unterlagen der letzten Sitzung des Lenkungskreises.\n\nBei Fragen erreichen Sie uns montags bis freitags von 9 bis 15 Uhr.",
	  "Thank you for your enquiry. We are happy to send you the papers of the last meeting of the Lenkungskreis.\n\nIf you have any questions, you can reach us Monday to Friday from 9 am to 3 pm."},
	 true},
	{"datum", N_("Date of the letter"), {"26. November 2026", "26 November 2026"}, false},
	PH_REGION,
	{0},
};

static const message_def defs[] = {
	{
		.key = "account.password_reset", .kind = MESSAGE_MAIL,
		.label = N_("Password reset"),
		.purpose = N_("Sent when someone asks for a new password on the login page."),
		.placeholders = ph_password_reset,
		.subject = {"Neues Passwort für {{region}}", "New password for {{region}}"},
		.body = {
			"Guten Tag {{name}},\n\n"
			"für Ihr Konto bei {{region}} wurde ein neues Passwort angefordert. "
			"Über diesen Link legen Sie es fest:\n\n"
			"{{link}}\n\n"
			"Der Link gilt bis {{ablauf}} und nur einmal.\n\n"
			"Haben Sie kein neues Passwort angefordert? Dann können Sie diese E-Mail "
			"ignorieren; Ihr bisheriges Passwort bleibt gültig.\n\n"
			"Mit freundlichen Grüßen\n"
			"{{region}}\n",
			"Hello {{name}},\n\n"
			"someone asked for a new password for your account at {{region}}. "
			"Use this link to set it:\n\n"
			"{{link}}\n\n"
			"The link works once, until {{ablauf}}.\n\n"
			"If you did not ask for a new password, you can ignore this e-mail; your "
			"password stays as it is.\n\n"
			"Kind regards\n"
			"{{region}}\n",
		},
	},
	{
		.key = "account.password_changed", .kind = MESSAGE_MAIL,
		.label = N_("Password changed"),
		.purpose = N_("Sent after a new password has been set through the link of a password reset."),
		.placeholders = ph_password_changed,
		.subject = {"Ihr Passwort wurde geändert", "Your password has been changed"},
		.body = {
			"Guten Tag {{name}},\n\n"
			"das Passwort Ihres Kontos bei {{region}} wurde am {{zeit}} neu festgelegt. "
			"Alle Anmeldungen auf allen Geräten wurden dabei beendet. Melden Sie sich "
			"mit dem neuen Passwort wieder an:\n\n"
			"{{link}}\n\n"
			"Haben Sie das Passwort nicht selbst geändert? Dann wenden Sie sich bitte "
			"sofort an die Geschäftsstelle.\n\n"
			"Mit freundlichen Grüßen\n"
			"{{region}}\n",
			"Hello {{name}},\n\n"
			"the password of your account at {{region}} was set anew on {{zeit}}. "
			"You have been logged out on every device. Log in with the new password:\n\n"
			"{{link}}\n\n"
			"If you did not change the password yourself, please contact the office "
			"at once.\n\n"
			"Kind regards\n"
			"{{region}}\n",
		},
	},
	{
		.key = "feedback.received", .kind = MESSAGE_MAIL,
		.label = N_("Accessibility feedback received"),
		.purpose = N_("Sent to the person who gave feedback on accessibility, if they entered an e-mail address."),
		.placeholders = ph_feedback,
		.subject = {"Ihre Rückmeldung zur Barrierefreiheit ist eingegangen",
			    "Your feedback on accessibility has arrived"},
		.body = {
			"Guten Tag{{#name}} {{name}}{{/name}},\n\n"
			"vielen Dank für Ihre Rückmeldung zur Barrierefreiheit. Sie ist am {{datum}} "
			"bei der Geschäftsstelle von {{region}} eingegangen und hat die Nummer "
			"{{nummer}}. Wir melden uns so bald wie möglich bei Ihnen.\n\n"
			"Unsere Erklärung zur Barrierefreiheit:\n"
			"{{link}}\n\n"
			"Mit freundlichen Grüßen\n"
			"{{region}}\n",
			"Hello{{#name}} {{name}}{{/name}},\n\n"
			"thank you for your feedback on accessibility. It reached the office of "
			"{{region}} on {{datum}} and has the number {{nummer}}. We will get back to "
			"you as soon as we can.\n\n"
			"Our accessibility statement:\n"
			"{{link}}\n\n"
			"Kind regards\n"
			"{{region}}\n",
		},
	},
	{
		.key = "meeting.invitation", .kind = MESSAGE_MAIL,
		.label = N_("Invitation to a meeting"),
		.purpose = N_("Sent to the members of a body when a meeting is called."),
		.placeholders = ph_meeting,
		.subject = {"Einladung: {{sitzung}} am {{datum}}", "Invitation: {{sitzung}} on {{datum}}"},
		.body = {
			"{{anrede}},\n\n"
			"hiermit laden wir Sie zur Sitzung „{{sitzung}}“ des Gremiums {{gremium}} ein.\n\n"
			"Termin: {{datum}}\n"
			"Ort: {{ort}}\n\n"
			"Die Tagesordnung und die Unterlagen finden Sie in bireg:\n"
			"{{link}}\n\n"
			"Bitte sagen Sie dort zu oder ab.\n\n"
			"Mit freundlichen Grüßen\n"
			"Geschäftsstelle {{region}}\n",
			"{{anrede}},\n\n"
			"we invite you to the meeting “{{sitzung}}” of the {{gremium}}.\n\n"
			"Date: {{datum}}\n"
			"Place: {{ort}}\n\n"
			"The agenda and the papers are in bireg:\n"
			"{{link}}\n\n"
			"Please accept or decline there.\n\n"
			"Kind regards\n"
			"The office of {{region}}\n",
		},
	},
	{
		.key = "meeting.cancelled", .kind = MESSAGE_MAIL,
		.label = N_("Meeting cancelled"),
		.purpose = N_("Sent to the members of a body when a meeting is cancelled."),
		.placeholders = ph_meeting,
		.subject = {"Abgesagt: {{sitzung}} am {{datum}}", "Cancelled: {{sitzung}} on {{datum}}"},
		.body = {
			"{{anrede}},\n\n"
			"die Sitzung „{{sitzung}}“ des Gremiums {{gremium}} am {{datum}} "
			"({{ort}}) findet nicht statt. Bitte entschuldigen Sie die Änderung.\n\n"
			"Einzelheiten finden Sie in bireg:\n"
			"{{link}}\n\n"
			"Mit freundlichen Grüßen\n"
			"Geschäftsstelle {{region}}\n",
			"{{anrede}},\n\n"
			"the meeting “{{sitzung}}” of the {{gremium}} on {{datum}} ({{ort}}) has "
			"been cancelled. We apologise for the change.\n\n"
			"Details are in bireg:\n"
			"{{link}}\n\n"
			"Kind regards\n"
			"The office of {{region}}\n",
		},
	},
	{
		.key = "letter.generic", .kind = MESSAGE_LETTER,
		.label = N_("Letter"),
		.purpose = N_("The frame of a letter on the region's letterhead: salutation, text and closing. The first paragraph is the salutation, the last one the closing."),
		.placeholders = ph_letter,
		.subject = {"{{betreff}}", "{{betreff}}"},
		.body = {
			"{{anrede}},\n\n"
			"{{inhalt}}\n\n"
			"Mit freundlichen Grüßen\n",
			"{{anrede}},\n\n"
			"{{inhalt}}\n\n"
			"Kind regards\n",
		},
	},
};

size_t message_def_count(void)
{
	return G_N_ELEMENTS(defs);
}

const message_def *message_def_at(size_t i)
{
	return i < G_N_ELEMENTS(defs) ? &defs[i] : NULL;
}

const message_def *message_def_find(const char *key)
{
	for (size_t i = 0; key && i < G_N_ELEMENTS(defs); i++)
		if (!strcmp(defs[i].key, key))
			return &defs[i];
	return NULL;
}

const message_placeholder *message_def_placeholder(const message_def *d, const char *name)
{
	for (const message_placeholder *p = d->placeholders; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

/* ---- tokens and checking ------------------------------------------------- */

typedef enum { TOK_TEXT, TOK_VAR, TOK_SECTION, TOK_INVERTED, TOK_CLOSE } tok_kind;

typedef struct tok {
	tok_kind kind;
	const char *start; /* text: the bytes; tags: the name */
	size_t len;
} tok;

void message_issue_free(message_issue *i)
{
	if (!i)
		return;
	g_free(i->arg);
	g_free(i);
}

static void add_issue(GPtrArray *issues, const char *field, const char *msgid, char *arg)
{
	message_issue *i = g_new0(message_issue, 1);
	i->field = field;
	i->msgid = msgid;
	i->arg = arg;
	g_ptr_array_add(issues, i);
}

/* A short quote of a bad tag for a message: at most 40 characters, on one
 * line. */
static char *quote_tag(const char *start, size_t len)
{
	g_autofree char *raw = g_strndup(start, len);
	g_autofree char *one = text_collapse_ws(raw);
	if (g_utf8_strlen(one, -1) > 40) {
		g_autofree char *cut = g_utf8_substring(one, 0, 40);
		return g_strconcat(cut, "…", NULL);
	}
	return g_steal_pointer(&one);
}

/* Splits src into tokens; reports what is wrong in issues (under field).
 * Returns the tokens also when there were issues (callers then stop). */
static GArray *tokenize(const message_def *d, const char *field, const char *src, GPtrArray *issues)
{
	GArray *toks = g_array_new(FALSE, FALSE, sizeof(tok));
	g_autoptr(GPtrArray) stack = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GHashTable) unknown = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	const char *p = src;

	while (*p) {
		const char *open = strstr(p, "{{");
		if (!open) {
			g_array_append_val(toks, ((tok){TOK_TEXT, p, strlen(p)}));
			break;
		}
		if (open > p)
			g_array_append_val(toks, ((tok){TOK_TEXT, p, (size_t)(open - p)}));
		if (open[2] == '{') {
			const char *end = strstr(open, "}}}");
			size_t len = end ? (size_t)(end + 3 - open) : strlen(open);
			add_issue(issues, field, N_("{tag} is not allowed: write placeholders as {{name}}."),
				  quote_tag(open, len));
			p = open + len;
			continue;
		}
		const char *close = strstr(open + 2, "}}");
		const char *nl = strchr(open + 2, '\n');
		if (!close || (nl && nl < close)) {
			size_t len = nl ? (size_t)(nl - open) : strlen(open);
			add_issue(issues, field, N_("The placeholder {tag} is not closed: it needs }} at its end."),
				  quote_tag(open, MIN(len, (size_t)30)));
			p = open + 2;
			continue;
		}
		g_autofree char *inner_raw = g_strndup(open + 2, (size_t)(close - open - 2));
		char *inner = g_strstrip(inner_raw);
		char sigil = *inner;
		tok_kind kind = TOK_VAR;

		p = close + 2;
		if (strchr("!>&=<${", sigil) && sigil) {
			add_issue(issues, field, N_("{tag} is not allowed: write placeholders as {{name}}."),
				  quote_tag(open, (size_t)(p - open)));
			continue;
		}
		if (sigil == '#' || sigil == '^' || sigil == '/') {
			kind = sigil == '#' ? TOK_SECTION : sigil == '^' ? TOK_INVERTED : TOK_CLOSE;
			inner = g_strstrip(inner + 1);
		}
		if (!message_def_placeholder(d, inner)) {
			if (!g_hash_table_contains(unknown, inner)) {
				g_hash_table_add(unknown, g_strdup(inner));
				add_issue(issues, field, N_("Unknown placeholder {tag}."),
					  g_strdup_printf("{{%s}}", inner));
			}
			continue;
		}
		if (kind == TOK_SECTION || kind == TOK_INVERTED) {
			g_ptr_array_add(stack, g_strdup(inner));
		} else if (kind == TOK_CLOSE) {
			if (stack->len == 0) {
				add_issue(issues, field, N_("{tag} ends a part that was not started."),
					  g_strdup_printf("{{/%s}}", inner));
				continue;
			}
			const char *top = g_ptr_array_index(stack, stack->len - 1);
			if (strcmp(top, inner)) {
				add_issue(issues, field, N_("{tag} does not end the part started last."),
					  g_strdup_printf("{{/%s}}", inner));
				continue;
			}
			g_ptr_array_remove_index(stack, stack->len - 1);
		}
		/* The name points into the source: recompute its place. */
		const char *name = strstr(open + 2, inner);
		g_array_append_val(toks, ((tok){kind, name, strlen(inner)}));
	}
	for (guint i = 0; i < stack->len; i++)
		add_issue(issues, field, N_("The part {tag} is not ended: add {{/name}} after it, with its name."),
			  g_strdup_printf("{{#%s}}", (const char *)g_ptr_array_index(stack, i)));
	return toks;
}

static void check_length(GPtrArray *issues, const char *field, const char *s, long max,
			 const char *empty_msgid, const char *long_msgid)
{
	g_autofree char *trimmed = text_trim_dup(s);
	if (!trimmed || !*trimmed)
		add_issue(issues, field, empty_msgid, NULL);
	else if (g_utf8_strlen(s, -1) > max)
		add_issue(issues, field, long_msgid, NULL);
}

GPtrArray *message_check(const message_def *d, const char *subject, const char *body)
{
	GPtrArray *issues = g_ptr_array_new_with_free_func((GDestroyNotify)message_issue_free);

	if (!subject || text_has_control_chars(subject) || strpbrk(subject, "\r\n\t")) {
		add_issue(issues, "subject", N_("The subject must be one line of text."), NULL);
	} else {
		check_length(issues, "subject", subject, MESSAGE_SUBJECT_MAX_CHARS,
			     N_("Please enter a subject."),
			     N_("The subject is too long: at most 200 characters."));
		g_autoptr(GArray) t = tokenize(d, "subject", subject, issues);
	}
	if (!body || text_has_control_chars(body)) {
		add_issue(issues, "body", N_("The text contains characters that cannot be sent (control characters)."), NULL);
	} else {
		check_length(issues, "body", body, MESSAGE_BODY_MAX_CHARS, N_("Please enter a text."),
			     N_("The text is too long: at most 20,000 characters."));
		g_autoptr(GArray) t = tokenize(d, "body", body, issues);
	}
	return issues;
}

/* ---- rendering ----------------------------------------------------------- */

void message_out_free(message_out *m)
{
	if (!m)
		return;
	g_free(m->subject);
	g_free(m->text);
	g_free(m->html);
	g_free(m->html_body);
	g_free(m);
}

/* The engine's source for checked tokens: {{name}} becomes {{&name}}. */
static char *engine_source(GArray *toks)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < toks->len; i++) {
		const tok *t = &g_array_index(toks, tok, i);
		static const char *const open[] = {"", "{{&", "{{#", "{{^", "{{/"};
		if (t->kind == TOK_TEXT) {
			g_string_append_len(s, t->start, (gssize)t->len);
			continue;
		}
		g_string_append(s, open[t->kind]);
		g_string_append_len(s, t->start, (gssize)t->len);
		g_string_append(s, "}}");
	}
	return g_string_free(s, FALSE);
}

/* Backslash before every ASCII punctuation character Markdown could read as
 * syntax, and line starts that would become headings or lists kept as text. */
static char *markdown_escape(const char *s)
{
	GString *o = g_string_sized_new(strlen(s) + 8);
	for (const char *p = s; *p; p++) {
		if (strchr("\\`*_{}[]()<>#+-.!|~", *p))
			g_string_append_c(o, '\\');
		g_string_append_c(o, *p);
	}
	return g_string_free(o, FALSE);
}

static json_t *prepared_values(const message_def *d, json_t *values, bool for_markdown,
			       GError **err)
{
	json_t *out = json_object();
	for (const message_placeholder *p = d->placeholders; p->name; p++) {
		json_t *v = json_object_get(values, p->name);
		if (!json_is_string(v)) {
			json_decref(out);
			util_fail(err, BIREG_MESSAGE_ERROR, MESSAGE_ERROR_VALUES,
				  "message %s: no text for placeholder %s", d->key, p->name);
			return NULL;
		}
		if (for_markdown && !p->markdown) {
			g_autofree char *esc = markdown_escape(json_string_value(v));
			json_object_set_new(out, p->name, json_string(esc));
		} else {
			json_object_set(out, p->name, v);
		}
	}
	return out;
}

/* [text](url) as "text (url)". */
static char *plain_links(const char *s);
static char *html_document(const char *body, const char *lang, const char *title);

message_out *message_render(const message_def *d, const char *lang, const char *subject,
			    const char *body, json_t *values, GError **err)
{
	g_autoptr(GPtrArray) issues = g_ptr_array_new_with_free_func((GDestroyNotify)message_issue_free);
	g_autoptr(GArray) ts = NULL, tb = NULL;
	g_autoptr(mustache_set) set = NULL;
	g_autoptr(GString) s_out = g_string_new(NULL), b_out = g_string_new(NULL);
	g_autofree char *s_src = NULL, *b_src = NULL;
	json_t *data, *body_data;
	message_out *m;
	int li = message_lang_index(lang);

	if (li < 0) {
		util_fail(err, BIREG_MESSAGE_ERROR, MESSAGE_ERROR_UNKNOWN_KEY, "no language %s",
			  lang ? lang : "(null)");
		return NULL;
	}
	/* The subject is plain text everywhere; a letter's body is Markdown.
	 * Missing values first: that is the caller's bug, whatever the
	 * template. */
	data = prepared_values(d, values, false, err);
	if (!data)
		return NULL;
	ts = tokenize(d, "subject", subject ? subject : "", issues);
	tb = tokenize(d, "body", body ? body : "", issues);
	if (issues->len) {
		message_issue *i = g_ptr_array_index(issues, 0);
		json_decref(data);
		util_fail(err, BIREG_MESSAGE_ERROR, MESSAGE_ERROR_INVALID,
			  "message %s (%s): the %s is not a valid template: %s %s", d->key, lang,
			  i->field, i->msgid, i->arg ? i->arg : "");
		return NULL;
	}
	body_data = d->kind == MESSAGE_LETTER ? prepared_values(d, values, true, err)
					      : json_incref(data);
	if (!body_data) {
		json_decref(data);
		return NULL;
	}
	s_src = engine_source(ts);
	b_src = engine_source(tb);
	set = mustache_set_new(MUSTACHE_STRICT);
	if (mustache_set_add(set, "subject", s_src, strlen(s_src), err) < 0 ||
	    mustache_set_add(set, "body", b_src, strlen(b_src), err) < 0 ||
	    mustache_set_link(set, err) < 0 ||
	    mustache_render(set, "subject", data, NULL, s_out, err) < 0 ||
	    mustache_render(set, "body", body_data, NULL, b_out, err) < 0) {
		json_decref(data);
		json_decref(body_data);
		g_prefix_error(err, "message %s (%s): ", d->key, lang);
		if (err && *err) {
			(*err)->domain = BIREG_MESSAGE_ERROR;
			(*err)->code = MESSAGE_ERROR_RENDER;
		}
		return NULL;
	}
	json_decref(data);
	json_decref(body_data);

	m = g_new0(message_out, 1);
	/* One line: the subject becomes a mail header or a letter's Betreff. */
	g_autofree char *subj_plain = plain_links(s_out->str);
	m->subject = text_collapse_ws(subj_plain);
	if (!m->subject)
		m->subject = g_strdup("");
	if (d->kind == MESSAGE_LETTER) {
		m->text = g_strdup(b_out->str);
		m->html = NULL;
	} else {
		m->text = plain_links(b_out->str);
		m->html_body = message_text_to_html_fragment(b_out->str);
		m->html = html_document(m->html_body, lang, m->subject);
	}
	return m;
}

json_t *message_sample_values(const message_def *d, const char *lang)
{
	int li = MAX(message_lang_index(lang), 0);
	json_t *v = json_object();
	for (const message_placeholder *p = d->placeholders; p->name; p++)
		json_object_set_new(v, p->name, json_string(p->sample[li]));
	return v;
}

/* ---- Markdown light ------------------------------------------------------ */

static bool is_url_start(const char *p)
{
	return g_str_has_prefix(p, "https://") || g_str_has_prefix(p, "http://");
}

/* Length of a bare web address at p: up to white space or <>"; closing
 * punctuation at its end is not part of it (nor an unmatched ')'). */
static size_t url_len(const char *p)
{
	size_t n = 0;
	int parens = 0;
	while (p[n] && !g_ascii_isspace(p[n]) && !strchr("<>\"", p[n])) {
		if (p[n] == '(')
			parens++;
		else if (p[n] == ')')
			parens--;
		n++;
	}
	while (n > 0 && (strchr(".,;:!?'", p[n - 1]) || (p[n - 1] == ')' && parens < 0))) {
		if (p[n - 1] == ')')
			parens++;
		n--;
	}
	return n;
}

/* [text](url) at p: returns the length of the whole, and where text and url
 * are; 0 when p does not start such a link. */
static size_t md_link(const char *p, const char **text, size_t *tlen, const char **url,
		      size_t *ulen)
{
	const char *close, *end;

	if (*p != '[')
		return 0;
	close = strchr(p + 1, ']');
	if (!close || close == p + 1 || close[1] != '(' || memchr(p + 1, '\n', (size_t)(close - p - 1)))
		return 0;
	if (!is_url_start(close + 2) && !g_str_has_prefix(close + 2, "mailto:"))
		return 0;
	end = close + 2;
	while (*end && *end != ')' && !g_ascii_isspace(*end))
		end++;
	if (*end != ')')
		return 0;
	*text = p + 1;
	*tlen = (size_t)(close - p - 1);
	*url = close + 2;
	*ulen = (size_t)(end - close - 2);
	return (size_t)(end + 1 - p);
}

static char *plain_links(const char *s)
{
	GString *o = g_string_sized_new(strlen(s));
	for (const char *p = s; *p;) {
		const char *t, *u;
		size_t tl, ul, n = md_link(p, &t, &tl, &u, &ul);
		if (n) {
			g_string_append_len(o, t, (gssize)tl);
			g_string_append(o, " (");
			g_string_append_len(o, u, (gssize)ul);
			g_string_append_c(o, ')');
			p += n;
		} else {
			g_string_append_c(o, *p++);
		}
	}
	return g_string_free(o, FALSE);
}

static void esc_append(GString *o, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': g_string_append(o, "&amp;"); break;
		case '<': g_string_append(o, "&lt;"); break;
		case '>': g_string_append(o, "&gt;"); break;
		case '"': g_string_append(o, "&quot;"); break;
		case '\'': g_string_append(o, "&#39;"); break;
		default: g_string_append_c(o, s[i]);
		}
	}
}

static void inline_html(GString *o, const char *s, size_t len)
{
	g_autofree char *line = g_strndup(s, len);
	const char *p = line;
	const char *plain = p;

	while (*p) {
		const char *t, *u;
		size_t tl, ul, n = md_link(p, &t, &tl, &u, &ul);
		if (!n && is_url_start(p) && (p == line || !g_ascii_isalnum(p[-1]))) {
			ul = url_len(p);
			if (ul > strlen("https://")) {
				t = u = p;
				tl = ul;
				n = ul;
			}
		}
		if (!n) {
			p = g_utf8_next_char(p);
			continue;
		}
		esc_append(o, plain, (size_t)(p - plain));
		g_string_append(o, "<a href=\"");
		esc_append(o, u, ul);
		g_string_append(o, "\">");
		esc_append(o, t, tl);
		g_string_append(o, "</a>");
		p += n;
		plain = p;
	}
	esc_append(o, plain, strlen(plain));
}

static bool is_item(const char *line)
{
	return (line[0] == '-' || line[0] == '*') && line[1] == ' ';
}

char *message_text_to_html_fragment(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
	GString *o = g_string_new(NULL);
	enum { NONE, PARA, LIST } state = NONE;

	for (char **l = lines; *l; l++) {
		g_autofree char *line = g_strdup(*l);
		g_strchomp(line);
		const char *lead = line;
		while (*lead == ' ' || *lead == '\t')
			lead++;
		if (!*lead) {
			if (state == PARA)
				g_string_append(o, "</p>\n");
			else if (state == LIST)
				g_string_append(o, "</li>\n</ul>\n");
			state = NONE;
			continue;
		}
		if (is_item(lead)) {
			if (state == PARA)
				g_string_append(o, "</p>\n");
			if (state == LIST)
				g_string_append(o, "</li>\n");
			else
				g_string_append(o, "<ul>\n");
			g_string_append(o, "<li>");
			inline_html(o, lead + 2, strlen(lead + 2));
			state = LIST;
			continue;
		}
		if (state == LIST && lead != line) {
			/* an indented line continues the list item */
			g_string_append(o, "<br>\n");
			inline_html(o, lead, strlen(lead));
			continue;
		}
		if (state == LIST) {
			g_string_append(o, "</li>\n</ul>\n");
			state = NONE;
		}
		if (state == PARA) {
			g_string_append(o, "<br>\n");
		} else {
			g_string_append(o, "<p>");
			state = PARA;
		}
		inline_html(o, line, strlen(line));
	}
	if (state == PARA)
		g_string_append(o, "</p>\n");
	else if (state == LIST)
		g_string_append(o, "</li>\n</ul>\n");
	return g_string_free(o, FALSE);
}

static char *html_document(const char *body, const char *lang, const char *title)
{
	GString *o = g_string_new("<!DOCTYPE html>\n<html lang=\"");
	esc_append(o, lang && message_lang_index(lang) >= 0 ? lang : "de", 2);
	g_string_append(o, "\">\n<head>\n<meta charset=\"utf-8\">\n"
			   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			   "<title>");
	esc_append(o, title ? title : "", title ? strlen(title) : 0);
	g_string_append(o, "</title>\n</head>\n<body>\n");
	g_string_append(o, body);
	g_string_append(o, "</body>\n</html>\n");
	return g_string_free(o, FALSE);
}

char *message_text_to_html(const char *text, const char *lang, const char *title)
{
	g_autofree char *body = message_text_to_html_fragment(text);
	return html_document(body, lang, title);
}

/* The reverse of markdown_escape: a backslash before ASCII punctuation goes. */
static char *markdown_unescape(const char *s)
{
	GString *o = g_string_sized_new(strlen(s));
	for (const char *p = s; *p; p++) {
		if (*p == '\\' && p[1] && g_ascii_ispunct(p[1]))
			p++;
		g_string_append_c(o, *p);
	}
	return g_string_free(o, FALSE);
}

void message_letter_split(const char *body, char **salutation, char **text, char **closing)
{
	g_autoptr(GPtrArray) paras = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) cur = g_string_new(NULL);
	g_auto(GStrv) lines = g_strsplit(body ? body : "", "\n", -1);

	for (char **l = lines;; l++) {
		g_autofree char *t = *l ? text_trim_dup(*l) : NULL;
		if (!*l || !t || !*t) {
			if (cur->len) {
				g_ptr_array_add(paras, g_strdup(cur->str));
				g_string_truncate(cur, 0);
			}
			if (!*l)
				break;
			continue;
		}
		if (cur->len)
			g_string_append_c(cur, '\n');
		g_string_append(cur, g_strchomp(*l));
	}
	if (paras->len < 3) {
		*salutation = g_strdup("");
		*closing = g_strdup("");
		g_ptr_array_add(paras, NULL);
		*text = g_strjoinv("\n\n", (char **)paras->pdata);
		return;
	}
	*salutation = markdown_unescape(g_ptr_array_index(paras, 0));
	*closing = markdown_unescape(g_ptr_array_index(paras, paras->len - 1));
	g_free(g_ptr_array_steal_index(paras, paras->len - 1));
	g_ptr_array_add(paras, NULL);
	*text = g_strjoinv("\n\n", (char **)paras->pdata + 1);
}

/* ---- the region's templates ---------------------------------------------- */

void message_template_free(message_template *t)
{
	if (!t)
		return;
	g_free(t->subject);
	g_free(t->body);
	g_free(t->updated_at);
	g_free(t->updated_by_name);
	g_free(t);
}

static int lookup(const char *key, const char *lang, const message_def **d, int *li, GError **err)
{
	*d = message_def_find(key);
	*li = message_lang_index(lang);
	if (!*d || *li < 0)
		return util_fail(err, BIREG_MESSAGE_ERROR, MESSAGE_ERROR_UNKNOWN_KEY,
				 "no message %s in language %s", key ? key : "(null)",
				 lang ? lang : "(null)");
	return 0;
}

message_template *message_template_get(const bireg_ctx *ctx, const char *key, const char *lang,
				       GError **err)
{
	const message_def *d;
	int li;
	g_autoptr(db_stmt) st = NULL;
	message_template *t;
	db_status r;

	if (lookup(key, lang, &d, &li, err) < 0)
		return NULL;
	st = db_prepare(ctx->db,
		"SELECT t.subject, t.body, t.updated_at, a.display_name FROM message_template t "
		"LEFT JOIN account a ON a.id = t.updated_by "
		"WHERE t.region_id = $1 AND t.key = $2 AND t.lang = $3", err);
	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, d->key);
	db_bind_text(st, 3, message_langs[li]);
	r = db_step(st, err);
	if (r < 0)
		return NULL;
	t = g_new0(message_template, 1);
	t->def = d;
	g_strlcpy(t->lang, message_langs[li], sizeof t->lang);
	if (r == DB_ROW) {
		t->custom = true;
		t->subject = g_strdup(db_col_text(st, 0));
		t->body = g_strdup(db_col_text(st, 1));
		t->updated_at = g_strdup(db_col_text(st, 2));
		t->updated_by_name = g_strdup(db_col_text(st, 3));
	} else {
		t->subject = g_strdup(d->subject[li]);
		t->body = g_strdup(d->body[li]);
	}
	return t;
}

json_t *message_template_list_custom(const bireg_ctx *ctx, GError **err)
{
	g_autoptr(db_stmt) st = db_prepare(ctx->db,
		"SELECT t.key, t.lang, t.updated_at, a.display_name FROM message_template t "
		"LEFT JOIN account a ON a.id = t.updated_by WHERE t.region_id = $1 "
		"ORDER BY t.key, t.lang", err);
	json_t *list;
	db_status r;

	if (!st)
		return NULL;
	db_bind_int64(st, 1, ctx->region_id);
	list = json_array();
	while ((r = db_step(st, err)) == DB_ROW) {
		const char *by = db_col_text(st, 3);
		json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s?}", "key", db_col_text(st, 0),
						      "lang", db_col_text(st, 1), "updated_at",
						      db_col_text(st, 2), "updated_by_name", by));
	}
	if (r < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

int message_template_save(const bireg_ctx *ctx, const char *key, const char *lang,
			  const char *subject, const char *body, GError **err)
{
	const message_def *d;
	int li;
	g_autoptr(GPtrArray) issues = NULL;
	g_autoptr(db_stmt) st = NULL;
	char now[21];

	if (lookup(key, lang, &d, &li, err) < 0)
		return -1;
	issues = message_check(d, subject, body);
	if (issues->len) {
		message_issue *i = g_ptr_array_index(issues, 0);
		return util_fail(err, BIREG_MESSAGE_ERROR, MESSAGE_ERROR_INVALID,
				 "message %s (%s): the %s is not a valid template: %s %s", d->key,
				 message_langs[li], i->field, i->msgid, i->arg ? i->arg : "");
	}
	st = db_prepare(ctx->db,
		"INSERT INTO message_template (region_id, key, lang, subject, body, updated_by, updated_at) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7) "
		"ON CONFLICT (region_id, key, lang) DO UPDATE SET subject = excluded.subject, "
		"body = excluded.body, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
		err);
	if (!st)
		return -1;
	util_now_iso(now);
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, d->key);
	db_bind_text(st, 3, message_langs[li]);
	db_bind_text(st, 4, subject);
	db_bind_text(st, 5, body);
	if (ctx->user_id > 0)
		db_bind_int64(st, 6, ctx->user_id);
	else
		db_bind_null(st, 6);
	db_bind_text(st, 7, now);
	return db_run(st, err) == DB_OK ? 0 : -1;
}

int message_template_reset(const bireg_ctx *ctx, const char *key, const char *lang,
			   GError **err)
{
	const message_def *d;
	int li;
	g_autoptr(db_stmt) st = NULL;

	if (lookup(key, lang, &d, &li, err) < 0)
		return -1;
	st = db_prepare(ctx->db,
		"DELETE FROM message_template WHERE region_id = $1 AND key = $2 AND lang = $3", err);
	if (!st)
		return -1;
	db_bind_int64(st, 1, ctx->region_id);
	db_bind_text(st, 2, d->key);
	db_bind_text(st, 3, message_langs[li]);
	if (db_run(st, err) != DB_OK)
		return -1;
	return db_changes(ctx->db) > 0 ? 1 : 0;
}

message_out *message_render_stored(const bireg_ctx *ctx, const char *key, const char *lang,
				   json_t *values, GError **err)
{
	g_autoptr(message_template) t = message_template_get(ctx, key, lang, err);
	g_autoptr(GError) own = NULL;
	message_out *m;
	int li;

	if (!t)
		return NULL;
	m = message_render(t->def, t->lang, t->subject, t->body, values, t->custom ? &own : err);
	if (m || !t->custom)
		return m;
	if (own->domain == BIREG_MESSAGE_ERROR && own->code == MESSAGE_ERROR_VALUES) {
		g_propagate_error(err, g_steal_pointer(&own));
		return NULL;
	}
	log_warn("region %" G_GINT64_FORMAT ": its own template %s (%s) does not render (%s); "
		 "the default is used", ctx->region_id, t->def->key, t->lang, own->message);
	li = message_lang_index(t->lang);
	return message_render(t->def, t->lang, t->def->subject[li], t->def->body[li], values, err);
}

int message_send_mail(const bireg_ctx *ctx, const char *key, const char *lang, json_t *values,
		      const char *to_addr, const char *to_name, int64_t *id_out, GError **err)
{
	const message_def *d = message_def_find(key);
	g_autoptr(message_out) m = NULL;

	if (!d || d->kind != MESSAGE_MAIL)
		return util_fail(err, BIREG_MESSAGE_ERROR, MESSAGE_ERROR_UNKNOWN_KEY,
				 "no mail message %s", key ? key : "(null)");
	m = message_render_stored(ctx, key, lang, values, err);
	if (!m)
		return -1;
	mail_message mm = {
		.to_addr = to_addr,
		.to_name = to_name && *to_name ? to_name : NULL,
		.subject = m->subject,
		.text = m->text,
		.html = m->html,
		.kind = d->key,
		.lang = message_langs[message_lang_index(lang) < 0 ? 0 : message_lang_index(lang)],
	};
	return outbox_enqueue(ctx, &mm, id_out, err) < 0 ? -1 : 0;
}

GBytes *message_letter_pdf(const bireg_ctx *ctx, json_t *region, const message_out *m,
			   const char *lang, const char *const *recipient_lines, const char *date,
			   const char *signature, GError **err)
{
	g_autofree char *salutation = NULL, *text = NULL, *closing = NULL;
	pdf_letterhead *lh = pdf_letterhead_from_region(ctx, region, err);
	GBytes *pdf;

	if (!lh)
		return NULL;
	message_letter_split(m->text, &salutation, &text, &closing);
	pdf_letter l = {
		.letterhead = lh,
		.recipient_lines = recipient_lines,
		.date = date,
		.subject = m->subject,
		.salutation = *salutation ? salutation : NULL,
		.body_markdown = text,
		.closing = *closing ? closing : NULL,
		.signature = signature,
		.title = m->subject,
		.lang = lang,
	};
	pdf = pdf_render_letter(&l, err);
	pdf_letterhead_free(lh);
	return pdf;
}
