-- Foundation: directory, accounts, history, audit, idempotency.
-- Personal values (phones, emails, emergency contacts) are stored sealed (AES-256-GCM) with a
-- keyed blind index for exact lookup and a masked form for display; never in plaintext.

CREATE TABLE departments (
    id                   TEXT PRIMARY KEY,
    parent_id            TEXT REFERENCES departments(id),
    name                 TEXT NOT NULL,
    path                 TEXT NOT NULL, -- ancestry of ids, "/a/b/": a subtree is path LIKE '/a/%'
    name_path            TEXT NOT NULL, -- "集团/生产部/一车间": unique, addresses a department by its names
    head_person_id       TEXT,
    maintainer_person_id TEXT,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX departments_name_path ON departments(name_path);
CREATE INDEX departments_path ON departments(path text_pattern_ops);
CREATE INDEX departments_parent ON departments(parent_id);

CREATE TABLE people (
    id                TEXT PRIMARY KEY,
    employee_no       TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    name_pinyin       TEXT NOT NULL,
    name_initials     TEXT NOT NULL,
    department_id     TEXT NOT NULL REFERENCES departments(id),
    title             TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL CHECK (status IN ('active', 'probation', 'departed')),
    hire_date         TEXT NOT NULL DEFAULT '',
    leave_date        TEXT NOT NULL DEFAULT '',
    manager_id        TEXT REFERENCES people(id) ON DELETE SET NULL,
    owner_id          TEXT REFERENCES people(id) ON DELETE SET NULL,
    last_confirmed_at TIMESTAMPTZ,
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX people_department ON people(department_id);
CREATE INDEX people_pinyin ON people(name_pinyin, id);
CREATE INDEX people_initials ON people(name_initials);

CREATE TABLE organizations (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    agreement_ref TEXT NOT NULL DEFAULT '',
    notes         TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE org_contacts (
    id                TEXT PRIMARY KEY,
    organization_id   TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    role              TEXT NOT NULL,
    is_primary        BOOLEAN NOT NULL DEFAULT FALSE,
    reachable_24h     BOOLEAN NOT NULL DEFAULT FALSE,
    authorized_by     TEXT NOT NULL DEFAULT '',
    authorized_at     TEXT NOT NULL DEFAULT '',
    authorization_doc TEXT NOT NULL DEFAULT '',
    notes             TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX org_contacts_org ON org_contacts(organization_id);

-- A channel belongs to a person or to an external organization's contact.
CREATE TABLE channels (
    id               TEXT PRIMARY KEY,
    person_id        TEXT REFERENCES people(id) ON DELETE CASCADE,
    contact_id       TEXT REFERENCES org_contacts(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    sealed           BYTEA NOT NULL, -- sealed JSON {value, e164, raw}
    lookup           TEXT NOT NULL, -- blind index of the normalized value
    masked           TEXT NOT NULL,
    masked_e164      TEXT NOT NULL DEFAULT '',
    phone_type       TEXT NOT NULL DEFAULT '',
    carrier          TEXT NOT NULL DEFAULT '',
    region           TEXT NOT NULL DEFAULT '',
    country          TEXT NOT NULL DEFAULT '',
    extension        TEXT NOT NULL DEFAULT '',
    position         INTEGER NOT NULL,
    verified_at      TIMESTAMPTZ,
    last_delivery_at TIMESTAMPTZ,
    last_ack_at      TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    CHECK ((person_id IS NULL) <> (contact_id IS NULL))
);
CREATE INDEX channels_person ON channels(person_id, position);
CREATE INDEX channels_contact ON channels(contact_id, position);
CREATE INDEX channels_lookup ON channels(lookup);

CREATE TABLE emergency_contacts (
    id                  TEXT PRIMARY KEY,
    person_id           TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    priority            INTEGER NOT NULL,
    sealed              BYTEA NOT NULL, -- sealed JSON {name, relation, value, e164, raw}
    lookup              TEXT NOT NULL, -- blind index of the phone
    masked_name         TEXT NOT NULL,
    masked_phone        TEXT NOT NULL,
    masked_e164         TEXT NOT NULL DEFAULT '',
    phone_type          TEXT NOT NULL DEFAULT '',
    carrier             TEXT NOT NULL DEFAULT '',
    region              TEXT NOT NULL DEFAULT '',
    country             TEXT NOT NULL DEFAULT '',
    extension           TEXT NOT NULL DEFAULT '',
    verification_status TEXT NOT NULL DEFAULT 'unverified',
    verified_at         TIMESTAMPTZ,
    consent_basis       TEXT NOT NULL DEFAULT '',
    consent_at          TIMESTAMPTZ,
    notice_version      TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX emergency_contacts_person ON emergency_contacts(person_id, priority);
CREATE INDEX emergency_contacts_lookup ON emergency_contacts(lookup);

-- One row per change of a record; changes is a JSON list of {field, before, after} with
-- personal values masked.
CREATE TABLE history (
    id         TEXT PRIMARY KEY,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    person_id  TEXT,
    actor_id   TEXT,
    actor_name TEXT NOT NULL,
    action     TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    changes    TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX history_entity ON history(entity, entity_id, id);
CREATE INDEX history_person ON history(person_id, id);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    department_id TEXT REFERENCES departments(id), -- NULL: the whole organization
    person_id     TEXT REFERENCES people(id) ON DELETE SET NULL,
    locale        TEXT NOT NULL DEFAULT 'zh',
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TIMESTAMPTZ,
    last_login_at TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY, -- SHA-256 of the cookie value
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE, -- SHA-256 of the token
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0, -- 0 while the first request is in flight
    content_type TEXT NOT NULL DEFAULT '',
    body         BYTEA, -- sealed: a response may hold revealed values
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- Who did what to which object, from where and why. The privacy issue chains these rows.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    TEXT,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL DEFAULT '',
    object_id   TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL,
    ip          TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id, id);
CREATE INDEX audit_log_at ON audit_log(at);
