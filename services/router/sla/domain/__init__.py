"""Pure SLA planning: the business clock, due times, timers and breach actions."""
