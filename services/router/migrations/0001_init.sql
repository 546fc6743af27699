-- Router schema: inbox/outbox plumbing, reps and pools, assignments and overflow.
CREATE TABLE router.inbox (
    consumer   text NOT NULL,
    event_key  text NOT NULL,
    seen_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_key)
);

CREATE TABLE router.outbox (
    id         bigserial PRIMARY KEY,
    topic      text NOT NULL,
    key        text NOT NULL,
    value      bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE router.reps (
    rep_id      text PRIMARY KEY,
    name        text NOT NULL,
    email       text,
    team        text,
    manager_id  text,
    time_zone   text NOT NULL DEFAULT 'UTC',
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE router.pools (
    pool_id  text PRIMARY KEY,
    name     text NOT NULL
);

CREATE TABLE router.pool_members (
    pool_id  text NOT NULL REFERENCES router.pools ON DELETE CASCADE,
    rep_id   text NOT NULL REFERENCES router.reps ON DELETE CASCADE,
    weight   integer NOT NULL DEFAULT 1 CHECK (weight > 0),
    PRIMARY KEY (pool_id, rep_id)
);

-- One assignment per qualification, whatever redeliveries or replicas do.
CREATE TABLE router.assignments (
    assignment_id      text PRIMARY KEY,
    qualification_id   text NOT NULL UNIQUE,
    lead_key           text NOT NULL,
    rep_id             text NOT NULL REFERENCES router.reps,
    pool_id            text,
    rule               text NOT NULL,
    tier               text NOT NULL,
    agreement_version  integer,
    routed_at          timestamptz NOT NULL,
    decision           jsonb NOT NULL
);
CREATE INDEX assignments_lead_idx ON router.assignments (lead_key);

-- Leads nobody could take: visible, never lost.
CREATE TABLE router.overflow (
    qualification_id  text PRIMARY KEY,
    lead_key          text NOT NULL,
    pool_id           text,
    tier              text NOT NULL,
    queued_at         timestamptz NOT NULL,
    decision          jsonb NOT NULL,
    resolved_at       timestamptz
);
