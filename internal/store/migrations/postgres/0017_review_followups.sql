-- Follow-up reviews with a deadline SLA in Chinese working days (SPEC §3.4): when an HR
-- event (transfer, contact change) or an external contact's change touches an active
-- roster membership, the roster's owners must confirm that membership within 1 (hr) or
-- 2 (external) working days. The membership stays meanwhile. A follow-up is shown in the
-- reviews list with the periodic tasks, is reminded on its due day and escalated once to
-- the owners' managers when overdue.
CREATE TABLE review_followups (
    id           TEXT PRIMARY KEY,
    roster_id    TEXT NOT NULL REFERENCES rosters(id) ON DELETE CASCADE,
    member_id    TEXT NOT NULL REFERENCES roster_members(id) ON DELETE CASCADE,
    origin       TEXT NOT NULL CHECK (origin IN ('hr', 'external')),
    reason       TEXT NOT NULL, -- transfer, contact_changed, departed …
    due_date     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'done', 'overdue')),
    created_at   TIMESTAMP NOT NULL,
    decision     TEXT NOT NULL DEFAULT '' CHECK (decision IN ('', 'valid', 'changed', 'removed')),
    note         TEXT NOT NULL DEFAULT '',
    completed_at TIMESTAMP,
    completed_by TEXT NOT NULL DEFAULT '',
    reminded_at  TIMESTAMP,
    escalated_at TIMESTAMP
);
CREATE INDEX review_followups_status ON review_followups(status, due_date);
CREATE INDEX review_followups_member ON review_followups(member_id, status);
