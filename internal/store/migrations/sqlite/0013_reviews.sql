-- Review cycle (SPEC §3.4): a periodic job opens one review task per roster and period
-- (2026-10, 2026-Q4, 2026-H2 after the roster's review_frequency); the owners confirm
-- every member (valid, changed, removed) before due_date, a date in Asia/Shanghai five
-- Chinese working days after the task was opened. A task past due becomes overdue and is
-- escalated once (escalated_at) to the owners' managers.
CREATE TABLE review_tasks (
    id           TEXT PRIMARY KEY,
    roster_id    TEXT NOT NULL REFERENCES rosters(id) ON DELETE CASCADE,
    period       TEXT NOT NULL,
    due_date     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'done', 'overdue')),
    created_at   TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    completed_by TEXT NOT NULL DEFAULT '',
    reminded_at  TIMESTAMP,
    escalated_at TIMESTAMP,
    UNIQUE (roster_id, period)
);
CREATE INDEX review_tasks_status ON review_tasks(status, due_date);

CREATE TABLE review_items (
    task_id    TEXT NOT NULL REFERENCES review_tasks(id) ON DELETE CASCADE,
    member_id  TEXT NOT NULL REFERENCES roster_members(id) ON DELETE CASCADE,
    decision   TEXT NOT NULL CHECK (decision IN ('valid', 'changed', 'removed')),
    note       TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    PRIMARY KEY (task_id, member_id)
);
