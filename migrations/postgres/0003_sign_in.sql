-- Sign-in as explicit steps, password resets and history, the session's portfolio and
-- re-authentication, and a second authenticator waiting for confirmation.

CREATE TABLE sign_in_attempts (
    id            UUID PRIMARY KEY NOT NULL,
    token_hash    BYTEA NOT NULL UNIQUE,
    account_id    UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    stage         TEXT NOT NULL CHECK (stage IN ('second_factor', 'new_password', 'done', 'void')),
    failed_codes  INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX sign_in_attempts_account ON sign_in_attempts (account_id);

CREATE TABLE password_history (
    id             UUID PRIMARY KEY NOT NULL,
    account_id     UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    password_hash  TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX password_history_account ON password_history (account_id, id);

CREATE TABLE password_resets (
    id            UUID PRIMARY KEY NOT NULL,
    token_hash    BYTEA NOT NULL UNIQUE,
    account_id    UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    verified_at   BIGINT,
    used_at       BIGINT,
    failed_codes  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX password_resets_account ON password_resets (account_id);

ALTER TABLE sessions ADD COLUMN active_portfolio_id UUID;
ALTER TABLE sessions ADD COLUMN reauthenticated_at BIGINT;
ALTER TABLE accounts ADD COLUMN pending_totp_secret BYTEA;
