-- The weekly reviews published (issue #20): one row per ISO week, claimed by the replica that builds it,
-- so the Monday job publishes each week once however many routers run; a republish counts up.
CREATE TABLE router.reviews (
    week          text PRIMARY KEY,         -- 2026-W48
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    published     integer NOT NULL DEFAULT 1,
    published_at  timestamptz NOT NULL,
    event         jsonb NOT NULL            -- the last handoff.review.published data sent
);
