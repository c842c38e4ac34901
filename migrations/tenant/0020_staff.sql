-- Staff and roles (issue 12): when each account last signed in, for the Back Office staff list.
-- Set with every new session (password, second factor or invitation); NULL means never.
ALTER TABLE users ADD COLUMN last_sign_in_at timestamptz;
