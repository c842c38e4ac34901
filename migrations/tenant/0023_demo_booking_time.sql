-- The demo's 90 days of history go through ledger_transfer() like real money, booked at the time
-- they happened: a transaction that sets `atrium.demo_booked_at` (set_config(..., true), local to
-- the transaction) books its transfers at that time; unset or empty, a transfer is booked now().
-- Only the demo seeding sets it. It grants nothing new: the tenant role can already insert a
-- transfer row with any created_at; this lets the demo keep the balances and ledger_verify() right.
ALTER TABLE ledger_transfers ALTER COLUMN created_at
    SET DEFAULT coalesce(nullif(current_setting('atrium.demo_booked_at', true), '')::timestamptz, now());
