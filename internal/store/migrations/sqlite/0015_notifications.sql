-- Notification: providers (channel accounts, configuration sealed), notifications of an
-- incident, their recipients and deliveries. The deliveries table is the send queue
-- itself: a delivery row is inserted in the notification's transaction, claimed with a
-- lease by a sender, and moved queued → sending → sent → delivered | failed →
-- acknowledged, each transition timestamped. A crashed sender's lease expires and the
-- delivery is claimed again with the same id (the provider's idempotency key).
CREATE TABLE providers (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL UNIQUE,
    media      TEXT NOT NULL,
    priority   INTEGER NOT NULL DEFAULT 0, -- failover order within a medium, lowest first
    sealed     BLOB NOT NULL,              -- sealed JSON configuration, secrets included
    key_id     INTEGER NOT NULL DEFAULT 0,
    enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE notifications (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT REFERENCES incidents(id) ON DELETE CASCADE, -- NULL: a reminder (review, remediation)
    text         TEXT NOT NULL,
    require_ack  BOOLEAN NOT NULL,
    drill        BOOLEAN NOT NULL,
    audience     TEXT NOT NULL, -- JSON: what the sender chose (ids only)
    policy       TEXT NOT NULL, -- JSON escalation policy
    status       TEXT NOT NULL CHECK (status IN ('pending_approval', 'scheduled', 'sending', 'cancelled')),
    recipients   INTEGER NOT NULL,
    created_by   TEXT REFERENCES users(id) ON DELETE SET NULL,
    creator      TEXT NOT NULL,
    approved_by  TEXT NOT NULL DEFAULT '',
    send_at      TIMESTAMP NOT NULL,
    ack_until    TIMESTAMP NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX notifications_incident ON notifications(incident_id, created_at);

CREATE TABLE recipients (
    id               TEXT PRIMARY KEY,
    notification_id  TEXT NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    person_id        TEXT REFERENCES people(id) ON DELETE SET NULL,
    contact_id       TEXT REFERENCES org_contacts(id) ON DELETE SET NULL,
    roster_id        TEXT,
    department_id    TEXT,
    backup_person_id TEXT,
    step             INTEGER NOT NULL DEFAULT 0,
    next_step_at     TIMESTAMP, -- escalate when not acknowledged by then; NULL: nothing further
    ack_status       TEXT CHECK (ack_status IN ('safe', 'need_help', 'received')),
    ack_note         BLOB,      -- sealed
    ack_via          TEXT NOT NULL DEFAULT '', -- link, sms, im
    ack_delivery_id  TEXT,      -- the delivery whose link or reply answered
    acked_by         TEXT NOT NULL DEFAULT '', -- self, backup, manager
    acked_at         TIMESTAMP,
    created_at       TIMESTAMP NOT NULL
) WITHOUT ROWID; -- one B-tree per lookup by id: a broadcast looks recipients up by id all the time
CREATE INDEX recipients_notification ON recipients(notification_id, ack_status);
CREATE INDEX recipients_escalation ON recipients(next_step_at) WHERE next_step_at IS NOT NULL AND acked_at IS NULL;

CREATE TABLE deliveries (
    id                  TEXT PRIMARY KEY, -- the idempotency key given to providers
    notification_id     TEXT NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    recipient_id        TEXT NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,
    step                INTEGER NOT NULL,
    target              TEXT NOT NULL CHECK (target IN ('self', 'backup', 'manager')),
    person_id           TEXT,
    contact_id          TEXT,
    channel_id          TEXT,  -- no foreign key: a channel edited mid-incident leaves the record
    media               TEXT NOT NULL,
    address_index       TEXT NOT NULL DEFAULT '', -- the channel's blind index, to match SMS replies
    provider_id         TEXT,
    state               TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'acknowledged', 'cancelled')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    not_before          TIMESTAMP NOT NULL,
    lease_until         TIMESTAMP,
    provider_message_id TEXT,
    error               TEXT NOT NULL DEFAULT '',
    queued_at           TIMESTAMP NOT NULL,
    sending_at          TIMESTAMP,
    sent_at             TIMESTAMP,
    delivered_at        TIMESTAMP,
    failed_at           TIMESTAMP,
    acknowledged_at     TIMESTAMP
) WITHOUT ROWID; -- claimed, recorded and acknowledged by id: one B-tree, not two
CREATE INDEX deliveries_ready ON deliveries(not_before) WHERE state IN ('queued', 'sending');
CREATE INDEX deliveries_recipient ON deliveries(recipient_id);
CREATE INDEX deliveries_notification ON deliveries(notification_id);
CREATE INDEX deliveries_provider_message ON deliveries(provider_message_id) WHERE provider_message_id IS NOT NULL;
CREATE INDEX deliveries_address ON deliveries(address_index);
-- Failed deliveries by channel, for the undeliverable finding.
CREATE INDEX deliveries_failed ON deliveries(channel_id) WHERE state = 'failed';

-- The timeline of an incident: updates, notifications, acknowledgements of note, closing.
CREATE TABLE incident_updates (
    id          TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL,
    author      TEXT NOT NULL,
    at          TIMESTAMP NOT NULL
);
CREATE INDEX incident_updates_incident ON incident_updates(incident_id, at);

-- Remediation after a drill: each unreachable or failed contact becomes a task for the
-- owner of the record, due in working days.
CREATE TABLE remediation_tasks (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    recipient_id TEXT NOT NULL UNIQUE REFERENCES recipients(id) ON DELETE CASCADE,
    person_id    TEXT REFERENCES people(id) ON DELETE CASCADE,
    contact_id   TEXT REFERENCES org_contacts(id) ON DELETE CASCADE,
    owner_id     TEXT REFERENCES people(id) ON DELETE SET NULL,
    reason       TEXT NOT NULL,
    due_on       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'done')),
    created_at   TIMESTAMP NOT NULL,
    done_at      TIMESTAMP
);
CREATE INDEX remediation_tasks_owner ON remediation_tasks(owner_id, status);

ALTER TABLE incidents ADD COLUMN report TEXT NOT NULL DEFAULT '';

-- In-app alerts that are also sent over the person's channels (review reminders and
-- escalations): stamped when handed to the notification pipeline.
ALTER TABLE alerts ADD COLUMN notified_at TIMESTAMP;
CREATE INDEX alerts_unnotified ON alerts(created_at) WHERE notified_at IS NULL;
