BEGIN;
SELECT set_config('role', :role, true), set_config('search_path', :schema, true);
SELECT s.user_id FROM sessions s WHERE s.token_hash = :tokhash AND s.expires_at > now();
SELECT count(*) FROM audit_log;
COMMIT;
