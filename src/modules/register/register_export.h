/*
 * register_export.h — the register's lists as files for spreadsheets: the
 * people (/register/personen.csv|.xlsx), the institutions
 * (/register/institutionen.csv|.xlsx), the bodies (/register/gremien.csv|
 * .xlsx) and a body's members (/register/gremien/{id}/mitglieder.csv|.xlsx).
 *
 * Each export takes exactly the query parameters of its list page and
 * writes every row that list would page through (not only one page), with
 * German column headers, days as dates, through sheet.h (CSV for German
 * Excel, or XLSX). The file is named after the list and today
 * ("personen-2026-11-26.xlsx") and sent as an attachment, never cached.
 * Exports of personal data (people, members) write a change-log entry
 * (entity "person_list" / "member_list", action "export", the filters and
 * the number of rows in the summary). Office only.
 */
#pragma once
#include <jansson.h>

#include "http/http.h"

extern const route export_routes[];

/* Puts {csv_href, xlsx_href} under "export" of model: list_path + ".csv"
 * and ".xlsx" with the request's query parameters (the list's filters)
 * kept and the page number dropped. For the list pages' links
 * "Exportieren: CSV · Excel". */
void register_export_links(const req_ctx *rc, json_t *model, const char *list_path);
