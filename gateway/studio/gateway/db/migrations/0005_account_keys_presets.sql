-- Accounts of several API keys, and user presets kept on the server (web studio, sections 8 and 9).
-- Written with IF [NOT] EXISTS so it can be renumbered at merge and still apply once.

-- The tenant is the account, identified by its first key's id: every resource's `owner_id` (a
-- reference to api_keys(id)) keeps naming that first key, and a key made by another key joins
-- its account. Keys are revoked (revoked_at), never deleted, so those references stay valid.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS tenant_id UUID REFERENCES api_keys(id);
UPDATE api_keys SET tenant_id = id WHERE tenant_id IS NULL;
ALTER TABLE api_keys ALTER COLUMN tenant_id SET NOT NULL;
-- When the key was last seen by a gateway (to within a minute; the credential cache hides the rest).
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS last_used_at TIMESTAMPTZ;
CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant_id, created_at DESC);

-- A preset: a form's fields saved under a name, per account.
CREATE TABLE IF NOT EXISTS presets (
    id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id     UUID NOT NULL REFERENCES api_keys(id),
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('project', 'image', 'speech', 'music', 'animate', 'avatar')),
    tags         TEXT[] NOT NULL DEFAULT '{}',
    -- The form's fields as the web studio (or any client) saved them; at most 64 kB of JSON.
    form_values  JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS presets_owner ON presets (owner_id, created_at DESC);
