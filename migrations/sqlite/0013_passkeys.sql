-- Passkeys (WebAuthn): an account's credentials and the challenges of ceremonies under way.
-- `credential` is the verified credential as webauthn-rs keeps it (JSON: public key, counter,
-- backup flags); the columns beside it are what lists and rules read. `accounts.passkeys`
-- counts an account's passkeys, so every read of an account knows its second factors.
-- A challenge is single-use (taken with DELETE … RETURNING) and valid five minutes; it is bound
-- to what started it (the sign-in, the session that registers, or the invitation being set up).

ALTER TABLE accounts ADD COLUMN passkeys INTEGER NOT NULL DEFAULT 0;

CREATE TABLE passkeys (
    id              BLOB PRIMARY KEY NOT NULL,
    account_id      BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    credential_id   BLOB NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    credential      TEXT NOT NULL,
    sign_count      INTEGER NOT NULL DEFAULT 0,
    backup_eligible INTEGER NOT NULL DEFAULT 0,
    backed_up       INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER
) STRICT;
CREATE INDEX passkeys_of_account ON passkeys (account_id, created_at);

CREATE TABLE passkey_challenges (
    id          BLOB PRIMARY KEY NOT NULL,
    ceremony    TEXT NOT NULL CHECK (ceremony IN ('registration', 'second_factor', 'passwordless', 'setup', 'reauthentication')),
    account_id  BLOB,
    bound_to    BLOB,
    state       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX passkey_challenges_expiry ON passkey_challenges (expires_at);
