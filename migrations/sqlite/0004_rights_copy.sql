-- A copy of each account's rights on the account row, as the session lookup reads them with
-- every signed-in request (one indexed row instead of a three-table join, a sort and an
-- aggregate per request). The database keeps the copy: triggers on account_rights and
-- portfolios rewrite it in the transaction that changes them, whichever code path (or a
-- cascade) does so. JSON array of [portfolio_id (hex), agency_number, portfolio name, right
-- code], sorted by agency number and the catalogue's order; NULL without rights.

ALTER TABLE accounts ADD COLUMN rights_json TEXT;

CREATE VIEW account_rights_json AS
    SELECT r.account_id,
           json_group_array(json_array(lower(hex(r.portfolio_id)), p.agency_number, p.name, r.right_code)
                            ORDER BY p.agency_number, c.position) AS rights
    FROM account_rights r
    JOIN portfolios p ON p.id = r.portfolio_id
    JOIN rights c ON c.code = r.right_code
    GROUP BY r.account_id;

CREATE TRIGGER account_rights_copy_insert AFTER INSERT ON account_rights BEGIN
    UPDATE accounts SET rights_json =
        (SELECT v.rights FROM account_rights_json v WHERE v.account_id = NEW.account_id)
    WHERE id = NEW.account_id;
END;

CREATE TRIGGER account_rights_copy_update AFTER UPDATE ON account_rights BEGIN
    UPDATE accounts SET rights_json =
        (SELECT v.rights FROM account_rights_json v WHERE v.account_id = NEW.account_id)
    WHERE id = NEW.account_id;
    UPDATE accounts SET rights_json =
        (SELECT v.rights FROM account_rights_json v WHERE v.account_id = OLD.account_id)
    WHERE id = OLD.account_id;
END;

CREATE TRIGGER account_rights_copy_delete AFTER DELETE ON account_rights BEGIN
    UPDATE accounts SET rights_json =
        (SELECT v.rights FROM account_rights_json v WHERE v.account_id = OLD.account_id)
    WHERE id = OLD.account_id;
END;

CREATE TRIGGER portfolios_rights_copy AFTER UPDATE OF agency_number, name ON portfolios BEGIN
    UPDATE accounts SET rights_json =
        (SELECT v.rights FROM account_rights_json v WHERE v.account_id = accounts.id)
    WHERE id IN (SELECT account_id FROM account_rights WHERE portfolio_id = NEW.id);
END;

UPDATE accounts SET rights_json =
    (SELECT v.rights FROM account_rights_json v WHERE v.account_id = accounts.id);
