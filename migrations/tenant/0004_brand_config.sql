-- Versioned brand configuration: each apply or Back Office change adds a version.
CREATE TABLE brand_config_versions (
    version    integer PRIMARY KEY,
    config     jsonb NOT NULL,
    checksum   text NOT NULL,
    source     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
