-- Move requests: an office's administrator asks the relations team to move a person whose
-- e-mail address belongs to another office's account into their office (they do not learn
-- which office). One open request per account and office asking; the relations team moves the
-- account (`moved`) or declines with a reason.

CREATE TABLE move_requests (
    id              UUID PRIMARY KEY NOT NULL,
    account_id      UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_office_id  UUID NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    to_office_id    UUID NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    requested_by    UUID REFERENCES accounts (id) ON DELETE SET NULL,
    note            TEXT,
    status          TEXT NOT NULL CHECK (status IN ('open', 'moved', 'declined')),
    created_at      BIGINT NOT NULL,
    decided_at      BIGINT,
    decided_by      UUID REFERENCES accounts (id) ON DELETE SET NULL,
    reason          TEXT
);
CREATE UNIQUE INDEX move_requests_one_open ON move_requests (account_id, to_office_id) WHERE status = 'open';
CREATE INDEX move_requests_open ON move_requests (status, created_at);
CREATE INDEX move_requests_requested_by ON move_requests (requested_by);
CREATE INDEX move_requests_decided_by ON move_requests (decided_by);
CREATE INDEX move_requests_to_office ON move_requests (to_office_id);
CREATE INDEX move_requests_from_office ON move_requests (from_office_id);
