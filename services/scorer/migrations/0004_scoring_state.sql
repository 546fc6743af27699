-- Scoring as incremental state (docs/agreement.md, "How scores are kept"): each lead keeps its
-- engine state under the version and the engagement cut (recycle) it was built for; a mismatch
-- rebuilds that lead from its stored history once.
ALTER TABLE scorer.leads
    ADD COLUMN score_state          jsonb,
    ADD COLUMN score_state_version  integer,
    ADD COLUMN score_state_since    timestamptz;

-- Each account's forward-decayed engagement over its contacts (sum of their own sums at `landmark_us`).
CREATE TABLE scorer.account_states (
    account_key        text PRIMARY KEY,
    agreement_version  integer NOT NULL,
    landmark_us        bigint,
    total              double precision NOT NULL DEFAULT 0,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
