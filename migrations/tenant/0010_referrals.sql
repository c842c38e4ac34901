-- IB attribution: the referral code a client arrived with (/r/<code> or ?ref=<code>), kept from
-- registration on; the IB engine resolves codes to partners.
ALTER TABLE users ADD COLUMN referral_code text CHECK (referral_code ~ '^[A-Za-z0-9_-]{1,32}$');
CREATE INDEX users_referral_code ON users (referral_code) WHERE referral_code IS NOT NULL;
