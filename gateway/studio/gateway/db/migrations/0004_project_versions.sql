-- Project versions (issue 16, web section 5): every production of a project is a version; a
-- re-render of chosen scenes makes the next one, recalling the unchanged steps by their ids.
-- Written with IF [NOT] EXISTS so it can be renumbered at merge and still apply once.

-- The version whose film is the project's `result` (0: none yet).
ALTER TABLE projects ADD COLUMN IF NOT EXISTS version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE IF NOT EXISTS project_versions (
    project_id  UUID NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    number      INTEGER NOT NULL CHECK (number > 0),
    status      TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
    -- Scenes (1-based) rendered anew with new seeds; empty = the whole film as asked.
    scenes      INTEGER[] NOT NULL DEFAULT '{}',
    -- What this version produced: its screenplay, planned steps (with the version that made each) and film.
    screenplay  JSONB,
    steps       JSONB NOT NULL DEFAULT '[]',
    result      JSONB,
    error       TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, number)
);

-- Productions made before versions existed are version 1.
INSERT INTO project_versions (project_id, number, status, screenplay, steps, result, error, created_at, updated_at)
SELECT id, 1, status, screenplay, steps, result, error, created_at, updated_at
FROM projects WHERE status <> 'draft'
ON CONFLICT DO NOTHING;
UPDATE projects SET version = 1 WHERE result IS NOT NULL AND version = 0;
