-- Tamper-evident audit log: every row is chained to the previous one by a hash, signed
-- checkpoints anchor the chain, and triggers make the table append-only (rows older than
-- the 180-day legal minimum may be purged from the head of the chain).
ALTER TABLE audit_log ADD COLUMN seq INTEGER;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX audit_log_seq ON audit_log(seq);

CREATE TABLE audit_checkpoints (
    seq        INTEGER PRIMARY KEY, -- the last record covered
    hash       TEXT NOT NULL,       -- that record's hash
    signature  TEXT NOT NULL,       -- HMAC-SHA256 with a key derived from the master key
    created_at TIMESTAMP NOT NULL
);

-- The anchor of a purged head: the hash the first remaining record links to.
CREATE TABLE audit_anchor (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    seq       INTEGER NOT NULL,
    hash      TEXT NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;

CREATE TRIGGER audit_log_no_recent_delete BEFORE DELETE ON audit_log
WHEN old.at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-180 days')
BEGIN
    SELECT RAISE(ABORT, 'audit records younger than 180 days cannot be deleted');
END;

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;

-- The head of the chain: appenders update this one row first, which serializes them
-- (a row lock on PostgreSQL; SQLite has a single writer anyway).
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');
