-- Wrong second-factor codes in a row, counted per account across sign-ins, password resets
-- and re-authentication (a right code ends the run); and the status an account had when it
-- was deactivated, so reactivating it restores that (a blocked account stays blocked).

ALTER TABLE accounts ADD COLUMN failed_codes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN deactivated_from TEXT
    CHECK (deactivated_from IS NULL OR deactivated_from IN ('invited', 'active', 'blocked'));
