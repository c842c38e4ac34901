-- Registration fields some jurisdictions require (kyc.jurisdictions.<country>.registration_fields),
-- and the language a client chose.
ALTER TABLE users ADD COLUMN phone text NOT NULL DEFAULT '' CHECK (phone = '' OR phone ~ '^\+[0-9]{6,15}$');
ALTER TABLE users ADD COLUMN tax_id text NOT NULL DEFAULT '' CHECK (length(tax_id) <= 32);
ALTER TABLE users ADD COLUMN preferred_locale text CHECK (preferred_locale ~ '^[a-z]{2}$');
