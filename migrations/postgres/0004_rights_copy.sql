-- A copy of each account's rights on the account row, as the session lookup reads them with
-- every signed-in request (one indexed row instead of a three-table join, a sort and an
-- aggregate per request). The database keeps the copy: triggers on account_rights and
-- portfolios rewrite it in the transaction that changes them, whichever code path (or a
-- cascade) does so. JSON array of [portfolio_id, agency_number, portfolio name, right code],
-- sorted by agency number and the catalogue's order; NULL without rights.

ALTER TABLE accounts ADD COLUMN rights_json TEXT;

CREATE VIEW account_rights_json AS
    SELECT r.account_id,
           CAST(json_agg(json_build_array(r.portfolio_id, p.agency_number, p.name, r.right_code)
                         ORDER BY p.agency_number, c.position) AS TEXT) AS rights
    FROM account_rights r
    JOIN portfolios p ON p.id = r.portfolio_id
    JOIN rights c ON c.code = r.right_code
    GROUP BY r.account_id;

CREATE FUNCTION refresh_rights_json() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'account_rights' THEN
        IF TG_OP <> 'DELETE' THEN
            -- Waits for a rename of the portfolio in progress (and holds one off), so the
            -- copy never keeps a name that a concurrent rename's own refresh did not see.
            PERFORM 1 FROM portfolios WHERE id = NEW.portfolio_id FOR SHARE;
            UPDATE accounts SET rights_json =
                (SELECT v.rights FROM account_rights_json v WHERE v.account_id = NEW.account_id)
            WHERE id = NEW.account_id;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            UPDATE accounts SET rights_json =
                (SELECT v.rights FROM account_rights_json v WHERE v.account_id = OLD.account_id)
            WHERE id = OLD.account_id;
        END IF;
    ELSE
        -- A portfolio's name or agency number changed: every account with a right on it,
        -- locked in id order first (two renames at once cannot deadlock; the store locks
        -- them before the portfolio row, in the order rights changes take their locks).
        PERFORM 1 FROM accounts
            WHERE id IN (SELECT account_id FROM account_rights WHERE portfolio_id = NEW.id)
            ORDER BY id FOR UPDATE;
        UPDATE accounts a SET rights_json =
            (SELECT v.rights FROM account_rights_json v WHERE v.account_id = a.id)
        WHERE a.id IN (SELECT account_id FROM account_rights WHERE portfolio_id = NEW.id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER account_rights_copy AFTER INSERT OR UPDATE OR DELETE ON account_rights
    FOR EACH ROW EXECUTE FUNCTION refresh_rights_json();
CREATE TRIGGER portfolios_rights_copy AFTER UPDATE OF agency_number, name ON portfolios
    FOR EACH ROW EXECUTE FUNCTION refresh_rights_json();

UPDATE accounts a SET rights_json =
    (SELECT v.rights FROM account_rights_json v WHERE v.account_id = a.id);
