-- Export requests (four-eyes): an export of unmasked personal data is a request that
-- another authorized user approves or rejects. No file is kept: an approved export is
-- generated from the database when its requester downloads it, watermarked, until it
-- expires or its downloads are used up. Masked exports need no request.
CREATE TABLE export_requests (
    id               TEXT PRIMARY KEY,
    subject          TEXT NOT NULL CHECK (subject IN ('people', 'departments')),
    format           TEXT NOT NULL CHECK (format IN ('csv', 'xlsx')),
    department_id    TEXT,          -- the subtree exported; NULL: the whole organization (no FK: a deleted department ends the export)
    scope_path       TEXT NOT NULL, -- the department's id path when requested ('' for the organization)
    scope_name       TEXT NOT NULL, -- its name path when requested, for display
    person_status    TEXT NOT NULL DEFAULT '',
    lang             TEXT NOT NULL DEFAULT 'zh',
    reason           TEXT NOT NULL,
    requester_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    requester        TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    approver_id      TEXT REFERENCES users(id) ON DELETE SET NULL,
    approver         TEXT NOT NULL DEFAULT '',
    decision_note    TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    decided_at       TIMESTAMP,
    expires_at       TIMESTAMP NOT NULL, -- pending: when the request lapses; approved: when downloads end
    max_downloads    INTEGER NOT NULL,
    downloads        INTEGER NOT NULL DEFAULT 0,
    last_download_at TIMESTAMP
);
CREATE INDEX export_requests_requester ON export_requests(requester_id, created_at);
CREATE INDEX export_requests_scope ON export_requests(scope_path, created_at);
