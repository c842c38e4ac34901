-- Back Office client list (issue 12): indexes for the keyset-paginated search at 100,000 clients.
-- The list is ordered by (created_at DESC, id DESC) and pages with a row comparison on that pair;
-- a backward scan of this index serves both the order and the cursor, with or without filters.
CREATE INDEX users_trader_created ON users (created_at, id) WHERE audience = 'trader';
-- The KYC status and country filters keep the same order inside their value.
CREATE INDEX users_trader_kyc_created ON users (kyc_status, created_at, id) WHERE audience = 'trader';
CREATE INDEX users_trader_country_created ON users (country, created_at, id) WHERE audience = 'trader';
-- "Funded" is "a succeeded deposit exists": a small partial index answers it per client.
CREATE INDEX payments_succeeded_deposits ON payments (user_id) WHERE kind = 'deposit' AND status = 'succeeded';
-- Search by platform login.
CREATE INDEX trading_accounts_login ON trading_accounts (login);
-- The client's timeline: audit rows about the client, and those the client did.
CREATE INDEX audit_log_subject ON audit_log (subject, seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
