-- Email outbox: written in the same transaction as the change that causes the mail; a job
-- (platform.jobs, kind mail.send) tells a worker to deliver it.
CREATE TABLE outbox (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    to_address text NOT NULL,
    subject    text NOT NULL,
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz,
    attempts   integer NOT NULL DEFAULT 0,
    last_error text
);
CREATE INDEX outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL;
