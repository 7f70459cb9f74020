-- HR events received from the HR system, so that an event delivered twice has one effect.
CREATE TABLE hr_events (
    id          TEXT PRIMARY KEY, -- the HR system's event id
    type        TEXT NOT NULL,
    employee_no TEXT NOT NULL,
    person_id   TEXT,
    outcome     TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX hr_events_employee ON hr_events(employee_no, received_at);
