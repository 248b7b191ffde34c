/*
 * templates_web.h — the office's editor of mail and letter templates
 * (/verwaltung/vorlagen).
 */
#pragma once
#include "http/http.h"

extern const route templates_routes[];
