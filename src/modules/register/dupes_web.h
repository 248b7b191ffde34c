/*
 * dupes_web.h — the office's pages of likely duplicates in the register
 * (/register/dubletten): the list of pairs of people and of institutions
 * with the reasons, "not a duplicate" (POST), and the merge of a pair with a
 * choice per field which value to keep (/register/dubletten/personen/{a}/{b}
 * and /register/dubletten/institutionen/{a}/{b}: a is kept, b merged into it).
 */
#pragma once
#include "http/http.h"

extern const route dupes_routes[];
