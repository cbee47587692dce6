-- A page of statuses asks which of them the viewer has boosted
-- (StatusViewerFlags: account_id = viewer AND reblog_of_id IN page). With
-- only statuses_account (account_id, id) that read every status the viewer
-- ever wrote, on every page: about 4 ms a page for an account with 2,000
-- posts at 1,000,000 statuses (issue 9). This index answers it with one
-- probe per status of the page; boosts are few, so it is small.
CREATE INDEX statuses_account_reblog ON statuses (account_id, reblog_of_id)
	WHERE reblog_of_id IS NOT NULL AND deleted_at = 0;
