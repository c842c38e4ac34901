-- Anchored heads of each tenant's audit chain. A hash chain alone cannot show that rows were
-- removed from its tail; the tenant chain must still hold every anchored seq with the anchored
-- hash. Each anchor is also written to the platform audit chain (action audit.anchored).
CREATE TABLE platform.audit_anchors (
    id        bigserial PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES platform.tenants (id) ON DELETE CASCADE,
    seq       bigint NOT NULL,
    hash      bytea NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_anchors_tenant ON platform.audit_anchors (tenant_id, seq DESC);

-- Anchors are never rewritten. Deletes stay possible because deleting a tenant cascades here;
-- the platform audit chain keeps its own record of every anchor.
CREATE FUNCTION platform.audit_anchors_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_anchors is append-only';
END $$;
CREATE TRIGGER audit_anchors_no_update BEFORE UPDATE ON platform.audit_anchors
    FOR EACH ROW EXECUTE FUNCTION platform.audit_anchors_refuse_change();
CREATE TRIGGER audit_anchors_no_truncate BEFORE TRUNCATE ON platform.audit_anchors
    FOR EACH STATEMENT EXECUTE FUNCTION platform.audit_anchors_refuse_change();
