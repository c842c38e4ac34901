-- TOTP two-factor sign-in. The secret is stored sealed (AES-GCM, per-tenant key derived from the
-- master key); it is set when enrollment starts and becomes active with totp_enabled_at.
ALTER TABLE users ADD COLUMN totp_secret bytea;
ALTER TABLE users ADD COLUMN totp_enabled_at timestamptz;
-- The last accepted time step: a code is accepted once.
ALTER TABLE users ADD COLUMN totp_last_step bigint;

-- One-time recovery codes (SHA-256 of the code).
CREATE TABLE recovery_codes (
    user_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- A password that was right, waiting for the second factor (5 minutes, 5 attempts).
CREATE TABLE login_challenges (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    audience   text NOT NULL,
    expires_at timestamptz NOT NULL,
    attempts   integer NOT NULL DEFAULT 0,
    ip         text NOT NULL DEFAULT '',
    user_agent text NOT NULL DEFAULT ''
);
