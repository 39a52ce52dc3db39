-- Offices, portfolios, the rights catalogue, accounts and their rights, invitations with
-- their links and history, one-time codes, sessions, rate limits and the audit trail.
-- Instants are Unix milliseconds. Secrets are never stored as given: tokens as SHA-256,
-- codes as HMAC, authenticator secrets encrypted (AES-256-GCM).

CREATE TABLE offices (
    id          BLOB PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    kvk_number  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE portfolios (
    id             BLOB PRIMARY KEY NOT NULL,
    office_id      BLOB NOT NULL REFERENCES offices (id),
    agency_number  TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX portfolios_office ON portfolios (office_id);

-- The rights catalogue is data: add a row to add a right.
CREATE TABLE rights (
    code      TEXT PRIMARY KEY NOT NULL,
    label_nl  TEXT NOT NULL,
    label_en  TEXT NOT NULL,
    position  INTEGER NOT NULL
) STRICT;
INSERT INTO rights (code, label_nl, label_en, position) VALUES
    ('view_policies',   'Polissen inzien',  'View policies',   1),
    ('change_policies', 'Polissen wijzigen', 'Change policies', 2),
    ('report_claims',   'Schade melden',    'Report claims',   3),
    ('view_commission', 'Provisie inzien',  'View commission', 4);

CREATE TABLE accounts (
    id                        BLOB PRIMARY KEY NOT NULL,
    office_id                 BLOB REFERENCES offices (id),
    role                      TEXT NOT NULL CHECK (role IN ('adviser', 'office_admin', 'operator')),
    email                     TEXT NOT NULL,
    email_key                 TEXT NOT NULL UNIQUE,
    name                      TEXT NOT NULL,
    mobile                    TEXT,
    status                    TEXT NOT NULL CHECK (status IN ('invited', 'active', 'blocked', 'deactivated')),
    password_hash             TEXT,
    password_changed_at       INTEGER,
    totp_secret               BLOB,
    totp_last_step            INTEGER,
    ehk_pseudonym             TEXT UNIQUE,
    failed_password_attempts  INTEGER NOT NULL DEFAULT 0,
    last_sign_in_at           INTEGER,
    created_at                INTEGER NOT NULL,
    updated_at                INTEGER NOT NULL,
    CHECK ((role = 'operator') = (office_id IS NULL))
) STRICT;
CREATE INDEX accounts_office ON accounts (office_id);
CREATE INDEX accounts_mobile ON accounts (mobile);

CREATE TABLE account_rights (
    account_id    BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    portfolio_id  BLOB NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    right_code    TEXT NOT NULL REFERENCES rights (code),
    granted_at    INTEGER NOT NULL,
    PRIMARY KEY (account_id, portfolio_id, right_code)
) STRICT;
CREATE INDEX account_rights_portfolio ON account_rights (portfolio_id);

-- One invitation per set-up (a new account, or a reset of an existing one's sign-in set-up).
-- The set-up's progress lives here until the last step moves it onto the account.
CREATE TABLE invitations (
    id                      BLOB PRIMARY KEY NOT NULL,
    account_id              BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind                    TEXT NOT NULL CHECK (kind IN ('invitation', 'reset')),
    status                  TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'withdrawn')),
    step                    TEXT NOT NULL CHECK (step IN ('password', 'mobile', 'authenticator', 'done')),
    created_by              BLOB,
    created_at              INTEGER NOT NULL,
    expires_at              INTEGER NOT NULL,
    accepted_at             INTEGER,
    withdrawn_at            INTEGER,
    pending_password_hash   TEXT,
    pending_mobile          TEXT,
    verified_mobile         TEXT,
    pending_totp_secret     BLOB,
    setup_token_hash        BLOB,
    setup_token_expires_at  INTEGER
) STRICT;
CREATE INDEX invitations_account ON invitations (account_id);

-- Every link ever sent for an invitation; only the newest is not superseded.
CREATE TABLE invitation_links (
    token_hash     BLOB PRIMARY KEY NOT NULL,
    invitation_id  BLOB NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    superseded_at  INTEGER
) STRICT;
CREATE INDEX invitation_links_invitation ON invitation_links (invitation_id);

CREATE TABLE invitation_events (
    id             BLOB PRIMARY KEY NOT NULL,
    invitation_id  BLOB NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('sent', 'resent', 'renewed', 'accepted', 'withdrawn')),
    at             INTEGER NOT NULL,
    actor_id       BLOB
) STRICT;
CREATE INDEX invitation_events_invitation ON invitation_events (invitation_id, at);

-- SMS (and later e-mail) codes: HMAC of the code, limited in time and attempts.
CREATE TABLE verification_codes (
    id          BLOB PRIMARY KEY NOT NULL,
    purpose     TEXT NOT NULL,
    subject_id  BLOB NOT NULL,
    target      TEXT NOT NULL,
    code_hash   BLOB NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    consumed_at INTEGER
) STRICT;
CREATE INDEX verification_codes_subject ON verification_codes (subject_id, purpose, created_at);

CREATE TABLE sessions (
    id            BLOB PRIMARY KEY NOT NULL,
    token_hash    BLOB NOT NULL UNIQUE,
    account_id    BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    ended_at      INTEGER,
    client_ip     TEXT,
    user_agent    TEXT
) STRICT;
CREATE INDEX sessions_account ON sessions (account_id);

-- Fixed-window counters shared by every instance.
CREATE TABLE rate_limits (
    key           TEXT PRIMARY KEY NOT NULL,
    window_start  INTEGER NOT NULL,
    count         INTEGER NOT NULL
) STRICT;

-- The audit trail. Accounts are referenced by id only (no foreign key): when an account is
-- deleted its events stay, pseudonymous. details never holds personal data.
CREATE TABLE audit_events (
    id                 BLOB PRIMARY KEY NOT NULL,
    at                 INTEGER NOT NULL,
    actor_id           BLOB,
    action             TEXT NOT NULL,
    target_account_id  BLOB,
    office_id          BLOB,
    client_ip          TEXT,
    user_agent         TEXT,
    details            TEXT NOT NULL
) STRICT;
CREATE INDEX audit_events_office ON audit_events (office_id, id);
CREATE INDEX audit_events_target ON audit_events (target_account_id, id);
CREATE INDEX audit_events_actor ON audit_events (actor_id, id);
