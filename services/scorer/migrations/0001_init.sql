-- Scorer schema: inbox/outbox plumbing, raw engagement history, leads.
CREATE TABLE scorer.inbox (
    consumer   text NOT NULL,
    event_key  text NOT NULL,
    seen_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_key)
);

CREATE TABLE scorer.outbox (
    id         bigserial PRIMARY KEY,
    topic      text NOT NULL,
    key        text NOT NULL,
    value      bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Raw history, kept for backtests of draft agreements.
CREATE TABLE scorer.engagement_events (
    event_key    text PRIMARY KEY,
    lead_key     text NOT NULL,
    source       text NOT NULL,
    activity     text NOT NULL,
    campaign     text,
    occurred_at  timestamptz NOT NULL,
    payload      jsonb NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX engagement_events_lead_idx ON scorer.engagement_events (lead_key, occurred_at);
CREATE INDEX engagement_events_time_idx ON scorer.engagement_events (occurred_at);

CREATE TABLE scorer.leads (
    lead_key          text PRIMARY KEY,
    email             text,
    source            text NOT NULL,
    lifecycle         text NOT NULL DEFAULT 'new',
    attributes        jsonb NOT NULL DEFAULT '{}',
    first_seen_at     timestamptz NOT NULL,
    last_engaged_at   timestamptz NOT NULL,
    qualified_at      timestamptz,
    qualification_id  text,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
