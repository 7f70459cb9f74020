-- Sending to a large audience reads the channels of every recipient in their preferred
-- order: with id, kind and lookup in the index, that is one ordered pass over the index
-- alone instead of a table row per channel. It serves every use of channels_person.
CREATE INDEX channels_person_plan ON channels(person_id, position, id, kind, lookup);
DROP INDEX channels_person;
