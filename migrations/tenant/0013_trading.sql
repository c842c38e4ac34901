-- Trading accounts on the brand's platform connections, the wallet <-> account transfer saga,
-- leverage requests, synced deals, sync cursors and reconciliation runs.

CREATE TABLE trading_accounts (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid NOT NULL REFERENCES users (id),
    connection_id text NOT NULL,
    login         text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('live', 'demo')),
    account_type  text NOT NULL,
    platform_group text NOT NULL,
    currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    leverage      integer NOT NULL CHECK (leverage BETWEEN 1 AND 3000),
    -- what Atrium last set and read back; 'enabled', 'read_only' or 'disabled'
    access        text NOT NULL DEFAULT 'enabled' CHECK (access IN ('enabled', 'read_only', 'disabled')),
    -- the form's one-time key: a double-submitted "open account" creates one account
    idempotency_key text NOT NULL,
    -- last state read from the platform, for lists that must not wait on it
    last_balance  bigint,
    last_equity   bigint,
    last_margin   bigint,
    last_free_margin bigint,
    last_margin_level_bp bigint,
    state_at      timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (connection_id, login),
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX trading_accounts_user ON trading_accounts (user_id, created_at);

-- One row per transfer saga. The ledger's pending transfer id is `id`; the platform reference is
-- `reference`. States: pending (hold placed, platform not yet answered), unknown (ambiguous
-- failure, recovery job asks the platform), posted, voided.
CREATE TABLE trading_transfers (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id),
    account_id    uuid NOT NULL REFERENCES trading_accounts (id),
    direction     text NOT NULL CHECK (direction IN ('to_account', 'to_wallet')),
    currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount        bigint NOT NULL CHECK (amount > 0),
    state         text NOT NULL CHECK (state IN ('pending', 'unknown', 'posted', 'voided')),
    reference     text NOT NULL UNIQUE,
    platform_ticket text,
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text NOT NULL DEFAULT '',
    idempotency_key text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX trading_transfers_account ON trading_transfers (account_id, created_at DESC);
CREATE INDEX trading_transfers_open ON trading_transfers (state, updated_at) WHERE state IN ('pending', 'unknown');

CREATE TABLE leverage_requests (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id    uuid NOT NULL REFERENCES trading_accounts (id),
    user_id       uuid NOT NULL REFERENCES users (id),
    from_leverage integer NOT NULL,
    to_leverage   integer NOT NULL CHECK (to_leverage BETWEEN 1 AND 3000),
    status        text NOT NULL CHECK (status IN ('review', 'applied', 'rejected', 'failed')),
    decided_by    uuid REFERENCES users (id),
    note          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    decided_at    timestamptz
);
CREATE INDEX leverage_requests_queue ON leverage_requests (status, created_at);
CREATE UNIQUE INDEX leverage_requests_one_open ON leverage_requests (account_id) WHERE status = 'review';

-- Closed trades pulled by sync; the IB commission engine reads from here.
CREATE TABLE trading_deals (
    connection_id text NOT NULL,
    ticket        bigint NOT NULL,
    login         text NOT NULL,
    account_id    uuid REFERENCES trading_accounts (id),
    symbol        text NOT NULL,
    side          text NOT NULL CHECK (side IN ('buy', 'sell')),
    volume        bigint NOT NULL CHECK (volume > 0),   -- lots x 10,000
    open_price    numeric NOT NULL,
    close_price   numeric NOT NULL,
    currency      text NOT NULL,
    profit        bigint NOT NULL,
    commission    bigint NOT NULL,
    swap          bigint NOT NULL,
    open_time     timestamptz,
    close_time    timestamptz NOT NULL,
    synced_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connection_id, ticket)
);
CREATE INDEX trading_deals_account ON trading_deals (account_id, close_time DESC);
CREATE INDEX trading_deals_close ON trading_deals (close_time);

-- Opening deals seen by sync (MT5 reports a trade's two sides as two deals): the closing deal,
-- perhaps synced in a later pass, takes its open time and opening commission from here.
CREATE TABLE trading_open_deals (
    connection_id text NOT NULL,
    position_id   bigint NOT NULL,
    commission    bigint NOT NULL,
    open_time     timestamptz NOT NULL,
    PRIMARY KEY (connection_id, position_id)
);

CREATE TABLE trading_sync (
    connection_id   text PRIMARY KEY,
    cursor_time     timestamptz NOT NULL DEFAULT 'epoch',
    cursor_ticket   bigint NOT NULL DEFAULT 0,
    last_attempt_at timestamptz,
    last_success_at timestamptz,
    -- close time of the newest deal stored; lag = now - last_success_at
    newest_deal_at  timestamptz,
    deals_ingested  bigint NOT NULL DEFAULT 0,
    status          text NOT NULL DEFAULT 'never' CHECK (status IN ('never', 'ok', 'auth_failed', 'unavailable', 'rate_limited', 'error')),
    last_error      text NOT NULL DEFAULT ''
);

CREATE TABLE trading_reconciliations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    accounts      integer NOT NULL,
    matched       integer NOT NULL,
    differences   jsonb NOT NULL
);
