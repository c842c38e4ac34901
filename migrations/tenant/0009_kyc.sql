-- Onboarding: profile details, KYC documents (sealed at rest) and the decisions taken on them.
ALTER TABLE users ADD COLUMN date_of_birth date;
ALTER TABLE users ADD COLUMN address_line text NOT NULL DEFAULT '' CHECK (length(address_line) <= 200);
ALTER TABLE users ADD COLUMN city text NOT NULL DEFAULT '' CHECK (length(city) <= 100);
ALTER TABLE users ADD COLUMN postal_code text NOT NULL DEFAULT '' CHECK (length(postal_code) <= 20);
ALTER TABLE users ADD COLUMN kyc_reasons text[] NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN kyc_note text NOT NULL DEFAULT '' CHECK (length(kyc_note) <= 500);
ALTER TABLE users ADD COLUMN registration_user_agent text NOT NULL DEFAULT '';

CREATE TABLE kyc_documents (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('identity', 'proof_of_address', 'proof_of_funds')),
    file_name    text NOT NULL CHECK (length(file_name) <= 120),
    format       text NOT NULL CHECK (format IN ('jpeg', 'png', 'pdf')),
    byte_count   integer NOT NULL,
    sha256       text NOT NULL,
    -- AES-GCM under the tenant's document key; never stored in the clear
    sealed       bytea NOT NULL,
    issued_on    date,
    declared_name text CHECK (length(declared_name) <= 200),
    declared_dob date,
    uploaded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kyc_documents_user ON kyc_documents (user_id, kind, uploaded_at DESC);
CREATE INDEX kyc_documents_fingerprint ON kyc_documents (sha256);

-- Every decision, automatic or by Compliance, with the facts that were visible at that moment.
CREATE TABLE kyc_decisions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    decided_at timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL,
    outcome    text NOT NULL CHECK (outcome IN ('approved', 'review', 'rejected', 'more_documents')),
    reasons    text[] NOT NULL DEFAULT '{}',
    note       text NOT NULL DEFAULT '',
    facts      jsonb NOT NULL
);
CREATE INDEX kyc_decisions_user ON kyc_decisions (user_id, id);
