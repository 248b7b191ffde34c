/*
 * register_matrix.h — the network matrix of a region: institutions ×
 * bodies, a cell holding the current memberships that represent the
 * institution in the body (membership.institution_id), with their count
 * and roles. Only institutions represented somewhere and bodies with a
 * represented institution appear. Filters: the body's level (?ebene=) and
 * the institution's kind (?art=).
 *
 *   GET /register/netzwerk      the page (printable: header row repeated,
 *                               landscape)
 *   GET /register/netzwerk.csv  the matrix for Excel (UTF-8 with BOM, `;`)
 *   GET /register/netzwerk.pdf  the list of representations in the
 *                               region's letterhead, a table whose header
 *                               repeats on every page
 * The office's pages.
 */
#pragma once
#include "http/http.h"

extern const route register_matrix_routes[];
