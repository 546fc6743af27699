"""Accounts engaged, sales-ready, routed and won in [$1, $2): one query for the scorer's account view
(`GET /v1/funnel/accounts`) and the router's dashboard panel. It reads both schemas, read only, as
reporting views may (DESIGN §1)."""

ACCOUNT_COUNTS = (
    "SELECT (SELECT count(DISTINCT l.account_key) FROM scorer.engagement_events e JOIN scorer.leads l USING (lead_key)"
    "        WHERE e.occurred_at >= $1 AND e.occurred_at < $2 AND l.account_key IS NOT NULL),"
    " (SELECT count(DISTINCT account_key) FROM scorer.account_qualifications WHERE qualified_at >= $1"
    "        AND qualified_at < $2),"
    " (SELECT count(DISTINCT l.account_key) FROM router.assignments a JOIN scorer.leads l USING (lead_key)"
    "        WHERE a.routed_at >= $1 AND a.routed_at < $2 AND l.account_key IS NOT NULL),"
    " (SELECT count(DISTINCT l.account_key) FROM router.lead_outcomes o JOIN scorer.leads l USING (lead_key)"
    "        WHERE o.status = 'won' AND o.occurred_at >= $1 AND o.occurred_at < $2 AND l.account_key IS NOT NULL)")
