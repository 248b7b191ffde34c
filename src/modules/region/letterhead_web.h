/*
 * letterhead_web.h — the previews of a region's letterhead, linked from the
 * region settings page: a sample DIN 5008 letter and a sample document with
 * a multi-page table and a chart, both as PDF (src/out/pdf.h). The routes
 * are in region_admin_routes (region_admin_web.c); admins and the office
 * of the region may open them.
 */
#pragma once
#include "http/http.h"

/* GET /verwaltung/region/briefbogen.pdf */
int letterhead_letter_pdf(req_ctx *rc);
/* GET /verwaltung/region/tabelle.pdf */
int letterhead_table_pdf(req_ctx *rc);
