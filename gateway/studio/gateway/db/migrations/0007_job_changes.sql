-- Live job updates for the web studio (issue 16, GATEWAY_NEEDS sections 1 and 2).
-- Written with IF [NOT] EXISTS / OR REPLACE so it can be renumbered at merge and still apply once.

-- A retried job points at the job it repeats.
ALTER TABLE generation_jobs ADD COLUMN IF NOT EXISTS retry_of UUID REFERENCES generation_jobs(id) ON DELETE SET NULL;

-- The change log behind GET /api/v1/events: one row per job creation, status, progress or stage change,
-- whoever made it (events consumer, dispatcher, cancel, retry, production runner, any replica).
-- `xid` is the writing transaction: a reader takes only rows of transactions older than every one still
-- running (pg_snapshot_xmin), so ordering by xid never lets a late commit slip behind its cursor, and the
-- xid is the event's monotonic id. Rows are kept for an hour (a reconnect within it is replayed).
CREATE TABLE IF NOT EXISTS job_changes (
    seq      BIGSERIAL PRIMARY KEY,
    -- pg_current_xact_id() as a number (xid8 gains min/max only in PostgreSQL 16).
    xid      BIGINT NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
    owner_id UUID NOT NULL,
    job_id   UUID NOT NULL,
    at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS job_changes_owner ON job_changes (owner_id, xid);
CREATE INDEX IF NOT EXISTS job_changes_job ON job_changes (job_id, xid);
CREATE INDEX IF NOT EXISTS job_changes_age ON job_changes (at);

-- Triggers rather than a line in each JobStore transition: no path that changes a job can forget it.
-- Statement-level, over the transition tables: the events consumer records a whole batch of jobs in
-- one statement, and logs it in one INSERT and one NOTIFY per owner (not a plpgsql call per row).
-- The NOTIFY (payload: the owner) wakes that tenant's streams in every gateway process at commit.
CREATE OR REPLACE FUNCTION studio_log_job_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO job_changes (owner_id, job_id) SELECT owner_id, id FROM new_jobs;
    PERFORM pg_notify('studio_job_changes', owner::text) FROM (SELECT DISTINCT owner_id AS owner FROM new_jobs) o;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION studio_log_job_updates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO job_changes (owner_id, job_id)
    SELECT n.owner_id, n.id FROM new_jobs n JOIN old_jobs o ON o.id = n.id
    WHERE n.status IS DISTINCT FROM o.status OR n.progress IS DISTINCT FROM o.progress
       OR n.stage IS DISTINCT FROM o.stage;
    IF FOUND THEN
        PERFORM pg_notify('studio_job_changes', owner::text) FROM (
            SELECT DISTINCT n.owner_id AS owner FROM new_jobs n JOIN old_jobs o ON o.id = n.id
            WHERE n.status IS DISTINCT FROM o.status OR n.progress IS DISTINCT FROM o.progress
               OR n.stage IS DISTINCT FROM o.stage
        ) changed;
    END IF;
    RETURN NULL;
END
$$;

-- (Transition tables rule out a column list on the UPDATE trigger: the function compares instead.)
DROP TRIGGER IF EXISTS generation_jobs_inserted ON generation_jobs;
CREATE TRIGGER generation_jobs_inserted AFTER INSERT ON generation_jobs
    REFERENCING NEW TABLE AS new_jobs FOR EACH STATEMENT EXECUTE FUNCTION studio_log_job_inserts();
DROP TRIGGER IF EXISTS generation_jobs_updated ON generation_jobs;
CREATE TRIGGER generation_jobs_updated AFTER UPDATE ON generation_jobs
    REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs FOR EACH STATEMENT EXECUTE FUNCTION studio_log_job_updates();

-- The newest transaction whose changes were purged: a Last-Event-ID at or after it can still be replayed.
CREATE TABLE IF NOT EXISTS job_changes_purged (
    singleton  BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
    xid        BIGINT NOT NULL
);
INSERT INTO job_changes_purged (xid) VALUES (0) ON CONFLICT DO NOTHING;
