-- Tenant registry: one row per broker brand. Tenant data never lives here, only where to find it.
CREATE TABLE platform.tenants (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug            text NOT NULL UNIQUE,
    name            text NOT NULL,
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    schema_name     text NOT NULL UNIQUE,
    role_name       text NOT NULL UNIQUE,
    schema_version  integer NOT NULL DEFAULT 0,
    config          jsonb NOT NULL DEFAULT '{}'::jsonb,
    config_checksum text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE platform.tenant_domains (
    domain    text PRIMARY KEY CHECK (domain = lower(domain)),
    tenant_id uuid NOT NULL REFERENCES platform.tenants (id) ON DELETE CASCADE
);
CREATE INDEX tenant_domains_tenant ON platform.tenant_domains (tenant_id);

-- Bumped on every registry change; app servers poll it to drop their host cache.
CREATE TABLE platform.registry_state (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    generation bigint NOT NULL DEFAULT 0
);
INSERT INTO platform.registry_state DEFAULT VALUES;
