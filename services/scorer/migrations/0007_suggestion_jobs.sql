-- Suggestion jobs (docs/predictive.md): one row per request, run by a process of its own like a backtest job
-- (0005): it claims the row (pid, host), beats, writes its step and the result (the draft's version and the
-- report) or the refusal / error here.
CREATE TABLE scorer.suggestion_jobs (
    job_id         uuid PRIMARY KEY,
    status         text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'refused', 'failed')),
    since          timestamptz NOT NULL,
    until          timestamptz NOT NULL,
    params         jsonb NOT NULL DEFAULT '{}',  -- per_week, exclude
    requested_by   text NOT NULL,  -- the key id
    pid            integer,
    host           text,
    step           text,  -- what the job is doing now
    percent        real NOT NULL DEFAULT 0,
    draft_version  integer REFERENCES scorer.agreements ON DELETE SET NULL,  -- the stored draft, when done
    report         jsonb,
    error          jsonb,  -- {code, message, numbers} when refused or failed
    created_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    heartbeat_at   timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz
);
CREATE INDEX suggestion_jobs_unfinished_idx ON scorer.suggestion_jobs (heartbeat_at)
    WHERE status IN ('queued', 'running');
-- The latest done suggestion is the one "in force for comparison" on GET /v1/leads/{key}/score.
CREATE INDEX suggestion_jobs_done_idx ON scorer.suggestion_jobs (finished_at DESC) WHERE status = 'done';
