-- Access requests: an adviser asks the office's user administrators for rights. `requested`
-- and `granted` are JSON lists of [portfolio id, right code]. One open request per account
-- (the partial unique index, across instances); an open request past `expires_at` counts as
-- expired and is closed when the account makes a new one.

CREATE TABLE access_requests (
    id          BLOB PRIMARY KEY NOT NULL,
    office_id   BLOB NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    account_id  BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    requested   TEXT NOT NULL,
    note        TEXT,
    status      TEXT NOT NULL CHECK (status IN ('open', 'granted', 'declined', 'withdrawn', 'expired')),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    decided_at  INTEGER,
    decided_by  BLOB REFERENCES accounts (id) ON DELETE SET NULL,
    granted     TEXT NOT NULL DEFAULT '[]',
    reason      TEXT
) STRICT;
CREATE UNIQUE INDEX access_requests_one_open ON access_requests (account_id) WHERE status = 'open';
CREATE INDEX access_requests_of_office ON access_requests (office_id, status, created_at);
CREATE INDEX access_requests_of_account ON access_requests (account_id, created_at);
CREATE INDEX access_requests_decided_by ON access_requests (decided_by);
