/*
 * metrics.c — request counters and latency histograms (see metrics.h).
 *
 * One mutex guards the tables; an update is a hash lookup and a few
 * increments, far below the cost of the request it records.
 */
#include "http/metrics.h"

#include <string.h>

/* Upper bounds in seconds of the histogram buckets. */
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define NB G_N_ELEMENTS(bounds)

typedef struct histogram {
	guint64 buckets[NB]; /* not cumulative; summed when rendered */
	guint64 count;
	double sum;
} histogram;

struct metrics {
	GMutex lock;
	GHashTable *requests;  /* "route\tstatus" -> guint64* */
	GHashTable *latency;   /* route -> histogram* */
};

metrics *metrics_new(void)
{
	metrics *m = g_new0(metrics, 1);
	g_mutex_init(&m->lock);
	m->requests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	m->latency = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return m;
}

void metrics_free(metrics *m)
{
	if (!m)
		return;
	g_hash_table_unref(m->requests);
	g_hash_table_unref(m->latency);
	g_mutex_clear(&m->lock);
	g_free(m);
}

void metrics_observe(metrics *m, const char *route_name, int status, gint64 duration_us)
{
	char key[160];
	double secs = (double)duration_us / 1e6;
	guint64 *count;
	histogram *h;

	g_snprintf(key, sizeof key, "%s\t%d", route_name, status);
	g_mutex_lock(&m->lock);
	count = g_hash_table_lookup(m->requests, key);
	if (!count) {
		count = g_new0(guint64, 1);
		g_hash_table_insert(m->requests, g_strdup(key), count);
	}
	(*count)++;
	h = g_hash_table_lookup(m->latency, route_name);
	if (!h) {
		h = g_new0(histogram, 1);
		g_hash_table_insert(m->latency, g_strdup(route_name), h);
	}
	h->count++;
	h->sum += secs;
	for (size_t i = 0; i < NB; i++) {
		if (secs <= bounds[i]) {
			h->buckets[i]++;
			break;
		}
	}
	g_mutex_unlock(&m->lock);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void metrics_render(metrics *m, const server_stats *stats, GString *out)
{
	char num[G_ASCII_DTOSTR_BUF_SIZE];

	g_mutex_lock(&m->lock);
	g_string_append(out, "# HELP bireg_http_requests_total Requests answered, by route and status.\n"
			     "# TYPE bireg_http_requests_total counter\n");
	guint n;
	g_autofree gpointer *keys = g_hash_table_get_keys_as_array(m->requests, &n);
	qsort(keys, n, sizeof *keys, cmp_str);
	for (guint i = 0; i < n; i++) {
		const char *k = keys[i];
		const char *tab = strchr(k, '\t');
		guint64 *c = g_hash_table_lookup(m->requests, k);
		g_string_append_printf(out, "bireg_http_requests_total{route=\"%.*s\",status=\"%s\"} %" G_GUINT64_FORMAT "\n",
				       (int)(tab - k), k, tab + 1, *c);
	}
	g_string_append(out, "# HELP bireg_http_request_duration_seconds Time from a complete request to its response.\n"
			     "# TYPE bireg_http_request_duration_seconds histogram\n");
	g_autofree gpointer *routes = g_hash_table_get_keys_as_array(m->latency, &n);
	qsort(routes, n, sizeof *routes, cmp_str);
	for (guint i = 0; i < n; i++) {
		const char *r = routes[i];
		histogram *h = g_hash_table_lookup(m->latency, r);
		guint64 cum = 0;
		for (size_t b = 0; b < NB; b++) {
			cum += h->buckets[b];
			g_ascii_formatd(num, sizeof num, "%g", bounds[b]);
			g_string_append_printf(out, "bireg_http_request_duration_seconds_bucket{route=\"%s\",le=\"%s\"} %" G_GUINT64_FORMAT "\n",
					       r, num, cum);
		}
		g_string_append_printf(out, "bireg_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %" G_GUINT64_FORMAT "\n",
				       r, h->count);
		g_ascii_formatd(num, sizeof num, "%.6f", h->sum);
		g_string_append_printf(out, "bireg_http_request_duration_seconds_sum{route=\"%s\"} %s\n", r, num);
		g_string_append_printf(out, "bireg_http_request_duration_seconds_count{route=\"%s\"} %" G_GUINT64_FORMAT "\n",
				       r, h->count);
	}
	g_mutex_unlock(&m->lock);
	if (stats) {
		g_string_append_printf(out,
				       "# HELP bireg_worker_queue_length Requests waiting for a worker.\n"
				       "# TYPE bireg_worker_queue_length gauge\n"
				       "bireg_worker_queue_length %d\n"
				       "# HELP bireg_requests_in_flight Requests accepted and not yet answered.\n"
				       "# TYPE bireg_requests_in_flight gauge\n"
				       "bireg_requests_in_flight %d\n"
				       "# HELP bireg_requests_rejected_total Requests answered 503 because the queue was full.\n"
				       "# TYPE bireg_requests_rejected_total counter\n"
				       "bireg_requests_rejected_total %d\n",
				       g_atomic_int_get(&stats->queued), g_atomic_int_get(&stats->in_flight),
				       g_atomic_int_get(&stats->rejected));
	}
}
