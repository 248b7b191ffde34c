/*
 * pdf_bench.c — renders personalised DIN 5008 letters (src/out/pdf.h) and
 * prints how long that took and how much memory it needed. A benchmark,
 * not a test: it asserts nothing beyond "every letter became a PDF".
 *
 *   pdf_bench [--count N] [--threads T] [--logo FILE] [--out DIR] [--long-every K]
 *
 * Each letter has its own recipient (name, school, street, town), its own
 * salutation ("Sehr geehrte Frau …", "Sehr geehrter Herr …", "Guten Tag
 * …") and a body that names the person and the school; every K-th letter
 * (default 10) has a longer body that runs onto a second page. The region's
 * letterhead is the demo's, with its logo (assets/demo-logo.png, or
 * --logo). With --threads T the letters are shared among T threads (each
 * with its own font map, as request workers or job threads would).
 *
 * Output: one line per figure (total, per letter mean/median/95th
 * percentile/max, pages, bytes, peak RSS), read by bench/run-pdf.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "build_config.h"
#include "out/pdf.h"

static const char *const first_f[] = {"Erika", "Anna", "Fatma", "Olga", "Lea", "Marie", "Ayşe",
				      "Zofia", "Jana", "Renate"};
static const char *const first_m[] = {"Max", "Jürgen", "Mehmet", "Lukas", "Paul", "Jonas",
				      "Dariusz", "Ömer", "Stefan", "Björn"};
static const char *const last[] = {"Musterfrau", "Müller", "Yılmaz", "Schäfer", "Kowalski",
				   "Weiß", "Nowak", "Großmann", "Özdemir", "Becker", "Hoffmann",
				   "Schröder", "Krüger", "Wagner"};
static const char *const schools[] = {"Grundschule Am Lindenhof", "Gesamtschule Rheinblick",
				      "Gymnasium Sonnenhügel", "Realschule Am Mühlenbach",
				      "Förderschule Regenbogen", "Berufskolleg Am Hafen"};
static const char *const streets[] = {"Musterweg", "Lindenallee", "Hafenstraße", "Am Markt",
				      "Königstraße", "Düsseldorfer Straße"};
static const char *const towns[] = {"47051 Duisburg", "47119 Duisburg", "47226 Duisburg",
				    "47057 Duisburg", "46483 Wesel"};

typedef struct job {
	int from, to;           /* letters [from, to) */
	const pdf_letterhead *lh;
	int long_every;
	const char *out_dir;
	double *seconds;        /* per letter, shared array */
	gint64 bytes;
	int pages_two;          /* letters with a second page (by layout: the long ones) */
	char *error;
} job;

static int pages_of(GBytes *pdf)
{
	/* Count "/Type /Page\n" objects (not /Pages): cheap and good enough here. */
	gsize len;
	const char *d = g_bytes_get_data(pdf, &len), *p = d;
	int n = 0;
	while ((p = memmem(p, len - (size_t)(p - d), "/Type /Page", 11))) {
		p += 11;
		if (*p != 's')
			n++;
	}
	return n;
}

static gpointer run(gpointer data)
{
	job *j = data;

	for (int i = j->from; i < j->to; i++) {
		g_autoptr(GError) err = NULL;
		bool female = i % 3 != 1, neutral = i % 7 == 3;
		const char *first = female ? first_f[i % G_N_ELEMENTS(first_f)]
					   : first_m[i % G_N_ELEMENTS(first_m)];
		const char *surname = last[(i * 7) % G_N_ELEMENTS(last)];
		const char *school = schools[i % G_N_ELEMENTS(schools)];
		g_autofree char *name = g_strdup_printf("%s %s %s",
							neutral  ? ""
							: female ? "Frau"
								 : "Herr",
							first, surname);
		g_autofree char *street = g_strdup_printf("%s %d", streets[i % G_N_ELEMENTS(streets)],
							  1 + i % 97);
		g_autofree char *salutation =
			neutral  ? g_strdup_printf("Guten Tag %s %s,", first, surname)
			: female ? g_strdup_printf("Sehr geehrte Frau %s,", surname)
				 : g_strdup_printf("Sehr geehrter Herr %s,", surname);
		g_autofree char *ref = g_strdup_printf("BR-40/%04d", i + 1);
		GString *body = g_string_new(NULL);
		const char *recipient[] = {g_strstrip(name), school, street,
					   towns[i % G_N_ELEMENTS(towns)], NULL};
		pdf_letter l;
		gint64 t0;
		GBytes *pdf;

		g_string_append_printf(body,
			"wir laden Sie als Vertretung der **%s** herzlich zur Bildungskonferenz am "
			"26. November 2026 ins Rathaus ein. Die Konferenz beginnt um 14:30 Uhr.\n\n"
			"- Begrüßung durch den Oberbürgermeister\n"
			"- Bericht der Geschäftsstelle über die Übergänge Kita – Grundschule\n"
			"- Arbeit der Handlungsfelder, Beschlüsse und Empfehlungen\n\n"
			"Bitte sagen Sie uns bis zum 12. November, ob Sie teilnehmen, unter "
			"[bildungsregion.example](https://bildungsregion.example.org/anmeldung/%d).\n\n",
			school, i + 1);
		if (j->long_every > 0 && i % j->long_every == 0)
			for (int k = 0; k < 8; k++)
				g_string_append_printf(body,
					"Zu Punkt %d der Tagesordnung: Die Geschäftsstelle hat mit "
					"den Schulen und Kitas der Stadtteile Gespräche geführt und "
					"die Ergebnisse für %s %s zusammengefasst; die Unterlagen "
					"folgen mit der Einladung zur nächsten Sitzung.\n\n",
					k + 1, first, surname);
		l = (pdf_letter){
			.letterhead = j->lh,
			.recipient_lines = recipient,
			.your_ref = i % 4 ? NULL : "Ihre Nachricht vom 3. November",
			.our_ref = ref,
			.contact_name = "Alex Beispiel",
			.contact_phone = "+49 203 283-4711",
			.contact_email = "alex.beispiel@stadt.example",
			.date = "26. November 2026",
			.subject = "Einladung zur Bildungskonferenz 2026",
			.salutation = salutation,
			.body_markdown = body->str,
			.closing = "Mit freundlichen Grüßen",
			.signature = "Alex Beispiel\nGeschäftsstelle der Bildungsregion",
			.title = "Einladung zur Bildungskonferenz",
			.lang = "de",
		};
		t0 = g_get_monotonic_time();
		pdf = pdf_render_letter(&l, &err);
		j->seconds[i] = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
		g_string_free(body, TRUE);
		if (!pdf) {
			j->error = g_strdup_printf("letter %d: %s", i + 1, err->message);
			return NULL;
		}
		j->bytes += (gint64)g_bytes_get_size(pdf);
		if (pages_of(pdf) > 1)
			j->pages_two++;
		if (j->out_dir) {
			g_autofree char *path = g_strdup_printf("%s/brief-%04d.pdf", j->out_dir, i + 1);
			gsize len;
			const char *d = g_bytes_get_data(pdf, &len);
			if (!g_file_set_contents(path, d, (gssize)len, &err)) {
				j->error = g_strdup(err->message);
				g_bytes_unref(pdf);
				return NULL;
			}
		}
		g_bytes_unref(pdf);
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static long rss_kb(const char *field)
{
	g_autofree char *status = NULL;
	const char *p;
	if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
		return -1;
	p = strstr(status, field);
	return p ? strtol(p + strlen(field) + 1, NULL, 10) : -1;
}

int main(int argc, char **argv)
{
	int count = 300, threads = 1, long_every = 10;
	char *logo_path = NULL, *out_dir = NULL;
	GOptionEntry entries[] = {
		{"count", 'n', 0, G_OPTION_ARG_INT, &count, "Letters to render (300)", "N"},
		{"threads", 't', 0, G_OPTION_ARG_INT, &threads, "Threads (1)", "T"},
		{"logo", 0, 0, G_OPTION_ARG_FILENAME, &logo_path,
		 "Logo (default: assets/demo-logo.png of the source tree)", "FILE"},
		{"out", 0, 0, G_OPTION_ARG_FILENAME, &out_dir, "Write the PDFs into DIR", "DIR"},
		{"long-every", 0, 0, G_OPTION_ARG_INT, &long_every,
		 "Every K-th letter has a second page (10; 0: none)", "K"},
		{NULL},
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("- render personalised letters as PDF");
	g_autoptr(GError) err = NULL;
	g_autofree char *logo = NULL;
	gsize logo_len = 0;
	g_autofree double *seconds = NULL;
	g_autofree double *sorted = NULL;
	pdf_letterhead lh = {
		.region_name = "Bildungsregion Duisburg",
		.office_name = "Geschäftsstelle der Bildungsregion Duisburg",
		.office_unit = "Stabsstelle Bildungsregion",
		.street = "Musterstraße 12",
		.postcode = "47051",
		.city = "Duisburg",
		.phone = "+49 203 283-1234",
		.email = "bildungsregion@stadt.example",
		.website = "https://bildungsregion.example.org",
		.sender_line = "Bildungsregion Duisburg · Musterstraße 12 · 47051 Duisburg",
		.footer = "Sparkasse Duisburg · IBAN DE12 3505 0000 0000 0000 00",
	};
	job *jobs;
	GThread **ts;
	gint64 t0, t1, bytes = 0;
	int two = 0;
	long rss_start;
	double total, sum = 0;
	struct rusage ru;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!g_option_context_parse(oc, &argc, &argv, &err)) {
		fprintf(stderr, "pdf_bench: %s\n", err->message);
		return 2;
	}
	count = CLAMP(count, 1, 100000);
	threads = CLAMP(threads, 1, 64);
	if (!logo_path)
		logo_path = g_build_filename(BIREG_SOURCE_ROOT, "assets", "demo-logo.png", NULL);
	if (!g_file_get_contents(logo_path, &logo, &logo_len, &err)) {
		fprintf(stderr, "pdf_bench: %s\n", err->message);
		return 2;
	}
	lh.logo = g_bytes_new_static(logo, logo_len);
	if (out_dir && g_mkdir_with_parents(out_dir, 0755) < 0) {
		fprintf(stderr, "pdf_bench: cannot make %s\n", out_dir);
		return 2;
	}
	if (pdf_fonts_init(&err) < 0) {
		fprintf(stderr, "pdf_bench: %s\n", err->message);
		return 1;
	}
	rss_start = rss_kb("VmRSS:");

	seconds = g_new0(double, count);
	jobs = g_new0(job, threads);
	ts = g_new0(GThread *, threads);
	t0 = g_get_monotonic_time();
	for (int t = 0; t < threads; t++) {
		jobs[t] = (job){.from = count * t / threads, .to = count * (t + 1) / threads, .lh = &lh,
				.long_every = long_every, .out_dir = out_dir, .seconds = seconds};
		ts[t] = g_thread_new("pdf", run, &jobs[t]);
	}
	for (int t = 0; t < threads; t++)
		g_thread_join(ts[t]);
	t1 = g_get_monotonic_time();
	for (int t = 0; t < threads; t++) {
		if (jobs[t].error) {
			fprintf(stderr, "pdf_bench: %s\n", jobs[t].error);
			return 1;
		}
		bytes += jobs[t].bytes;
		two += jobs[t].pages_two;
	}
	total = (double)(t1 - t0) / G_USEC_PER_SEC;
	sorted = g_memdup2(seconds, sizeof(double) * (size_t)count);
	qsort(sorted, (size_t)count, sizeof(double), cmp_double);
	for (int i = 0; i < count; i++)
		sum += sorted[i];
	getrusage(RUSAGE_SELF, &ru);

	printf("letters            %d (%d with a second page), %d thread%s, fonts: %s\n", count, two,
	       threads, threads == 1 ? "" : "s", pdf_fonts_family());
	printf("total              %.2f s\n", total);
	printf("letters per second %.1f\n", count / total);
	printf("per letter mean    %.1f ms\n", sum / count * 1000);
	printf("per letter median  %.1f ms\n", sorted[count / 2] * 1000);
	printf("per letter p95     %.1f ms\n", sorted[MIN(count - 1, count * 95 / 100)] * 1000);
	printf("per letter max     %.1f ms\n", sorted[count - 1] * 1000);
	printf("PDF bytes          %.1f KiB per letter, %.1f MiB in all\n",
	       (double)bytes / count / 1024, (double)bytes / 1024 / 1024);
	printf("RSS after start    %.1f MiB\n", rss_start / 1024.0);
	printf("peak RSS           %.1f MiB\n", ru.ru_maxrss / 1024.0);
	g_free(jobs);
	g_free(ts);
	g_free(logo_path);
	g_free(out_dir);
	g_bytes_unref(lh.logo);
	return 0;
}
