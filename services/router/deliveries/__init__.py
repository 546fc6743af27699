"""Outbound delivery: subscriptions, fan-out of routed and follow-up events, signed HTTP sends with retries."""
