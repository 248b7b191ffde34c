-- 0002_feedback.sql — feedback sent through the form of the accessibility
-- statement (Erklärung zur Barrierefreiheit, BITV NRW). The office must answer
-- it; name and e-mail are optional, so a person may stay anonymous.
CREATE TABLE accessibility_feedback (
	id INTEGER PRIMARY KEY,
	region_id INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
	name TEXT NOT NULL DEFAULT ''
		CONSTRAINT accessibility_feedback_name_length CHECK (length(name) <= 200),
	email TEXT NOT NULL DEFAULT ''
		CONSTRAINT accessibility_feedback_email_length CHECK (length(email) <= 254),
	message TEXT NOT NULL
		CONSTRAINT accessibility_feedback_message_length CHECK (length(message) BETWEEN 1 AND 5000),
	-- The page the person came from, if they came from one of ours.
	page TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'new'
		CONSTRAINT accessibility_feedback_status CHECK (status IN ('new', 'answered', 'closed')),
	created_at TEXT NOT NULL
) STRICT;

CREATE INDEX accessibility_feedback_region ON accessibility_feedback (region_id, created_at);
