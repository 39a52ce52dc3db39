-- Integrators: API clients (machine credentials of an office, or of the insurer when office_id
-- is NULL), their public keys, the assertions they used (each jti once), the answers kept for
-- Idempotency-Key, and the scope catalogue. A client secret is 256 random bits, stored as its
-- SHA-256 like every token.

CREATE TABLE api_scopes (
    code          TEXT PRIMARY KEY NOT NULL,
    label_nl      TEXT NOT NULL,
    label_en      TEXT NOT NULL,
    insurer_only  BOOLEAN NOT NULL,
    position      INTEGER NOT NULL
);
INSERT INTO api_scopes (code, label_nl, label_en, insurer_only, position) VALUES
    ('accounts:read',   'Accounts en uitnodigingen inzien', 'Read accounts and invitations', FALSE, 1),
    ('accounts:manage', 'Accounts uitnodigen en beheren',   'Invite and manage accounts',    FALSE, 2),
    ('rights:manage',   'Rechten beheren',                  'Manage rights',                 FALSE, 3),
    ('audit:read',      'Logboek inzien',                   'Read the audit trail',          FALSE, 4),
    ('rights:check',    'Rechten controleren',              'Check rights',                  FALSE, 5),
    ('offices:manage',  'Kantoren en portefeuilles beheren', 'Manage offices and portfolios', TRUE, 6);

CREATE TABLE api_clients (
    id                 UUID PRIMARY KEY NOT NULL,
    client_id          TEXT NOT NULL UNIQUE,
    name               TEXT NOT NULL,
    office_id          UUID REFERENCES offices (id),
    scopes             TEXT NOT NULL,
    portfolio_ids      TEXT,
    revoked_at         BIGINT,
    created_by         UUID,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    last_used_at       BIGINT,
    expires_at         BIGINT,
    secret_id          UUID,
    secret_hash        BYTEA,
    secret_created_at  BIGINT
);
CREATE INDEX api_clients_office ON api_clients (office_id);

CREATE TABLE api_client_keys (
    id            UUID PRIMARY KEY NOT NULL,
    client        UUID NOT NULL REFERENCES api_clients (id) ON DELETE CASCADE,
    kid           TEXT NOT NULL,
    alg           TEXT NOT NULL CHECK (alg IN ('EdDSA', 'ES256', 'RS256')),
    jwk           TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    UNIQUE (client, kid)
);

-- Assertions seen, by client and the SHA-256 of their jti, until they expire.
CREATE TABLE oauth_assertions (
    client      UUID NOT NULL,
    jti_hash    BYTEA NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (client, jti_hash)
);
CREATE INDEX oauth_assertions_expiry ON oauth_assertions (expires_at);

-- The first answer to a request with an Idempotency-Key, per caller, for 24 hours.
CREATE TABLE idempotency_keys (
    owner         TEXT NOT NULL,
    key           TEXT NOT NULL,
    fingerprint   BYTEA NOT NULL,
    created_at    BIGINT NOT NULL,
    status        INTEGER,
    content_type  TEXT,
    body          BYTEA,
    PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

ALTER TABLE audit_events ADD COLUMN actor_client_id UUID;
CREATE INDEX audit_events_actor_client ON audit_events (actor_client_id, id);
