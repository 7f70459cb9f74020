-- Data quality: what was wrong with a number when it was written (so checks need no
-- decryption), the current findings, and validity scores per contact.
ALTER TABLE channels ADD COLUMN problem TEXT NOT NULL DEFAULT '';
ALTER TABLE emergency_contacts ADD COLUMN problem TEXT NOT NULL DEFAULT '';

CREATE TABLE findings (
    person_id  TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    subject    TEXT NOT NULL, -- "self" or "ec1", "ec2", …
    code       TEXT NOT NULL,
    severity   TEXT NOT NULL CHECK (severity IN ('high', 'medium', 'low')),
    detail     TEXT NOT NULL DEFAULT '',
    first_seen TIMESTAMP NOT NULL,
    PRIMARY KEY (person_id, subject, code)
);
CREATE INDEX findings_code ON findings(code);

CREATE TABLE contact_scores (
    person_id   TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    subject     TEXT NOT NULL,
    score       REAL NOT NULL,
    factors     TEXT NOT NULL, -- JSON list of {factor, points, note}
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (person_id, subject)
);
CREATE INDEX contact_scores_score ON contact_scores(score);

-- Numbers from other systems (attendance, payroll) to compare with, by blind index.
CREATE TABLE cross_check (
    employee_no TEXT NOT NULL,
    source      TEXT NOT NULL,
    lookup      TEXT NOT NULL,
    masked      TEXT NOT NULL,
    loaded_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (employee_no, source)
);

-- In-app alerts (a contact's score fell below the threshold …), per recipient account.
CREATE TABLE alerts (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    person_id  TEXT REFERENCES people(id) ON DELETE CASCADE,
    subject    TEXT NOT NULL DEFAULT '',
    message    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP
);
CREATE INDEX alerts_user ON alerts(user_id, created_at);
