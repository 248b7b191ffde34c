/*
 * area_web.h — the office's pages of the areas of a region
 * (/register/gebiete…): the two hierarchies as trees (Stadtbezirke with
 * their Ortsteile; Sozialräume), the form to add and change an area, its
 * deletion, and the post-code table that assigns addresses to areas.
 */
#pragma once
#include "http/http.h"

extern const route area_routes[];

/* The name of a hierarchy ("admin", "social") in the request's language:
 * "Stadtbezirke und Ortsteile", "Sozialräume". */
const char *area_hierarchy_label(const req_ctx *rc, const char *hierarchy);
