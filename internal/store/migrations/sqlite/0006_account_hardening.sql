-- Account hardening: TOTP MFA (secrets sealed with the vault), recovery codes (stored
-- hashed, single use), when each session last proved its password (re-authentication
-- before sensitive actions), the pending second step of a login, and run-time security
-- settings.
CREATE TABLE mfa_totp (
    id           TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE, -- the user's id
    secret       BLOB NOT NULL,               -- sealed TOTP secret, context 'mfa:' || id
    key_id       INTEGER NOT NULL,            -- the data key that sealed it (key rotation)
    last_step    BIGINT NOT NULL DEFAULT 0,   -- the last accepted time step: no code counts twice
    created_at   TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP                    -- NULL while the enrollment waits for its first code
);
CREATE INDEX mfa_totp_key ON mfa_totp(key_id);

CREATE TABLE mfa_recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL, -- SHA-256 of the user id and the normalized code
    created_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    PRIMARY KEY (user_id, code_hash)
);

ALTER TABLE sessions ADD COLUMN auth_at TIMESTAMP; -- when the password (and code) were last entered
ALTER TABLE sessions ADD COLUMN mfa_pending BOOLEAN NOT NULL DEFAULT FALSE; -- password right, code still due

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
