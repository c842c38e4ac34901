-- Deposits and withdrawals, their history, Finance approvals, and the PSP callback inbox.
CREATE TABLE payments (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind               text NOT NULL CHECK (kind IN ('deposit', 'withdrawal')),
    user_id            uuid NOT NULL REFERENCES users (id),
    psp_id             text NOT NULL,
    psp_type           text NOT NULL,
    currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount             bigint NOT NULL CHECK (amount > 0),
    -- what the PSP actually settled (crypto under/over-payment); NULL until it settles
    settled_amount     bigint CHECK (settled_amount > 0),
    status             text NOT NULL CHECK (status IN ('created', 'pending', 'succeeded', 'failed', 'refunded', 'charged_back',
                                                       'review', 'approved', 'processing', 'paid', 'rejected')),
    -- shown to the client and sent to the PSP (bank wire reference, client_reference_id, order_id)
    reference          text NOT NULL UNIQUE,
    provider_ref       text,
    -- the form's one-time key: a double-submitted form creates one payment
    idempotency_key    text NOT NULL,
    hold_id            uuid,
    review_reasons     text[] NOT NULL DEFAULT '{}',
    required_approvals integer NOT NULL DEFAULT 1,
    failure_reason     text NOT NULL DEFAULT '',
    -- brand origin the client used; payout callbacks are addressed to it
    origin             text NOT NULL DEFAULT '',
    ip                 text NOT NULL DEFAULT '',
    user_agent         text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX payments_user ON payments (user_id, created_at DESC);
CREATE INDEX payments_queue ON payments (kind, status, created_at);

CREATE TABLE payment_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id  uuid NOT NULL REFERENCES payments (id),
    at          timestamptz NOT NULL DEFAULT now(),
    from_status text NOT NULL,
    to_status   text NOT NULL,
    actor       text NOT NULL,
    detail      text NOT NULL DEFAULT ''
);
CREATE INDEX payment_events_payment ON payment_events (payment_id, id);

-- Maker-checker: one row per staff member who approved (withdrawals) or confirmed (bank wires).
CREATE TABLE payment_approvals (
    payment_id uuid NOT NULL REFERENCES payments (id),
    staff_id   uuid NOT NULL REFERENCES users (id),
    at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (payment_id, staff_id)
);

-- Every callback as received, with the verification result. Verified events are processed
-- from here (inline, and again by a job after a crash); a duplicate event id is recorded and skipped.
CREATE TABLE psp_inbox (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    psp_id         text NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    headers        jsonb NOT NULL,
    raw_body       bytea NOT NULL,
    verified       boolean NOT NULL,
    verify_error   text NOT NULL DEFAULT '',
    event_id       text,
    event_kind     text,
    reference      text,
    amount         bigint,
    currency       text,
    detail         text NOT NULL DEFAULT '',
    duplicate_of   bigint REFERENCES psp_inbox (id),
    processed_at   timestamptz,
    process_result text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX psp_inbox_event_once ON psp_inbox (psp_id, event_id) WHERE verified AND duplicate_of IS NULL;
CREATE INDEX psp_inbox_unprocessed ON psp_inbox (id) WHERE verified AND processed_at IS NULL;

-- Calls to PSPs (create payment, payout) for the success rate shown in the Back Office.
CREATE TABLE psp_attempts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    psp_id     text NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    operation  text NOT NULL,
    ok         boolean NOT NULL,
    latency_ms integer NOT NULL,
    error      text NOT NULL DEFAULT ''
);
CREATE INDEX psp_attempts_recent ON psp_attempts (psp_id, at DESC);
