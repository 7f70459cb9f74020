-- Who needs help is found through need_help_at, set only while a recipient's latest
-- answer is "need help" (the time of that answer). The need-help index used to cover
-- acked_at with a predicate on ack_status, so every answer — nearly all of them "safe" —
-- changed an indexed column and, on PostgreSQL, could not be an in-place (HOT) update
-- that writes no index entry. Now a "safe" answer changes no indexed column.
ALTER TABLE recipients ADD COLUMN need_help_at TIMESTAMPTZ;
UPDATE recipients SET need_help_at = acked_at WHERE ack_status = 'need_help';
DROP INDEX recipients_need_help;
CREATE INDEX recipients_need_help ON recipients(notification_id, need_help_at) WHERE need_help_at IS NOT NULL;
