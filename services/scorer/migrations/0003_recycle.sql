-- Leads sales rejected and the router recycled back to nurture (the agreement's `recycle` section).
ALTER TABLE scorer.leads
    ADD COLUMN recycled_at       timestamptz,
    ADD COLUMN recycle_count     integer NOT NULL DEFAULT 0,
    ADD COLUMN engagement_since  timestamptz,  -- touches at or before it no longer count toward qualifying
    ADD COLUMN requalify_after   timestamptz;  -- the cooldown: no new qualification before it
