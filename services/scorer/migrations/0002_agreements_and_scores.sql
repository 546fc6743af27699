-- The agreement (versions, joint sign-off, history), lead scores and identities.
CREATE TABLE scorer.agreements (
    version        serial PRIMARY KEY,
    name           text NOT NULL,
    document       jsonb NOT NULL,
    source_format  text NOT NULL CHECK (source_format IN ('yaml', 'json')),
    source_text    text NOT NULL,
    status         text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'retired')),
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    activated_at   timestamptz,
    activated_by   text
);
-- At most one active version, whatever two activations race to do.
CREATE UNIQUE INDEX agreements_one_active ON scorer.agreements ((true)) WHERE status = 'active';

CREATE TABLE scorer.agreement_approvals (
    version      integer NOT NULL REFERENCES scorer.agreements ON DELETE CASCADE,
    role         text NOT NULL CHECK (role IN ('marketing', 'sales')),
    key_id       text NOT NULL,
    approved_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (version, role),
    UNIQUE (version, key_id)  -- one key cannot give both approvals
);

CREATE TABLE scorer.agreement_history (
    id       bigserial PRIMARY KEY,
    version  integer NOT NULL REFERENCES scorer.agreements ON DELETE CASCADE,
    action   text NOT NULL,
    key_id   text NOT NULL,
    role     text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now(),
    detail   jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX agreement_history_version_idx ON scorer.agreement_history (version, at);

-- The latest score of each lead, with the version that decided it and its explanation.
CREATE TABLE scorer.lead_scores (
    lead_key            text PRIMARY KEY,
    agreement_version   integer NOT NULL,
    fit                 double precision NOT NULL,
    engagement          double precision NOT NULL,
    account_engagement  double precision NOT NULL,
    disqualified        text,
    sales_ready         boolean NOT NULL,
    tier                text,
    reason              text,
    explanation         jsonb NOT NULL,
    mismatches          jsonb NOT NULL DEFAULT '[]',
    scored_at           timestamptz NOT NULL
);

-- Tool ids that belong to a lead: HubSpot object ids, anonymous ids, Mautic contact ids.
CREATE TABLE scorer.identities (
    source       text NOT NULL,
    external_id  text NOT NULL,
    lead_key     text NOT NULL,
    linked_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, external_id)
);
CREATE INDEX identities_lead_idx ON scorer.identities (lead_key);

ALTER TABLE scorer.leads ADD COLUMN account_key text;
ALTER TABLE scorer.leads ADD COLUMN qualified_version integer;
CREATE INDEX leads_account_idx ON scorer.leads (account_key) WHERE account_key IS NOT NULL;
