-- 0010_search_speed.sql — searches of 100,000 entries in a few milliseconds
-- (src/search/search.c, "querying").
--
-- 1. The full-text index learns the region and kind of each entry, so that a
--    search counts and ranks its region's hits without joining every match
--    to search_entry (at 100,000 entries, joining the 32,000 matches of
--    "sch" cost more than the search). `scope` is a virtual generated column
--    of search_entry — 'r<region> r<region>_<kind>', e.g. 'r7 r7_person' —
--    indexed as the FTS table's second column; searches ask for
--    scope : "r7" (every kind) or scope : ("r7_person" OR …) and never look
--    for query words in it (folded : (…)). The tokenizer keeps '_' inside a
--    token for it; `folded` has no '_' (only letters, digits, spaces).
--    prefix = '2 3' adds prefix indexes for the short prefixes people type
--    ("sc", "sch"), which otherwise merge the lists of hundreds of words.
-- 2. search_entry_order: the entries of a region in the order of their
--    folded titles. A query with more hits than search.c ranks
--    (SEARCH_RANK_MAX) is answered in that order, by walking this index and
--    keeping the entries the full-text index matched.
--
-- The FTS table is made anew and rebuilt from search_entry, which keeps
-- every entry: nothing is lost.
DROP TRIGGER search_entry_fts_insert;
DROP TRIGGER search_entry_fts_delete;
DROP TRIGGER search_entry_fts_update;
DROP TABLE search_fts;

ALTER TABLE search_entry ADD COLUMN scope TEXT
	GENERATED ALWAYS AS ('r' || region_id || ' r' || region_id || '_' || kind) VIRTUAL;

CREATE VIRTUAL TABLE search_fts USING fts5(
	folded,
	scope,
	content = 'search_entry',
	content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 0 tokenchars ''_''',
	prefix = '2 3'
);
INSERT INTO search_fts (search_fts) VALUES ('rebuild');

CREATE TRIGGER search_entry_fts_insert AFTER INSERT ON search_entry BEGIN
	INSERT INTO search_fts (rowid, folded, scope) VALUES (new.id, new.folded, new.scope);
END;

CREATE TRIGGER search_entry_fts_delete AFTER DELETE ON search_entry BEGIN
	INSERT INTO search_fts (search_fts, rowid, folded, scope)
		VALUES ('delete', old.id, old.folded, old.scope);
END;

CREATE TRIGGER search_entry_fts_update AFTER UPDATE OF folded, region_id, kind ON search_entry BEGIN
	INSERT INTO search_fts (search_fts, rowid, folded, scope)
		VALUES ('delete', old.id, old.folded, old.scope);
	INSERT INTO search_fts (rowid, folded, scope) VALUES (new.id, new.folded, new.scope);
END;

CREATE INDEX search_entry_order ON search_entry (region_id, sort_key, kind, ref_id);
