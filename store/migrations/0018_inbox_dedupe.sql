-- The inbox deduplicates true retries only: the same activity id with the
-- same body, received within the dedupe window, and not released since.
-- snac gives every Like or Announce of one post the same id and honk every
-- edit of a post the same Update id (issue 14), so an id may now appear more
-- than once. `undoes` holds the id an Undo undoes; `freed` marks a record
-- that an Undo (or the activity done again after its Undo) released.
CREATE TABLE inbox_items_new (
	id            INTEGER PRIMARY KEY,
	activity_id   TEXT    NOT NULL,
	actor_uri     TEXT    NOT NULL,
	inbox_account_id INTEGER, -- the personal inbox it arrived at, NULL for the shared inbox
	body          BLOB    NOT NULL,
	body_hash     TEXT    NOT NULL DEFAULT '', -- hex SHA-256 of the body as received
	undoes        TEXT    NOT NULL DEFAULT '',
	freed         INTEGER NOT NULL DEFAULT 0,
	state         TEXT    NOT NULL DEFAULT 'pending', -- pending, done, failed
	attempts      INTEGER NOT NULL DEFAULT 0,
	lease_until   INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT    NOT NULL DEFAULT '',
	received_at   INTEGER NOT NULL,
	processed_at  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO inbox_items_new (id, activity_id, actor_uri, inbox_account_id, body, state, attempts, lease_until,
	last_error, received_at, processed_at)
	SELECT id, activity_id, actor_uri, inbox_account_id, body, state, attempts, lease_until,
	last_error, received_at, processed_at FROM inbox_items;
DROP TABLE inbox_items;
ALTER TABLE inbox_items_new RENAME TO inbox_items;
CREATE INDEX inbox_items_pending ON inbox_items (id) WHERE state = 'pending';
CREATE INDEX inbox_items_activity ON inbox_items (activity_id, id);
CREATE INDEX inbox_items_undoes ON inbox_items (undoes) WHERE undoes <> '';
CREATE INDEX inbox_items_finished ON inbox_items (received_at) WHERE state <> 'pending';
