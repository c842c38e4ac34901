-- Job queue shared by every server process (claimed with FOR UPDATE SKIP LOCKED).
-- Rows carry references (tenant id, outbox id), not tenant data.
CREATE TABLE platform.jobs (
    id           bigserial PRIMARY KEY,
    tenant_id    uuid REFERENCES platform.tenants (id) ON DELETE CASCADE,
    kind         text NOT NULL,
    payload      jsonb NOT NULL DEFAULT '{}'::jsonb,
    run_at       timestamptz NOT NULL DEFAULT now(),
    attempts     integer NOT NULL DEFAULT 0,
    max_attempts integer NOT NULL DEFAULT 8,
    locked_until timestamptz,
    locked_by    text,
    last_error   text,
    done_at      timestamptz,
    failed_at    timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_due ON platform.jobs (run_at) WHERE done_at IS NULL AND failed_at IS NULL;
