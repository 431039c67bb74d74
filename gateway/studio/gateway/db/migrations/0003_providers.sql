-- Hosted providers in the gateway (issue 17): tenants' own provider keys (encrypted at rest),
-- what each job cost, and monthly budgets. Written with IF [NOT] EXISTS so it can be renumbered
-- at merge and still apply once.

-- A tenant's (an API key's) own key for a provider, used for its jobs instead of the deployment's.
CREATE TABLE IF NOT EXISTS provider_keys (
    owner_id    UUID NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    -- "fal", "replicate", "elevenlabs", "kling", "runway", "luma", "minimax" (studio.core.providers.catalog)
    provider    TEXT NOT NULL,
    -- AES-256-GCM of the key (Kling: "ACCESS_KEY:SECRET_KEY"), nonce prepended; AAD = owner_id || provider.
    ciphertext  BYTEA NOT NULL,
    -- Last four characters, for listings; never more.
    hint        TEXT NOT NULL,
    -- Which STUDIO_PROVIDER_KEYS_SECRET encrypted it (an id derived from that secret, so reordering is safe).
    key_version SMALLINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, provider)
);

-- What a finished job cost: the provider's reported usage, or the estimate, or GPU time.
ALTER TABLE generation_jobs ADD COLUMN IF NOT EXISTS cost_usd NUMERIC(12, 6);
-- The job's studio.v1.Cost as protojson (basis and priced items).
ALTER TABLE generation_jobs ADD COLUMN IF NOT EXISTS cost JSONB;
-- The estimate at submission: what an unfinished job reserves of its owner's budget.
ALTER TABLE generation_jobs ADD COLUMN IF NOT EXISTS estimated_usd NUMERIC(12, 6);
CREATE INDEX IF NOT EXISTS generation_jobs_month_cost ON generation_jobs (owner_id, completed_at)
    WHERE cost_usd IS NOT NULL;

-- A tenant's monthly budget (calendar months, UTC); without a row STUDIO_DEFAULT_MONTHLY_BUDGET_USD applies.
CREATE TABLE IF NOT EXISTS budgets (
    owner_id    UUID PRIMARY KEY REFERENCES api_keys(id) ON DELETE CASCADE,
    monthly_usd NUMERIC(12, 2) NOT NULL CHECK (monthly_usd >= 0),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
