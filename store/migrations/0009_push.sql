-- Web Push (RFC 8030): one subscription per access token, as Mastodon keeps
-- them, and the queue of pushes still to send. The access token is kept in
-- clear because Mastodon's payload carries it (apps match it to an account);
-- it is the only place a usable token is stored.
CREATE TABLE push_subscriptions (
	id            INTEGER PRIMARY KEY,
	token_id      INTEGER NOT NULL UNIQUE REFERENCES oauth_tokens (id) ON DELETE CASCADE,
	account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	endpoint      TEXT    NOT NULL,
	p256dh        BLOB    NOT NULL, -- user agent public key, 65-byte uncompressed P-256 point
	auth          BLOB    NOT NULL, -- 16-byte authentication secret
	access_token  TEXT    NOT NULL,
	alerts        TEXT    NOT NULL DEFAULT '', -- space-separated enabled notification types
	policy        TEXT    NOT NULL DEFAULT 'all', -- all, followed, follower, none
	standard      INTEGER NOT NULL DEFAULT 0, -- 1: RFC 8291 aes128gcm + RFC 8292; 0: Mastodon's legacy aesgcm
	created_at    INTEGER NOT NULL
);
CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);

-- Revoking a token ends its subscription (Mastodon deletes it with the token).
CREATE TRIGGER push_subscriptions_revoke AFTER UPDATE OF revoked_at ON oauth_tokens
WHEN NEW.revoked_at <> 0
BEGIN
	DELETE FROM push_subscriptions WHERE token_id = NEW.id;
END;

CREATE TABLE push_deliveries (
	id               INTEGER PRIMARY KEY,
	subscription_id  INTEGER NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
	notification_id  INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
	attempts         INTEGER NOT NULL DEFAULT 0,
	next_at          INTEGER NOT NULL -- due time; a claim moves it to the lease's end
);
CREATE INDEX push_deliveries_due ON push_deliveries (next_at);
CREATE INDEX push_deliveries_subscription ON push_deliveries (subscription_id);
CREATE INDEX push_deliveries_notification ON push_deliveries (notification_id);
