-- 0004_jobs.sql — the durable background job queue (src/jobs/job.h).
--
-- An installation table: no row-level security. A job belongs to a region
-- (region_id) or to the whole installation (NULL, e.g. session clean-up);
-- the admin page of a region shows the region's jobs and the installation's.

CREATE TABLE job (
	id INTEGER PRIMARY KEY,
	region_id INTEGER REFERENCES region(id) ON DELETE CASCADE,
	-- "area.what", e.g. "mail.send", "session.cleanup"
	kind TEXT NOT NULL
		CONSTRAINT job_kind_format CHECK (length(kind) BETWEEN 3 AND 100
			AND kind GLOB '[a-z]*.*' AND kind NOT GLOB '*[^a-z0-9_.]*'),
	-- what the handler needs: ids and keys rather than personal data
	payload TEXT NOT NULL DEFAULT '{}'
		CONSTRAINT job_payload_object CHECK (json_valid(payload) AND json_type(payload) = 'object'),
	state TEXT NOT NULL DEFAULT 'queued'
		CONSTRAINT job_state CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
	-- due from then on; after a failed attempt now + backoff
	run_at TEXT NOT NULL
		CONSTRAINT job_run_at_format CHECK (run_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
	attempts INTEGER NOT NULL DEFAULT 0 CONSTRAINT job_attempts CHECK (attempts >= 0),
	max_attempts INTEGER NOT NULL DEFAULT 5
		CONSTRAINT job_max_attempts CHECK (max_attempts BETWEEN 1 AND 100),
	-- the lease of a running job: which node ("host:pid:thread") until when
	locked_by TEXT,
	locked_until TEXT
		CONSTRAINT job_locked_until_format CHECK (locked_until GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
	last_error TEXT CONSTRAINT job_last_error_length CHECK (length(last_error) <= 2000),
	-- at most one job ever per key ("session.cleanup:2026-11-26T13")
	dedupe_key TEXT UNIQUE CONSTRAINT job_dedupe_key_length CHECK (length(dedupe_key) BETWEEN 1 AND 200),
	created_at TEXT NOT NULL
		CONSTRAINT job_created_at_format CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
	updated_at TEXT NOT NULL
		CONSTRAINT job_updated_at_format CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
	finished_at TEXT
		CONSTRAINT job_finished_at_format CHECK (finished_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'),
	-- a running job always has a lease, no other has one
	CONSTRAINT job_lease CHECK ((state = 'running') = (locked_by IS NOT NULL AND locked_until IS NOT NULL))
) STRICT;

-- The claim: the oldest due queued job.
CREATE INDEX job_due ON job (run_at, id) WHERE state = 'queued';
-- Leases that ran out.
CREATE INDEX job_running ON job (locked_until) WHERE state = 'running';
-- The admin page (a region's jobs, newest first) and the clean-up of old jobs.
CREATE INDEX job_region ON job (region_id, id);
CREATE INDEX job_finished ON job (state, finished_at);

-- Written only by the job kind test.record (registered when
-- BIREG_TEST_ROUTES=1): one row per run, so a second run of the same job
-- would violate the key. Tests count these rows to prove exactly once.
CREATE TABLE job_test_effect (
	job_id INTEGER PRIMARY KEY REFERENCES job(id) ON DELETE CASCADE,
	node TEXT NOT NULL,
	at TEXT NOT NULL
) STRICT;
