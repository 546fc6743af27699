-- A rep who misses K first-touch SLAs in a row is set unavailable until a manager clears it,
-- opt-in per pool (K on the pool whose lead was missed; NULL: never).
ALTER TABLE router.pools
    ADD COLUMN unavailable_after_misses integer
        CHECK (unavailable_after_misses IS NULL OR unavailable_after_misses BETWEEN 1 AND 20);
ALTER TABLE router.reps
    ADD COLUMN unavailable_since    timestamptz,  -- set by the SLA clock; cleared by a manager
    ADD COLUMN unavailable_reason   text,
    ADD COLUMN misses_counted_from  timestamptz;  -- the clearing: misses before it count no more
