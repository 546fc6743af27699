-- How a pool shares its leads: weighted round robin (as before) or least busy (fewest open leads
-- for the weight; ties by the round-robin pass, then rep id). The pass moves on in both modes.
ALTER TABLE router.pools
    ADD COLUMN distribution text NOT NULL DEFAULT 'round_robin'
        CHECK (distribution IN ('round_robin', 'least_busy'));
