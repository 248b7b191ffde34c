/*
 * register_demo.h — the register of the demo region (Bildungsregion
 * Duisburg), loaded by `bireg demo` (src/modules/region/demo.c) inside its
 * transaction, after the region, its levels and the demo accounts exist.
 *
 * What it holds (tests of every helper rely on these names):
 *   areas      the 7 Stadtbezirke (code 1–7) and 46 Ortsteile from
 *              duisburg_stadtbezirke_ortsteile.csv (hierarchy admin), the
 *              Sozialräume Hochheide and Meiderich (hierarchy social), and a
 *              post-code table of Duisburg's post codes (Stadtbezirk per
 *              code; Laar, Fahrn and Bruckhausen narrowed by quarter);
 *   schools    the 136 rows of schuldaten_duisburg_2022-06.csv (type school,
 *              with Schulnummer, Schulform, Rechtsform, Trägernummer), areas
 *              from the post-code table; upserted by Schulnummer on every
 *              run (a second `bireg demo` updates, never duplicates);
 *   others     17 institutions (Stadt Duisburg, Bezirksregierung Düsseldorf,
 *              Amt für schulische Bildung, Jugendamt, Volkshochschule,
 *              Stadtbibliothek, Kommunales Integrationszentrum, Referat für
 *              Gleichberechtigung, Büro Bildungsregion, the Förderverein, a
 *              Kita-Träger and a Kita, IHK, Handwerkskammer, Universität,
 *              Agentur für Arbeit, Jobcenter), and the Kita-Träger a second
 *              time as "Kita Verbund Beispielhafen GmbH" (a likely
 *              duplicate); the Schulamt is the school directory's own row
 *              (Schulnummer 600112);
 *   bodies     "Regionale Bildungskonferenz" (conference, public, level 1),
 *              "Lenkungskreis" (steering, level 2, not public, co-chairs,
 *              consensus, quorum both_partners), the four Handlungsforen
 *              "Handlungsforum <name from the JSON>" (forum, level 3, not
 *              public), seven "Regionales Bildungsforum <Stadtbezirk>"
 *              (district_forum, public, level 3, area = the Stadtbezirk) and
 *              "Vorstand des Fördervereins" (board, no level, not public,
 *              written procedure all_consent);
 *   people     about 45 made-up people (names with Muster/Beispiel…,
 *              addresses @example.org, phones +49 203 000 …) with
 *              affiliations, consents to publish the name (some given, one
 *              withdrawn, the rest never asked) and memberships on every
 *              level, incl. personal substitutes and one former member;
 *              likely duplicates: "Jörg Müller" and "Joerg Mueller" (the
 *              same e-mail address in another case), "K. Musterfrau" and
 *              Katharina Musterfrau;
 *   accounts   the demo accounts' persons: Mika Vorsitz (co-chair, Vorsitz,
 *              partner side kommune, of the Lenkungskreis), Sam Mitglied
 *              (member of the Handlungsforum Bildungsberatung im Lebenslauf),
 *              Jo Koordination (Koordination of the Handlungsforum Die
 *              inklusive Bildungsstadt), Luca Vorstand (Vorsitz of the
 *              Vorstand des Fördervereins);
 *   data       the schools come in as one school directory import (key
 *              05112000, one batch "done" in the import history); a saved
 *              mapping of the people import "Adressliste Schulamt
 *              (Schulleitungen)"; retention periods and a data-protection
 *              officer; Werner Altbeispiel, a former member of the
 *              Lenkungskreis, erased under Art. 17 (his membership stays as
 *              "Anonymisierte Person"); the change log of all of it.
 *
 * A second run changes nothing: the schools are imported only when the
 * region has no finished school import yet, and the register part is
 * skipped when the region has bodies.
 */
#pragma once
#include <glib.h>
#include <jansson.h>

#include "core/ctx.h"

/* Loads the register of the demo region ctx->region_id (the connection's
 * region must be set) from the files in data_dir and the structure JSON
 * already read (bildungsregion_duisburg_struktur.json). Runs in the
 * caller's transaction. Returns 0 or -1 with err. */
int register_demo_load(const bireg_ctx *ctx, const char *data_dir, json_t *structure,
		       GError **err);
