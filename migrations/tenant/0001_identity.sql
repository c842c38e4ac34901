-- Accounts of every audience of this brand: traders, IBs and staff.
CREATE TABLE users (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    audience          text NOT NULL CHECK (audience IN ('trader', 'ib', 'staff')),
    email             text NOT NULL CHECK (length(email) <= 254),
    name              text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    country           text NOT NULL DEFAULT '' CHECK (country = '' OR country ~ '^[A-Z]{2}$'),
    password_hash     text,
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'invited', 'disabled')),
    email_verified_at timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_audience_email ON users (audience, lower(email));

-- RBAC: roles are named sets of permission constants (see Sources/AtriumIdentity/Permission.swift).
CREATE TABLE roles (
    id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name     text NOT NULL UNIQUE,
    builtin  boolean NOT NULL DEFAULT false
);
CREATE TABLE role_permissions (
    role_id    uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission text NOT NULL,
    PRIMARY KEY (role_id, permission)
);
CREATE TABLE user_roles (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);

-- Sessions live in the tenant's schema, so a token from another brand is simply not found here.
CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    audience   text NOT NULL CHECK (audience IN ('trader', 'ib', 'staff')),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    ip         text NOT NULL DEFAULT '',
    user_agent text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Single-use invitations (first-login password set for staff).
CREATE TABLE invitations (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE login_throttle (
    key          text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    failures     integer NOT NULL,
    locked_until timestamptz
);
