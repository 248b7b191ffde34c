/*
 * privacy_web.h — the data-protection pages of the register: a person's
 * data export (Art. 15) as page, JSON and PDF; erasure (Art. 17); the
 * retention periods and the data-protection officer (/register/datenschutz);
 * the record of processing activities (Art. 30) as page, PDF and JSON.
 */
#pragma once
#include "http/http.h"

extern const route privacy_routes[];
