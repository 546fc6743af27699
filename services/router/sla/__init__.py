"""The SLA clock: business calendar and plan (pure), and the timers that warn, breach, escalate and reassign."""
