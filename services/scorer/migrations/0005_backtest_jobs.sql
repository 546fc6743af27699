-- Backtest jobs (docs/agreement.md, "Backtest and history"): one row per request, run by a process of
-- its own, which claims it (pid, host), beats, and writes its progress and the report or the error here.
CREATE TABLE scorer.backtest_jobs (
    job_id         uuid PRIMARY KEY,
    status         text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    draft_version  integer NOT NULL REFERENCES scorer.agreements ON DELETE CASCADE,
    document       jsonb NOT NULL,  -- the draft as it was when asked for: a draft may be edited meanwhile
    since          timestamptz NOT NULL,
    until          timestamptz NOT NULL,
    requested_by   text NOT NULL,  -- the key id
    pid            integer,  -- of the job's process, on `host`
    host           text,
    events_done    bigint NOT NULL DEFAULT 0,
    events_total   bigint,
    report         jsonb,
    error          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    heartbeat_at   timestamptz NOT NULL DEFAULT now(),  -- a job unfinished without a beat for a minute is lost
    finished_at    timestamptz
);
CREATE INDEX backtest_jobs_unfinished_idx ON scorer.backtest_jobs (heartbeat_at)
    WHERE status IN ('queued', 'running');
