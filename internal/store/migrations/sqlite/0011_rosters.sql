-- Emergency rosters (应急名单 / 应急小组): owners (at least two maintainers, primary and
-- deputy), members (a person or an external contact) with a duty, order, backups and a
-- validity that expires by itself, and a full snapshot of the roster after every change,
-- so that the roster can be shown exactly as it was at any past time.
CREATE TABLE rosters (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    review_frequency TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    deleted_at       TIMESTAMP
);

CREATE TABLE roster_owners (
    roster_id TEXT NOT NULL REFERENCES rosters(id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('primary', 'deputy')),
    position  INTEGER NOT NULL,
    PRIMARY KEY (roster_id, person_id)
);
CREATE INDEX roster_owners_person ON roster_owners(person_id);

CREATE TABLE roster_members (
    id         TEXT PRIMARY KEY,
    roster_id  TEXT NOT NULL REFERENCES rosters(id) ON DELETE CASCADE,
    person_id  TEXT REFERENCES people(id) ON DELETE CASCADE,
    contact_id TEXT REFERENCES org_contacts(id) ON DELETE CASCADE,
    duty       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    valid_from TIMESTAMP,
    valid_to   TIMESTAMP,
    notes      TEXT NOT NULL DEFAULT '',
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    ended_at   TIMESTAMP,
    CHECK ((person_id IS NULL) <> (contact_id IS NULL))
);
CREATE INDEX roster_members_roster ON roster_members(roster_id, active, position);
CREATE INDEX roster_members_person ON roster_members(person_id, active);

CREATE TABLE member_backups (
    member_id        TEXT NOT NULL REFERENCES roster_members(id) ON DELETE CASCADE,
    backup_person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,
    PRIMARY KEY (member_id, backup_person_id)
);
CREATE INDEX member_backups_person ON member_backups(backup_person_id);

-- One row per change: who, what, and the whole roster after it (ids, duties, validity;
-- no personal values). seq orders the changes of one roster.
CREATE TABLE roster_history (
    roster_id  TEXT NOT NULL REFERENCES rosters(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    at         TIMESTAMP NOT NULL,
    actor_name TEXT NOT NULL,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    snapshot   TEXT NOT NULL,
    PRIMARY KEY (roster_id, seq)
);
CREATE INDEX roster_history_at ON roster_history(roster_id, at);
