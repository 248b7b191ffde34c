/*
 * level_web.h — the region's levels (Ebenen) for its office
 * (/register/ebenen).
 */
#pragma once
#include "http/http.h"

extern const route level_routes[];
