-- AML rule third_party_payer (issue 13): the payer name a PSP reports for a deposit (card holder,
-- wire ordering customer). Empty when the PSP did not report one; the sandbox PSP reports it.
ALTER TABLE payments ADD COLUMN payer_name text NOT NULL DEFAULT '' CHECK (length(payer_name) <= 200);
-- The same name as received with the verified callback (events are re-read from the inbox).
ALTER TABLE psp_inbox ADD COLUMN payer_name text NOT NULL DEFAULT '' CHECK (length(payer_name) <= 200);
