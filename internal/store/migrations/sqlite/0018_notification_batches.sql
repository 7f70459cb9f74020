-- A large notification's recipients are decided when it is created and written as
-- batches (the planned recipients and their first channel, ids only), in the same
-- transaction as the notification. The dispatcher turns a batch into recipient and
-- delivery rows just before sending it, in the transaction that leases those deliveries,
-- so sending starts as soon as the notification is committed instead of after 100,000
-- rows are written. A batch is expanded exactly once (its state changes in the same
-- transaction); a cancelled or closed notification expands its remaining batches as
-- cancelled so that reports still count every recipient.
CREATE TABLE notification_batches (
    id              TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    size            INTEGER NOT NULL,  -- recipients in the batch
    unreachable     INTEGER NOT NULL,  -- of which with no channel to send to
    plan            BLOB NOT NULL,    -- JSON: the planned recipients (ids only)
    state           TEXT NOT NULL CHECK (state IN ('queued', 'expanded')),
    not_before      TIMESTAMP NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (notification_id, seq)
);
CREATE INDEX notification_batches_ready ON notification_batches(not_before, seq) WHERE state = 'queued';

-- An acknowledgement changes ack_status: an index on it moved one entry per answer (two
-- more pages written per acknowledgement). Recipients by notification and owner (the
-- dispatcher writes a notification's recipients in owner order, so this index only ever
-- grows at its end), and the short need-help list by a partial index that only "need
-- help" answers touch.
DROP INDEX recipients_notification;
CREATE INDEX recipients_owner ON recipients(notification_id, person_id, contact_id);
CREATE INDEX recipients_need_help ON recipients(notification_id, acked_at) WHERE ack_status = 'need_help';

-- Replies (SMS, IM) are matched through the sender's channels to their owner, then to
-- the owner's recipients of open notifications (recipients_owner) or, for a backup or
-- manager answering an escalation, to the deliveries escalated to them. An index of every
-- delivery by address took one random page write per message, the largest single cost
-- of a broadcast.
DROP INDEX deliveries_address;
CREATE INDEX deliveries_escalated ON deliveries(person_id) WHERE target <> 'self';

-- Counting a notification of 100,000 recipients joined and grouped every delivery by
-- recipient (seconds, for a status board that refreshes every second). The first time a
-- message to a recipient is accepted is kept on the recipient (written with the
-- outcomes, for recipients written in sending order: few pages), so counting reads the
-- recipient rows once and looks at deliveries only for those not reached yet.
ALTER TABLE recipients ADD COLUMN reached_at TIMESTAMP;
CREATE INDEX deliveries_delivered ON deliveries(notification_id) WHERE delivered_at IS NOT NULL;
UPDATE recipients SET reached_at = (SELECT MIN(COALESCE(d.sent_at, d.queued_at)) FROM deliveries d
    WHERE d.recipient_id = recipients.id AND d.state IN ('sent', 'delivered', 'acknowledged'));

-- An answer no longer takes the recipient out of the escalation index (one random page
-- write less per acknowledgement): the sweep skips the answered and clears their time in
-- bulk once it has passed.
DROP INDEX recipients_escalation;
CREATE INDEX recipients_escalation ON recipients(next_step_at) WHERE next_step_at IS NOT NULL;
