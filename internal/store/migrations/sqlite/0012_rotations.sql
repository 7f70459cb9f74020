-- On-call rotations (轮值/值班) of a roster: a period (daily, weekly or every N days), a
-- hand-off time of day in a time zone, a start date and an ordered list of people;
-- overrides give a period [starts_at, ends_at) to another person (a swap is two overrides).
-- ICS links publish a roster's or a person's shifts behind a random token, stored hashed.
CREATE TABLE rotations (
    id          TEXT PRIMARY KEY,
    roster_id   TEXT NOT NULL REFERENCES rosters(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    period_days INTEGER NOT NULL CHECK (period_days >= 1),
    period      TEXT NOT NULL CHECK (period IN ('daily', 'weekly', 'custom')),
    handoff     TEXT NOT NULL,
    time_zone   TEXT NOT NULL,
    start_date  TEXT NOT NULL,
    person_ids  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX rotations_roster ON rotations(roster_id);

CREATE TABLE rotation_overrides (
    id          TEXT PRIMARY KEY,
    rotation_id TEXT NOT NULL REFERENCES rotations(id) ON DELETE CASCADE,
    person_id   TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    starts_at   TIMESTAMP NOT NULL,
    ends_at     TIMESTAMP NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX rotation_overrides_rotation ON rotation_overrides(rotation_id, starts_at);

CREATE TABLE ics_links (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    roster_id  TEXT REFERENCES rosters(id) ON DELETE CASCADE,
    person_id  TEXT REFERENCES people(id) ON DELETE CASCADE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    CHECK ((roster_id IS NULL) <> (person_id IS NULL))
);
