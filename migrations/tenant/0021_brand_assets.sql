-- Files a brand's settings point at (the logo uploaded in the Back Office). Stored in the tenant
-- schema so that every server process serves the same bytes; named by content (sha256), so a name
-- never changes meaning and can be cached for good. Rows are only added: an earlier configuration
-- version (rollback) still finds its logo.
CREATE TABLE brand_assets (
    name         text PRIMARY KEY CHECK (name ~ '^asset-[0-9a-f]{20}\.(png|jpg|webp)$'),
    content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    bytes        bytea NOT NULL CHECK (octet_length(bytes) BETWEEN 1 AND 524288),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    width        integer NOT NULL CHECK (width BETWEEN 1 AND 4096),
    height       integer NOT NULL CHECK (height BETWEEN 1 AND 4096),
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
