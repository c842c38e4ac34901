-- The client's country at registration as reported by a trusted edge proxy (CF-IPCountry or
-- X-Client-Country), compared at KYC submission for the "country changed" check.
ALTER TABLE users ADD COLUMN registration_country text CHECK (registration_country ~ '^[A-Z]{2}$');
