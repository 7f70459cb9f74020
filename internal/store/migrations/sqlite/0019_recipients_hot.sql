-- On PostgreSQL this migration leaves room on recipient pages so that the update of
-- reached_at stays in place (HOT). SQLite rewrites the row in its B-tree either way.
SELECT 1;
