-- The SQL of GET /bench/page, statement for statement (Sources/AtriumHTTP/BenchRoutes.swift):
-- the tenant settings, the session lookup of Sessions.user, and one small query.
BEGIN;
SELECT set_config('role', :role, true), set_config('search_path', :schema, true);
SELECT u.id, u.email, u.name FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = :tokhash AND s.audience = 'trader' AND s.expires_at > now() AND u.status = 'active';
SELECT count(*) FROM audit_log;
COMMIT;
