-- A notification from an account on a domain the recipient blocked is hidden
-- from every list (migration 0012); it is not pushed either.
-- SQLite's trigger has this as its WHEN condition; PostgreSQL allows no
-- subquery in a trigger's WHEN, so the function tests it first.
DROP TRIGGER notifications_push ON notifications;
CREATE OR REPLACE FUNCTION notifications_push() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM user_domain_blocks udb JOIN accounts a ON a.domain = udb.domain
		WHERE udb.account_id = NEW.account_id AND a.id = NEW.from_account_id) THEN
		RETURN NULL;
	END IF;
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
