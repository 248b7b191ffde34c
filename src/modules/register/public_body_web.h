/*
 * public_body_web.h — the bodies on the region's public pages (/gremien,
 * /gremien/{id}); see public_body_web.c for who sees which names.
 */
#pragma once
#include "http/http.h"

extern const route public_body_routes[];
