-- The outbox: every e-mail and SMS, written in the same transaction as the change that causes
-- it and delivered by the worker with retries. Instants are Unix milliseconds.
CREATE TABLE outbox (
    id              BLOB PRIMARY KEY NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient       TEXT NOT NULL,
    subject         TEXT,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    locked_until    INTEGER,
    sent_at         INTEGER,
    last_error      TEXT
) STRICT;

CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_created ON outbox (created_at);
