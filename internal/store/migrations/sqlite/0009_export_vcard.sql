-- Exports in vCard 4.0: export requests may ask for format vcf. SQLite cannot change a
-- CHECK constraint, so the table is rebuilt (nothing references it).
CREATE TABLE export_requests_new (
    id               TEXT PRIMARY KEY,
    subject          TEXT NOT NULL CHECK (subject IN ('people', 'departments')),
    format           TEXT NOT NULL CHECK (format IN ('csv', 'xlsx', 'vcf')),
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
INSERT INTO export_requests_new (id, subject, format, department_id, scope_path, scope_name, person_status, lang, reason, requester_id,
        requester, status, approver_id, approver, decision_note, created_at, decided_at, expires_at, max_downloads, downloads, last_download_at)
    SELECT id, subject, format, department_id, scope_path, scope_name, person_status, lang, reason, requester_id,
        requester, status, approver_id, approver, decision_note, created_at, decided_at, expires_at, max_downloads, downloads, last_download_at
    FROM export_requests;
DROP TABLE export_requests;
ALTER TABLE export_requests_new RENAME TO export_requests;
CREATE INDEX export_requests_requester ON export_requests(requester_id, created_at);
CREATE INDEX export_requests_scope ON export_requests(scope_path, created_at);
