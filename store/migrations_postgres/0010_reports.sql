-- Reports (moderation), as Mastodon keeps them: who reported whom, about
-- which statuses, why, and whether an admin acted. The reporter is a local
-- user, or for a Flag received from another server that server's actor.
CREATE TABLE reports (
	id                 BIGINT  PRIMARY KEY,
	uri                TEXT    NOT NULL DEFAULT '', -- the Flag's id: ours when forwarded, theirs when received
	account_id         BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- reporter
	target_account_id  BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	category           TEXT    NOT NULL DEFAULT 'other', -- spam, legal, violation, other
	comment            TEXT    NOT NULL DEFAULT '',
	forwarded          BIGINT  NOT NULL DEFAULT 0, -- a Flag went to the target's server
	rule_ids           TEXT    NOT NULL DEFAULT '', -- space-separated instance rule ids
	action_taken_at    BIGINT  NOT NULL DEFAULT 0, -- 0 while open
	action_taken_by    BIGINT  REFERENCES accounts (id) ON DELETE SET NULL,
	created_at         BIGINT  NOT NULL,
	updated_at         BIGINT  NOT NULL
);
CREATE UNIQUE INDEX reports_uri ON reports (uri) WHERE uri <> '';
CREATE INDEX reports_open ON reports (id DESC) WHERE action_taken_at = 0;
CREATE INDEX reports_target ON reports (target_account_id);

-- The statuses a report names. A status deleted for good drops out; a
-- tombstoned one stays, so the admin sees what was removed.
CREATE TABLE report_statuses (
	report_id  BIGINT  NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
	status_id  BIGINT  NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	PRIMARY KEY (report_id, status_id)
);
CREATE INDEX report_statuses_status ON report_statuses (status_id);

-- Admins hear of new reports by an "admin.report" notification that names
-- the report; the same reporter may file several, so the report joins the
-- key that keeps notifications unique.
ALTER TABLE notifications ADD COLUMN report_id BIGINT REFERENCES reports (id) ON DELETE CASCADE;
DROP INDEX notifications_once;
CREATE UNIQUE INDEX notifications_once ON notifications (account_id, from_account_id, type, coalesce(status_id, 0), coalesce(report_id, 0));
