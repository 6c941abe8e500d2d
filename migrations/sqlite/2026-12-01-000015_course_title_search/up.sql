-- Course search reads title matches first, newest first (`title : …`
-- queries of the FTS5 table, which needs no index of its own): nothing to
-- change on SQLite; the PostgreSQL migration of the same name adds the
-- title index.
SELECT 1;
