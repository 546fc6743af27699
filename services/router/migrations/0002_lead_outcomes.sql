-- The latest CRM outcome of each lead (accepted, rejected + reason, converted, won, lost).
-- Written by the CRM activity handling; read by the scorer's backtests and the funnel.
CREATE TABLE router.lead_outcomes (
    lead_key    text PRIMARY KEY,
    status      text NOT NULL,
    reason      text,
    occurred_at timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
