-- 0005_files.sql — files kept in the database (src/files/file_store.h).
--
-- file_blob holds the bytes, content-addressed per region: one row per
-- (region, SHA-256), so identical uploads within a region share their bytes
-- and two regions never share a row. file is what a feature refers to (a
-- region's logo, later attachments of papers and letters); several files may
-- point at one blob. The store deletes a blob in the same transaction as the
-- last file that refers to it; the foreign key below refuses to delete a
-- blob that is still referred to.
--
-- region.logo_file_id (0001) stays without a foreign key: region is an
-- installation table without row-level security and file a region table, and
-- the logo is set and cleared together with its file in one transaction by
-- the region settings page, which checks that the file is a logo of the same
-- region.
CREATE TABLE file_blob (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	sha256 TEXT NOT NULL
		CONSTRAINT file_blob_sha256_format CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
	size INTEGER NOT NULL CONSTRAINT file_blob_size CHECK (size >= 0),
	content BLOB NOT NULL,
	created_at TEXT NOT NULL
		CONSTRAINT file_blob_created_at_format CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
	CONSTRAINT file_blob_size_matches CHECK (size = length(content)),
	CONSTRAINT file_blob_region_sha256 UNIQUE (region_id, sha256),
	-- The target of file's foreign key, which also names the region: a file
	-- can only point at a blob of its own region.
	CONSTRAINT file_blob_region_id UNIQUE (region_id, id)
) STRICT;

CREATE TABLE file (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	blob_id INTEGER NOT NULL,
	-- The original file name, sanitised (no path, no control characters).
	name TEXT NOT NULL CONSTRAINT file_name_length CHECK (length(name) BETWEEN 1 AND 255),
	-- Detected from the content (libmagic), never taken from the client.
	media_type TEXT NOT NULL
		CONSTRAINT file_media_type_format CHECK (media_type GLOB '?*/?*' AND media_type NOT GLOB '*[^a-z0-9/.+_-]*'),
	size INTEGER NOT NULL CONSTRAINT file_size CHECK (size >= 0),
	-- What the file is for, e.g. 'region.logo'.
	purpose TEXT NOT NULL CONSTRAINT file_purpose_format CHECK (length(purpose) BETWEEN 1 AND 100),
	-- 'public': anyone may download it; 'office': the office and admins of the region.
	visibility TEXT NOT NULL CONSTRAINT file_visibility CHECK (visibility IN ('public', 'office')),
	-- Pixel size of an image, NULL for other files.
	width INTEGER,
	height INTEGER,
	created_by INTEGER REFERENCES account(id) ON DELETE SET NULL,
	created_at TEXT NOT NULL
		CONSTRAINT file_created_at_format CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
	CONSTRAINT file_image_size CHECK ((width IS NULL AND height IS NULL) OR (width > 0 AND height > 0)),
	CONSTRAINT file_blob_fk FOREIGN KEY (region_id, blob_id) REFERENCES file_blob (region_id, id)
) STRICT;

CREATE INDEX file_region_purpose ON file (region_id, purpose);
CREATE INDEX file_region_blob ON file (region_id, blob_id);
