-- The rep's first decision on an assignment, kept apart from the furthest stage (`outcome`):
-- marketing's acceptance rate counts first decisions (accepted, then later rejected, is accepted).
ALTER TABLE router.assignments
    ADD COLUMN first_outcome         text,
    ADD COLUMN first_outcome_reason  text,
    ADD COLUMN first_outcome_at      timestamptz;
CREATE INDEX assignments_first_outcome_idx ON router.assignments (first_outcome_at)
    WHERE first_outcome IS NOT NULL;
