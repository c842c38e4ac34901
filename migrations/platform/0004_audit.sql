-- Platform audit log (operator actions), hash-chained like each tenant's audit_log.
CREATE TABLE platform.audit_log (
    seq        bigint PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    action     text NOT NULL,
    subject    text NOT NULL DEFAULT '',
    before     jsonb,
    after      jsonb,
    request_id text NOT NULL DEFAULT '',
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL
);

CREATE FUNCTION platform.audit_row_hash(p_seq bigint, p_at timestamptz, p_actor text, p_action text, p_subject text,
                                        p_before jsonb, p_after jsonb, p_request_id text, p_prev bytea)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(p_prev || convert_to(concat_ws(E'\x1f', p_seq::text, (extract(epoch FROM p_at) * 1000000)::bigint::text,
        p_actor, p_action, p_subject, coalesce(p_before::text, '-'), coalesce(p_after::text, '-'), p_request_id), 'UTF8'))
$$;

CREATE FUNCTION platform.audit_append(p_actor text, p_action text, p_subject text, p_before jsonb, p_after jsonb, p_request_id text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint; last_hash bytea; ts timestamptz := date_trunc('microseconds', clock_timestamp());
BEGIN
    LOCK TABLE platform.audit_log IN EXCLUSIVE MODE;
    SELECT seq, hash INTO last_seq, last_hash FROM platform.audit_log ORDER BY seq DESC LIMIT 1;
    last_seq := coalesce(last_seq, 0) + 1;
    last_hash := coalesce(last_hash, '\x00'::bytea);
    INSERT INTO platform.audit_log VALUES (last_seq, ts, p_actor, p_action, coalesce(p_subject, ''), p_before, p_after,
        coalesce(p_request_id, ''), last_hash,
        platform.audit_row_hash(last_seq, ts, p_actor, p_action, coalesce(p_subject, ''), p_before, p_after, coalesce(p_request_id, ''), last_hash));
    RETURN last_seq;
END $$;

CREATE FUNCTION platform.audit_verify() RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
    r record; prev bytea := '\x00'::bytea; expected bigint := 1;
BEGIN
    FOR r IN SELECT * FROM platform.audit_log ORDER BY seq LOOP
        IF r.seq <> expected OR r.prev_hash <> prev OR r.hash <> platform.audit_row_hash(r.seq, r.at, r.actor, r.action,
               r.subject, r.before, r.after, r.request_id, r.prev_hash) THEN
            RETURN r.seq;
        END IF;
        prev := r.hash;
        expected := expected + 1;
    END LOOP;
    RETURN NULL;
END $$;

CREATE FUNCTION platform.audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON platform.audit_log
    FOR EACH ROW EXECUTE FUNCTION platform.audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON platform.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION platform.audit_refuse_change();
