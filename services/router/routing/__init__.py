"""Choosing the rep: rules, accounts, pools and rotation, assignments and overflow, the preview."""
