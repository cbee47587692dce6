-- Change reports for the store's in-process caches (issue 10; the
-- PostgreSQL side of store/changelog.go, which reads SQLite's pre-update
-- hook). A row trigger on each table a cache reads records, in settings
-- local to the transaction, the ids of the cached rows it changes:
--
--   pictor.changed_a  accounts rows (accounts.id)
--   pictor.changed_t  oauth_tokens rows (oauth_tokens.id)
--   pictor.changed_e  accounts whose entity version goes (account_counts,
--                     and the author of a changed status)
--   pictor.changed_s  statuses whose extras go (the status itself, the
--                     parent its reply or boost counts in, and the status
--                     of a changed attachment, favourite, tag, mention,
--                     poll, option, vote or remix)
--   pictor.changed_tables  the tables changed (tableVersions)
--
-- each a list ",id,id…" (",name,name…" for tables), or "*" past 16,000
-- characters (setting names ignore case: no two may differ only by it). Settings follow savepoints: what a rolled-back savepoint
-- changed is forgotten with its rows. pictor_changes_commit(token), which
-- DB.Write runs just before COMMIT, returns them to the writing process
-- and sends them to the others (NOTIFY pictor_changes, the token first; ids
-- of a kind that would not fit 8,000 bytes are sent as "*"). A transaction
-- that never calls it (psql, a migration, a tool) sends them from a
-- deferred trigger as it commits, with a token of zeros that no process
-- has: every write is reported, whoever makes it.

-- pictor_changes_note adds the non-zero values to the list of kind.
CREATE FUNCTION pictor_changes_note(kind text, VARIADIC vals text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	name text := 'pictor.changed_' || kind;
	list text := COALESCE(current_setting(name, true), '');
	was text := list;
	v text;
BEGIN
	IF list = '*' THEN
		RETURN;
	END IF;
	FOREACH v IN ARRAY vals LOOP
		IF v IS NOT NULL AND v <> '0' AND strpos(list || ',', ',' || v || ',') = 0 THEN
			list := list || ',' || v;
		END IF;
	END LOOP;
	IF length(list) > 16000 THEN
		list := '*';
	END IF;
	IF list <> was THEN
		PERFORM set_config(name, list, true);
	END IF;
END;
$$;

CREATE FUNCTION pictor_changes_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pictor_changes_note('tables', TG_TABLE_NAME);
	PERFORM pictor_changes_note('a', OLD.id::text, NEW.id::text);
	RETURN NULL;
END;
$$;

CREATE FUNCTION pictor_changes_oauth_tokens() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pictor_changes_note('tables', TG_TABLE_NAME);
	PERFORM pictor_changes_note('t', OLD.id::text, NEW.id::text);
	RETURN NULL;
END;
$$;

CREATE FUNCTION pictor_changes_account_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pictor_changes_note('tables', TG_TABLE_NAME);
	PERFORM pictor_changes_note('e', OLD.account_id::text, NEW.account_id::text);
	RETURN NULL;
END;
$$;

CREATE FUNCTION pictor_changes_statuses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pictor_changes_note('tables', TG_TABLE_NAME);
	PERFORM pictor_changes_note('e', OLD.account_id::text, NEW.account_id::text);
	PERFORM pictor_changes_note('s', OLD.id::text, NEW.id::text, OLD.in_reply_to_id::text, NEW.in_reply_to_id::text,
		OLD.reblog_of_id::text, NEW.reblog_of_id::text);
	RETURN NULL;
END;
$$;

-- For the tables whose rows belong to a status (status_id).
CREATE FUNCTION pictor_changes_status_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pictor_changes_note('tables', TG_TABLE_NAME);
	PERFORM pictor_changes_note('s', OLD.status_id::text, NEW.status_id::text);
	RETURN NULL;
END;
$$;

-- For the tables only versioned as a whole.
CREATE FUNCTION pictor_changes_table() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pictor_changes_note('tables', TG_TABLE_NAME);
	RETURN NULL;
END;
$$;

-- pictor_changes_commit forgets the lists, sends them on pictor_changes
-- after token and returns them whole: "a:1,2;s:*;tables:accounts,statuses".
CREATE FUNCTION pictor_changes_commit(token text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	kinds text[] := ARRAY['a', 't', 'e', 's', 'tables'];
	parts text[] := ARRAY[]::text[];
	sent text[];
	body text;
	k text;
	v text;
	i int;
	longest int;
BEGIN
	FOREACH k IN ARRAY kinds LOOP
		v := COALESCE(current_setting('pictor.changed_' || k, true), '');
		IF v <> '' THEN
			PERFORM set_config('pictor.changed_' || k, '', true);
		END IF;
		parts := parts || ltrim(v, ',');
	END LOOP;
	body := '';
	FOR i IN 1..array_length(kinds, 1) LOOP
		IF parts[i] <> '' THEN
			body := body || CASE WHEN body = '' THEN '' ELSE ';' END || kinds[i] || ':' || parts[i];
		END IF;
	END LOOP;
	sent := parts;
	-- A payload must stay under 8,000 bytes: the longest id lists become
	-- "*" (drop them all) until it fits (32 bytes spare for the kind
	-- labels and separators).
	WHILE octet_length(token) + octet_length(array_to_string(sent, ';')) + 32 >= 8000 LOOP
		longest := 1;
		FOR i IN 1..4 LOOP
			IF length(sent[i]) > length(sent[longest]) THEN
				longest := i;
			END IF;
		END LOOP;
		EXIT WHEN length(sent[longest]) <= 1;
		sent[longest] := '*';
	END LOOP;
	v := '';
	FOR i IN 1..array_length(kinds, 1) LOOP
		IF sent[i] <> '' THEN
			v := v || CASE WHEN v = '' THEN '' ELSE ';' END || kinds[i] || ':' || sent[i];
		END IF;
	END LOOP;
	PERFORM pg_notify('pictor_changes', token || v);
	RETURN body;
END;
$$;

-- Sends what a transaction outside DB.Write changed, once, as it commits.
CREATE FUNCTION pictor_changes_flush() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF COALESCE(current_setting('pictor.changed_tables', true), '') <> '' THEN
		PERFORM pictor_changes_commit('000000000000000000000000');
	END IF;
	RETURN NULL;
END;
$$;

CREATE TRIGGER pictor_changes AFTER INSERT OR UPDATE OR DELETE ON accounts
	FOR EACH ROW EXECUTE FUNCTION pictor_changes_accounts();
CREATE TRIGGER pictor_changes AFTER INSERT OR UPDATE OR DELETE ON oauth_tokens
	FOR EACH ROW EXECUTE FUNCTION pictor_changes_oauth_tokens();
CREATE TRIGGER pictor_changes AFTER INSERT OR UPDATE OR DELETE ON account_counts
	FOR EACH ROW EXECUTE FUNCTION pictor_changes_account_counts();
CREATE TRIGGER pictor_changes AFTER INSERT OR UPDATE OR DELETE ON statuses
	FOR EACH ROW EXECUTE FUNCTION pictor_changes_statuses();
CREATE TRIGGER pictor_changes AFTER INSERT OR UPDATE OR DELETE ON media_attachments
	FOR EACH ROW EXECUTE FUNCTION pictor_changes_status_rows();
CREATE TRIGGER pictor_changes AFTER INSERT OR UPDATE OR DELETE ON favourites
	FOR EACH ROW EXECUTE FUNCTION pictor_changes_status_rows();
CREATE TRIGGER pictor_changes AFTER INSERT OR UPDATE OR DELETE ON status_tags
	FOR EACH ROW EXECUTE FUNCTION pictor_changes_status_rows();
CREATE TRIGGER pictor_changes AFTER INSERT OR UPDATE OR DELETE ON mentions
	FOR EACH ROW EXECUTE FUNCTION pictor_changes_status_rows();
CREATE TRIGGER pictor_changes AFTER INSERT OR UPDATE OR DELETE ON polls
	FOR EACH ROW EXECUTE FUNCTION pictor_changes_status_rows();
CREATE TRIGGER pictor_changes AFTER INSERT OR UPDATE OR DELETE ON poll_options
	FOR EACH ROW EXECUTE FUNCTION pictor_changes_status_rows();
CREATE TRIGGER pictor_changes AFTER INSERT OR UPDATE OR DELETE ON poll_votes
	FOR EACH ROW EXECUTE FUNCTION pictor_changes_status_rows();
CREATE TRIGGER pictor_changes AFTER INSERT OR UPDATE OR DELETE ON status_remixes
	FOR EACH ROW EXECUTE FUNCTION pictor_changes_status_rows();
CREATE TRIGGER pictor_changes AFTER INSERT OR UPDATE OR DELETE ON users
	FOR EACH ROW EXECUTE FUNCTION pictor_changes_table();
CREATE TRIGGER pictor_changes AFTER INSERT OR UPDATE OR DELETE ON filters
	FOR EACH ROW EXECUTE FUNCTION pictor_changes_table();
CREATE TRIGGER pictor_changes AFTER INSERT OR UPDATE OR DELETE ON filter_keywords
	FOR EACH ROW EXECUTE FUNCTION pictor_changes_table();
CREATE TRIGGER pictor_changes AFTER INSERT OR UPDATE OR DELETE ON filter_statuses
	FOR EACH ROW EXECUTE FUNCTION pictor_changes_table();

-- TRUNCATE fires no row trigger: it tells every process, this one too, to
-- drop everything (at COMMIT, as every NOTIFY).
CREATE FUNCTION pictor_changes_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('pictor_changes', '000000000000000000000000*');
	RETURN NULL;
END;
$$;

-- The deferred half, on the same tables: it fires at COMMIT and finds the
-- lists empty when DB.Write has taken them.
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['accounts', 'oauth_tokens', 'account_counts', 'statuses', 'media_attachments',
		'favourites', 'status_tags', 'mentions', 'polls', 'poll_options', 'poll_votes', 'status_remixes', 'users',
		'filters', 'filter_keywords', 'filter_statuses'] LOOP
		EXECUTE format('CREATE CONSTRAINT TRIGGER pictor_changes_flush AFTER INSERT OR UPDATE OR DELETE ON %I
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pictor_changes_flush()', t);
		EXECUTE format('CREATE TRIGGER pictor_changes_truncate AFTER TRUNCATE ON %I
			FOR EACH STATEMENT EXECUTE FUNCTION pictor_changes_truncated()', t);
	END LOOP;
END;
$$;
