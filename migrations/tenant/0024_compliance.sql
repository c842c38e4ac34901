-- Compliance (issue 13): screening results, account freezes, AML alerts and cases, trading risk flags.
-- List entries live in `platform` (0006); rows here keep the version id and the entry's source
-- reference as plain values, never as foreign keys to platform tables.

-- One screening of one client against one list version that scored at or above the brand's threshold.
CREATE TABLE screening_hits (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    client_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version_id  uuid NOT NULL,
    source      text NOT NULL CHECK (source IN ('ofac', 'un')),
    entry_ref   text NOT NULL,
    entry_checksum text NOT NULL,
    entry_name  text NOT NULL,
    matched_name text NOT NULL,
    -- 0–1 similarity after the DOB and country evidence; not money, so a double is fine.
    score       double precision NOT NULL CHECK (score >= 0 AND score <= 1),
    -- Token pairs and their similarity, the alias that matched, the DOB and country effects.
    explanation jsonb NOT NULL,
    trigger     text NOT NULL CHECK (trigger IN ('registration', 'profile', 'kyc', 'rescreen', 'manual')),
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'false_positive', 'superseded')),
    decided_by  text,
    decided_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((status IN ('open', 'superseded')) = (decided_at IS NULL))
);
CREATE INDEX screening_hits_client ON screening_hits (client_id, created_at DESC);
CREATE INDEX screening_hits_open ON screening_hits (created_at) WHERE status = 'open';

-- A false positive is remembered for that client and entry until the entry changes (its checksum).
CREATE TABLE screening_dismissals (
    client_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source         text NOT NULL,
    entry_ref      text NOT NULL,
    entry_checksum text NOT NULL,
    decided_by     text NOT NULL,
    decided_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, source, entry_ref)
);

-- Account freezes: an active freeze (lifted_at IS NULL) blocks deposits, withdrawals and transfers.
CREATE TABLE account_freezes (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    client_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    origin     text NOT NULL CHECK (origin IN ('sanctions', 'aml', 'manual')),
    reference  uuid,
    reason     text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 1000),
    frozen_by  text NOT NULL,
    frozen_at  timestamptz NOT NULL DEFAULT now(),
    lifted_by  text,
    lifted_at  timestamptz,
    CHECK ((lifted_by IS NULL) = (lifted_at IS NULL))
);
CREATE UNIQUE INDEX account_freezes_active ON account_freezes (client_id) WHERE lifted_at IS NULL;

-- AML: where each rule source's cursor stands (the engine reads events after it).
CREATE TABLE aml_progress (
    stream   text PRIMARY KEY,
    position bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Cases group alerts about one client; staff decide them.
CREATE TABLE aml_cases (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    client_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'escalated', 'frozen')),
    assignee_id uuid REFERENCES users (id),
    opened_at   timestamptz NOT NULL DEFAULT now(),
    decided_by  text,
    decided_at  timestamptz,
    decision_note text
);
CREATE UNIQUE INDEX aml_cases_one_open ON aml_cases (client_id) WHERE status IN ('open', 'escalated');

-- One firing of one rule, with the facts that triggered it. The fingerprint makes a re-run idempotent.
CREATE TABLE aml_alerts (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    rule        text NOT NULL,
    client_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    case_id     uuid REFERENCES aml_cases (id),
    facts       jsonb NOT NULL,
    fingerprint text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX aml_alerts_case ON aml_alerts (case_id);
CREATE INDEX aml_alerts_client ON aml_alerts (client_id, created_at DESC);

-- Notes on a case: added, never edited (same rule as client notes, AP004).
CREATE TABLE aml_case_notes (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id    uuid NOT NULL REFERENCES aml_cases (id) ON DELETE CASCADE,
    author     text NOT NULL,
    body       text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 5000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER aml_case_notes_append_only BEFORE UPDATE OR DELETE ON aml_case_notes
    FOR EACH ROW EXECUTE FUNCTION client_notes_append_only();

-- Trading risk flags, shown on the client page and in the risk queue, and read by IB abuse checks.
CREATE TABLE risk_flags (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    client_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('latency_arbitrage', 'related_hedging', 'abnormal_size')),
    facts       jsonb NOT NULL,
    fingerprint text NOT NULL UNIQUE,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'reviewed')),
    reviewed_by text,
    reviewed_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX risk_flags_open ON risk_flags (created_at) WHERE status = 'open';
CREATE INDEX risk_flags_client ON risk_flags (client_id, created_at DESC);

-- `aml.review`: work AML alerts, cases and risk flags. Compliance and Super Admin hold it.
INSERT INTO role_permissions (role_id, permission)
SELECT id, 'aml.review' FROM roles WHERE builtin AND name IN ('Super Admin', 'Compliance')
ON CONFLICT DO NOTHING;
