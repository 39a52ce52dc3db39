-- The outbox: every e-mail and SMS, written in the same transaction as the change that causes
-- it and delivered by the worker with retries. Instants are Unix milliseconds.
CREATE TABLE outbox (
    id              UUID PRIMARY KEY,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient       TEXT NOT NULL,
    subject         TEXT,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT,
    sent_at         BIGINT,
    last_error      TEXT
);

CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_created ON outbox (created_at);
