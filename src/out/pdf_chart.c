/*
 * pdf_chart.c — the simple bar and line chart of pdf.h: a title, a y axis
 * with round steps (1, 2 or 5 × 10^k) and grid lines, categories along the
 * x axis, values at the bars or points, a legend for several series. Every
 * label is real text, numbers in the document's language ("1.234,5").
 *
 * Colours are from the Okabe–Ito palette (told apart with the common forms
 * of colour blindness) and dark enough for the values on white; the legend
 * names every series, so nothing depends on colour alone in print.
 */
#include "out/pdf_internal.h"

#include <math.h>
#include <string.h>

#include "view/format.h"

#define MAX_LABELS 200
#define MAX_SERIES 6
#define AXIS_SIZE 7.0

static const double palette[MAX_SERIES][3] = {
	{0.00, 0.45, 0.70}, /* blue */
	{0.84, 0.37, 0.00}, /* vermillion */
	{0.00, 0.62, 0.45}, /* bluish green */
	{0.80, 0.47, 0.65}, /* reddish purple */
	{0.90, 0.62, 0.00}, /* orange */
	{0.34, 0.71, 0.91}, /* sky blue */
};

static double value(const pdf_chart_data *c, size_t s, size_t i)
{
	return c->values[s * c->n + i];
}

/* The index of the last value of series s, or n when it has none. */
static size_t last_value(const pdf_chart_data *c, size_t s)
{
	for (size_t i = c->n; i > 0; i--)
		if (!isnan(value(c, s, i - 1)))
			return i - 1;
	return c->n;
}

pdf_chart_data *pdf_chart_data_new(const pdf_chart *in, double base_size)
{
	pdf_chart_data *c = g_new0(pdf_chart_data, 1);

	c->kind = in->kind == PDF_CHART_LINE ? PDF_CHART_LINE : PDF_CHART_BAR;
	c->title = in->title ? pdf_clean_text(in->title) : NULL;
	c->unit = in->unit ? pdf_clean_text(in->unit) : NULL;
	c->n = MIN(in->n, MAX_LABELS);
	c->nseries = in->series ? MIN(in->nseries, MAX_SERIES) : 0;
	c->decimals = CLAMP(in->decimals, 0, 4);
	c->height = PDF_MM(in->height_mm > 0 ? CLAMP(in->height_mm, 30.0, 200.0) : 70.0);
	c->labels = g_new0(char *, c->n + 1);
	for (size_t i = 0; i < c->n; i++)
		c->labels[i] = pdf_clean_text(in->labels ? in->labels[i] : "");
	c->names = g_new0(char *, c->nseries + 1);
	c->values = g_new0(double, MAX(c->nseries * c->n, 1));
	for (size_t s = 0; s < c->nseries; s++) {
		c->names[s] = in->series[s].name ? pdf_clean_text(in->series[s].name) : NULL;
		for (size_t i = 0; i < c->n; i++) {
			double v = in->series[s].values ? in->series[s].values[i] : NAN;
			c->values[s * c->n + i] = isfinite(v) ? v : NAN;
		}
	}
	(void)base_size;
	return c;
}

void pdf_chart_data_free(pdf_chart_data *c)
{
	if (!c)
		return;
	g_free(c->title);
	g_free(c->unit);
	g_strfreev(c->labels);
	for (size_t s = 0; s < c->nseries; s++)
		g_free(c->names[s]);
	g_free(c->names);
	g_free(c->values);
	g_free(c);
}

double pdf_chart_height(const pdf_chart_data *c)
{
	return c->height;
}

/* "1.234,5 %" / "1,234.5%". New. */
static char *number(const pdf_doc *d, const pdf_chart_data *c, double v, int places)
{
	g_autofree char *n = format_decimal(d->lang, v, places);
	if (!c->unit || !*c->unit)
		return g_steal_pointer(&n);
	if (!strcmp(c->unit, "%") && format_lang_is_en(d->lang))
		return g_strconcat(n, "%", NULL);
	return g_strconcat(n, "\u00a0", c->unit, NULL);
}

static double nice_step(double range)
{
	double raw = range / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

static void set_rgb(cairo_t *cr, const double *rgb)
{
	cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
}

/* Draws a small label centred on cx (or right-aligned at cx when right). */
static void label_at(pdf_pass *p, const char *text, double size, double cx, double y, double maxw,
		     bool right)
{
	PangoLayout *l = pdf_layout(p, text, size, false, false, maxw);
	double w;

	pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	pango_layout_set_alignment(l, right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_CENTER);
	w = maxw;
	pdf_show(p, l, right ? cx - w : cx - w / 2, y);
	g_object_unref(l);
}

static double text_width(pdf_pass *p, const char *text, double size)
{
	PangoLayout *l = pdf_layout(p, text, size, false, false, 0);
	double w = pdf_layout_width(l);
	g_object_unref(l);
	return w;
}

void pdf_chart_draw(pdf_pass *p, const pdf_chart_data *c, double x, double y, double w)
{
	cairo_t *cr = p->cr;
	double lo = 0, hi = 0, step, title_h = 0, legend_h = 0, xlab_h = AXIS_SIZE * 1.6;
	double ml = 0, px, py, pw, ph, slot;
	int places, nticks, every;
	bool any = false;

	if (!cr)
		return;
	for (size_t s = 0; s < c->nseries; s++)
		for (size_t i = 0; i < c->n; i++)
			if (!isnan(value(c, s, i))) {
				lo = MIN(lo, value(c, s, i));
				hi = MAX(hi, value(c, s, i));
				any = true;
			}
	if (!any || hi - lo < 1e-12)
		hi = lo + 1;
	step = nice_step(hi - lo);
	lo = floor(lo / step + 1e-9) * step;
	hi = ceil(hi / step - 1e-9) * step;
	nticks = (int)lround((hi - lo) / step);
	places = step >= 1 ? 0 : MIN((int)ceil(-log10(step) - 1e-9), 6);

	cairo_save(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	if (c->title && *c->title) {
		PangoLayout *l = pdf_layout(p, c->title, p->d->base_size, true, false, w);
		pdf_show(p, l, x, y);
		title_h = pdf_layout_height(l) + 4;
		g_object_unref(l);
	}
	if (c->nseries > 1 || (c->nseries == 1 && c->names[0]))
		legend_h = AXIS_SIZE * 2.2;
	for (int k = 0; k <= nticks; k++) {
		g_autofree char *t = number(p->d, c, lo + k * step, places);
		ml = MAX(ml, text_width(p, t, AXIS_SIZE));
	}
	ml += 6;
	px = x + ml;
	pw = w - ml - 4;
	py = y + title_h + AXIS_SIZE; /* room for the top label */
	ph = c->height - title_h - AXIS_SIZE - xlab_h - legend_h - 4;
	slot = c->n ? pw / (double)c->n : pw;
	every = slot >= 36 ? 1 : (int)ceil(36 / slot);

	/* Grid and y axis labels. */
	for (int k = 0; k <= nticks; k++) {
		double v = lo + k * step, gy = py + ph - (v - lo) / (hi - lo) * ph;
		g_autofree char *t = number(p->d, c, v, places);
		cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
		cairo_set_line_width(cr, fabs(v) < step * 1e-6 ? 0.8 : 0.3);
		if (fabs(v) < step * 1e-6)
			cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
		cairo_move_to(cr, px, gy);
		cairo_line_to(cr, px + pw, gy);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		label_at(p, t, AXIS_SIZE, px - 4, gy - AXIS_SIZE * 0.7, ml - 4, true);
	}
	cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
	cairo_set_line_width(cr, 0.6);
	cairo_move_to(cr, px, py);
	cairo_line_to(cr, px, py + ph);
	cairo_stroke(cr);

	/* Categories. */
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
	for (size_t i = 0; i < c->n; i++)
		if (i % (size_t)every == 0)
			label_at(p, c->labels[i], AXIS_SIZE, px + slot * ((double)i + 0.5), py + ph + 3,
				 slot * every - 2, false);

	/* Values. */
	for (size_t s = 0; s < c->nseries; s++) {
		double group = slot * 0.75, bw = group / (double)c->nseries;
		double zero_y = py + ph - (0 - lo) / (hi - lo) * ph;
		bool started = false;

		if (c->kind == PDF_CHART_LINE) {
			/* The line first (broken where a value is missing) ... */
			set_rgb(cr, palette[s]);
			cairo_set_line_width(cr, 1.4);
			cairo_new_path(cr);
			for (size_t i = 0; i < c->n; i++) {
				double v = value(c, s, i);
				if (isnan(v)) {
					started = false;
					continue;
				}
				if (started)
					cairo_line_to(cr, px + slot * ((double)i + 0.5),
						      py + ph - (v - lo) / (hi - lo) * ph);
				else
					cairo_move_to(cr, px + slot * ((double)i + 0.5),
						      py + ph - (v - lo) / (hi - lo) * ph);
				started = true;
			}
			cairo_stroke(cr);
		}
		/* ... then bars or points with their values. */
		for (size_t i = 0; i < c->n; i++) {
			double v = value(c, s, i), vy;
			g_autofree char *t = NULL;
			if (isnan(v))
				continue;
			vy = py + ph - (v - lo) / (hi - lo) * ph;
			t = number(p->d, c, v, c->decimals);
			if (c->kind == PDF_CHART_BAR) {
				double bx = px + slot * (double)i + (slot - group) / 2 + bw * (double)s;
				set_rgb(cr, palette[s]);
				cairo_new_path(cr);
				cairo_rectangle(cr, bx, MIN(vy, zero_y), bw * 0.92, fabs(zero_y - vy));
				cairo_fill(cr);
				if (text_width(p, t, AXIS_SIZE - 0.5) <= bw * 1.15) {
					cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
					label_at(p, t, AXIS_SIZE - 0.5, bx + bw * 0.46,
						 v >= 0 ? vy - AXIS_SIZE * 1.4 : vy + 1, bw * 1.3, false);
				}
			} else {
				double cx = px + slot * ((double)i + 0.5);
				set_rgb(cr, palette[s]);
				cairo_new_path(cr);
				cairo_arc(cr, cx, vy, 2.0, 0, 2 * G_PI);
				cairo_fill(cr);
				/* One series: every value; several: the last of each,
				 * where the lines end (values in the middle would
				 * overlap). */
				if (c->nseries > 1 && i != last_value(c, s))
					continue;
				if (c->n <= 24 && text_width(p, t, AXIS_SIZE - 0.5) <= slot * 1.1) {
					cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
					label_at(p, t, AXIS_SIZE - 0.5, cx, vy - AXIS_SIZE * 1.8, slot, false);
				}
			}
		}
	}

	/* Legend. */
	if (legend_h > 0) {
		double lx = px, ly = y + c->height - legend_h + 2;
		for (size_t s = 0; s < c->nseries; s++) {
			const char *name = c->names[s] ? c->names[s] : "";
			PangoLayout *l = pdf_layout(p, name, AXIS_SIZE, false, false, 0);
			set_rgb(cr, palette[s]);
			cairo_new_path(cr);
			cairo_rectangle(cr, lx, ly + 1.5, 8, 6);
			cairo_fill(cr);
			cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
			pdf_show(p, l, lx + 11, ly);
			lx += 11 + pdf_layout_width(l) + 12;
			g_object_unref(l);
		}
	}
	cairo_restore(cr);
}
