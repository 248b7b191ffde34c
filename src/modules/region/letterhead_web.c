/*
 * letterhead_web.c — the letterhead previews (see letterhead_web.h).
 *
 * Both PDFs are made from the region as stored now — its name, the
 * office's address and contact, the sender line and footer, the logo from
 * the file store — so the office sees exactly what a letter from bireg
 * will look like, before the first one goes out. The recipient and the
 * schools are fictitious. The contents are German, as the letters are.
 *
 * A PDF of one letter or a few pages takes some tens of milliseconds, so
 * it is made in the request (batches of letters go to a job). It is sent
 * inline, not cached (private, no-store: it carries the office's data and
 * changes with the settings).
 */
#include "modules/region/letterhead_web.h"

#include <string.h>

#include "core/log.h"
#include "modules/region/region_web.h"
#include "out/pdf.h"
#include "view/format.h"

/* "26. November 2026": today in Europe/Berlin. New. */
static char *today_long(void)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	bireg_date d = format_date_of(now);
	return g_strdup_printf("%d. %s %d", d.day, format_month_name("de", d.month), d.year);
}

static const char *region_name(const req_ctx *rc)
{
	const char *s = json_string_value(json_object_get(rc->region, "name"));
	return s ? s : "";
}

static int send_pdf(req_ctx *rc, GBytes *pdf, const char *filename)
{
	g_autofree char *disposition = g_strdup_printf("inline; filename=\"%s\"", filename);

	rc->resp->status = 200;
	http_response_set_header(rc->resp, "Content-Type", "application/pdf");
	http_response_set_header(rc->resp, "Content-Disposition", disposition);
	http_response_set_header(rc->resp, "Cache-Control", "private, no-store");
	rc->resp->body_bytes = pdf;
	return 0;
}

static pdf_letterhead *letterhead(req_ctx *rc, int *status)
{
	g_autoptr(GError) err = NULL;
	pdf_letterhead *lh = pdf_letterhead_from_region(&rc->ctx, rc->region, &err);

	if (!lh) {
		log_error("request %s: the letterhead cannot be read: %s", rc->req->request_id,
			  err->message);
		*status = region_web_status_for(err);
	}
	return lh;
}

static int render_failed(req_ctx *rc, const GError *err)
{
	log_error("request %s: the PDF cannot be made: %s", rc->req->request_id, err->message);
	return 500;
}

static const char letter_body[] =
	"dieser Brief zeigt den **Briefbogen** der Geschäftsstelle, wie bireg ihn für "
	"Einladungen, Protokolle und Bescheide verwendet. Bitte prüfen Sie:\n\n"
	"- Stehen Name, Anschrift und Kontaktdaten der Geschäftsstelle richtig im Kopf und in "
	"der Fußzeile?\n"
	"- Ist das Logo scharf und gut lesbar?\n"
	"- Passt die Absenderzeile über der Anschrift in das Fenster eines Umschlags "
	"(DIN lang, Fenster links)?\n\n"
	"Die Anschrift steht nach DIN 5008 (Form B) 45 mm unter der oberen Kante und 20 mm "
	"vom linken Rand; die Falzmarken am linken Rand zeigen, wo der Brief für einen "
	"Umschlag DIN lang gefaltet wird, die Lochmarke die Mitte zum Lochen.\n\n"
	"Die Empfängerin dieses Briefes ist frei erfunden.";

int letterhead_letter_pdf(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(pdf_letterhead) lh = NULL;
	g_autofree char *date = today_long();
	g_autofree char *title = g_strconcat("Briefbogen-Vorschau – ", region_name(rc), NULL);
	g_autofree char *signature = NULL;
	static const char *const recipient[] = {"Frau Erika Musterfrau", "Musterschule",
						"Musterweg 1", "47051 Duisburg", NULL};
	const char *name = rc->user && rc->user->display_name ? rc->user->display_name : "";
	pdf_letter l = {0};
	GBytes *pdf;
	int status = 500;

	lh = letterhead(rc, &status);
	if (!lh)
		return status;
	signature = g_strjoin("\n", *name ? name : lh->office_name,
			      *name && *lh->office_name ? lh->office_name : "", NULL);
	l = (pdf_letter){
		.letterhead = lh,
		.recipient_lines = recipient,
		.our_ref = "Vorschau",
		.contact_name = name,
		.contact_phone = lh->phone,
		.contact_email = lh->email,
		.date = date,
		.subject = "Vorschau des Briefbogens",
		.salutation = "Sehr geehrte Frau Musterfrau,",
		.body_markdown = letter_body,
		.closing = "Mit freundlichen Grüßen",
		.signature = signature,
		.title = title,
		.lang = "de",
	};
	pdf = pdf_render_letter(&l, &err);
	if (!pdf)
		return render_failed(rc, err);
	log_info("request %s: letterhead preview of region %" G_GINT64_FORMAT " (%zu bytes)",
		 rc->req->request_id, rc->ctx.region_id, g_bytes_get_size(pdf));
	return send_pdf(rc, pdf, "briefbogen-vorschau.pdf");
}

/* ---- the sample table ---------------------------------------------------- */

#define N_SCHOOLS 120

static const char *const forms[] = {"Grundschule", "Hauptschule", "Realschule", "Gymnasium",
				    "Gesamtschule", "Sekundarschule", "Förderschule",
				    "Berufskolleg"};
/* How often each form occurs, of 16. */
static const int form_weights[] = {6, 1, 2, 2, 2, 1, 1, 1};
static const char *const names[] = {
	"Am Lindenhof", "Sonnenhügel", "Rheinblick", "Kastanienallee", "Am Mühlenbach",
	"Lerchenfeld", "Auf dem Kamp", "Ahornweg", "Brückenschule", "Am Stadtpark",
	"Eichendorff", "Regenbogen", "Wiesengrund", "Am Hafen", "Buchenhain", "Zum Kirchturm",
	"Gartenstadt", "Im Winkel", "Am Schlosspark", "Friedensschule",
};
static const char *const districts[] = {"Nordviertel", "Südpark", "Altstadt", "Hafenviertel",
					"Westend", "Am Berg", "Ostfeld"};

static const char *form_of(int i)
{
	int k = (i * 7) % 16;
	for (size_t f = 0; f < G_N_ELEMENTS(forms); f++) {
		if (k < form_weights[f])
			return forms[f];
		k -= form_weights[f];
	}
	return forms[0];
}

int letterhead_table_pdf(req_ctx *rc)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(pdf_letterhead) lh = NULL;
	g_autoptr(pdf_doc) d = NULL;
	g_autofree char *title = g_strconcat("Beispieltabelle – ", region_name(rc), NULL);
	g_autofree char *date = today_long();
	g_autofree char *intro = NULL;
	static const pdf_column cols[] = {
		{"Nr.", 0.5, PDF_ALIGN_RIGHT},   {"Schule", 3.2, PDF_ALIGN_LEFT},
		{"Schulform", 1.7, PDF_ALIGN_LEFT}, {"Schulnummer", 1.3, PDF_ALIGN_RIGHT},
		{"Stadtteil", 1.5, PDF_ALIGN_LEFT},
	};
	const char *labels[G_N_ELEMENTS(forms)];
	double counts[G_N_ELEMENTS(forms)] = {0};
	pdf_series series = {"Schulen", counts};
	pdf_chart chart = {
		.kind = PDF_CHART_BAR,
		.title = "Schulen nach Schulform",
		.labels = labels,
		.n = G_N_ELEMENTS(forms),
		.series = &series,
		.nseries = 1,
		.decimals = 0,
		.height_mm = 65,
	};
	pdf_table *t;
	GBytes *pdf;
	int status = 500;

	lh = letterhead(rc, &status);
	if (!lh)
		return status;
	d = pdf_doc_new(&(pdf_doc_info){.title = title, .subject = "Briefbogen-Vorschau",
					.lang = "de", .letterhead = lh});
	intro = g_strdup_printf(
		"Diese Beispieltabelle zeigt, wie Listen und Berichte im Briefbogen der "
		"Geschäftsstelle aussehen: Die Tabelle läuft über mehrere Seiten, ihre Kopfzeile "
		"steht auf jeder Seite, und jede Seite trägt „Seite x von y“. Die %d Schulen sind "
		"frei erfunden. Stand: %s.", N_SCHOOLS, date);
	pdf_doc_heading(d, 1, "Beispieltabelle: Schulen der Region");
	pdf_doc_paragraph(d, intro);
	for (size_t f = 0; f < G_N_ELEMENTS(forms); f++)
		labels[f] = forms[f];
	for (int i = 1; i <= N_SCHOOLS; i++)
		for (size_t f = 0; f < G_N_ELEMENTS(forms); f++)
			if (!strcmp(form_of(i), forms[f]))
				counts[f]++;
	pdf_doc_heading(d, 2, "Übersicht");
	pdf_doc_chart(d, &chart);
	pdf_doc_heading(d, 2, "Alle Schulen");
	t = pdf_doc_table(d, cols, G_N_ELEMENTS(cols));
	for (int i = 1; i <= N_SCHOOLS; i++) {
		g_autofree char *nr = g_strdup_printf("%d", i);
		g_autofree char *school = g_strdup_printf(
			"%s %s%s", form_of(i), names[(i * 11) % G_N_ELEMENTS(names)],
			i > (int)G_N_ELEMENTS(names) ? (i % 3 ? " II" : " I") : "");
		g_autofree char *number = g_strdup_printf("1%05d", 10000 + i * 37);
		const char *row[] = {nr, school, form_of(i), number,
				     districts[i % G_N_ELEMENTS(districts)]};
		pdf_table_add_row(t, row);
	}
	pdf_doc_paragraph(d, "Ende der Beispieltabelle.");
	pdf = pdf_doc_render(d, &err);
	if (!pdf)
		return render_failed(rc, err);
	return send_pdf(rc, pdf, "beispieltabelle.pdf");
}
