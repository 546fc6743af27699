-- One account, one rep (docs/routing.md, "Accounts being worked"): routing reads the newest open
-- assignment of a lead's account for each decision.
CREATE INDEX assignments_account_open_idx ON router.assignments (account_id, routed_at DESC)
    WHERE status = 'open' AND account_id IS NOT NULL;
