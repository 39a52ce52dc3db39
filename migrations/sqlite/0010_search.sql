-- Searches that stay fast at an insurer's numbers (100,000 accounts, 2,000,000 audit events).
--
-- Accounts by a fragment of e-mail address, name or mobile number: an FTS5 index of their
-- trigrams (any fragment of 3 or more characters is found through it). The index is
-- contentless and keyed by accounts.search_id, a number each account gets when it is made and
-- keeps (not the rowid, which VACUUM INTO may renumber); triggers keep it in step with every
-- insert, change and delete.
ALTER TABLE accounts ADD COLUMN search_id INTEGER;
UPDATE accounts SET search_id = rowid;
CREATE UNIQUE INDEX accounts_search_id ON accounts (search_id);

CREATE VIRTUAL TABLE accounts_search USING fts5 (
    email_key, name, mobile, content = '', tokenize = 'trigram'
);
INSERT INTO accounts_search (rowid, email_key, name, mobile)
    SELECT search_id, email_key, name, COALESCE(mobile, '') FROM accounts;

CREATE TRIGGER accounts_search_insert AFTER INSERT ON accounts BEGIN
    UPDATE accounts SET search_id = (SELECT COALESCE(MAX(search_id), 0) + 1 FROM accounts)
        WHERE id = NEW.id;
    INSERT INTO accounts_search (rowid, email_key, name, mobile)
        SELECT search_id, NEW.email_key, NEW.name, COALESCE(NEW.mobile, '')
        FROM accounts WHERE id = NEW.id;
END;

CREATE TRIGGER accounts_search_update AFTER UPDATE OF email_key, name, mobile ON accounts BEGIN
    INSERT INTO accounts_search (accounts_search, rowid, email_key, name, mobile)
        VALUES ('delete', OLD.search_id, OLD.email_key, OLD.name, COALESCE(OLD.mobile, ''));
    INSERT INTO accounts_search (rowid, email_key, name, mobile)
        VALUES (NEW.search_id, NEW.email_key, NEW.name, COALESCE(NEW.mobile, ''));
END;

CREATE TRIGGER accounts_search_delete AFTER DELETE ON accounts BEGIN
    INSERT INTO accounts_search (accounts_search, rowid, email_key, name, mobile)
        VALUES ('delete', OLD.search_id, OLD.email_key, OLD.name, COALESCE(OLD.mobile, ''));
END;

-- Lists in the order they are shown (by name), within an office and across offices.
DROP INDEX accounts_office;
CREATE INDEX accounts_office_by_name ON accounts (office_id, LOWER(name), id);
CREATE INDEX accounts_by_name ON accounts (LOWER(name), id);
CREATE INDEX offices_by_name ON offices (LOWER(name), id);

-- The audit trail filtered by action, across offices and within one, newest first.
CREATE INDEX audit_events_action ON audit_events (action, id);
CREATE INDEX audit_events_office_action ON audit_events (office_id, action, id);
