-- The sales-ops model: reps with calendars and capacity, weighted pools with rotation state,
-- accounts, ordered routing rules; every change versioned in an audit log.
ALTER TABLE router.reps
    ADD COLUMN work_days        smallint[] NOT NULL DEFAULT '{0,1,2,3,4}',
    ADD COLUMN work_start       time NOT NULL DEFAULT '09:00',
    ADD COLUMN work_end         time NOT NULL DEFAULT '17:00',
    ADD COLUMN holidays         date[] NOT NULL DEFAULT '{}',
    ADD COLUMN max_open         integer CHECK (max_open IS NULL OR max_open >= 0),
    ADD COLUMN max_new_per_day  integer CHECK (max_new_per_day IS NULL OR max_new_per_day >= 0),
    ADD COLUMN version          integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at       timestamptz NOT NULL DEFAULT now();

CREATE TABLE router.out_of_office (
    rep_id     text NOT NULL REFERENCES router.reps ON DELETE CASCADE,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL CHECK (ends_at > starts_at),
    PRIMARY KEY (rep_id, starts_at)
);

-- Rotation state lives here, not in a process: the pool row is the lock that orders decisions.
ALTER TABLE router.pools
    ADD COLUMN respect_working_hours  boolean NOT NULL DEFAULT false,
    ADD COLUMN virtual_time           double precision NOT NULL DEFAULT 0,
    ADD COLUMN version                integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at             timestamptz NOT NULL DEFAULT now();
ALTER TABLE router.pool_members
    ADD COLUMN pass_value double precision NOT NULL DEFAULT 0;

CREATE TABLE router.accounts (
    account_id    text PRIMARY KEY,
    name          text NOT NULL,
    owner_rep_id  text REFERENCES router.reps ON DELETE SET NULL,
    key_account   boolean NOT NULL DEFAULT false,
    version       integer NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE router.account_domains (
    domain      text PRIMARY KEY,  -- registrable domain, lower case
    account_id  text NOT NULL REFERENCES router.accounts ON DELETE CASCADE
);

-- The whole ordered rule set is one versioned document; the newest version is in force.
CREATE TABLE router.rule_sets (
    version     serial PRIMARY KEY,
    rules       jsonb NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE router.audit_log (
    id          bigserial PRIMARY KEY,
    entity      text NOT NULL,   -- rep, pool, account, rule_set
    entity_id   text NOT NULL,
    version     integer NOT NULL,
    action      text NOT NULL,   -- created, updated, deleted, imported
    key_id      text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    after       jsonb
);
CREATE INDEX audit_log_entity_idx ON router.audit_log (entity, entity_id, id);

-- Assignment bookkeeping for capacity and reassignment.
ALTER TABLE router.assignments
    ADD COLUMN status         text NOT NULL DEFAULT 'open',   -- open, closed, reassigned
    ADD COLUMN attempt        integer NOT NULL DEFAULT 1,
    ADD COLUMN account_id     text;
ALTER TABLE router.assignments DROP CONSTRAINT assignments_qualification_id_key;
-- At most one assignment per qualification and attempt; reassignments add attempts.
CREATE UNIQUE INDEX assignments_qualification_attempt ON router.assignments (qualification_id, attempt);
CREATE INDEX assignments_rep_open_idx ON router.assignments (rep_id) WHERE status = 'open';
CREATE INDEX assignments_rep_day_idx ON router.assignments (rep_id, routed_at);
