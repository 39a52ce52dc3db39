-- Offices, portfolios, the rights catalogue, accounts and their rights, invitations with
-- their links and history, one-time codes, sessions, rate limits and the audit trail.
-- Instants are Unix milliseconds. Secrets are never stored as given: tokens as SHA-256,
-- codes as HMAC, authenticator secrets encrypted (AES-256-GCM).

CREATE TABLE offices (
    id          UUID PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    kvk_number  TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE portfolios (
    id             UUID PRIMARY KEY NOT NULL,
    office_id      UUID NOT NULL REFERENCES offices (id),
    agency_number  TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX portfolios_office ON portfolios (office_id);

-- The rights catalogue is data: add a row to add a right.
CREATE TABLE rights (
    code      TEXT PRIMARY KEY NOT NULL,
    label_nl  TEXT NOT NULL,
    label_en  TEXT NOT NULL,
    position  INTEGER NOT NULL
);
INSERT INTO rights (code, label_nl, label_en, position) VALUES
    ('view_policies',   'Polissen inzien',  'View policies',   1),
    ('change_policies', 'Polissen wijzigen', 'Change policies', 2),
    ('report_claims',   'Schade melden',    'Report claims',   3),
    ('view_commission', 'Provisie inzien',  'View commission', 4);

CREATE TABLE accounts (
    id                        UUID PRIMARY KEY NOT NULL,
    office_id                 UUID REFERENCES offices (id),
    role                      TEXT NOT NULL CHECK (role IN ('adviser', 'office_admin', 'operator')),
    email                     TEXT NOT NULL,
    email_key                 TEXT NOT NULL UNIQUE,
    name                      TEXT NOT NULL,
    mobile                    TEXT,
    status                    TEXT NOT NULL CHECK (status IN ('invited', 'active', 'blocked', 'deactivated')),
    password_hash             TEXT,
    password_changed_at       BIGINT,
    totp_secret               BYTEA,
    totp_last_step            BIGINT,
    ehk_pseudonym             TEXT UNIQUE,
    failed_password_attempts  INTEGER NOT NULL DEFAULT 0,
    last_sign_in_at           BIGINT,
    created_at                BIGINT NOT NULL,
    updated_at                BIGINT NOT NULL,
    CHECK ((role = 'operator') = (office_id IS NULL))
);
CREATE INDEX accounts_office ON accounts (office_id);
CREATE INDEX accounts_mobile ON accounts (mobile);

CREATE TABLE account_rights (
    account_id    UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    portfolio_id  UUID NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    right_code    TEXT NOT NULL REFERENCES rights (code),
    granted_at    BIGINT NOT NULL,
    PRIMARY KEY (account_id, portfolio_id, right_code)
);
CREATE INDEX account_rights_portfolio ON account_rights (portfolio_id);

-- One invitation per set-up (a new account, or a reset of an existing one's sign-in set-up).
-- The set-up's progress lives here until the last step moves it onto the account.
CREATE TABLE invitations (
    id                      UUID PRIMARY KEY NOT NULL,
    account_id              UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind                    TEXT NOT NULL CHECK (kind IN ('invitation', 'reset')),
    status                  TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'withdrawn')),
    step                    TEXT NOT NULL CHECK (step IN ('password', 'mobile', 'authenticator', 'done')),
    created_by              UUID,
    created_at              BIGINT NOT NULL,
    expires_at              BIGINT NOT NULL,
    accepted_at             BIGINT,
    withdrawn_at            BIGINT,
    pending_password_hash   TEXT,
    pending_mobile          TEXT,
    verified_mobile         TEXT,
    pending_totp_secret     BYTEA,
    setup_token_hash        BYTEA,
    setup_token_expires_at  BIGINT
);
CREATE INDEX invitations_account ON invitations (account_id);

-- Every link ever sent for an invitation; only the newest is not superseded.
CREATE TABLE invitation_links (
    token_hash     BYTEA PRIMARY KEY NOT NULL,
    invitation_id  UUID NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    superseded_at  BIGINT
);
CREATE INDEX invitation_links_invitation ON invitation_links (invitation_id);

CREATE TABLE invitation_events (
    id             UUID PRIMARY KEY NOT NULL,
    invitation_id  UUID NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('sent', 'resent', 'renewed', 'accepted', 'withdrawn')),
    at             BIGINT NOT NULL,
    actor_id       UUID
);
CREATE INDEX invitation_events_invitation ON invitation_events (invitation_id, at);

-- SMS (and later e-mail) codes: HMAC of the code, limited in time and attempts.
CREATE TABLE verification_codes (
    id          UUID PRIMARY KEY NOT NULL,
    purpose     TEXT NOT NULL,
    subject_id  UUID NOT NULL,
    target      TEXT NOT NULL,
    code_hash   BYTEA NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    consumed_at BIGINT
);
CREATE INDEX verification_codes_subject ON verification_codes (subject_id, purpose, created_at);

CREATE TABLE sessions (
    id            UUID PRIMARY KEY NOT NULL,
    token_hash    BYTEA NOT NULL UNIQUE,
    account_id    UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    ended_at      BIGINT,
    client_ip     TEXT,
    user_agent    TEXT
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Fixed-window counters shared by every instance.
CREATE TABLE rate_limits (
    key           TEXT PRIMARY KEY NOT NULL,
    window_start  BIGINT NOT NULL,
    count         INTEGER NOT NULL
);

-- The audit trail. Accounts are referenced by id only (no foreign key): when an account is
-- deleted its events stay, pseudonymous. details never holds personal data.
CREATE TABLE audit_events (
    id                 UUID PRIMARY KEY NOT NULL,
    at                 BIGINT NOT NULL,
    actor_id           UUID,
    action             TEXT NOT NULL,
    target_account_id  UUID,
    office_id          UUID,
    client_ip          TEXT,
    user_agent         TEXT,
    details            TEXT NOT NULL
);
CREATE INDEX audit_events_office ON audit_events (office_id, id);
CREATE INDEX audit_events_target ON audit_events (target_account_id, id);
CREATE INDEX audit_events_actor ON audit_events (actor_id, id);
