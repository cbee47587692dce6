-- Remote media cache: local copies of remote attachments, avatars and headers,
-- so readers never load media from other servers. A cached attachment keeps
-- its remote_url and gains file_name/thumb_name; a cached avatar or header of
-- a remote account fills avatar_file/header_file. media_fetches is the queue
-- of downloads, filled by the triggers below in the transaction that stores
-- the remote media, and drained by media.RemoteCache outside it.
ALTER TABLE media_attachments ADD COLUMN cached_at INTEGER NOT NULL DEFAULT 0; -- ms; 0: no local copy of a remote file

CREATE TABLE media_fetches (
	id          INTEGER PRIMARY KEY,
	kind        TEXT    NOT NULL,            -- 'attachment', 'avatar', 'header'
	target_id   INTEGER NOT NULL,            -- media_attachments.id or accounts.id
	remote_url  TEXT    NOT NULL,            -- '' only drops stale_file
	stale_file  TEXT    NOT NULL DEFAULT '', -- a file the target used before; deleted once unreferenced
	attempts    INTEGER NOT NULL DEFAULT 0,
	next_at     INTEGER NOT NULL DEFAULT 0,  -- due time (ms); a claim moves it to the lease's end
	last_error  TEXT    NOT NULL DEFAULT '',
	UNIQUE (kind, target_id)
);
CREATE INDEX media_fetches_due ON media_fetches (next_at);
CREATE INDEX media_cached ON media_attachments (cached_at) WHERE cached_at <> 0;

CREATE TRIGGER media_fetch_attachment AFTER INSERT ON media_attachments
WHEN NEW.remote_url <> '' AND NEW.file_name = ''
BEGIN
	INSERT INTO media_fetches (kind, target_id, remote_url) VALUES ('attachment', NEW.id, NEW.remote_url)
	ON CONFLICT (kind, target_id) DO UPDATE SET remote_url = excluded.remote_url, attempts = 0, next_at = 0;
END;

CREATE TRIGGER media_fetch_avatar_new AFTER INSERT ON accounts
WHEN NEW.domain <> '' AND NEW.avatar_url <> ''
BEGIN
	INSERT INTO media_fetches (kind, target_id, remote_url) VALUES ('avatar', NEW.id, NEW.avatar_url)
	ON CONFLICT (kind, target_id) DO UPDATE SET remote_url = excluded.remote_url, attempts = 0, next_at = 0;
END;

CREATE TRIGGER media_fetch_header_new AFTER INSERT ON accounts
WHEN NEW.domain <> '' AND NEW.header_url <> ''
BEGIN
	INSERT INTO media_fetches (kind, target_id, remote_url) VALUES ('header', NEW.id, NEW.header_url)
	ON CONFLICT (kind, target_id) DO UPDATE SET remote_url = excluded.remote_url, attempts = 0, next_at = 0;
END;

-- A remote account's new avatar URL makes the cached copy stale: it stops
-- being shown at once and the new image is queued.
CREATE TRIGGER media_fetch_avatar_changed AFTER UPDATE OF avatar_url ON accounts
WHEN NEW.domain <> '' AND NEW.avatar_url IS NOT OLD.avatar_url
BEGIN
	UPDATE accounts SET avatar_file = '' WHERE id = NEW.id;
	INSERT INTO media_fetches (kind, target_id, remote_url, stale_file) VALUES ('avatar', NEW.id, NEW.avatar_url, OLD.avatar_file)
	ON CONFLICT (kind, target_id) DO UPDATE SET remote_url = excluded.remote_url, attempts = 0, next_at = 0,
		stale_file = CASE WHEN excluded.stale_file <> '' THEN excluded.stale_file ELSE stale_file END;
END;

CREATE TRIGGER media_fetch_header_changed AFTER UPDATE OF header_url ON accounts
WHEN NEW.domain <> '' AND NEW.header_url IS NOT OLD.header_url
BEGIN
	UPDATE accounts SET header_file = '' WHERE id = NEW.id;
	INSERT INTO media_fetches (kind, target_id, remote_url, stale_file) VALUES ('header', NEW.id, NEW.header_url, OLD.header_file)
	ON CONFLICT (kind, target_id) DO UPDATE SET remote_url = excluded.remote_url, attempts = 0, next_at = 0,
		stale_file = CASE WHEN excluded.stale_file <> '' THEN excluded.stale_file ELSE stale_file END;
END;

-- Existing remote avatars and headers are queued once; older attachments
-- are not (they load from their servers, as before).
INSERT INTO media_fetches (kind, target_id, remote_url)
	SELECT 'avatar', id, avatar_url FROM accounts WHERE domain <> '' AND avatar_url <> '' AND avatar_file = '';
INSERT INTO media_fetches (kind, target_id, remote_url)
	SELECT 'header', id, header_url FROM accounts WHERE domain <> '' AND header_url <> '' AND header_file = '';
