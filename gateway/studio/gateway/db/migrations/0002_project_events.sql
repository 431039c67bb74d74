-- Productions from a briefing, per-production webhooks, and webhook deliveries that are not
-- about a job: project.completed / project.failed and webhook.test (issue 18, web section 7).
-- Written with IF [NOT] EXISTS so it can be renumbered at merge and still apply once.

-- The briefing a production was asked for; the director's screenplay is then kept in `screenplay`,
-- so a resumed production is produced from the same screenplay, never written again.
ALTER TABLE projects ADD COLUMN IF NOT EXISTS briefing JSONB;
-- The `webhook` of the latest generate-content request (signed with the key's webhook secret).
ALTER TABLE projects ADD COLUMN IF NOT EXISTS webhook_url TEXT;
ALTER TABLE projects ADD COLUMN IF NOT EXISTS webhook_events TEXT[];

-- A delivery belongs to a job (job.*), a project (project.*), or to neither (webhook.test).
ALTER TABLE webhook_deliveries ALTER COLUMN job_id DROP NOT NULL;
ALTER TABLE webhook_deliveries ADD COLUMN IF NOT EXISTS project_id UUID REFERENCES projects(id) ON DELETE CASCADE;
-- The delivery log of one registered webhook, newest first.
CREATE INDEX IF NOT EXISTS webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at DESC);
-- Finished deliveries are purged after a week.
CREATE INDEX IF NOT EXISTS webhook_deliveries_age ON webhook_deliveries (created_at) WHERE status <> 'pending';
