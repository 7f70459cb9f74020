-- Data keys, wrapped by the master key, and the key id of every sealed value, so that a
-- rotation re-encrypts exactly the rows still sealed with an older key.
CREATE TABLE data_keys (
    id         INTEGER PRIMARY KEY,
    wrapped    BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    retired_at TIMESTAMPTZ -- no value sealed with it remains
);
ALTER TABLE channels ADD COLUMN key_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE emergency_contacts ADD COLUMN key_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE idempotency_keys ADD COLUMN key_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX channels_key ON channels(key_id);
CREATE INDEX emergency_contacts_key ON emergency_contacts(key_id);
CREATE INDEX idempotency_keys_key ON idempotency_keys(key_id);
