-- 0012_register_data.sql — the register's data in and out (issue 8): the
-- change log, imports with their saved column mappings, the labels of the
-- NRW school forms, pairs marked "not a duplicate", and erased people.

-- The change log (Änderungsprotokoll) of the register: who changed what and
-- when, with old and new values. An entry belongs to a record (entity,
-- entity_id: a person, institution, body, area ...) and optionally to a part
-- of it (sub, sub_id: a membership of a body, an affiliation or consent of
-- a person). person_id names the person an entry concerns (a person's own
-- entries, a membership's member), so that a person's request for their
-- data (Art. 15) and their erasure find every entry about them.
-- changes is a JSON array [{"field", "old", "new"}] of the fields that
-- changed (values as text or null). actor keeps the name of whoever made
-- the change at that time, so the entry stays readable after the account is
-- gone.
CREATE TABLE change_log (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	at TEXT NOT NULL
		CONSTRAINT change_log_at_format CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
	account_id INTEGER REFERENCES account(id) ON DELETE SET NULL,
	actor TEXT NOT NULL DEFAULT '' CONSTRAINT change_log_actor_length CHECK (length(actor) <= 200),
	entity TEXT NOT NULL CONSTRAINT change_log_entity CHECK (length(entity) BETWEEN 1 AND 40),
	entity_id INTEGER NOT NULL,
	sub TEXT NOT NULL DEFAULT '' CONSTRAINT change_log_sub CHECK (length(sub) <= 40),
	sub_id INTEGER,
	person_id INTEGER,
	action TEXT NOT NULL CONSTRAINT change_log_action CHECK (action IN ('create', 'update', 'delete',
		'merge', 'export', 'erase', 'import', 'restrict')),
	summary TEXT NOT NULL DEFAULT '' CONSTRAINT change_log_summary_length CHECK (length(summary) <= 500),
	changes TEXT NOT NULL DEFAULT '[]'
		CONSTRAINT change_log_changes_array CHECK (json_valid(changes) AND json_type(changes) = 'array')
) STRICT;
CREATE INDEX change_log_entity ON change_log (region_id, entity, entity_id, id);
CREATE INDEX change_log_person ON change_log (region_id, person_id, id) WHERE person_id IS NOT NULL;
CREATE INDEX change_log_at ON change_log (region_id, at, id);

-- An import of a file into the register: the NRW school directory
-- ('schools') or a table of people or institutions. The uploaded file is
-- kept (file_id) from the upload through the preview to the commit, and
-- deleted by the retention job afterwards. State:
--   preview   uploaded and checked; report holds the preview
--   queued    confirmed, waiting for its background job (large files)
--   running   the job is at rows_done of rows_total
--   done      committed (all rows) — report holds the result
--   failed    nothing was committed; report says why
--   cancelled discarded by the office before the commit
-- mapping is the column mapping used (generic imports); report a JSON
-- object the import module defines (counts, rejected rows with line and
-- reason, new/changed/vanished schools).
CREATE TABLE import_batch (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	kind TEXT NOT NULL CONSTRAINT import_batch_kind CHECK (kind IN ('schools', 'people', 'institutions')),
	state TEXT NOT NULL DEFAULT 'preview'
		CONSTRAINT import_batch_state CHECK (state IN ('preview', 'queued', 'running', 'done', 'failed', 'cancelled')),
	file_id INTEGER REFERENCES file(id) ON DELETE SET NULL,
	file_name TEXT NOT NULL DEFAULT '' CONSTRAINT import_batch_file_name_length CHECK (length(file_name) <= 255),
	format TEXT NOT NULL DEFAULT 'csv' CONSTRAINT import_batch_format CHECK (format IN ('csv', 'xlsx')),
	encoding TEXT NOT NULL DEFAULT 'utf-8' CONSTRAINT import_batch_encoding CHECK (encoding IN ('utf-8', 'windows-1252')),
	mapping TEXT NOT NULL DEFAULT '{}'
		CONSTRAINT import_batch_mapping_object CHECK (json_valid(mapping) AND json_type(mapping) = 'object'),
	rows_total INTEGER NOT NULL DEFAULT 0,
	rows_done INTEGER NOT NULL DEFAULT 0,
	report TEXT NOT NULL DEFAULT '{}'
		CONSTRAINT import_batch_report_object CHECK (json_valid(report) AND json_type(report) = 'object'),
	job_id INTEGER,
	created_by INTEGER REFERENCES account(id) ON DELETE SET NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	finished_at TEXT
) STRICT;
CREATE INDEX import_batch_region ON import_batch (region_id, id);

-- A saved column mapping of the generic import: which column of the file
-- goes into which field ({"field": "column header", ...}), by name.
CREATE TABLE import_mapping (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	kind TEXT NOT NULL CONSTRAINT import_mapping_kind CHECK (kind IN ('people', 'institutions')),
	name TEXT NOT NULL CONSTRAINT import_mapping_name_length CHECK (length(name) BETWEEN 1 AND 100),
	mapping TEXT NOT NULL
		CONSTRAINT import_mapping_mapping_object CHECK (json_valid(mapping) AND json_type(mapping) = 'object'),
	created_by INTEGER REFERENCES account(id) ON DELETE SET NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (region_id, kind, name)
) STRICT;

-- The labels of the ministry's Schulform codes, as an administrator set
-- them for the region; a code without a row shows bireg's built-in label
-- (institution_store.c), a code bireg does not know shows the code.
CREATE TABLE school_form_label (
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	code TEXT NOT NULL CONSTRAINT school_form_label_code CHECK (length(code) BETWEEN 1 AND 10),
	label TEXT NOT NULL CONSTRAINT school_form_label_label CHECK (length(label) BETWEEN 1 AND 200),
	updated_at TEXT NOT NULL,
	PRIMARY KEY (region_id, code)
) WITHOUT ROWID, STRICT;

-- Pairs the office looked at and marked "not the same" (entity 'person' or
-- 'institution', low_id < high_id): they leave the list of likely
-- duplicates.
CREATE TABLE duplicate_dismissed (
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	entity TEXT NOT NULL CONSTRAINT duplicate_dismissed_entity CHECK (entity IN ('person', 'institution')),
	low_id INTEGER NOT NULL,
	high_id INTEGER NOT NULL,
	dismissed_by INTEGER REFERENCES account(id) ON DELETE SET NULL,
	dismissed_at TEXT NOT NULL,
	CONSTRAINT duplicate_dismissed_order CHECK (low_id < high_id),
	PRIMARY KEY (region_id, entity, low_id, high_id)
) WITHOUT ROWID, STRICT;

-- Erasure (Art. 17): a person whose register and contact data were removed
-- keeps their row as "anonymisierte Person", so that official records
-- (memberships of the past, later minutes and decisions) stay consistent.
-- erased_at is when; the names and contact columns are emptied then.
ALTER TABLE person ADD COLUMN erased_at TEXT;
