-- What the app sends for one ledger transfer (Ledger.transfer through TenantDB.transaction), for
-- pgbench (ops/bench/ledger): the tenant settings, the ledger_transfer() call with every invariant
-- on (fixed-order row locks, insert-first idempotency, currency and overdraft checks), between two
-- random bench wallets of ids :lo … :hi.
\set a random(:lo, :hi)
\set b random(:lo, :hi - 1)
\set c (:a - :lo + :b - :lo + 1) % (:hi - :lo + 1) + :lo
BEGIN;
SELECT set_config('role', :role, true), set_config('search_path', :schema, true);
SELECT ledger_transfer(gen_random_uuid(), 'posted', :a, :c, 1, 'USD', NULL, 'bench', '', NULL::numeric);
COMMIT;
