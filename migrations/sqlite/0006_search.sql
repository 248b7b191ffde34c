-- 0006_search.sql — the search index of the regions (src/search/search.h).
--
-- search_entry holds one row per indexed thing of a region: its kind
-- ('account', later 'person', 'institution', 'body', …), the id of its row
-- (ref_id; no foreign key, since kinds live in different tables: the owner
-- of the row removes the entry with the row), the display title, the text
-- as given, and `folded`: title and text folded in C (text_search_fold:
-- lower case, ä→a, "ae"→a, ß→ss, …) and reduced to words of letters and
-- digits separated by single spaces. Only `folded` is indexed; SQLite never
-- folds anything itself, so SQLite and PostgreSQL index the same words.
-- sort_key is the folded title, the tie-break among hits of equal rank.
CREATE TABLE search_entry (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	kind TEXT NOT NULL
		CONSTRAINT search_entry_kind CHECK (length(kind) BETWEEN 1 AND 32 AND kind NOT GLOB '*[^a-z_]*'),
	ref_id INTEGER NOT NULL CONSTRAINT search_entry_ref_id CHECK (ref_id > 0),
	title TEXT NOT NULL,
	body TEXT NOT NULL DEFAULT '',
	folded TEXT NOT NULL,
	sort_key TEXT NOT NULL,
	CONSTRAINT search_entry_ref UNIQUE (region_id, kind, ref_id)
) STRICT;

-- The full-text index over search_entry.folded. An external-content FTS5
-- table: the text lives once, in search_entry, and FTS5 keeps only its
-- inverted index (a contentless table would need the old text handed back
-- for every delete, which the triggers below do anyway, and could not be
-- rebuilt with 'rebuild'). The triggers keep it in step with every insert,
-- update and delete of search_entry, including the deletes that cascade from
-- a deleted region.
--
-- Virtual tables cannot be STRICT; this one holds no data of its own, and
-- search_entry (STRICT) is where the text is checked.
--
-- The tokenizer is unicode61 with remove_diacritics 0: the text arrives
-- folded and without diacritics, and letting FTS5 fold again by its own
-- (older) Unicode tables would only risk disagreeing with PostgreSQL. It
-- still splits at anything but letters and digits, which is what `folded`
-- already is.
CREATE VIRTUAL TABLE search_fts USING fts5(
	folded,
	content = 'search_entry',
	content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 0'
);

CREATE TRIGGER search_entry_fts_insert AFTER INSERT ON search_entry BEGIN
	INSERT INTO search_fts (rowid, folded) VALUES (new.id, new.folded);
END;

CREATE TRIGGER search_entry_fts_delete AFTER DELETE ON search_entry BEGIN
	INSERT INTO search_fts (search_fts, rowid, folded) VALUES ('delete', old.id, old.folded);
END;

CREATE TRIGGER search_entry_fts_update AFTER UPDATE OF folded ON search_entry BEGIN
	INSERT INTO search_fts (search_fts, rowid, folded) VALUES ('delete', old.id, old.folded);
	INSERT INTO search_fts (rowid, folded) VALUES (new.id, new.folded);
END;
