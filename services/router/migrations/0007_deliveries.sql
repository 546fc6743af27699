-- Outbound delivery: HTTPS subscriptions to routed and follow-up events, one delivery per
-- (subscription, event), and every attempt. Workers claim due deliveries with a lease, never
-- holding a transaction open during the HTTP call.
CREATE TABLE router.subscriptions (
    subscription_id  text PRIMARY KEY,
    url              text NOT NULL,
    event_types      text[] NOT NULL,       -- filters: a type, or handoff.lead.followup:<status>
    description      text,
    secret           text NOT NULL,         -- whsec_...; signs every request, shown once, never logged
    active           boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE router.deliveries (
    delivery_id       text PRIMARY KEY,     -- the webhook-id of every attempt
    subscription_id   text NOT NULL REFERENCES router.subscriptions ON DELETE CASCADE,
    event_key         text NOT NULL,        -- source#id of the CloudEvent
    event_type        text NOT NULL,
    payload           text NOT NULL,        -- the exact body sent (and signed) on every attempt
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts          integer NOT NULL DEFAULT 0,   -- all attempts, replays included
    round_start       integer NOT NULL DEFAULT 0,   -- `attempts` when last (re)queued: the retry budget starts there
    queued_at         timestamptz NOT NULL DEFAULT now(),
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    locked_until      timestamptz,                  -- a worker's lease while it sends
    delivered_at      timestamptz,
    last_status_code  integer,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (subscription_id, event_key)
);
CREATE INDEX deliveries_due_idx ON router.deliveries (subscription_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_log_idx ON router.deliveries (subscription_id, created_at DESC);

CREATE TABLE router.delivery_attempts (
    delivery_id  text NOT NULL REFERENCES router.deliveries ON DELETE CASCADE,
    attempt      integer NOT NULL,
    started_at   timestamptz NOT NULL,
    duration_ms  double precision NOT NULL,
    status_code  integer,                   -- null when no answer came (timeout, refused)
    error        text,
    PRIMARY KEY (delivery_id, attempt)
);
