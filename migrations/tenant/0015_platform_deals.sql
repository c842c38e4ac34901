-- Every platform deal, as the platform reports it (MT5 deal semantics; Match-Trader closed
-- positions are stored as their IN and OUT deals). The IB commission engine consumes this table in
-- `seq` order; `trading_deals` (closed trades) stays as the Trader's Room view.
CREATE SEQUENCE platform_deals_seq;
CREATE TABLE platform_deals (
    connection_id  text NOT NULL,
    -- the platform's deal ticket (MT5 `Deal`); unique per connection
    deal           bigint NOT NULL,
    login          text NOT NULL,
    account_id     uuid REFERENCES trading_accounts (id),
    position_id    bigint NOT NULL,
    entry          text NOT NULL CHECK (entry IN ('in', 'out', 'inout', 'out_by')),
    side           text NOT NULL CHECK (side IN ('buy', 'sell')),
    symbol         text NOT NULL,
    -- exact volume in 1/100,000,000 lot (MT5 `VolumeExt`; `Volume` × 10,000 where only that exists)
    volume_ext     bigint NOT NULL CHECK (volume_ext > 0),
    -- volume this deal closed, same unit: out / out_by = volume_ext; inout = the part that closed
    -- the old position (the rest opens the reversed one); in = 0
    closed_volume_ext bigint NOT NULL DEFAULT 0 CHECK (closed_volume_ext >= 0 AND closed_volume_ext <= volume_ext),
    price          text NOT NULL DEFAULT '',
    -- minor units of `currency` (the trading account's currency; 'unknown' on an unmapped login)
    profit         bigint NOT NULL DEFAULT 0,
    commission     bigint NOT NULL DEFAULT 0,
    currency       text NOT NULL,
    -- the platform's deal time, milliseconds since the Unix epoch, UTC
    time_msc       bigint NOT NULL,
    -- 'booked'; 'corrected' after the platform changed it; 'cancelled' when it was removed
    status         text NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'corrected', 'cancelled')),
    revision       integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
    -- consumption order: takes a new value at every insert and every correction, so the
    -- commission job (which reads `seq > cursor`) sees a changed deal again
    seq            bigint NOT NULL DEFAULT nextval('platform_deals_seq'),
    synced_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connection_id, deal)
);
ALTER SEQUENCE platform_deals_seq OWNED BY platform_deals.seq;
CREATE UNIQUE INDEX platform_deals_seq_idx ON platform_deals (seq);
CREATE INDEX platform_deals_account ON platform_deals (account_id, time_msc);
CREATE INDEX platform_deals_position ON platform_deals (connection_id, position_id, time_msc);

-- Backfill: the next sync pass reads every connection from the start again. Closed trades are
-- stored with ON CONFLICT DO NOTHING, so only the new deal-level rows are added.
UPDATE trading_sync SET cursor_time = 'epoch', cursor_ticket = 0;
