-- Recipients and deliveries are written 500 at a time, 100,000 in a broadcast, and each
-- of their foreign keys was a lookup of the referenced row for every row written, on the
-- one writer connection: 15–16 → 13.5–14 µs a recipient and its delivery without them
-- (measured on 20,000). The keys are dropped and what they did is done here and by the
-- code:
--   * rows are written only by the notification pipeline, from its own notification and
--     plan; notifications and incidents are never deleted (the cascades never ran);
--   * ON DELETE SET NULL of a recipient's person and contact is done by the triggers
--     below, which also blank an erased person's, contact's or channel's id in the plans
--     of batches not yet written: with the keys, a person erased after a large broadcast
--     planned them and before their batch was written made that batch's insert fail,
--     every time, and the broadcast stopped there.
-- SQLite cannot drop a constraint: both tables are rebuilt. Dropping a table deletes its
-- rows first, cascading to the tables that reference it, so remediation tasks (which
-- reference recipients) are set aside and restored around the rebuild.
CREATE TABLE deliveries_new (
    id                  TEXT PRIMARY KEY, -- the idempotency key given to providers
    notification_id     TEXT NOT NULL,
    recipient_id        TEXT NOT NULL,
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
) WITHOUT ROWID;
INSERT INTO deliveries_new SELECT id, notification_id, recipient_id, step, target, person_id, contact_id, channel_id, media,
    address_index, provider_id, state, attempts, not_before, lease_until, provider_message_id, error, queued_at, sending_at,
    sent_at, delivered_at, failed_at, acknowledged_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_ready ON deliveries(not_before) WHERE state IN ('queued', 'sending');
CREATE INDEX deliveries_recipient ON deliveries(recipient_id);
CREATE INDEX deliveries_notification ON deliveries(notification_id);
CREATE INDEX deliveries_provider_message ON deliveries(provider_message_id) WHERE provider_message_id IS NOT NULL;
CREATE INDEX deliveries_failed ON deliveries(channel_id) WHERE state = 'failed';
CREATE INDEX deliveries_escalated ON deliveries(person_id) WHERE target <> 'self';
CREATE INDEX deliveries_delivered ON deliveries(notification_id) WHERE delivered_at IS NOT NULL;

CREATE TEMP TABLE remediation_kept AS SELECT * FROM remediation_tasks;
DROP TABLE remediation_tasks;

CREATE TABLE recipients_new (
    id               TEXT PRIMARY KEY,
    notification_id  TEXT NOT NULL,
    person_id        TEXT,
    contact_id       TEXT,
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
    created_at       TIMESTAMP NOT NULL,
    reached_at       TIMESTAMP,
    need_help_at     TIMESTAMP
) WITHOUT ROWID;
INSERT INTO recipients_new SELECT id, notification_id, person_id, contact_id, roster_id, department_id, backup_person_id, step,
    next_step_at, ack_status, ack_note, ack_via, ack_delivery_id, acked_by, acked_at, created_at, reached_at, need_help_at
    FROM recipients;
DROP TABLE recipients;
ALTER TABLE recipients_new RENAME TO recipients;
CREATE INDEX recipients_owner ON recipients(notification_id, person_id, contact_id);
CREATE INDEX recipients_escalation ON recipients(next_step_at) WHERE next_step_at IS NOT NULL;
CREATE INDEX recipients_need_help ON recipients(notification_id, need_help_at) WHERE need_help_at IS NOT NULL;

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
INSERT INTO remediation_tasks SELECT id, incident_id, recipient_id, person_id, contact_id, owner_id, reason, due_on, status,
    created_at, done_at FROM remediation_kept;
DROP TABLE remediation_kept;
CREATE INDEX remediation_tasks_owner ON remediation_tasks(owner_id, status);

-- An id blanked in the plans of unwritten batches (a plan is JSON of ids; ids are
-- unique, so the quoted id matches only itself). The plans go first, as on PostgreSQL.
CREATE TRIGGER people_forget AFTER DELETE ON people BEGIN
    UPDATE notification_batches SET plan = CAST(replace(CAST(plan AS TEXT), '"' || OLD.id || '"', '""') AS BLOB)
        WHERE state = 'queued' AND instr(CAST(plan AS TEXT), '"' || OLD.id || '"') > 0;
    UPDATE recipients SET person_id = NULL WHERE person_id = OLD.id;
END;
CREATE TRIGGER org_contacts_forget AFTER DELETE ON org_contacts BEGIN
    UPDATE notification_batches SET plan = CAST(replace(CAST(plan AS TEXT), '"' || OLD.id || '"', '""') AS BLOB)
        WHERE state = 'queued' AND instr(CAST(plan AS TEXT), '"' || OLD.id || '"') > 0;
    UPDATE recipients SET contact_id = NULL WHERE contact_id = OLD.id;
END;
-- A channel removed before its batch is written is no first channel any more: the
-- recipient is written without one and escalates at once over what they have now.
CREATE TRIGGER channels_forget AFTER DELETE ON channels BEGIN
    UPDATE notification_batches SET plan = CAST(replace(CAST(plan AS TEXT), '"' || OLD.id || '"', '""') AS BLOB)
        WHERE state = 'queued' AND instr(CAST(plan AS TEXT), '"' || OLD.id || '"') > 0;
END;
