-- Public, hashtag and profile timelines leave out the statuses of suspended
-- accounts (notSuspended: author NOT IN the suspended accounts' ids). This
-- index holds only suspended accounts, so the list costs one read of an
-- index that is nearly always empty, whatever the number of accounts.
CREATE INDEX accounts_suspended ON accounts (id) WHERE suspended_at <> 0;
