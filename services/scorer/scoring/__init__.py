"""Applying the lead definition: identity, fit and engagement scores, lifecycle up to sales-ready, stored history."""
