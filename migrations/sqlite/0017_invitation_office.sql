-- An invitation belongs to the office it was sent for, not to whichever office its account is in
-- now: after an adviser moves to another office, the old office keeps its invitation history and
-- the new office does not see the old one (with the old office's administrators' names).

ALTER TABLE invitations ADD COLUMN office_id BLOB REFERENCES offices (id) ON DELETE CASCADE;
UPDATE invitations SET office_id = (SELECT a.office_id FROM accounts a WHERE a.id = invitations.account_id);
CREATE INDEX invitations_office ON invitations (office_id, id);
