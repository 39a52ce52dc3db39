-- The relations team's overview and lists across offices: accounts by status in name order
-- (a page of blocked accounts walks this index and stops; the counts read it alone), office
-- accounts without any right (few: a partial index holds just them and the relations team),
-- and open invitations by when their link expires.
CREATE INDEX accounts_status_by_name ON accounts (status, LOWER(name), id);
CREATE INDEX accounts_without_rights ON accounts (LOWER(name), id) WHERE rights_json IS NULL;
CREATE INDEX invitations_open ON invitations (status, expires_at);
