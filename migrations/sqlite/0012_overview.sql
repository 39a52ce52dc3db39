-- The relations team's overview and lists across offices: accounts by status (active,
-- blocked) and open invitations by when their link expires.
CREATE INDEX accounts_status ON accounts (status);
CREATE INDEX invitations_open ON invitations (status, expires_at);
