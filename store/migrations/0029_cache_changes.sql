-- Nothing to do on SQLite: its pre-update hook reports every row change of
-- the writer connection to the caches (store/changelog.go). The PostgreSQL
-- migration of this number adds the triggers that report them there.
SELECT 1;
