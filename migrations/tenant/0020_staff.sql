-- Staff and roles (issue 12): when each account last signed in, for the Back Office staff list.
-- Set with every new session (password, second factor or invitation); NULL means never.
ALTER TABLE users ADD COLUMN last_sign_in_at timestamptz;

-- The read-only trigger of 0017 refused every change to a custom role too: its second condition
-- reads OLD.role_id, which a `roles` row does not have, so PL/pgSQL failed (42703) on any UPDATE or
-- DELETE of roles; and it returned OLD for UPDATE, which would have kept the old row. Each table
-- now has its own branch, and an allowed UPDATE writes NEW.
CREATE OR REPLACE FUNCTION builtin_roles_read_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The seed (RBAC.seedBuiltinRoles) may add a permission a new release introduces; nothing removes or renames.
    IF TG_TABLE_NAME = 'roles' THEN
        IF OLD.builtin THEN
            RAISE EXCEPTION 'built-in role % is read-only', OLD.name USING ERRCODE = 'AP005';
        END IF;
    ELSIF EXISTS (SELECT 1 FROM roles WHERE id = OLD.role_id AND builtin) THEN
        RAISE EXCEPTION 'built-in roles are read-only' USING ERRCODE = 'AP005';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
