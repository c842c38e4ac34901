-- Leads pipeline (issue 12): a lead becomes `funded` when the client's first deposit succeeds.
--
-- Done by a trigger on `payments`, in the transaction that marks the deposit succeeded, rather than
-- in the Swift payment code or a job: every path that settles a deposit (card and crypto callbacks,
-- the inbox replay job, a Finance-confirmed bank wire, a late success after a timeout) is covered
-- without touching the money code, and the pipeline is never behind the ledger. The work is one
-- primary-key lookup on `leads`, and only for a trader's deposit whose status has just become
-- `succeeded`; once the lead is funded, later deposits find that and do nothing. The upsert cannot
-- violate a constraint (funded carries no lost reason), and `audit_append` takes the audit lock the
-- payment's own audit row takes in the same transaction anyway.
CREATE FUNCTION leads_funded_on_deposit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    current text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id AND audience = 'trader') THEN
        RETURN NULL;
    END IF;
    SELECT stage INTO current FROM leads WHERE client_id = NEW.user_id FOR UPDATE;
    IF current = 'funded' THEN
        RETURN NULL;
    END IF;
    INSERT INTO leads (client_id, stage, lost_reason, changed_at, changed_by)
    VALUES (NEW.user_id, 'funded', NULL, now(), 'system:deposit')
    ON CONFLICT (client_id) DO UPDATE SET stage = 'funded', lost_reason = NULL, changed_at = now(), changed_by = 'system:deposit';
    INSERT INTO lead_events (client_id, from_stage, to_stage, reason, actor)
    VALUES (NEW.user_id, coalesce(current, 'new'), 'funded', NULL, 'system:deposit');
    PERFORM audit_append('system:deposit', 'lead.stage', 'trader:' || NEW.user_id::text,
                         jsonb_build_object('stage', coalesce(current, 'new')),
                         jsonb_build_object('stage', 'funded', 'payment', NEW.id::text), '');
    RETURN NULL;
END $$;

CREATE TRIGGER payments_lead_funded AFTER INSERT OR UPDATE OF status ON payments
    FOR EACH ROW WHEN (NEW.kind = 'deposit' AND NEW.status = 'succeeded')
    EXECUTE FUNCTION leads_funded_on_deposit();

-- Clients funded before this migration are funded leads (no events or audit rows: nothing moved them).
INSERT INTO leads (client_id, stage, changed_by)
SELECT DISTINCT p.user_id, 'funded', 'system:migration'
FROM payments p JOIN users u ON u.id = p.user_id AND u.audience = 'trader'
WHERE p.kind = 'deposit' AND p.status = 'succeeded'
ON CONFLICT (client_id) DO UPDATE SET stage = 'funded', lost_reason = NULL;
