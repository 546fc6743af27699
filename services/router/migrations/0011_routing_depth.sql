-- Routing depth (#22). A rep who misses K first-touch SLAs in a row is set unavailable until a
-- manager clears it, opt-in per pool (K on the pool whose lead was missed; NULL: never).
ALTER TABLE router.pools
    ADD COLUMN unavailable_after_misses integer
        CHECK (unavailable_after_misses IS NULL OR unavailable_after_misses BETWEEN 1 AND 20);
ALTER TABLE router.reps
    ADD COLUMN unavailable_since    timestamptz,  -- set by the SLA clock; cleared by a manager
    ADD COLUMN unavailable_reason   text,
    ADD COLUMN misses_counted_from  timestamptz;  -- the clearing: misses before it count no more

-- Weak lead-to-account matches by company name or website (a score in the grey band): the lead
-- routed as if unmatched, and the candidate waits here for ops to confirm or reject it.
CREATE TABLE router.account_match_reviews (
    review_id         bigserial PRIMARY KEY,
    qualification_id  text NOT NULL UNIQUE,
    lead_key          text NOT NULL,
    account_id        text NOT NULL REFERENCES router.accounts ON DELETE CASCADE,
    score             double precision NOT NULL,
    method            text NOT NULL,              -- name, website
    compared          jsonb NOT NULL,             -- what the lead said, the account's name, both normalised
    queued_at         timestamptz NOT NULL,
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'rejected')),
    decided_by        text,
    decided_at        timestamptz
);
CREATE INDEX account_match_reviews_pending_idx ON router.account_match_reviews (queued_at) WHERE status = 'pending';

-- What a subscription's deliveries carry: the signed CloudEvent, a Slack message or a Teams card.
ALTER TABLE router.subscriptions
    ADD COLUMN format text NOT NULL DEFAULT 'cloudevent' CHECK (format IN ('cloudevent', 'slack', 'teams'));

-- Skills and languages with levels (1-5), on reps; the needs of every lead of a pool; and leads that
-- wait in overflow for a rep with optional skills until the wait ends (then decided again).
ALTER TABLE router.reps
    ADD COLUMN skills     jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN languages  jsonb NOT NULL DEFAULT '{}';
ALTER TABLE router.pools ADD COLUMN skills jsonb NOT NULL DEFAULT '[]';
ALTER TABLE router.overflow
    ADD COLUMN retry_at       timestamptz,
    ADD COLUMN qualification  jsonb;  -- the LeadQualified payload, to decide it again
CREATE INDEX overflow_retry_idx ON router.overflow (retry_at) WHERE resolved_at IS NULL AND retry_at IS NOT NULL;
