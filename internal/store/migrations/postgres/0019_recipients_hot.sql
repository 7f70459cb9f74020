-- A recipient row is written once and then updated when a message first reaches them
-- (reached_at, not indexed). With room left on each page PostgreSQL updates the row in
-- place (a HOT update: no new entry in any of the table's indexes); on full pages every
-- such update wrote a new entry into each index. fillfactor applies to pages written
-- from now on. (An answer still is a full update: the need-help index's predicate reads
-- ack_status. Dropping that index made answers in place too — acknowledgements 0.27 →
-- 0.30 of hello-world — but the live board's need-help list, read every second per
-- viewer, then scanned every recipient of the notification: 200 ms at 100,000.)
ALTER TABLE recipients SET (fillfactor = 80);
