-- Searches that stay fast at an insurer's numbers (100,000 accounts, 2,000,000 audit events).
--
-- Fragments of e-mail address, name, mobile number, office name and KvK number through
-- trigram indexes (pg_trgm, part of PostgreSQL's standard contrib modules and trusted: the
-- database's owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX accounts_email_trgm ON accounts USING gin (email_key gin_trgm_ops);
CREATE INDEX accounts_name_trgm ON accounts USING gin (LOWER(name) gin_trgm_ops);
CREATE INDEX accounts_mobile_trgm ON accounts USING gin (mobile gin_trgm_ops);
CREATE INDEX offices_name_trgm ON offices USING gin (LOWER(name) gin_trgm_ops);
CREATE INDEX offices_kvk_trgm ON offices USING gin (kvk_number gin_trgm_ops);

-- Lists in the order they are shown (by name), within an office and across offices.
DROP INDEX accounts_office;
CREATE INDEX accounts_office_by_name ON accounts (office_id, LOWER(name), id);
CREATE INDEX accounts_by_name ON accounts (LOWER(name), id);
CREATE INDEX offices_by_name ON offices (LOWER(name), id);

-- The audit trail filtered by action, across offices and within one, newest first.
CREATE INDEX audit_events_action ON audit_events (action, id);
CREATE INDEX audit_events_office_action ON audit_events (office_id, action, id);
