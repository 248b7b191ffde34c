-- 0008_messages.sql — message templates per region, and the tokens of the
-- password reset by e-mail.
--
-- message_template holds what the office changed of a mail or letter text
-- (src/out/message.h): one row per (region, key, language). The defaults are
-- built into the program; a key without a row here uses its default, and
-- "Auf Standard zurücksetzen" deletes the row. Subject and body are Mustache
-- templates whose placeholders the program checks before a row is stored.
CREATE TABLE message_template (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	-- The message's key, e.g. 'account.password_reset'.
	key TEXT NOT NULL
		CONSTRAINT message_template_key_format CHECK (length(key) BETWEEN 1 AND 100 AND key NOT GLOB '*[^a-z0-9._]*'),
	lang TEXT NOT NULL CONSTRAINT message_template_lang CHECK (lang IN ('de', 'en')),
	subject TEXT NOT NULL
		CONSTRAINT message_template_subject_length CHECK (length(subject) BETWEEN 1 AND 200),
	body TEXT NOT NULL
		CONSTRAINT message_template_body_length CHECK (length(body) BETWEEN 1 AND 20000),
	updated_by INTEGER REFERENCES account(id) ON DELETE SET NULL,
	updated_at TEXT NOT NULL
		CONSTRAINT message_template_updated_at_format CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
	CONSTRAINT message_template_region_key_lang UNIQUE (region_id, key, lang)
) STRICT;

-- A link to set a new password, sent by e-mail (the login page's "Passwort
-- vergessen?"). Accounts serve the whole installation, so this is an
-- installation table. The link's token is never stored, only its SHA-256
-- digest; a token works once (used_at) and until expires_at (one hour).
CREATE TABLE password_reset (
	id INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
	token_digest TEXT NOT NULL UNIQUE
		CONSTRAINT password_reset_digest_format CHECK (length(token_digest) = 64 AND token_digest NOT GLOB '*[^0-9a-f]*'),
	created_at TEXT NOT NULL
		CONSTRAINT password_reset_created_at_format CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
	expires_at TEXT NOT NULL
		CONSTRAINT password_reset_expires_at_format CHECK (expires_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
	used_at TEXT
		CONSTRAINT password_reset_used_at_format CHECK (used_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z')
) STRICT;
CREATE INDEX password_reset_account ON password_reset (account_id);
CREATE INDEX password_reset_expires ON password_reset (expires_at);
