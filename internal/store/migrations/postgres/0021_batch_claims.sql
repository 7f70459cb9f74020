-- A batch is sent before its rows exist: the dispatcher that leases it sets claim (a
-- token of this lease) and moves not_before to the end of the lease, sends its
-- messages under ids derived from the batch id, and writes its recipient and delivery
-- rows once, in their final state, when the last send has an outcome — and only if its
-- claim still holds. A batch whose lease lapsed (its dispatcher died) is leased again
-- and re-sent under the same ids. state stays 'queued' until the rows are written, so
-- every reader that counts a batch's recipients as pending still does.
ALTER TABLE notification_batches ADD COLUMN claim TEXT;
