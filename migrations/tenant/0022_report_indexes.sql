-- Indexes for the Back Office dashboard (Sources/AtriumReports): each chart reads one time range,
-- so each gets an index on the time it groups by, covering the columns it sums where that keeps the
-- read to the index (ops/bench/reports measures them at 1,000,000 ledger entries).

-- Funding: the deposits and the posted withdrawals of a range, without touching the heap.
CREATE INDEX ledger_transfers_funding ON ledger_transfers (created_at)
    INCLUDE (code, kind, currency, amount, debit_account_id, credit_account_id)
    WHERE (code = 'deposit' AND kind = 'posted') OR (code = 'withdrawal' AND kind = 'post_pending');

-- Funnel: the registration cohort of a range is read through users_trader_created (0018), whose
-- leading created_at serves the range as well as the client list's keyset order.

-- KYC: final decisions of a range.
CREATE INDEX kyc_decisions_final ON kyc_decisions (decided_at) WHERE outcome IN ('approved', 'rejected');

-- Active traders: deals of a range with the account they belong to.
CREATE INDEX platform_deals_time ON platform_deals (time_msc) INCLUDE (account_id, status);

-- IB payouts and top IBs.
CREATE INDEX commission_settlements_posted ON commission_settlements (posted_at) WHERE status = 'posted';
CREATE INDEX commission_lines_time ON commission_lines (deal_time) INCLUDE (partner_id, currency, amount);
