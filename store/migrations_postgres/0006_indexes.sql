-- Claims take pending inbox items in id order; an index on id (instead of
-- lease_until) lets the database walk it in order instead of sorting every
-- pending row on each claim.
DROP INDEX inbox_items_pending;
CREATE INDEX inbox_items_pending ON inbox_items (id) WHERE state = 'pending';

-- Linking replies that arrived before their parent looks statuses up by
-- in_reply_to_uri on every stored post; without an index that scanned the
-- whole table each time.
CREATE INDEX statuses_orphan_replies ON statuses (in_reply_to_uri) WHERE in_reply_to_id IS NULL AND in_reply_to_uri <> '';
