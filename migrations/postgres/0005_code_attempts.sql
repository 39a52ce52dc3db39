-- One counter of wrong one-time codes per purpose and subject (the set-up, the sign-in, the
-- reset link or the account a code is for), for SMS and authenticator codes alike, instead of
-- a counter on each of sign-ins, password resets and stored codes.

CREATE TABLE code_attempts (
    purpose     TEXT NOT NULL,
    subject_id  UUID NOT NULL,
    failures    INTEGER NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (purpose, subject_id)
);

-- Counts under way keep counting.
INSERT INTO code_attempts (purpose, subject_id, failures, updated_at)
    SELECT 'sign_in', id, failed_codes, created_at FROM sign_in_attempts WHERE failed_codes > 0;
INSERT INTO code_attempts (purpose, subject_id, failures, updated_at)
    SELECT 'password_reset', id, failed_codes, created_at FROM password_resets WHERE failed_codes > 0;
INSERT INTO code_attempts (purpose, subject_id, failures, updated_at)
    SELECT c.purpose, c.subject_id, c.attempts, c.created_at FROM verification_codes c
    WHERE c.attempts > 0 AND c.consumed_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM verification_codes n
                      WHERE n.purpose = c.purpose AND n.subject_id = c.subject_id AND n.id > c.id);

ALTER TABLE sign_in_attempts DROP COLUMN failed_codes;
ALTER TABLE password_resets DROP COLUMN failed_codes;
ALTER TABLE verification_codes DROP COLUMN attempts;
