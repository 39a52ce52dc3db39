-- Periodic access reviews. An office's current review period starts when its last review was
-- completed (or when the office was made) and is due `policy.access_review_days` later; its
-- administrators confirm every right of every account that is not deactivated, per portfolio
-- (`right_confirmations`: the last confirmation of an account's rights on a portfolio). When
-- nothing is left to confirm the review is complete: a row of `access_reviews` (the history)
-- and the next period starts. `access_review_reminders` records each reminder (and the
-- enforcement after the grace period) once per office and due date, across instances.

CREATE TABLE right_confirmations (
    account_id    BLOB NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    portfolio_id  BLOB NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    confirmed_at  INTEGER NOT NULL,
    confirmed_by  BLOB REFERENCES accounts (id) ON DELETE SET NULL,
    PRIMARY KEY (account_id, portfolio_id)
) STRICT;
CREATE INDEX right_confirmations_by ON right_confirmations (confirmed_by);
CREATE INDEX right_confirmations_portfolio ON right_confirmations (portfolio_id);

CREATE TABLE access_reviews (
    id            BLOB PRIMARY KEY NOT NULL,
    office_id     BLOB NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    started_at    INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    completed_at  INTEGER NOT NULL,
    completed_by  BLOB REFERENCES accounts (id) ON DELETE SET NULL,
    confirmed     INTEGER NOT NULL,
    deactivated   INTEGER NOT NULL
) STRICT;
CREATE INDEX access_reviews_of_office ON access_reviews (office_id, completed_at);
CREATE INDEX access_reviews_completed_by ON access_reviews (completed_by);

CREATE TABLE access_review_reminders (
    office_id  BLOB NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    due_at     INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('days_14', 'days_3', 'enforced')),
    sent_at    INTEGER NOT NULL,
    PRIMARY KEY (office_id, due_at, kind)
) STRICT;
