"""Agreement versions: drafts, approvals by marketing and sales, activation, diffs and backtests over HTTP."""
