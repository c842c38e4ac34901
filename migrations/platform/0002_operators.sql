-- Platform operators (the console's users), their sessions and login throttling.
CREATE TABLE platform.operators (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    disabled_at   timestamptz
);
CREATE UNIQUE INDEX operators_email ON platform.operators (lower(email));

CREATE TABLE platform.operator_sessions (
    token_hash  bytea PRIMARY KEY,
    operator_id uuid NOT NULL REFERENCES platform.operators (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    ip          text NOT NULL DEFAULT '',
    user_agent  text NOT NULL DEFAULT ''
);

CREATE TABLE platform.login_throttle (
    key          text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    failures     integer NOT NULL,
    locked_until timestamptz
);
