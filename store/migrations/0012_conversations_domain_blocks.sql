-- Direct-message conversations (GET /api/v1/conversations) and user-level
-- domain blocks (GET/POST/DELETE /api/v1/domain_blocks). Times are Unix
-- milliseconds (UTC).

-- The thread of each direct status: the thread of its parent when the parent
-- is direct too, else the parent itself, else the status. Replies in one
-- thread share one conversation per participant, as Mastodon groups them by
-- the reply chain's conversation.
CREATE TABLE direct_threads (
	status_id  INTEGER PRIMARY KEY REFERENCES statuses (id) ON DELETE CASCADE,
	thread_id  INTEGER NOT NULL
);
CREATE INDEX direct_threads_thread ON direct_threads (thread_id, status_id);

-- One row per local participant and thread, filled on write by the triggers
-- below like home_feed: the author's row is read, the mentioned local
-- accounts' rows become unread. The list pages by last_status_id, as
-- Mastodon's does; deleting a row hides the thread until its next status.
CREATE TABLE conversations (
	id              INTEGER PRIMARY KEY,
	account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE, -- local participant
	thread_id       INTEGER NOT NULL,
	last_status_id  INTEGER REFERENCES statuses (id) ON DELETE CASCADE,
	unread          INTEGER NOT NULL DEFAULT 0,
	UNIQUE (account_id, thread_id)
);
CREATE INDEX conversations_account ON conversations (account_id, last_status_id);
CREATE INDEX conversations_thread ON conversations (thread_id);

CREATE TRIGGER conversations_on_status AFTER INSERT ON statuses
	WHEN NEW.visibility = 'direct' AND NEW.reblog_of_id IS NULL
BEGIN
	INSERT OR IGNORE INTO direct_threads (status_id, thread_id)
		VALUES (NEW.id, coalesce((SELECT thread_id FROM direct_threads WHERE status_id = NEW.in_reply_to_id),
			NEW.in_reply_to_id, NEW.id));
	INSERT INTO conversations (account_id, thread_id, last_status_id, unread)
		SELECT NEW.account_id, t.thread_id, NEW.id, 0 FROM direct_threads t
		WHERE t.status_id = NEW.id AND EXISTS (SELECT 1 FROM users WHERE account_id = NEW.account_id)
		ON CONFLICT (account_id, thread_id) DO UPDATE
			SET last_status_id = max(ifnull(last_status_id, 0), excluded.last_status_id), unread = 0;
END;

CREATE TRIGGER conversations_on_mention AFTER INSERT ON mentions
BEGIN
	INSERT INTO conversations (account_id, thread_id, last_status_id, unread)
		SELECT NEW.account_id, t.thread_id, t.status_id, 1
		FROM direct_threads t JOIN statuses s ON s.id = t.status_id
		WHERE t.status_id = NEW.status_id AND s.account_id <> NEW.account_id AND s.deleted_at = 0
			AND EXISTS (SELECT 1 FROM users WHERE account_id = NEW.account_id)
		ON CONFLICT (account_id, thread_id) DO UPDATE
			SET last_status_id = max(ifnull(last_status_id, 0), excluded.last_status_id), unread = 1;
END;

-- A deleted status (a tombstone) gives way to the participant's newest live
-- status of the thread; a conversation with none left goes away.
CREATE TRIGGER conversations_on_status_deleted AFTER UPDATE OF deleted_at ON statuses
	WHEN NEW.deleted_at <> 0 AND OLD.deleted_at = 0 AND NEW.visibility = 'direct'
BEGIN
	UPDATE conversations SET last_status_id = (
			SELECT max(s.id) FROM direct_threads t JOIN statuses s ON s.id = t.status_id
			WHERE t.thread_id = conversations.thread_id AND s.deleted_at = 0
				AND (s.account_id = conversations.account_id
					OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = conversations.account_id)))
		WHERE thread_id = (SELECT thread_id FROM direct_threads WHERE status_id = NEW.id) AND last_status_id = NEW.id;
	DELETE FROM conversations
		WHERE thread_id = (SELECT thread_id FROM direct_threads WHERE status_id = NEW.id) AND last_status_id IS NULL;
END;

-- Threads and conversations of the direct statuses that exist already, all
-- read (an upgrade should not flood anyone with unread messages).
INSERT INTO direct_threads (status_id, thread_id)
	WITH RECURSIVE up (id, cur, depth) AS (
		SELECT id, id, 0 FROM statuses WHERE visibility = 'direct' AND reblog_of_id IS NULL
		UNION ALL
		SELECT up.id, s.in_reply_to_id, up.depth + 1
		FROM up JOIN statuses s ON s.id = up.cur
		WHERE s.visibility = 'direct' AND s.in_reply_to_id IS NOT NULL AND up.depth < 1000
	)
	SELECT id, cur FROM (SELECT id, cur, row_number() OVER (PARTITION BY id ORDER BY depth DESC) AS n FROM up) WHERE n = 1;
INSERT INTO conversations (account_id, thread_id, last_status_id, unread)
	SELECT p.account_id, t.thread_id, max(s.id), 0
	FROM direct_threads t JOIN statuses s ON s.id = t.status_id
	JOIN (SELECT id AS status_id, account_id FROM statuses WHERE visibility = 'direct'
		UNION SELECT status_id, account_id FROM mentions) p ON p.status_id = s.id
	JOIN users u ON u.account_id = p.account_id
	WHERE s.deleted_at = 0
	GROUP BY p.account_id, t.thread_id;

-- Domains a local user blocked for themself: posts and notifications from
-- accounts of the domain stay out of that user's timelines, and its
-- followers there are removed.
CREATE TABLE user_domain_blocks (
	id          INTEGER PRIMARY KEY, -- paging key of GET /api/v1/domain_blocks
	account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	domain      TEXT    NOT NULL, -- lower-case host, as accounts.domain holds it
	created_at  INTEGER NOT NULL,
	UNIQUE (account_id, domain)
);
