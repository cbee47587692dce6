-- Core schema: accounts (local and remote), statuses, media, social graph,
-- notifications, the inbox and the delivery queue. Times are Unix milliseconds (UTC).

CREATE TABLE accounts (
	id                INTEGER PRIMARY KEY,         -- snowflake, shown to clients as a decimal string
	username          TEXT    NOT NULL,
	domain            TEXT    NOT NULL DEFAULT '', -- '' for local accounts
	uri               TEXT    NOT NULL UNIQUE,     -- ActivityPub actor id
	url               TEXT    NOT NULL DEFAULT '', -- profile page
	actor_type        TEXT    NOT NULL DEFAULT 'Person',
	display_name      TEXT    NOT NULL DEFAULT '',
	note              TEXT    NOT NULL DEFAULT '', -- HTML
	note_source       TEXT    NOT NULL DEFAULT '', -- plain text as typed (local)
	fields_json       TEXT    NOT NULL DEFAULT '[]',
	inbox_uri         TEXT    NOT NULL DEFAULT '',
	shared_inbox_uri  TEXT    NOT NULL DEFAULT '',
	outbox_uri        TEXT    NOT NULL DEFAULT '',
	followers_uri     TEXT    NOT NULL DEFAULT '',
	following_uri     TEXT    NOT NULL DEFAULT '',
	featured_uri      TEXT    NOT NULL DEFAULT '',
	public_key_id     TEXT    NOT NULL DEFAULT '',
	public_key_pem    TEXT    NOT NULL DEFAULT '',
	private_key_pem   TEXT    NOT NULL DEFAULT '', -- local accounts only
	avatar_url        TEXT    NOT NULL DEFAULT '', -- remote accounts
	header_url        TEXT    NOT NULL DEFAULT '',
	avatar_file       TEXT    NOT NULL DEFAULT '', -- local accounts: media file name
	header_file       TEXT    NOT NULL DEFAULT '',
	locked            INTEGER NOT NULL DEFAULT 0,
	bot               INTEGER NOT NULL DEFAULT 0,
	discoverable      INTEGER NOT NULL DEFAULT 1,
	indexable         INTEGER NOT NULL DEFAULT 1,
	followers_count   INTEGER NOT NULL DEFAULT 0,  -- remote accounts: from their collections
	following_count   INTEGER NOT NULL DEFAULT 0,
	statuses_count    INTEGER NOT NULL DEFAULT 0,
	moved_to_uri      TEXT    NOT NULL DEFAULT '',
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	fetched_at        INTEGER NOT NULL DEFAULT 0,
	suspended_at      INTEGER NOT NULL DEFAULT 0,
	deleted_at        INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX accounts_username_domain ON accounts (lower(username), domain);
CREATE INDEX accounts_public_key_id ON accounts (public_key_id) WHERE public_key_id <> '';
CREATE INDEX accounts_domain ON accounts (domain);

-- Login data of local accounts.
CREATE TABLE users (
	account_id     INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
	email          TEXT    NOT NULL DEFAULT '',
	password_hash  TEXT    NOT NULL,
	admin          INTEGER NOT NULL DEFAULT 0,
	disabled       INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL
);

CREATE TABLE statuses (
	id                      INTEGER PRIMARY KEY,
	uri                     TEXT    NOT NULL UNIQUE,
	url                     TEXT    NOT NULL DEFAULT '',
	account_id              INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	local                   INTEGER NOT NULL DEFAULT 0,
	content                 TEXT    NOT NULL DEFAULT '', -- HTML
	text                    TEXT    NOT NULL DEFAULT '', -- source text (local)
	spoiler_text            TEXT    NOT NULL DEFAULT '',
	sensitive               INTEGER NOT NULL DEFAULT 0,
	visibility              TEXT    NOT NULL DEFAULT 'public', -- public, unlisted, private, direct
	language                TEXT    NOT NULL DEFAULT '',
	in_reply_to_id          INTEGER REFERENCES statuses (id) ON DELETE SET NULL,
	in_reply_to_uri         TEXT    NOT NULL DEFAULT '',
	in_reply_to_account_id  INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
	reblog_of_id            INTEGER REFERENCES statuses (id) ON DELETE CASCADE,
	generated               INTEGER NOT NULL DEFAULT 0, -- carries AI-generated media
	created_at              INTEGER NOT NULL,
	edited_at               INTEGER NOT NULL DEFAULT 0,
	deleted_at              INTEGER NOT NULL DEFAULT 0  -- tombstone: row kept so GET answers 410
);
CREATE INDEX statuses_account ON statuses (account_id, id DESC);
CREATE INDEX statuses_reply ON statuses (in_reply_to_id) WHERE in_reply_to_id IS NOT NULL;
CREATE INDEX statuses_reblog ON statuses (reblog_of_id) WHERE reblog_of_id IS NOT NULL;
CREATE INDEX statuses_public ON statuses (id DESC) WHERE visibility = 'public' AND deleted_at = 0 AND reblog_of_id IS NULL;
CREATE INDEX statuses_generated ON statuses (id DESC) WHERE generated = 1 AND deleted_at = 0;

-- Earlier versions of edited statuses.
CREATE TABLE status_edits (
	id            INTEGER PRIMARY KEY,
	status_id     INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	content       TEXT    NOT NULL,
	spoiler_text  TEXT    NOT NULL DEFAULT '',
	sensitive     INTEGER NOT NULL DEFAULT 0,
	media_json    TEXT    NOT NULL DEFAULT '[]',
	created_at    INTEGER NOT NULL
);
CREATE INDEX status_edits_status ON status_edits (status_id, id);

CREATE TABLE media_attachments (
	id                   INTEGER PRIMARY KEY,
	account_id           INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	status_id            INTEGER REFERENCES statuses (id) ON DELETE SET NULL,
	position             INTEGER NOT NULL DEFAULT 0,
	type                 TEXT    NOT NULL DEFAULT 'image',
	file_name            TEXT    NOT NULL DEFAULT '', -- web-sized derivative (local)
	media_type           TEXT    NOT NULL DEFAULT '',
	width                INTEGER NOT NULL DEFAULT 0,
	height               INTEGER NOT NULL DEFAULT 0,
	file_size            INTEGER NOT NULL DEFAULT 0,
	thumb_name           TEXT    NOT NULL DEFAULT '',
	thumb_width          INTEGER NOT NULL DEFAULT 0,
	thumb_height         INTEGER NOT NULL DEFAULT 0,
	original_name        TEXT    NOT NULL DEFAULT '', -- provider bytes kept verbatim
	original_media_type  TEXT    NOT NULL DEFAULT '',
	remote_url           TEXT    NOT NULL DEFAULT '', -- remote attachments
	description          TEXT    NOT NULL DEFAULT '',
	blurhash             TEXT    NOT NULL DEFAULT '',
	focus_x              REAL    NOT NULL DEFAULT 0,
	focus_y              REAL    NOT NULL DEFAULT 0,
	generator_backend    TEXT    NOT NULL DEFAULT '',
	generator_model      TEXT    NOT NULL DEFAULT '',
	prompt               TEXT    NOT NULL DEFAULT '',
	revised_prompt       TEXT    NOT NULL DEFAULT '',
	created_at           INTEGER NOT NULL
);
CREATE INDEX media_status ON media_attachments (status_id, position) WHERE status_id IS NOT NULL;
CREATE INDEX media_account ON media_attachments (account_id, id);

CREATE TABLE mentions (
	status_id   INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	PRIMARY KEY (status_id, account_id)
);
CREATE INDEX mentions_account ON mentions (account_id, status_id);

CREATE TABLE tags (
	id    INTEGER PRIMARY KEY,
	name  TEXT NOT NULL UNIQUE -- lower-cased, without '#'
);
CREATE TABLE status_tags (
	status_id  INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	tag_id     INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
	PRIMARY KEY (status_id, tag_id)
);
CREATE INDEX status_tags_tag ON status_tags (tag_id, status_id DESC);

CREATE TABLE follows (
	id                 INTEGER PRIMARY KEY,
	account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- follower
	target_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	uri                TEXT    NOT NULL DEFAULT '', -- the Follow activity id
	accepted           INTEGER NOT NULL DEFAULT 0,
	created_at         INTEGER NOT NULL,
	UNIQUE (account_id, target_account_id)
);
CREATE INDEX follows_target ON follows (target_account_id, accepted, id);
CREATE INDEX follows_uri ON follows (uri) WHERE uri <> '';

CREATE TABLE favourites (
	id          INTEGER PRIMARY KEY,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	status_id   INTEGER NOT NULL REFERENCES statuses (id) ON DELETE CASCADE,
	uri         TEXT    NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_status ON favourites (status_id);
CREATE INDEX favourites_uri ON favourites (uri) WHERE uri <> '';

CREATE TABLE notifications (
	id               INTEGER PRIMARY KEY,
	account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- recipient
	from_account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	type             TEXT    NOT NULL, -- follow, follow_request, mention, favourite, reblog, update, status
	status_id        INTEGER REFERENCES statuses (id) ON DELETE CASCADE,
	created_at       INTEGER NOT NULL,
	dismissed        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_account ON notifications (account_id, id DESC);
CREATE UNIQUE INDEX notifications_once ON notifications (account_id, from_account_id, type, ifnull(status_id, 0));

-- What the inbox acknowledged: stored before the 202, processed by a worker.
CREATE TABLE inbox_items (
	id            INTEGER PRIMARY KEY,
	activity_id   TEXT    NOT NULL UNIQUE,
	actor_uri     TEXT    NOT NULL,
	inbox_account_id INTEGER, -- the personal inbox it arrived at, NULL for the shared inbox
	body          BLOB    NOT NULL,
	state         TEXT    NOT NULL DEFAULT 'pending', -- pending, done, failed
	attempts      INTEGER NOT NULL DEFAULT 0,
	lease_until   INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT    NOT NULL DEFAULT '',
	received_at   INTEGER NOT NULL,
	processed_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX inbox_items_pending ON inbox_items (lease_until, id) WHERE state = 'pending';

-- Each outgoing activity once, and one delivery row per distinct inbox.
CREATE TABLE outbox_activities (
	id          INTEGER PRIMARY KEY,
	uri         TEXT    NOT NULL UNIQUE,
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- who signs
	type        TEXT    NOT NULL,
	body        BLOB    NOT NULL,
	created_at  INTEGER NOT NULL
);

CREATE TABLE deliveries (
	id               INTEGER PRIMARY KEY,
	activity_id      INTEGER NOT NULL REFERENCES outbox_activities (id) ON DELETE CASCADE,
	inbox            TEXT    NOT NULL,
	host             TEXT    NOT NULL,
	state            TEXT    NOT NULL DEFAULT 'pending', -- pending, done, failed
	attempts         INTEGER NOT NULL DEFAULT 0,
	next_attempt_at  INTEGER NOT NULL,
	lease_until      INTEGER NOT NULL DEFAULT 0,
	last_status      INTEGER NOT NULL DEFAULT 0,
	last_error       TEXT    NOT NULL DEFAULT '',
	created_at       INTEGER NOT NULL,
	done_at          INTEGER NOT NULL DEFAULT 0,
	UNIQUE (activity_id, inbox)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE state = 'pending';

-- Remote hosts we deliver to; unreachable ones are skipped until they talk to us.
CREATE TABLE hosts (
	host               TEXT    PRIMARY KEY,
	failing_since      INTEGER NOT NULL DEFAULT 0,
	unreachable_since  INTEGER NOT NULL DEFAULT 0,
	last_success_at    INTEGER NOT NULL DEFAULT 0
);

-- Small named values (cursors, instance settings).
CREATE TABLE settings (
	key    TEXT PRIMARY KEY,
	value  TEXT NOT NULL
);
