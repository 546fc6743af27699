-- The follow-up loop: what each assignment's rep did and when, SLA timers, CRM activities.
-- assignments.status: open, reassigned (moved on after a breach), unworked (gave up), closed (outcome).
ALTER TABLE router.assignments
    ADD COLUMN qualification        jsonb,             -- the LeadQualified payload: reassignment, reports
    ADD COLUMN accept_due_at        timestamptz,
    ADD COLUMN first_touched_at     timestamptz,
    ADD COLUMN first_touch_minutes  double precision,  -- business minutes from routed_at to the first touch
    ADD COLUMN touched_on_time      boolean,
    ADD COLUMN breached_at          timestamptz,       -- first-touch target missed
    ADD COLUMN escalated_to         text,              -- the manager told about the breach
    ADD COLUMN outcome              text,              -- accepted, rejected, converted, won, lost
    ADD COLUMN outcome_reason       text,
    ADD COLUMN outcome_at           timestamptz,
    ADD COLUMN closed_at            timestamptz;
CREATE INDEX assignments_routed_idx ON router.assignments (routed_at);

-- Due instants of one assignment's SLA steps; any replica claims them with FOR UPDATE SKIP LOCKED.
CREATE TABLE router.sla_timers (
    timer_id       text PRIMARY KEY,
    assignment_id  text NOT NULL REFERENCES router.assignments,
    kind           text NOT NULL CHECK (kind IN ('warning', 'breach', 'accept_breach')),
    seq            integer NOT NULL DEFAULT 0,          -- which warning point
    due_at         timestamptz NOT NULL,
    fired_at       timestamptz,
    cancelled_at   timestamptz,
    error          text                                 -- why firing failed (then cancelled)
);
CREATE INDEX sla_timers_pending_idx ON router.sla_timers (due_at)
    WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX sla_timers_assignment_idx ON router.sla_timers (assignment_id);

-- Every CRM activity once (by its own id, whichever way it came in).
CREATE TABLE router.crm_activities (
    activity_id    text PRIMARY KEY,
    lead_key       text NOT NULL,
    assignment_id  text REFERENCES router.assignments,
    rep_id         text,
    kind           text NOT NULL,
    status         text,
    reason         text,
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX crm_activities_lead_idx ON router.crm_activities (lead_key, occurred_at);
