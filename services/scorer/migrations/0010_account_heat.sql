-- The accounts heating up this week (services/scorer/scoring/account_heat.py): one row the scorer
-- replaces every minute or so, for the router's dashboard, which may not run the scoring engine.
CREATE TABLE scorer.account_heat (
    only_row           boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    since              timestamptz NOT NULL,
    until              timestamptz NOT NULL,  -- when it was computed
    agreement_version  integer,
    accounts           jsonb NOT NULL  -- [{account_key, rise, engagement, contacts, personas}], largest rise first
);
