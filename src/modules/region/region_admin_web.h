/*
 * region_admin_web.h — the region settings page of a region's admins
 * (/verwaltung/region: logo and the office's contact data), and the
 * region's logo in every page's header.
 */
#pragma once
#include "http/http.h"

extern const route region_admin_routes[];

/* Adds "logo": {id, src, name, width, height, header_width, header_height}
 * to the request's region model (rc->region) when the region has a logo
 * that is a public logo file of the region; the layout shows it in the
 * header. Call once the request's region is set on the connection. A
 * storage error is logged and leaves the page without a logo. */
void region_logo_attach(req_ctx *rc);
