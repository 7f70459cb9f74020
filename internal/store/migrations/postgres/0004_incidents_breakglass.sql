-- Incidents (the record the notification work builds on) and break-glass grants:
-- during an active incident a responder opens the full numbers of departments at once,
-- for a limited time, registered here and in the audit log.
CREATE TABLE incidents (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    type        TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('I', 'II', 'III', 'IV')),
    location    TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    drill       BOOLEAN NOT NULL DEFAULT FALSE,
    status      TEXT NOT NULL CHECK (status IN ('active', 'closed')),
    reported_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    reporter    TEXT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    closed_at   TIMESTAMPTZ
);
CREATE INDEX incidents_status ON incidents(status, created_at);

CREATE TABLE break_glass (
    id             TEXT PRIMARY KEY,
    incident_id    TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    username       TEXT NOT NULL,
    reason         TEXT NOT NULL,
    department_ids TEXT NOT NULL, -- JSON list of department ids; each covers its subtree
    created_at     TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL,
    ended_at       TIMESTAMPTZ
);
CREATE INDEX break_glass_user ON break_glass(user_id, expires_at);
CREATE INDEX break_glass_incident ON break_glass(incident_id);
