-- 0001_regions.sql — the first schema: regions (the tenants) and their levels.
--
-- How to write a later migration:
--  * Add a new file migrations/sqlite/NNNN_what.sql with the next free number
--    (four digits). Never change a file that has been released; write a new
--    one that changes what it did.
--  * bireg runs each file in one transaction together with its row in
--    schema_migrations: write no BEGIN, COMMIT or PRAGMA foreign_keys. Foreign
--    keys are off while a migration runs (so that rebuilding a table does not
--    cascade deletes into its children) and are checked with
--    PRAGMA foreign_key_check before the commit; a violation fails the
--    migration.
--  * SQLite's ALTER TABLE cannot change a column: create the new table,
--    INSERT INTO new SELECT ... FROM old, DROP the old one, rename the new one,
--    and create its indexes and triggers again.
--  * Conventions: tables are STRICT. Times are TEXT in UTC, ISO 8601 to the
--    second ('2026-11-26T13:30:00Z'), so text order is time order. Booleans
--    are INTEGER with CHECK (x IN (0, 1)). JSON is TEXT checked with
--    json_valid(). Every domain table carries region_id INTEGER NOT NULL
--    REFERENCES region(id) and every index on it starts with region_id,
--    because every query is scoped to one region. Name CHECK constraints
--    (CONSTRAINT table_what CHECK ...): SQLite's error message then names the
--    rule that failed, which the store can map to a form field.
--  * Once the PostgreSQL backend exists, the same change goes into
--    migrations/postgres/ under the same number.

-- A region (Bildungsregion) is a tenant: one office with its contact data,
-- letterhead and settings. One installation can host several.
CREATE TABLE region (
	id INTEGER PRIMARY KEY,
	-- In URLs: lower case letters, digits and inner hyphens ("kreis-wesel").
	slug TEXT NOT NULL UNIQUE
		CONSTRAINT region_slug_format CHECK (length(slug) BETWEEN 1 AND 63
			AND slug NOT GLOB '*[^a-z0-9-]*'
			AND slug NOT GLOB '-*' AND slug NOT GLOB '*-'),
	name TEXT NOT NULL CONSTRAINT region_name_empty CHECK (name <> ''),
	-- The network the region belongs to, e.g. "Regionale Bildungsnetzwerke NRW".
	network TEXT,
	-- What the region is, in plain text.
	description TEXT NOT NULL DEFAULT '',
	-- The office (Geschäftsstelle): contact data and letterhead.
	office_name TEXT,
	office_unit TEXT,            -- e.g. "Stabsstelle Bildungsregion"
	street TEXT,
	postcode TEXT,
	city TEXT,
	phone TEXT,
	email TEXT,
	website TEXT,
	letterhead_sender_line TEXT, -- small sender line above a window-envelope address
	letterhead_footer TEXT,
	logo_file_id INTEGER,        -- a file; the files table comes later, no FK yet
	settings TEXT NOT NULL DEFAULT '{}'
		CONSTRAINT region_settings_object CHECK (json_valid(settings) AND json_type(settings) = 'object'),
	created_at TEXT NOT NULL
		CONSTRAINT region_created_at_format CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
	updated_at TEXT NOT NULL
		CONSTRAINT region_updated_at_format CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z')
) STRICT;

-- The levels (Ebenen) bodies belong to, three by default, named per region.
-- Position orders them from 1. UNIQUE is checked row by row, so swapping two
-- levels goes through a free position (above the highest) in one transaction.
CREATE TABLE region_level (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	position INTEGER NOT NULL CONSTRAINT region_level_position CHECK (position >= 1),
	name TEXT NOT NULL CONSTRAINT region_level_name_empty CHECK (name <> ''),
	description TEXT NOT NULL DEFAULT '',
	UNIQUE (region_id, position)
) STRICT;
