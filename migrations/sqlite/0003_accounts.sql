-- 0003_accounts.sql — user accounts, roles per region, the prepared link to
-- persons, sessions, login throttling and recovery codes.

-- An account serves the whole installation; what it may do depends on the
-- region (account_role) and, later, on the person's memberships.
CREATE TABLE account (
	id INTEGER PRIMARY KEY,
	email TEXT NOT NULL UNIQUE
		CONSTRAINT account_email_format CHECK (email = lower(email) AND email LIKE '%_@_%' AND length(email) <= 254),
	display_name TEXT NOT NULL CONSTRAINT account_display_name_empty CHECK (display_name <> '' AND length(display_name) <= 200),
	lang TEXT NOT NULL DEFAULT 'de' CONSTRAINT account_lang CHECK (lang IN ('de', 'en')),
	status TEXT NOT NULL DEFAULT 'active' CONSTRAINT account_status CHECK (status IN ('active', 'disabled')),
	password_hash TEXT NOT NULL,
	totp_secret TEXT,
	totp_enabled INTEGER NOT NULL DEFAULT 0 CONSTRAINT account_totp_enabled CHECK (totp_enabled IN (0, 1)),
	totp_last_step INTEGER NOT NULL DEFAULT 0,
	-- Demo accounts may only log in to their demo region.
	demo_region_id INTEGER REFERENCES region(id) ON DELETE CASCADE,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	last_login_at TEXT
) STRICT;

CREATE TABLE account_role (
	account_id INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	role TEXT NOT NULL CONSTRAINT account_role_name CHECK (role IN ('admin', 'office', 'applicant')),
	granted_at TEXT NOT NULL,
	PRIMARY KEY (account_id, region_id, role)
) STRICT;
CREATE INDEX account_role_region ON account_role (region_id, account_id);

-- The account's person in each region it works in. Persons arrive with the
-- register; until then person_id has no foreign key.
CREATE TABLE account_person (
	account_id INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	person_id INTEGER NOT NULL,
	PRIMARY KEY (account_id, region_id)
) STRICT;

CREATE TABLE session (
	id INTEGER PRIMARY KEY,
	token_digest TEXT NOT NULL UNIQUE,
	account_id INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
	csrf_token TEXT NOT NULL,
	second_factor_pending INTEGER NOT NULL DEFAULT 0 CONSTRAINT session_pending CHECK (second_factor_pending IN (0, 1)),
	created_at TEXT NOT NULL,
	last_seen_at TEXT NOT NULL,
	ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX session_account ON session (account_id);

CREATE TABLE login_throttle (
	key TEXT PRIMARY KEY,
	failures INTEGER NOT NULL,
	first_failure_at TEXT NOT NULL,
	wait_until TEXT NOT NULL
) STRICT;

CREATE TABLE recovery_code (
	account_id INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
	code_digest TEXT NOT NULL,
	used_at TEXT,
	PRIMARY KEY (account_id, code_digest)
) STRICT;
