-- eHerkenning: an account's link is kept under the digest of (issuer, company, person) in
-- accounts.ehk_pseudonym (unique: one identity links to one account), with the company it acts
-- for and when it was linked. A trip to the broker is a row of its own until it returns (once):
-- its state as a digest, the digest of the browser cookie it is bound to, and the digest of its
-- nonce (the PKCE verifier and nonce are derived from the cookie, never stored).

ALTER TABLE accounts ADD COLUMN ehk_legal_subject TEXT;
ALTER TABLE accounts ADD COLUMN ehk_linked_at BIGINT;

CREATE TABLE eherkenning_trips (
    state_hash    BYTEA PRIMARY KEY NOT NULL,
    binding_hash  BYTEA NOT NULL,
    nonce_hash    BYTEA NOT NULL,
    purpose       TEXT NOT NULL CHECK (purpose IN ('sign_in', 'link')),
    account_id    UUID,
    session_id    UUID,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX eherkenning_trips_expiry ON eherkenning_trips (expires_at);
