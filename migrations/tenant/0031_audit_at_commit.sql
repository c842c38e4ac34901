-- Audit rows join the chain when their transaction commits, not when they are appended.
--
-- `audit_append` used to take the audit log's table lock at the call. A transaction that audited
-- early then held that lock while it waited for a row, and the transaction holding the row could
-- not audit: a deadlock (SQLSTATE 40P01), 23 of them in a 10-minute soak. Now `audit_append` only
-- queues the entry in `audit_pending`, and a deferred constraint trigger chains the queued entries
-- at COMMIT, after every other statement of the transaction. A transaction holding the audit lock
-- is then already committing and waits for nothing else, so the lock cannot close a cycle.
--
-- `audit_pending` only ever holds the entries of transactions still running: each one moves its own
-- before it commits, and a rolled-back one leaves nothing. `at` is the time of the append; `seq`
-- is the order of commit.
CREATE TABLE audit_pending (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    action     text NOT NULL,
    subject    text NOT NULL,
    before     jsonb,
    after      jsonb,
    request_id text NOT NULL
);

-- Returns 0: the sequence number is assigned at COMMIT. (The return type stays bigint so a server
-- still running the previous release keeps working during a rolling upgrade.)
CREATE OR REPLACE FUNCTION audit_append(p_actor text, p_action text, p_subject text, p_before jsonb, p_after jsonb, p_request_id text)
RETURNS bigint LANGUAGE sql AS $$
    INSERT INTO audit_pending (at, actor, action, subject, before, after, request_id)
    VALUES (date_trunc('microseconds', clock_timestamp()), p_actor, p_action, coalesce(p_subject, ''), p_before, p_after,
            coalesce(p_request_id, ''));
    SELECT 0::bigint;
$$;

-- Fires once per queued row at COMMIT; the first firing chains all of them, the rest find none.
-- By then the transaction may have left the tenant's role and search_path (queued jobs are written
-- to `platform.jobs` just before COMMIT, as the login role, which holds no tenant privileges). So the
-- function runs as its owner, the tenant's role, in the schema it was created in.
CREATE FUNCTION audit_chain_pending() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    r record; last_seq bigint; last_hash bytea;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit_pending) THEN
        RETURN NULL;
    END IF;
    LOCK TABLE audit_log IN EXCLUSIVE MODE;
    SELECT seq, hash INTO last_seq, last_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
    last_seq := coalesce(last_seq, 0);
    last_hash := coalesce(last_hash, '\x00'::bytea);
    FOR r IN SELECT * FROM audit_pending ORDER BY id LOOP
        last_seq := last_seq + 1;
        INSERT INTO audit_log VALUES (last_seq, r.at, r.actor, r.action, r.subject, r.before, r.after, r.request_id, last_hash,
            audit_row_hash(last_seq, r.at, r.actor, r.action, r.subject, r.before, r.after, r.request_id, last_hash))
        RETURNING hash INTO last_hash;
    END LOOP;
    DELETE FROM audit_pending;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER audit_pending_chain AFTER INSERT ON audit_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_chain_pending();
