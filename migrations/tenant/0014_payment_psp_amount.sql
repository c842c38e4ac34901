-- What the PSP reported it collected for a deposit, kept next to the requested amount, so that a
-- card payment answered with another amount or currency can wait for Finance uncredited
-- (review reason 'amount_mismatch') and every screen can show both figures. No CHECKs: these are
-- the PSP's figures as received, and a surprising one must still be recorded, not refused.
ALTER TABLE payments ADD COLUMN psp_amount bigint;
ALTER TABLE payments ADD COLUMN psp_currency text;
