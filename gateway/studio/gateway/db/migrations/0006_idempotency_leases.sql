-- An Idempotency-Key claim is a lease (issue 15, item 8): the request that holds it renews it
-- while it runs; a claim whose lease ran out belongs to a process that died and is taken over
-- within seconds, not after the ten minutes an unanswered claim used to block its key.
-- Written with IF NOT EXISTS so it can be renumbered at merge and still apply once.
ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS lease_until TIMESTAMPTZ NOT NULL DEFAULT now();
-- Which request holds the claim: only it renews, stores or releases it.
ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS holder UUID;
