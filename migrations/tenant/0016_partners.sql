-- Introducing brokers (IBs): applications, partners, referral links, effective-dated client
-- attribution and hierarchy, versioned commission plans, commission lines and settlements.
-- History is never rewritten: attribution, hierarchy and plan assignment are effective-dated rows,
-- published plan versions and commission lines are immutable (a correction is a new line).

-- The broker's cost of IB commissions: settlement debits it and credits the IB's wallet.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check CHECK (kind IN ('wallet', 'psp_clearing', 'withdrawals_pending', 'fees',
    'platform_clearing', 'ib_payable', 'fx', 'adjustments', 'commission_expense'));

CREATE TABLE partners (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- the IB's sign-in (users.audience = 'ib')
    user_id         uuid NOT NULL UNIQUE REFERENCES users (id),
    -- the same person's trader account, when they have one: its accounts are the IB's own
    trader_id       uuid REFERENCES users (id),
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    -- commissions are paid in this currency, to the IB's wallet (`Ledger.wallet(user: user_id …)`)
    wallet_currency text NOT NULL CHECK (wallet_currency ~ '^[A-Z]{3}$'),
    created_by      uuid REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partners_trader ON partners (trader_id) WHERE trader_id IS NOT NULL;

CREATE TABLE partner_applications (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- the signed-in trader who applied; NULL for a visitor of /partners
    trader_id     uuid REFERENCES users (id),
    email         text NOT NULL CHECK (length(email) <= 254),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    country       text NOT NULL DEFAULT '' CHECK (country = '' OR country ~ '^[A-Z]{2}$'),
    website       text NOT NULL DEFAULT '' CHECK (length(website) <= 300),
    message       text NOT NULL DEFAULT '' CHECK (length(message) <= 2000),
    -- a visitor chooses the portal password when applying (argon2id); a trader's is copied on approval
    password_hash text,
    -- referral code of the parent IB when the applicant came through a sub-IB link
    parent_code   text,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    reason        text NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
    partner_id    uuid REFERENCES partners (id),
    decided_by    uuid REFERENCES users (id),
    decided_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'rejected') <= (reason <> '')),
    CHECK ((status = 'approved') = (partner_id IS NOT NULL))
);
CREATE UNIQUE INDEX partner_applications_one_pending ON partner_applications (lower(email)) WHERE status = 'pending';
CREATE INDEX partner_applications_queue ON partner_applications (status, created_at);

-- Referral links. Every partner has one default link (`is_default`, campaign 'default', target
-- 'register'); the code of any link attributes a registration. A 'sub_ib' link recruits sub-IBs.
CREATE TABLE partner_links (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    partner_id  uuid NOT NULL REFERENCES partners (id),
    code        text NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{1,32}$'),
    campaign    text NOT NULL CHECK (length(campaign) BETWEEN 1 AND 100),
    target      text NOT NULL CHECK (target IN ('landing', 'register', 'sub_ib')),
    is_default  boolean NOT NULL DEFAULT false,
    clicks      bigint NOT NULL DEFAULT 0 CHECK (clicks >= 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX partner_links_code ON partner_links (lower(code));
CREATE UNIQUE INDEX partner_links_one_default ON partner_links (partner_id) WHERE is_default;

-- Which IB a client belongs to, effective-dated: the owner at time t is the row with the latest
-- effective_from <= t. The first row comes from registration (first valid code wins); later rows
-- are staff reassignments. Commission lines already written are never moved.
CREATE TABLE client_attributions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id      uuid NOT NULL REFERENCES users (id),
    partner_id     uuid NOT NULL REFERENCES partners (id),
    link_id        uuid REFERENCES partner_links (id),
    effective_from timestamptz NOT NULL,
    reason         text NOT NULL CHECK (reason IN ('registration', 'reassigned', 'created_by_staff')),
    note           text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    created_by     uuid REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (client_id, effective_from)
);
CREATE INDEX client_attributions_partner ON client_attributions (partner_id, effective_from);

-- Hierarchy, effective-dated like attribution. parent_id NULL = a top-level IB from then on.
CREATE TABLE partner_parents (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id     uuid NOT NULL REFERENCES partners (id),
    parent_id      uuid REFERENCES partners (id),
    effective_from timestamptz NOT NULL,
    note           text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    created_by     uuid REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (partner_id, effective_from),
    CHECK (parent_id IS DISTINCT FROM partner_id)
);
CREATE INDEX partner_parents_parent ON partner_parents (parent_id, effective_from);

-- Cycles are refused here, not only in Swift: a new edge partner -> parent is refused when the
-- partner is already an ancestor of the parent through any edge ever recorded (past or future
-- effective). That is stricter than "no cycle at any instant" and so can never let one through.
-- A transaction-scoped advisory lock per tenant schema serialises concurrent moves, which could
-- otherwise each pass the check. (A LOCK TABLE here would upgrade the ROW EXCLUSIVE lock the INSERT
-- already holds, and two concurrent inserts would deadlock.) Each statement of the function takes a
-- fresh snapshot (READ COMMITTED), so a waiter sees the edge the holder committed.
CREATE FUNCTION partner_parents_no_cycle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.parent_id IS NULL THEN RETURN NEW; END IF;
    PERFORM pg_advisory_xact_lock(hashtext('partner_parents:' || TG_TABLE_SCHEMA));
    IF EXISTS (
        WITH RECURSIVE up(id) AS (
            SELECT NEW.parent_id
            UNION
            SELECT pp.parent_id FROM partner_parents pp JOIN up ON pp.partner_id = up.id WHERE pp.parent_id IS NOT NULL
        ) SELECT 1 FROM up WHERE id = NEW.partner_id
    ) THEN
        RAISE EXCEPTION 'moving this IB under % would create a cycle', NEW.parent_id USING ERRCODE = 'AP001';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER partner_parents_no_cycle BEFORE INSERT OR UPDATE ON partner_parents
    FOR EACH ROW EXECUTE FUNCTION partner_parents_no_cycle();

-- The chain above a partner at time p_at: level 1 is p_partner itself, level 2 its parent then, …
-- up to p_max levels.
CREATE FUNCTION partner_chain(p_partner uuid, p_at timestamptz, p_max integer)
RETURNS TABLE (level integer, partner_id uuid) LANGUAGE sql STABLE AS $$
    WITH RECURSIVE chain(level, partner_id) AS (
        SELECT 1, p_partner
        UNION ALL
        SELECT c.level + 1, (SELECT pp.parent_id FROM partner_parents pp
                             WHERE pp.partner_id = c.partner_id AND pp.effective_from <= p_at
                             ORDER BY pp.effective_from DESC LIMIT 1)
        FROM chain c WHERE c.level < p_max AND c.partner_id IS NOT NULL
    )
    SELECT level, partner_id FROM chain WHERE partner_id IS NOT NULL
$$;

-- Commission plans. A version's body is a CommissionPlan (Sources/AtriumPartners/CommissionPlan.swift)
-- as canonical JSON. Drafts may change; a published version never does.
CREATE TABLE commission_plans (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_by  uuid REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX commission_plans_name ON commission_plans (lower(name));

CREATE TABLE commission_plan_versions (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    plan_id        uuid NOT NULL REFERENCES commission_plans (id),
    version        integer NOT NULL CHECK (version >= 1),
    body           jsonb NOT NULL,
    effective_from timestamptz NOT NULL,
    status         text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    created_by     uuid REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    published_by   uuid REFERENCES users (id),
    published_at   timestamptz,
    UNIQUE (plan_id, version),
    CHECK ((status = 'published') = (published_at IS NOT NULL))
);
CREATE UNIQUE INDEX commission_plan_versions_effective ON commission_plan_versions (plan_id, effective_from) WHERE status = 'published';

CREATE FUNCTION commission_plan_versions_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'published' THEN
        RAISE EXCEPTION 'a published plan version is immutable; publish a new version' USING ERRCODE = 'AP002';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER commission_plan_versions_frozen BEFORE UPDATE OR DELETE ON commission_plan_versions
    FOR EACH ROW EXECUTE FUNCTION commission_plan_versions_frozen();

-- Which plan an IB's clients are paid under, effective-dated. The plan of the client's own (level 1)
-- IB at the deal's time decides every level's amount; its version is the published one with the
-- latest effective_from <= the deal's time.
CREATE TABLE partner_plans (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id     uuid NOT NULL REFERENCES partners (id),
    plan_id        uuid NOT NULL REFERENCES commission_plans (id),
    effective_from timestamptz NOT NULL,
    created_by     uuid REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (partner_id, effective_from)
);

-- Exchange rates recorded for commission conversion (deal or plan currency -> IB wallet currency):
-- the rate used is the latest with as_of <= the deal's time, and it is copied onto the line.
CREATE TABLE fx_rates (
    base        text NOT NULL CHECK (base ~ '^[A-Z]{3}$'),
    quote       text NOT NULL CHECK (quote ~ '^[A-Z]{3}$'),
    as_of       timestamptz NOT NULL,
    rate        numeric(30, 12) NOT NULL CHECK (rate > 0),
    source      text NOT NULL DEFAULT 'manual' CHECK (length(source) <= 100),
    created_by  uuid REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (base, quote, as_of),
    CHECK (base <> quote)
);

-- One line per (deal revision, IB, level, component, kind). Amounts are signed minor units of the
-- IB's wallet currency; an excluded line has amount 0 and says why. Lines are never updated except
-- for their status and settlement, and never deleted.
CREATE TABLE commission_lines (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    connection_id    text NOT NULL,
    deal             bigint NOT NULL,
    deal_revision    integer NOT NULL,
    deal_time        timestamptz NOT NULL,
    client_id        uuid NOT NULL REFERENCES users (id),
    account_id       uuid REFERENCES trading_accounts (id),
    partner_id       uuid NOT NULL REFERENCES partners (id),
    level            integer NOT NULL CHECK (level >= 1),
    component        text NOT NULL CHECK (component IN ('rebate', 'revshare_commission', 'revshare_markup', 'cpa')),
    kind             text NOT NULL CHECK (kind IN ('accrual', 'reversal', 'adjustment')),
    plan_version_id  uuid NOT NULL REFERENCES commission_plan_versions (id),
    symbol           text NOT NULL,
    symbol_group     text NOT NULL,
    -- the volume the line pays on, 1/100,000,000 lot (0 for CPA and revenue share)
    lots_ext         bigint NOT NULL DEFAULT 0,
    -- the rate as the plan states it, e.g. '5.00 USD/lot', '20.00%', '250.00 USD CPA'
    rate             text NOT NULL,
    -- the figure the rate applies to (revenue share: the deal's commission; CPA: the CPA amount)
    base_amount      bigint NOT NULL DEFAULT 0,
    base_currency    text NOT NULL,
    -- base_currency -> currency at the deal's time (1 when they are the same)
    fx_rate          numeric(30, 12) NOT NULL DEFAULT 1,
    amount           bigint NOT NULL,
    currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- why the line pays nothing: 'hold_time', 'own_account', 'cap', 'no_fx_rate', 'not_paid_on_entry'
    excluded         text,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'excluded', 'settled')),
    settlement_id    uuid,
    -- a reversal or adjustment points at the line it corrects
    corrects         bigint REFERENCES commission_lines (id),
    -- recalculation run that wrote an adjustment
    run_id           uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((excluded IS NULL) OR amount = 0),
    CHECK ((kind = 'accrual') = (corrects IS NULL))
);
CREATE UNIQUE INDEX commission_lines_once ON commission_lines (connection_id, deal, deal_revision, partner_id, level, component, kind)
    WHERE kind <> 'adjustment';
-- CPA is paid at most once per client and level, ever, across plan changes.
CREATE UNIQUE INDEX commission_lines_cpa_once ON commission_lines (client_id, level) WHERE component = 'cpa' AND kind = 'accrual';
CREATE INDEX commission_lines_partner ON commission_lines (partner_id, deal_time);
CREATE INDEX commission_lines_deal ON commission_lines (connection_id, deal);
CREATE INDEX commission_lines_open ON commission_lines (partner_id, currency) WHERE status = 'pending';

CREATE FUNCTION commission_lines_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (to_jsonb(NEW) - 'status' - 'settlement_id') <> (to_jsonb(OLD) - 'status' - 'settlement_id') THEN
        RAISE EXCEPTION 'commission lines are immutable; write a reversal or an adjustment' USING ERRCODE = 'AP003';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER commission_lines_frozen BEFORE UPDATE OR DELETE ON commission_lines
    FOR EACH ROW EXECUTE FUNCTION commission_lines_frozen();

-- How far the commission job has consumed platform_deals.seq.
CREATE TABLE commission_progress (
    id        integer PRIMARY KEY CHECK (id = 1),
    last_seq  bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO commission_progress (id) VALUES (1);

-- One settlement per (IB, period, currency): the idempotency key of its ledger transfer.
CREATE TABLE commission_settlements (
    id            uuid PRIMARY KEY,
    partner_id    uuid NOT NULL REFERENCES partners (id),
    period_start  date NOT NULL,
    period_end    date NOT NULL CHECK (period_end >= period_start),
    currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount        bigint NOT NULL,
    lines         integer NOT NULL CHECK (lines >= 0),
    status        text NOT NULL CHECK (status IN ('awaiting_approval', 'approved', 'posted', 'rejected')),
    approved_by   uuid REFERENCES users (id),
    approved_at   timestamptz,
    note          text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    ledger_transfer_id uuid UNIQUE,
    posted_at     timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (partner_id, period_start, currency)
);
CREATE INDEX commission_settlements_queue ON commission_settlements (status, created_at);
ALTER TABLE commission_lines ADD CONSTRAINT commission_lines_settlement FOREIGN KEY (settlement_id) REFERENCES commission_settlements (id);
