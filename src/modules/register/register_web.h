/*
 * register_web.h — the register's overview page (/register: counts, the
 * search box, links to every register page) and the search across
 * people, institutions and bodies (/register/suche). The office's pages;
 * register_matrix.h has the network matrix.
 */
#pragma once
#include "http/http.h"

extern const route register_routes[];
