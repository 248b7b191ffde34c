/*
 * demo.h — the demo region "Bildungsregion Duisburg", the product's shop
 * window: real structure from the shared data files, clearly fictitious
 * contact data.
 */
#pragma once
#include <glib.h>
#include <stdio.h>

#include "core/ctx.h"

/* Creates or refreshes the demo region from the files in data_dir
 * (bildungsregion_duisburg_struktur.json), in one transaction. Running it
 * twice changes nothing but the update time. Returns the region id or -1. */
gint64 demo_load(const bireg_ctx *ctx, const char *data_dir, GError **err);

/* Prints one demo login per role (e-mail, password, what it shows). The
 * demo accounts can only log in to the demo region. */
void demo_print_logins(FILE *out);
