"""`handoff demo`: a synthetic week of marketing and sales activity, sent through the public endpoints."""
