-- Media Studio gateway schema. Every row belongs to an API key (its tenant):
-- queries always filter by owner_id, so one key never sees another's data.

CREATE TABLE api_keys (
    id              UUID PRIMARY KEY,
    name            TEXT NOT NULL,
    -- The key's first characters, safe to show in listings.
    prefix          TEXT NOT NULL,
    -- SHA-256 (hex) of the whole key; the key itself is never stored.
    key_hash        TEXT NOT NULL UNIQUE,
    -- Signs webhooks given per request (registered webhooks have their own secret).
    webhook_secret  TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at      TIMESTAMPTZ
);

CREATE TABLE projects (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id    UUID NOT NULL REFERENCES api_keys(id),
    name        TEXT NOT NULL,
    type        TEXT NOT NULL DEFAULT 'mixed' CHECK (type IN ('audio', 'image', 'video', 'mixed')),
    status      TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'running', 'completed', 'failed')),
    -- The screenplay of the latest generate-content request.
    screenplay  JSONB,
    -- The production's planned steps (id, name, service, label, depends_on), for display.
    steps       JSONB NOT NULL DEFAULT '[]',
    -- The ComposeResult of the latest successful production.
    result      JSONB,
    error       TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX projects_owner ON projects (owner_id, created_at DESC);
CREATE INDEX projects_running ON projects (status) WHERE status = 'running';

CREATE TABLE generation_jobs (
    id              UUID PRIMARY KEY,
    owner_id        UUID NOT NULL REFERENCES api_keys(id),
    project_id      UUID REFERENCES projects(id) ON DELETE CASCADE,
    -- The pipeline step this job runs (stable per screenplay): the resume key of a project.
    step_id         TEXT,
    -- "<service>.<operation>", e.g. "audio.synthesize".
    type            TEXT NOT NULL,
    service         TEXT NOT NULL,
    rpc             TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'submitted', 'running', 'completed', 'failed', 'cancelled')),
    priority        INTEGER NOT NULL DEFAULT 1,
    -- The request as JSON, for display; `payload` is what workers receive.
    parameters      JSONB NOT NULL DEFAULT '{}',
    payload         BYTEA NOT NULL,
    result          JSONB,
    -- The result as a serialized google.protobuf.Any (exact, for the pipeline).
    result_any      BYTEA,
    error_code      TEXT,
    error_message   TEXT,
    progress        REAL NOT NULL DEFAULT 0,
    stage           TEXT NOT NULL DEFAULT '',
    -- Worker deliveries reported by the latest `started` event.
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- Times the row was handed to JetStream; part of the message id so a re-run is not deduplicated.
    dispatch_count  INTEGER NOT NULL DEFAULT 0,
    webhook_url     TEXT,
    webhook_events  TEXT[],
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    submitted_at    TIMESTAMPTZ,
    started_at      TIMESTAMPTZ,
    completed_at    TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (project_id, step_id)
);
CREATE INDEX generation_jobs_owner ON generation_jobs (owner_id, created_at DESC);
CREATE INDEX generation_jobs_queue ON generation_jobs (service, priority DESC, created_at) WHERE status = 'queued';
CREATE INDEX generation_jobs_active ON generation_jobs (service) WHERE status IN ('submitted', 'running');

CREATE TABLE media_assets (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id        UUID NOT NULL REFERENCES api_keys(id),
    project_id      UUID REFERENCES projects(id) ON DELETE CASCADE,
    job_id          UUID REFERENCES generation_jobs(id) ON DELETE CASCADE,
    -- audio, image, video, subtitles, voice_profile, data
    type            TEXT NOT NULL,
    -- Where it sits in the job's result ("audio", "images.0.image") or "upload".
    role            TEXT NOT NULL DEFAULT 'upload',
    bucket          TEXT NOT NULL,
    key             TEXT NOT NULL,
    url             TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    sha256          TEXT NOT NULL,
    metadata        JSONB NOT NULL DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (job_id, role)
);
CREATE INDEX media_assets_owner ON media_assets (owner_id, created_at DESC);
CREATE INDEX media_assets_project ON media_assets (project_id);

CREATE TABLE voices (
    id              UUID PRIMARY KEY,
    owner_id        UUID NOT NULL REFERENCES api_keys(id),
    name            TEXT NOT NULL,
    language        TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'processing' CHECK (status IN ('processing', 'ready', 'failed')),
    sample_asset_id UUID REFERENCES media_assets(id) ON DELETE SET NULL,
    job_id          UUID REFERENCES generation_jobs(id) ON DELETE SET NULL,
    -- The RegisterVoiceResult profile ArtifactRef (as JSON) once ready.
    profile         JSONB,
    details         JSONB NOT NULL DEFAULT '{}',
    error           TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX voices_owner ON voices (owner_id, created_at DESC);
CREATE INDEX voices_job ON voices (job_id);

CREATE TABLE webhooks (
    id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id    UUID NOT NULL REFERENCES api_keys(id),
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    events      TEXT[] NOT NULL,
    -- Only jobs of these types ("audio.synthesize"); empty = all.
    job_types   TEXT[] NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_owner ON webhooks (owner_id);

CREATE TABLE webhook_deliveries (
    id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id        UUID NOT NULL REFERENCES api_keys(id),
    job_id          UUID NOT NULL REFERENCES generation_jobs(id) ON DELETE CASCADE,
    webhook_id      UUID REFERENCES webhooks(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    event           TEXT NOT NULL,
    payload         JSONB NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at    TIMESTAMPTZ,
    -- A redelivered job event must not send the same webhook twice.
    UNIQUE (job_id, url, event)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE idempotency_keys (
    owner_id        UUID NOT NULL REFERENCES api_keys(id),
    key             TEXT NOT NULL,
    method          TEXT NOT NULL,
    path            TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    -- NULL while the first request is still being handled.
    status_code     INTEGER,
    headers         JSONB,
    body            BYTEA,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
