-- Review cycle per department (SPEC §3.4): a department may have a review frequency
-- (monthly, quarterly, semiannual; '' for none). The periodic job opens one task per
-- department and period; the department's head or data maintainer confirms each person
-- of the department: still valid, changed, or removed — for a department "removed" flags
-- the person for HR (the person record stays). Due, reminder and escalation as for rosters.
ALTER TABLE departments ADD COLUMN review_frequency TEXT NOT NULL DEFAULT ''
    CHECK (review_frequency IN ('', 'monthly', 'quarterly', 'semiannual'));

CREATE TABLE department_review_tasks (
    id            TEXT PRIMARY KEY,
    department_id TEXT NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
    period        TEXT NOT NULL,
    due_date      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'done', 'overdue')),
    created_at    TIMESTAMP NOT NULL,
    completed_at  TIMESTAMP,
    completed_by  TEXT NOT NULL DEFAULT '',
    reminded_at   TIMESTAMP,
    escalated_at  TIMESTAMP,
    UNIQUE (department_id, period)
);
CREATE INDEX department_review_tasks_status ON department_review_tasks(status, due_date);

CREATE TABLE department_review_items (
    task_id    TEXT NOT NULL REFERENCES department_review_tasks(id) ON DELETE CASCADE,
    person_id  TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    decision   TEXT NOT NULL CHECK (decision IN ('valid', 'changed', 'removed')),
    note       TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    PRIMARY KEY (task_id, person_id)
);
