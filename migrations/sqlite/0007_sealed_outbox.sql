-- Message bodies are kept encrypted, bound to their message (`sealed_body`; `body` stays empty
-- for them), and erased once a message is delivered or given up on. Start-up upgrades (bodies
-- and authenticator secrets written before) are recorded in `maintenance`, done once.

ALTER TABLE outbox ADD COLUMN sealed_body BLOB;

CREATE TABLE maintenance (
    name     TEXT PRIMARY KEY NOT NULL,
    done_at  INTEGER NOT NULL
) STRICT;
