-- Account-level intent signals (docs/agreement.md, "Intent"): one row per signal, keyed by its event key,
-- read per account when its leads are scored and by backtests (signals observed before the window's end).
CREATE TABLE scorer.intent_signals (
    signal_key   text PRIMARY KEY,  -- source#id of the CloudEvent: a redelivery is the same signal
    account_key  text NOT NULL,     -- the registrable domain, as leads' account_key
    topic        text NOT NULL,
    strength     double precision NOT NULL CHECK (strength >= 0 AND strength <= 100),
    provider     text NOT NULL,
    observed_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX intent_signals_account ON scorer.intent_signals (account_key, observed_at);
