-- Pushes are queued in the transaction that stores the notification, so a
-- notification committed while the process stops is still pushed after the
-- restart (before, the push service queued them from the in-memory event
-- hub). Alerts and data[policy] are applied here: alerts is a
-- space-separated list of notification types; "followed" pushes only
-- notifications from accounts the recipient follows, "follower" only from
-- its followers, "none" nothing.
CREATE FUNCTION notifications_push() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO push_deliveries (subscription_id, notification_id, next_at)
	SELECT s.id, NEW.id, NEW.created_at FROM push_subscriptions s
	WHERE s.account_id = NEW.account_id
		AND strpos(' ' || s.alerts || ' ', ' ' || NEW.type || ' ') > 0
		AND (s.policy = 'all'
			OR (s.policy = 'followed' AND EXISTS (SELECT 1 FROM follows f
				WHERE f.account_id = NEW.account_id AND f.target_account_id = NEW.from_account_id AND f.accepted = 1))
			OR (s.policy = 'follower' AND EXISTS (SELECT 1 FROM follows f
				WHERE f.account_id = NEW.from_account_id AND f.target_account_id = NEW.account_id AND f.accepted = 1)));
	RETURN NULL;
END;
$$;
CREATE TRIGGER notifications_push AFTER INSERT ON notifications
	FOR EACH ROW EXECUTE FUNCTION notifications_push();
