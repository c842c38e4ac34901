-- The cycle check of partner_parents (0016) serialised moves with LOCK TABLE … SHARE ROW EXCLUSIVE
-- inside its BEFORE trigger. The INSERT has already taken ROW EXCLUSIVE on the table by then, and
-- SHARE ROW EXCLUSIVE conflicts with another transaction's ROW EXCLUSIVE: two concurrent inserts
-- each held ROW EXCLUSIVE and waited for the other's, and PostgreSQL aborted one with 40P01
-- (deadlock detected). A transaction-scoped advisory lock per tenant schema serialises the check
-- the same way without upgrading a table lock. The function runs each statement with a fresh
-- snapshot (READ COMMITTED, volatile), so a waiter sees the edge the holder committed.
CREATE OR REPLACE FUNCTION partner_parents_no_cycle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.parent_id IS NULL THEN RETURN NEW; END IF;
    PERFORM pg_advisory_xact_lock(hashtext('partner_parents:' || TG_TABLE_SCHEMA));
    IF EXISTS (
        WITH RECURSIVE up(id) AS (
            SELECT NEW.parent_id
            UNION
            SELECT pp.parent_id FROM partner_parents pp JOIN up ON pp.partner_id = up.id WHERE pp.parent_id IS NOT NULL
        ) SELECT 1 FROM up WHERE id = NEW.partner_id
    ) THEN
        RAISE EXCEPTION 'moving this IB under % would create a cycle', NEW.parent_id USING ERRCODE = 'AP001';
    END IF;
    RETURN NEW;
END $$;
