-- 0007_outbox.sql — the mail outbox (src/out/outbox.h).
--
-- One row per message and recipient. mime holds the complete RFC 5322
-- message as composed when the mail was queued (Message-ID included), so
-- every delivery attempt sends exactly the same bytes. A region table.
--
-- status is what the delivery job last committed: 'queued' (waiting, also
-- between attempts), 'sent', 'failed' (refused for good, or given up).
-- 'sending' is never committed (the job's transaction is still open while
-- it sends); the office's list shows a row whose job is running as sending.
-- last_response is the SMTP server's last answer ("451 4.7.1 Try again
-- later"), or what went wrong on the way there.
--
-- job_id names the current delivery job (a row of job, an installation
-- table) without a foreign key: finished jobs are purged after a while,
-- and the mail's own columns still tell what happened.
CREATE TABLE mail_outbox (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	-- what the mail is for, e.g. 'account.password_reset'
	kind TEXT NOT NULL
		CONSTRAINT mail_outbox_kind_format CHECK (length(kind) BETWEEN 3 AND 100
			AND kind GLOB '[a-z]*.*' AND kind NOT GLOB '*[^a-z0-9_.]*'),
	to_addr TEXT NOT NULL CONSTRAINT mail_outbox_to_addr_length CHECK (length(to_addr) BETWEEN 3 AND 254),
	to_name TEXT NOT NULL DEFAULT '' CONSTRAINT mail_outbox_to_name_length CHECK (length(to_name) <= 200),
	subject TEXT NOT NULL CONSTRAINT mail_outbox_subject_length CHECK (length(subject) BETWEEN 1 AND 500),
	-- without the angle brackets: 'random@host'
	message_id TEXT NOT NULL
		CONSTRAINT mail_outbox_message_id_format CHECK (length(message_id) BETWEEN 3 AND 250
			AND message_id GLOB '?*@?*'),
	mime BLOB NOT NULL,
	size INTEGER NOT NULL,
	status TEXT NOT NULL DEFAULT 'queued'
		CONSTRAINT mail_outbox_status CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
	attempts INTEGER NOT NULL DEFAULT 0 CONSTRAINT mail_outbox_attempts CHECK (attempts >= 0),
	last_response TEXT CONSTRAINT mail_outbox_last_response_length CHECK (length(last_response) <= 2000),
	created_at TEXT NOT NULL
		CONSTRAINT mail_outbox_created_at_format CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
	last_attempt_at TEXT
		CONSTRAINT mail_outbox_last_attempt_at_format CHECK (last_attempt_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
	sent_at TEXT
		CONSTRAINT mail_outbox_sent_at_format CHECK (sent_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
	job_id INTEGER,
	CONSTRAINT mail_outbox_size_matches CHECK (size = length(mime)),
	CONSTRAINT mail_outbox_sent CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
	CONSTRAINT mail_outbox_message_id UNIQUE (message_id)
) STRICT;

-- The office's list: a region's mails newest first, or those of one status.
CREATE INDEX mail_outbox_region ON mail_outbox (region_id, id);
CREATE INDEX mail_outbox_region_status ON mail_outbox (region_id, status, id);
