-- Home feeds leave out boosts a reader does not want, as Mastodon's home
-- feed does: boosts of statuses by accounts the reader blocks, mutes or hides
-- by domain, that block the reader or that are suspended, and boosts by an
-- account the reader follows with boosts hidden (POST /api/v1/accounts/:id/follow
-- with reblogs=false). The home statement decides it from home_feed's own
-- columns, so a page stays one range scan of home_feed.

-- The author of the boosted status, 0 for a row that is not a boost.
ALTER TABLE home_feed ADD COLUMN boosted_author_id BIGINT NOT NULL DEFAULT 0;

-- Every trigger that fills home_feed inserts statuses.account_id as
-- author_id; this one adds the boosted author to a boost's row.
CREATE FUNCTION home_feed_boosted_author() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE home_feed SET boosted_author_id = o.account_id
		FROM statuses s JOIN statuses o ON o.id = s.reblog_of_id
		WHERE s.id = NEW.status_id AND home_feed.account_id = NEW.account_id AND home_feed.status_id = NEW.status_id;
	RETURN NULL;
END;
$$;
CREATE TRIGGER home_feed_boosted_author AFTER INSERT ON home_feed
	FOR EACH ROW EXECUTE FUNCTION home_feed_boosted_author();

UPDATE home_feed SET boosted_author_id = COALESCE((SELECT o.account_id FROM statuses s JOIN statuses o ON o.id = s.reblog_of_id
		WHERE s.id = home_feed.status_id), 0)
	WHERE status_id IN (SELECT id FROM statuses WHERE reblog_of_id IS NOT NULL);

-- 0 hides the followed account's boosts from the follower's home feed.
ALTER TABLE follows ADD COLUMN show_reblogs BIGINT NOT NULL DEFAULT 1;
-- 1 notifies the follower of each new post of the followed account
-- (Mastodon's notify=true on follow: a "status" notification).
ALTER TABLE follows ADD COLUMN notify BIGINT NOT NULL DEFAULT 0;
-- Few follows hide boosts: the home statement asks this index whether the
-- reader has any, one probe, before it builds the list.
CREATE INDEX follows_hiding_reblogs ON follows (account_id, target_account_id) WHERE show_reblogs = 0;
