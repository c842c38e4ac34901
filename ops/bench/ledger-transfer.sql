-- The minimal SQL equivalent of one ledger transfer, for pgbench (ops/bench/ledger): the tenant
-- settings, debit one account, credit another, record the transfer. No idempotency check, no
-- locks in a fixed order, no overdraft or currency checks: what Atrium's ledger_transfer() adds.
\set a random(1, :n)
\set b random(1, :n - 1)
\set c (:a + :b - 1) % :n + 1
BEGIN;
SELECT set_config('role', :role, true), set_config('search_path', :schema, true);
UPDATE bench_min_accounts SET debits = debits + 1 WHERE id = :a;
UPDATE bench_min_accounts SET credits = credits + 1 WHERE id = :c;
INSERT INTO bench_min_transfers (id, debit, credit, amount) VALUES (gen_random_uuid(), :a, :c, 1);
COMMIT;
