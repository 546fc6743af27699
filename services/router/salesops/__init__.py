"""Sales-ops data: reps, pools, accounts and routing rules, versioned and audited, with CSV import."""
