-- 0009_register.sql — the register of a region: areas, institutions,
-- people, bodies with their rules of procedure, memberships.
--
-- Every table here is a region table. A row refers only to rows of its own
-- region; the stores check that before they write (each lookup of a
-- referenced row filters by region), and on PostgreSQL row-level security
-- hides other regions' rows a second time.
--
-- Dates (start, end, consent given) are calendar days 'YYYY-MM-DD' in
-- Europe/Berlin; times are UTC 'YYYY-MM-DDTHH:MM:SSZ' as everywhere.

-- Areas in separate hierarchies: 'admin' (Stadtbezirk > Ortsteil) and
-- 'social' (Sozialräume the office defines). kind names the level inside
-- the hierarchy ('Stadtbezirk', 'Ortsteil', 'Sozialraum'); code is an
-- official number where there is one (Duisburg's Stadtbezirk 1–7).
CREATE TABLE area (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	hierarchy TEXT NOT NULL CONSTRAINT area_hierarchy CHECK (hierarchy IN ('admin', 'social')),
	parent_id INTEGER REFERENCES area(id) ON DELETE RESTRICT,
	kind TEXT NOT NULL CONSTRAINT area_kind_length CHECK (length(kind) BETWEEN 1 AND 60),
	code TEXT NOT NULL DEFAULT '' CONSTRAINT area_code_length CHECK (length(code) <= 20),
	name TEXT NOT NULL CONSTRAINT area_name_length CHECK (length(name) BETWEEN 1 AND 120),
	position INTEGER NOT NULL DEFAULT 0,
	CONSTRAINT area_not_own_parent CHECK (parent_id IS NULL OR parent_id <> id)
) STRICT;
CREATE UNIQUE INDEX area_unique_name ON area (region_id, hierarchy, COALESCE(parent_id, 0), name);
CREATE INDEX area_parent ON area (parent_id);

-- The post-code / quarter table: which area a postal address belongs to.
-- quarter may narrow a post code that spans areas ('' = the whole code).
CREATE TABLE area_postcode (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	postcode TEXT NOT NULL
		CONSTRAINT area_postcode_format CHECK (length(postcode) = 5 AND postcode NOT GLOB '*[^0-9]*'),
	quarter TEXT NOT NULL DEFAULT '' CONSTRAINT area_postcode_quarter_length CHECK (length(quarter) <= 120),
	area_id INTEGER NOT NULL REFERENCES area(id) ON DELETE CASCADE,
	CONSTRAINT area_postcode_unique UNIQUE (region_id, postcode, quarter, area_id)
) STRICT;
CREATE INDEX area_postcode_area ON area_postcode (area_id);

-- Kinds of institution, editable per region. is_school shows the school
-- fields (Schulnummer, Schulform, Rechtsform, Trägernummer). key is stable
-- for the built-in kinds ('school', 'kita', …) and '' for the office's own.
CREATE TABLE institution_type (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	key TEXT NOT NULL DEFAULT '' CONSTRAINT institution_type_key_format CHECK (length(key) <= 32 AND key NOT GLOB '*[^a-z_]*'),
	name TEXT NOT NULL CONSTRAINT institution_type_name_length CHECK (length(name) BETWEEN 1 AND 80),
	is_school INTEGER NOT NULL DEFAULT 0 CONSTRAINT institution_type_is_school CHECK (is_school IN (0, 1)),
	position INTEGER NOT NULL DEFAULT 0,
	CONSTRAINT institution_type_name_unique UNIQUE (region_id, name)
) STRICT;
CREATE UNIQUE INDEX institution_type_key_unique ON institution_type (region_id, key) WHERE key <> '';

CREATE TABLE institution (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	type_id INTEGER NOT NULL REFERENCES institution_type(id) ON DELETE RESTRICT,
	name TEXT NOT NULL CONSTRAINT institution_name_length CHECK (length(name) BETWEEN 1 AND 200),
	name_extra TEXT NOT NULL DEFAULT '' CONSTRAINT institution_name_extra_length CHECK (length(name_extra) <= 200),
	short_name TEXT NOT NULL DEFAULT '' CONSTRAINT institution_short_name_length CHECK (length(short_name) <= 100),
	street TEXT NOT NULL DEFAULT '' CONSTRAINT institution_street_length CHECK (length(street) <= 200),
	postcode TEXT NOT NULL DEFAULT ''
		CONSTRAINT institution_postcode_format CHECK (postcode = '' OR (length(postcode) = 5 AND postcode NOT GLOB '*[^0-9]*')),
	city TEXT NOT NULL DEFAULT '' CONSTRAINT institution_city_length CHECK (length(city) <= 100),
	phone TEXT NOT NULL DEFAULT '' CONSTRAINT institution_phone_length CHECK (length(phone) <= 50),
	email TEXT NOT NULL DEFAULT '' CONSTRAINT institution_email_length CHECK (length(email) <= 254),
	website TEXT NOT NULL DEFAULT '' CONSTRAINT institution_website_length CHECK (length(website) <= 300),
	notes TEXT NOT NULL DEFAULT '' CONSTRAINT institution_notes_length CHECK (length(notes) <= 5000),
	-- School fields (the NRW school directory's columns); '' for others.
	school_number TEXT NOT NULL DEFAULT ''
		CONSTRAINT institution_school_number_format CHECK (school_number = '' OR (length(school_number) = 6 AND school_number NOT GLOB '*[^0-9]*')),
	school_form TEXT NOT NULL DEFAULT '' CONSTRAINT institution_school_form_length CHECK (length(school_form) <= 4),
	legal_form TEXT NOT NULL DEFAULT '' CONSTRAINT institution_legal_form_length CHECK (length(legal_form) <= 4),
	carrier_number TEXT NOT NULL DEFAULT '' CONSTRAINT institution_carrier_number_length CHECK (length(carrier_number) <= 10),
	-- The folded name, for sorting lists the same on both backends.
	sort_name TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX institution_region_sort ON institution (region_id, sort_name, id);
CREATE INDEX institution_by_type ON institution (type_id);
CREATE UNIQUE INDEX institution_school_number ON institution (region_id, school_number) WHERE school_number <> '';

-- An institution lies in areas (at most one per hierarchy, checked by the store).
CREATE TABLE institution_area (
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	institution_id INTEGER NOT NULL REFERENCES institution(id) ON DELETE CASCADE,
	area_id INTEGER NOT NULL REFERENCES area(id) ON DELETE CASCADE,
	PRIMARY KEY (institution_id, area_id)
) STRICT;
CREATE INDEX institution_area_area ON institution_area (area_id);

-- Free tags (Schlagworte) of an institution, as typed.
CREATE TABLE institution_tag (
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	institution_id INTEGER NOT NULL REFERENCES institution(id) ON DELETE CASCADE,
	tag TEXT NOT NULL CONSTRAINT institution_tag_length CHECK (length(tag) BETWEEN 1 AND 60),
	PRIMARY KEY (institution_id, tag)
) STRICT;
CREATE INDEX institution_tag_region ON institution_tag (region_id, tag);

-- A person of the register. letter_salutation is the free Briefanrede; ''
-- means the generated default from address_form, title and names.
-- legal_basis: the ground of processing (Art. 6(1) DSGVO); work in the
-- bodies rests on the public task, not on consent.
CREATE TABLE person (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	address_form TEXT NOT NULL DEFAULT ''
		CONSTRAINT person_address_form CHECK (address_form IN ('', 'frau', 'herr')),
	title TEXT NOT NULL DEFAULT '' CONSTRAINT person_title_length CHECK (length(title) <= 60),
	first_name TEXT NOT NULL DEFAULT '' CONSTRAINT person_first_name_length CHECK (length(first_name) <= 100),
	last_name TEXT NOT NULL CONSTRAINT person_last_name_length CHECK (length(last_name) BETWEEN 1 AND 100),
	letter_salutation TEXT NOT NULL DEFAULT '' CONSTRAINT person_letter_salutation_length CHECK (length(letter_salutation) <= 200),
	function TEXT NOT NULL DEFAULT '' CONSTRAINT person_function_length CHECK (length(function) <= 200),
	phone TEXT NOT NULL DEFAULT '' CONSTRAINT person_phone_length CHECK (length(phone) <= 50),
	mobile TEXT NOT NULL DEFAULT '' CONSTRAINT person_mobile_length CHECK (length(mobile) <= 50),
	email TEXT NOT NULL DEFAULT '' CONSTRAINT person_email_length CHECK (length(email) <= 254),
	street TEXT NOT NULL DEFAULT '' CONSTRAINT person_street_length CHECK (length(street) <= 200),
	postcode TEXT NOT NULL DEFAULT ''
		CONSTRAINT person_postcode_format CHECK (postcode = '' OR (length(postcode) = 5 AND postcode NOT GLOB '*[^0-9]*')),
	city TEXT NOT NULL DEFAULT '' CONSTRAINT person_city_length CHECK (length(city) <= 100),
	preferred_channel TEXT NOT NULL DEFAULT 'email'
		CONSTRAINT person_preferred_channel CHECK (preferred_channel IN ('email', 'post')),
	legal_basis TEXT NOT NULL DEFAULT 'public_task'
		CONSTRAINT person_legal_basis CHECK (legal_basis IN ('public_task', 'consent', 'contract', 'legitimate_interest')),
	legal_basis_note TEXT NOT NULL DEFAULT '' CONSTRAINT person_legal_basis_note_length CHECK (length(legal_basis_note) <= 500),
	notes TEXT NOT NULL DEFAULT '' CONSTRAINT person_notes_length CHECK (length(notes) <= 5000),
	-- The folded "last first" name, for sorting lists the same on both backends.
	sort_name TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX person_region_sort ON person (region_id, sort_name, id);
CREATE INDEX person_region_email ON person (region_id, email) WHERE email <> '';
-- The people list sorted by the last change, newest first.
CREATE INDEX person_region_updated ON person (region_id, updated_at, id);

-- Consents, each given or withdrawn on a day from a source (a form, a
-- letter, an e-mail). The history is kept: a person's current answer for a
-- kind is its row with the highest id.
CREATE TABLE person_consent (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
	kind TEXT NOT NULL CONSTRAINT person_consent_kind CHECK (kind IN ('publish_name', 'photos', 'newsletter')),
	given INTEGER NOT NULL CONSTRAINT person_consent_given CHECK (given IN (0, 1)),
	day TEXT NOT NULL
		CONSTRAINT person_consent_day_format CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
	source TEXT NOT NULL DEFAULT '' CONSTRAINT person_consent_source_length CHECK (length(source) <= 300),
	recorded_by INTEGER REFERENCES account(id) ON DELETE SET NULL,
	recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX person_consent_person ON person_consent (person_id, kind, id);

-- A person works at an institution in a function, for a period.
CREATE TABLE person_affiliation (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
	institution_id INTEGER NOT NULL REFERENCES institution(id) ON DELETE CASCADE,
	function TEXT NOT NULL DEFAULT '' CONSTRAINT person_affiliation_function_length CHECK (length(function) <= 200),
	start_day TEXT CONSTRAINT person_affiliation_start_format CHECK (start_day IS NULL OR start_day GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
	end_day TEXT CONSTRAINT person_affiliation_end_format CHECK (end_day IS NULL OR end_day GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
	CONSTRAINT person_affiliation_period CHECK (start_day IS NULL OR end_day IS NULL OR end_day >= start_day)
) STRICT;
CREATE INDEX person_affiliation_person ON person_affiliation (person_id);
CREATE INDEX person_affiliation_institution ON person_affiliation (institution_id);

-- A body (Gremium) on a level, with its rules of procedure as fields.
--   type: conference (Bildungskonferenz), steering (Lenkungskreis), forum
--     (Handlungsforum), district_forum (regionales Bildungsforum), board
--     (Vorstand des Fördervereins), working_group, other.
--   chair_mode: single, or co_chairs (two equal chairs).
--   decision_mode: consensus, majority, unanimity, or recommendation (the
--     conference recommends, it does not decide).
--   quorum_rule: none; share (quorum_share_pct of the voting members);
--     both_partners (both partner sides, Land and Kommune, represented).
--   invitation_days (Ladungsfrist) and invitation_days_urgent (shortened,
--     for urgent meetings), papers_days (Unterlagenfrist), objection_days
--     (Einwendungsfrist after the minutes are sent; then they count as
--     approved; 0 = minutes are approved in the next meeting).
--   written_procedure: none; majority; all_consent (every member agrees
--     in text form, the default for a board under § 32 (2) BGB).
--   nonpublic_access: who may see the non-public papers: members (with
--     their substitutes), voting (voting members only), office.
CREATE TABLE body (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	name TEXT NOT NULL CONSTRAINT body_name_length CHECK (length(name) BETWEEN 1 AND 200),
	short_name TEXT NOT NULL DEFAULT '' CONSTRAINT body_short_name_length CHECK (length(short_name) <= 60),
	type TEXT NOT NULL
		CONSTRAINT body_type CHECK (type IN ('conference', 'steering', 'forum', 'district_forum', 'board', 'working_group', 'other')),
	level_id INTEGER REFERENCES region_level(id) ON DELETE SET NULL,
	area_id INTEGER REFERENCES area(id) ON DELETE SET NULL,
	parent_id INTEGER REFERENCES body(id) ON DELETE SET NULL,
	description TEXT NOT NULL DEFAULT '' CONSTRAINT body_description_length CHECK (length(description) <= 10000),
	goals TEXT NOT NULL DEFAULT '' CONSTRAINT body_goals_length CHECK (length(goals) <= 10000),
	active_from TEXT CONSTRAINT body_active_from_format CHECK (active_from IS NULL OR active_from GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
	active_until TEXT CONSTRAINT body_active_until_format CHECK (active_until IS NULL OR active_until GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
	chair_mode TEXT NOT NULL DEFAULT 'single' CONSTRAINT body_chair_mode CHECK (chair_mode IN ('single', 'co_chairs')),
	decision_mode TEXT NOT NULL DEFAULT 'majority'
		CONSTRAINT body_decision_mode CHECK (decision_mode IN ('consensus', 'majority', 'unanimity', 'recommendation')),
	quorum_rule TEXT NOT NULL DEFAULT 'share' CONSTRAINT body_quorum_rule CHECK (quorum_rule IN ('none', 'share', 'both_partners')),
	quorum_share_pct INTEGER NOT NULL DEFAULT 50
		CONSTRAINT body_quorum_share_pct CHECK (quorum_share_pct BETWEEN 1 AND 100),
	invitation_days INTEGER NOT NULL DEFAULT 14 CONSTRAINT body_invitation_days CHECK (invitation_days BETWEEN 0 AND 365),
	invitation_days_urgent INTEGER NOT NULL DEFAULT 3
		CONSTRAINT body_invitation_days_urgent CHECK (invitation_days_urgent BETWEEN 0 AND 365 AND invitation_days_urgent <= invitation_days),
	papers_days INTEGER NOT NULL DEFAULT 7 CONSTRAINT body_papers_days CHECK (papers_days BETWEEN 0 AND 365),
	objection_days INTEGER NOT NULL DEFAULT 14 CONSTRAINT body_objection_days CHECK (objection_days BETWEEN 0 AND 365),
	written_procedure TEXT NOT NULL DEFAULT 'none'
		CONSTRAINT body_written_procedure CHECK (written_procedure IN ('none', 'majority', 'all_consent')),
	public INTEGER NOT NULL DEFAULT 0 CONSTRAINT body_public CHECK (public IN (0, 1)),
	-- The folded name, for sorting lists the same on both backends.
	sort_name TEXT NOT NULL DEFAULT '',
	nonpublic_access TEXT NOT NULL DEFAULT 'members'
		CONSTRAINT body_nonpublic_access CHECK (nonpublic_access IN ('members', 'voting', 'office')),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	CONSTRAINT body_not_own_parent CHECK (parent_id IS NULL OR parent_id <> id),
	CONSTRAINT body_active_period CHECK (active_from IS NULL OR active_until IS NULL OR active_until >= active_from)
) STRICT;
CREATE INDEX body_region_sort ON body (region_id, sort_name, id);
CREATE INDEX body_parent ON body (parent_id);
CREATE INDEX body_level ON body (level_id);

-- A person in a body. role: chair (Vorsitz), vice_chair (stellv.
-- Vorsitz), member, substitute (persönliche Stellvertretung of the member
-- in substitute_for_id, a membership of the same body), advisory
-- (beratend), guest, management (Geschäftsführung), coordination
-- (Koordination of a forum). The member represents an institution and/or a
-- partner side (land, kommune). Ending a membership sets end_day; the row
-- stays, so the history of a body's composition is kept.
CREATE TABLE membership (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	body_id INTEGER NOT NULL REFERENCES body(id) ON DELETE CASCADE,
	person_id INTEGER NOT NULL REFERENCES person(id) ON DELETE CASCADE,
	role TEXT NOT NULL
		CONSTRAINT membership_role CHECK (role IN ('chair', 'vice_chair', 'member', 'substitute', 'advisory', 'guest', 'management', 'coordination')),
	substitute_for_id INTEGER REFERENCES membership(id) ON DELETE SET NULL,
	institution_id INTEGER REFERENCES institution(id) ON DELETE SET NULL,
	partner_side TEXT NOT NULL DEFAULT '' CONSTRAINT membership_partner_side CHECK (partner_side IN ('', 'land', 'kommune')),
	voting INTEGER NOT NULL DEFAULT 1 CONSTRAINT membership_voting CHECK (voting IN (0, 1)),
	start_day TEXT CONSTRAINT membership_start_format CHECK (start_day IS NULL OR start_day GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
	end_day TEXT CONSTRAINT membership_end_format CHECK (end_day IS NULL OR end_day GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
	note TEXT NOT NULL DEFAULT '' CONSTRAINT membership_note_length CHECK (length(note) <= 500),
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	CONSTRAINT membership_period CHECK (start_day IS NULL OR end_day IS NULL OR end_day >= start_day),
	CONSTRAINT membership_substitute CHECK ((role = 'substitute') = (substitute_for_id IS NOT NULL)),
	CONSTRAINT membership_not_own_substitute CHECK (substitute_for_id IS NULL OR substitute_for_id <> id)
) STRICT;
CREATE INDEX membership_body ON membership (body_id, end_day);
CREATE INDEX membership_person ON membership (person_id);
CREATE INDEX membership_institution ON membership (institution_id);
CREATE INDEX membership_substitute_for ON membership (substitute_for_id);

-- The register now exists: an account's person is a person of the region,
-- linked to at most one account there (person_store keeps both sides; the
-- person's delete removes the link, as nothing cascades to this
-- installation table).
CREATE UNIQUE INDEX account_person_person ON account_person (region_id, person_id);

-- The built-in institution kinds for every region that exists; new regions
-- get them from the register store (register_seed_defaults).
INSERT INTO institution_type (region_id, key, name, is_school, position)
SELECT r.id, t.key, t.name, t.is_school, t.position FROM region r, (
	SELECT 'school' AS key, 'Schule' AS name, 1 AS is_school, 1 AS position
	UNION ALL SELECT 'kita', 'Kindertageseinrichtung', 0, 2
	UNION ALL SELECT 'youth_welfare', 'Jugendhilfe', 0, 3
	UNION ALL SELECT 'provider', 'Träger', 0, 4
	UNION ALL SELECT 'association', 'Verein / Verband', 0, 5
	UNION ALL SELECT 'chamber', 'Kammer', 0, 6
	UNION ALL SELECT 'company', 'Unternehmen', 0, 7
	UNION ALL SELECT 'authority', 'Behörde (z. B. Schulamt, Jugendamt)', 0, 8
	UNION ALL SELECT 'university', 'Hochschule', 0, 9
	UNION ALL SELECT 'foundation', 'Stiftung', 0, 10
	UNION ALL SELECT 'other', 'Sonstige', 0, 11
) t;
